// Loading, empty, error, no-access and not-found states.

import type { ComponentChildren } from 'preact';
import { errorDetail, errorMessage } from '../lib/errors';
import { t } from '../i18n';
import { Link } from './Link';

export function Loading({ label }: { label?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite" data-testid="state-loading">
      <span class="spinner" aria-hidden="true" />
      <span>{label ?? t('common.loading')}</span>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return (
    <div class="state state-empty" data-testid="state-empty">
      <p>{children}</p>
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const detail = errorDetail(error);
  return (
    <div class="state state-error" role="alert" data-testid="state-error">
      <h2>{t('state.errorTitle')}</h2>
      <p>{errorMessage(error)}</p>
      {detail && <p class="muted small">{detail}</p>}
      {onRetry && (
        <button type="button" class="btn" onClick={onRetry} data-testid="state-retry">
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function NoAccess({ permission }: { permission: string }) {
  return (
    <section class="state state-noaccess" data-testid="no-access" aria-labelledby="no-access-title">
      <h1 id="no-access-title">{t('state.noAccessTitle')}</h1>
      <p>{t('state.noAccessBody', { permission })}</p>
      <Link href="/" class="btn">
        {t('state.goHome')}
      </Link>
    </section>
  );
}

export function NotFound() {
  return (
    <section class="state" data-testid="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">{t('state.notFoundTitle')}</h1>
      <p>{t('state.notFoundBody')}</p>
      <Link href="/" class="btn">
        {t('state.goHome')}
      </Link>
    </section>
  );
}
