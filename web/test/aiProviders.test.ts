import { describe, expect, it } from 'vitest';
import type { AiProvider } from '../src/api/types';
import { ApiClient } from '../src/api/client';
import { endpoints } from '../src/api/endpoints';
import {
  aiFieldForCode,
  aiFormChanged,
  baseUrlProblem,
  createBody,
  emptyAiForm,
  formFromProvider,
  normalizeAiTest,
  patchBody,
  sortProviders,
  testBody,
  validateAiForm,
  type AiProviderForm,
} from '../src/lib/aiProviders';
import { authResult, fakeFetch, json } from './fakeFetch';

function provider(over: Partial<AiProvider> = {}): AiProvider {
  return {
    id: 'p1',
    name: 'OpenAI',
    apiBaseUrl: 'https://api.openai.com/v1',
    apiKey: 'sk-***',
    modelName: 'gpt-4o-mini',
    defaultSystemPrompt: null,
    isActive: true,
    createdAtUtc: '2026-01-01T00:00:00Z',
    updatedAtUtc: '2026-01-01T00:00:00Z',
    ...over,
  };
}

function form(over: Partial<AiProviderForm> = {}): AiProviderForm {
  return { name: 'Local', apiBaseUrl: 'http://127.0.0.1:11434', apiKey: 'ollama', modelName: 'llava', defaultSystemPrompt: '', isActive: true, ...over };
}

describe('the AI provider form', () => {
  it('starts active only when no provider is active (the server rule for an omitted isActive)', () => {
    expect(emptyAiForm(false).isActive).toBe(true);
    expect(emptyAiForm(true).isActive).toBe(false);
  });

  it('never holds the key of a saved profile', () => {
    const f = formFromProvider(provider({ defaultSystemPrompt: 'Describe.' }));
    expect(f.apiKey).toBe('');
    expect(f.defaultSystemPrompt).toBe('Describe.');
    expect(formFromProvider(provider()).defaultSystemPrompt).toBe('');
  });

  it('requires name, URL, model, and the key only on create', () => {
    const blank = form({ name: ' ', apiBaseUrl: '', apiKey: '  ', modelName: '' });
    expect(validateAiForm(blank, 'create')).toEqual({ name: 'required', apiBaseUrl: 'required', apiKey: 'required', modelName: 'required' });
    expect(validateAiForm(blank, 'edit')).toEqual({ name: 'required', apiBaseUrl: 'required', modelName: 'required' });
    expect(validateAiForm(form(), 'create')).toEqual({});
  });

  it('accepts only absolute http(s) URLs with a host, without userinfo or fragment', () => {
    expect(baseUrlProblem('https://api.openai.com/v1/')).toBeNull();
    expect(baseUrlProblem('  http://127.0.0.1:8080/openai ')).toBeNull();
    expect(baseUrlProblem('api.openai.com/v1')).toBe('urlInvalid');
    expect(baseUrlProblem('/v1')).toBe('urlInvalid');
    expect(baseUrlProblem('ftp://example.com')).toBe('urlScheme');
    expect(baseUrlProblem('file:///etc/passwd')).toBe('urlScheme');
    expect(baseUrlProblem('https://user:secret@example.com/v1')).toBe('urlUserInfo');
    expect(baseUrlProblem('https://example.com/v1#x')).toBe('urlFragment');
    expect(baseUrlProblem('https://example.com/' + 'a'.repeat(520))).toBe('tooLong');
  });

  it('checks the lengths (characters; the key in bytes)', () => {
    expect(validateAiForm(form({ name: 'n'.repeat(128) }), 'create').name).toBeUndefined();
    expect(validateAiForm(form({ name: '名'.repeat(129) }), 'create').name).toBe('tooLong');
    expect(validateAiForm(form({ modelName: 'm'.repeat(257) }), 'create').modelName).toBe('tooLong');
    expect(validateAiForm(form({ defaultSystemPrompt: 'p'.repeat(8001) }), 'create').defaultSystemPrompt).toBe('tooLong');
    expect(validateAiForm(form({ apiKey: 'ключ'.repeat(600) }), 'create').apiKey).toBe('tooLong'); // 4800 bytes
  });

  it('creates with trimmed values, no trailing slash, no blank prompt', () => {
    expect(createBody(form({ name: ' Local ', apiBaseUrl: ' http://127.0.0.1:11434/v1/ ', apiKey: ' k ', modelName: ' llava ', isActive: false }))).toEqual({
      name: 'Local',
      apiBaseUrl: 'http://127.0.0.1:11434/v1',
      apiKey: 'k',
      modelName: 'llava',
      isActive: false,
    });
    expect(createBody(form({ defaultSystemPrompt: '  Be brief.  ' })).defaultSystemPrompt).toBe('Be brief.');
  });
});

describe('the edit PATCH (tri-state: only what changed)', () => {
  const saved = provider({ defaultSystemPrompt: 'Be brief.' });

  it('is empty when nothing changed (spaces and a trailing slash are no change)', () => {
    const f = { ...formFromProvider(saved), name: ' OpenAI ', apiBaseUrl: 'https://api.openai.com/v1/', defaultSystemPrompt: 'Be brief. ' };
    expect(patchBody(saved, f)).toEqual({});
    expect(aiFormChanged(saved, f)).toBe(false);
  });

  it('sends a changed member alone', () => {
    expect(patchBody(saved, { ...formFromProvider(saved), modelName: 'gpt-4o' })).toEqual({ modelName: 'gpt-4o' });
    expect(patchBody(saved, { ...formFromProvider(saved), name: 'Cloud' })).toEqual({ name: 'Cloud' });
    expect(patchBody(saved, { ...formFromProvider(saved), apiBaseUrl: 'https://gw.example/openai' })).toEqual({ apiBaseUrl: 'https://gw.example/openai' });
  });

  it('sends the key only when one is typed (blank keeps the saved key)', () => {
    expect(patchBody(saved, { ...formFromProvider(saved), apiKey: '   ' })).toEqual({});
    expect(patchBody(saved, { ...formFromProvider(saved), apiKey: ' sk-new ' })).toEqual({ apiKey: 'sk-new' });
  });

  it('resets a cleared prompt with null and sets a new one', () => {
    expect(patchBody(saved, { ...formFromProvider(saved), defaultSystemPrompt: '  ' })).toEqual({ defaultSystemPrompt: null });
    expect(patchBody(provider(), { ...formFromProvider(provider()), defaultSystemPrompt: 'Short.' })).toEqual({ defaultSystemPrompt: 'Short.' });
    // Standard stays standard.
    expect(patchBody(provider(), { ...formFromProvider(provider()), defaultSystemPrompt: '' })).toEqual({});
  });

  it('sends isActive only when switched', () => {
    expect(patchBody(saved, { ...formFromProvider(saved), isActive: false })).toEqual({ isActive: false });
    const inactive = provider({ isActive: false });
    expect(patchBody(inactive, { ...formFromProvider(inactive), isActive: true })).toEqual({ isActive: true });
  });
});

describe('the test call', () => {
  it('sends what a new profile needs', () => {
    expect(testBody(form({ apiBaseUrl: 'http://h:1/v1/', defaultSystemPrompt: '' }), null)).toEqual({ apiBaseUrl: 'http://h:1/v1', apiKey: 'ollama', modelName: 'llava' });
    expect(testBody(form({ defaultSystemPrompt: 'X' }), null).defaultSystemPrompt).toBe('X');
  });

  it('sends the profile id and only what differs from the saved profile', () => {
    const saved = provider({ defaultSystemPrompt: 'Be brief.' });
    expect(testBody(formFromProvider(saved), saved)).toEqual({ profileId: 'p1' });
    expect(testBody({ ...formFromProvider(saved), modelName: 'gpt-4o', apiKey: 'sk-try' }, saved)).toEqual({ profileId: 'p1', modelName: 'gpt-4o', apiKey: 'sk-try' });
    // A cleared prompt is sent blank: the server then uses the standard prompt, not the saved one.
    expect(testBody({ ...formFromProvider(saved), defaultSystemPrompt: '' }, saved)).toEqual({ profileId: 'p1', defaultSystemPrompt: '' });
  });

  it('normalizes the outcome', () => {
    expect(
      normalizeAiTest({ succeeded: true, caption: 'A cat', altText: 'Cat', tags: ['cat', '', 3 as unknown as string], resolvedModelName: 'm', resolvedApiBaseUrl: 'u', errorMessage: null, durationMs: 1200 }),
    ).toEqual({ succeeded: true, caption: 'A cat', altText: 'Cat', tags: ['cat'], model: 'm', apiBaseUrl: 'u', error: null, code: null, durationMs: 1200 });
    // A server without the newer members.
    expect(normalizeAiTest({ succeeded: false, caption: null, resolvedModelName: 'm', resolvedApiBaseUrl: 'u', errorMessage: 'rate limited', errorCode: 'ai_provider_rate_limited' })).toEqual({
      succeeded: false, caption: null, altText: null, tags: [], model: 'm', apiBaseUrl: 'u', error: 'rate limited', code: 'ai_provider_rate_limited', durationMs: null,
    });
  });
});

describe('server codes and order', () => {
  it('maps each code to its field', () => {
    expect(aiFieldForCode('ai_provider_profile_name_conflict')).toBe('name');
    expect(aiFieldForCode('ai_provider_profile_name_too_long')).toBe('name');
    expect(aiFieldForCode('ai_provider_profile_api_base_url_invalid')).toBe('apiBaseUrl');
    expect(aiFieldForCode('ai_provider_profile_api_key_required')).toBe('apiKey');
    expect(aiFieldForCode('ai_provider_profile_model_name_required')).toBe('modelName');
    expect(aiFieldForCode('ai_provider_profile_default_system_prompt_too_long')).toBe('defaultSystemPrompt');
    expect(aiFieldForCode('ai_provider_profile_not_found')).toBeNull();
    expect(aiFieldForCode('request_invalid')).toBeNull();
  });

  it('lists the active profile first, then by name', () => {
    const list = [provider({ id: 'b', name: 'b', isActive: false }), provider({ id: 'z', name: 'z', isActive: true }), provider({ id: 'a', name: 'a', isActive: false })];
    expect(sortProviders(list).map((p) => p.id)).toEqual(['z', 'a', 'b']);
  });
});

describe('the AI endpoints', () => {
  const signedIn = (handler: Parameters<typeof fakeFetch>[0]) => {
    const ff = fakeFetch(handler);
    const client = new ApiClient({ fetch: ff.fetch, timeoutMs: 2000, sessionHint: null });
    client.setSession(authResult('tok').data);
    return { api: endpoints(client), calls: ff.calls };
  };

  it('PATCHes only the body given and tests with a long timeout', async () => {
    const { api, calls } = signedIn((call) => {
      if (call.url.endsWith('/test')) return json(200, { data: { succeeded: true, caption: 'c', resolvedModelName: 'm', resolvedApiBaseUrl: 'u', errorMessage: null } });
      return json(200, { data: provider() });
    });
    await api.updateAiProvider('p 1', { defaultSystemPrompt: null });
    expect(calls[0].method).toBe('PATCH');
    expect(calls[0].url).toBe('/api/v1/system/ai/providers/p%201');
    expect(JSON.parse(calls[0].body!)).toEqual({ defaultSystemPrompt: null });
    // Longer than the client's own 2 s: the model may take up to a minute.
    const slow = signedIn(async (_call, signal) => {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, 2500);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
      return json(200, { data: { succeeded: true, caption: 'late', resolvedModelName: 'm', resolvedApiBaseUrl: 'u', errorMessage: null } });
    });
    const result = await slow.api.testAiProvider({ profileId: 'p1' });
    expect(result.caption).toBe('late');
    expect(slow.calls[0].url).toBe('/api/v1/system/ai/providers/test');
    expect(JSON.parse(slow.calls[0].body!)).toEqual({ profileId: 'p1' });
  });
});
