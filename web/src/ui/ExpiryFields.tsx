// ExpiryFields.tsx - the expiry choice of a new API key (a preset or a custom date), shared by
// the Account page's key form and the Connect page: the select and, for "custom", the date.
// Ids and test ids are `${idPrefix}-expiry` and `${idPrefix}-expiry-date`.
import { EXPIRY_CHOICES, type Expiry } from '../lib/expiry';
import { t, type MessageKey } from '../i18n';
import { TextField } from './fields';

type Props = {
  idPrefix: string;
  expiry: Expiry;
  onExpiry: (value: Expiry) => void;
  date: string;
  onDate: (value: string) => void;
  dateError?: string | null;
};

export function ExpiryFields({ idPrefix, expiry, onExpiry, date, onDate, dateError }: Props) {
  return (
    <>
      <div class="field">
        <label for={`${idPrefix}-expiry`}>{t('apiKeys.expiry')}</label>
        <select id={`${idPrefix}-expiry`} value={expiry} onChange={(e) => onExpiry((e.target as HTMLSelectElement).value as Expiry)} data-testid={`${idPrefix}-expiry`}>
          {EXPIRY_CHOICES.map((c) => (
            <option key={c} value={c}>
              {t(`apiKeys.expiry.${c}` as MessageKey)}
            </option>
          ))}
        </select>
      </div>
      {expiry === 'custom' && (
        <TextField id={`${idPrefix}-expiry-date`} type="date" label={t('apiKeys.expiryDate')} value={date} onValue={onDate} error={dateError} required testid={`${idPrefix}-expiry-date`} />
      )}
    </>
  );
}
