// Storage provider profiles: the create/edit form model per provider type, client-side
// validation mirroring the server's rules (spec storage-providers §4, §5, §7), the request
// bodies (create, tri-state PATCH with keep / replace / clear of the secret), the mapping of
// the server's error codes to form fields, and the normalised "test connection" result.
// Pure functions: the page (pages/Storage*.tsx) renders, this decides.

import type {
  StorageCapabilities,
  StorageProfile,
  StorageProfileCreate,
  StorageProfilePatch,
} from '../api/types';

export const PROVIDER_TYPES = ['local', 's3-compatible', 'github-repo', 'github-releases'] as const;
export type KnownProviderType = (typeof PROVIDER_TYPES)[number];

export function isKnownType(type: string): type is KnownProviderType {
  return (PROVIDER_TYPES as readonly string[]).includes(type.toLowerCase());
}

/** Types with a runtime backend: they can store files (github-releases is declared only). */
export function canStoreFiles(type: string): boolean {
  const t = type.toLowerCase();
  return t === 'local' || t === 's3-compatible' || t === 'github-repo';
}

/** The capability flags in the catalogue's order (spec §8). */
export const CAPABILITY_FLAGS: readonly (keyof StorageCapabilities)[] = [
  'supportsPublicRead',
  'supportsPrivateRead',
  'supportsVisibilityToggle',
  'supportsDelete',
  'supportsDirectPublicUrl',
  'requiresAccessProxy',
  'recommendedForPrimaryStorage',
  'isPlatformBacked',
  'isExperimental',
  'requiresTokenForPrivateRead',
];

/** The flags that hold, in catalogue order. */
export function activeCapabilities(caps: StorageCapabilities | null | undefined): (keyof StorageCapabilities)[] {
  if (!caps) return [];
  return CAPABILITY_FLAGS.filter((f) => caps[f] === true);
}

// ---- secrets ------------------------------------------------------------------------------------

export type SecretField = 'accessKey' | 'secretKey' | 'token';

/** The secret fields of a type and whether the type's validator requires each. */
export function secretFieldsOf(type: string, visibilityPolicy = ''): { field: SecretField; required: boolean }[] {
  switch (type.toLowerCase()) {
    case 's3-compatible':
      return [
        { field: 'accessKey', required: true },
        { field: 'secretKey', required: true },
      ];
    case 'github-repo':
      return [{ field: 'token', required: visibilityPolicy.trim().toLowerCase() === 'private-token' }];
    case 'github-releases':
      return [{ field: 'token', required: false }];
    default:
      return [];
  }
}

/**
 * What a PATCH does with the stored secret. The server keeps no partial secret: omitting
 * `secretConfiguration` keeps it whole, `null` clears it, an object replaces it whole. So
 * "replace" needs every required field of the type, even the ones that stay the same.
 */
export type SecretMode = 'keep' | 'replace' | 'clear';

export type SecretValues = Partial<Record<SecretField, string>>;

// ---- the form -----------------------------------------------------------------------------------

export interface ProfileForm {
  name: string;
  displayName: string;
  providerType: string;
  isEnabled: boolean;
  /** Create only (PATCH cannot set it; set-default is its own action). */
  isDefault: boolean;
  // local
  rootPath: string;
  createDirectoryIfMissing: boolean;
  publicBaseUrl: string;
  // s3-compatible
  providerName: string;
  endpoint: string;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
  // github-repo / github-releases
  owner: string;
  repo: string;
  ref: string;
  basePath: string;
  visibilityPolicy: string;
  apiBaseUrl: string;
  rawBaseUrl: string;
  allowDelete: boolean;
  releaseTagMode: string;
  fixedTag: string;
  assetPathPrefix: string;
  // secret
  secretMode: SecretMode;
  secrets: SecretValues;
}

export function emptyForm(type: string = 's3-compatible'): ProfileForm {
  return {
    name: '',
    displayName: '',
    providerType: type,
    isEnabled: true,
    isDefault: false,
    rootPath: '',
    createDirectoryIfMissing: true,
    publicBaseUrl: '',
    providerName: 's3',
    endpoint: '',
    bucket: '',
    region: '',
    forcePathStyle: true,
    owner: '',
    repo: '',
    ref: 'main',
    basePath: '',
    visibilityPolicy: 'public-only',
    apiBaseUrl: '',
    rawBaseUrl: '',
    allowDelete: false,
    releaseTagMode: 'latest',
    fixedTag: '',
    assetPathPrefix: '',
    secretMode: 'replace',
    secrets: {},
  };
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v));
const bool = (v: unknown, fallback: boolean): boolean => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (v.trim().toLowerCase() === 'true') return true;
    if (v.trim().toLowerCase() === 'false') return false;
  }
  return fallback;
};

/**
 * The edit form of a stored profile. Uses the full non-secret `configuration` when the
 * server sends it, else the `configurationSummary` (which has the endpoint's host only, so the
 * endpoint must then be entered again when the configuration is changed: see endpointKnown).
 */
export function formFromProfile(p: StorageProfile): ProfileForm {
  const f = emptyForm(p.providerType.toLowerCase());
  f.name = p.name;
  f.displayName = p.displayName ?? '';
  f.isEnabled = p.isEnabled;
  f.isDefault = p.isDefault;
  f.secretMode = 'keep';
  const s = p.configurationSummary;
  const c = p.configuration && typeof p.configuration === 'object' ? p.configuration : null;
  const pick = (key: string, summary: unknown) => (c && key in c ? c[key] : summary);
  f.rootPath = str(pick('rootPath', s?.rootPath));
  f.createDirectoryIfMissing = bool(pick('createDirectoryIfMissing', true), true);
  f.publicBaseUrl = str(pick('publicBaseUrl', s?.publicBaseUrl));
  f.providerName = str(pick('providerName', s?.providerName)) || (f.providerType === 's3-compatible' ? 's3' : '');
  f.endpoint = str(c ? c.endpoint : '');
  f.bucket = str(pick('bucket', s?.bucketOrContainer));
  f.region = str(pick('region', s?.region));
  f.forcePathStyle = bool(pick('forcePathStyle', s?.forcePathStyle), true);
  f.owner = str(pick('owner', s?.owner));
  f.repo = str(pick('repo', s?.repository));
  f.ref = str(pick('ref', s?.reference));
  f.basePath = str(pick('basePath', s?.basePath));
  f.visibilityPolicy = str(pick('visibilityPolicy', s?.visibilityPolicy)) || 'public-only';
  f.apiBaseUrl = str(pick('apiBaseUrl', s?.apiBaseUrl));
  f.rawBaseUrl = str(pick('rawBaseUrl', s?.rawBaseUrl));
  f.allowDelete = bool(c ? c.allowDelete : false, false);
  f.releaseTagMode = str(pick('releaseTagMode', s?.releaseTagMode)) || 'latest';
  f.fixedTag = str(pick('fixedTag', s?.fixedTag));
  f.assetPathPrefix = str(pick('assetPathPrefix', s?.assetPathPrefix));
  return f;
}

/** Whether the stored endpoint can be shown in full (only when the server sends `configuration`). */
export function endpointKnown(p: StorageProfile): boolean {
  return !!(p.configuration && typeof p.configuration.endpoint === 'string');
}

/** The non-secret configuration object the form describes, for the profile's type. */
export function buildConfiguration(f: ProfileForm): Record<string, unknown> {
  const opt = (v: string) => (v.trim() ? v.trim() : null);
  switch (f.providerType.toLowerCase()) {
    case 'local':
      return { rootPath: f.rootPath.trim(), createDirectoryIfMissing: f.createDirectoryIfMissing, publicBaseUrl: opt(f.publicBaseUrl) };
    case 's3-compatible':
      return {
        providerName: opt(f.providerName) ?? 's3',
        endpoint: f.endpoint.trim(),
        bucket: f.bucket.trim(),
        region: f.region.trim(),
        forcePathStyle: f.forcePathStyle,
        publicBaseUrl: opt(f.publicBaseUrl),
      };
    case 'github-repo':
      return {
        owner: f.owner.trim(),
        repo: f.repo.trim(),
        ref: f.ref.trim(),
        basePath: opt(f.basePath),
        visibilityPolicy: f.visibilityPolicy.trim().toLowerCase() || 'public-only',
        apiBaseUrl: opt(f.apiBaseUrl),
        rawBaseUrl: opt(f.rawBaseUrl),
        allowDelete: f.allowDelete,
      };
    case 'github-releases': {
      const mode = f.releaseTagMode.trim().toLowerCase() || 'latest';
      return {
        owner: f.owner.trim(),
        repo: f.repo.trim(),
        releaseTagMode: mode,
        fixedTag: mode === 'fixed' ? f.fixedTag.trim() : null,
        assetPathPrefix: opt(f.assetPathPrefix),
        visibilityPolicy: f.visibilityPolicy.trim().toLowerCase() || 'public-only',
        allowDelete: false,
      };
    }
    default:
      return {};
  }
}

/** The secret object for "replace" (and create): trimmed non-blank values of the type's fields. */
export function buildSecret(f: ProfileForm): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const { field } of secretFieldsOf(f.providerType, f.visibilityPolicy)) {
    const v = (f.secrets[field] ?? '').trim();
    if (v) out[field] = v;
  }
  return Object.keys(out).length ? out : null;
}

/** What to send as `secretConfiguration` in a PATCH: undefined = omit (keep), null = clear, object = replace. */
export function secretPatch(f: ProfileForm): Record<string, string> | null | undefined {
  if (!secretFieldsOf(f.providerType).length) return undefined;
  if (f.secretMode === 'keep') return undefined;
  if (f.secretMode === 'clear') return null;
  return buildSecret(f) ?? {};
}

export function createBody(f: ProfileForm): StorageProfileCreate {
  const body: StorageProfileCreate = {
    name: f.name.trim(),
    displayName: f.displayName.trim() ? f.displayName.trim() : null,
    providerType: f.providerType,
    isEnabled: f.isEnabled,
    isDefault: f.isDefault && f.isEnabled,
    configuration: buildConfiguration(f),
  };
  const secret = buildSecret(f);
  if (secret) body.secretConfiguration = secret;
  return body;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The PATCH body for an edit: only what changed. `configuration` replaces the whole stored
 * configuration on the server, so it is sent whole, and only when some configuration field
 * differs from the form the edit started with.
 */
export function patchBody(original: ProfileForm, f: ProfileForm): StorageProfilePatch {
  const body: StorageProfilePatch = {};
  if (f.name.trim() !== original.name.trim()) body.name = f.name.trim();
  const dn = f.displayName.trim();
  if (dn !== original.displayName.trim()) body.displayName = dn ? dn : null;
  if (f.isEnabled !== original.isEnabled) body.isEnabled = f.isEnabled;
  const config = buildConfiguration(f);
  if (!sameJson(config, buildConfiguration(original))) body.configuration = config;
  const secret = secretPatch(f);
  if (secret !== undefined) body.secretConfiguration = secret;
  return body;
}

export function configurationChanged(original: ProfileForm, f: ProfileForm): boolean {
  return !sameJson(buildConfiguration(f), buildConfiguration(original));
}

// ---- validation ---------------------------------------------------------------------------------

export type FormField =
  | 'name'
  | 'displayName'
  | 'providerType'
  | 'isEnabled'
  | 'rootPath'
  | 'publicBaseUrl'
  | 'providerName'
  | 'endpoint'
  | 'bucket'
  | 'region'
  | 'owner'
  | 'repo'
  | 'ref'
  | 'basePath'
  | 'visibilityPolicy'
  | 'apiBaseUrl'
  | 'rawBaseUrl'
  | 'allowDelete'
  | 'releaseTagMode'
  | 'fixedTag'
  | 'assetPathPrefix'
  | 'accessKey'
  | 'secretKey'
  | 'token'
  | 'secret'
  | 'form';

/** Problem keys; the page translates them as `storage.problem.<key>`. */
export type Problem =
  | 'required'
  | 'tooLong'
  | 'nameTaken'
  | 'urlInvalid'
  | 'githubNameInvalid'
  | 'refInvalid'
  | 'pathInvalid'
  | 'visibilityInvalid'
  | 'tagModeInvalid'
  | 'tokenTooShort'
  | 'tokenRequiredForPrivate'
  | 'replaceNeedsAll'
  | 'clearNotAllowed'
  | 'defaultMustBeEnabled'
  | 'typeUnsupported'
  | 'secretNotSupported'
  | 'deleteNotSupported'
  | 'endpointReenter'
  | 'server';

export type FormErrors = Partial<Record<FormField, Problem>>;

export const NAME_MAX = 128;
export const DISPLAY_NAME_MAX = 256;
export const TOKEN_MIN = 8;
const GITHUB_NAME = /^[A-Za-z0-9._-]+$/;

/** Absolute http(s) URL with a host (what the server's validators accept). */
export function isAbsoluteHttpUrl(value: string): boolean {
  const v = value.trim();
  if (!/^https?:\/\//i.test(v)) return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.hostname;
  } catch {
    return false;
  }
}

/** basePath / assetPathPrefix: trimmed, `\`→`/`, outer slashes stripped; `//`, `.`, `..` refused. */
export function normalizeRepoPath(value: string): { ok: boolean; path: string | null } {
  let v = value.trim().replace(/\\/g, '/');
  v = v.replace(/^\/+/, '').replace(/\/+$/, '');
  if (!v) return { ok: true, path: null };
  const segments = v.split('/');
  if (segments.some((s) => !s.trim() || s === '.' || s === '..')) return { ok: false, path: null };
  return { ok: true, path: v };
}

export interface ValidationContext {
  mode: 'create' | 'edit';
  /** Names of the other profiles (create: all; edit: all but this one). */
  otherNames?: readonly string[];
  /** Secret fields stored on the profile being edited. */
  secretFieldsSet?: readonly string[];
  /** Edit: the form the edit started with (to tell whether the configuration changed). */
  original?: ProfileForm;
  /** Edit: the stored endpoint is not known in full (summary shows the host only). */
  endpointUnknown?: boolean;
}

/** Client-side checks mirroring the server's (§4, §5, §7). Empty object = nothing to report. */
export function validateForm(f: ProfileForm, ctx: ValidationContext): FormErrors {
  const e: FormErrors = {};
  const type = f.providerType.toLowerCase();
  const name = f.name.trim();
  if (!name) e.name = 'required';
  else if (name.length > NAME_MAX) e.name = 'tooLong';
  else if ((ctx.otherNames ?? []).some((n) => n.trim().toLowerCase() === name.toLowerCase())) e.name = 'nameTaken';
  if (f.displayName.trim().length > DISPLAY_NAME_MAX) e.displayName = 'tooLong';
  if (ctx.mode === 'create' && !isKnownType(type)) e.providerType = 'typeUnsupported';
  if (ctx.mode === 'create' && f.isDefault && !f.isEnabled) e.isEnabled = 'defaultMustBeEnabled';
  if (ctx.mode === 'edit' && f.isDefault && !f.isEnabled) e.isEnabled = 'defaultMustBeEnabled';

  const url = (field: FormField, value: string, required: boolean) => {
    if (!value.trim()) {
      if (required) e[field] = 'required';
    } else if (!isAbsoluteHttpUrl(value)) e[field] = 'urlInvalid';
  };
  const ghName = (field: FormField, value: string) => {
    if (!value.trim()) e[field] = 'required';
    else if (!GITHUB_NAME.test(value.trim())) e[field] = 'githubNameInvalid';
  };

  const configChecked = ctx.mode === 'create' || !ctx.original || configurationChanged(ctx.original, f);
  if (configChecked) {
    switch (type) {
      case 'local':
        if (!f.rootPath.trim()) e.rootPath = 'required';
        url('publicBaseUrl', f.publicBaseUrl, false);
        break;
      case 's3-compatible':
        if (ctx.mode === 'edit' && ctx.endpointUnknown && !f.endpoint.trim()) e.endpoint = 'endpointReenter';
        else url('endpoint', f.endpoint, true);
        if (!f.bucket.trim()) e.bucket = 'required';
        if (!f.region.trim()) e.region = 'required';
        url('publicBaseUrl', f.publicBaseUrl, false);
        break;
      case 'github-repo':
        ghName('owner', f.owner);
        ghName('repo', f.repo);
        if (!f.ref.trim()) e.ref = 'required';
        else if (/[\s\\]/.test(f.ref.trim())) e.ref = 'refInvalid';
        if (!normalizeRepoPath(f.basePath).ok) e.basePath = 'pathInvalid';
        if (!['public-only', 'private-token'].includes(f.visibilityPolicy.trim().toLowerCase())) e.visibilityPolicy = 'visibilityInvalid';
        url('apiBaseUrl', f.apiBaseUrl, false);
        url('rawBaseUrl', f.rawBaseUrl, false);
        break;
      case 'github-releases':
        ghName('owner', f.owner);
        ghName('repo', f.repo);
        if (!['latest', 'fixed'].includes(f.releaseTagMode.trim().toLowerCase())) e.releaseTagMode = 'tagModeInvalid';
        else if (f.releaseTagMode.trim().toLowerCase() === 'fixed' && !f.fixedTag.trim()) e.fixedTag = 'required';
        if (!normalizeRepoPath(f.assetPathPrefix).ok) e.assetPathPrefix = 'pathInvalid';
        if (!['public-only', 'public-first'].includes(f.visibilityPolicy.trim().toLowerCase())) e.visibilityPolicy = 'visibilityInvalid';
        break;
    }
  }

  // Secrets: what the server will hold after the request, checked like its validator does.
  const fields = secretFieldsOf(type, f.visibilityPolicy);
  const entering = ctx.mode === 'create' || f.secretMode === 'replace';
  if (entering) {
    for (const { field, required } of fields) {
      const v = (f.secrets[field] ?? '').trim();
      if (!v && field === 'token' && required) e[field] = 'tokenRequiredForPrivate';
      else if (!v && required) e[field] = ctx.mode === 'edit' ? 'replaceNeedsAll' : 'required';
      else if (v && field === 'token' && v.length < TOKEN_MIN) e[field] = 'tokenTooShort';
    }
  } else if (f.secretMode === 'clear') {
    if (fields.some((x) => x.required)) {
      e.secret = type === 'github-repo' ? 'tokenRequiredForPrivate' : 'clearNotAllowed';
    }
  } else if (f.secretMode === 'keep') {
    // Keeping: the stored secret must satisfy the (possibly new) configuration.
    const set = new Set(ctx.secretFieldsSet ?? []);
    if (type === 'github-repo' && f.visibilityPolicy.trim().toLowerCase() === 'private-token' && !set.has('token')) {
      e.token = 'tokenRequiredForPrivate';
    }
  }
  return e;
}

/** Whether "clear" is a valid choice for this type (no required secret field). */
export function canClearSecret(type: string, visibilityPolicy: string): boolean {
  const fields = secretFieldsOf(type, visibilityPolicy);
  return fields.length > 0 && !fields.some((x) => x.required);
}

// ---- server error codes -------------------------------------------------------------------------

const P = 'storage_provider_profile_';

/** Exact codes of spec §4–§7 with the field they concern and the problem they mean. */
const CODE_FIELDS: Record<string, [FormField, Problem]> = {
  [`${P}provider_type_required`]: ['providerType', 'required'],
  [`${P}provider_type_unsupported`]: ['providerType', 'typeUnsupported'],
  [`${P}name_required`]: ['name', 'required'],
  [`${P}name_conflict`]: ['name', 'nameTaken'],
  [`${P}default_requires_enabled`]: ['isEnabled', 'defaultMustBeEnabled'],
  [`${P}root_path_required`]: ['rootPath', 'required'],
  [`${P}public_base_url_invalid`]: ['publicBaseUrl', 'urlInvalid'],
  [`${P}secret_not_supported`]: ['secret', 'secretNotSupported'],
  [`${P}endpoint_invalid`]: ['endpoint', 'urlInvalid'],
  [`${P}bucket_required`]: ['bucket', 'required'],
  [`${P}region_required`]: ['region', 'required'],
  [`${P}access_key_required`]: ['accessKey', 'replaceNeedsAll'],
  [`${P}secret_key_required`]: ['secretKey', 'replaceNeedsAll'],
  [`${P}github_owner_required`]: ['owner', 'required'],
  [`${P}github_owner_invalid`]: ['owner', 'githubNameInvalid'],
  [`${P}github_repo_required`]: ['repo', 'required'],
  [`${P}github_repo_invalid`]: ['repo', 'githubNameInvalid'],
  [`${P}github_repo_ref_required`]: ['ref', 'required'],
  [`${P}github_repo_ref_invalid`]: ['ref', 'refInvalid'],
  [`${P}github_path_prefix_invalid`]: ['basePath', 'pathInvalid'],
  [`${P}github_visibility_policy_invalid`]: ['visibilityPolicy', 'visibilityInvalid'],
  [`${P}github_repo_api_base_url_invalid`]: ['apiBaseUrl', 'urlInvalid'],
  [`${P}github_repo_raw_base_url_invalid`]: ['rawBaseUrl', 'urlInvalid'],
  [`${P}github_token_invalid`]: ['token', 'tokenTooShort'],
  [`${P}github_repo_token_required_for_private`]: ['token', 'tokenRequiredForPrivate'],
  [`${P}github_releases_release_tag_mode_invalid`]: ['releaseTagMode', 'tagModeInvalid'],
  [`${P}github_releases_fixed_tag_required`]: ['fixedTag', 'required'],
  [`${P}github_releases_delete_not_supported`]: ['allowDelete', 'deleteNotSupported'],
};

/** Codes not in the spec's list (new checks, e.g. over-long names or a root path outside the
 * allowed roots) still land on their field by the words in the code; the server's message is shown. */
const CODE_WORDS: [RegExp, FormField][] = [
  [/display_name/, 'displayName'],
  [/_name_/, 'name'],
  [/provider_type/, 'providerType'],
  [/root_path/, 'rootPath'],
  [/public_base_url/, 'publicBaseUrl'],
  [/endpoint/, 'endpoint'],
  [/bucket/, 'bucket'],
  [/region/, 'region'],
  [/access_key/, 'accessKey'],
  [/secret_key/, 'secretKey'],
  [/token/, 'token'],
  [/owner/, 'owner'],
  [/_ref_/, 'ref'],
  [/path_prefix|base_path/, 'basePath'],
  [/visibility/, 'visibilityPolicy'],
  [/api_base_url/, 'apiBaseUrl'],
  [/raw_base_url/, 'rawBaseUrl'],
  [/fixed_tag/, 'fixedTag'],
  [/tag_mode/, 'releaseTagMode'],
  [/github_repo_(required|invalid)/, 'repo'],
];

export interface FieldError {
  field: FormField;
  /** 'server' = show the server's own message. */
  problem: Problem;
}

/** Where an API error code belongs on the form (null = not a form error: show it as a toast). */
export function fieldForCode(code: string, type = ''): FieldError | null {
  const exact = CODE_FIELDS[code];
  if (exact) {
    let [field, problem] = exact;
    // github-releases has assetPathPrefix where github-repo has basePath (one code for both).
    if (field === 'basePath' && type.toLowerCase() === 'github-releases') field = 'assetPathPrefix';
    return { field, problem };
  }
  if (!code.startsWith(P)) return null;
  const rest = code.slice(P.length - 1);
  for (const [re, field] of CODE_WORDS) {
    if (re.test(rest)) return { field: field === 'basePath' && type.toLowerCase() === 'github-releases' ? 'assetPathPrefix' : field, problem: 'server' };
  }
  if (/configuration/.test(code)) return { field: 'form', problem: 'server' };
  return null;
}

// ---- test connection ----------------------------------------------------------------------------

export interface TestStep {
  name: string;
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
}

export interface TestResult {
  ok: boolean;
  steps: TestStep[];
  error: string | null;
}

const firstOf = (o: Record<string, unknown>, keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};

function stepOk(o: Record<string, unknown>): boolean {
  const v = firstOf(o, ['ok', 'succeeded', 'success', 'passed']);
  if (typeof v === 'boolean') return v;
  const status = firstOf(o, ['status', 'outcome', 'result']);
  if (typeof status === 'string') return /^(ok|success|succeeded|passed|pass)$/i.test(status);
  return false;
}

function asNumber(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/**
 * The test-connection answer as a list of steps. The route's body names its fields one way;
 * this accepts the usual spellings (ok/succeeded, latencyMs/durationMs, error/errorMessage) so
 * that the page shows each step's outcome, latency and error text whatever the exact names.
 */
export function normalizeTestResult(raw: unknown): TestResult {
  const o = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const list = firstOf(o, ['steps', 'results', 'checks']);
  const steps: TestStep[] = Array.isArray(list)
    ? list.map((item, i) => {
        const s = item && typeof item === 'object' ? (item as Record<string, unknown>) : {};
        const err = firstOf(s, ['error', 'errorMessage', 'message', 'detail']);
        const errText = typeof err === 'string' ? err : err && typeof err === 'object' ? String((err as { message?: unknown }).message ?? JSON.stringify(err)) : null;
        const ok = stepOk(s);
        return {
          name: String(firstOf(s, ['name', 'step', 'operation', 'kind']) ?? `#${i + 1}`),
          ok,
          latencyMs: asNumber(firstOf(s, ['latencyMs', 'durationMs', 'elapsedMs', 'latency', 'duration'])),
          error: ok ? null : errText,
        };
      })
    : [];
  const overall = firstOf(o, ['ok', 'succeeded', 'success', 'passed']);
  const err = firstOf(o, ['error', 'errorMessage', 'message']);
  const ok = typeof overall === 'boolean' ? overall : steps.length > 0 && steps.every((s) => s.ok);
  return { ok, steps, error: !ok && typeof err === 'string' ? err : null };
}

// ---- display helpers ----------------------------------------------------------------------------

/** The profiles an upload may target: enabled ones with a runtime backend. */
export function uploadTargets(profiles: readonly StorageProfile[]): StorageProfile[] {
  return profiles.filter((p) => p.isEnabled && canStoreFiles(p.providerType));
}

export function profileLabel(p: Pick<StorageProfile, 'name' | 'displayName'>): string {
  return p.displayName?.trim() ? `${p.displayName.trim()} (${p.name})` : p.name;
}

/** The summary's non-null entries, in the spec's order, for display. */
export function summaryEntries(p: StorageProfile): [string, string][] {
  const s = p.configurationSummary as unknown as Record<string, unknown> | null;
  if (!s) return [];
  const order = [
    'providerName', 'rootPath', 'endpointHost', 'bucketOrContainer', 'region', 'publicBaseUrl', 'forcePathStyle',
    'owner', 'repository', 'reference', 'basePath', 'releaseTagMode', 'fixedTag', 'assetPathPrefix',
    'visibilityPolicy', 'apiBaseUrl', 'rawBaseUrl',
  ];
  const out: [string, string][] = [];
  for (const k of order) {
    const v = s[k];
    if (v === null || v === undefined || v === '') continue;
    out.push([k, typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v)]);
  }
  return out;
}

/** Reads a File as base64 (no data: prefix), for the GitHub upsert body. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
