// accounts-sessions.test.js - sign-in, the access token, refresh rotation and reuse detection,
// concurrent refreshes, the absolute session lifetime, logout, change-password, cookie session
// mode and the purge of ended sessions, as a client sees them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, ISO_UTC } from './lib/server.js';
import {
  accountsEnv, login, createUser, requestFrom, decodeJwt, signJwt, auditEntries, runSql,
  expectCode, uniqueName, sleep, createKey, ROOT, CATALOGUE, JWT_SECRET,
} from './lib/accounts.js';

const ISSUER = 'nh-test-issuer';
const AUDIENCE = 'nh-test-audience';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server;
let root; // the SuperAdmin's session
// A session rotated at the start, presented again at the end (after the 10 s race grace).
let reuse;

before(async () => {
  server = await startServer({
    env: accountsEnv({
      Auth__Jwt__Issuer: ISSUER,
      Auth__Jwt__Audience: AUDIENCE,
      Auth__Jwt__AccessTokenMinutes: '5',
      Auth__Jwt__RefreshTokenDays: '7',
    }),
  });
  root = await login(server, ROOT.username, ROOT.password);
  const user = await createUser(server, root.accessToken);
  const first = await login(server, user.username, user.password);
  const other = await login(server, user.username, user.password);
  const rotated = await server.request('POST', '/api/v1/auth/refresh', { json: { refreshToken: first.refreshToken } });
  assert.equal(rotated.status, 200, rotated.text);
  reuse = { user, first, other, second: rotated.body.data, rotatedAt: Date.now() };
});

after(async () => {
  await server.stop();
  server.cleanup();
});

const me = (token) => server.request('GET', '/api/v1/auth/me', { token });
const refresh = (refreshToken, options = {}) => server.request('POST', '/api/v1/auth/refresh', {
  json: { refreshToken }, ...options,
});

function assertSessionShape(data) {
  assert.deepEqual(Object.keys(data).sort(),
    ['accessToken', 'accessTokenExpiresAtUtc', 'refreshToken', 'refreshTokenExpiresAtUtc', 'user']);
  assert.match(data.accessTokenExpiresAtUtc, ISO_UTC);
  assert.match(data.refreshTokenExpiresAtUtc, ISO_UTC);
  assert.deepEqual(Object.keys(data.user).sort(),
    ['createdAtUtc', 'id', 'isActive', 'lastLoginAtUtc', 'permissions', 'role', 'updatedAtUtc', 'username']);
}

test('sign-in returns the session and a signed HS256 token with the standard claims', async () => {
  const before = Date.now();
  const response = await server.request('POST', '/api/v1/auth/login', {
    json: { username: `  ${ROOT.username.toUpperCase()} `, password: ROOT.password },
  });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const data = response.body.data;
  assertSessionShape(data);
  assert.equal(data.user.username, 'Root', 'the bootstrap name keeps its case');
  assert.equal(data.user.role, 'superAdmin');
  assert.equal(data.user.isActive, true);
  assert.deepEqual(data.user.permissions, CATALOGUE);
  assert.equal(data.user.lastLoginAtUtc, data.user.updatedAtUtc);
  assert.ok(Math.abs(Date.parse(data.user.lastLoginAtUtc) - Date.now()) < 60000);
  assert.match(data.refreshToken, /^[A-Za-z0-9+/]{86}==$/);

  const accessExpiry = Date.parse(data.accessTokenExpiresAtUtc);
  assert.ok(Math.abs(accessExpiry - (before + 5 * 60000)) < 30000, 'AccessTokenMinutes=5');
  const refreshExpiry = Date.parse(data.refreshTokenExpiresAtUtc);
  assert.ok(Math.abs(refreshExpiry - (before + 7 * 86400000)) < 30000, 'RefreshTokenDays=7');

  const { header, payload } = decodeJwt(data.accessToken);
  assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
  assert.equal(payload.iss, ISSUER);
  assert.equal(payload.aud, AUDIENCE);
  assert.equal(payload.sub, data.user.id);
  assert.match(payload.jti, UUID);
  for (const claim of ['iat', 'nbf', 'exp']) assert.equal(Number.isInteger(payload[claim]), true, claim);
  assert.ok(Math.abs(payload.iat * 1000 - before) < 30000);
  assert.ok(payload.nbf <= payload.iat);
  assert.equal(payload.exp - payload.iat, 300);
  assert.ok(Math.abs(payload.exp * 1000 - accessExpiry) < 1000);
  const [h, p, signature] = data.accessToken.split('.');
  assert.equal(createHmac('sha256', JWT_SECRET).update(`${h}.${p}`).digest('base64url'), signature);

  const current = await me(data.accessToken);
  assert.equal(current.status, 200);
  assert.deepEqual(current.body.data, data.user);
  const second = await login(server, ROOT.username, ROOT.password);
  assert.notEqual(decodeJwt(second.accessToken).payload.jti, payload.jti, 'a fresh jti per token');
  assert.notEqual(second.refreshToken, data.refreshToken);
});

test('sign-in refuses bad input, wrong passwords, unknown and disabled users', async () => {
  expectCode(await server.request('POST', '/api/v1/auth/login'), 400, 'request_invalid');
  expectCode(await server.request('POST', '/api/v1/auth/login', { json: {} }), 400, 'request_invalid');
  expectCode(await server.request('POST', '/api/v1/auth/login', { json: { username: '  ', password: 'x' } }),
    400, 'request_invalid');
  expectCode(await server.request('POST', '/api/v1/auth/login', { json: { username: 'root' } }),
    400, 'request_invalid');
  const wrong = expectCode(await server.request('POST', '/api/v1/auth/login', {
    json: { username: ROOT.username, password: 'not-the-password' },
  }), 401, 'auth_invalid_credentials');
  assert.equal(wrong.message, 'Invalid username or password.');
  const unknown = expectCode(await server.request('POST', '/api/v1/auth/login', {
    json: { username: 'nobody-at-all', password: 'not-the-password' },
  }), 401, 'auth_invalid_credentials');
  assert.equal(unknown.message, wrong.message);
  assert.equal(unknown.traceId === wrong.traceId, false);

  const disabled = await createUser(server, root.accessToken, { isActive: false });
  assert.equal(disabled.isActive, false);
  expectCode(await server.request('POST', '/api/v1/auth/login', {
    json: { username: disabled.username, password: disabled.password },
  }), 401, 'auth_user_inactive');
  expectCode(await server.request('POST', '/api/v1/auth/login', {
    json: { username: disabled.username, password: 'wrong-password' },
  }), 401, 'auth_invalid_credentials', 'Invalid username or password.');
});

// Not a timing assertion: the server's own counter shows that a sign-in for an unknown user
// runs a password verification (a dummy one) exactly like a wrong password does.
test('unknown usernames cost the same work as wrong passwords', async () => {
  const user = await createUser(server, root.accessToken);
  const verifications = async () => {
    const text = await (await fetch(server.url('/metrics'))).text();
    return Number(text.match(/^nekohub_password_verifications_total (\d+)$/m)[1]);
  };
  const attempt = async (username) => {
    const response = await requestFrom(server, '127.0.0.9', 'POST', '/api/v1/auth/login', {
      json: { username, password: 'wrong-password-x' },
    });
    assert.equal(response.status, 401, response.text);
  };
  const before = await verifications();
  await attempt(user.username);
  const afterWrongPassword = await verifications();
  await attempt(`ghost-${process.pid}`);
  const afterUnknownUser = await verifications();
  assert.equal(afterWrongPassword - before, 1, 'a wrong password runs one verification');
  assert.equal(afterUnknownUser - afterWrongPassword, 1, 'an unknown user runs one too');
});

// Not a timing assertion: while sign-ins are still hashing, other requests must already have
// been answered. If hashing blocked other connections, they would only finish after the logins.
test('password hashing does not stall other requests', async () => {
  const user = await createUser(server, root.accessToken);
  let finishedLogins = 0;
  const logins = Promise.all(Array.from({ length: 12 }, () =>
    login(server, user.username, user.password).then((session) => { finishedLogins += 1; return session; })));
  await sleep(5);
  assert.equal((await me(root.accessToken)).status, 200);
  assert.equal((await server.request('GET', '/api/v1/system/ping')).status, 200);
  const loginsWhenAnswered = finishedLogins;
  await logins;
  assert.ok(loginsWhenAnswered < 12,
    'other requests were answered only after every sign-in had finished hashing');
});

test('the access token is verified: signature, algorithm, issuer, audience, lifetime, session', async () => {
  const user = await createUser(server, root.accessToken);
  const session = await login(server, user.username, user.password);
  const { payload } = decodeJwt(session.accessToken);
  const now = Math.floor(Date.now() / 1000);
  // The control: a token made here the same way is accepted, so each refusal below is about
  // the one thing changed.
  const control = await me(signJwt({ ...payload }));
  assert.equal(control.status, 200, control.text);

  const other = await createUser(server, root.accessToken);
  const refused = {
    'wrong issuer': signJwt({ ...payload, iss: 'someone-else' }),
    'wrong audience': signJwt({ ...payload, aud: 'NekoHub.Admin' }),
    expired: signJwt({ ...payload, iat: now - 4000, nbf: now - 4000, exp: now - 120 }),
    'not yet valid': signJwt({ ...payload, nbf: now + 600, exp: now + 900 }),
    'other secret': signJwt({ ...payload }, { secret: 'another-secret-that-is-long-enough-000000' }),
    'alg none': `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${
      Buffer.from(JSON.stringify(payload)).toString('base64url')}.`,
    'alg HS512': signJwt({ ...payload }, { header: { alg: 'HS512', typ: 'JWT' } }),
    tampered: `${session.accessToken.split('.')[0]}.${Buffer.from(JSON.stringify({ ...payload, role: 'SuperAdmin' }))
      .toString('base64url')}.${session.accessToken.split('.')[2]}`,
    'no session': signJwt(Object.fromEntries(Object.entries(payload).filter(([key]) => key !== 'sid'))),
    'session of another user': signJwt({ ...payload, sub: other.id }),
    garbage: 'a.b.c',
  };
  for (const [name, token] of Object.entries(refused)) {
    const response = await me(token);
    expectCode(response, 401, 'auth_unauthorized');
    assert.equal(response.headers.get('www-authenticate'), null, name);
  }
  const missing = await server.request('GET', '/api/v1/auth/me');
  expectCode(missing, 401, 'auth_unauthorized', 'Authentication is required.');
  assert.equal(missing.headers.get('www-authenticate'), null);
  expectCode(await server.request('GET', '/api/v1/auth/me', { headers: { Authorization: `Basic ${session.accessToken}` } }),
    401, 'auth_unauthorized');
  // The scheme name is case-insensitive.
  const lower = await server.request('GET', '/api/v1/auth/me', { headers: { Authorization: `bearer ${session.accessToken}` } });
  assert.equal(lower.status, 200);
});

test('refresh rotates both tokens inside a fixed session lifetime', async () => {
  const user = await createUser(server, root.accessToken);
  const first = await login(server, user.username, user.password);
  const second = await refresh(first.refreshToken);
  assert.equal(second.status, 200, second.text);
  assert.equal(second.headers.get('cache-control'), 'no-store');
  const data = second.body.data;
  assertSessionShape(data);
  assert.notEqual(data.refreshToken, first.refreshToken);
  assert.notEqual(data.accessToken, first.accessToken);
  assert.equal(data.user.id, user.id);
  assert.equal(data.user.lastLoginAtUtc, first.user.lastLoginAtUtc, 'refresh is not a sign-in');
  assert.equal(data.refreshTokenExpiresAtUtc, first.refreshTokenExpiresAtUtc,
    'rotation does not extend the session');
  assert.ok(Date.parse(data.accessTokenExpiresAtUtc) >= Date.parse(first.accessTokenExpiresAtUtc));
  assert.equal((await me(data.accessToken)).status, 200);
  await sleep(1100);
  const third = await refresh(data.refreshToken);
  assert.equal(third.status, 200, third.text);
  assert.equal(third.body.data.refreshTokenExpiresAtUtc, first.refreshTokenExpiresAtUtc);
  assert.ok(Date.parse(third.body.data.accessTokenExpiresAtUtc) > Date.parse(first.accessTokenExpiresAtUtc),
    'a new access token gets a new expiry');
  assert.equal(decodeJwt(third.body.data.accessToken).payload.sub, user.id);

  expectCode(await server.request('POST', '/api/v1/auth/refresh'), 400, 'request_invalid');
  expectCode(await server.request('POST', '/api/v1/auth/refresh', { json: {} }), 400, 'request_invalid');
  expectCode(await refresh('   '), 400, 'request_invalid');
  expectCode(await refresh(first.refreshToken.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))),
    401, 'auth_refresh_token_invalid');
  // Surrounding whitespace is ignored.
  const padded = await refresh(`  ${third.body.data.refreshToken}\n`);
  assert.equal(padded.status, 200, padded.text);
});

test('concurrent refreshes with one token: exactly one wins and the session lives on', async () => {
  const user = await createUser(server, root.accessToken);
  const session = await login(server, user.username, user.password);
  const results = await Promise.all(Array.from({ length: 5 }, () => refresh(session.refreshToken)));
  const winners = results.filter((response) => response.status === 200);
  assert.equal(winners.length, 1, results.map((response) => response.text).join('\n'));
  for (const loser of results.filter((response) => response.status !== 200)) {
    expectCode(loser, 401, 'auth_refresh_token_invalid');
  }
  const winner = winners[0].body.data;
  assert.equal((await me(winner.accessToken)).status, 200, 'the winner\'s access token works');
  // The rotated token presented again moments later is the same lost race, not reuse.
  expectCode(await refresh(session.refreshToken), 401, 'auth_refresh_token_invalid');
  const next = await refresh(winner.refreshToken);
  assert.equal(next.status, 200, `the winner's refresh token still works: ${next.text}`);
  assert.equal((await me(next.body.data.accessToken)).status, 200);
});

test('a session ends at its absolute lifetime, whatever the rotations', async () => {
  const user = await createUser(server, root.accessToken);
  const session = await login(server, user.username, user.password);
  const rotated = (await refresh(session.refreshToken)).body.data;
  // Jump the session to its end (its creation is 7 days in the past).
  runSql(server, `UPDATE sessions SET expires_at = ${Date.now() - 1000} WHERE user_id = '${user.id}'`);
  expectCode(await me(rotated.accessToken), 401, 'auth_unauthorized');
  expectCode(await refresh(rotated.refreshToken), 401, 'auth_refresh_token_expired');
  const again = await login(server, user.username, user.password);
  assert.equal((await me(again.accessToken)).status, 200, 'a new sign-in starts a new session');
});

test('logout ends the caller\'s session at once and never someone else\'s', async () => {
  const x = await createUser(server, root.accessToken);
  const y = await createUser(server, root.accessToken);
  const x1 = await login(server, x.username, x.password);
  const x2 = await login(server, x.username, x.password);
  const x3 = await login(server, x.username, x.password);
  const y1 = await login(server, y.username, y.password);

  // X presents Y's refresh token: X's own session ends, Y's does not.
  const foreign = await server.request('POST', '/api/v1/auth/logout', {
    json: { refreshToken: y1.refreshToken }, token: x1.accessToken,
  });
  assert.equal(foreign.status, 204, foreign.text);
  assert.equal(foreign.text, '');
  expectCode(await me(x1.accessToken), 401, 'auth_unauthorized');
  assert.equal((await me(y1.accessToken)).status, 200);
  const yRefreshed = await refresh(y1.refreshToken);
  assert.equal(yRefreshed.status, 200, `Y's refresh token must survive: ${yRefreshed.text}`);
  expectCode(await refresh(x1.refreshToken), 401, 'auth_refresh_token_invalid');

  // X's own refresh token: that session ends; X's third session is untouched.
  const own = await server.request('POST', '/api/v1/auth/logout', {
    json: { refreshToken: x2.refreshToken }, token: x2.accessToken,
  });
  assert.equal(own.status, 204);
  expectCode(await me(x2.accessToken), 401, 'auth_unauthorized');
  expectCode(await refresh(x2.refreshToken), 401, 'auth_refresh_token_invalid');
  assert.equal((await me(x3.accessToken)).status, 200);
  assert.equal((await refresh(x3.refreshToken)).status, 200);

  // Validation and authentication.
  expectCode(await server.request('POST', '/api/v1/auth/logout', { json: {}, token: yRefreshed.body.data.accessToken }),
    400, 'request_invalid');
  expectCode(await server.request('POST', '/api/v1/auth/logout', { json: { refreshToken: y1.refreshToken } }),
    401, 'auth_unauthorized');
  const key = await createKey(server, yRefreshed.body.data.accessToken, { permissions: ['assets.read'] });
  expectCode(await server.request('POST', '/api/v1/auth/logout', {
    json: { refreshToken: yRefreshed.body.data.refreshToken }, token: key.key,
  }), 401, 'auth_unauthorized');
  assert.equal((await me(yRefreshed.body.data.accessToken)).status, 200, 'a refused logout changes nothing');

  const entries = await auditEntries(server, root.accessToken, { action: 'auth.logout', actor: x.id });
  assert.equal(entries.length, 2);
  for (const entry of entries) {
    assert.equal(entry.actorType, 'user');
    assert.equal(entry.actorName, x.username);
    assert.equal(entry.targetId, x.id);
  }
});

test('change-password checks the current password and the policy, then ends every session', async () => {
  const user = await createUser(server, root.accessToken);
  const a = await login(server, user.username, user.password);
  const b = await login(server, user.username, user.password);
  const change = (json, token = a.accessToken) => server.request('POST', '/api/v1/auth/change-password', { json, token });

  expectCode(await server.request('POST', '/api/v1/auth/change-password', { token: a.accessToken }), 400, 'request_invalid');
  expectCode(await change({ newPassword: 'new-password-1' }), 400, 'request_invalid');
  expectCode(await change({ currentPassword: user.password }), 400, 'request_invalid');
  expectCode(await change({ currentPassword: 'not-my-password', newPassword: 'new-password-1' }),
    400, 'auth_current_password_invalid');
  expectCode(await change({ currentPassword: user.password, newPassword: 'short' }),
    400, 'user_password_too_weak', '8');
  expectCode(await change({ currentPassword: user.password, newPassword: `${'é'.repeat(512)}a` }),
    400, 'user_password_too_long');
  expectCode(await server.request('POST', '/api/v1/auth/change-password', {
    json: { currentPassword: user.password, newPassword: 'new-password-1' },
  }), 401, 'auth_unauthorized');
  assert.equal((await me(a.accessToken)).status, 200, 'refused changes revoke nothing');

  const longest = 'é'.repeat(512); // 1024 bytes: the longest password allowed
  const done = await change({ currentPassword: user.password, newPassword: longest });
  assert.equal(done.status, 204, done.text);
  assert.equal(done.text, '');
  expectCode(await me(a.accessToken), 401, 'auth_unauthorized');
  expectCode(await me(b.accessToken), 401, 'auth_unauthorized');
  const refused = await refresh(b.refreshToken);
  assert.equal(refused.status, 401);
  assert.match(refused.body.error.code, /^auth_refresh_token_/);
  expectCode(await server.request('POST', '/api/v1/auth/login', { json: { username: user.username, password: user.password } }),
    401, 'auth_invalid_credentials');
  const fresh = await login(server, user.username, longest);
  assert.equal((await me(fresh.accessToken)).status, 200);
});

test('cookie session mode keeps the refresh token out of reach of scripts', async () => {
  const user = await createUser(server, root.accessToken);
  const cookieHeaders = { 'X-NekoHub-Session': 'cookie' };
  const signedIn = await server.request('POST', '/api/v1/auth/login', {
    json: { username: user.username, password: user.password }, headers: cookieHeaders,
  });
  assert.equal(signedIn.status, 200, signedIn.text);
  assert.equal(signedIn.body.data.refreshToken, null);
  const parseCookie = (response) => {
    const header = response.headers.get('set-cookie');
    assert.ok(header, 'Set-Cookie expected');
    const [pair, ...attributes] = header.split(';').map((part) => part.trim());
    const [name, ...value] = pair.split('=');
    return { name, value: value.join('='), attributes: attributes.map((a) => a.toLowerCase()) };
  };
  const cookie = parseCookie(signedIn);
  assert.equal(cookie.name, 'nekohub_refresh');
  assert.match(cookie.value, /^[A-Za-z0-9+/]{86}==$/);
  assert.ok(cookie.attributes.includes('httponly'));
  assert.ok(cookie.attributes.includes('samesite=strict'));
  assert.ok(cookie.attributes.includes('path=/api/v1/auth'));
  assert.ok(!cookie.attributes.includes('secure'), 'plain HTTP: no Secure');
  const maxAge = Number(cookie.attributes.find((a) => a.startsWith('max-age=')).slice(8));
  assert.ok(Math.abs(maxAge - 7 * 86400) < 60, `Max-Age ${maxAge}`);
  assert.equal((await me(signedIn.body.data.accessToken)).status, 200);

  // Without the mode header the cookie is not read.
  expectCode(await server.request('POST', '/api/v1/auth/refresh', {
    headers: { Cookie: `nekohub_refresh=${cookie.value}` },
  }), 400, 'request_invalid');

  const withCookie = (value) => ({ ...cookieHeaders, Cookie: `theme=dark; nekohub_refresh=${value}; other=1` });
  const refreshed = await server.request('POST', '/api/v1/auth/refresh', { headers: withCookie(cookie.value) });
  assert.equal(refreshed.status, 200, refreshed.text);
  assert.equal(refreshed.body.data.refreshToken, null);
  const next = parseCookie(refreshed);
  assert.notEqual(next.value, cookie.value);
  assert.equal(refreshed.body.data.refreshTokenExpiresAtUtc, signedIn.body.data.refreshTokenExpiresAtUtc);

  // Two tabs refreshing at once: one wins; the loser must not clear the cookie the winner set
  // (a browser that applies the loser's reply last would otherwise be signed out).
  const race = await Promise.all([1, 2].map(() => server.request('POST', '/api/v1/auth/refresh', {
    headers: withCookie(next.value),
  })));
  const winner = race.find((response) => response.status === 200);
  const loser = race.find((response) => response.status !== 200);
  assert.ok(winner && loser, race.map((response) => response.status).join(','));
  expectCode(loser, 401, 'auth_refresh_token_invalid');
  assert.equal(loser.headers.get('set-cookie'), null, 'the race loser leaves the cookie alone');
  const current = parseCookie(winner);

  // Logout reads the cookie and clears it.
  const out = await server.request('POST', '/api/v1/auth/logout', {
    headers: withCookie(current.value), token: winner.body.data.accessToken,
  });
  assert.equal(out.status, 204, out.text);
  const cleared = parseCookie(out);
  assert.equal(cleared.name, 'nekohub_refresh');
  assert.equal(cleared.value, '');
  assert.ok(cleared.attributes.includes('max-age=0'));
  expectCode(await me(winner.body.data.accessToken), 401, 'auth_unauthorized');
  const dead = await server.request('POST', '/api/v1/auth/refresh', { headers: withCookie(current.value) });
  expectCode(dead, 401, 'auth_refresh_token_invalid');

  // Behind a TLS proxy the cookie is Secure.
  const secure = await server.request('POST', '/api/v1/auth/login', {
    json: { username: user.username, password: user.password },
    headers: { ...cookieHeaders, 'X-Forwarded-Proto': 'https' },
  });
  assert.ok(parseCookie(secure).attributes.includes('secure'));
});

test('reusing a rotated token later revokes its whole session and is audited', async () => {
  const wait = reuse.rotatedAt + 10500 - Date.now();
  if (wait > 0) await sleep(wait);
  const reused = await refresh(reuse.first.refreshToken);
  expectCode(reused, 401, 'auth_refresh_token_reused');
  // The family's newer token and its access token stop working too.
  expectCode(await me(reuse.second.accessToken), 401, 'auth_unauthorized');
  expectCode(await refresh(reuse.second.refreshToken), 401, 'auth_refresh_token_invalid');
  // Another session of the same user is a different family.
  assert.equal((await me(reuse.other.accessToken)).status, 200);
  assert.equal((await refresh(reuse.other.refreshToken)).status, 200);

  const entries = await auditEntries(server, root.accessToken, { action: 'auth.refresh_reuse_detected' });
  assert.equal(entries.length, 1, 'one detection, one entry');
  assert.equal(entries[0].targetType, 'user');
  assert.equal(entries[0].targetId, reuse.user.id);
  assert.equal(entries[0].targetName, reuse.user.username);
  assert.equal(entries[0].clientAddress, '127.0.0.1');
});

test('ended sessions are purged, live ones are kept', async () => {
  const user = await createUser(server, root.accessToken);
  const live = await login(server, user.username, user.password);
  const ended = await login(server, user.username, user.password);
  await server.request('POST', '/api/v1/auth/logout', { json: { refreshToken: ended.refreshToken }, token: ended.accessToken });
  const sessionOf = (token) => decodeJwt(token).payload.sid;
  // Pretend the logout happened two days ago; the purge runs at start-up.
  runSql(server, `UPDATE sessions SET revoked_at = ${Date.now() - 2 * 86400000} WHERE id = '${sessionOf(ended.accessToken)}'`);
  await server.restart();
  const count = (sql) => Number(runSql(server, sql).trim());
  // The purge runs on its own thread, next to the server accepting requests.
  for (let i = 0; i < 50 && count(`SELECT COUNT(*) FROM sessions WHERE id = '${sessionOf(ended.accessToken)}'`) > 0; i++) {
    await sleep(100);
  }
  assert.equal(count(`SELECT COUNT(*) FROM sessions WHERE id = '${sessionOf(ended.accessToken)}'`), 0);
  assert.equal(count(`SELECT COUNT(*) FROM refresh_tokens WHERE session_id = '${sessionOf(ended.accessToken)}'`), 0);
  assert.equal(count(`SELECT COUNT(*) FROM sessions WHERE id = '${sessionOf(live.accessToken)}'`), 1);
  assert.equal((await me(live.accessToken)).status, 200);
  expectCode(await refresh(ended.refreshToken), 401, 'auth_refresh_token_invalid');
});

test('cookie mode without a cookie: refresh says there is no session (401), not a bad request', async () => {
  const response = await server.request('POST', '/api/v1/auth/refresh', {
    json: {}, headers: { 'X-NekoHub-Session': 'cookie' },
  });
  expectCode(response, 401, 'auth_refresh_token_invalid');
  const withoutHeader = await server.request('POST', '/api/v1/auth/refresh', { json: {} });
  expectCode(withoutHeader, 400, 'request_invalid');
});

// Every string the server uses is a C string: a "\u0000" inside a JSON string used to cut it
// short silently, so "<password>\u0000anything" signed in as "<password>" and a username
// "<name>\u0000x" as "<name>". A request body holding such a string is refused instead.
test('a JSON string with an embedded NUL is refused, not silently cut short', async () => {
  const cut = await server.request('POST', '/api/v1/auth/login', {
    json: { username: ROOT.username, password: `${ROOT.password}\u0000anything` },
  });
  expectCode(cut, 400, 'request_invalid');
  const name = await server.request('POST', '/api/v1/auth/login', {
    json: { username: `${ROOT.username}\u0000x`, password: ROOT.password },
  });
  expectCode(name, 400, 'request_invalid');
  const create = await server.request('POST', '/api/v1/users', {
    token: root.accessToken, json: { username: `nul-${process.pid}\u0000x`, password: 'password-123', role: 'user' },
  });
  expectCode(create, 400, 'request_invalid');
});
