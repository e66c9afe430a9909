// Human text for a failure: the API's own message, or a translated one for transport errors.

import { isApiError, NETWORK_ERROR, TIMEOUT_ERROR } from '../api/client';
import { t } from '../i18n';

export function errorMessage(err: unknown): string {
  if (isApiError(err)) {
    if (err.code === NETWORK_ERROR) return t('error.network');
    if (err.code === TIMEOUT_ERROR) return t('error.timeout');
    if (err.code === 'invalid_response') return t('error.invalidResponse');
    // No envelope (e.g. a proxy's error page): say what we know, translated.
    if (/^http_\d+$/.test(err.code)) return t('error.http', { status: err.status });
    return err.message || t('error.unknown');
  }
  if (err instanceof Error && err.message) return err.message;
  return t('error.unknown');
}

/** "Error code x · Trace y" for support, or null. */
export function errorDetail(err: unknown): string | null {
  if (!isApiError(err) || err.status === 0) return null;
  const parts = [t('error.code', { code: err.code })];
  if (err.traceId) parts.push(t('error.trace', { traceId: err.traceId }));
  return parts.join(' · ');
}
