// The create / edit dialog of a storage provider profile: fields per type (local,
// s3-compatible, github-repo; github-releases declared only), inline validation mirroring the
// server's rules, the server's error codes shown on their fields, and write-only secrets with
// keep / replace / clear (lib/storage.ts builds the request bodies).

import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { isApiError } from '../api/client';
import { API } from '../api/endpoints';
import type { StorageProfile } from '../api/types';
import { errorMessage } from '../lib/errors';
import {
  canClearSecret,
  createBody,
  emptyForm,
  endpointKnown,
  fieldForCode,
  formFromProfile,
  PROVIDER_TYPES,
  patchBody,
  secretFieldsOf,
  validateForm,
  type FormErrors,
  type FormField,
  type ProfileForm,
  type Problem,
  type SecretField,
  type SecretMode,
} from '../lib/storage';
import { t, type MessageKey } from '../i18n';
import { Dialog } from '../ui/Dialog';
import { TextField } from '../ui/fields';
import { toast } from '../ui/toast';
import { typeLabel } from './Storage';

interface Props {
  mode: 'create' | 'edit';
  profile?: StorageProfile;
  profiles: readonly StorageProfile[];
  canSetDefault: boolean;
  onClose: () => void;
  onSaved: (p: StorageProfile) => void;
}

type ServerErrors = Partial<Record<FormField, string>>;

const problemText = (p: Problem, params: Record<string, string | number> = {}) => t(`storage.problem.${p}` as MessageKey, params);

export function ProfileDialog({ mode, profile, profiles, canSetDefault, onClose, onSaved }: Props) {
  const original = useMemo(() => (profile ? formFromProfile(profile) : emptyForm()), [profile?.id]);
  const [form, setForm] = useState<ProfileForm>(original);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [server, setServer] = useState<ServerErrors>({});
  const [formError, setFormError] = useState<string | null>(null);

  const type = form.providerType.toLowerCase();
  const otherNames = profiles.filter((p) => p.id !== profile?.id).map((p) => p.name);
  const endpointUnknown = mode === 'edit' && !!profile && type === 's3-compatible' && !endpointKnown(profile);
  const ctx = { mode, otherNames, secretFieldsSet: profile?.secretFieldsSet ?? [], original: mode === 'edit' ? original : undefined, endpointUnknown };
  const errors: FormErrors = validateForm(form, ctx);
  const shown = (field: FormField): string | null => {
    if (server[field]) return server[field]!;
    if (!tried || !errors[field]) return null;
    return problemText(errors[field]!, { max: field === 'displayName' ? 256 : 128, host: profile?.configurationSummary.endpointHost ?? '' });
  };

  const set = <K extends keyof ProfileForm>(key: K, value: ProfileForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setServer((s) => {
      if (!(key in s) && !(key === 'secrets' || key === 'secretMode')) return s;
      const next = { ...s };
      delete next[key as FormField];
      if (key === 'secrets' || key === 'secretMode') {
        delete next.accessKey;
        delete next.secretKey;
        delete next.token;
        delete next.secret;
      }
      return next;
    });
  };
  const setSecret = (field: SecretField, value: string) => set('secrets', { ...form.secrets, [field]: value });

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setFormError(null);
    if (Object.keys(errors).length) {
      // Focus the first field with a problem (the messages are linked to their fields).
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-testid=storage-form] [aria-invalid=true]')?.focus());
      return;
    }
    setBusy(true);
    try {
      let saved: StorageProfile;
      if (mode === 'create') {
        saved = await API.createStorageProfile(createBody(form));
      } else {
        const body = patchBody(original, form);
        if (!Object.keys(body).length) {
          toast.info(t('common.noChanges'));
          setBusy(false);
          return;
        }
        saved = await API.updateStorageProfile(profile!.id, body);
      }
      onSaved(saved);
    } catch (err) {
      const mapped = isApiError(err) ? fieldForCode(err.code, type) : null;
      if (mapped && mapped.field !== 'form' && mapped.field !== 'secret' && fieldVisible(mapped.field, form, mode)) {
        const text = mapped.problem === 'server' ? errorMessage(err) : problemText(mapped.problem, { max: 128, host: '' });
        setServer((s) => ({ ...s, [mapped.field]: text }));
        requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-testid=storage-form] [aria-invalid=true]')?.focus());
      } else if (mapped) {
        setFormError(mapped.problem === 'server' ? errorMessage(err) : problemText(mapped.problem));
      } else {
        setFormError(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const title = mode === 'create' ? t('storage.form.createTitle') : t('storage.form.editTitle', { name: profile?.name ?? '' });
  const secretFields = secretFieldsOf(type, form.visibilityPolicy);
  const field = (key: FormField, label: string, props: { hint?: string | null; placeholder?: string; required?: boolean; type?: string; autocomplete?: string } = {}) => (
    <TextField
      id={`storage-form-${key}`}
      label={props.required ? `${label} (${t('common.required').toLowerCase()})` : label}
      value={String(form[key as keyof ProfileForm] ?? '')}
      onValue={(v) => set(key as keyof ProfileForm, v as never)}
      error={shown(key)}
      hint={props.hint}
      placeholder={props.placeholder}
      type={props.type}
      autocomplete={props.autocomplete ?? 'off'}
      spellcheck={false}
      testid={`storage-form-${key}`}
    />
  );
  const check = (key: 'forcePathStyle' | 'allowDelete' | 'createDirectoryIfMissing' | 'isEnabled' | 'isDefault', label: string, hint?: string) => (
    <div class="check-field">
      <div class="check">
        <input
          id={`storage-form-${key}`}
          type="checkbox"
          checked={form[key]}
          onChange={(e) => set(key, (e.target as HTMLInputElement).checked)}
          aria-describedby={[hint ? `storage-form-${key}-hint` : '', shown(key as FormField) ? `storage-form-${key}-error` : ''].filter(Boolean).join(' ') || undefined}
          aria-invalid={shown(key as FormField) ? 'true' : undefined}
          data-testid={`storage-form-${key}`}
        />
        <label for={`storage-form-${key}`}>{label}</label>
      </div>
      {hint && (
        <p id={`storage-form-${key}-hint`} class="hint">
          {hint}
        </p>
      )}
      {shown(key as FormField) && (
        <p id={`storage-form-${key}-error`} class="field-error">
          {shown(key as FormField)}
        </p>
      )}
    </div>
  );
  const select = (key: 'visibilityPolicy' | 'releaseTagMode', label: string, options: [string, string][], hint?: string) => (
    <div class="field">
      <label for={`storage-form-${key}`}>{label}</label>
      <select
        id={`storage-form-${key}`}
        value={form[key]}
        onChange={(e) => set(key, (e.target as HTMLSelectElement).value)}
        aria-describedby={[hint ? `storage-form-${key}-hint` : '', shown(key) ? `storage-form-${key}-error` : ''].filter(Boolean).join(' ') || undefined}
        aria-invalid={shown(key) ? 'true' : undefined}
        data-testid={`storage-form-${key}`}
      >
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
      {hint && (
        <p id={`storage-form-${key}-hint`} class="hint">
          {hint}
        </p>
      )}
      {shown(key) && (
        <p id={`storage-form-${key}-error`} class="field-error">
          {shown(key)}
        </p>
      )}
    </div>
  );

  return (
    <Dialog title={title} onClose={onClose} busy={busy} size="large" testid="storage-form-dialog">
      <form onSubmit={submit} noValidate data-testid="storage-form" data-type={type}>
        <div class="dialog-body">
          {formError && (
            <p class="form-error" role="alert" data-testid="storage-form-error">
              {formError}
            </p>
          )}
          {tried && Object.keys(errors).length > 0 && (
            <p class="form-error" role="alert" data-testid="storage-form-invalid">
              {t('storage.form.fix')}
            </p>
          )}
          <fieldset class="plain-fieldset" disabled={busy}>
            <Section title={t('storage.form.general')}>
              {mode === 'create' ? (
                <div class="field">
                  <label for="storage-form-providerType">{t('storage.field.providerType')}</label>
                  <select
                    id="storage-form-providerType"
                    value={form.providerType}
                    onChange={(e) => set('providerType', (e.target as HTMLSelectElement).value)}
                    aria-describedby="storage-form-providerType-hint"
                    data-testid="storage-form-providerType"
                  >
                    {PROVIDER_TYPES.map((p) => (
                      <option key={p} value={p}>
                        {typeLabel(p)}
                      </option>
                    ))}
                  </select>
                  <p id="storage-form-providerType-hint" class="hint">
                    {t(`storage.typeHint.${type}` as MessageKey)}
                  </p>
                  {shown('providerType') && <p class="field-error">{shown('providerType')}</p>}
                </div>
              ) : (
                <p>
                  {t('storage.field.providerType')}: <strong data-testid="storage-form-type-locked">{typeLabel(form.providerType)}</strong>{' '}
                  <span class="muted small">{t('storage.form.typeLocked')}</span>
                </p>
              )}
              <div class="field-row">
                {field('name', t('storage.field.name'), { required: true, hint: t('storage.hint.name') })}
                {field('displayName', t('storage.field.displayName'))}
              </div>
              {check('isEnabled', t('storage.field.isEnabled'), mode === 'edit' && form.isDefault ? t('storage.cannotDisableDefault') : t('storage.hint.isEnabled'))}
              {mode === 'create' && canSetDefault && check('isDefault', t('storage.field.isDefault'), t('storage.hint.isDefault'))}
            </Section>

            <Section title={t('storage.form.connection')}>
              {type === 'local' && (
                <>
                  {field('rootPath', t('storage.field.rootPath'), { required: true, hint: t('storage.hint.rootPath') })}
                  {field('publicBaseUrl', t('storage.field.publicBaseUrl'), { hint: t('storage.hint.publicBaseUrl'), placeholder: 'https://cdn.example.com/content' })}
                  {check('createDirectoryIfMissing', t('storage.field.createDirectoryIfMissing'))}
                </>
              )}
              {type === 's3-compatible' && (
                <>
                  {field('endpoint', t('storage.field.endpoint'), {
                    required: true,
                    placeholder: 'https://s3.us-east-1.amazonaws.com',
                    hint: endpointUnknown
                      ? t('storage.hint.endpointReenter', { host: profile?.configurationSummary.endpointHost ?? t('common.none') })
                      : t('storage.hint.endpoint'),
                  })}
                  <div class="field-row">
                    {field('bucket', t('storage.field.bucket'), { required: true })}
                    {field('region', t('storage.field.region'), { required: true, placeholder: 'us-east-1', hint: t('storage.hint.region') })}
                  </div>
                  {field('publicBaseUrl', t('storage.field.publicBaseUrl'), { hint: t('storage.hint.publicBaseUrlS3'), placeholder: 'https://cdn.example.com' })}
                  {field('providerName', t('storage.field.providerName'), { hint: t('storage.hint.providerName') })}
                  {check('forcePathStyle', t('storage.field.forcePathStyle'), t('storage.hint.forcePathStyle'))}
                </>
              )}
              {(type === 'github-repo' || type === 'github-releases') && (
                <>
                  {type === 'github-releases' && <p class="notice">{t('storage.declaredOnlyHint')}</p>}
                  <div class="field-row">
                    {field('owner', t('storage.field.owner'), { required: true, placeholder: 'octocat' })}
                    {field('repo', t('storage.field.repo'), { required: true, placeholder: 'images' })}
                  </div>
                  {type === 'github-repo' && (
                    <>
                      <div class="field-row">
                        {field('ref', t('storage.field.ref'), { required: true, hint: t('storage.hint.ref') })}
                        {field('basePath', t('storage.field.basePath'), { hint: t('storage.hint.basePath'), placeholder: 'assets' })}
                      </div>
                      {select('visibilityPolicy', t('storage.field.visibilityPolicy'), [
                        ['public-only', t('storage.visibility.public-only')],
                        ['private-token', t('storage.visibility.private-token')],
                      ])}
                      <div class="field-row">
                        {field('apiBaseUrl', t('storage.field.apiBaseUrl'), { placeholder: 'https://api.github.com' })}
                        {field('rawBaseUrl', t('storage.field.rawBaseUrl'), { placeholder: 'https://raw.githubusercontent.com' })}
                      </div>
                      {check('allowDelete', t('storage.field.allowDelete'), t('storage.hint.allowDelete'))}
                    </>
                  )}
                  {type === 'github-releases' && (
                    <>
                      {select('releaseTagMode', t('storage.field.releaseTagMode'), [
                        ['latest', t('storage.tagMode.latest')],
                        ['fixed', t('storage.tagMode.fixed')],
                      ])}
                      {form.releaseTagMode === 'fixed' && field('fixedTag', t('storage.field.fixedTag'), { required: true, placeholder: 'v1.0.0' })}
                      {field('assetPathPrefix', t('storage.field.assetPathPrefix'), { hint: t('storage.hint.basePath') })}
                      {select('visibilityPolicy', t('storage.field.visibilityPolicy'), [
                        ['public-only', t('storage.visibility.public-only')],
                        ['public-first', t('storage.visibility.public-first')],
                      ])}
                    </>
                  )}
                </>
              )}
            </Section>

            {secretFields.length > 0 && (
              <SecretSection
                mode={mode}
                type={type}
                form={form}
                setMode={(m) => set('secretMode', m)}
                setSecret={setSecret}
                stored={profile?.secretFieldsSet ?? []}
                shown={shown}
                serverSecretError={server.secret ?? null}
              />
            )}
            {type === 'local' && <p class="hint">{t('storage.secret.notUsed')}</p>}
          </fieldset>
        </div>
        <div class="dialog-footer">
          <button type="button" class="btn" onClick={onClose} disabled={busy} data-testid="storage-form-cancel">
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="storage-form-submit">
            {busy ? t('common.saving') : mode === 'create' ? t('storage.form.create') : t('common.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Whether the field is on the form now (server errors for hidden fields go to the form's top). */
function fieldVisible(field: FormField, f: ProfileForm, mode: 'create' | 'edit'): boolean {
  const type = f.providerType.toLowerCase();
  const common: FormField[] = ['name', 'displayName', 'isEnabled'];
  if (common.includes(field)) return true;
  if (field === 'providerType') return mode === 'create';
  const perType: Record<string, FormField[]> = {
    local: ['rootPath', 'publicBaseUrl'],
    's3-compatible': ['endpoint', 'bucket', 'region', 'publicBaseUrl', 'providerName', 'accessKey', 'secretKey'],
    'github-repo': ['owner', 'repo', 'ref', 'basePath', 'visibilityPolicy', 'apiBaseUrl', 'rawBaseUrl', 'allowDelete', 'token'],
    'github-releases': ['owner', 'repo', 'releaseTagMode', 'fixedTag', 'assetPathPrefix', 'visibilityPolicy', 'token'],
  };
  if (!(perType[type] ?? []).includes(field)) return false;
  // Secret inputs are only there while entering a secret.
  if ((field === 'accessKey' || field === 'secretKey' || field === 'token') && mode === 'edit' && f.secretMode !== 'replace') return false;
  return true;
}

function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <fieldset class="form-section">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}

function SecretSection({
  mode,
  type,
  form,
  setMode,
  setSecret,
  stored,
  shown,
  serverSecretError,
}: {
  mode: 'create' | 'edit';
  type: string;
  form: ProfileForm;
  setMode: (m: SecretMode) => void;
  setSecret: (f: SecretField, v: string) => void;
  stored: readonly string[];
  shown: (f: FormField) => string | null;
  serverSecretError: string | null;
}) {
  const fields = secretFieldsOf(type, form.visibilityPolicy);
  const entering = mode === 'create' || form.secretMode === 'replace';
  const clearAllowed = canClearSecret(type, form.visibilityPolicy);
  const several = fields.length > 1;
  const secretError = serverSecretError ?? shown('secret');
  const modeOption = (m: SecretMode, label: string, disabled = false, reason?: string) => (
    <div class="check">
      <input
        id={`storage-secret-mode-${m}`}
        type="radio"
        name="storage-secret-mode"
        value={m}
        checked={form.secretMode === m}
        disabled={disabled}
        onChange={() => setMode(m)}
        aria-describedby={reason ? `storage-secret-mode-${m}-why` : undefined}
        data-testid={`storage-secret-mode-${m}`}
      />
      <label for={`storage-secret-mode-${m}`}>{label}</label>
      {reason && (
        <span id={`storage-secret-mode-${m}-why`} class="muted small">
          {reason}
        </span>
      )}
    </div>
  );
  return (
    <fieldset class="form-section" data-testid="storage-secret-section">
      <legend>{t('storage.secret.title')}</legend>
      <p class="hint">{t('storage.secret.writeOnly')}</p>
      {mode === 'edit' && (
        <>
          <ul class="plain secret-status">
            {fields.map(({ field }) => (
              <li key={field} data-testid={`storage-secret-status-${field}`} data-set={stored.includes(field) ? 'true' : 'false'}>
                {t(`storage.field.${field}` as MessageKey)}:{' '}
                <strong>{stored.includes(field) ? t('storage.secret.set') : t('storage.secret.notSet')}</strong>
              </li>
            ))}
          </ul>
          <div role="radiogroup" aria-labelledby="storage-secret-mode-label" class="secret-modes">
            <p id="storage-secret-mode-label" class="field-label">
              {t('storage.secret.modeLabel')}
            </p>
            {modeOption('keep', t('storage.secret.keep'))}
            {modeOption('replace', several ? t('storage.secret.replaceAll') : t('storage.secret.replace'))}
            {modeOption('clear', t('storage.secret.clear'), !clearAllowed, clearAllowed ? undefined : t('storage.secret.clearNotAllowed'))}
          </div>
          {several && form.secretMode === 'replace' && (
            <p class="notice" data-testid="storage-secret-replace-note">
              {t('storage.secret.replaceNote')}
            </p>
          )}
          {form.secretMode === 'clear' && <p class="notice">{t('storage.secret.clearNote')}</p>}
        </>
      )}
      {entering &&
        fields.map(({ field, required }) => (
          <TextField
            key={field}
            id={`storage-form-${field}`}
            label={required ? `${t(`storage.field.${field}` as MessageKey)} (${t('common.required').toLowerCase()})` : t(`storage.field.${field}` as MessageKey)}
            value={form.secrets[field] ?? ''}
            onValue={(v) => setSecret(field, v)}
            type="password"
            autocomplete="new-password"
            spellcheck={false}
            error={shown(field)}
            hint={field === 'token' ? t('storage.hint.token') : null}
            testid={`storage-form-${field}`}
          />
        ))}
      {!entering && shown('token') && (
        <p class="field-error" data-testid="storage-form-token-kept-error">
          {shown('token')}
        </p>
      )}
      {secretError && (
        <p class="field-error" role="alert">
          {secretError}
        </p>
      )}
    </fieldset>
  );
}
