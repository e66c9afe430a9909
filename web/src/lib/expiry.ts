// Expiry choices for personal API keys.

export const EXPIRY_CHOICES = ['never', '7', '30', '90', '365', 'custom'] as const;
export type Expiry = (typeof EXPIRY_CHOICES)[number];

/** The expiry instant for a choice (end of the chosen local day for a custom date). */
export function expiryToUtc(choice: Expiry, customDate: string, now: Date = new Date()): string | null | 'invalid' {
  if (choice === 'never') return null;
  if (choice === 'custom') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(customDate)) return 'invalid';
    const [y, m, d] = customDate.split('-').map((x) => parseInt(x, 10));
    const end = new Date(y, m - 1, d, 23, 59, 59);
    if (Number.isNaN(end.getTime()) || end.getTime() <= now.getTime()) return 'invalid';
    return end.toISOString();
  }
  return new Date(now.getTime() + parseInt(choice, 10) * 86_400_000).toISOString();
}
