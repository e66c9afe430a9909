import { useState } from 'preact/hooks';
import { api } from '../api/client';
import { API } from '../api/endpoints';
import type { ApiKey, CreatedApiKey } from '../api/types';
import { copyText } from '../lib/clipboard';
import { expiryToUtc, type Expiry } from '../lib/expiry';
import { ExpiryFields } from '../ui/ExpiryFields';
import { grantablePermissions, sortPermissions } from '../lib/permissions';
import { passwordProblem } from '../lib/password';
import { navigate } from '../lib/router';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { formatDate, formatDateTime, t, type MessageKey } from '../i18n';
import { confirmDialog } from '../ui/confirm';
import { PasswordField, passwordProblemText, TextField } from '../ui/fields';
import { PermissionChecklist } from '../ui/PermissionChecklist';
import { Empty, ErrorState, Loading } from '../ui/states';
import { toast } from '../ui/toast';
import { useAction } from '../lib/useAction';
import { useTitle } from '../ui/useTitle';
import { roleLabel } from './Users';

export function AccountPage() {
  useTitle(t('account.title'));
  const { user } = useSession();
  if (!user) return null;
  return (
    <section class="stack">
      <h1 id="account-title">{t('account.title')}</h1>
      <div class="card" aria-labelledby="profile-title" role="region">
        <h2 id="profile-title">{t('account.profile')}</h2>
        <dl class="kv">
          <dt>{t('account.username')}</dt>
          <dd data-testid="account-username">{user.username}</dd>
          <dt>{t('account.role')}</dt>
          <dd>{roleLabel(user.role)}</dd>
          <dt>{t('account.created')}</dt>
          <dd>{formatDateTime(user.createdAtUtc)}</dd>
          <dt>{t('account.lastLogin')}</dt>
          <dd>{formatDateTime(user.lastLoginAtUtc)}</dd>
          <dt>{t('account.permissions')}</dt>
          <dd>
            {user.role === 'superAdmin' ? (
              t('perms.all')
            ) : user.permissions.length ? (
              <ul class="chips">
                {sortPermissions(user.permissions).map((p) => (
                  <li key={p} class="chip" title={p}>
                    {t(`perm.${p}` as MessageKey)}
                  </li>
                ))}
              </ul>
            ) : (
              t('common.none')
            )}
          </dd>
        </dl>
      </div>
      <ChangePassword />
      <ApiKeys />
    </section>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [tried, setTried] = useState(false);
  const problem = passwordProblem(next, repeat);
  const currentError = tried && !current ? t('common.required') : null;
  const nextError = tried && problem && problem !== 'mismatch' ? passwordProblemText(problem) : null;
  const repeatError = tried && problem === 'mismatch' ? passwordProblemText(problem) : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (!current || problem) return;
    setBusy(true);
    try {
      await API.changePassword(current, next);
      // Every session of this user was revoked by the server: sign in again.
      toast.info(t('account.passwordChanged'));
      api.setSession(null);
      navigate('/login?next=%2Faccount', { replace: true });
    } catch (err) {
      toast.error(err);
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="pw-title" data-testid="change-password-form">
      <h2 id="pw-title">{t('account.changePassword')}</h2>
      <PasswordField
        id="current-password"
        label={t('account.currentPassword')}
        value={current}
        onValue={setCurrent}
        error={currentError}
        autocomplete="current-password"
        required
        testid="current-password"
      />
      <PasswordField id="new-password" label={t('account.newPassword')} value={next} onValue={setNext} error={nextError} showPolicy required testid="new-password" />
      <PasswordField id="confirm-password" label={t('account.confirmPassword')} value={repeat} onValue={setRepeat} error={repeatError} required testid="confirm-password" />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="change-password-submit">
          {busy ? t('common.saving') : t('account.changePasswordSubmit')}
        </button>
      </div>
    </form>
  );
}

function isExpired(k: ApiKey): boolean {
  return !!k.expiresAtUtc && Date.parse(k.expiresAtUtc) <= Date.now();
}

function ApiKeys() {
  const { user } = useSession();
  const keys = useAsync(() => API.listApiKeys(), []);
  const own = grantablePermissions(user);
  const [name, setName] = useState('');
  const [perms, setPerms] = useState<string[]>([]);
  const [expiry, setExpiry] = useState<Expiry>('90');
  const [date, setDate] = useState('');
  const [busy, run] = useAction();
  const [tried, setTried] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);

  const expiresAt = expiryToUtc(expiry, date);
  const nameError = tried && !name.trim() ? t('apiKeys.nameRequired') : null;
  const permError = tried && perms.length === 0 ? t('apiKeys.permissionRequired') : null;
  const dateError = tried && expiresAt === 'invalid' ? t('apiKeys.dateInvalid') : null;

  const create = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (!name.trim() || perms.length === 0 || expiresAt === 'invalid') return;
    await run(async () => {
      const key = await API.createApiKey({ name: name.trim(), permissions: sortPermissions(perms), expiresAtUtc: expiresAt });
      setCreated(key);
      const { key: _secret, ...listed } = key;
      void _secret;
      keys.setData((l) => [listed, ...(l ?? [])]);
      toast.success(t('apiKeys.created', { name: key.name }));
      setName('');
      setPerms([]);
      setTried(false);
    });
  };

  const revoke = async (k: ApiKey) => {
    const ok = await confirmDialog({
      title: t('apiKeys.revokeTitle', { name: k.name }),
      body: t('apiKeys.revokeBody'),
      confirmLabel: t('apiKeys.revoke'),
      danger: true,
    });
    if (!ok) return;
    try {
      await API.revokeApiKey(k.id);
      keys.setData((l) => l?.filter((x) => x.id !== k.id));
      if (created?.id === k.id) setCreated(null);
      toast.success(t('apiKeys.revoked', { name: k.name }));
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <div class="card stack" role="region" aria-labelledby="keys-title">
      <h2 id="keys-title">{t('apiKeys.title')}</h2>
      <p class="muted">{t('apiKeys.intro')}</p>

      {created && (
        <div class="secret-box" role="status" data-testid="api-key-created">
          <h3>{t('apiKeys.secretTitle', { name: created.name })}</h3>
          <p class="warn">{t('apiKeys.secretHint')}</p>
          <div class="secret-row">
            <code class="secret" data-testid="api-key-secret" tabIndex={0}>
              {created.key}
            </code>
            <button type="button" class="btn" onClick={() => copyText(created.key)} data-testid="api-key-copy">
              {t('apiKeys.copy')}
            </button>
          </div>
          <button type="button" class="btn btn-small" onClick={() => setCreated(null)} data-testid="api-key-secret-dismiss">
            {t('apiKeys.dismiss')}
          </button>
        </div>
      )}

      <form onSubmit={create} noValidate class="stack" aria-labelledby="new-key-title" data-testid="api-key-form">
        <h3 id="new-key-title">{t('apiKeys.new')}</h3>
        <TextField id="api-key-name" label={t('apiKeys.name')} value={name} onValue={setName} error={nameError} maxLength={100} required autocomplete="off" testid="api-key-name" />
        <div class="field-row">
          <ExpiryFields idPrefix="api-key" expiry={expiry} onExpiry={setExpiry} date={date} onDate={setDate} dateError={dateError} />
        </div>
        <PermissionChecklist value={perms} onChange={setPerms} grantable={own} idPrefix="api-key-perm" legend={t('apiKeys.permissions')} />
        {permError && (
          <p class="field-error" role="alert">
            {permError}
          </p>
        )}
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="api-key-create">
            {busy ? t('common.saving') : t('apiKeys.create')}
          </button>
        </div>
      </form>

      <h3 id="keys-list-title">{t('apiKeys.list')}</h3>
      {keys.loading && !keys.data ? (
        <Loading />
      ) : keys.error && !keys.data ? (
        <ErrorState error={keys.error} onRetry={keys.reload} />
      ) : !keys.data?.length ? (
        <Empty>{t('apiKeys.empty')}</Empty>
      ) : (
        <div class="table-wrap" role="region" aria-labelledby="keys-list-title" tabIndex={0}>
          <table class="table" data-testid="api-keys-table">
            <thead>
              <tr>
                <th scope="col">{t('apiKeys.col.name')}</th>
                <th scope="col">{t('apiKeys.col.prefix')}</th>
                <th scope="col">{t('apiKeys.col.permissions')}</th>
                <th scope="col">{t('apiKeys.col.created')}</th>
                <th scope="col">{t('apiKeys.col.lastUsed')}</th>
                <th scope="col">{t('apiKeys.col.expires')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} data-testid="api-key-row" data-key-id={k.id} data-name={k.name}>
                  <th scope="row">{k.name}</th>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>
                    <ul class="chips">
                      {sortPermissions(k.permissions).map((p) => (
                        <li key={p} class="chip" title={t(`perm.${p}` as MessageKey)}>
                          {p}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>{formatDateTime(k.createdAtUtc)}</td>
                  <td>{k.lastUsedAtUtc ? formatDateTime(k.lastUsedAtUtc) : t('apiKeys.neverUsed')}</td>
                  <td>
                    {k.expiresAtUtc ? formatDate(k.expiresAtUtc) : t('apiKeys.noExpiry')}
                    {isExpired(k) && <span class="badge badge-warn">{t('apiKeys.expired')}</span>}
                  </td>
                  <td>
                    <button type="button" class="btn btn-small btn-danger" onClick={() => revoke(k)} aria-label={t('apiKeys.revokeLabel', { name: k.name })} data-testid="api-key-revoke">
                      {t('apiKeys.revoke')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
