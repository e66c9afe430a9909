// Toast notifications: polite live region for information, assertive for errors.

import { createStore, useStore } from '../lib/store';
import { errorDetail, errorMessage } from '../lib/errors';
import { t } from '../i18n';

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  message: string;
  detail: string | null;
}

const toasts = createStore<Toast[]>([]);
let nextId = 1;

function push(kind: Toast['kind'], message: string, detail: string | null = null, ttl = 6000): number {
  const id = nextId++;
  toasts.update((list) => [...list.slice(-4), { id, kind, message, detail }]);
  if (ttl > 0) setTimeout(() => dismiss(id), ttl);
  return id;
}

export function dismiss(id: number): void {
  toasts.update((list) => list.filter((x) => x.id !== id));
}

export const toast = {
  success: (message: string) => push('success', message),
  info: (message: string) => push('info', message, null, 8000),
  /** An error (ApiError carries the API's message) or plain text. */
  error: (err: unknown) =>
    push('error', typeof err === 'string' ? err : errorMessage(err), typeof err === 'string' ? null : errorDetail(err), 10000),
};

export function Toaster() {
  const list = useStore(toasts);
  const polite = list.filter((x) => x.kind !== 'error');
  const urgent = list.filter((x) => x.kind === 'error');
  const render = (x: Toast) => (
    <div key={x.id} class={`toast toast-${x.kind}`} data-testid="toast" data-kind={x.kind}>
      <div class="toast-body">
        <p class="toast-message">{x.message}</p>
        {x.detail && <p class="toast-detail">{x.detail}</p>}
      </div>
      <button type="button" class="icon-btn" onClick={() => dismiss(x.id)} aria-label={t('common.dismiss')}>
        ×
      </button>
    </div>
  );
  return (
    <div class="toasts" role="region" aria-label={t('common.notifications')}>
      <div role="status" aria-live="polite" class="toast-stack">
        {polite.map(render)}
      </div>
      <div role="alert" aria-live="assertive" class="toast-stack">
        {urgent.map(render)}
      </div>
    </div>
  );
}
