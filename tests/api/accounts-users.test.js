// accounts-users.test.js - user administration: every actor (machine key, SuperAdmin, Admin,
// User, and the personal keys of each) against every target (the SuperAdmin, another admin, a
// user, itself) for every action, plus listing, creation rules, role and isActive rules,
// grants, validation and the order of checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ISO_UTC } from './lib/server.js';
import {
  accountsEnv, login, createUser, createKey, expectCode, uniqueName, ROOT, MACHINE_KEY,
  CATALOGUE, ORDINAL,
} from './lib/accounts.js';

let server;
const people = {}; // name -> user object (with password)
const credentials = {}; // actor name -> bearer credential

before(async () => {
  server = await startServer({ env: accountsEnv({ Auth__Password__MinLength: '10' }, { machineKeys: true }) });
  const root = await login(server, ROOT.username, ROOT.password);
  people.superAdmin = { ...root.user, password: ROOT.password };
  credentials.machineKey = MACHINE_KEY;
  credentials.superAdmin = root.accessToken;
  people.admin = await createUser(server, root.accessToken, { role: 'admin', password: 'admin-password-1' });
  people.admin2 = await createUser(server, root.accessToken, { role: 'admin', password: 'admin-password-2' });
  // A plain user holding every permission, so only the role rules can stop it.
  people.user = await createUser(server, root.accessToken, { permissions: CATALOGUE, password: 'user-password-1' });
  people.user2 = await createUser(server, root.accessToken, { password: 'user-password-2' });
  credentials.admin = (await login(server, people.admin.username, people.admin.password)).accessToken;
  credentials.user = (await login(server, people.user.username, people.user.password)).accessToken;
  credentials.superAdminKey = (await createKey(server, root.accessToken, { permissions: CATALOGUE })).key;
  credentials.adminKey = (await createKey(server, credentials.admin, { permissions: CATALOGUE })).key;
  credentials.userKey = (await createKey(server, credentials.user, { permissions: CATALOGUE })).key;
});

after(async () => {
  await server.stop();
  server.cleanup();
});

const call = (method, path, token, json) => server.request(method, path, { token, json });
const root = () => credentials.superAdmin;

// Whose account an actor acts as (null: the machine key is nobody).
const SELF = {
  machineKey: null, superAdmin: 'superAdmin', superAdminKey: 'superAdmin', admin: 'admin',
  adminKey: 'admin', user: 'user', userKey: 'user',
};

// spec §9 "may manage": actor x target -> null (allowed) or the 403 code.
const FORBIDDEN = 'user_manage_forbidden';
const MANAGE = {
  //              superAdmin  admin2     user2  self
  machineKey: [null, null, null, undefined],
  superAdmin: [null, null, null, null],
  superAdminKey: [null, null, null, null],
  admin: [FORBIDDEN, FORBIDDEN, null, FORBIDDEN],
  adminKey: [FORBIDDEN, FORBIDDEN, null, FORBIDDEN],
  user: [FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
  userKey: [FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
};
const TARGETS = ['superAdmin', 'admin2', 'user2', 'self'];

// What each action does once the manage check passed; `superAdmin` is the code when the target
// is the SuperAdmin (spec §9 SuperAdmin rules, with PATCH isActive:false guarded as amended).
const ACTIONS = {
  get: { request: (t) => ['GET', `/api/v1/users/${t.id}`], ok: 200 },
  'patch {}': { request: (t) => ['PATCH', `/api/v1/users/${t.id}`, {}], ok: 200 },
  'patch same role': { request: (t) => ['PATCH', `/api/v1/users/${t.id}`, { role: t.role }], ok: 200 },
  'change role': {
    request: () => null, // only on the SuperAdmin (role changes elsewhere: own tests)
    superAdmin: 'user_super_admin_role_change_forbidden',
    superAdminRequest: (t) => ['PATCH', `/api/v1/users/${t.id}`, { role: 'admin' }],
  },
  'status enable': { request: (t) => ['POST', `/api/v1/users/${t.id}/status`, { isActive: true }], ok: 200 },
  'status disable': {
    request: (t) => ['POST', `/api/v1/users/${t.id}/status`, { isActive: false }], ok: 200, reEnable: true,
    superAdmin: 'user_super_admin_disable_forbidden',
  },
  'patch isActive false': {
    request: (t) => ['PATCH', `/api/v1/users/${t.id}`, { isActive: false }], ok: 200, reEnable: true,
    superAdmin: 'user_super_admin_disable_forbidden',
  },
  'reset password': {
    request: (t) => ['POST', `/api/v1/users/${t.id}/reset-password`, { newPassword: t.password }], ok: 204,
  },
  permissions: {
    request: (t) => ['PATCH', `/api/v1/users/${t.id}/permissions`, { permissions: t.permissions }], ok: 200,
    superAdmin: 'user_super_admin_permissions_forbidden',
  },
  'list api keys': { request: (t) => ['GET', `/api/v1/users/${t.id}/api-keys`], ok: 200 },
};

for (const [actor, row] of Object.entries(MANAGE)) {
  TARGETS.forEach((targetName, column) => {
    const manage = row[column];
    if (manage === undefined) return;
    test(`actor ${actor} -> target ${targetName}`, async () => {
      const person = targetName === 'self' ? SELF[actor] : targetName;
      for (const [action, spec] of Object.entries(ACTIONS)) {
        const target = people[person];
        const isSuperAdmin = target.role === 'superAdmin';
        const built = isSuperAdmin && spec.superAdminRequest ? spec.superAdminRequest(target) : spec.request(target);
        if (!built) continue;
        const [method, path, json] = built;
        const response = await call(method, path, credentials[actor], json);
        const label = `${actor} ${action} ${targetName}`;
        if (manage) {
          expectCode(response, 403, manage);
          continue;
        }
        if (isSuperAdmin && spec.superAdmin) {
          expectCode(response, 403, spec.superAdmin);
          continue;
        }
        assert.equal(response.status, spec.ok, `${label}: ${response.text}`);
        if (method === 'GET' && action === 'get') assert.equal(response.body.data.id, target.id);
        if (spec.reEnable) {
          assert.equal(response.body.data.isActive, false, label);
          const back = await call('POST', `/api/v1/users/${target.id}/status`, MACHINE_KEY, { isActive: true });
          assert.equal(back.status, 200);
        }
        if (action === 'reset password' && person === 'superAdmin') {
          // The reset ended the SuperAdmin's sessions; sign in again (same password).
          credentials.superAdmin = (await login(server, ROOT.username, ROOT.password)).accessToken;
        }
      }
    });
  });
}

test('a 404 comes before the manage check, and a non-GUID id is not a route', async () => {
  const missing = '01234567-89ab-7def-8123-456789abcdef';
  for (const actor of ['machineKey', 'admin', 'user']) {
    const response = await call('GET', `/api/v1/users/${missing}`, credentials[actor]);
    const error = expectCode(response, 404, 'user_not_found');
    assert.equal(error.message, `User '${missing}' was not found.`);
  }
  expectCode(await call('PATCH', `/api/v1/users/${missing}/permissions`, root(), { permissions: [] }), 404, 'user_not_found');
  expectCode(await call('POST', `/api/v1/users/${missing}/reset-password`, root(), { newPassword: 'long-enough-pw' }), 404, 'user_not_found');
  expectCode(await call('GET', `/api/v1/users/${missing}/api-keys`, root()), 404, 'user_not_found');
  assert.equal((await call('GET', '/api/v1/users/not-a-guid', root())).status, 404);
});

test('list: who sees whom, newest first then by username', async () => {
  const everyone = (await call('GET', '/api/v1/users', MACHINE_KEY)).body.data;
  const sorted = [...everyone].sort((a, b) => (Date.parse(b.createdAtUtc) - Date.parse(a.createdAtUtc))
    || (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  assert.deepEqual(everyone.map((u) => u.id), sorted.map((u) => u.id));
  assert.ok(everyone.some((u) => u.role === 'superAdmin'));
  const users = everyone.filter((u) => u.role === 'user').map((u) => u.id);
  const expected = {
    machineKey: everyone.map((u) => u.id),
    superAdmin: everyone.map((u) => u.id),
    superAdminKey: everyone.map((u) => u.id),
    admin: users,
    adminKey: users,
    user: [],
    userKey: [],
  };
  for (const [actor, ids] of Object.entries(expected)) {
    const response = await call('GET', '/api/v1/users', credentials[actor]);
    assert.equal(response.status, 200, `${actor}: ${response.text}`);
    assert.deepEqual(response.body.data.map((u) => u.id), ids, actor);
  }
  const item = everyone.find((u) => u.id === people.user2.id);
  assert.deepEqual(Object.keys(item).sort(),
    ['createdAtUtc', 'id', 'isActive', 'lastLoginAtUtc', 'permissions', 'role', 'updatedAtUtc', 'username']);
  assert.deepEqual(everyone.find((u) => u.role === 'superAdmin').permissions, CATALOGUE);
  assert.deepEqual(everyone.find((u) => u.id === people.admin2.id).permissions, ORDINAL);
});

test('create: who may create which role', async () => {
  const expected = {
    machineKey: { admin: 201, user: 201 },
    superAdmin: { admin: 201, user: 201 },
    superAdminKey: { admin: 201, user: 201 },
    admin: { admin: 'user_create_forbidden', user: 201 },
    adminKey: { admin: 'user_create_forbidden', user: 201 },
    user: { admin: 'user_create_forbidden', user: 'user_create_forbidden' },
    userKey: { admin: 'user_create_forbidden', user: 'user_create_forbidden' },
  };
  for (const [actor, roles] of Object.entries(expected)) {
    for (const role of ['superAdmin', 'admin', 'user']) {
      const username = uniqueName(`new-${role}`);
      const response = await call('POST', '/api/v1/users', credentials[actor], { username, password: 'long-enough-pw', role });
      const outcome = role === 'superAdmin' ? 'user_super_admin_create_forbidden' : roles[role];
      if (outcome === 201) {
        assert.equal(response.status, 201, `${actor} creates ${role}: ${response.text}`);
        assert.equal(response.body.data.role, role);
      } else {
        expectCode(response, 403, outcome);
      }
    }
  }
});

test('create: shape, defaults, normalisation and validation in order', async () => {
  const create = (json, token = root()) => call('POST', '/api/v1/users', token, json);
  const created = await create({ username: '  MiXed.Case  ', password: ' spaced password ', role: 'ADMIN' });
  assert.equal(created.status, 201, created.text);
  const user = created.body.data;
  assert.equal(created.headers.get('location'), `/api/v1/users/${user.id}`);
  assert.deepEqual(Object.keys(user).sort(),
    ['createdAtUtc', 'id', 'isActive', 'lastLoginAtUtc', 'permissions', 'role', 'updatedAtUtc', 'username']);
  assert.equal(user.username, 'mixed.case');
  assert.equal(user.role, 'admin');
  assert.equal(user.isActive, true);
  assert.equal(user.lastLoginAtUtc, null);
  assert.match(user.createdAtUtc, ISO_UTC);
  assert.deepEqual(user.permissions, ORDINAL, 'the admin template, in byte order');
  // The password is used verbatim (spaces kept).
  await login(server, 'MIXED.case', ' spaced password ');
  const fetched = await call('GET', `/api/v1/users/${user.id}`, root());
  assert.equal(fetched.body.data.username, 'mixed.case');

  // Permissions: absent, null and [] mean the template; a list is normalised.
  for (const permissions of [undefined, null, []]) {
    const response = await create({ username: uniqueName(), password: 'long-enough-pw', role: 'user', permissions });
    assert.deepEqual(response.body.data.permissions, ['assets.read'], JSON.stringify(permissions));
  }
  const normalised = await create({
    username: uniqueName(), password: 'long-enough-pw', role: 'user',
    permissions: [' users.read ', 'assets.read', 'users.read', null, '', '  '],
  });
  assert.deepEqual(normalised.body.data.permissions, ['assets.read', 'users.read']);
  const emptied = await create({ username: uniqueName(), password: 'long-enough-pw', role: 'user', permissions: ['   '] });
  assert.deepEqual(emptied.body.data.permissions, [], 'a list that normalises to nothing stays empty');
  const inactive = await create({ username: uniqueName(), password: 'long-enough-pw', role: 'user', isActive: false });
  assert.equal(inactive.body.data.isActive, false);

  // Username length counts characters: 128 is fine, 129 is not.
  const longest = await create({ username: 'é'.repeat(128), password: 'long-enough-pw', role: 'user' });
  assert.equal(longest.status, 201, longest.text);
  assert.equal(longest.body.data.username, 'é'.repeat(128));
  expectCode(await create({ username: 'a'.repeat(129), password: 'long-enough-pw', role: 'user' }),
    400, 'user_username_too_long');

  // Validation.
  expectCode(await server.request('POST', '/api/v1/users', { token: root() }), 400, 'request_invalid');
  expectCode(await create([]), 400, 'request_invalid');
  expectCode(await create({ username: uniqueName(), password: 'long-enough-pw' }), 400, 'user_role_required');
  expectCode(await create({ username: uniqueName(), password: 'long-enough-pw', role: null }), 400, 'user_role_required');
  expectCode(await create({ username: uniqueName(), password: 'long-enough-pw', role: 2 }), 400, 'request_invalid');
  expectCode(await create({ username: uniqueName(), password: 'long-enough-pw', role: 'boss' }), 400, 'request_invalid');
  expectCode(await create({ username: '   ', password: 'long-enough-pw', role: 'user' }), 400, 'user_username_required');
  expectCode(await create({ password: 'long-enough-pw', role: 'user' }), 400, 'user_username_required');
  expectCode(await create({ username: 7, password: 'long-enough-pw', role: 'user' }), 400, 'request_invalid');
  const conflict = expectCode(await create({ username: 'MIXED.CASE', password: 'long-enough-pw', role: 'user' }),
    409, 'user_username_conflict');
  assert.equal(conflict.message, "Username 'mixed.case' already exists.");
  // spec §8 order: the conflict is reported before the missing password.
  expectCode(await create({ username: 'mixed.case', password: '', role: 'user' }), 409, 'user_username_conflict');
  expectCode(await create({ username: uniqueName(), password: '   ', role: 'user' }), 400, 'user_password_required');
  expectCode(await create({ username: uniqueName(), role: 'user' }), 400, 'user_password_required');
  expectCode(await create({ username: uniqueName(), password: 'nine-char', role: 'user' }),
    400, 'user_password_too_weak', '10');
  expectCode(await create({ username: uniqueName(), password: 'x'.repeat(1025), role: 'user' }),
    400, 'user_password_too_long');
  const unknown = expectCode(await create({
    username: uniqueName(), password: 'long-enough-pw', role: 'user', permissions: ['assets.read', 'assets.Read'],
  }), 400, 'user_permission_unknown', 'assets.Read');
  assert.ok(!unknown.message.includes("'assets.read'"));
  expectCode(await create({ username: uniqueName(), password: 'long-enough-pw', role: 'user', permissions: [3] }),
    400, 'user_permission_unknown', 'must be strings');
  expectCode(await create({ username: uniqueName(), password: 'long-enough-pw', role: 'user', permissions: 'assets.read' }),
    400, 'request_invalid');
  expectCode(await create({ username: uniqueName(), password: 'long-enough-pw', role: 'user', isActive: 'yes' }),
    400, 'request_invalid');
});

test('role changes: SuperAdmin and machine keys may promote; an Admin may not; nobody becomes SuperAdmin', async () => {
  const patch = (token, target, json) => call('PATCH', `/api/v1/users/${target.id}`, token, json);
  const a = await createUser(server, root());
  const b = await createUser(server, root());
  for (const actor of ['admin', 'adminKey']) {
    expectCode(await patch(credentials[actor], a, { role: 'admin' }), 403, 'user_role_change_forbidden');
    expectCode(await patch(credentials[actor], a, { role: 'superAdmin' }), 403, 'user_super_admin_promote_forbidden');
  }
  for (const actor of ['machineKey', 'superAdmin', 'superAdminKey']) {
    expectCode(await patch(credentials[actor], a, { role: 'superAdmin' }), 403, 'user_super_admin_promote_forbidden');
    expectCode(await patch(credentials[actor], people.admin2, { role: 'SUPERADMIN' }), 403, 'user_super_admin_promote_forbidden');
  }
  const promoted = await patch(root(), a, { role: 'Admin' });
  assert.equal(promoted.status, 200, promoted.text);
  assert.equal(promoted.body.data.role, 'admin');
  assert.deepEqual(promoted.body.data.permissions, ORDINAL, 'the admin template replaces the grants');
  const byMachine = await patch(MACHINE_KEY, b, { role: 'admin' });
  assert.equal(byMachine.body.data.role, 'admin');
  const demoted = await patch(root(), b, { role: 'user' });
  assert.equal(demoted.status, 200);
  assert.deepEqual(demoted.body.data.permissions, ['assets.read'], 'the user template replaces the grants');
  // Now an admin, `a` is out of the Admin's reach.
  expectCode(await patch(credentials.admin, a, { role: 'user' }), 403, 'user_manage_forbidden');

  for (const [json, what] of [[{ role: null }, 'null role'], [{ role: 1 }, 'numeric role'], [{ role: 'boss' }, 'unknown role']]) {
    const response = await patch(root(), b, json);
    assert.equal(response.status, 400, what);
    assert.equal(response.body.error.code, 'request_invalid', what);
  }
});

test('PATCH: rename, isActive with users.disable and its guards, validation', async () => {
  const patch = (token, id, json) => call('PATCH', `/api/v1/users/${id}`, token, json);
  const target = await createUser(server, root());
  const other = await createUser(server, root());
  const before = (await call('GET', `/api/v1/users/${target.id}`, root())).body.data;
  await new Promise((r) => setTimeout(r, 5));
  const noop = await patch(root(), target.id, {});
  assert.equal(noop.status, 200);
  assert.equal(noop.body.data.username, target.username);
  assert.ok(Date.parse(noop.body.data.updatedAtUtc) > Date.parse(before.updatedAtUtc), 'every PATCH bumps updatedAtUtc');
  const keep = await patch(root(), target.id, { username: null });
  assert.equal(keep.body.data.username, target.username);
  const renamed = await patch(credentials.admin, target.id, { username: '  Renamed-' + target.username + ' ' });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.body.data.username, `renamed-${target.username}`);
  await login(server, `RENAMED-${target.username}`, target.password);
  expectCode(await server.request('POST', '/api/v1/auth/login', { json: { username: target.username, password: target.password } }),
    401, 'auth_invalid_credentials');
  expectCode(await patch(root(), target.id, { username: other.username.toUpperCase() }), 409, 'user_username_conflict');
  expectCode(await patch(root(), target.id, { username: ' ' }), 400, 'user_username_required');
  expectCode(await patch(root(), target.id, { username: 'b'.repeat(129) }), 400, 'user_username_too_long');
  expectCode(await patch(root(), target.id, { isActive: null }), 400, 'request_invalid');
  expectCode(await patch(root(), target.id, { isActive: 'false' }), 400, 'request_invalid');
  expectCode(await server.request('PATCH', `/api/v1/users/${target.id}`, { token: root() }), 400, 'request_invalid');

  // The SuperAdmin may be renamed (by a machine key too); names of bootstrap and API users alike
  // are matched case-insensitively at sign-in.
  const chief = await patch(MACHINE_KEY, people.superAdmin.id, { username: 'Chief' });
  assert.equal(chief.status, 200);
  assert.equal(chief.body.data.username, 'chief');
  const back = await patch(root(), people.superAdmin.id, { username: ROOT.username });
  assert.equal(back.body.data.username, ROOT.username.toLowerCase());
  await login(server, ROOT.username, ROOT.password);

  // isActive through PATCH needs users.disable as well as users.update.
  const noDisable = ORDINAL.filter((p) => p !== 'users.disable');
  const limited = await createUser(server, root(), { role: 'admin', password: 'limited-admin-1', permissions: noDisable });
  const limitedToken = (await login(server, limited.username, limited.password)).accessToken;
  for (const isActive of [false, true]) {
    expectCode(await patch(limitedToken, target.id, { isActive }), 403, 'auth_forbidden', 'users.disable');
  }
  // Like every permission check, it comes before the lookup of the target.
  expectCode(await patch(limitedToken, '01234567-89ab-7def-8123-456789abcdef', { isActive: false }),
    403, 'auth_forbidden', 'users.disable');
  expectCode(await call('POST', `/api/v1/users/${target.id}/status`, limitedToken, { isActive: false }),
    403, 'auth_forbidden', 'users.disable');
  assert.equal((await patch(limitedToken, target.id, { username: 'limited-' + target.username })).status, 200);
  const disabled = await patch(credentials.admin, target.id, { isActive: false });
  assert.equal(disabled.body.data.isActive, false);
  const enabled = await patch(credentials.admin, target.id, { isActive: true });
  assert.equal(enabled.body.data.isActive, true);
});

test('status: isActive is required; enabling an active user is a no-op', async () => {
  const target = await createUser(server, root());
  const status = (json) => call('POST', `/api/v1/users/${target.id}/status`, root(), json);
  expectCode(await status({}), 400, 'request_invalid', 'isActive');
  expectCode(await status({ isActive: null }), 400, 'request_invalid');
  expectCode(await status({ isActive: 0 }), 400, 'request_invalid');
  expectCode(await server.request('POST', `/api/v1/users/${target.id}/status`, { token: root() }), 400, 'request_invalid');
  assert.equal((await call('GET', `/api/v1/users/${target.id}`, root())).body.data.isActive, true, 'nothing was disabled');
  const same = await status({ isActive: true });
  assert.equal(same.status, 200);
  assert.equal(same.body.data.isActive, true);
  const off = await status({ IsActive: false });
  assert.equal(off.body.data.isActive, false, 'property names are case-insensitive');
});

test('reset-password: validation and the password policy', async () => {
  const target = await createUser(server, root());
  const reset = (json) => call('POST', `/api/v1/users/${target.id}/reset-password`, root(), json);
  expectCode(await reset({}), 400, 'request_invalid');
  expectCode(await reset({ newPassword: '   ' }), 400, 'request_invalid');
  expectCode(await server.request('POST', `/api/v1/users/${target.id}/reset-password`, { token: root() }), 400, 'request_invalid');
  expectCode(await reset({ newPassword: 'too-short' }), 400, 'user_password_too_weak', '10');
  expectCode(await reset({ newPassword: 'p'.repeat(1025) }), 400, 'user_password_too_long');
  const done = await reset({ newPassword: 'a-brand-new-password' });
  assert.equal(done.status, 204);
  assert.equal(done.text, '');
  await login(server, target.username, 'a-brand-new-password');
});

test('permissions: replace, clear, unknown names, and grants limited to what the granter holds', async () => {
  const put = (token, id, json) => call('PATCH', `/api/v1/users/${id}/permissions`, token, json);
  const target = await createUser(server, root());
  const replaced = await put(root(), target.id, { permissions: ['users.read', ' assets.update', 'assets.update', null] });
  assert.equal(replaced.status, 200, replaced.text);
  assert.deepEqual(replaced.body.data.permissions, ['assets.update', 'users.read']);
  const cleared = await put(root(), target.id, { permissions: [] });
  assert.deepEqual(cleared.body.data.permissions, []);
  assert.deepEqual((await call('GET', `/api/v1/users/${target.id}`, root())).body.data.permissions, []);
  expectCode(await put(root(), target.id, {}), 400, 'request_invalid');
  expectCode(await put(root(), target.id, { permissions: null }), 400, 'request_invalid');
  expectCode(await put(root(), target.id, { permissions: ['assets.read', 'nonsense.perm'] }),
    400, 'user_permission_unknown', 'nonsense.perm');
  expectCode(await put(root(), target.id, { permissions: [{ name: 'assets.read' }] }),
    400, 'user_permission_unknown', 'must be strings');

  // An admin holding only some permissions grants only those (machine keys and the SuperAdmin
  // grant anything).
  const held = ['assets.read', 'users.create', 'users.managePermissions', 'users.read', 'users.update'];
  const limited = await createUser(server, root(), { role: 'admin', password: 'limited-admin-2', permissions: held });
  const token = (await login(server, limited.username, limited.password)).accessToken;
  const grantee = await createUser(server, root(), { permissions: ['assets.update'] });
  const refused = expectCode(await put(token, grantee.id, { permissions: ['assets.update', 'assets.delete'] }),
    403, 'user_permission_grant_forbidden', 'assets.delete');
  assert.ok(!refused.message.includes('assets.update'), 'keeping what the user already has is not a grant');
  const kept = await put(token, grantee.id, { permissions: ['assets.update', 'assets.read'] });
  assert.equal(kept.status, 200, kept.text);
  assert.deepEqual(kept.body.data.permissions, ['assets.read', 'assets.update']);
  const reduced = await put(token, grantee.id, { permissions: ['users.read'] });
  assert.deepEqual(reduced.body.data.permissions, ['users.read']);

  expectCode(await call('POST', '/api/v1/users', token, {
    username: uniqueName(), password: 'long-enough-pw', role: 'user', permissions: ['assets.read', 'audit.read'],
  }), 403, 'user_permission_grant_forbidden', 'audit.read');
  const ok = await call('POST', '/api/v1/users', token, {
    username: uniqueName(), password: 'long-enough-pw', role: 'user', permissions: ['users.read', 'assets.read'],
  });
  assert.equal(ok.status, 201, ok.text);
  assert.deepEqual(ok.body.data.permissions, ['assets.read', 'users.read']);
  const template = await call('POST', '/api/v1/users', token, { username: uniqueName(), password: 'long-enough-pw', role: 'user' });
  assert.deepEqual(template.body.data.permissions, ['assets.read']);
  for (const actor of ['machineKey', 'superAdmin']) {
    const any = await put(credentials[actor], grantee.id, { permissions: CATALOGUE });
    assert.deepEqual(any.body.data.permissions, ORDINAL, actor);
  }
});

test('order of checks: 401, then the permission (403 naming it), then the body, then 404, then rules', async () => {
  const missing = '01234567-89ab-7def-8123-456789abcdef';
  const anonymous = await server.request('GET', '/api/v1/users');
  expectCode(anonymous, 401, 'api_key_missing');
  const plain = await createUser(server, root(), { password: 'plain-password-1' });
  const token = (await login(server, plain.username, plain.password)).accessToken;
  const cases = [
    ['GET', '/api/v1/users', undefined, 'users.read'],
    ['GET', `/api/v1/users/${missing}`, undefined, 'users.read'],
    ['POST', '/api/v1/users', 'not-an-object', 'users.create'],
    ['PATCH', `/api/v1/users/${missing}`, {}, 'users.update'],
    ['POST', `/api/v1/users/${missing}/status`, {}, 'users.disable'],
    ['POST', `/api/v1/users/${missing}/reset-password`, {}, 'users.update'],
    ['PATCH', `/api/v1/users/${missing}/permissions`, {}, 'users.managePermissions'],
    ['GET', '/api/v1/audit-log', undefined, 'audit.read'],
  ];
  for (const [method, path, json, permission] of cases) {
    const error = expectCode(await call(method, path, token, json), 403, 'auth_forbidden', permission);
    assert.equal(error.message, `The permission '${permission}' is required for this action.`);
  }
  // Permitted: the body is checked before the target is looked up, the target before the rules.
  expectCode(await call('POST', `/api/v1/users/${missing}/status`, credentials.admin, {}), 400, 'request_invalid');
  expectCode(await call('POST', `/api/v1/users/${missing}/status`, credentials.admin, { isActive: false }), 404, 'user_not_found');
  expectCode(await call('POST', `/api/v1/users/${people.superAdmin.id}/status`, credentials.admin, { isActive: false }),
    403, 'user_manage_forbidden');
  expectCode(await call('PATCH', `/api/v1/users/${people.admin2.id}`, credentials.admin, { username: ' ' }),
    403, 'user_manage_forbidden');
});
