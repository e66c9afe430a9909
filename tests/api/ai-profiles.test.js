// ai-profiles.test.js - AI provider profiles (spec processing.md §10 with issue 12's
// corrections): create with every code in §10.2's order, the profile shape and the key's mask,
// the isActive rule, tri-state PATCH, delete, the list order and /active, parallel activations
// (exactly one active after, never a 500), permissions, the audit log, and the key: never in a
// response, a log line or the audit log, and never in clear text in the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, expectError, databaseKind, ISO_UTC } from './lib/server.js';
import { accountsEnv, ROOT, login, createUser, auditEntries, runSql } from './lib/accounts.js';

const BASE = '/api/v1/system/ai/providers';
const KEYS = new Set();
let server;
let token;
const responses = [];

before(async () => {
  server = await startServer({ env: accountsEnv({ Processing__Workers: '0' }) });
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

after(async () => {
  await server?.stop();
  server?.assertClean();
  server?.cleanup();
});

async function request(method, path, json) {
  const response = await server.request(method, path, { json, token });
  responses.push(response);
  return response;
}

let counter = 0;
const unique = (prefix = 'model') => `${prefix}-${process.pid}-${++counter}`;
// A key nobody used yet (remembered: no response may ever contain it).
function newKey(prefix = 'sk-proj_') {
  const key = `${prefix}${process.pid}x${++counter}Zq8vR2mT5wK9pL3nB7cX`;
  KEYS.add(key);
  return key;
}

function body(extra = {}) {
  return { name: unique(), apiBaseUrl: 'https://api.example.com/v1', apiKey: newKey(),
    modelName: 'gpt-4o-mini', ...extra };
}

async function create(extra = {}) {
  const response = await request('POST', BASE, body(extra));
  assert.equal(response.status, 201, response.text);
  return response.body.data;
}

async function list() {
  const response = await request('GET', BASE);
  assert.equal(response.status, 200, response.text);
  return response.body.data;
}

async function deleteAll() {
  for (const profile of await list()) {
    assert.equal((await request('DELETE', `${BASE}/${profile.id}`)).status, 200);
  }
}

test('create: 201 with Location, the shape, the mask; the first profile becomes active', async () => {
  await deleteAll();
  const key = newKey('sk-live-');
  const response = await request('POST', BASE, { name: '  Vision Main  ', apiBaseUrl: ' https://api.example.com/v1// ',
    apiKey: `  ${key}  `, modelName: '  gpt-4o  ', defaultSystemPrompt: '   ' });
  assert.equal(response.status, 201, response.text);
  const profile = response.body.data;
  assert.equal(response.headers.get('location'), `${BASE}/${profile.id}`);
  assert.deepEqual(Object.keys(profile).sort(), ['apiBaseUrl', 'apiKey', 'createdAtUtc', 'defaultSystemPrompt',
    'id', 'isActive', 'modelName', 'name', 'updatedAtUtc']);
  assert.match(profile.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(profile.name, 'Vision Main');
  assert.equal(profile.apiBaseUrl, 'https://api.example.com/v1');
  assert.equal(profile.apiKey, 'sk-***');
  assert.equal(profile.modelName, 'gpt-4o');
  assert.equal(profile.defaultSystemPrompt, null);
  assert.equal(profile.isActive, true, 'the first profile is active when isActive is omitted');
  assert.match(profile.createdAtUtc, ISO_UTC);
  assert.equal(profile.createdAtUtc, profile.updatedAtUtc);

  const other = await create({ apiKey: newKey('key-provider-') });
  assert.equal(other.isActive, false, 'omitted: inactive while another is active');
  assert.equal(other.apiKey, 'key-***');
  const shortKey = newKey('abc');
  const short = await create({ apiKey: shortKey });
  assert.equal(short.apiKey, `${shortKey.slice(0, 4)}***`, 'the first four characters');
  const tiny = await create({ apiKey: 'k7Qz-21' });
  KEYS.add('k7Qz-21');
  assert.equal(tiny.apiKey, '***', 'a short key shows none of its characters');
  const inactive = await create({ isActive: false, defaultSystemPrompt: '  Be brief.  ' });
  assert.equal(inactive.isActive, false);
  assert.equal(inactive.defaultSystemPrompt, 'Be brief.');
  const switched = await create({ isActive: true });
  assert.equal(switched.isActive, true);
  const all = await list();
  assert.deepEqual(all.filter((p) => p.isActive).map((p) => p.id), [switched.id], 'exactly one active');
  const active = await request('GET', `${BASE}/active`);
  assert.equal(active.status, 200);
  assert.deepEqual(active.body.data, all[0]);
});

test('create: every code in the order of §10.2, length limits, URL rules, member kinds', async () => {
  const cases = [
    [{}, 'ai_provider_profile_name_required'],
    [{ name: '   ', apiBaseUrl: 'nope' }, 'ai_provider_profile_name_required'],
    [{ name: 'x'.repeat(129) }, 'ai_provider_profile_name_too_long'],
    [{ name: unique() }, 'ai_provider_profile_api_base_url_required'],
    [{ name: unique(), apiBaseUrl: 'ftp://files.example.com/v1' }, 'ai_provider_profile_api_base_url_invalid'],
    [{ name: unique(), apiBaseUrl: 'api.example.com/v1' }, 'ai_provider_profile_api_base_url_invalid'],
    [{ name: unique(), apiBaseUrl: 'https://user:pw@api.example.com/v1' }, 'ai_provider_profile_api_base_url_invalid'],
    [{ name: unique(), apiBaseUrl: 'https://api.example.com/v1#part' }, 'ai_provider_profile_api_base_url_invalid'],
    [{ name: unique(), apiBaseUrl: 'https:///v1' }, 'ai_provider_profile_api_base_url_invalid'],
    [{ name: unique(), apiBaseUrl: 'https://api.exa mple.com' }, 'ai_provider_profile_api_base_url_invalid'],
    [{ name: unique(), apiBaseUrl: `https://api.example.com/${'a'.repeat(500)}` }, 'ai_provider_profile_api_base_url_too_long'],
    [{ name: unique(), apiBaseUrl: 'ftp://x', apiKey: '' }, 'ai_provider_profile_api_base_url_invalid'],
    [{ name: unique(), apiBaseUrl: 'https://api.example.com' }, 'ai_provider_profile_api_key_required'],
    [{ name: unique(), apiBaseUrl: 'https://api.example.com', apiKey: '  ' }, 'ai_provider_profile_api_key_required'],
    [{ name: unique(), apiBaseUrl: 'https://api.example.com', apiKey: 'k'.repeat(4097) }, 'ai_provider_profile_api_key_too_long'],
    [{ name: unique(), apiBaseUrl: 'https://api.example.com', apiKey: 'abc\ndef-ghijk' }, 'ai_provider_profile_api_key_invalid'],
    [{ name: unique(), apiBaseUrl: 'https://api.example.com', apiKey: 'sk-x123456789' }, 'ai_provider_profile_model_name_required'],
    [{ ...body(), modelName: 'm'.repeat(257) }, 'ai_provider_profile_model_name_too_long'],
    [{ ...body(), defaultSystemPrompt: 'p'.repeat(8001) }, 'ai_provider_profile_default_system_prompt_too_long'],
    [{ ...body(), isActive: 'yes' }, 'request_invalid', 'isActive'],
    [{ ...body(), name: 5 }, 'request_invalid', 'name'],
    [{ ...body(), apiKey: ['x'] }, 'request_invalid', 'apiKey'],
  ];
  for (const [json, code, member] of cases) {
    const error = expectError(assert, await request('POST', BASE, json), 400, code);
    if (member) assert.ok(error.message.includes(member), error.message);
  }
  expectError(assert, await request('POST', BASE, [1, 2]), 400, 'request_invalid');
  expectError(assert, await server.request('POST', BASE, { token, body: 'not json',
    headers: { 'Content-Type': 'application/json' } }), 400, 'request_invalid');
  // the limits themselves are fine, and a trailing slash is removed before the length check
  const longest = await create({ name: `${'n'.repeat(125)}${String(++counter).padStart(3, '0')}`,
    apiBaseUrl: `https://api.example.com/${'a'.repeat(488)}/`, modelName: 'm'.repeat(256),
    defaultSystemPrompt: 'p'.repeat(8000), isActive: false });
  assert.equal(longest.name.length, 128);
  assert.equal(longest.apiBaseUrl.length, 512);
  assert.equal(longest.defaultSystemPrompt.length, 8000);
  // §10.2: the name's uniqueness comes last, ignoring case and outer blanks
  const taken = await create({ isActive: false });
  expectError(assert, await request('POST', BASE, { name: `  ${taken.name.toUpperCase()} ` }), 400,
    'ai_provider_profile_api_base_url_required');
  expectError(assert, await request('POST', BASE, body({ name: `  ${taken.name.toUpperCase()} ` })), 400,
    'ai_provider_profile_name_conflict');
  // http is accepted, and a base URL with a port and path
  const local = await create({ apiBaseUrl: 'http://127.0.0.1:11434/', isActive: false });
  assert.equal(local.apiBaseUrl, 'http://127.0.0.1:11434');
});

test('PATCH: tri-state per member, codes, 404, the active switch, updatedAtUtc always moves', async () => {
  await deleteAll();
  const first = await create({ isActive: true, defaultSystemPrompt: 'Short answers.' });
  const second = await create({ isActive: false });
  const patch = (id, json) => request('PATCH', `${BASE}/${id}`, json);

  let response = await patch(first.id, {});
  assert.equal(response.status, 200, response.text);
  const untouched = response.body.data;
  for (const field of ['name', 'apiBaseUrl', 'apiKey', 'modelName', 'defaultSystemPrompt', 'isActive', 'createdAtUtc']) {
    assert.deepEqual(untouched[field], first[field], field);
  }
  assert.ok(untouched.updatedAtUtc > first.updatedAtUtc, 'an empty PATCH bumps updatedAtUtc');

  for (const [member, code] of [['name', 'ai_provider_profile_name_required'],
    ['apiBaseUrl', 'ai_provider_profile_api_base_url_required'], ['apiKey', 'ai_provider_profile_api_key_required'],
    ['modelName', 'ai_provider_profile_model_name_required']]) {
    expectError(assert, await patch(first.id, { [member]: null }), 400, code);
    expectError(assert, await patch(first.id, { [member]: ' ' }), 400, code);
  }
  expectError(assert, await patch(first.id, { apiBaseUrl: 'mailto:x@example.com' }), 400,
    'ai_provider_profile_api_base_url_invalid');
  expectError(assert, await patch(first.id, { isActive: null }), 400, 'request_invalid');
  expectError(assert, await patch(first.id, { isActive: 1 }), 400, 'request_invalid');
  expectError(assert, await patch(first.id, { modelName: 7 }), 400, 'request_invalid');
  expectError(assert, await patch(first.id, { name: second.name.toUpperCase() }), 400,
    'ai_provider_profile_name_conflict');
  expectError(assert, await patch('00000000-0000-7000-8000-000000000000', { name: 'x' }), 404,
    'ai_provider_profile_not_found');
  expectError(assert, await patch('00000000-0000-7000-8000-000000000000', { name: null }), 404,
    'ai_provider_profile_not_found');
  const failed = (await request('GET', `${BASE}/active`)).body.data;
  assert.deepEqual(failed, untouched, 'refused PATCHes changed nothing');

  response = await patch(first.id, { name: ' Renamed ', apiKey: newKey('key-provider-b'), defaultSystemPrompt: null });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.data.name, 'Renamed');
  assert.equal(response.body.data.apiKey, 'key-***');
  assert.equal(response.body.data.defaultSystemPrompt, null, 'null resets to the standard prompt');
  assert.equal(response.body.data.modelName, first.modelName);
  response = await patch(first.id, { defaultSystemPrompt: 'Again.' });
  assert.equal(response.body.data.defaultSystemPrompt, 'Again.');
  response = await patch(first.id, { defaultSystemPrompt: '  ' });
  assert.equal(response.body.data.defaultSystemPrompt, null, 'blank resets too');
  response = await patch(first.id, { name: 'renamed' });
  assert.equal(response.status, 200, 'its own name in another case is no conflict');

  response = await patch(second.id, { isActive: true });
  assert.equal(response.body.data.isActive, true);
  let all = await list();
  assert.deepEqual(all.map((p) => [p.id, p.isActive]), [[second.id, true], [first.id, false]]);
  response = await patch(second.id, { isActive: false });
  assert.equal(response.body.data.isActive, false);
  assert.equal((await request('GET', `${BASE}/active`)).body.data, null, 'false may leave none active');
  all = await list();
  assert.deepEqual(all.map((p) => p.name), [...all.map((p) => p.name)].sort(), 'none active: by name');
});

test('delete: the shape, the active one leaves none active, 404 after', async () => {
  await deleteAll();
  const active = await create({ isActive: true });
  const other = await create({ isActive: false });
  const response = await request('DELETE', `${BASE}/${active.id}`);
  assert.equal(response.status, 200, response.text);
  assert.deepEqual(Object.keys(response.body.data).sort(), ['deletedAtUtc', 'id', 'status', 'wasActive']);
  assert.equal(response.body.data.id, active.id);
  assert.equal(response.body.data.wasActive, true);
  assert.equal(response.body.data.status, 'deleted');
  assert.match(response.body.data.deletedAtUtc, ISO_UTC);
  assert.equal((await request('GET', `${BASE}/active`)).body.data, null, 'no promotion');
  assert.deepEqual((await list()).map((p) => p.id), [other.id]);
  expectError(assert, await request('DELETE', `${BASE}/${active.id}`), 404, 'ai_provider_profile_not_found');
  const second = await request('DELETE', `${BASE}/${other.id}`);
  assert.equal(second.body.data.wasActive, false);
});

test('parallel activations: every call answers, exactly one profile is active after', async () => {
  await deleteAll();
  const profiles = [];
  for (let i = 0; i < 6; i++) profiles.push(await create({ isActive: false }));
  for (let round = 0; round < 3; round++) {
    const calls = profiles.map((p) => request('PATCH', `${BASE}/${p.id}`, { isActive: true }));
    calls.push(request('POST', BASE, body({ isActive: true })));
    const results = await Promise.all(calls);
    for (const result of results) assert.ok([200, 201].includes(result.status), result.text);
    const created = results.at(-1).body.data;
    profiles.push(created);
    const all = await list();
    assert.equal(all.filter((p) => p.isActive).length, 1, JSON.stringify(all.map((p) => p.isActive)));
    assert.equal(all[0].isActive, true, 'the active one is listed first');
    const rows = runSql(server, 'SELECT COUNT(*) FROM ai_provider_profiles WHERE is_active = 1').trim();
    assert.equal(rows, '1');
  }
});

test('permissions: aiProviders.* per route', async () => {
  const target = await create({ isActive: false });
  const { username, password } = await createUser(server, token, { permissions: ['aiProviders.read'] });
  const reader = (await login(server, username, password)).accessToken;
  const as = (method, path, json) => server.request(method, path, { json, token: reader });
  assert.equal((await as('GET', BASE)).status, 200);
  assert.equal((await as('GET', `${BASE}/active`)).status, 200);
  expectError(assert, await as('POST', BASE, body()), 403);
  expectError(assert, await as('PATCH', `${BASE}/${target.id}`, {}), 403);
  expectError(assert, await as('DELETE', `${BASE}/${target.id}`), 403);
  expectError(assert, await as('POST', `${BASE}/test`, { profileId: target.id }), 403);
  expectError(assert, await server.request('GET', BASE), 401);
  const creator = await createUser(server, token, { permissions: ['aiProviders.create'] });
  const creatorToken = (await login(server, creator.username, creator.password)).accessToken;
  const made = await server.request('POST', BASE, { json: body({ isActive: false }), token: creatorToken });
  assert.equal(made.status, 201, made.text);
  responses.push(made);
});

test('every change is audited, the key only as its mask', async () => {
  await deleteAll();
  const key = newKey('sk-audit-');
  const first = await create({ isActive: true, apiKey: key });
  const second = await create({ isActive: false });
  assert.equal((await request('PATCH', `${BASE}/${first.id}`, { modelName: 'gpt-4.1', apiKey: newKey('sk-audit2-') })).status, 200);
  assert.equal((await request('PATCH', `${BASE}/${second.id}`, { isActive: true })).status, 200);
  assert.equal((await request('DELETE', `${BASE}/${first.id}`)).status, 200);
  const entries = await auditEntries(server, token, { target: first.id });
  assert.deepEqual(entries.map((e) => e.action).reverse(), ['ai_provider.created', 'ai_provider.activated',
    'ai_provider.updated', 'ai_provider.deleted']);
  const secondEntries = await auditEntries(server, token, { target: second.id });
  assert.deepEqual(secondEntries.map((e) => e.action).reverse(), ['ai_provider.created', 'ai_provider.updated',
    'ai_provider.activated']);
  const activation = secondEntries[0];
  assert.equal(activation.changes.activeProfileId.before, first.id);
  assert.equal(activation.changes.activeProfileId.after, second.id);
  const update = entries.find((e) => e.action === 'ai_provider.updated');
  assert.deepEqual(update.changes.modelName, { before: 'gpt-4o-mini', after: 'gpt-4.1' });
  assert.deepEqual(update.changes.apiKey, { before: 'sk-***', after: 'sk-***' });
  const all = JSON.stringify(await auditEntries(server, token, {}));
  for (const secret of KEYS) assert.ok(!all.includes(secret), 'no key in the audit log');
});

test('the key is in no response and no log line, and never in clear text in the database', async () => {
  assert.ok(responses.length > 50);
  for (const response of responses) {
    for (const key of KEYS) assert.ok(!response.text.includes(key), `a response holds a key: ${response.text.slice(0, 300)}`);
  }
  await server.stop();
  for (const key of KEYS) assert.ok(!server.stderrText.includes(key), 'a log line holds a key');
  let stored = '';
  if (databaseKind === 'postgres') {
    stored = runSql(server, 'SELECT * FROM ai_provider_profiles') + runSql(server, 'SELECT * FROM audit_log');
  } else {
    for (const name of ['nekohub.db', 'nekohub.db-wal', 'nekohub.db-shm']) {
      const path = join(server.dataDir, name);
      if (existsSync(path)) stored += readFileSync(path).toString('latin1');
    }
  }
  assert.ok(stored.includes('nhsb1:'), 'the sealed form is stored');
  for (const key of KEYS) {
    assert.ok(!stored.includes(key), `the database holds ${key.slice(0, 8)}... in clear text`);
    if (key.length > 16) assert.ok(!stored.includes(key.slice(4)), 'not even most of it');
  }
  await server.start();
});
