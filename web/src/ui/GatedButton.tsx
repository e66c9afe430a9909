// A button that may be unavailable for a stated reason (usually a missing permission): disabled,
// with the reason as tooltip and as its accessible description.

import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

let seq = 0;

export interface GatedButtonProps {
  onClick: () => void;
  children: ComponentChildren;
  /** Why the action is not available; null = available. */
  reason: string | null;
  busy?: boolean;
  class?: string;
  testid?: string;
  describedBy?: string;
  type?: 'button' | 'submit';
}

export function GatedButton({ onClick, children, reason, busy, class: cls = 'btn btn-small', testid, describedBy, type = 'button' }: GatedButtonProps) {
  const id = useRef(`gated-${++seq}`).current;
  const described = [describedBy, reason ? id : ''].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <button
        type={type}
        class={cls}
        disabled={!!reason || busy}
        title={reason ?? undefined}
        aria-describedby={described}
        aria-busy={busy ? 'true' : undefined}
        onClick={onClick}
        data-testid={testid}
        data-disabled-reason={reason ?? undefined}
      >
        {children}
      </button>
      {reason && (
        <span id={id} class="sr-only">
          {reason}
        </span>
      )}
    </>
  );
}
