// accounts-bootstrap.test.js - the first-run SuperAdmin: a generated password logged once,
// configured credentials, the password policy refusing start-up, bootstrap happening only while
// no user exists, and the single SuperAdmin enforced by the API and by the schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, runCommand, databaseEnv } from './lib/server.js';
import { login, runSql, expectCode, CATALOGUE, JWT_SECRET } from './lib/accounts.js';

const bootstrapLines = (server) => server.logs.filter((entry) => entry.event === 'bootstrap_super_admin');

test('without configuration: SuperAdmin "admin" with a generated password, logged once', async () => {
  const server = await startServer({ env: { Auth__Jwt__Secret: JWT_SECRET } });
  try {
    const lines = bootstrapLines(server);
    assert.equal(lines.length, 1, server.stderrText);
    const [line] = lines;
    assert.equal(line.level, 'warn');
    assert.equal(line.username, 'admin');
    assert.equal(typeof line.password, 'string');
    assert.ok(line.password.length >= 16, 'a strong generated password');
    assert.match(line.message, /once/);
    assert.equal(server.stderrText.split(line.password).length - 1, 1, 'the password appears exactly once');

    const session = await login(server, 'admin', line.password);
    assert.equal(session.user.role, 'superAdmin');
    assert.deepEqual(session.user.permissions, CATALOGUE);
    const users = await server.request('GET', '/api/v1/users', { token: session.accessToken });
    assert.equal(users.body.data.length, 1);

    // Restart with other bootstrap settings: nothing happens, the password is not shown again.
    server.extraEnv = {
      Auth__Jwt__Secret: JWT_SECRET,
      Auth__BootstrapSuperAdmin__Username: 'intruder',
      Auth__BootstrapSuperAdmin__Password: 'intruder-password',
    };
    await server.restart();
    assert.equal(bootstrapLines(server).length, 0);
    assert.ok(!server.stderrText.includes(line.password));
    expectCode(await server.request('POST', '/api/v1/auth/login', {
      json: { username: 'intruder', password: 'intruder-password' },
    }), 401, 'auth_invalid_credentials');
    const again = await login(server, 'ADMIN', line.password);
    const after = await server.request('GET', '/api/v1/users', { token: again.accessToken });
    assert.deepEqual(after.body.data.map((u) => u.username), ['admin']);
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('configured credentials: the name keeps its case, the password is never logged', async () => {
  const password = 'Correct horse battery staple';
  const server = await startServer({
    env: {
      Auth__Jwt__Secret: JWT_SECRET,
      Auth__BootstrapSuperAdmin__Username: '  Neko.Boss  ',
      Auth__BootstrapSuperAdmin__Password: password,
    },
  });
  try {
    const [line] = bootstrapLines(server);
    assert.ok(line, 'the creation is logged');
    assert.equal(line.password, undefined);
    assert.match(line.message, /Neko\.Boss/);
    assert.ok(!server.stderrText.includes(password));
    const session = await login(server, 'neko.boss', password);
    assert.equal(session.user.username, 'Neko.Boss');
    assert.equal(session.user.role, 'superAdmin');
    assert.equal(session.user.isActive, true);
    assert.deepEqual(session.user.permissions, CATALOGUE);
    // The bootstrap is in the audit log, as the system's doing.
    const audit = await server.request('GET', '/api/v1/audit-log?target=Neko.Boss', { token: session.accessToken });
    const created = audit.body.data.items.find((entry) => entry.action === 'user.bootstrap');
    assert.ok(created, audit.text);
    assert.equal(created.actorType, 'system');
    assert.ok(!audit.text.includes(password));
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('each setting has its own default; a generated password obeys the policy too', async () => {
  const server = await startServer({
    env: { Auth__Jwt__Secret: JWT_SECRET, Auth__BootstrapSuperAdmin__Username: 'Captain', Auth__Password__MinLength: '40' },
  });
  try {
    const [line] = bootstrapLines(server);
    assert.equal(line.username, 'Captain', 'the configured name is used');
    assert.ok(line.password.length >= 40, `generated ${line.password.length} characters, the minimum is 40`);
    const session = await login(server, 'captain', line.password);
    assert.equal(session.user.username, 'Captain');
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('a bootstrap password that breaks the policy refuses start-up, naming the setting', async () => {
  const cases = [
    [{ Auth__BootstrapSuperAdmin__Password: 'short' }, /at least 8/],
    [{ Auth__BootstrapSuperAdmin__Password: 'twelve-chars', Auth__Password__MinLength: '20' }, /at least 20/],
    [{ Auth__BootstrapSuperAdmin__Password: 'x'.repeat(1025) }, /1024/],
  ];
  for (const [extra, reason] of cases) {
    const dataDir = mkdtempSync(join(tmpdir(), 'nekohub-test-'));
    try {
      const result = await runCommand(['serve', '--port', '0', '--listen', '127.0.0.1', '--data-dir', dataDir], {
        env: { ...databaseEnv(), Auth__Jwt__Secret: JWT_SECRET, Auth__BootstrapSuperAdmin__Username: 'boss', ...extra },
      });
      assert.notEqual(result.code, 0, `must refuse: ${JSON.stringify(extra).slice(0, 80)}`);
      const message = result.stderr.trim().split('\n').filter((l) => !l.startsWith('{')).join('\n');
      assert.match(message, /Auth__BootstrapSuperAdmin__Password/, result.stderr);
      assert.match(message, reason);
      assert.ok(!result.stderr.includes('"event":"listening"'));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
});

test('only one SuperAdmin: the API never makes one and the schema refuses a second', async () => {
  const server = await startServer({
    env: {
      Auth__Jwt__Secret: JWT_SECRET,
      Auth__BootstrapSuperAdmin__Username: 'boss',
      Auth__BootstrapSuperAdmin__Password: 'boss-password',
      Auth__ApiKey__Enabled: 'true',
      Auth__ApiKey__Keys__0: 'machine-key-for-bootstrap',
    },
  });
  try {
    const key = 'machine-key-for-bootstrap';
    expectCode(await server.request('POST', '/api/v1/users', {
      token: key, json: { username: 'second', password: 'second-password', role: 'superAdmin' },
    }), 403, 'user_super_admin_create_forbidden');
    const admin = await server.request('POST', '/api/v1/users', {
      token: key, json: { username: 'second', password: 'second-password', role: 'admin' },
    });
    expectCode(await server.request('PATCH', `/api/v1/users/${admin.body.data.id}`, {
      token: key, json: { role: 'superAdmin' },
    }), 403, 'user_super_admin_promote_forbidden');
    await server.stop();
    assert.throws(() => runSql(server, `UPDATE users SET role = 'SuperAdmin' WHERE id = '${admin.body.data.id}'`),
      /unique|UNIQUE|duplicate/);
    assert.equal(runSql(server, "SELECT COUNT(*) FROM users WHERE role = 'SuperAdmin'").trim(), '1');
  } finally {
    await server.stop();
    server.cleanup();
  }
});

// An account moved over from the original NekoHub keeps its ASP.NET Core Identity v3 hash
// (PBKDF2-HMAC-SHA512, 100 000 iterations): it signs in, and the hash becomes Argon2id.
test('a password hash from the original NekoHub signs in and is upgraded to Argon2id', async () => {
  const server = await startServer({ env: { Auth__Jwt__Secret: JWT_SECRET, Auth__BootstrapSuperAdmin__Username: 'root', Auth__BootstrapSuperAdmin__Password: 'root-password-1' } });
  try {
    const legacy = 'AQAAAAIAAYagAAAAEAABAgMEBQYHCAkKCwwNDg+HNphercic/uMU10oVOJcFooxzoeSLoVHx/CnyVEI1LA==';
    const now = Date.now();
    runSql(server, `INSERT INTO users (id, username, normalized_username, password_hash, role, is_active, created_at, updated_at) VALUES ('0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e5f6', 'migrated', 'MIGRATED', '${legacy}', 'User', 1, ${now}, ${now})`);
    const wrong = await server.request('POST', '/api/v1/auth/login', { json: { username: 'migrated', password: 'not it at all' } });
    expectCode(wrong, 401, 'auth_invalid_credentials');
    assert.equal(runSql(server, "SELECT password_hash FROM users WHERE username = 'migrated'").trim(), legacy);
    const session = await login(server, 'migrated', 'correct horse battery staple');
    assert.equal(session.user.username, 'migrated');
    assert.match(runSql(server, "SELECT password_hash FROM users WHERE username = 'migrated'").trim(), /^\$argon2id\$/);
    await login(server, 'migrated', 'correct horse battery staple');
  } finally {
    await server.stop();
    server.cleanup();
  }
});
