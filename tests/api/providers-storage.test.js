// providers-storage.test.js - profiles at work: uploads to an explicit local profile (bytes equal
// through /content and the protected route, the profile's own publicBaseUrl winning over the
// global one), the write-target errors of §9.1, test connection (a working and a failing
// profile), the capability catalog enforced on visibility changes, the one default enforced
// by the database, a disabled default (§6), and seeding on the very first start only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, expectError } from './lib/server.js';
import { accountsEnv, ROOT, login, runSql } from './lib/accounts.js';
import { png } from './lib/images.js';
import { upload, uploadOk, fetchBytes, pathOf } from './lib/assets.js';

const BASE = '/api/v1/system/storage/providers';
const GLOBAL_BASE = 'http://global.example.test/content';
const JSON_LIMIT = 16384; // small, so the refused body still fits the socket buffers
let server;
let token;

before(async () => {
  server = await startServer({ env: accountsEnv({ Storage__PublicBaseUrl: GLOBAL_BASE, Processing__Workers: '0',
    Api__MaxJsonBodyBytes: String(JSON_LIMIT) }) });
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

const request = (method, path, json) => server.request(method, path, { json, token });
let counter = 0;
const unique = (prefix = 'p') => `${prefix}-${process.pid}-${++counter}`;

function files(dir) {
  const found = [];
  const walk = (d, prefix) => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name), `${prefix}${entry.name}/`);
      else found.push(`${prefix}${entry.name}`);
    }
  };
  walk(dir, '');
  return found;
}

async function createProfile(body) {
  const response = await request('POST', BASE, { name: unique(), ...body });
  assert.equal(response.status, 201, response.text);
  return response.body.data;
}

function localRoot() {
  const root = join(server.dataDir, 'profile-roots', unique('root'));
  mkdirSync(root, { recursive: true });
  return root;
}

test('upload to an explicit local profile: stored under its root, bytes equal through both routes', async () => {
  const root = localRoot();
  const profile = await createProfile({ providerType: 'local', configuration: { rootPath: root } });
  const bytes = png(9, 7, { seed: 3 });
  const asset = await uploadOk(server, token, { file: { data: bytes }, fields: { storageProviderProfileId: profile.id } });
  assert.equal(asset.storageProviderProfileId, profile.id);
  assert.equal(asset.storageProvider, 'local');
  assert.deepEqual(files(root), [asset.storageKey]);
  assert.ok(asset.publicUrl.startsWith(GLOBAL_BASE), 'no own base: the global one');
  const publicContent = await fetchBytes(server, `/content/${asset.storageKey}`);
  assert.equal(publicContent.status, 200);
  assert.ok(publicContent.bytes.equals(bytes));
  await request('PATCH', `/api/v1/assets/${asset.id}`, { isPublic: false });
  const protectedContent = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token });
  assert.equal(protectedContent.status, 200);
  assert.ok(protectedContent.bytes.equals(bytes));
  // deleting the asset removes the object from the profile's root
  assert.equal((await server.request('DELETE', `/api/v1/assets/${asset.id}`, { token, json: {} })).status, 200);
  assert.deepEqual(files(root), []);
});

test("a profile's own publicBaseUrl wins over Storage__PublicBaseUrl", async () => {
  const profile = await createProfile({ providerType: 'local',
    configuration: { rootPath: localRoot(), publicBaseUrl: 'https://cdn.example.test/images/' } });
  const asset = await uploadOk(server, token, { file: { data: png(5, 5, { seed: 4 }) },
    fields: { storageProviderProfileId: profile.id } });
  assert.equal(asset.publicUrl, `https://cdn.example.test/images/${asset.storageKey}`);
});

test('write-target errors: unknown, disabled, declared-only type', async () => {
  const file = { data: png(4, 4, { seed: 5 }) };
  expectError(assert, await upload(server, token, { file,
    fields: { storageProviderProfileId: '0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f' } }), 404,
  'storage_provider_profile_not_found');
  const disabled = await createProfile({ providerType: 'local', isEnabled: false, configuration: { rootPath: localRoot() } });
  expectError(assert, await upload(server, token, { file, fields: { storageProviderProfileId: disabled.id } }), 400,
    'storage_provider_profile_disabled');
  const releases = await createProfile({ providerType: 'github-releases', configuration: { owner: 'o', repo: 'r' } });
  expectError(assert, await upload(server, token, { file, fields: { storageProviderProfileId: releases.id } }), 400,
    'storage_provider_profile_write_not_supported');
  // declared-only types can still be the default; then uploads without a profile fail the same way
  assert.equal((await request('POST', `${BASE}/${releases.id}/set-default`)).status, 200);
  expectError(assert, await upload(server, token, { file }), 400, 'storage_provider_profile_write_not_supported');
  const local = (await request('GET', BASE)).body.data.profiles.find((p) => p.name === 'local-default');
  assert.equal((await request('POST', `${BASE}/${local.id}/set-default`)).status, 200);
});

test('test connection: each step of a working local profile, and a failing one', async () => {
  const root = localRoot();
  const profile = await createProfile({ providerType: 'local', configuration: { rootPath: root } });
  let response = await request('POST', `${BASE}/${profile.id}/test`);
  assert.equal(response.status, 200, response.text);
  let result = response.body.data;
  assert.equal(result.profileId, profile.id);
  assert.equal(result.succeeded, true);
  assert.deepEqual(result.steps.map((s) => s.name), ['open', 'write', 'read', 'delete']);
  for (const step of result.steps) {
    assert.equal(step.succeeded, true);
    assert.equal(typeof step.latencyMs, 'number');
    assert.ok(step.latencyMs >= 0);
  }
  assert.deepEqual(files(root), [], 'the probe object is gone');

  // the root replaced by a file: the backend cannot be built
  const broken = await createProfile({ providerType: 'local', configuration: { rootPath: localRoot() } });
  rmSync(broken.configurationSummary.rootPath, { recursive: true });
  writeFileSync(broken.configurationSummary.rootPath, 'not a directory');
  response = await request('POST', `${BASE}/${broken.id}/test`);
  assert.equal(response.status, 200, response.text);
  result = response.body.data;
  assert.equal(result.succeeded, false);
  assert.equal(result.steps.length, 1);
  assert.equal(result.steps[0].name, 'open');
  assert.equal(result.steps[0].succeeded, false);
  assert.equal(result.steps[0].errorCode, 'storage_provider_profile_write_not_supported');
  assert.ok(result.steps[0].errorMessage.includes(broken.name));

  // an S3 profile whose endpoint refuses connections fails at a step, with the secret redacted
  const secretKey = 'test-connection-secret-123';
  const s3 = await createProfile({ providerType: 's3-compatible',
    configuration: { endpoint: 'http://127.0.0.1:9', bucket: 'b', region: 'us-east-1' },
    secretConfiguration: { accessKey: 'AKIATESTCONN', secretKey } });
  response = await request('POST', `${BASE}/${s3.id}/test`);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.data.succeeded, false);
  assert.ok(response.body.data.steps.some((s) => !s.succeeded && s.errorCode && s.errorMessage));
  assert.ok(!response.text.includes(secretKey) && !response.text.includes('AKIATESTCONN'));
  expectError(assert, await request('POST', `${BASE}/0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f/test`), 404,
    'storage_provider_profile_not_found');
});

test('github browse and upsert: the profile gate and every query/body code before the backend', async () => {
  const local = await createProfile({ providerType: 'local', configuration: { rootPath: localRoot() } });
  const off = await createProfile({ providerType: 'github-repo', isEnabled: false,
    configuration: { owner: 'o', repo: 'r', ref: 'main', apiBaseUrl: 'http://127.0.0.1:9' } });
  const gh = await createProfile({ providerType: 'github-repo',
    configuration: { owner: 'o', repo: 'r', ref: 'main', apiBaseUrl: 'http://127.0.0.1:9' } });
  const browse = (id, query = '') => request('GET', `${BASE}/${id}/github-repo/browse${query}`);
  const upsert = (id, body) => request('POST', `${BASE}/${id}/github-repo/upsert`, body);
  expectError(assert, await browse('0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f'), 404, 'storage_provider_profile_not_found');
  expectError(assert, await browse(off.id), 400, 'storage_provider_profile_disabled');
  expectError(assert, await browse(local.id), 400, 'storage_provider_profile_provider_type_mismatch');
  expectError(assert, await upsert(off.id, {}), 400, 'storage_provider_profile_disabled');
  expectError(assert, await upsert(local.id, {}), 400, 'storage_provider_profile_provider_type_mismatch');
  // after the gate, the query and body codes (before any call to GitHub)
  {
    const cases = [
      ['?path=a/../b', 'storage_provider_relative_path_invalid'],
      ['?maxDepth=0', 'storage_provider_directory_depth_invalid'],
      ['?maxDepth=11', 'storage_provider_directory_depth_invalid'],
      ['?type=link', 'storage_provider_directory_type_invalid'],
      ['?page=0', 'storage_provider_directory_page_invalid'],
      ['?pageSize=201', 'storage_provider_directory_page_size_invalid'],
    ];
    for (const [query, code] of cases) expectError(assert, await browse(gh.id, query), 400, code);
    const bodies = [
      [{ contentBase64: 'aGk=' }, 'storage_provider_upsert_path_required'],
      [{ path: 'a.txt' }, 'storage_provider_upsert_content_required'],
      [{ path: 'a.txt', contentBase64: '***' }, 'storage_provider_upsert_content_base64_invalid'],
      [{ path: 'a.txt', contentBase64: '====' }, 'storage_provider_upsert_content_base64_invalid'],
    ];
    for (const [body, code] of bodies) expectError(assert, await upsert(gh.id, body), 400, code);
    // the body is bounded by Api__MaxJsonBodyBytes
    expectError(assert, await upsert(gh.id, { path: 'big.bin', contentBase64: 'A'.repeat(JSON_LIMIT + 4) }), 413,
      'request_body_too_large');
  }
});

test('visibility changes are refused on storage without supportsVisibilityToggle', async () => {
  const gh = await createProfile({ providerType: 'github-repo', configuration: { owner: 'o', repo: 'r', ref: 'main' } });
  const asset = await uploadOk(server, token, { file: { data: png(6, 6, { seed: 9 }) } });
  await server.stop();
  runSql(server, `UPDATE assets SET storage_provider = 'github-repo', storage_provider_profile_id = '${gh.id}'
    WHERE id = '${asset.id}'`);
  await server.start();
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
  expectError(assert, await request('PATCH', `/api/v1/assets/${asset.id}`, { isPublic: false }), 400,
    'asset_storage_visibility_toggle_not_supported');
  const unchanged = await request('PATCH', `/api/v1/assets/${asset.id}`, { description: 'still editable' });
  assert.equal(unchanged.status, 200, unchanged.text);
});

test('the database allows one default only; a disabled default rejects uploads without a profile', async () => {
  const other = await createProfile({ providerType: 'local', configuration: { rootPath: localRoot() } });
  await server.stop();
  assert.throws(() => runSql(server, `UPDATE storage_provider_profiles SET is_default = 1 WHERE id = '${other.id}'`),
    /UNIQUE|unique|duplicate/);
  runSql(server, 'UPDATE storage_provider_profiles SET is_enabled = 0 WHERE is_default = 1');
  await server.start();
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
  const overview = (await request('GET', BASE)).body.data;
  assert.equal(overview.alignment.code, 'db_default_profile_disabled');
  assert.equal(overview.alignment.isDefaultProfileEnabled, false);
  assert.ok(overview.alignment.message.includes('rejected'));
  expectError(assert, await upload(server, token, { file: { data: png(4, 4) } }), 400,
    'storage_provider_default_write_profile_disabled');
  await server.stop();
  runSql(server, 'UPDATE storage_provider_profiles SET is_enabled = 1 WHERE is_default = 1');
  await server.start();
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

test('seeding happens on the very first start only: a removed default stays removed', async () => {
  let overview = (await request('GET', BASE)).body.data;
  const seeded = overview.profiles.find((p) => p.name === 'local-default');
  assert.ok(seeded);
  // make it unused so it is deleted rather than disabled
  await server.stop();
  runSql(server, `DELETE FROM assets WHERE storage_provider_profile_id = '${seeded.id}';
    DELETE FROM storage_pending_deletions WHERE storage_provider_profile_id = '${seeded.id}'`);
  await server.start();
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
  const response = await request('DELETE', `${BASE}/${seeded.id}`);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.data.status, 'deleted');
  assert.equal(response.body.data.wasDefault, true);
  await server.restart();
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
  overview = (await request('GET', BASE)).body.data;
  assert.equal(overview.defaultProfile, null, 'no default was seeded again');
  assert.ok(!overview.profiles.some((p) => p.name.startsWith('local-default')));
  const asset = await uploadOk(server, token, { file: { data: png(3, 5) } });
  assert.equal(asset.storageProviderProfileId, null, 'config-driven storage');
  assert.ok(pathOf(asset.publicUrl).startsWith('/content/'));
});
