// accounts-throttle.test.js - sign-in throttling with small limits: per username, per client
// address, the same answer for unknown users, Retry-After, and a success resetting the
// username's counter. Each scenario signs in from its own loopback address (127.0.0.x) so the
// per-client counter of one does not leak into another.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { accountsEnv, login, createUser, requestFrom, expectCode, auditEntries, ROOT } from './lib/accounts.js';

const PER_USER = 3;
const PER_CLIENT = 8;
const WINDOW_MINUTES = 2;
let server;
let root;

before(async () => {
  server = await startServer({
    env: accountsEnv({
      Auth__Login__MaxFailuresPerUser: String(PER_USER),
      Auth__Login__MaxFailuresPerClient: String(PER_CLIENT),
      Auth__Login__WindowMinutes: String(WINDOW_MINUTES),
    }),
  });
  root = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

after(async () => {
  await server.stop();
  server.cleanup();
});

const signIn = (address, username, password) => requestFrom(server, address, 'POST', '/api/v1/auth/login', {
  json: { username, password },
});

function expectThrottled(response) {
  const error = expectCode(response, 429, 'auth_too_many_attempts');
  const retryAfter = response.headers.get('retry-after');
  assert.match(retryAfter || '', /^[1-9][0-9]*$/, `Retry-After must be a positive integer, got ${retryAfter}`);
  assert.ok(Number(retryAfter) <= WINDOW_MINUTES * 60, `Retry-After ${retryAfter} within the window`);
  return { error, retryAfter: Number(retryAfter) };
}

test('after the per-username limit every attempt is refused, even with the right password', async () => {
  const user = await createUser(server, root);
  for (let i = 0; i < PER_USER; i++) {
    expectCode(await signIn('127.0.0.2', user.username, `wrong-${i}`), 401, 'auth_invalid_credentials');
  }
  const { error } = expectThrottled(await signIn('127.0.0.2', user.username, user.password));
  assert.match(error.message, /Too many/);
  // The username is what counts: another address, other case, same answer.
  expectThrottled(await signIn('127.0.0.3', `  ${user.username.toUpperCase()} `, user.password));
  // Other users from the same address are not affected.
  const other = await createUser(server, root);
  const ok = await signIn('127.0.0.2', other.username, other.password);
  assert.equal(ok.status, 200, ok.text);
});

test('parallel attempts cannot get more guesses than the limit', async () => {
  const user = await createUser(server, root);
  const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn('127.0.0.8', user.username, `guess-${i}`)));
  const judged = burst.filter((response) => response.status === 401);
  const refused = burst.filter((response) => response.status === 429);
  assert.equal(judged.length + refused.length, burst.length, burst.map((r) => r.status).join(','));
  assert.equal(judged.length, PER_USER, `${judged.length} guesses were judged, the limit is ${PER_USER}`);
  for (const response of refused) expectThrottled(response);
});

test('parallel sign-ins with the right password all succeed', async () => {
  const user = await createUser(server, root);
  const burst = await Promise.all(Array.from({ length: PER_USER * 3 },
    () => signIn('127.0.0.9', user.username, user.password)));
  assert.deepEqual(burst.map((response) => response.status), burst.map(() => 200));
});

test('unknown usernames are throttled alike: the answer does not tell whether a user exists', async () => {
  const user = await createUser(server, root);
  const ghost = `ghost-${process.pid}`;
  const answers = {};
  for (const name of [user.username, ghost]) {
    for (let i = 0; i < PER_USER; i++) {
      expectCode(await signIn('127.0.0.4', name, `wrong-${i}`), 401, 'auth_invalid_credentials');
    }
    answers[name] = expectThrottled(await signIn('127.0.0.4', name, 'wrong-again'));
  }
  const known = answers[user.username];
  const unknown = answers[ghost];
  assert.equal(unknown.error.code, known.error.code);
  assert.equal(unknown.error.message.replace(/\d+/g, 'N'), known.error.message.replace(/\d+/g, 'N'));
  assert.ok(Math.abs(unknown.retryAfter - known.retryAfter) <= 5);
});

test('a successful sign-in clears the username\'s failures', async () => {
  const user = await createUser(server, root);
  for (let i = 0; i < PER_USER - 1; i++) {
    expectCode(await signIn('127.0.0.5', user.username, `wrong-${i}`), 401, 'auth_invalid_credentials');
  }
  assert.equal((await signIn('127.0.0.5', user.username, user.password)).status, 200);
  // Counting starts again: PER_USER - 1 more failures are still answered 401.
  for (let i = 0; i < PER_USER - 1; i++) {
    expectCode(await signIn('127.0.0.5', user.username, `wrong-again-${i}`), 401, 'auth_invalid_credentials');
  }
  assert.equal((await signIn('127.0.0.5', user.username, user.password)).status, 200);
  // Without a success in between, the limit applies.
  for (let i = 0; i < PER_USER; i++) {
    expectCode(await signIn('127.0.0.5', user.username, `wrong-third-${i}`), 401, 'auth_invalid_credentials');
  }
  expectThrottled(await signIn('127.0.0.5', user.username, user.password));
});

test('after the per-client limit that address is refused for every username', async () => {
  const user = await createUser(server, root);
  for (let i = 0; i < PER_CLIENT; i++) {
    // A different (unknown) username each time: no single username reaches its limit.
    expectCode(await signIn('127.0.0.6', `nobody-${i}-${process.pid}`, 'wrong-password'), 401, 'auth_invalid_credentials');
  }
  expectThrottled(await signIn('127.0.0.6', user.username, user.password));
  expectThrottled(await signIn('127.0.0.6', `fresh-${process.pid}`, 'anything'));
  // A success elsewhere does not clear a client's failures.
  assert.equal((await signIn('127.0.0.7', user.username, user.password)).status, 200);
  expectThrottled(await signIn('127.0.0.6', user.username, user.password));
});

test('failed sign-ins are audited with the client address; refused ones never hold the password', async () => {
  const entries = await auditEntries(server, root, { action: 'auth.login_failed' });
  const fromSix = entries.filter((entry) => entry.clientAddress === '127.0.0.6');
  assert.equal(fromSix.length, PER_CLIENT, 'one entry per failure; throttled attempts are not failures');
  for (const entry of fromSix) {
    assert.equal(entry.actorType, 'anonymous');
    assert.match(entry.actorName, /^nobody-\d+-/);
    assert.equal(entry.targetId, null, 'no such user');
    assert.deepEqual(entry.changes, { reason: 'unknown_user' });
  }
  const text = JSON.stringify(entries);
  assert.ok(!text.includes('wrong-password') && !text.includes('wrong-again'), 'no password in the audit log');
});
