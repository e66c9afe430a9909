import { describe, expect, it } from 'vitest';
import type { StorageProfile } from '../src/api/types';
import {
  activeCapabilities,
  canClearSecret,
  createBody,
  emptyForm,
  fieldForCode,
  formFromProfile,
  isAbsoluteHttpUrl,
  normalizeRepoPath,
  normalizeTestResult,
  patchBody,
  secretPatch,
  summaryEntries,
  uploadTargets,
  validateForm,
  bytesToBase64,
  type ProfileForm,
} from '../src/lib/storage';

const caps = {
  supportsPublicRead: true,
  supportsPrivateRead: true,
  supportsVisibilityToggle: true,
  supportsDelete: true,
  supportsDirectPublicUrl: true,
  requiresAccessProxy: false,
  recommendedForPrimaryStorage: true,
  isPlatformBacked: false,
  isExperimental: false,
  requiresTokenForPrivateRead: false,
};

const nullSummary = {
  providerName: null, rootPath: null, endpointHost: null, bucketOrContainer: null, region: null, publicBaseUrl: null,
  forcePathStyle: null, owner: null, repository: null, reference: null, releaseTagMode: null, fixedTag: null,
  pathPrefix: null, visibilityPolicy: null, basePath: null, assetPathPrefix: null, apiBaseUrl: null, rawBaseUrl: null,
};

function s3Profile(extra: Partial<StorageProfile> = {}): StorageProfile {
  return {
    id: 'p1',
    name: 's3-main',
    displayName: 'Main bucket',
    providerType: 's3-compatible',
    isEnabled: true,
    isDefault: false,
    capabilities: caps,
    configurationSummary: { ...nullSummary, providerName: 's3', endpointHost: '127.0.0.1:9000', bucketOrContainer: 'img', region: 'us-east-1', forcePathStyle: true },
    secretFieldsSet: ['accessKey', 'secretKey'],
    createdAtUtc: '2026-01-01T00:00:00Z',
    updatedAtUtc: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

function s3Form(over: Partial<ProfileForm> = {}): ProfileForm {
  return {
    ...emptyForm('s3-compatible'),
    name: 's3-main',
    endpoint: 'http://127.0.0.1:9000',
    bucket: 'img',
    region: 'us-east-1',
    secrets: { accessKey: 'AK', secretKey: 'SK' },
    ...over,
  };
}

describe('validation mirrors the server (spec §4, §7)', () => {
  it('accepts a complete S3 form and reports each missing or malformed field', () => {
    expect(validateForm(s3Form(), { mode: 'create' })).toEqual({});
    const e = validateForm(s3Form({ name: '  ', endpoint: 'ftp://x', bucket: '', region: '', publicBaseUrl: 'cdn.example.com', secrets: {} }), { mode: 'create' });
    expect(e).toEqual({
      name: 'required',
      endpoint: 'urlInvalid',
      bucket: 'required',
      region: 'required',
      publicBaseUrl: 'urlInvalid',
      accessKey: 'required',
      secretKey: 'required',
    });
  });

  it('checks name length and case-insensitive uniqueness', () => {
    expect(validateForm(s3Form({ name: 'x'.repeat(129) }), { mode: 'create' }).name).toBe('tooLong');
    expect(validateForm(s3Form({ name: 'x'.repeat(128) }), { mode: 'create' }).name).toBeUndefined();
    expect(validateForm(s3Form({ name: ' S3-MAIN ' }), { mode: 'create', otherNames: ['s3-main'] }).name).toBe('nameTaken');
    expect(validateForm(s3Form({ displayName: 'd'.repeat(257) }), { mode: 'create' }).displayName).toBe('tooLong');
  });

  it('a default profile must be enabled', () => {
    expect(validateForm(s3Form({ isDefault: true, isEnabled: false }), { mode: 'create' }).isEnabled).toBe('defaultMustBeEnabled');
  });

  it('local: root path required, no secret', () => {
    const f = { ...emptyForm('local'), name: 'disk' };
    expect(validateForm(f, { mode: 'create' })).toEqual({ rootPath: 'required' });
    expect(validateForm({ ...f, rootPath: '/data/x' }, { mode: 'create' })).toEqual({});
    expect(createBody({ ...f, rootPath: ' /data/x ' })).toEqual({
      name: 'disk',
      displayName: null,
      providerType: 'local',
      isEnabled: true,
      isDefault: false,
      configuration: { rootPath: '/data/x', createDirectoryIfMissing: true, publicBaseUrl: null },
    });
  });

  it('github-repo: owner/repo charset, ref, base path segments, token length and private-token', () => {
    const base = { ...emptyForm('github-repo'), name: 'gh', owner: 'octo', repo: 'imgs', ref: 'main' };
    expect(validateForm(base, { mode: 'create' })).toEqual({});
    expect(validateForm({ ...base, owner: 'oc to', repo: 'a/b' }, { mode: 'create' })).toEqual({ owner: 'githubNameInvalid', repo: 'githubNameInvalid' });
    expect(validateForm({ ...base, ref: 'a b' }, { mode: 'create' }).ref).toBe('refInvalid');
    expect(validateForm({ ...base, ref: 'a\\b' }, { mode: 'create' }).ref).toBe('refInvalid');
    expect(validateForm({ ...base, ref: 'release/v2' }, { mode: 'create' }).ref).toBeUndefined();
    expect(validateForm({ ...base, basePath: 'a/../b' }, { mode: 'create' }).basePath).toBe('pathInvalid');
    expect(validateForm({ ...base, basePath: 'a//b' }, { mode: 'create' }).basePath).toBe('pathInvalid');
    expect(validateForm({ ...base, basePath: '/a/b/' }, { mode: 'create' }).basePath).toBeUndefined();
    expect(validateForm({ ...base, secrets: { token: 'short' } }, { mode: 'create' }).token).toBe('tokenTooShort');
    expect(validateForm({ ...base, visibilityPolicy: 'private-token' }, { mode: 'create' }).token).toBe('tokenRequiredForPrivate');
    expect(validateForm({ ...base, visibilityPolicy: 'private-token', secrets: { token: 'ghp_12345678' } }, { mode: 'create' })).toEqual({});
    expect(validateForm({ ...base, apiBaseUrl: 'api.github.com' }, { mode: 'create' }).apiBaseUrl).toBe('urlInvalid');
  });

  it('github-releases: tag mode and fixed tag', () => {
    const base = { ...emptyForm('github-releases'), name: 'rel', owner: 'o', repo: 'r' };
    expect(validateForm(base, { mode: 'create' })).toEqual({});
    expect(validateForm({ ...base, releaseTagMode: 'fixed' }, { mode: 'create' }).fixedTag).toBe('required');
    expect(createBody({ ...base, releaseTagMode: 'latest', fixedTag: 'v1' }).configuration).toMatchObject({ releaseTagMode: 'latest', fixedTag: null, allowDelete: false });
  });

  it('URL and path helpers', () => {
    expect(isAbsoluteHttpUrl('https://s3.amazonaws.com')).toBe(true);
    expect(isAbsoluteHttpUrl('http://127.0.0.1:9000/')).toBe(true);
    expect(isAbsoluteHttpUrl('s3.amazonaws.com')).toBe(false);
    expect(isAbsoluteHttpUrl('ftp://x')).toBe(false);
    expect(normalizeRepoPath(' \\a\\b/ ')).toEqual({ ok: true, path: 'a/b' });
    expect(normalizeRepoPath('')).toEqual({ ok: true, path: null });
    expect(normalizeRepoPath('a/./b').ok).toBe(false);
  });
});

describe('secrets: keep / replace / clear (PATCH tri-state)', () => {
  it('keep omits secretConfiguration; clear sends null; replace sends the whole secret', () => {
    const original = formFromProfile(s3Profile());
    expect(original.secretMode).toBe('keep');
    expect(secretPatch(original)).toBeUndefined();
    expect('secretConfiguration' in patchBody(original, original)).toBe(false);

    const replaced = { ...original, secretMode: 'replace' as const, secrets: { accessKey: ' AK2 ', secretKey: 'SK2' } };
    expect(patchBody(original, replaced)).toEqual({ secretConfiguration: { accessKey: 'AK2', secretKey: 'SK2' } });

    const gh = formFromProfile(s3Profile({ providerType: 'github-repo', secretFieldsSet: ['token'], configurationSummary: { ...nullSummary, owner: 'o', repository: 'r', reference: 'main' } }));
    expect(patchBody(gh, { ...gh, secretMode: 'clear' })).toEqual({ secretConfiguration: null });
  });

  it('replacing one S3 key alone is refused: the server keeps no partial secret', () => {
    const original = formFromProfile(s3Profile());
    const onlyOne = { ...original, secretMode: 'replace' as const, secrets: { secretKey: 'new-secret' } };
    const e = validateForm(onlyOne, { mode: 'edit', original, secretFieldsSet: ['accessKey', 'secretKey'] });
    expect(e.accessKey).toBe('replaceNeedsAll');
    expect(e.secretKey).toBeUndefined();
  });

  it('clearing is offered only where no secret field is required', () => {
    expect(canClearSecret('s3-compatible', '')).toBe(false);
    expect(canClearSecret('github-repo', 'public-only')).toBe(true);
    expect(canClearSecret('github-repo', 'private-token')).toBe(false);
    expect(canClearSecret('local', '')).toBe(false);
    const original = formFromProfile(s3Profile());
    expect(validateForm({ ...original, secretMode: 'clear' }, { mode: 'edit', original }).secret).toBe('clearNotAllowed');
  });

  it('keeping a secret that lacks the token while switching to private-token is caught', () => {
    const p = s3Profile({ providerType: 'github-repo', secretFieldsSet: [], configurationSummary: { ...nullSummary, owner: 'o', repository: 'r', reference: 'main', visibilityPolicy: 'public-only' } });
    const original = formFromProfile(p);
    const f = { ...original, visibilityPolicy: 'private-token' };
    expect(validateForm(f, { mode: 'edit', original, secretFieldsSet: [] }).token).toBe('tokenRequiredForPrivate');
    expect(validateForm(f, { mode: 'edit', original, secretFieldsSet: ['token'] }).token).toBeUndefined();
  });
});

describe('PATCH bodies send only what changed; configuration whole', () => {
  it('name and display name only', () => {
    const original = formFromProfile(s3Profile());
    expect(patchBody(original, { ...original, name: ' s3-renamed ' })).toEqual({ name: 's3-renamed' });
    expect(patchBody(original, { ...original, displayName: '  ' })).toEqual({ displayName: null });
    expect(patchBody(original, { ...original, isEnabled: false })).toEqual({ isEnabled: false });
  });

  it('a configuration change sends the whole configuration (the server does not merge)', () => {
    const original = formFromProfile(s3Profile());
    const f = { ...original, bucket: 'other', endpoint: 'http://127.0.0.1:9000' };
    expect(patchBody(original, f)).toEqual({
      configuration: { providerName: 's3', endpoint: 'http://127.0.0.1:9000', bucket: 'other', region: 'us-east-1', forcePathStyle: true, publicBaseUrl: null },
    });
  });

  it('the summary has only the endpoint host: changing the configuration needs the endpoint again', () => {
    const p = s3Profile();
    const original = formFromProfile(p);
    expect(original.endpoint).toBe('');
    expect(validateForm(original, { mode: 'edit', original, endpointUnknown: true })).toEqual({});
    const changed = { ...original, bucket: 'other' };
    expect(validateForm(changed, { mode: 'edit', original, endpointUnknown: true }).endpoint).toBe('endpointReenter');
  });

  it('uses the full configuration when the server sends it', () => {
    const p = s3Profile({ configuration: { endpoint: 'http://minio:9000', bucket: 'b', region: 'r', forcePathStyle: false, providerName: 'minio', publicBaseUrl: null } });
    const f = formFromProfile(p);
    expect(f.endpoint).toBe('http://minio:9000');
    expect(f.forcePathStyle).toBe(false);
    expect(f.providerName).toBe('minio');
  });
});

describe('server error codes land on their fields', () => {
  it('maps the spec codes', () => {
    expect(fieldForCode('storage_provider_profile_name_conflict')).toEqual({ field: 'name', problem: 'nameTaken' });
    expect(fieldForCode('storage_provider_profile_endpoint_invalid')).toEqual({ field: 'endpoint', problem: 'urlInvalid' });
    expect(fieldForCode('storage_provider_profile_secret_key_required')).toEqual({ field: 'secretKey', problem: 'replaceNeedsAll' });
    expect(fieldForCode('storage_provider_profile_github_repo_token_required_for_private')).toEqual({ field: 'token', problem: 'tokenRequiredForPrivate' });
    expect(fieldForCode('storage_provider_profile_github_path_prefix_invalid', 'github-releases')).toEqual({ field: 'assetPathPrefix', problem: 'pathInvalid' });
  });

  it('unknown profile codes go by their words and show the server message', () => {
    expect(fieldForCode('storage_provider_profile_name_too_long')).toEqual({ field: 'name', problem: 'server' });
    expect(fieldForCode('storage_provider_profile_display_name_too_long')).toEqual({ field: 'displayName', problem: 'server' });
    expect(fieldForCode('storage_provider_profile_root_path_not_allowed')).toEqual({ field: 'rootPath', problem: 'server' });
    expect(fieldForCode('storage_provider_profile_configuration_invalid')).toEqual({ field: 'form', problem: 'server' });
    expect(fieldForCode('request_invalid')).toBeNull();
    expect(fieldForCode('storage_provider_unavailable')).toBeNull();
  });
});

describe('test connection result', () => {
  it('reads steps with their outcome, latency and error', () => {
    const r = normalizeTestResult({
      succeeded: false,
      steps: [
        { name: 'write', succeeded: true, latencyMs: 12.4 },
        { name: 'read', succeeded: false, durationMs: 3, errorMessage: 'SignatureDoesNotMatch' },
      ],
    });
    expect(r).toEqual({
      ok: false,
      error: null,
      steps: [
        { name: 'write', ok: true, latencyMs: 12.4, error: null },
        { name: 'read', ok: false, latencyMs: 3, error: 'SignatureDoesNotMatch' },
      ],
    });
  });

  it('derives the overall outcome from the steps when not given; status strings count', () => {
    expect(normalizeTestResult({ steps: [{ step: 'put', status: 'ok', elapsedMs: '5' }] })).toEqual({
      ok: true,
      error: null,
      steps: [{ name: 'put', ok: true, latencyMs: 5, error: null }],
    });
    expect(normalizeTestResult(null)).toEqual({ ok: false, steps: [], error: null });
    expect(normalizeTestResult({ ok: false, error: 'bucket missing', steps: [] }).error).toBe('bucket missing');
  });
});

describe('display helpers', () => {
  it('capabilities in catalogue order', () => {
    expect(activeCapabilities({ ...caps, supportsVisibilityToggle: false, isExperimental: true })).toEqual([
      'supportsPublicRead', 'supportsPrivateRead', 'supportsDelete', 'supportsDirectPublicUrl', 'recommendedForPrimaryStorage', 'isExperimental',
    ]);
    expect(activeCapabilities(null)).toEqual([]);
  });

  it('summary entries skip nulls', () => {
    expect(summaryEntries(s3Profile())).toEqual([
      ['providerName', 's3'], ['endpointHost', '127.0.0.1:9000'], ['bucketOrContainer', 'img'], ['region', 'us-east-1'], ['forcePathStyle', 'true'],
    ]);
  });

  it('upload targets: enabled profiles with a backend', () => {
    const list = [
      s3Profile({ id: 'a' }),
      s3Profile({ id: 'b', isEnabled: false }),
      s3Profile({ id: 'c', providerType: 'github-releases' }),
      s3Profile({ id: 'd', providerType: 'github-repo' }),
    ];
    expect(uploadTargets(list).map((p) => p.id)).toEqual(['a', 'd']);
  });

  it('base64 of bytes', () => {
    expect(bytesToBase64(new Uint8Array([104, 105, 0, 255]))).toBe('aGkA/w==');
    // more than one chunk of String.fromCharCode: decodes back to the same bytes
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    const back = Uint8Array.from(atob(bytesToBase64(big)), (c) => c.charCodeAt(0));
    expect(back).toEqual(big);
  });
});
