// An on/off switch: a button with role="switch" and aria-checked.

import { useRef } from 'preact/hooks';

export interface SwitchProps {
  checked: boolean;
  onChange: (next: boolean) => void;
  label: string;
  disabled?: boolean;
  busy?: boolean;
  testid?: string;
  /** Shown as tooltip and announced as description (e.g. why it is disabled). */
  reason?: string | null;
  /** Visible text next to the switch (the label stays the accessible name). */
  text?: string;
}

let seq = 0;

export function Switch({ checked, onChange, label, disabled, busy, testid, reason, text }: SwitchProps) {
  const id = useRef(`sw-reason-${++seq}`).current;
  const reasonId = reason ? id : undefined;
  return (
    <span class="switch-wrap">
      <button
        type="button"
        role="switch"
        class="switch"
        aria-checked={checked ? 'true' : 'false'}
        aria-label={label}
        aria-describedby={reasonId}
        aria-busy={busy ? 'true' : undefined}
        disabled={disabled || busy}
        title={reason ?? undefined}
        data-testid={testid}
        onClick={() => onChange(!checked)}
      >
        <span class="switch-knob" aria-hidden="true" />
      </button>
      {text && <span class="switch-text" aria-hidden="true">{text}</span>}
      {reasonId && (
        <span id={reasonId} class="sr-only">
          {reason}
        </span>
      )}
    </span>
  );
}
