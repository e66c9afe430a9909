// system.test.js - the foundation as a client sees it: system endpoints, envelopes for routing
// failures, request ids, CORS, body limits, metrics, graceful shutdown, restart, CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, runCommand, expectError, ISO_UTC, databaseKind } from './lib/server.js';

let server;

before(async () => {
  server = await startServer({ env: { Api__MaxJsonBodyBytes: '4096' } });
});

after(async () => {
  await server.stop();
  server.cleanup();
});

test('ping answers ok with the time in UTC', async () => {
  const response = await server.request('GET', '/api/v1/system/ping');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  assert.equal(response.body.data.status, 'ok');
  assert.match(response.body.data.timestampUtc, ISO_UTC);
  const skew = Math.abs(Date.parse(response.body.data.timestampUtc) - Date.now());
  assert.ok(skew < 60000, `server time off by ${skew} ms`);
  assert.ok(response.headers.get('x-request-id'));
});

test('bootstrap reports the upload facts from configuration', async () => {
  const response = await server.request('GET', '/api/v1/system/bootstrap');
  assert.equal(response.status, 200);
  assert.deepEqual(response.body.data, {
    apiKeyRequired: false,
    maxUploadSizeBytes: 10485760,
    allowedContentTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
  });
});

test('bootstrap follows configured values', async () => {
  const other = await startServer({
    env: {
      Api__Assets__MaxUploadSizeBytes: '2048',
      Api__Assets__AllowedContentTypes__0: ' IMAGE/PNG ',
      Api__Assets__AllowedContentTypes__1: '',
      Auth__ApiKey__Enabled: 'true',
      Auth__ApiKey__Keys__0: 'machine-key-1',
    },
  });
  try {
    const response = await other.request('GET', '/api/v1/system/bootstrap');
    assert.deepEqual(response.body.data, {
      apiKeyRequired: true,
      maxUploadSizeBytes: 2048,
      allowedContentTypes: ['image/png', 'image/webp', 'image/gif'],
    });
  } finally {
    await other.stop();
    other.cleanup();
  }
});

test('healthz and readyz', async () => {
  const health = await server.request('GET', '/healthz');
  assert.equal(health.status, 200);
  assert.equal(health.body.data.status, 'ok');
  const ready = await server.request('GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.data.status, 'ready');
});

test('unknown routes get a JSON 404 envelope', async () => {
  const response = await server.request('GET', '/api/v1/nothing-here');
  expectError(assert, response, 404, 'not_found');
  const content = await server.request('GET', '/api/v2/system/ping');
  expectError(assert, content, 404, 'not_found');
});

test('a known path with the wrong method is a 405 with Allow', async () => {
  const response = await server.request('POST', '/api/v1/system/ping', { json: {} });
  expectError(assert, response, 405, 'method_not_allowed');
  assert.equal(response.headers.get('allow'), 'GET, HEAD');
  const remove = await server.request('DELETE', '/healthz');
  expectError(assert, remove, 405, 'method_not_allowed');
});

test('HEAD on a GET route answers without a body', async () => {
  const response = await fetch(server.url('/api/v1/system/ping'), { method: 'HEAD' });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), '');
  assert.ok(Number(response.headers.get('content-length')) > 0);
});

test('trailing slash is accepted', async () => {
  const response = await server.request('GET', '/api/v1/system/ping/');
  assert.equal(response.status, 200);
});

test('a client request id is echoed, a bad one replaced, and errors carry it as traceId', async () => {
  const echoed = await server.request('GET', '/api/v1/nope', { headers: { 'X-Request-Id': 'client-abc.123' } });
  assert.equal(echoed.headers.get('x-request-id'), 'client-abc.123');
  assert.equal(echoed.body.error.traceId, 'client-abc.123');
  const replaced = await server.request('GET', '/api/v1/nope', { headers: { 'X-Request-Id': 'bad id <script>' } });
  assert.notEqual(replaced.headers.get('x-request-id'), 'bad id <script>');
  assert.equal(replaced.body.error.traceId, replaced.headers.get('x-request-id'));
  const first = await server.request('GET', '/api/v1/system/ping');
  const second = await server.request('GET', '/api/v1/system/ping');
  assert.notEqual(first.headers.get('x-request-id'), second.headers.get('x-request-id'));
});

test('CORS: preflight answered before authentication, origin allowed on responses', async () => {
  const preflight = await fetch(server.url('/api/v1/users'), {
    method: 'OPTIONS',
    headers: {
      Origin: 'https://example.test',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization, content-type',
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
  assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization, content-type');
  const simple = await fetch(server.url('/api/v1/system/ping'), { headers: { Origin: 'https://example.test' } });
  assert.equal(simple.headers.get('access-control-allow-origin'), '*');
});

test('CORS follows configured origins', async () => {
  const other = await startServer({ env: { Cors__AllowedOrigins__0: 'https://console.example' } });
  try {
    const allowed = await fetch(other.url('/api/v1/system/ping'), { headers: { Origin: 'https://console.example' } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://console.example');
    const denied = await fetch(other.url('/api/v1/system/ping'), { headers: { Origin: 'https://evil.example' } });
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
  } finally {
    await other.stop();
    other.cleanup();
  }
});

test('malformed JSON is a 400 request_invalid', async () => {
  const response = await server.request('POST', '/api/v1/auth/login', {
    body: '{"username": "a", ', headers: { 'Content-Type': 'application/json' },
  });
  const error = expectError(assert, response, 400, 'request_invalid');
  assert.match(error.message, /JSON/);
});

test('a JSON route refuses another content type with a 400', async () => {
  const response = await server.request('POST', '/api/v1/auth/login', {
    body: 'username=a&password=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  expectError(assert, response, 400, 'request_unsupported_media_type');
});

test('a body over the limit is refused with 413 (declared length)', async () => {
  const big = JSON.stringify({ username: 'x'.repeat(5000), password: 'y' });
  const response = await server.request('POST', '/api/v1/auth/login', { body: big, headers: { 'Content-Type': 'application/json' } });
  expectError(assert, response, 413, 'request_body_too_large');
});

test('a chunked body over the limit is refused with 413 as it arrives', async () => {
  const chunks = [];
  for (let i = 0; i < 20; i++) chunks.push('x'.repeat(1000));
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"username":"'));
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.enqueue(new TextEncoder().encode('","password":"p"}'));
      controller.close();
    },
  });
  const response = await fetch(server.url('/api/v1/auth/login'), {
    method: 'POST', body: stream, duplex: 'half', headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(response.status, 413);
  const body = await response.json();
  assert.equal(body.error.code, 'request_body_too_large');
});

test('metrics are in Prometheus text format with route templates', async () => {
  for (let i = 0; i < 3; i++) await server.request('GET', '/api/v1/system/ping');
  await server.request('GET', '/api/v1/missing-for-metrics');
  const response = await fetch(server.url('/metrics'));
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const ping = text.match(/^nekohub_http_requests_total\{route="\/api\/v1\/system\/ping",method="GET",status="200"\} (\d+)$/m);
  assert.ok(ping, text);
  assert.ok(Number(ping[1]) >= 3);
  assert.match(text, /^nekohub_http_requests_total\{route="\(unmatched\)",method="GET",status="404"\} \d+$/m);
  assert.match(text, /^# TYPE nekohub_http_request_duration_seconds histogram$/m);
  assert.match(text, /^nekohub_http_request_duration_seconds_bucket\{route="\/api\/v1\/system\/ping",le="\+Inf"\} \d+$/m);
  assert.match(text, /^nekohub_http_request_duration_seconds_count\{route="\/api\/v1\/system\/ping"\} \d+$/m);
  assert.match(text, /^nekohub_http_requests_in_flight \d+$/m);
  assert.match(text, /^nekohub_build_info\{version="[^"]+"\} 1$/m);
  // No raw paths as labels: an unknown path must not appear.
  assert.ok(!text.includes('missing-for-metrics'));
});

test('every request is logged as one JSON access line', async () => {
  await server.request('GET', '/api/v1/system/ping', { headers: { 'X-Request-Id': 'log-check-1' } });
  await new Promise((r) => setTimeout(r, 100));
  const line = server.logs.find((entry) => entry.event === 'http_request' && entry.requestId === 'log-check-1');
  assert.ok(line, 'access log line');
  assert.equal(line.method, 'GET');
  assert.equal(line.route, '/api/v1/system/ping');
  assert.equal(line.status, 200);
  assert.ok(line.bytes > 0);
  assert.equal(typeof line.durationMs, 'number');
  assert.match(line.time, ISO_UTC);
});

// A request whose body is still arriving when SIGTERM comes must be answered, then the
// server exits 0.
test('graceful shutdown finishes a request in flight', async () => {
  const other = await startServer();
  const body = JSON.stringify({ username: 'nobody', password: 'wrong-password' });
  const half = Math.floor(body.length / 2);
  const socket = net.connect(other.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let received = '';
  socket.on('data', (chunk) => { received += chunk.toString(); });
  const closed = new Promise((r) => socket.once('close', r));
  socket.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`);
  await new Promise((r) => setTimeout(r, 200));
  other.process.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  // New connections are refused while the old request finishes.
  const refused = await fetch(other.url('/api/v1/system/ping')).then(() => false, () => true);
  assert.ok(refused, 'new connections must be refused after SIGTERM');
  socket.write(body.slice(half));
  await closed;
  assert.match(received, /^HTTP\/1\.1 (200|400|401|404|429) /);
  const status = await other.exited;
  assert.equal(status.code, 0);
  other.exitStatus = status;
  other.assertClean();
  other.cleanup();
});

test('restart keeps the data and does not re-run migrations', async () => {
  const other = await startServer();
  try {
    const first = other.logs.find((entry) => entry.event === 'migrations');
    assert.ok(first.applied >= 1);
    await other.restart();
    const second = other.logs.find((entry) => entry.event === 'migrations');
    assert.equal(second.applied, 0);
    assert.equal(second.schemaVersion, first.schemaVersion);
    const ready = await other.request('GET', '/readyz');
    assert.equal(ready.status, 200);
  } finally {
    await other.stop();
    other.cleanup();
  }
});

test('CLI: version, help, bad flags and bad configuration', async () => {
  const version = await runCommand(['version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^nekohub \S+/);
  const help = await runCommand(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /serve/);
  assert.match(help.stdout, /migrate/);
  const badPort = await runCommand(['serve', '--port', 'abc']);
  assert.notEqual(badPort.code, 0);
  assert.match(badPort.stderr, /--port/);
  assert.equal(badPort.stderr.trim().split('\n').length, 1);
  const unknown = await runCommand(['serve', '--frobnicate']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /--frobnicate/);
  const badCommand = await runCommand(['explode']);
  assert.notEqual(badCommand.code, 0);
  const shortSecret = await runCommand(['serve', '--port', '0', '--data-dir', '/tmp/nekohub-never'], {
    env: { Auth__Jwt__Secret: 'short' },
  });
  assert.notEqual(shortSecret.code, 0);
  assert.match(shortSecret.stderr, /Auth__Jwt__Secret/);
  assert.equal(shortSecret.stderr.trim().split('\n').length, 1);
  const badProvider = await runCommand(['migrate'], { env: { Persistence__Database__Provider: 'oracle' } });
  assert.notEqual(badProvider.code, 0);
  assert.match(badProvider.stderr, /Persistence__Database__Provider/);
});

test('migrate applies the schema and is idempotent', async (t) => {
  if (databaseKind === 'postgres') t.diagnostic('against PostgreSQL');
  const other = await startServer();
  await other.stop();
  const env = { ...other.databaseEnv };
  const again = await runCommand(['migrate', '--data-dir', other.dataDir], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /"applied":0/);
  other.cleanup();
});

test('generated secrets are created once with mode 0600 and reused', async () => {
  const { statSync, readFileSync } = await import('node:fs');
  const other = await startServer();
  try {
    const path = `${other.dataDir}/jwt-secret`;
    const mode = statSync(path).mode & 0o777;
    assert.equal(mode, 0o600);
    const before = readFileSync(path, 'utf8');
    const keyPath = `${other.dataDir}/secret-key`;
    assert.equal(statSync(keyPath).mode & 0o777, 0o600);
    const key = readFileSync(keyPath, 'utf8');
    assert.match(key.trim(), /^[0-9a-f]{64}$/);
    await other.restart();
    assert.equal(readFileSync(path, 'utf8'), before);
    assert.equal(readFileSync(keyPath, 'utf8'), key);
    assert.ok(!other.stderrText.includes(before.trim()), 'the secret must never be logged');
    assert.ok(!other.stderrText.includes(key.trim()), 'the key must never be logged');
  } finally {
    await other.stop();
    other.cleanup();
  }
});

test('the console is served with a strict CSP; build files are cached, missing ones are 404', async () => {
  const page = await fetch(server.url('/assets/upload'));
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const csp = page.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /object-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  const html = await page.text();
  const script = html.match(/src="(\/assets\/[^"]+\.js)"/);
  assert.ok(script, 'index.html references a hashed script');
  const bundle = await fetch(server.url(script[1]));
  assert.equal(bundle.status, 200);
  assert.match(bundle.headers.get('content-type'), /^text\/javascript/);
  assert.match(bundle.headers.get('cache-control'), /immutable/);
  const missing = await server.request('GET', '/assets/index-doesnotexist.js');
  expectError(assert, missing, 404, 'not_found');
  const gallery = await fetch(server.url('/gallery/0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e5f6'));
  assert.equal(gallery.status, 200);
  const apiMiss = await server.request('GET', '/api/v1/definitely/not/here');
  expectError(assert, apiMiss, 404, 'not_found');
  const contentRoot = await server.request('GET', '/content');
  expectError(assert, contentRoot, 404, 'not_found');
});

test('the OpenAPI document describes every route with its permission', async () => {
  for (const path of ['/openapi/v1.json', '/api/v1/openapi.json']) {
    const response = await fetch(server.url(path));
    assert.equal(response.status, 200);
    const document = await response.json();
    assert.equal(document.openapi, '3.1.0');
    const users = document.paths['/api/v1/users/{id}'];
    assert.ok(users && users.get && users.patch, 'users/{id} GET and PATCH');
    assert.equal(users.get['x-permission'], 'users.read');
    assert.deepEqual(users.get.parameters.map((p) => [p.name, p.schema.format]), [['id', 'uuid']]);
    assert.deepEqual(document.paths['/api/v1/system/ping'].get.security, []);
    assert.ok(document.paths['/api/v1/auth/me'].get.security.some((s) => 'bearerJwt' in s));
    assert.ok(document.paths['/content/{storageKey}'], 'catch-all rendered as a plain parameter');
  }
});

test('Server__MaxConnectionsPerClient caps the connections one client may hold', async () => {
  const other = await startServer({ env: { Server__MaxConnectionsPerClient: '2' } });
  const sockets = [];
  try {
    const open = () => new Promise((resolveOpen) => {
      const socket = net.connect(other.port, '127.0.0.1');
      sockets.push(socket);
      let answer = '';
      socket.on('data', (chunk) => { answer += chunk.toString(); });
      socket.on('close', () => resolveOpen({ closed: true, answer }));
      socket.on('connect', () => {
        socket.write('GET /api/v1/system/ping HTTP/1.1\r\nHost: x\r\n\r\n');
        socket.once('data', () => resolveOpen({ closed: false, answer }));
      });
      socket.on('error', () => resolveOpen({ closed: true, answer }));
    });
    const first = await open();
    const second = await open();
    assert.equal(first.closed, false);
    assert.equal(second.closed, false);
    const third = await open();
    assert.equal(third.closed, true, 'the third connection from the same address is refused');
    assert.equal(third.answer, '');
    // Once one closes, the client may connect again.
    sockets[0].destroy();
    let again = null;
    for (let attempt = 0; attempt < 50 && !again; attempt++) {
      again = await fetch(other.url('/api/v1/system/ping'), { headers: { Connection: 'close' } })
        .catch(() => new Promise((r) => setTimeout(() => r(null), 100)));
    }
    assert.equal(again && again.status, 200);
  } finally {
    for (const socket of sockets) socket.destroy();
    await other.stop();
    other.cleanup();
  }
});
