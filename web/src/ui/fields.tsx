// Labelled form fields. Every input has a <label>; hints and errors are linked with
// aria-describedby, and invalid fields carry aria-invalid.

import type { JSX } from 'preact';
import { t } from '../i18n';
import { PASSWORD_MIN_LENGTH, type PasswordProblem } from '../lib/password';

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'onInput' | 'value'>;

export interface TextFieldProps extends InputProps {
  id: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string | null;
  error?: string | null;
  testid?: string;
}

export function TextField({ id, label, value, onValue, hint, error, testid, ...rest }: TextFieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        {...rest}
        id={id}
        value={value}
        onInput={(e) => onValue((e.target as HTMLInputElement).value)}
        aria-describedby={describedBy}
        aria-invalid={error ? 'true' : undefined}
        data-testid={testid}
      />
      {hint && (
        <p id={hintId} class="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errId} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export interface TextAreaFieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
  testid?: string;
  maxLength?: number;
  rows?: number;
}

export function TextAreaField({ id, label, value, onValue, testid, maxLength, rows = 3 }: TextAreaFieldProps) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea
        id={id}
        value={value}
        rows={rows}
        maxLength={maxLength}
        onInput={(e) => onValue((e.target as HTMLTextAreaElement).value)}
        data-testid={testid}
      />
    </div>
  );
}

export function passwordProblemText(p: PasswordProblem): string | null {
  if (p === 'tooShort') return t('password.tooShort', { min: PASSWORD_MIN_LENGTH });
  if (p === 'tooLong') return t('password.tooLong');
  if (p === 'mismatch') return t('password.mismatch');
  return null;
}

export function PasswordField(props: Omit<TextFieldProps, 'type' | 'hint'> & { showPolicy?: boolean; autocomplete?: string }) {
  const { showPolicy, autocomplete, ...rest } = props;
  return (
    <TextField
      {...rest}
      type="password"
      autocomplete={autocomplete ?? 'new-password'}
      hint={showPolicy ? t('password.policy', { min: PASSWORD_MIN_LENGTH }) : null}
    />
  );
}
