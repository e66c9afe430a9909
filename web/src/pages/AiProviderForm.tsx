// The create / edit dialog of an AI provider profile: name, API base URL (http or https), the
// API key (write-only: required on create; on edit the mask is shown and blank keeps it), model,
// default system prompt, active switch; inline checks, the server's codes on their fields, an
// edit sends only the changed members; "Test" calls the model with what the form holds.

import { useMemo, useState } from 'preact/hooks';
import { isApiError } from '../api/client';
import { API } from '../api/endpoints';
import type { AiProvider } from '../api/types';
import {
  AI_LIMITS,
  aiFieldForCode,
  createBody,
  emptyAiForm,
  formFromProvider,
  patchBody,
  testBody,
  validateAiForm,
  type AiField,
  type AiProblem,
  type AiProviderForm,
} from '../lib/aiProviders';
import { errorMessage } from '../lib/errors';
import { formatNumber, t, type MessageKey } from '../i18n';
import { CodedError } from '../ui/CodedError';
import { Dialog } from '../ui/Dialog';
import { TextField } from '../ui/fields';
import { GatedButton } from '../ui/GatedButton';
import { Switch } from '../ui/Switch';
import { toast } from '../ui/toast';
import { AiTestPanel, useAiTest } from './AiTest';

interface Props {
  /** The profile edited; absent = create. */
  provider?: AiProvider;
  hasActive: boolean;
  /** Why Test is unavailable (missing aiProviders.update), or null. */
  testReason: string | null;
  onClose: () => void;
  onSaved: (p: AiProvider) => void;
}

const LIMIT_OF: Partial<Record<AiField, number>> = {
  name: AI_LIMITS.name,
  apiBaseUrl: AI_LIMITS.apiBaseUrl,
  modelName: AI_LIMITS.modelName,
  defaultSystemPrompt: AI_LIMITS.defaultSystemPrompt,
  apiKey: AI_LIMITS.apiKey,
};

const problemText = (field: AiField, p: AiProblem) =>
  t(`ai.problem.${p}${field === 'apiKey' && p === 'tooLong' ? 'Bytes' : ''}` as MessageKey, { max: formatNumber(LIMIT_OF[field] ?? 0) });

export function AiProviderDialog({ provider, hasActive, testReason, onClose, onSaved }: Props) {
  const mode = provider ? 'edit' : 'create';
  const initial = useMemo(() => (provider ? formFromProvider(provider) : emptyAiForm(hasActive)), [provider?.id]);
  const [form, setForm] = useState<AiProviderForm>(initial);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [server, setServer] = useState<Partial<Record<AiField, { message: string; code: string }>>>({});
  const [formError, setFormError] = useState<{ message: string; code: string | null } | null>(null);
  const test = useAiTest();

  const errors = validateAiForm(form, mode);
  const shown = (field: AiField): string | null => {
    if (server[field]) return server[field]!.message;
    if (!tried || !errors[field]) return null;
    return problemText(field, errors[field]!);
  };
  const set = <K extends AiField>(key: K, value: AiProviderForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setServer((s) => {
      if (!s[key]) return s;
      const next = { ...s };
      delete next[key];
      return next;
    });
  };
  const focusInvalid = () => requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-testid=ai-form] [aria-invalid=true]')?.focus());

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setFormError(null);
    if (Object.keys(errors).length) {
      focusInvalid();
      return;
    }
    let saved: AiProvider;
    setBusy(true);
    try {
      if (!provider) saved = await API.createAiProvider(createBody(form));
      else {
        const body = patchBody(provider, form);
        if (!Object.keys(body).length) {
          toast.info(t('common.noChanges'));
          return;
        }
        saved = await API.updateAiProvider(provider.id, body);
      }
      onSaved(saved);
    } catch (err) {
      const field = isApiError(err) && err.status === 400 ? aiFieldForCode(err.code) : null;
      if (field && isApiError(err)) {
        setServer((s) => ({ ...s, [field]: { message: err.message, code: err.code } }));
        focusInvalid();
      } else setFormError({ message: errorMessage(err), code: isApiError(err) && err.status > 0 ? err.code : null });
    } finally {
      setBusy(false);
    }
  };

  const runTest = () => {
    setTried(true);
    // The test needs what a call needs: a URL, a model, and a key (typed, or the saved one).
    const needed: AiField[] = ['apiBaseUrl', 'modelName', ...(provider ? [] : (['apiKey'] as AiField[]))];
    if (needed.some((f) => errors[f])) {
      focusInvalid();
      return;
    }
    void test.run(testBody(form, provider ?? null));
  };

  const field = (key: Exclude<AiField, 'isActive' | 'defaultSystemPrompt'>, label: string, props: { hint?: string; type?: string; placeholder?: string; required?: boolean } = {}) => (
    <TextField
      id={`ai-form-${key}`}
      label={props.required ? `${label} (${t('common.required').toLowerCase()})` : label}
      value={form[key]}
      onValue={(v) => set(key, v)}
      error={shown(key)}
      hint={props.hint}
      type={props.type}
      placeholder={props.placeholder}
      autocomplete={key === 'apiKey' ? 'new-password' : 'off'}
      spellcheck={false}
      testid={`ai-form-${key}`}
    />
  );

  const promptError = shown('defaultSystemPrompt');
  const title = provider ? t('ai.form.editTitle', { name: provider.name }) : t('ai.form.createTitle');
  const testing = test.state.phase === 'running';
  return (
    <Dialog title={title} onClose={onClose} busy={busy} size="large" testid="ai-form-dialog">
      <form onSubmit={submit} noValidate data-testid="ai-form" data-mode={mode}>
        <div class="dialog-body">
          <fieldset class="plain-fieldset" disabled={busy}>
            {field('name', t('ai.field.name'), { required: true })}
            {field('apiBaseUrl', t('ai.field.apiBaseUrl'), { required: true, hint: t('ai.field.apiBaseUrlHint'), placeholder: 'https://api.openai.com/v1', type: 'url' })}
            {field('apiKey', t('ai.field.apiKey'), {
              required: !provider,
              type: 'password',
              hint: provider ? t('ai.field.apiKeyKeep', { mask: provider.apiKey }) : t('ai.field.apiKeyHint'),
              placeholder: provider ? provider.apiKey : undefined,
            })}
            {field('modelName', t('ai.field.modelName'), { required: true, placeholder: 'gpt-4o-mini', hint: t('ai.field.modelNameHint') })}
            <div class="field">
              <label for="ai-form-defaultSystemPrompt">{t('ai.field.prompt')}</label>
              <textarea
                id="ai-form-defaultSystemPrompt"
                rows={4}
                value={form.defaultSystemPrompt}
                onInput={(e) => set('defaultSystemPrompt', (e.target as HTMLTextAreaElement).value)}
                aria-describedby={['ai-form-prompt-hint', promptError ? 'ai-form-prompt-error' : ''].filter(Boolean).join(' ')}
                aria-invalid={promptError ? 'true' : undefined}
                data-testid="ai-form-defaultSystemPrompt"
              />
              <p id="ai-form-prompt-hint" class="hint">
                {t('ai.field.promptHint')}
              </p>
              {promptError && (
                <p id="ai-form-prompt-error" class="field-error">
                  {promptError}
                </p>
              )}
            </div>
            <div class="field">
              <span class="field-label" aria-hidden="true">
                {t('ai.field.active')}
              </span>
              <Switch
                checked={form.isActive}
                onChange={(v) => set('isActive', v)}
                label={t('ai.field.active')}
                text={form.isActive ? t('ai.active') : t('ai.inactive')}
                testid="ai-form-isActive"
              />
              <p class="hint">{form.isActive ? t('ai.field.activeOnHint') : t('ai.field.activeOffHint')}</p>
            </div>
          </fieldset>
          <CodedError error={formError} testid="ai-form-error" />
          <section class="ai-form-test" aria-labelledby="ai-form-test-title">
            <h3 id="ai-form-test-title">{t('ai.test.title')}</h3>
            <p class="hint">{provider ? t('ai.test.introEdit') : t('ai.test.introCreate')}</p>
            <GatedButton onClick={runTest} reason={testReason} busy={testing} testid="ai-form-test">
              {testing ? t('ai.test.runningShort') : t('ai.test.button')}
            </GatedButton>
            {testReason && <p class="hint">{testReason}</p>}
            <AiTestPanel state={test.state} onCancel={test.cancel} />
          </section>
        </div>
        <div class="dialog-footer">
          <button type="button" class="btn" onClick={onClose} disabled={busy} data-testid="ai-form-cancel">
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="ai-form-submit">
            {busy ? t('common.saving') : provider ? t('common.save') : t('ai.form.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
