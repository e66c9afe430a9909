// http-saturation.test.js - a saturated handler pool answers 503 server_busy with Retry-After
// at once instead of piling requests up, and recovers (issue 8). Saturated with one handler
// thread, a queue of one and concurrent sign-ins (Argon2 keeps each handler busy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib/server.js';
import { accountsEnv, login, ROOT } from './lib/accounts.js';

test('a full handler pool answers 503 server_busy with Retry-After, then recovers', async () => {
  const server = await startServer({
    env: accountsEnv({ Server__HandlerThreads: '1', Server__HandlerQueueLength: '1' }),
  });
  try {
    const attempts = await Promise.all(Array.from({ length: 16 }, () => server.request(
      'POST', '/api/v1/auth/login', { json: { username: ROOT.username, password: ROOT.password } })));
    const busy = attempts.filter((response) => response.status === 503);
    const signedIn = attempts.filter((response) => response.status === 200);
    assert.ok(busy.length > 0, `some sign-ins were refused (statuses: ${attempts.map((r) => r.status)})`);
    assert.ok(signedIn.length > 0, 'the admitted sign-ins succeeded');
    assert.equal(busy.length + signedIn.length, attempts.length);
    for (const response of busy) {
      expectError(assert, response, 503, 'server_busy');
      assert.ok(Number(response.headers.get('retry-after')) > 0, 'Retry-After');
    }
    // Once the burst is over the server answers again, and says how many it refused.
    const { accessToken } = await login(server, ROOT.username, ROOT.password);
    assert.equal((await server.request('GET', '/api/v1/auth/me', { token: accessToken })).status, 200);
    const metrics = await (await fetch(server.url('/metrics'))).text();
    const refused = Number(metrics.match(/^nekohub_handler_refused_total (\d+)$/m)[1]);
    assert.equal(refused, busy.length);
  } finally {
    await server.stop();
    server.cleanup();
  }
});

// The queue length counts requests that wait for a handler thread; a request that finds a
// thread idle waits for nothing. With no waiting room at all (0) the server still serves one
// request per idle thread instead of refusing every request that needs the pool.
test('an idle handler thread takes a request even when no request may wait', async () => {
  const server = await startServer({
    env: accountsEnv({ Server__HandlerThreads: '2', Server__HandlerQueueLength: '0' }),
  });
  try {
    const ready = await server.request('GET', '/readyz');
    assert.equal(ready.status, 200, ready.text);
    const { accessToken } = await login(server, ROOT.username, ROOT.password);
    assert.equal((await server.request('GET', '/api/v1/auth/me', { token: accessToken })).status, 200);
  } finally {
    await server.stop();
    server.cleanup();
  }
});
