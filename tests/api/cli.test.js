// cli.test.js - the break-glass `nekohub user ...` commands: passwords from standard input
// only, the API's validation, audit entries, and the accounts they make work for sign-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NekoHub, runCommand, databaseEnv } from './lib/server.js';

test('user create, list and reset-password through the CLI', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nekohub-cli-'));
  const env = { ...databaseEnv(), Auth__BootstrapSuperAdmin__Username: 'root', Auth__BootstrapSuperAdmin__Password: 'root-password-1' };
  const args = ['--data-dir', dataDir];
  try {
    const created = await runCommand(['user', 'create', '--username', 'Carol', '--role', 'admin', ...args], { env, input: 'carol-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
    assert.ok(!created.stdout.includes('carol-password-1') && !created.stderr.includes('carol-password-1'));

    const duplicate = await runCommand(['user', 'create', '--username', 'CAROL', '--role', 'user', ...args], { env, input: 'another-password\n' });
    assert.notEqual(duplicate.code, 0);
    assert.match(duplicate.stderr, /user_username_conflict/);

    const weak = await runCommand(['user', 'create', '--username', 'dave', '--role', 'user', ...args], { env, input: 'short\n' });
    assert.notEqual(weak.code, 0);
    assert.match(weak.stderr, /user_password_too_weak/);

    const superAdmin = await runCommand(['user', 'create', '--username', 'eve', '--role', 'superAdmin', ...args], { env, input: 'eve-password-1\n' });
    assert.notEqual(superAdmin.code, 0);

    const noPassword = await runCommand(['user', 'create', '--username', 'frank', '--role', 'user', ...args], { env, input: '' });
    assert.notEqual(noPassword.code, 0);
    assert.match(noPassword.stderr, /password/);

    const listed = await runCommand(['user', 'list', ...args], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /carol\s+admin\s+yes/);
    assert.ok(!listed.stdout.includes('dave'));

    // The CLI-made admin exists, so serving does not bootstrap a SuperAdmin; carol can sign in.
    const server = new NekoHub({ dataDir, env });
    server.databaseEnv = env;
    await server.start();
    try {
      const login = await server.request('POST', '/api/v1/auth/login', { json: { username: 'carol', password: 'carol-password-1' } });
      assert.equal(login.status, 200, login.text);
      assert.equal(login.body.data.user.role, 'admin');
      const token = login.body.data.accessToken;

      await server.stop();
      const reset = await runCommand(['user', 'reset-password', '--username', 'carol', ...args], { env, input: 'carol-password-2\n' });
      assert.equal(reset.code, 0, reset.stderr);
      const unknown = await runCommand(['user', 'reset-password', '--username', 'nobody', ...args], { env, input: 'whatever-pass-1\n' });
      assert.notEqual(unknown.code, 0);
      assert.match(unknown.stderr, /user_not_found/);
      await server.start();

      const stale = await server.request('GET', '/api/v1/auth/me', { token });
      assert.equal(stale.status, 401, 'the reset must sign carol out');
      const old = await server.request('POST', '/api/v1/auth/login', { json: { username: 'carol', password: 'carol-password-1' } });
      assert.equal(old.status, 401);
      const fresh = await server.request('POST', '/api/v1/auth/login', { json: { username: 'carol', password: 'carol-password-2' } });
      assert.equal(fresh.status, 200);

      const audit = await server.request('GET', '/api/v1/audit-log?action=user.', { token: fresh.body.data.accessToken });
      assert.equal(audit.status, 200, audit.text);
      const actions = audit.body.data.items.map((item) => `${item.action}:${item.actorType}`);
      assert.ok(actions.includes('user.create:system'), actions.join(','));
      assert.ok(actions.includes('user.reset_password:system'), actions.join(','));
      assert.ok(!audit.text.includes('carol-password'));
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('user command usage errors', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nekohub-cli-'));
  try {
    const env = databaseEnv();
    const missing = await runCommand(['user', '--data-dir', dataDir], { env });
    assert.equal(missing.code, 2);
    const unknown = await runCommand(['user', 'explode', '--data-dir', dataDir], { env });
    assert.equal(unknown.code, 2);
    const noName = await runCommand(['user', 'reset-password', '--data-dir', dataDir], { env, input: 'password-123\n' });
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /--username/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
