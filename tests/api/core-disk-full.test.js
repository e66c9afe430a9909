// core-disk-full.test.js - a full data volume is a temporary condition, not a 500: where the
// database cannot write, the server answers 503 service_unavailable_disk_full with Retry-After,
// logs it once (not per request), does not crash (SQLite's -wal and -shm live on the same full
// volume), and works again as soon as space returns (issue 9, item 3).
//
// The data directory is a small tmpfs the test mounts itself; where mounting is not permitted
// (not root, EPERM in a container) the tests are skipped with a message. With PostgreSQL the
// database does not live in the data directory, so there is nothing to fill: skipped too (the
// SQLSTATE 53100/53000 mapping is covered by tests/unit/test_db.c).
import { test } from 'node:test';
import { rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import { startServer, expectError, databaseKind } from './lib/server.js';
import { accountsEnv, login, uniqueName, ROOT } from './lib/accounts.js';
import { withTmpfs, fill } from './lib/tmpfs.js';

const TMPFS_SIZE = '16m';

// Run use(server) on a server whose data directory is a small tmpfs; it must stop cleanly (exit 0,
// no sanitizer report). Skipped on PostgreSQL: its database does not live in the data directory.
async function onDataVolume(t, use) {
  if (databaseKind !== 'sqlite') {
    t.skip('skipped: the PostgreSQL database is not in the data directory');
    return;
  }
  await withTmpfs(t, TMPFS_SIZE, async (dir) => {
    const server = await startServer({ dataDir: dir, env: accountsEnv() });
    try {
      await use(server, dir);
      await server.stop();
    } finally {
      await server.stop('SIGKILL', { allowFailure: true });
    }
  });
}

function createUserRequest(server, token) {
  return server.request('POST', '/api/v1/users', {
    json: { username: uniqueName('full'), password: 'password-123', role: 'user' }, token,
  });
}

function expectDiskFull(response) {
  expectError(assert, response, 503, 'service_unavailable_disk_full');
  const retryAfter = response.headers.get('retry-after');
  assert.match(retryAfter || '', /^[1-9][0-9]*$/, 'Retry-After in whole seconds');
}

test('a full data volume: user creation answers 503 disk full, logged once, and recovers', (t) =>
  onDataVolume(t, async (server, dir) => {
    const session = await login(server, ROOT.username, ROOT.password);
    const filler = fill(dir);

    for (let attempt = 0; attempt < 3; attempt++) {
      expectDiskFull(await createUserRequest(server, session.accessToken));
    }
    // Reads still answer, and the server is alive.
    const list = await server.request('GET', '/api/v1/users', { token: session.accessToken });
    assert.equal(list.status, 200, list.text);
    const lines = server.logs.filter((line) => line.event === 'db_disk_full');
    assert.equal(lines.length, 1, 'logged once, not per request');
    assert.equal(server.logs.filter((line) => line.level === 'error' && line.event === 'db_error'
      && /full/i.test(line.message)).length, 0, 'no per-request error lines');

    rmSync(filler);
    const created = await createUserRequest(server, session.accessToken);
    assert.equal(created.status, 201, `after space returns: ${created.text}`);
  }));

// Sign-in must not fail open: a wrong password that cannot be recorded (the throttle counts
// recorded failures) answers 503 too: recording a failed sign-in hands the database error on
// instead of ignoring it (issue 14, defect 3).
test('a full data volume: a failed sign-in that cannot be recorded answers 503, and recovers', (t) =>
  onDataVolume(t, async (server, dir) => {
    await login(server, ROOT.username, ROOT.password);
    const filler = fill(dir);
    const refused = await server.request('POST', '/api/v1/auth/login', {
      json: { username: ROOT.username, password: 'wrong-password' },
    });
    expectDiskFull(refused);
    rmSync(filler);
    const wrong = await server.request('POST', '/api/v1/auth/login', {
      json: { username: ROOT.username, password: 'wrong-password' },
    });
    assert.equal(wrong.status, 401, wrong.text);
    await login(server, ROOT.username, ROOT.password);
  }));
