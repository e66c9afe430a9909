// Modal dialog on the native <dialog> element: focus is trapped by the browser (showModal),
// Escape closes, focus returns to the element that opened it.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';

let seq = 0;

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  testid?: string;
  /** Prevent closing with Escape / the close button while busy. */
  busy?: boolean;
  size?: 'small' | 'medium' | 'large';
  /** Element (selector inside the dialog) to focus first; default: first field or button. */
  initialFocus?: string;
  role?: 'dialog' | 'alertdialog';
  describedBy?: string;
}

export function Dialog({ title, onClose, children, testid, busy, size = 'medium', initialFocus, role, describedBy }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`dlg-title-${++seq}`).current;
  const busyRef = useRef(busy);
  busyRef.current = busy;
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const dlg = ref.current;
    if (!dlg) return;
    const opener = document.activeElement as HTMLElement | null;
    if (!dlg.open) {
      try {
        dlg.showModal();
      } catch {
        dlg.setAttribute('open', '');
      }
    }
    const target =
      (initialFocus && dlg.querySelector<HTMLElement>(initialFocus)) ||
      dlg.querySelector<HTMLElement>('[data-autofocus]') ||
      dlg.querySelector<HTMLElement>('.dialog-body input:not([disabled]), .dialog-body select:not([disabled]), .dialog-body textarea:not([disabled])') ||
      dlg.querySelector<HTMLElement>('.dialog-footer button:not([disabled])');
    target?.focus();
    const onCancel = (e: Event) => {
      e.preventDefault();
      if (!busyRef.current) closeRef.current();
    };
    dlg.addEventListener('cancel', onCancel);
    return () => {
      dlg.removeEventListener('cancel', onCancel);
      if (dlg.open) dlg.close();
      if (opener && document.contains(opener)) opener.focus();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <dialog
      ref={ref}
      class={`dialog dialog-${size}`}
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      role={role === 'alertdialog' ? 'alertdialog' : undefined}
      data-testid={testid}
      onClick={(e) => {
        // Click on the backdrop (outside the panel) closes.
        if (e.target === ref.current && !busyRef.current) closeRef.current();
      }}
    >
      <div class="dialog-panel">
        <header class="dialog-header">
          <h2 id={titleId}>{title}</h2>
          <button
            type="button"
            class="icon-btn"
            onClick={() => !busy && onClose()}
            disabled={busy}
            aria-label={t('common.close')}
            data-testid="dialog-close"
          >
            ×
          </button>
        </header>
        {children}
      </div>
    </dialog>
  );
}
