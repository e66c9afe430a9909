import { useEffect, useState } from 'preact/hooks';
import { api, isApiError } from '../api/client';
import { errorMessage } from '../lib/errors';
import { landingPath } from '../lib/permissions';
import { navigate, safeNext, useQuery } from '../lib/router';
import { useSession } from '../lib/session';
import { formatDuration, t } from '../i18n';
import { useTitle } from '../ui/useTitle';
import { Link } from '../ui/Link';

export function LoginPage() {
  useTitle(t('login.title'));
  const query = useQuery();
  const next = safeNext(query.get('next'));
  const session = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  // Announced once per failure (the visible countdown below is not a live region).
  const [alertText, setAlertText] = useState('');
  const [now, setNow] = useState(Date.now());

  // Already signed in (e.g. restored from the cookie): go where we were asked to.
  useEffect(() => {
    if (session.status === 'signedIn' && session.user) navigate(next ?? landingPath(session.user), { replace: true });
  }, [session.status]);

  useEffect(() => {
    if (waitUntil === null) return;
    const timer = setInterval(() => {
      const n = Date.now();
      setNow(n);
      if (n >= waitUntil) {
        setWaitUntil(null);
        setError(null);
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [waitUntil]);

  const remaining = waitUntil ? Math.max(0, Math.ceil((waitUntil - now) / 1000)) : 0;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || remaining > 0) return;
    const name = username.trim();
    if (!name || !password) {
      setError(t('login.required'));
      setAlertText(t('login.required'));
      return;
    }
    setBusy(true);
    setError(null);
    setAlertText('');
    try {
      const user = await api.login(name, password);
      navigate(next ?? landingPath(user), { replace: true });
    } catch (err) {
      let text: string;
      if (isApiError(err) && err.code === 'auth_too_many_attempts') {
        if (err.retryAfterSeconds !== null) {
          const n = Date.now();
          setNow(n);
          setWaitUntil(n + err.retryAfterSeconds * 1000);
          setError(null);
          text = t('login.tooMany', { time: formatDuration(err.retryAfterSeconds) });
        } else {
          text = t('login.tooManyNoTime');
          setError(text);
        }
      } else {
        text =
          isApiError(err) && err.code === 'auth_invalid_credentials'
            ? t('login.invalid')
            : isApiError(err) && err.code === 'auth_user_inactive'
              ? t('login.inactive')
              : errorMessage(err);
        setError(text);
      }
      setAlertText(text);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  const message = remaining > 0 ? t('login.tooMany', { time: formatDuration(remaining) }) : error;

  return (
    <section class="login-card" aria-labelledby="login-title">
      <h1 id="login-title">{t('login.title')}</h1>
      {next && !message && <p class="notice">{t('login.sessionEnded')}</p>}
      <form onSubmit={submit} noValidate data-testid="login-form">
        <div class="field">
          <label for="login-username">{t('login.username')}</label>
          <input
            id="login-username"
            name="username"
            autocomplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            value={username}
            onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
            data-testid="login-username"
            data-autofocus
            autoFocus
          />
        </div>
        <div class="field">
          <label for="login-password">{t('login.password')}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
            data-testid="login-password"
          />
        </div>
        {message && (
          <p class="form-error" data-testid="login-error" data-retry-after={remaining > 0 ? String(remaining) : undefined}>
            {message}
          </p>
        )}
        <span class="sr-only" role="alert">
          {alertText}
        </span>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy || remaining > 0} data-testid="login-submit">
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
      <p class="login-links">
        <Link href="/gallery" data-testid="login-gallery-link">
          {t('login.gallery')}
        </Link>
      </p>
    </section>
  );
}
