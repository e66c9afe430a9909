// accounts-write-failures.test.js - writes that must not be lost: a failed sign-in that cannot
// be recorded is a 503 (otherwise throttling fails open: the guess is never counted), and a
// refresh-token reuse whose session revocation cannot be committed is a 503, not a 401 that
// claims a revocation that never happened. The database is made to refuse with triggers the
// test installs and removes itself (a read-only or full volume is the real-world cause).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, databaseKind } from './lib/server.js';
import {
  accountsEnv, login, createUser, expectCode, runSql, sha256Hex, ROOT,
} from './lib/accounts.js';

let server;
let root;

before(async () => {
  server = await startServer({ env: accountsEnv({ Auth__Login__MaxFailuresPerUser: '3' }) });
  root = await login(server, ROOT.username, ROOT.password);
});

after(async () => {
  await server.stop();
  server.cleanup();
});

const signIn = (username, password) => server.request('POST', '/api/v1/auth/login', {
  json: { username, password },
});
const refresh = (refreshToken) => server.request('POST', '/api/v1/auth/refresh', {
  json: { refreshToken },
});
const loggedEvents = (name) => server.logs.filter((line) => line.event === name);

// A trigger that makes every INSERT into `table` fail.
function refuseInserts(table) {
  if (databaseKind === 'postgres') {
    runSql(server, 'CREATE FUNCTION nh_test_refuse() RETURNS trigger LANGUAGE plpgsql AS '
      + "$$ BEGIN RAISE EXCEPTION 'no room left'; END $$; "
      + `CREATE TRIGGER nh_test_refuse BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION nh_test_refuse();`);
  } else {
    runSql(server, `CREATE TRIGGER nh_test_refuse BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'no room left'); END;`);
  }
  return () => runSql(server, databaseKind === 'postgres'
    ? `DROP TRIGGER nh_test_refuse ON ${table}; DROP FUNCTION nh_test_refuse();`
    : 'DROP TRIGGER nh_test_refuse;');
}

// Every UPDATE of `table` succeeds, but the transaction's COMMIT fails (a deferred foreign key
// is violated), like a commit that cannot reach the disk.
function breakCommitsAfterUpdateOf(table) {
  runSql(server, 'CREATE TABLE nh_test_breaker (user_id TEXT REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED)');
  if (databaseKind === 'postgres') {
    runSql(server, 'CREATE FUNCTION nh_test_break() RETURNS trigger LANGUAGE plpgsql AS '
      + "$$ BEGIN INSERT INTO nh_test_breaker VALUES ('no-such-user'); RETURN NULL; END $$; "
      + `CREATE TRIGGER nh_test_break AFTER UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION nh_test_break();`);
  } else {
    runSql(server, `CREATE TRIGGER nh_test_break AFTER UPDATE ON ${table} BEGIN INSERT INTO nh_test_breaker VALUES ('no-such-user'); END;`);
  }
  return () => runSql(server, databaseKind === 'postgres'
    ? `DROP TRIGGER nh_test_break ON ${table}; DROP FUNCTION nh_test_break(); DROP TABLE nh_test_breaker;`
    : 'DROP TRIGGER nh_test_break; DROP TABLE nh_test_breaker;');
}

test('a failed sign-in that cannot be recorded is a 503, so throttling never fails open', async () => {
  const user = await createUser(server, root.accessToken, { password: 'password-123' });
  const restore = refuseInserts('login_failures');
  try {
    // More wrong guesses than the limit: none is answered as a mere wrong password.
    for (let attempt = 0; attempt < 5; attempt++) {
      const guess = await signIn(user.username, `wrong-guess-${attempt}`);
      expectCode(guess, 503, 'service_unavailable');
      assert.match(guess.headers.get('retry-after') || '', /^[1-9][0-9]*$/);
    }
    expectCode(await signIn('nobody-here', 'wrong-guess'), 503, 'service_unavailable');
    // Success writes no failure: it still works.
    assert.equal((await signIn(user.username, 'password-123')).status, 200);
  } finally {
    restore();
  }
  assert.ok(loggedEvents('sessions_write_failed').length >= 6, 'every lost record is logged');
  expectCode(await signIn(user.username, 'wrong-guess'), 401, 'auth_invalid_credentials');
});

test('a refresh-token reuse whose revocation cannot be committed is a 503, then is caught later', async () => {
  const user = await createUser(server, root.accessToken, { password: 'password-123' });
  const first = await login(server, user.username, 'password-123');
  const rotated = await refresh(first.refreshToken);
  assert.equal(rotated.status, 200, rotated.text);
  const second = rotated.body.data;
  // Rotated long ago, so presenting it again is reuse rather than a lost race.
  runSql(server, `UPDATE refresh_tokens SET revoked_at = revoked_at - 60000 WHERE token_hash = '${sha256Hex(first.refreshToken)}'`);

  const logged = loggedEvents('sessions_write_failed').length;
  const restore = breakCommitsAfterUpdateOf('sessions');
  let lost;
  try {
    lost = await refresh(first.refreshToken);
  } finally {
    restore();
  }
  expectCode(lost, 503, 'service_unavailable');
  assert.ok(lost.headers.get('retry-after'));
  assert.equal(loggedEvents('sessions_write_failed').length, logged + 1);

  // Nothing was revoked, so the reuse is still detected once the database writes again.
  expectCode(await refresh(first.refreshToken), 401, 'auth_refresh_token_reused');
  expectCode(await refresh(second.refreshToken), 401, 'auth_refresh_token_invalid');
});
