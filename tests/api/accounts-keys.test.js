// accounts-keys.test.js - machine API keys (scheme selection of api-conventions §11, codes and
// WWW-Authenticate, keys disabled) and personal API keys (creation, listing without secrets,
// scope = key ∩ owner, expiry, revocation by the owner and by an admin, refusal on the JWT-only
// routes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runCommand, ISO_UTC } from './lib/server.js';
import {
  accountsEnv, login, createUser, createKey, expectCode, sha256Hex, auditEntries, sleep, uniqueName,
  ROOT, MACHINE_KEY, CATALOGUE,
} from './lib/accounts.js';

const DOTTED_KEY = 'machine.key.with-two-dots';
const REALM = 'Bearer realm="NekoHub"';
let keysOn; // machine keys enabled
let keysOff; // machine keys disabled
let rootOn;
let rootOff;

before(async () => {
  [keysOn, keysOff] = await Promise.all([
    startServer({ env: accountsEnv({ Auth__ApiKey__Keys__1: ` ${DOTTED_KEY} `, Auth__ApiKey__Keys__2: '' }, { machineKeys: true }) }),
    startServer({ env: accountsEnv({ Auth__ApiKey__Keys__0: MACHINE_KEY }) }),
  ]);
  rootOn = await login(keysOn, ROOT.username, ROOT.password);
  rootOff = await login(keysOff, ROOT.username, ROOT.password);
});

after(async () => {
  for (const server of [keysOn, keysOff]) {
    await server.stop();
    server.cleanup();
  }
});

const withHeader = (server, authorization, path = '/api/v1/users') => server.request('GET', path, {
  headers: authorization === undefined ? {} : { Authorization: authorization },
});

function expectApiKeyError(response, code) {
  const error = expectCode(response, 401, code);
  assert.equal(response.headers.get('www-authenticate'), REALM);
  return error;
}

function expectJwtError(response) {
  expectCode(response, 401, 'auth_unauthorized');
  assert.equal(response.headers.get('www-authenticate'), null);
}

test('machine keys enabled: the scheme is chosen per request', async () => {
  const missing = expectApiKeyError(await withHeader(keysOn, undefined), 'api_key_missing');
  assert.equal(missing.message, 'API key is required. Use Authorization: Bearer <API_KEY>.');
  expectApiKeyError(await withHeader(keysOn, ''), 'api_key_missing');
  expectApiKeyError(await withHeader(keysOn, '   '), 'api_key_missing');
  const invalid = expectApiKeyError(await withHeader(keysOn, `Basic ${MACHINE_KEY}`), 'api_key_invalid');
  assert.equal(invalid.message, 'API key is invalid.');
  expectApiKeyError(await withHeader(keysOn, MACHINE_KEY), 'api_key_invalid');
  expectApiKeyError(await withHeader(keysOn, 'Bearer'), 'api_key_invalid');
  expectApiKeyError(await withHeader(keysOn, 'Bearer    '), 'api_key_invalid');
  expectApiKeyError(await withHeader(keysOn, 'Bearer wrong-key'), 'api_key_invalid');
  expectApiKeyError(await withHeader(keysOn, `Bearer ${MACHINE_KEY.slice(0, -1)}`), 'api_key_invalid');
  expectApiKeyError(await withHeader(keysOn, `Bearer ${MACHINE_KEY}x`), 'api_key_invalid');
  expectApiKeyError(await withHeader(keysOn, `Bearer ${MACHINE_KEY.toUpperCase()}`), 'api_key_invalid');
  // Exactly two dots: a JWT, so a JWT failure; a configured key with two dots never works here.
  expectJwtError(await withHeader(keysOn, 'Bearer a.b.c'));
  expectJwtError(await withHeader(keysOn, `Bearer ${DOTTED_KEY}`));
  expectApiKeyError(await withHeader(keysOn, 'Bearer a.b.c.d'), 'api_key_invalid');

  for (const header of [`Bearer ${MACHINE_KEY}`, `bearer ${MACHINE_KEY}`, `BEARER   ${MACHINE_KEY}  `]) {
    const response = await withHeader(keysOn, header);
    assert.equal(response.status, 200, `${header}: ${response.text}`);
  }
  const jwt = await withHeader(keysOn, `Bearer ${rootOn.accessToken}`);
  assert.equal(jwt.status, 200, 'JWTs still work when machine keys are on');
  const bootstrap = await keysOn.request('GET', '/api/v1/system/bootstrap');
  assert.equal(bootstrap.body.data.apiKeyRequired, true);
});

test('machine keys: never on JWT-only routes; anonymous routes ignore the header', async () => {
  for (const [method, path, json] of [
    ['GET', '/api/v1/auth/me'],
    ['POST', '/api/v1/auth/logout', { refreshToken: rootOn.refreshToken }],
    ['POST', '/api/v1/auth/change-password', { currentPassword: ROOT.password, newPassword: 'whatever-123' }],
    ['GET', '/api/v1/auth/api-keys'],
    ['POST', '/api/v1/auth/api-keys', { name: 'k', permissions: ['assets.read'] }],
  ]) {
    expectJwtError(await keysOn.request(method, path, { token: MACHINE_KEY, json }));
  }
  const signIn = await keysOn.request('POST', '/api/v1/auth/login', {
    json: { username: ROOT.username, password: ROOT.password }, headers: { Authorization: 'Basic garbage' },
  });
  assert.equal(signIn.status, 200);
  assert.equal((await keysOn.request('GET', '/api/v1/system/ping', { token: 'nonsense' })).status, 200);
});

test('machine keys act as an audited machine identity', async () => {
  const created = await keysOn.request('POST', '/api/v1/users', {
    token: MACHINE_KEY, json: { username: uniqueName('by-machine'), password: 'password-123', role: 'user' },
  });
  assert.equal(created.status, 201);
  const [entry] = await auditEntries(keysOn, rootOn.accessToken, { action: 'user.create', target: created.body.data.id });
  assert.equal(entry.actorType, 'apiKey');
  assert.equal(entry.actorId, sha256Hex(MACHINE_KEY).slice(0, 16));
  assert.equal(entry.actorName, `api-key:${sha256Hex(MACHINE_KEY).slice(0, 16)}`);
  assert.ok(!JSON.stringify(entry).includes(MACHINE_KEY));
});

test('machine keys disabled: management routes are JWT-only', async () => {
  expectJwtError(await withHeader(keysOff, undefined));
  expectJwtError(await withHeader(keysOff, `Bearer ${MACHINE_KEY}`));
  expectJwtError(await withHeader(keysOff, 'Basic abc'));
  assert.equal((await withHeader(keysOff, `Bearer ${rootOff.accessToken}`)).status, 200);
  assert.equal((await keysOff.request('GET', '/api/v1/system/bootstrap')).body.data.apiKeyRequired, false);
  // Personal keys work without machine keys.
  const key = await createKey(keysOff, rootOff.accessToken, { permissions: ['users.read'] });
  assert.equal((await withHeader(keysOff, `Bearer ${key.key}`)).status, 200);
  expectApiKeyError(await withHeader(keysOff, `Bearer ${key.key.slice(0, -2)}`), 'api_key_invalid');
});

test('machine keys enabled without a key refuse to start, naming the setting', async () => {
  const result = await runCommand(['serve', '--port', '0', '--data-dir', '/tmp/nekohub-never'], {
    env: { Auth__ApiKey__Enabled: 'true', Auth__ApiKey__Keys__0: '  ' },
  });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /Auth__ApiKey__Keys__0/);
});

test('personal keys: created once with their secret, listed without it', async () => {
  const owner = await createUser(keysOn, rootOn.accessToken, { role: 'admin' });
  const session = await login(keysOn, owner.username, owner.password);
  const expiresAtUtc = new Date(Date.now() + 86400000).toISOString();
  const response = await keysOn.request('POST', '/api/v1/auth/api-keys', {
    token: session.accessToken,
    json: { name: '  ci upload  ', permissions: ['users.read', ' assets.read', 'users.read'], expiresAtUtc },
  });
  assert.equal(response.status, 201, response.text);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const key = response.body.data;
  assert.equal(response.headers.get('location'), `/api/v1/auth/api-keys/${key.id}`);
  assert.deepEqual(Object.keys(key).sort(),
    ['createdAtUtc', 'expiresAtUtc', 'id', 'key', 'lastUsedAtUtc', 'name', 'permissions', 'prefix']);
  assert.equal(key.name, 'ci upload');
  assert.match(key.key, /^nhk_[A-Za-z0-9_-]{43}$/);
  assert.ok(key.key.startsWith(key.prefix) && key.prefix.length >= 8 && key.prefix.length < key.key.length);
  assert.deepEqual(key.permissions, ['assets.read', 'users.read']);
  assert.equal(key.lastUsedAtUtc, null);
  assert.match(key.createdAtUtc, ISO_UTC);
  assert.equal(Date.parse(key.expiresAtUtc), Date.parse(expiresAtUtc));

  const used = await withHeader(keysOn, `Bearer ${key.key}`);
  assert.equal(used.status, 200, used.text);
  const list = await keysOn.request('GET', '/api/v1/auth/api-keys', { token: session.accessToken });
  assert.equal(list.status, 200);
  assert.equal(list.body.data.length, 1);
  const listed = list.body.data[0];
  assert.deepEqual(Object.keys(listed).sort(),
    ['createdAtUtc', 'expiresAtUtc', 'id', 'lastUsedAtUtc', 'name', 'permissions', 'prefix']);
  assert.equal(listed.id, key.id);
  assert.equal(listed.prefix, key.prefix);
  assert.match(listed.lastUsedAtUtc, ISO_UTC, 'use is recorded');
  assert.ok(!list.text.includes(key.key));
  // Another user's list does not show it.
  const other = await keysOn.request('GET', '/api/v1/auth/api-keys', { token: rootOn.accessToken });
  assert.ok(!other.body.data.some((k) => k.id === key.id));
});

test('personal keys: validation', async () => {
  const owner = await createUser(keysOn, rootOn.accessToken, { permissions: ['assets.read', 'users.read'] });
  const token = (await login(keysOn, owner.username, owner.password)).accessToken;
  const create = (json) => keysOn.request('POST', '/api/v1/auth/api-keys', { token, json });
  expectCode(await keysOn.request('POST', '/api/v1/auth/api-keys', { token }), 400, 'request_invalid');
  expectCode(await create({ permissions: ['assets.read'] }), 400, 'api_key_name_required');
  expectCode(await create({ name: '  ', permissions: ['assets.read'] }), 400, 'api_key_name_required');
  expectCode(await create({ name: 'n'.repeat(129), permissions: ['assets.read'] }), 400, 'api_key_name_too_long');
  assert.equal((await create({ name: 'n'.repeat(128), permissions: ['assets.read'] })).status, 201);
  expectCode(await create({ name: 'k' }), 400, 'api_key_permissions_required');
  expectCode(await create({ name: 'k', permissions: [] }), 400, 'api_key_permissions_required');
  expectCode(await create({ name: 'k', permissions: ['assets.read', 'bogus'] }), 400, 'user_permission_unknown', 'bogus');
  expectCode(await create({ name: 'k', permissions: ['users.update'] }), 403, 'api_key_permission_grant_forbidden', 'users.update');
  expectCode(await create({ name: 'k', permissions: ['assets.read'], expiresAtUtc: new Date(Date.now() - 1000).toISOString() }),
    400, 'api_key_expiry_invalid');
  expectCode(await create({ name: 'k', permissions: ['assets.read'], expiresAtUtc: 'tomorrow' }), 400, 'api_key_expiry_invalid');
  const never = await create({ name: 'k', permissions: ['assets.read'], expiresAtUtc: null });
  assert.equal(never.status, 201);
  assert.equal(never.body.data.expiresAtUtc, null);
});

test('personal keys: the key acts as its owner within key ∩ owner permissions, read per request', async () => {
  const owner = await createUser(keysOn, rootOn.accessToken, {
    role: 'admin', permissions: ['users.read', 'users.update', 'assets.read'],
  });
  const plain = await createUser(keysOn, rootOn.accessToken);
  const session = await login(keysOn, owner.username, owner.password);
  const key = (await createKey(keysOn, session.accessToken, { permissions: ['users.read'] })).key;
  const list = await keysOn.request('GET', '/api/v1/users', { token: key });
  assert.equal(list.status, 200);
  assert.ok(list.body.data.every((u) => u.role === 'user'), 'acts with the owner\'s role (admin sees users)');
  // The owner may update users, the key may not.
  expectCode(await keysOn.request('PATCH', `/api/v1/users/${plain.id}`, { token: key, json: {} }),
    403, 'auth_forbidden', 'users.update');
  assert.equal((await keysOn.request('PATCH', `/api/v1/users/${plain.id}`, { token: session.accessToken, json: {} })).status, 200);
  // Take users.read from the owner: the key loses it on the next request; give it back.
  const setOwner = (permissions) => keysOn.request('PATCH', `/api/v1/users/${owner.id}/permissions`, {
    token: rootOn.accessToken, json: { permissions },
  });
  await setOwner(['users.update', 'assets.read']);
  expectCode(await keysOn.request('GET', '/api/v1/users', { token: key }), 403, 'auth_forbidden', 'users.read');
  await setOwner(['users.read']);
  assert.equal((await keysOn.request('GET', '/api/v1/users', { token: key })).status, 200);
  // The SuperAdmin's key is a SuperAdmin only within its permissions.
  const rootKey = (await createKey(keysOn, rootOn.accessToken, { permissions: ['users.read'] })).key;
  const all = await keysOn.request('GET', '/api/v1/users', { token: rootKey });
  assert.ok(all.body.data.some((u) => u.role === 'superAdmin'));
  expectCode(await keysOn.request('POST', '/api/v1/users', {
    token: rootKey, json: { username: uniqueName(), password: 'password-123', role: 'user' },
  }), 403, 'auth_forbidden', 'users.create');
});

test('personal keys stop when the owner is disabled and when they expire', async () => {
  const owner = await createUser(keysOn, rootOn.accessToken, { permissions: ['users.read'] });
  const session = await login(keysOn, owner.username, owner.password);
  const lasting = (await createKey(keysOn, session.accessToken, { permissions: ['users.read'] })).key;
  const expiresAtUtc = new Date(Date.now() + 2000).toISOString();
  const brief = await createKey(keysOn, session.accessToken, { permissions: ['users.read'], expiresAtUtc });
  assert.equal((await withHeader(keysOn, `Bearer ${brief.key}`)).status, 200);

  await keysOn.request('POST', `/api/v1/users/${owner.id}/status`, { token: MACHINE_KEY, json: { isActive: false } });
  expectApiKeyError(await withHeader(keysOn, `Bearer ${lasting}`), 'api_key_invalid');
  await keysOn.request('POST', `/api/v1/users/${owner.id}/status`, { token: MACHINE_KEY, json: { isActive: true } });
  assert.equal((await withHeader(keysOn, `Bearer ${lasting}`)).status, 200, 'a key is not a session: it works again');

  const wait = Date.parse(expiresAtUtc) + 300 - Date.now();
  if (wait > 0) await sleep(wait);
  expectApiKeyError(await withHeader(keysOn, `Bearer ${brief.key}`), 'api_key_invalid');
  assert.equal((await withHeader(keysOn, `Bearer ${lasting}`)).status, 200);
});

test('personal keys: revoked by the owner or by an admin who may manage the owner', async () => {
  const owner = await createUser(keysOn, rootOn.accessToken, { permissions: ['users.read'] });
  const other = await createUser(keysOn, rootOn.accessToken, { permissions: ['users.read'] });
  const adminUser = await createUser(keysOn, rootOn.accessToken, { role: 'admin' });
  const session = await login(keysOn, owner.username, owner.password);
  const otherSession = await login(keysOn, other.username, other.password);
  const adminSession = await login(keysOn, adminUser.username, adminUser.password);
  const first = await createKey(keysOn, session.accessToken, { permissions: ['users.read'] });
  const second = await createKey(keysOn, session.accessToken, { permissions: ['users.read'] });
  const adminKey = await createKey(keysOn, adminSession.accessToken, { permissions: ['users.read'] });

  // By the owner; not someone else's key through the owner's route.
  expectCode(await keysOn.request('DELETE', `/api/v1/auth/api-keys/${first.id}`, { token: otherSession.accessToken }),
    404, 'api_key_not_found');
  const revoked = await keysOn.request('DELETE', `/api/v1/auth/api-keys/${first.id}`, { token: session.accessToken });
  assert.equal(revoked.status, 204, revoked.text);
  expectApiKeyError(await withHeader(keysOn, `Bearer ${first.key}`), 'api_key_invalid');
  expectCode(await keysOn.request('DELETE', `/api/v1/auth/api-keys/${first.id}`, { token: session.accessToken }),
    404, 'api_key_not_found');
  const mine = await keysOn.request('GET', '/api/v1/auth/api-keys', { token: session.accessToken });
  assert.deepEqual(mine.body.data.map((k) => k.id), [second.id]);

  // By an admin: listed and revoked at /users/{id}/api-keys.
  const seen = await keysOn.request('GET', `/api/v1/users/${owner.id}/api-keys`, { token: adminSession.accessToken });
  assert.equal(seen.status, 200, seen.text);
  assert.deepEqual(seen.body.data.map((k) => k.id), [second.id]);
  assert.ok(!seen.text.includes(second.key));
  expectCode(await keysOn.request('DELETE', `/api/v1/users/${other.id}/api-keys/${second.id}`, { token: adminSession.accessToken }),
    404, 'api_key_not_found');
  const byAdmin = await keysOn.request('DELETE', `/api/v1/users/${owner.id}/api-keys/${second.id}`, { token: adminSession.accessToken });
  assert.equal(byAdmin.status, 204, byAdmin.text);
  expectApiKeyError(await withHeader(keysOn, `Bearer ${second.key}`), 'api_key_invalid');
  // Not the keys of someone the admin may not manage.
  const rootId = rootOn.user.id;
  expectCode(await keysOn.request('GET', `/api/v1/users/${rootId}/api-keys`, { token: adminSession.accessToken }),
    403, 'user_manage_forbidden');
  expectCode(await keysOn.request('GET', `/api/v1/users/${adminUser.id}/api-keys`, { token: adminSession.accessToken }),
    403, 'user_manage_forbidden');
  expectCode(await keysOn.request('DELETE', `/api/v1/users/${adminUser.id}/api-keys/${adminKey.id}`, { token: otherSession.accessToken }),
    403, 'auth_forbidden', 'users.update');
  // The SuperAdmin and machine keys reach everybody's keys.
  const listed = await keysOn.request('GET', `/api/v1/users/${adminUser.id}/api-keys`, { token: MACHINE_KEY });
  assert.deepEqual(listed.body.data.map((k) => k.id), [adminKey.id]);
  const bySuper = await keysOn.request('DELETE', `/api/v1/users/${adminUser.id}/api-keys/${adminKey.id}`, { token: rootOn.accessToken });
  assert.equal(bySuper.status, 204);
  expectApiKeyError(await withHeader(keysOn, `Bearer ${adminKey.key}`), 'api_key_invalid');

  const entries = await auditEntries(keysOn, rootOn.accessToken, { action: 'api_key.revoke', target: second.id });
  assert.equal(entries.length, 1);
  assert.equal(entries[0].actorId, adminUser.id);
  assert.equal(entries[0].targetType, 'api_key');
  assert.deepEqual(entries[0].changes.ownerId, owner.id);
});

test('personal keys are refused on the JWT-only routes', async () => {
  const owner = await createUser(keysOn, rootOn.accessToken, { permissions: CATALOGUE.filter((p) => p.startsWith('users.')) });
  const session = await login(keysOn, owner.username, owner.password);
  const key = (await createKey(keysOn, session.accessToken, { permissions: ['users.read'] }));
  for (const [method, path, json] of [
    ['GET', '/api/v1/auth/me'],
    ['POST', '/api/v1/auth/logout', { refreshToken: session.refreshToken }],
    ['POST', '/api/v1/auth/change-password', { currentPassword: owner.password, newPassword: 'another-pass-1' }],
    ['GET', '/api/v1/auth/api-keys'],
    ['POST', '/api/v1/auth/api-keys', { name: 'child', permissions: ['users.read'] }],
    ['DELETE', `/api/v1/auth/api-keys/${key.id}`],
  ]) {
    expectJwtError(await keysOn.request(method, path, { token: key.key, json }));
  }
  // Nothing of that happened: the session and the key still work.
  assert.equal((await keysOn.request('GET', '/api/v1/auth/me', { token: session.accessToken })).status, 200);
  assert.equal((await withHeader(keysOn, `Bearer ${key.key}`)).status, 200);
});
