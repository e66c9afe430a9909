// AI provider profiles: the create/edit form model, client-side checks mirroring the server's
// (spec processing.md §10 and the corrections: http(s) only, length limits), the request
// bodies (create; tri-state PATCH with only the changed members; the test call), the mapping of
// the server's error codes to form fields, and the test outcome in one shape.
// Pure functions: pages/AiProviders.tsx renders, this decides.

import type { AiProvider, AiProviderCreate, AiProviderPatch, AiProviderTestRequest, AiProviderTestResult } from '../api/types';

/** Limits of the server (characters). */
export const AI_LIMITS = {
  name: 128,
  apiBaseUrl: 512,
  modelName: 256,
  defaultSystemPrompt: 8000,
  /** The key, in bytes (UTF-8). */
  apiKey: 4096,
} as const;

export interface AiProviderForm {
  name: string;
  apiBaseUrl: string;
  /** Write-only: blank on edit means "keep the saved key". */
  apiKey: string;
  modelName: string;
  defaultSystemPrompt: string;
  isActive: boolean;
}

export type AiField = keyof AiProviderForm;

export type AiProblem = 'required' | 'tooLong' | 'urlInvalid' | 'urlScheme' | 'urlUserInfo' | 'urlFragment';

export type AiErrors = Partial<Record<AiField, AiProblem>>;

/** A new profile is active when no other one is (the server's rule for an omitted isActive). */
export function emptyAiForm(hasActive: boolean): AiProviderForm {
  return { name: '', apiBaseUrl: '', apiKey: '', modelName: '', defaultSystemPrompt: '', isActive: !hasActive };
}

/** The form of an existing profile: the key is never known, so its field starts blank. */
export function formFromProvider(p: AiProvider): AiProviderForm {
  return {
    name: p.name,
    apiBaseUrl: p.apiBaseUrl,
    apiKey: '',
    modelName: p.modelName,
    defaultSystemPrompt: p.defaultSystemPrompt ?? '',
    isActive: p.isActive,
  };
}

const chars = (s: string) => [...s].length;
const bytes = (s: string) => new TextEncoder().encode(s).length;

/** Trimmed, trailing slashes removed (the server stores it so). */
export function normalizeBaseUrl(value: string): string {
  return value.trim().replace(/\/+$/, '');
}

/** What is wrong with an API base URL, or null: absolute http(s) with a host, no userinfo, no fragment. */
export function baseUrlProblem(value: string): AiProblem | null {
  const v = value.trim();
  if (!v) return 'required';
  if (chars(normalizeBaseUrl(v)) > AI_LIMITS.apiBaseUrl) return 'tooLong';
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return 'urlInvalid';
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return 'urlInvalid';
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'urlScheme';
  if (!u.hostname) return 'urlInvalid';
  if (u.username || u.password || /^[a-z]+:\/\/[^/?#]*@/i.test(v)) return 'urlUserInfo';
  if (v.includes('#')) return 'urlFragment';
  return null;
}

export function validateAiForm(f: AiProviderForm, mode: 'create' | 'edit'): AiErrors {
  const e: AiErrors = {};
  const name = f.name.trim();
  if (!name) e.name = 'required';
  else if (chars(name) > AI_LIMITS.name) e.name = 'tooLong';
  const url = baseUrlProblem(f.apiBaseUrl);
  if (url) e.apiBaseUrl = url;
  const key = f.apiKey.trim();
  if (!key && mode === 'create') e.apiKey = 'required';
  else if (bytes(key) > AI_LIMITS.apiKey) e.apiKey = 'tooLong';
  const model = f.modelName.trim();
  if (!model) e.modelName = 'required';
  else if (chars(model) > AI_LIMITS.modelName) e.modelName = 'tooLong';
  if (chars(f.defaultSystemPrompt.trim()) > AI_LIMITS.defaultSystemPrompt) e.defaultSystemPrompt = 'tooLong';
  return e;
}

/** The prompt to send: blank → null (the built-in standard prompt). */
function promptValue(text: string): string | null {
  const v = text.trim();
  return v ? v : null;
}

export function createBody(f: AiProviderForm): AiProviderCreate {
  const body: AiProviderCreate = {
    name: f.name.trim(),
    apiBaseUrl: normalizeBaseUrl(f.apiBaseUrl),
    apiKey: f.apiKey.trim(),
    modelName: f.modelName.trim(),
    isActive: f.isActive,
  };
  const prompt = promptValue(f.defaultSystemPrompt);
  if (prompt !== null) body.defaultSystemPrompt = prompt;
  return body;
}

/**
 * The PATCH of an edit: only the members that changed (absent = unchanged on the server). A
 * blank key keeps the saved one; a prompt cleared to blank is sent as null (standard prompt).
 */
export function patchBody(p: AiProvider, f: AiProviderForm): AiProviderPatch {
  const body: AiProviderPatch = {};
  const name = f.name.trim();
  if (name !== p.name) body.name = name;
  const url = normalizeBaseUrl(f.apiBaseUrl);
  if (url !== p.apiBaseUrl) body.apiBaseUrl = url;
  const key = f.apiKey.trim();
  if (key) body.apiKey = key;
  const model = f.modelName.trim();
  if (model !== p.modelName) body.modelName = model;
  const prompt = promptValue(f.defaultSystemPrompt);
  if (prompt !== promptValue(p.defaultSystemPrompt ?? '')) body.defaultSystemPrompt = prompt;
  if (f.isActive !== p.isActive) body.isActive = f.isActive;
  return body;
}

/**
 * The test call for what the form holds. Editing: the profile id, plus what differs from the
 * saved profile (the server fills the rest, the key included, from the profile). Creating: the
 * three required members and the prompt.
 */
export function testBody(f: AiProviderForm, saved: AiProvider | null): AiProviderTestRequest {
  const url = normalizeBaseUrl(f.apiBaseUrl);
  const model = f.modelName.trim();
  const key = f.apiKey.trim();
  if (!saved) {
    const body: AiProviderTestRequest = { apiBaseUrl: url, apiKey: key, modelName: model };
    const prompt = promptValue(f.defaultSystemPrompt);
    if (prompt !== null) body.defaultSystemPrompt = prompt;
    return body;
  }
  const body: AiProviderTestRequest = { profileId: saved.id };
  if (url && url !== saved.apiBaseUrl) body.apiBaseUrl = url;
  if (key) body.apiKey = key;
  if (model && model !== saved.modelName) body.modelName = model;
  const prompt = promptValue(f.defaultSystemPrompt);
  // Present (even blank → standard prompt) only when it differs from the saved one.
  if (prompt !== promptValue(saved.defaultSystemPrompt ?? '')) body.defaultSystemPrompt = prompt ?? '';
  return body;
}

/** Whether the form differs from the saved profile (a typed key counts). */
export function aiFormChanged(p: AiProvider, f: AiProviderForm): boolean {
  return Object.keys(patchBody(p, f)).length > 0;
}

/** The form field a server code is about (`ai_provider_profile_api_key_required` → apiKey), or null. */
export function aiFieldForCode(code: string): AiField | null {
  const prefix = 'ai_provider_profile_';
  if (!code.startsWith(prefix)) return null;
  const rest = code.slice(prefix.length);
  const fields: [string, AiField][] = [
    ['name_', 'name'],
    ['api_base_url_', 'apiBaseUrl'],
    ['api_key_', 'apiKey'],
    ['model_name_', 'modelName'],
    ['default_system_prompt_', 'defaultSystemPrompt'],
  ];
  return fields.find(([p]) => rest.startsWith(p))?.[1] ?? null;
}

/** The active profile first, then by name (the server's order, kept when the list is edited locally). */
export function sortProviders(list: readonly AiProvider[]): AiProvider[] {
  return [...list].sort((a, b) => Number(b.isActive) - Number(a.isActive) || a.name.localeCompare(b.name));
}

export interface AiTestOutcome {
  succeeded: boolean;
  caption: string | null;
  altText: string | null;
  tags: string[];
  model: string | null;
  apiBaseUrl: string | null;
  error: string | null;
  code: string | null;
  durationMs: number | null;
}

/** The test result in one shape (members a server may leave out read as empty). */
export function normalizeAiTest(r: AiProviderTestResult): AiTestOutcome {
  const tags = Array.isArray(r.tags) ? r.tags.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];
  return {
    succeeded: r.succeeded === true,
    caption: r.caption ?? null,
    altText: r.altText ?? null,
    tags,
    model: r.resolvedModelName ?? null,
    apiBaseUrl: r.resolvedApiBaseUrl ?? null,
    error: r.succeeded ? null : (r.errorMessage ?? null),
    code: r.succeeded ? null : (r.errorCode ?? null),
    durationMs: typeof r.durationMs === 'number' ? r.durationMs : null,
  };
}
