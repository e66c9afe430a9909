// Password policy shown and checked by the console (the server enforces it too).

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_BYTES = 1024;

export type PasswordProblem = 'tooShort' | 'tooLong' | 'mismatch' | null;

export function passwordProblem(password: string, repeat?: string): PasswordProblem {
  if ([...password].length < PASSWORD_MIN_LENGTH) return 'tooShort';
  if (new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) return 'tooLong';
  if (repeat !== undefined && repeat !== password) return 'mismatch';
  return null;
}
