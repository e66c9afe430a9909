// http-headers.test.js - responses to requests that carry credentials are not cacheable
// (issue 9 item 5); JSON bodies with duplicate keys, or keys differing only in case, are
// refused (issue 9 item 7).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib/server.js';
import { accountsEnv, login, ROOT, MACHINE_KEY } from './lib/accounts.js';
import { uploadOk, fetchBytes, pathOf } from './lib/assets.js';
import { testImages } from './lib/images.js';

let server;
let token;

before(async () => {
  server = await startServer({ env: accountsEnv({}, { machineKeys: true }) });
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

after(async () => {
  await server.stop();
  server.cleanup();
});

function varies(response, name) {
  return (response.headers.get('vary') || '').split(',').map((v) => v.trim().toLowerCase())
    .includes(name.toLowerCase());
}

test('authenticated responses carry Cache-Control: no-store and Vary: Authorization', async () => {
  for (const path of ['/api/v1/auth/me', '/api/v1/users', '/api/v1/audit-log', '/api/v1/assets']) {
    const response = await server.request('GET', path, { token });
    assert.equal(response.status, 200, `${path}: ${response.text}`);
    assert.equal(response.headers.get('cache-control'), 'no-store', path);
    assert.ok(varies(response, 'Authorization'), `${path} varies by Authorization`);
  }
  const refused = await server.request('GET', '/api/v1/users');
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('cache-control'), 'no-store', 'refusals of protected routes too');
});

test('any response to a request with credentials is no-store; anonymous ones are untouched', async () => {
  const withToken = await server.request('GET', '/api/v1/system/ping', { token });
  assert.equal(withToken.headers.get('cache-control'), 'no-store');
  const withCookie = await server.request('GET', '/api/v1/system/ping',
    { headers: { Cookie: 'nekohub_refresh=abc' } });
  assert.equal(withCookie.headers.get('cache-control'), 'no-store');
  const anonymous = await server.request('GET', '/api/v1/system/ping');
  assert.equal(anonymous.headers.get('cache-control'), null);
});

test('public content keeps its own long-lived caching even with credentials', async () => {
  const images = testImages();
  const asset = await uploadOk(server, MACHINE_KEY, {
    file: { data: images.png, filename: 'cache.png', contentType: 'image/png' },
  });
  const anonymous = await fetchBytes(server, pathOf(asset.publicUrl));
  const credentialed = await fetchBytes(server, pathOf(asset.publicUrl), { token });
  assert.equal(anonymous.status, 200);
  assert.equal(credentialed.status, 200);
  assert.match(anonymous.headers.get('cache-control'), /max-age/);
  assert.equal(credentialed.headers.get('cache-control'), anonymous.headers.get('cache-control'));
});

test('a JSON body with the same key twice is refused naming the key', async () => {
  const response = await server.request('POST', '/api/v1/auth/login', {
    body: `{"username": "${ROOT.username}", "password": "x", "password": "${ROOT.password}"}`,
    headers: { 'Content-Type': 'application/json' },
  });
  const error = expectError(assert, response, 400, 'request_invalid');
  assert.match(error.message, /password/);
});

test('keys that differ only in case are refused, nested ones too', async () => {
  const response = await server.request('POST', '/api/v1/auth/login', {
    body: `{"username": "${ROOT.username}", "Password": "x", "password": "${ROOT.password}"}`,
    headers: { 'Content-Type': 'application/json' },
  });
  const error = expectError(assert, response, 400, 'request_invalid');
  assert.match(error.message, /password/i);
  const nested = await server.request('POST', '/api/v1/users', {
    token,
    body: '{"username": "nested-case", "password": "password-123", "role": "user", "extra": {"a": 1, "A": 2}}',
    headers: { 'Content-Type': 'application/json' },
  });
  expectError(assert, nested, 400, 'request_invalid');
  const fine = await server.request('POST', '/api/v1/auth/login',
    { json: { username: ROOT.username, password: ROOT.password } });
  assert.equal(fine.status, 200);
});

// Every open connection holds Server__ConnectionMemoryBytes (idle keep-alive ones too), which
// also bounds the request head: the default admits ordinary large headers (a signed-in request
// with 6 KB of cookies) and refuses a head beyond it with 431; raising the setting admits more.
test('the request head fits Server__ConnectionMemoryBytes: 6 KB of cookies pass, 12 KB get 431', async () => {
  const cookie = `c=${'a'.repeat(6000)}`;
  const fits = await server.request('GET', '/api/v1/auth/me', { token, headers: { Cookie: cookie } });
  assert.equal(fits.status, 200, fits.text);
  const tooLarge = await fetch(server.url('/api/v1/system/ping'), { headers: { Cookie: `c=${'a'.repeat(12000)}` } });
  assert.equal(tooLarge.status, 431);
  await tooLarge.arrayBuffer();

  const roomy = await startServer({ env: accountsEnv({ Server__ConnectionMemoryBytes: '65536' }) });
  try {
    const large = await fetch(roomy.url('/api/v1/system/ping'), { headers: { Cookie: `c=${'a'.repeat(12000)}` } });
    assert.equal(large.status, 200);
    await large.arrayBuffer();
  } finally {
    await roomy.stop();
    roomy.cleanup();
  }
});
