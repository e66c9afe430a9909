// Promise-based confirmation dialog: `if (await confirmDialog({...})) …`.

import { createStore, useStore } from '../lib/store';
import { t } from '../i18n';
import { Dialog } from './Dialog';

interface ConfirmRequest {
  id: number;
  title: string;
  body: string;
  confirmLabel?: string;
  danger?: boolean;
  resolve: (ok: boolean) => void;
}

const current = createStore<ConfirmRequest | null>(null);

let seq = 0;

export function confirmDialog(opts: Omit<ConfirmRequest, 'resolve' | 'id'>): Promise<boolean> {
  return new Promise((resolve) => {
    current.get()?.resolve(false);
    current.set({ ...opts, id: ++seq, resolve });
  });
}

export function ConfirmHost() {
  const req = useStore(current);
  if (!req) return null;
  const finish = (ok: boolean) => {
    current.set(null);
    req.resolve(ok);
  };
  return (
    <Dialog key={req.id} title={req.title} onClose={() => finish(false)} testid="confirm-dialog" size="small" role="alertdialog" describedBy="confirm-body" initialFocus="[data-testid=confirm-cancel]">
      <div class="dialog-body">
        <p id="confirm-body">{req.body}</p>
      </div>
      <div class="dialog-footer">
        <button type="button" class="btn" onClick={() => finish(false)} data-testid="confirm-cancel">
          {t('common.cancel')}
        </button>
        <button type="button" class={req.danger ? 'btn btn-danger' : 'btn btn-primary'} onClick={() => finish(true)} data-testid="confirm-ok">
          {req.confirmLabel ?? t('common.confirm')}
        </button>
      </div>
    </Dialog>
  );
}
