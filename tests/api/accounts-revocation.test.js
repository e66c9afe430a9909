// accounts-revocation.test.js - what account changes do to existing sessions and personal keys:
// disabling (through /status and through PATCH), password resets and role changes end every
// session at once and re-enabling revives none; role and permission changes apply to the very
// next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { accountsEnv, login, createUser, createKey, expectCode, ROOT } from './lib/accounts.js';

let server;
let root;
let admin;

before(async () => {
  server = await startServer({ env: accountsEnv() });
  root = (await login(server, ROOT.username, ROOT.password)).accessToken;
  const adminUser = await createUser(server, root, { role: 'admin' });
  admin = (await login(server, adminUser.username, adminUser.password)).accessToken;
});

after(async () => {
  await server.stop();
  server.cleanup();
});

const me = (token) => server.request('GET', '/api/v1/auth/me', { token });
const refresh = (refreshToken) => server.request('POST', '/api/v1/auth/refresh', { json: { refreshToken } });
const listUsers = (token) => server.request('GET', '/api/v1/users', { token });

// A user with two sessions and a personal key (users.read), plus a bystander with a session.
async function signedInUser() {
  const user = await createUser(server, root, { permissions: ['assets.read', 'users.read'] });
  const first = await login(server, user.username, user.password);
  const second = await login(server, user.username, user.password);
  const key = await createKey(server, first.accessToken, { permissions: ['users.read'] });
  assert.equal((await listUsers(key.key)).status, 200);
  return { user, sessions: [first, second], key: key.key };
}

async function assertSessionsDead(sessions, refreshCode) {
  for (const session of sessions) {
    expectCode(await me(session.accessToken), 401, 'auth_unauthorized');
    expectCode(await refresh(session.refreshToken), 401, refreshCode);
  }
}

for (const [route, disable, enable] of [
  ['POST /status', (id) => server.request('POST', `/api/v1/users/${id}/status`, { token: admin, json: { isActive: false } }),
    (id) => server.request('POST', `/api/v1/users/${id}/status`, { token: admin, json: { isActive: true } })],
  ['PATCH isActive', (id) => server.request('PATCH', `/api/v1/users/${id}`, { token: admin, json: { isActive: false } }),
    (id) => server.request('PATCH', `/api/v1/users/${id}`, { token: admin, json: { isActive: true } })],
]) {
  test(`disabling through ${route} ends every session at once; re-enabling revives none`, async () => {
    const { user, sessions, key } = await signedInUser();
    const bystander = await login(server, (await createUser(server, root)).username, 'password-123');
    const disabled = await disable(user.id);
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.body.data.isActive, false);
    await assertSessionsDead(sessions, 'auth_user_inactive');
    expectCode(await listUsers(key), 401, 'api_key_invalid');
    assert.equal((await me(bystander.accessToken)).status, 200, 'other users are not affected');

    const enabled = await enable(user.id);
    assert.equal(enabled.body.data.isActive, true);
    await assertSessionsDead(sessions, 'auth_refresh_token_invalid');
    // The key was not revoked, only unusable while its owner was disabled.
    assert.equal((await listUsers(key)).status, 200);
    const again = await login(server, user.username, user.password);
    assert.equal((await me(again.accessToken)).status, 200);
  });
}

test('a password reset ends every session of the user', async () => {
  const { user, sessions, key } = await signedInUser();
  const reset = await server.request('POST', `/api/v1/users/${user.id}/reset-password`, {
    token: admin, json: { newPassword: 'reset-password-1' },
  });
  assert.equal(reset.status, 204, reset.text);
  await assertSessionsDead(sessions, 'auth_refresh_token_invalid');
  expectCode(await server.request('POST', '/api/v1/auth/login', { json: { username: user.username, password: user.password } }),
    401, 'auth_invalid_credentials');
  const fresh = await login(server, user.username, 'reset-password-1');
  assert.equal((await me(fresh.accessToken)).status, 200);
  // Personal keys are not sessions: they end by revocation, expiry or a disabled owner.
  assert.equal((await listUsers(key)).status, 200);
});

test('a role change ends every session; the keys follow the new role on the next request', async () => {
  const adminUser = await createUser(server, root, { role: 'admin' });
  const sessions = [await login(server, adminUser.username, adminUser.password),
    await login(server, adminUser.username, adminUser.password)];
  const plain = await createUser(server, root);
  const key = (await createKey(server, sessions[0].accessToken, { permissions: ['users.read', 'users.update'] })).key;
  const seen = await listUsers(key);
  assert.ok(seen.body.data.some((u) => u.id === plain.id), 'as an admin the key sees users');
  assert.equal((await server.request('GET', `/api/v1/users/${plain.id}`, { token: key })).status, 200);

  const demoted = await server.request('PATCH', `/api/v1/users/${adminUser.id}`, { token: root, json: { role: 'user' } });
  assert.equal(demoted.status, 200, demoted.text);
  await assertSessionsDead(sessions, 'auth_refresh_token_invalid');
  // The user template has no users.read: the key (users.read ∩ assets.read) cannot list.
  expectCode(await listUsers(key), 403, 'auth_forbidden', 'users.read');
  await server.request('PATCH', `/api/v1/users/${adminUser.id}/permissions`, { token: root, json: { permissions: ['users.read'] } });
  const asUser = await listUsers(key);
  assert.equal(asUser.status, 200);
  assert.deepEqual(asUser.body.data, [], 'a user sees nobody');
  expectCode(await server.request('GET', `/api/v1/users/${plain.id}`, { token: key }), 403, 'user_manage_forbidden');

  const promoted = await server.request('PATCH', `/api/v1/users/${adminUser.id}`, { token: root, json: { role: 'admin' } });
  assert.equal(promoted.status, 200);
  assert.ok((await listUsers(key)).body.data.some((u) => u.id === plain.id), 'admin again on the next request');
});

test('permission changes apply to the very next request of a live session', async () => {
  const user = await createUser(server, root);
  const session = await login(server, user.username, user.password);
  expectCode(await listUsers(session.accessToken), 403, 'auth_forbidden', 'users.read');
  const grant = await server.request('PATCH', `/api/v1/users/${user.id}/permissions`, {
    token: admin, json: { permissions: ['assets.read', 'users.read'] },
  });
  assert.equal(grant.status, 200, grant.text);
  assert.equal((await listUsers(session.accessToken)).status, 200);
  const current = await me(session.accessToken);
  assert.deepEqual(current.body.data.permissions, ['assets.read', 'users.read'], '/auth/me shows the change');
  await server.request('PATCH', `/api/v1/users/${user.id}/permissions`, { token: admin, json: { permissions: [] } });
  expectCode(await listUsers(session.accessToken), 403, 'auth_forbidden', 'users.read');
  // A permission change is not a revocation: the session goes on.
  assert.equal((await me(session.accessToken)).status, 200);
  assert.equal((await refresh(session.refreshToken)).status, 200);
});

test('the SuperAdmin resetting its own password ends its own sessions too', async () => {
  const session = await login(server, ROOT.username, ROOT.password);
  const self = session.user;
  const reset = await server.request('POST', `/api/v1/users/${self.id}/reset-password`, {
    token: session.accessToken, json: { newPassword: ROOT.password },
  });
  assert.equal(reset.status, 204);
  expectCode(await me(session.accessToken), 401, 'auth_unauthorized');
  root = (await login(server, ROOT.username, ROOT.password)).accessToken;
  assert.equal((await me(root)).status, 200);
});
