// providers-crud.test.js - storage provider profiles: create (every check of spec §4 in order,
// the corrections: canonical providerType, length limits, allowed local roots), the profile
// shape and configurationSummary, PATCH tri-state (§5), delete and its "disabled" outcome,
// set-default, the overview with runtime and alignment (§10), permissions, and the audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, expectError, ISO_UTC } from './lib/server.js';
import { accountsEnv, ROOT, login, createUser, auditEntries } from './lib/accounts.js';
import { png } from './lib/images.js';
import { uploadOk } from './lib/assets.js';

const BASE = '/api/v1/system/storage/providers';
let server;
let token;

before(async () => {
  server = await startServer({ env: accountsEnv() });
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

after(async () => {
  await server?.stop();
  server?.assertClean();
  server?.cleanup();
});

const request = (method, path, json) => server.request(method, path, { json, token });
let counter = 0;
const unique = (prefix = 'profile') => `${prefix}-${process.pid}-${++counter}`;

function localRoot(name = unique('root')) {
  const dir = join(server.dataDir, 'profiles', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function createLocal(extra = {}) {
  const response = await request('POST', BASE, {
    name: unique(), providerType: 'local', configuration: { rootPath: localRoot() }, ...extra,
  });
  assert.equal(response.status, 201, response.text);
  return response.body.data;
}

const s3Config = (extra = {}) => ({
  endpoint: 'http://127.0.0.1:9/', bucket: 'bucket', region: 'us-east-1', ...extra,
});
const s3Secret = { accessKey: 'AKIAEXAMPLE', secretKey: 'very-secret-value-123' };

test('the seeded default profile exists after the first start', async () => {
  const response = await request('GET', BASE);
  assert.equal(response.status, 200, response.text);
  const overview = response.body.data;
  const seeded = overview.profiles.find((p) => p.name === 'local-default');
  assert.ok(seeded, 'local-default was seeded');
  assert.equal(seeded.isDefault, true);
  assert.equal(seeded.displayName, 'Local Default Write Profile');
  assert.equal(overview.defaultProfile.id, seeded.id);
  assert.deepEqual(overview.defaultWriteProfile, overview.defaultProfile);
  assert.equal(overview.runtime.isConfigurationDriven, false);
  assert.equal(overview.runtime.providerType, 'local');
  assert.equal(overview.runtime.providerName, 'local');
  assert.equal(overview.alignment.code, 'runtime_matches_db_default_provider_type');
  assert.ok(overview.alignment.message.includes('database default write profile'));
});

test('create: 201 with Location and the whole profile shape', async () => {
  const root = localRoot();
  const response = await request('POST', BASE, {
    name: '  My Local  ', displayName: '  Shown  ', providerType: ' LOCAL ',
    configuration: { rootPath: `  ${root}  `, publicBaseUrl: 'https://cdn.example.com/img/', extra: 1 },
  });
  assert.equal(response.status, 201, response.text);
  const profile = response.body.data;
  assert.equal(response.headers.get('location'), `${BASE}/${profile.id}`);
  assert.match(profile.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(profile.name, 'My Local');
  assert.equal(profile.displayName, 'Shown');
  assert.equal(profile.providerType, 'local', 'stored canonical');
  assert.equal(profile.isEnabled, true);
  assert.equal(profile.isDefault, false);
  assert.deepEqual(profile.capabilities, {
    supportsPublicRead: true, supportsPrivateRead: true, supportsVisibilityToggle: true,
    supportsDelete: true, supportsDirectPublicUrl: false, requiresAccessProxy: true,
    recommendedForPrimaryStorage: true, isPlatformBacked: false, isExperimental: false,
    requiresTokenForPrivateRead: false,
  });
  assert.equal(profile.configurationSummary.rootPath, root);
  assert.equal(profile.configurationSummary.publicBaseUrl, 'https://cdn.example.com/img');
  assert.equal(profile.configurationSummary.endpointHost, null);
  assert.deepEqual(Object.keys(profile.configurationSummary).sort(), ['apiBaseUrl', 'assetPathPrefix',
    'basePath', 'bucketOrContainer', 'endpointHost', 'fixedTag', 'forcePathStyle', 'owner',
    'pathPrefix', 'providerName', 'publicBaseUrl', 'rawBaseUrl', 'reference', 'region', 'releaseTagMode',
    'repository', 'rootPath', 'visibilityPolicy']);
  assert.deepEqual(profile.configuration, { rootPath: root, createDirectoryIfMissing: true,
    publicBaseUrl: 'https://cdn.example.com/img' }, 'unknown keys dropped, declared keys kept');
  assert.deepEqual(profile.secretFieldsSet, []);
  assert.match(profile.createdAtUtc, ISO_UTC);
  assert.match(profile.updatedAtUtc, ISO_UTC);
});

test('create: the checks of §4 in order, with codes', async () => {
  const name = unique();
  const cases = [
    [undefined, 400, 'request_invalid'],
    [{ name }, 400, 'storage_provider_profile_provider_type_required'],
    [{ name: ' ', providerType: 'local' }, 400, 'storage_provider_profile_name_required'],
    [{ name: 'x'.repeat(129), providerType: 'local' }, 400, 'storage_provider_profile_name_too_long'],
    [{ name, displayName: 'd'.repeat(257), providerType: 'local' }, 400,
      'storage_provider_profile_display_name_too_long'],
    [{ name, providerType: 't'.repeat(65) }, 400, 'storage_provider_profile_provider_type_too_long'],
    [{ name: 'LOCAL-DEFAULT', providerType: 'nope' }, 400, 'storage_provider_profile_name_conflict'],
    [{ name, providerType: 'azure-blob' }, 400, 'storage_provider_profile_provider_type_unsupported'],
    [{ name, providerType: 'local' }, 400, 'storage_provider_profile_configuration_required'],
    [{ name, providerType: 'local', configuration: [] }, 400, 'storage_provider_profile_configuration_required'],
    [{ name, providerType: 's3-compatible', configuration: s3Config(), secretConfiguration: 'x' }, 400,
      'storage_provider_profile_secret_configuration_invalid'],
    [{ name, providerType: 'local', configuration: { rootPath: localRoot() }, isDefault: true,
      isEnabled: false }, 400, 'storage_provider_profile_default_requires_enabled'],
    [{ name, providerType: 'local', configuration: { rootPath: localRoot() }, isEnabled: 'yes' }, 400,
      'request_invalid'],
  ];
  for (const [body, status, code] of cases) {
    const response = body === undefined
      ? await server.request('POST', BASE, { token, body: '', headers: { 'Content-Type': 'application/json' } })
      : await request('POST', BASE, body);
    expectError(assert, response, status, code);
  }
  // 128 characters is fine, 129 is not (counted in characters, not bytes)
  const tail = unique('n');
  const long = await createLocal({ name: `${'é'.repeat(128 - tail.length)}${tail}` });
  assert.equal([...long.name].length, 128);
});

test('create: per-type validation codes (§7) of local, s3-compatible, github-repo, github-releases', async () => {
  const cases = [
    ['local', { rootPath: localRoot() }, { token: 'x' }, 'storage_provider_profile_secret_not_supported'],
    ['local', {}, null, 'storage_provider_profile_root_path_required'],
    ['local', { rootPath: '  ' }, null, 'storage_provider_profile_root_path_required'],
    ['local', { rootPath: 5 }, null, 'storage_provider_profile_configuration_invalid'],
    ['local', { rootPath: '/etc' }, null, 'storage_provider_profile_root_path_not_allowed'],
    ['local', { rootPath: join(server.dataDir, '..', 'elsewhere') }, null,
      'storage_provider_profile_root_path_not_allowed'],
    ['local', { rootPath: localRoot(), publicBaseUrl: 'ftp://x' }, null,
      'storage_provider_profile_public_base_url_invalid'],
    ['local', { rootPath: localRoot(), createDirectoryIfMissing: 'yes' }, null,
      'storage_provider_profile_configuration_invalid'],
    ['s3-compatible', s3Config({ endpoint: 'not a url' }), s3Secret, 'storage_provider_profile_endpoint_invalid'],
    ['s3-compatible', s3Config({ bucket: '' }), s3Secret, 'storage_provider_profile_bucket_required'],
    ['s3-compatible', s3Config({ region: ' ' }), s3Secret, 'storage_provider_profile_region_required'],
    ['s3-compatible', s3Config({ publicBaseUrl: 'relative/path' }), s3Secret,
      'storage_provider_profile_public_base_url_invalid'],
    ['s3-compatible', s3Config(), null, 'storage_provider_profile_access_key_required'],
    ['s3-compatible', s3Config(), { accessKey: 'a' }, 'storage_provider_profile_secret_key_required'],
    ['s3-compatible', s3Config(), { accessKey: 1, secretKey: 'b' },
      'storage_provider_profile_secret_configuration_invalid'],
    ['github-repo', { repo: 'r', ref: 'main' }, null, 'storage_provider_profile_github_owner_required'],
    ['github-repo', { owner: 'a b', repo: 'r', ref: 'main' }, null, 'storage_provider_profile_github_owner_invalid'],
    ['github-repo', { owner: 'o', ref: 'main' }, null, 'storage_provider_profile_github_repo_required'],
    ['github-repo', { owner: 'o', repo: 'r/x', ref: 'main' }, null, 'storage_provider_profile_github_repo_invalid'],
    ['github-repo', { owner: 'o', repo: 'r' }, null, 'storage_provider_profile_github_repo_ref_required'],
    ['github-repo', { owner: 'o', repo: 'r', ref: 'a b' }, null, 'storage_provider_profile_github_repo_ref_invalid'],
    ['github-repo', { owner: 'o', repo: 'r', ref: 'main', basePath: 'a/../b' }, null,
      'storage_provider_profile_github_path_prefix_invalid'],
    ['github-repo', { owner: 'o', repo: 'r', ref: 'main', visibilityPolicy: 'secret' }, null,
      'storage_provider_profile_github_visibility_policy_invalid'],
    ['github-repo', { owner: 'o', repo: 'r', ref: 'main', apiBaseUrl: 'x' }, null,
      'storage_provider_profile_github_repo_api_base_url_invalid'],
    ['github-repo', { owner: 'o', repo: 'r', ref: 'main', rawBaseUrl: 'x' }, null,
      'storage_provider_profile_github_repo_raw_base_url_invalid'],
    ['github-repo', { owner: 'o', repo: 'r', ref: 'main' }, { token: 'short' },
      'storage_provider_profile_github_token_invalid'],
    ['github-repo', { owner: 'o', repo: 'r', ref: 'main', visibilityPolicy: 'PRIVATE-TOKEN' }, { token: ' ' },
      'storage_provider_profile_github_repo_token_required_for_private'],
    ['github-releases', { owner: 'o', repo: 'r', releaseTagMode: 'newest' }, null,
      'storage_provider_profile_github_releases_release_tag_mode_invalid'],
    ['github-releases', { owner: 'o', repo: 'r', releaseTagMode: 'fixed' }, null,
      'storage_provider_profile_github_releases_fixed_tag_required'],
    ['github-releases', { owner: 'o', repo: 'r', allowDelete: true }, null,
      'storage_provider_profile_github_releases_delete_not_supported'],
    ['github-releases', { owner: 'o', repo: 'r', visibilityPolicy: 'private-token' }, null,
      'storage_provider_profile_github_visibility_policy_invalid'],
  ];
  for (const [providerType, configuration, secretConfiguration, code] of cases) {
    const body = { name: unique(), providerType, configuration };
    if (secretConfiguration) body.secretConfiguration = secretConfiguration;
    const response = await request('POST', BASE, body);
    expectError(assert, response, 400, code);
  }
});

test('create: normalized configurations and summaries of the remote types', async () => {
  const s3 = await request('POST', BASE, {
    name: unique(), providerType: 'S3-Compatible',
    configuration: s3Config({ endpoint: 'https://S3.Example.com:443/', forcePathStyle: false }),
    secretConfiguration: { accessKey: '  AKIAEXAMPLE  ', secretKey: s3Secret.secretKey, other: 'dropped' },
  });
  assert.equal(s3.status, 201, s3.text);
  const p = s3.body.data;
  assert.equal(p.providerType, 's3-compatible');
  assert.deepEqual(p.secretFieldsSet, ['accessKey', 'secretKey']);
  assert.equal(p.configurationSummary.providerName, 's3');
  assert.equal(p.configurationSummary.endpointHost, 's3.example.com');
  assert.equal(p.configurationSummary.bucketOrContainer, 'bucket');
  assert.equal(p.configurationSummary.forcePathStyle, false);
  assert.equal(p.capabilities.supportsDirectPublicUrl, true);
  assert.ok(!s3.text.includes(s3Secret.secretKey) && !s3.text.includes('AKIAEXAMPLE'));

  const gh = await request('POST', BASE, {
    name: unique(), providerType: 'github-repo',
    configuration: { owner: 'neko', repo: 'images', ref: 'release/v2', basePath: '\\assets\\img/',
      visibilityPolicy: 'Private-Token', apiBaseUrl: 'http://127.0.0.1:9/api/', allowDelete: true },
    secretConfiguration: { token: 'ghp_0123456789' },
  });
  assert.equal(gh.status, 201, gh.text);
  assert.deepEqual(gh.body.data.configuration, { owner: 'neko', repo: 'images', ref: 'release/v2',
    basePath: 'assets/img', visibilityPolicy: 'private-token', apiBaseUrl: 'http://127.0.0.1:9/api',
    rawBaseUrl: 'https://raw.githubusercontent.com', allowDelete: true });
  assert.deepEqual(gh.body.data.secretFieldsSet, ['token']);
  assert.equal(gh.body.data.configurationSummary.repository, 'images');
  assert.equal(gh.body.data.configurationSummary.reference, 'release/v2');
  assert.equal(gh.body.data.configurationSummary.pathPrefix, 'assets/img');
  assert.equal(gh.body.data.capabilities.supportsVisibilityToggle, false);

  const releases = await request('POST', BASE, {
    name: unique(), providerType: 'github-releases',
    configuration: { owner: 'o', repo: 'r', fixedTag: 'v1', assetPathPrefix: '/x/' },
  });
  assert.equal(releases.status, 201, releases.text);
  assert.equal(releases.body.data.configuration.fixedTag, null, 'fixedTag dropped in latest mode');
  assert.equal(releases.body.data.configurationSummary.releaseTagMode, 'latest');
  assert.equal(releases.body.data.configurationSummary.pathPrefix, 'x');
});

test('patch: tri-state fields, validation order, secrets kept / replaced / cleared', async () => {
  const created = await request('POST', BASE, {
    name: unique(), providerType: 'github-repo', displayName: 'GH',
    configuration: { owner: 'o', repo: 'r', ref: 'main' }, secretConfiguration: { token: 'token-12345' },
  });
  assert.equal(created.status, 201, created.text);
  const id = created.body.data.id;
  const path = `${BASE}/${id}`;
  expectError(assert, await request('PATCH', `${BASE}/0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f`, {}), 404,
    'storage_provider_profile_not_found');
  expectError(assert, await request('PATCH', path, { name: null }), 400, 'storage_provider_profile_name_required');
  expectError(assert, await request('PATCH', path, { name: 'n'.repeat(129) }), 400, 'storage_provider_profile_name_too_long');
  expectError(assert, await request('PATCH', path, { isEnabled: null }), 400, 'request_invalid');
  expectError(assert, await request('PATCH', path, { name: 'Local-Default' }), 400, 'storage_provider_profile_name_conflict');
  expectError(assert, await request('PATCH', path, { configuration: null }), 400,
    'storage_provider_profile_configuration_required');
  expectError(assert, await request('PATCH', path, { configuration: { owner: 'o', repo: 'r', ref: 'main',
    visibilityPolicy: 'private-token' }, secretConfiguration: null }), 400,
  'storage_provider_profile_github_repo_token_required_for_private');

  // absent secret = kept (private-token validates only with the stored token)
  let response = await request('PATCH', path, { displayName: '  ', providerType: 'local',
    configuration: { owner: 'o', repo: 'r', ref: 'dev', visibilityPolicy: 'private-token' } });
  assert.equal(response.status, 200, response.text);
  let p = response.body.data;
  assert.equal(p.displayName, null);
  assert.equal(p.providerType, 'github-repo', 'providerType cannot change');
  assert.equal(p.configurationSummary.reference, 'dev');
  assert.deepEqual(p.secretFieldsSet, ['token']);
  assert.ok(p.updatedAtUtc >= created.body.data.updatedAtUtc);
  // null = cleared
  response = await request('PATCH', path, { configuration: { owner: 'o', repo: 'r', ref: 'dev' },
    secretConfiguration: null, isEnabled: false, name: '  Renamed  ' });
  assert.equal(response.status, 200, response.text);
  p = response.body.data;
  assert.deepEqual(p.secretFieldsSet, []);
  assert.equal(p.isEnabled, false);
  assert.equal(p.name, 'Renamed');
  assert.equal(p.displayName, null);
  // the default profile cannot be disabled
  const overview = (await request('GET', BASE)).body.data;
  expectError(assert, await request('PATCH', `${BASE}/${overview.defaultProfile.id}`, { isEnabled: false }), 400,
    'storage_provider_profile_default_requires_enabled');
});

test('set-default: one default at most, disabled refused, the storm leaves exactly one', async () => {
  const a = await createLocal();
  const b = await createLocal({ isEnabled: false });
  expectError(assert, await request('POST', `${BASE}/0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f/set-default`), 404,
    'storage_provider_profile_not_found');
  expectError(assert, await request('POST', `${BASE}/${b.id}/set-default`), 400,
    'storage_provider_profile_default_requires_enabled');
  const response = await request('POST', `${BASE}/${a.id}/set-default`);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.data.isDefault, true);
  let overview = (await request('GET', BASE)).body.data;
  assert.equal(overview.profiles.filter((p) => p.isDefault).length, 1);
  assert.equal(overview.profiles[0].id, a.id, 'the default comes first');

  const candidates = [a, await createLocal(), await createLocal(), await createLocal()];
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) =>
      request('POST', `${BASE}/${candidates[(i + round) % candidates.length].id}/set-default`)));
    for (const r of results) assert.equal(r.status, 200, r.text);
    overview = (await request('GET', BASE)).body.data;
    const defaults = overview.profiles.filter((p) => p.isDefault);
    assert.equal(defaults.length, 1, 'exactly one default after the storm');
    assert.equal(overview.defaultProfile.id, defaults[0].id);
  }
  // a create with isDefault moves the default too
  const c = await createLocal({ isDefault: true });
  overview = (await request('GET', BASE)).body.data;
  assert.deepEqual(overview.profiles.filter((p) => p.isDefault).map((p) => p.id), [c.id]);
});

test('delete: deleted when unused, disabled when an asset uses it; the default can go', async () => {
  const unused = await createLocal();
  let response = await request('DELETE', `${BASE}/${unused.id}`);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.data.status, 'deleted');
  assert.equal(response.body.data.wasDefault, false);
  assert.match(response.body.data.deletedAtUtc, ISO_UTC);
  expectError(assert, await request('DELETE', `${BASE}/${unused.id}`), 404, 'storage_provider_profile_not_found');

  const used = await createLocal({ isDefault: true });
  const asset = await uploadOk(server, token, { file: { data: png(3, 3) } });
  assert.equal(asset.storageProviderProfileId, used.id, 'uploads go to the default profile');
  response = await request('DELETE', `${BASE}/${used.id}`);
  assert.equal(response.status, 200, response.text);
  assert.deepEqual({ ...response.body.data, deletedAtUtc: undefined },
    { id: used.id, wasDefault: true, status: 'disabled', deletedAtUtc: undefined });
  const overview = (await request('GET', BASE)).body.data;
  const kept = overview.profiles.find((p) => p.id === used.id);
  assert.equal(kept.isEnabled, false);
  assert.equal(kept.isDefault, false);
  assert.equal(overview.defaultProfile, null);
  assert.equal(overview.runtime.isConfigurationDriven, true);
  assert.equal(overview.runtime.providerType, 'local');
  assert.equal(overview.runtime.matchesDefaultProfileType, null);
  assert.deepEqual({ ...overview.alignment, message: undefined }, {
    runtimeSelectionSource: 'configuration', hasDefaultProfile: false, isDefaultProfileEnabled: null,
    providerTypeMatchesDefaultProfile: null, code: 'db_default_profile_missing', message: undefined });
  assert.ok(overview.alignment.message.includes('Runtime provider is selected from configuration'));
  // the asset on the disabled profile stays readable and deletable
  const content = await server.request('GET', `/api/v1/assets/${asset.id}/content`, { token });
  assert.ok([200, 302, 307].includes(content.status), `${content.status} ${content.text}`);
  // uploads without a profile now use the config-driven storage
  const next = await uploadOk(server, token, { file: { data: png(4, 3) } });
  assert.equal(next.storageProviderProfileId, null);
  assert.equal((await server.request('DELETE', `/api/v1/assets/${asset.id}`, { token, json: {} })).status, 200);
});

test('permissions: providers.* per route, set-default needs settings.update', async () => {
  const target = await createLocal();
  const { username, password } = await createUser(server, token, { permissions: ['providers.read'] });
  const reader = (await login(server, username, password)).accessToken;
  const as = (method, path, json) => server.request(method, path, { json, token: reader });
  assert.equal((await as('GET', BASE)).status, 200);
  expectError(assert, await as('POST', BASE, { name: unique(), providerType: 'local',
    configuration: { rootPath: localRoot() } }), 403);
  expectError(assert, await as('PATCH', `${BASE}/${target.id}`, {}), 403);
  expectError(assert, await as('DELETE', `${BASE}/${target.id}`), 403);
  expectError(assert, await as('POST', `${BASE}/${target.id}/set-default`), 403);
  expectError(assert, await as('POST', `${BASE}/${target.id}/test`), 403);
  expectError(assert, await server.request('GET', BASE), 401);
});

test('every change is audited without secret values', async () => {
  const secret = 'audit-secret-value-42';
  const created = await request('POST', BASE, { name: unique(), providerType: 's3-compatible',
    configuration: s3Config(), secretConfiguration: { accessKey: 'ak-audit', secretKey: secret } });
  assert.equal(created.status, 201, created.text);
  const id = created.body.data.id;
  assert.equal((await request('PATCH', `${BASE}/${id}`, { secretConfiguration: { accessKey: 'ak2-audit',
    secretKey: `${secret}-2` } })).status, 200);
  assert.equal((await request('POST', `${BASE}/${id}/set-default`)).status, 200);
  const other = await createLocal();
  assert.equal((await request('POST', `${BASE}/${other.id}/set-default`)).status, 200);
  assert.equal((await request('DELETE', `${BASE}/${id}`)).status, 200);
  const entries = await auditEntries(server, token, { target: id });
  const actions = entries.map((e) => e.action).reverse();
  assert.deepEqual(actions.filter((a) => a !== 'storage_provider.update'), ['storage_provider.create',
    'storage_provider.set_default', 'storage_provider.delete']);
  assert.ok(actions.includes('storage_provider.update'));
  const text = JSON.stringify(entries);
  assert.ok(!text.includes(secret) && !text.includes('ak-audit'), 'no secret value in the audit log');
  assert.ok(text.includes('secretFieldsSet'));
});
