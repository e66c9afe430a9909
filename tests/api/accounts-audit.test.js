// accounts-audit.test.js - the audit log: one entry per sign-in, failure, logout, user change and
// API-key change, with actor, target, client address, user agent and the before/after of what
// changed; the filters and paging of GET /api/v1/audit-log; the audit.read permission; and that
// no password, token or key ever shows in it (nor in the server log).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ISO_UTC } from './lib/server.js';
import {
  accountsEnv, createUser, expectCode, auditEntries, uniqueName, requestFrom, ROOT, MACHINE_KEY, ORDINAL,
} from './lib/accounts.js';

const AGENT = 'accounts-audit-test/1.0 (+https://example.test)';
let server;
const secrets = new Set([ROOT.password, MACHINE_KEY]);
let root;
let admin;
let subject;
let startedAt;
const ids = {};

// Everything below goes through here so that every secret used is remembered for the final check.
async function call(method, path, { token, json } = {}) {
  const response = await server.request(method, path, { token, json, headers: { 'User-Agent': AGENT } });
  const data = response.body && response.body.data;
  for (const value of [data && data.accessToken, data && data.refreshToken, data && data.key]) {
    if (value) secrets.add(value);
  }
  if (json) for (const field of ['password', 'newPassword', 'currentPassword']) if (json[field]) secrets.add(json[field]);
  return response;
}

async function signIn(username, password) {
  const response = await call('POST', '/api/v1/auth/login', { json: { username, password } });
  assert.equal(response.status, 200, response.text);
  return response.body.data;
}

const only = async (query) => {
  const entries = await auditEntries(server, root.accessToken, query);
  assert.equal(entries.length, 1, `one entry for ${JSON.stringify(query)}: ${JSON.stringify(entries)}`);
  return entries[0];
};

function assertFromHere(entry) {
  assert.equal(entry.clientAddress, '127.0.0.1');
  assert.equal(entry.userAgent, AGENT);
  assert.match(entry.occurredAtUtc, ISO_UTC);
  assert.ok(Date.parse(entry.occurredAtUtc) >= startedAt - 1000);
}

before(async () => {
  server = await startServer({ env: accountsEnv({}, { machineKeys: true }) });
  startedAt = Date.now();
  root = await signIn(ROOT.username, ROOT.password);
  const adminUser = (await call('POST', '/api/v1/users', {
    token: root.accessToken, json: { username: uniqueName('auditor'), password: 'admin-secret-pw-1', role: 'admin' },
  })).body.data;
  ids.admin = adminUser;
  admin = await signIn(adminUser.username, 'admin-secret-pw-1');
});

after(async () => {
  await server.stop();
  server.cleanup();
});

test('sign-in, failures and logout are recorded', async () => {
  const user = (await call('POST', '/api/v1/users', {
    token: admin.accessToken, json: { username: uniqueName('signer'), password: 'signer-password-1', role: 'user' },
  })).body.data;
  await signIn(user.username.toUpperCase(), 'signer-password-1');
  const success = await only({ action: 'auth.login', actor: user.id });
  assert.equal(success.actorType, 'user');
  assert.equal(success.actorName, user.username);
  assert.equal(success.targetType, 'user');
  assert.equal(success.targetId, user.id);
  assert.equal(success.targetName, user.username);
  assertFromHere(success);

  await call('POST', '/api/v1/auth/login', { json: { username: user.username, password: 'signer-password-X' } });
  const wrong = await only({ action: 'auth.login_failed', target: user.id });
  assert.equal(wrong.actorType, 'anonymous');
  assert.equal(wrong.actorId, null);
  assert.equal(wrong.actorName, user.username);
  assert.deepEqual(wrong.changes, { reason: 'wrong_password' });
  assertFromHere(wrong);
  const ghostName = `ghost-${process.pid}`;
  await call('POST', '/api/v1/auth/login', { json: { username: ghostName, password: 'ghost-password-1' } });
  const ghost = await only({ action: 'auth.login_failed', actor: ghostName });
  assert.equal(ghost.targetId, null);
  assert.equal(ghost.targetName, ghostName);
  assert.deepEqual(ghost.changes, { reason: 'unknown_user' });

  await call('POST', `/api/v1/users/${user.id}/status`, { token: admin.accessToken, json: { isActive: false } });
  await call('POST', '/api/v1/auth/login', { json: { username: user.username, password: 'signer-password-1' } });
  const inactive = (await auditEntries(server, root.accessToken, { action: 'auth.login_failed', target: user.id }))[0];
  assert.deepEqual(inactive.changes, { reason: 'inactive' });
  await call('POST', `/api/v1/users/${user.id}/status`, { token: admin.accessToken, json: { isActive: true } });

  const again = await signIn(user.username, 'signer-password-1');
  const out = await call('POST', '/api/v1/auth/logout', { token: again.accessToken, json: { refreshToken: again.refreshToken } });
  assert.equal(out.status, 204);
  const logout = await only({ action: 'auth.logout', actor: user.id });
  assert.equal(logout.targetId, user.id);
  assertFromHere(logout);
});

test('user administration is recorded with the before and after of what changed', async () => {
  const username = uniqueName('subject');
  const created = await call('POST', '/api/v1/users', {
    token: admin.accessToken, json: { username, password: 'subject-password-1', role: 'user', permissions: ['assets.read', 'users.read'] },
  });
  subject = created.body.data;
  const create = await only({ action: 'user.create', target: subject.id });
  assert.equal(create.actorType, 'user');
  assert.equal(create.actorId, ids.admin.id);
  assert.equal(create.actorName, ids.admin.username);
  assert.equal(create.targetType, 'user');
  assert.equal(create.targetName, username);
  assert.deepEqual(create.changes, {
    username: { before: null, after: username },
    role: { before: null, after: 'user' },
    isActive: { before: null, after: true },
    permissions: { before: null, after: ['assets.read', 'users.read'] },
  });
  assertFromHere(create);

  await call('PATCH', `/api/v1/users/${subject.id}`, { token: admin.accessToken, json: { username: `${username}-2` } });
  const rename = await only({ action: 'user.update', target: subject.id });
  assert.deepEqual(rename.changes, { username: { before: username, after: `${username}-2` } });
  assert.equal(rename.targetName, `${username}-2`);

  await call('PATCH', `/api/v1/users/${subject.id}`, { token: root.accessToken, json: { role: 'admin' } });
  const [promote] = await auditEntries(server, root.accessToken, { action: 'user.update', target: subject.id });
  assert.deepEqual(promote.changes, {
    role: { before: 'user', after: 'admin' },
    permissions: { before: ['assets.read', 'users.read'], after: ORDINAL },
  });
  assert.equal(promote.actorId, root.user.id);
  await call('PATCH', `/api/v1/users/${subject.id}`, { token: root.accessToken, json: { role: 'user' } });

  await call('PATCH', `/api/v1/users/${subject.id}`, { token: admin.accessToken, json: { isActive: false } });
  const [patchDisable] = await auditEntries(server, root.accessToken, { action: 'user.update', target: subject.id });
  assert.deepEqual(patchDisable.changes, { isActive: { before: true, after: false } });

  await call('POST', `/api/v1/users/${subject.id}/status`, { token: admin.accessToken, json: { isActive: true } });
  const status = await only({ action: 'user.status', target: subject.id });
  assert.deepEqual(status.changes, { isActive: { before: false, after: true } });

  await call('PATCH', `/api/v1/users/${subject.id}/permissions`, { token: admin.accessToken, json: { permissions: ['assets.read', 'assets.update'] } });
  const permissions = await only({ action: 'user.permissions', target: subject.id });
  assert.deepEqual(permissions.changes, { permissions: { before: ['assets.read'], after: ['assets.read', 'assets.update'] } });

  const reset = await call('POST', `/api/v1/users/${subject.id}/reset-password`, {
    token: MACHINE_KEY, json: { newPassword: 'subject-password-2' },
  });
  assert.equal(reset.status, 204);
  const resetEntry = await only({ action: 'user.reset_password', target: subject.id });
  assert.equal(resetEntry.actorType, 'apiKey');
  assert.equal(resetEntry.targetName, `${username}-2`);

  const session = await signIn(`${username}-2`, 'subject-password-2');
  const changed = await call('POST', '/api/v1/auth/change-password', {
    token: session.accessToken, json: { currentPassword: 'subject-password-2', newPassword: 'subject-password-3' },
  });
  assert.equal(changed.status, 204);
  const change = await only({ action: 'user.change_password', target: subject.id });
  assert.equal(change.actorId, subject.id);
  assertFromHere(change);
  // Refused attempts change nothing and are not recorded as changes.
  await call('POST', `/api/v1/users/${root.user.id}/status`, { token: admin.accessToken, json: { isActive: false } });
  assert.equal((await auditEntries(server, root.accessToken, { action: 'user.status', target: root.user.id })).length, 0);
});

test('API keys: creation, use and revocation are recorded; the key acts under its own id', async () => {
  const session = await signIn(ids.admin.username, 'admin-secret-pw-1');
  const created = await call('POST', '/api/v1/auth/api-keys', {
    token: session.accessToken, json: { name: 'nightly export', permissions: ['users.read', 'users.update'] },
  });
  assert.equal(created.status, 201);
  const key = created.body.data;
  const create = await only({ action: 'api_key.create', target: key.id });
  assert.equal(create.actorId, ids.admin.id);
  assert.equal(create.targetType, 'api_key');
  assert.equal(create.targetName, 'nightly export');
  assert.deepEqual(create.changes, { ownerId: ids.admin.id, ownerName: ids.admin.username });

  const renamed = await call('PATCH', `/api/v1/users/${subject.id}`, { token: key.key, json: { username: uniqueName('by-key') } });
  assert.equal(renamed.status, 200, renamed.text);
  const byKey = (await auditEntries(server, root.accessToken, { action: 'user.update', actor: key.id }))[0];
  assert.equal(byKey.actorType, 'personalApiKey');
  assert.equal(byKey.actorName, ids.admin.username);
  assert.equal(byKey.targetId, subject.id);

  await call('DELETE', `/api/v1/auth/api-keys/${key.id}`, { token: session.accessToken });
  const revoke = await only({ action: 'api_key.revoke', target: key.id });
  assert.equal(revoke.actorId, ids.admin.id);
  assert.equal(revoke.targetName, 'nightly export');
});

test('filters and paging', async () => {
  const all = await auditEntries(server, root.accessToken);
  assert.ok(all.length >= 15);
  for (let i = 1; i < all.length; i++) {
    assert.ok(Date.parse(all[i - 1].occurredAtUtc) >= Date.parse(all[i].occurredAtUtc), 'newest first');
  }
  assert.deepEqual(Object.keys(all[0]).sort(), ['action', 'actorId', 'actorName', 'actorType', 'changes', 'clientAddress',
    'id', 'occurredAtUtc', 'targetId', 'targetName', 'targetType', 'userAgent']);
  assert.equal(new Set(all.map((entry) => entry.id)).size, all.length);

  const userActions = await auditEntries(server, root.accessToken, { action: 'user.' });
  assert.ok(userActions.length > 0);
  assert.ok(userActions.every((entry) => entry.action.startsWith('user.')));
  assert.equal(userActions.length, all.filter((entry) => entry.action.startsWith('user.')).length);
  const exact = await auditEntries(server, root.accessToken, { action: 'auth.login' });
  assert.ok(exact.length > 0 && exact.every((entry) => entry.action === 'auth.login'), 'exact: not auth.login_failed');
  for (const pattern of ['%.', '_ser.', 'USER.', 'user']) {
    assert.deepEqual(await auditEntries(server, root.accessToken, { action: pattern }), [], `action=${pattern}`);
  }
  const byName = await auditEntries(server, root.accessToken, { actor: ids.admin.username });
  const byId = await auditEntries(server, root.accessToken, { actor: ids.admin.id });
  assert.ok(byId.length > 0 && byId.every((entry) => entry.actorId === ids.admin.id));
  // By name also finds what the admin did through a personal key (actorId is then the key's id).
  const viaKey = byName.filter((entry) => entry.actorId !== ids.admin.id);
  assert.ok(viaKey.length > 0 && viaKey.every((entry) => entry.actorType === 'personalApiKey'));
  assert.deepEqual(byName.filter((entry) => entry.actorId === ids.admin.id).map((entry) => entry.id),
    byId.map((entry) => entry.id));
  const target = await auditEntries(server, root.accessToken, { target: subject.id });
  assert.ok(target.length >= 8 && target.every((entry) => entry.targetId === subject.id));

  const middle = all[Math.floor(all.length / 2)].occurredAtUtc;
  const newer = await auditEntries(server, root.accessToken, { fromUtc: middle });
  const older = await auditEntries(server, root.accessToken, { toUtc: middle });
  assert.ok(newer.every((entry) => Date.parse(entry.occurredAtUtc) >= Date.parse(middle)));
  assert.ok(older.every((entry) => Date.parse(entry.occurredAtUtc) <= Date.parse(middle)));
  assert.ok(newer.length > 0 && older.length > 0 && newer.length < all.length && older.length < all.length);
  const future = new Date(Date.now() + 3600000).toISOString();
  assert.deepEqual(await auditEntries(server, root.accessToken, { fromUtc: future }), []);
  const combined = await auditEntries(server, root.accessToken, { action: 'user.', actor: ids.admin.id, target: subject.id });
  assert.ok(combined.length > 0 && combined.every((entry) => entry.action.startsWith('user.')
    && entry.actorId === ids.admin.id && entry.targetId === subject.id));

  const page = await call('GET', '/api/v1/audit-log?page=2&pageSize=3', { token: root.accessToken });
  assert.equal(page.status, 200);
  assert.equal(page.body.data.page, 2);
  assert.equal(page.body.data.pageSize, 3);
  assert.equal(page.body.data.total, all.length);
  assert.deepEqual(page.body.data.items.map((entry) => entry.id), all.slice(3, 6).map((entry) => entry.id));
  const defaults = await call('GET', '/api/v1/audit-log?page=0&pageSize=0', { token: root.accessToken });
  assert.equal(defaults.body.data.page, 1);
  assert.equal(defaults.body.data.pageSize, 50);
  const clamped = await call('GET', '/api/v1/audit-log?pageSize=100000', { token: root.accessToken });
  assert.equal(clamped.body.data.pageSize, 200);
  const past = await call('GET', '/api/v1/audit-log?page=1000', { token: root.accessToken });
  assert.deepEqual(past.body.data.items, []);
  assert.equal(past.body.data.total, all.length);
  expectCode(await call('GET', '/api/v1/audit-log?pageSize=ten', { token: root.accessToken }), 400, 'request_invalid');
  expectCode(await call('GET', '/api/v1/audit-log?fromUtc=yesterday', { token: root.accessToken }), 400, 'request_invalid', 'fromUtc');
  expectCode(await call('GET', '/api/v1/audit-log?toUtc=2026-13-01', { token: root.accessToken }), 400, 'request_invalid', 'toUtc');
});

test('audit.read gates the log: admins have it by default, users only when granted', async () => {
  assert.equal((await call('GET', '/api/v1/audit-log', { token: admin.accessToken })).status, 200);
  assert.equal((await call('GET', '/api/v1/audit-log', { token: MACHINE_KEY })).status, 200);
  const user = await createUser(server, root.accessToken, { password: 'reader-password-1' });
  secrets.add('reader-password-1');
  const session = await signIn(user.username, 'reader-password-1');
  expectCode(await call('GET', '/api/v1/audit-log', { token: session.accessToken }), 403, 'auth_forbidden', 'audit.read');
  await call('PATCH', `/api/v1/users/${user.id}/permissions`, { token: root.accessToken, json: { permissions: ['audit.read'] } });
  assert.equal((await call('GET', '/api/v1/audit-log', { token: session.accessToken })).status, 200);
  const anonymous = await server.request('GET', '/api/v1/audit-log');
  expectCode(anonymous, 401, 'api_key_missing');
});

test('no password, token or key appears in the audit log or the server log', async () => {
  // Some more secrets through every route that takes one.
  const refreshed = await call('POST', '/api/v1/auth/refresh', { json: { refreshToken: root.refreshToken } });
  assert.equal(refreshed.status, 200);
  await call('POST', '/api/v1/auth/refresh', { json: { refreshToken: 'not-a-real-refresh-token-but-secret-looking' } });
  secrets.add('not-a-real-refresh-token-but-secret-looking');
  const entries = await auditEntries(server, refreshed.body.data.accessToken);
  const text = JSON.stringify(entries);
  assert.ok(secrets.size >= 15, `collected ${secrets.size} secrets`);
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `the audit log holds a secret: ${secret.slice(0, 12)}…`);
    assert.ok(!server.stderrText.includes(secret), `the server log holds a secret: ${secret.slice(0, 12)}…`);
  }
});

// Headers are bytes, not necessarily UTF-8. A Latin-1 User-Agent used to make the audit INSERT
// fail on PostgreSQL (every audited action, sign-in included, answered 500) and, on SQLite, to
// hide the entry from the listing (jansson refuses the text): the log must neither break nor lose
// an entry because of what a client puts in a header.
test('a User-Agent that is not UTF-8 neither breaks sign-in nor hides the audit entry', async () => {
  const agent = 'caf\u00e9-agent/1.0'; // sent as the single byte 0xE9
  const response = await requestFrom(server, undefined, 'POST', '/api/v1/auth/login', {
    json: { username: ROOT.username, password: ROOT.password }, headers: { 'User-Agent': agent },
  });
  assert.equal(response.status, 200, response.text);
  secrets.add(response.body.data.accessToken);
  secrets.add(response.body.data.refreshToken);
  const listed = await call('GET', '/api/v1/audit-log?action=auth.login&pageSize=200', { token: root.accessToken });
  assert.equal(listed.status, 200, listed.text);
  assert.equal(listed.body.data.items.length, listed.body.data.total, 'every counted entry is listed');
  assert.ok(listed.body.data.items.some((entry) => entry.userAgent === 'caf?-agent/1.0'), listed.text);
});

test('query values that are not UTF-8 are a 400, not a 500', async () => {
  for (const query of ['actor=%FF', 'page=%FF', 'target=caf%E9', '%E9=1']) {
    expectCode(await call('GET', `/api/v1/audit-log?${query}`, { token: root.accessToken }), 400, 'request_invalid');
  }
});
