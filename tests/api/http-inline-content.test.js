// http-inline-content.test.js - the fast path of GET /content/{key}: a key the server
// remembers as public (for about a second) is answered on the event thread, everything else goes
// to the handler pool. Both paths must give the same answer: status, the headers that matter,
// bytes, Range, 304, HEAD, CORS, request ids, keep-alive, the access-log line and the request
// metrics; in X-Accel-Redirect mode too. Which path answered is read from the counter
// nekohub_http_inline_replies_total: the first request after a change to an asset goes the slow
// path (the change clears the memory of public keys), the next one the fast path as long as it
// comes within the memory's second, so a pair is retried (a few times) when the machine was too
// slow for that; nothing here depends on how long a request takes. Making an asset private
// answers 404 at once, identical to the 404 of a key that never existed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, withTimeout } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, sleep } from './lib/accounts.js';
import { testImages } from './lib/images.js';
import { uploadOk, pathOf } from './lib/assets.js';

const ORIGIN = 'https://gallery.example';
const PREFIX = '/_protected/';
const key = MACHINE_KEY;
const PAIR_ATTEMPTS = 8;
// Headers both paths must agree on (x-request-id is compared separately: it is per request;
// the ids the test sends for the two paths have the same length, so error bodies do too).
const COMPARED = ['content-type', 'content-length', 'etag', 'last-modified', 'cache-control',
  'accept-ranges', 'content-range', 'x-content-type-options', 'vary',
  'access-control-allow-origin', 'x-accel-redirect', 'connection'];

let images;

// One keep-alive connection per server, so the two requests of a pair share it.
function keepAliveClient(server) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method, path, headers = {}) => new Promise((resolveRequest, rejectRequest) => {
    const request = http.request({ host: '127.0.0.1', port: server.port, method, path, headers, agent },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolveRequest({
          status: response.statusCode, headers: response.headers, bytes: Buffer.concat(chunks),
          reusedSocket: request.reusedSocket,
        }));
      });
    request.on('error', rejectRequest);
    request.end();
  });
  return { send, close: () => agent.destroy() };
}

async function inlineReplies(server) {
  const response = await fetch(server.url('/metrics'));
  const text = await response.text();
  const match = text.match(/^nekohub_http_inline_replies_total (\d+)$/m);
  assert.ok(match, 'nekohub_http_inline_replies_total is exported');
  return Number(match[1]);
}

async function contentRequests(server) {
  const text = await (await fetch(server.url('/metrics'))).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('nekohub_http_requests_total{route="/content/{*storageKey}"')) {
      total += Number(line.split(' ').pop());
    }
  }
  return total;
}

// The request's access-log line (by its X-Request-Id).
async function accessLine(server, requestId) {
  return withTimeout((async () => {
    for (;;) {
      const line = server.logs.find((entry) => entry.event === 'http_request' && entry.requestId === requestId);
      if (line) return line;
      await sleep(20);
    }
  })(), 10000, `no access-log line for ${requestId}`);
}

// Change the asset (clears the memory of public keys in this process).
async function touch(server, asset, patch = { description: `touched ${Date.now()}-${Math.random()}` }) {
  const response = await server.request('PATCH', `/api/v1/assets/${asset.id}`, { json: patch, token: key });
  assert.equal(response.status, 200, response.text);
}

// The same request twice on one keep-alive connection, right after a change to the asset: the
// first goes the slow path, the second the fast one. Retried when the second came too late to
// find the key remembered.
async function slowThenFast(server, client, asset, method, headers, label) {
  const path = pathOf(asset.publicUrl);
  for (let attempt = 1; attempt <= PAIR_ATTEMPTS; attempt++) {
    await touch(server, asset);
    const before = await inlineReplies(server);
    const slow = await client.send(method, path, { ...headers, 'X-Request-Id': `${label}-slow-${attempt}` });
    const middle = await inlineReplies(server);
    const fast = await client.send(method, path, { ...headers, 'X-Request-Id': `${label}-fast-${attempt}` });
    const afterwards = await inlineReplies(server);
    assert.equal(middle, before, `${label}: the first request after a change goes to the pool`);
    if (afterwards === middle + 1) {
      assert.ok(fast.reusedSocket, `${label}: the connection was kept alive after the slow path`);
      slow.requestId = `${label}-slow-${attempt}`;
      fast.requestId = `${label}-fast-${attempt}`;
      return { slow, fast };
    }
  }
  assert.fail(`${label}: the fast path never answered in ${PAIR_ATTEMPTS} attempts`);
}

function assertSameAnswer(slow, fast, label) {
  assert.equal(fast.status, slow.status, `${label}: status`);
  for (const name of COMPARED) {
    assert.equal(fast.headers[name], slow.headers[name], `${label}: header ${name}`);
  }
  assert.equal(slow.headers['x-request-id'], slow.requestId, `${label}: slow path request id`);
  assert.equal(fast.headers['x-request-id'], fast.requestId, `${label}: fast path request id`);
  if (/json/.test(slow.headers['content-type'] ?? '')) { // an error envelope: its traceId is per request
    const envelope = (response) => {
      const body = JSON.parse(response.bytes.toString('utf8'));
      assert.equal(body.error.traceId, response.requestId);
      delete body.error.traceId;
      return body;
    };
    assert.deepEqual(envelope(fast), envelope(slow), `${label}: error envelope`);
    return;
  }
  assert.ok(fast.bytes.equals(slow.bytes), `${label}: bytes`);
}

async function assertSameLogLines(server, slow, fast, label) {
  const slowLine = await accessLine(server, slow.requestId);
  const fastLine = await accessLine(server, fast.requestId);
  for (const field of ['method', 'route', 'path', 'status', 'bytes', 'client', 'userId', 'aborted']) {
    assert.deepEqual(fastLine[field], slowLine[field], `${label}: access log ${field}`);
  }
}

before(() => {
  images = testImages();
});

test('the fast path answers /content exactly like the handler pool', async () => {
  const server = await startServer({
    env: accountsEnv({ Cors__AllowedOrigins__0: ORIGIN }, { machineKeys: true }),
  });
  const client = keepAliveClient(server);
  try {
    const asset = await uploadOk(server, key, {
      file: { data: images.jpeg, filename: 'fast.jpg', contentType: 'image/jpeg' },
    });
    const etag = `"${asset.checksumSha256}"`;
    const size = images.jpeg.length;
    const cases = [
      { label: 'full', method: 'GET', headers: {}, status: 200, bytes: images.jpeg },
      { label: 'cors', method: 'GET', headers: { Origin: ORIGIN }, status: 200, bytes: images.jpeg },
      { label: 'credentials', method: 'GET', headers: { Authorization: 'Bearer whatever' }, status: 200 },
      { label: 'head', method: 'HEAD', headers: {}, status: 200, bytes: Buffer.alloc(0) },
      { label: 'range', method: 'GET', headers: { Range: 'bytes=10-99' }, status: 206,
        bytes: images.jpeg.subarray(10, 100) },
      { label: 'suffix', method: 'GET', headers: { Range: 'bytes=-7' }, status: 206,
        bytes: images.jpeg.subarray(size - 7) },
      { label: 'if-range', method: 'GET', headers: { Range: 'bytes=0-9', 'If-Range': '"stale"' }, status: 200 },
      { label: 'unsatisfiable', method: 'GET', headers: { Range: `bytes=${size}-` }, status: 416 },
      { label: 'not-modified', method: 'GET', headers: { 'If-None-Match': etag }, status: 304,
        bytes: Buffer.alloc(0) },
      { label: 'head-not-modified', method: 'HEAD', headers: { 'If-None-Match': etag }, status: 304 },
    ];
    const countedBefore = await contentRequests(server);
    for (const { label, method, headers, status, bytes } of cases) {
      const { slow, fast } = await slowThenFast(server, client, asset, method, headers, label);
      assert.equal(slow.status, status, `${label}: status (${slow.bytes.toString('utf8').slice(0, 200)})`);
      if (bytes) assert.ok(slow.bytes.equals(bytes), `${label}: bytes of the slow path`);
      assertSameAnswer(slow, fast, label);
      await assertSameLogLines(server, slow, fast, label);
    }
    // Every request of either path is counted once under the route's template.
    const countedAfter = await contentRequests(server);
    assert.ok(countedAfter - countedBefore >= cases.length * 2);
    const cors = await slowThenFast(server, client, asset, 'GET', { Origin: ORIGIN }, 'cors-again');
    assert.equal(cors.fast.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(cors.fast.headers.etag, etag);
    assert.match(cors.fast.headers['cache-control'], /^public, max-age=\d+$/);
  } finally {
    client.close();
    await server.stop();
    server.cleanup();
  }
});

test('a remembered key that turns private is 404 at once, like a key that never existed', async () => {
  const server = await startServer({ env: accountsEnv({}, { machineKeys: true }) });
  const client = keepAliveClient(server);
  try {
    const asset = await uploadOk(server, key, {
      file: { data: images.jpeg, filename: 'turns-private.jpg', contentType: 'image/jpeg' },
    });
    const path = pathOf(asset.publicUrl);
    await slowThenFast(server, client, asset, 'GET', {}, 'public'); // the key is remembered now
    await touch(server, asset, { isPublic: false });
    const before = await inlineReplies(server);
    const hidden = await client.send('GET', path);
    const unknownPath = path.replace(/[^/]+$/, 'never-uploaded.jpg');
    const unknown = await client.send('GET', unknownPath);
    assert.equal(await inlineReplies(server), before, 'private and unknown keys go to the pool');
    assert.equal(hidden.status, 404);
    assert.equal(unknown.status, 404);
    const withoutTrace = (response) => {
      const body = JSON.parse(response.bytes.toString('utf8'));
      delete body.error.traceId;
      return body;
    };
    assert.deepEqual(withoutTrace(hidden), withoutTrace(unknown));
    for (const name of ['content-type', 'content-length', 'cache-control', 'etag']) {
      assert.equal(hidden.headers[name], unknown.headers[name], `404 header ${name}`);
    }
    // Still private on the next request too (nothing remembered it as public meanwhile).
    assert.equal((await client.send('GET', path)).status, 404);
  } finally {
    client.close();
    await server.stop();
    server.cleanup();
  }
});

test('in X-Accel-Redirect mode the fast path names the file exactly like the pool', async () => {
  const server = await startServer({
    env: accountsEnv({ Server__AccelRedirect__Prefix: PREFIX }, { machineKeys: true }),
  });
  const client = keepAliveClient(server);
  try {
    const asset = await uploadOk(server, key, {
      file: { data: images.jpeg, filename: 'accel.jpg', contentType: 'image/jpeg' },
    });
    for (const [label, method, headers] of [['accel', 'GET', {}], ['accel-head', 'HEAD', {}],
      ['accel-range', 'GET', { Range: 'bytes=0-9' }]]) {
      const { slow, fast } = await slowThenFast(server, client, asset, method, headers, label);
      assert.equal(slow.status, 200);
      assert.equal(slow.headers['x-accel-redirect'], `${PREFIX}${asset.storageKey}`);
      assert.equal(slow.bytes.length, 0);
      assertSameAnswer(slow, fast, label);
      await assertSameLogLines(server, slow, fast, label);
    }
  } finally {
    client.close();
    await server.stop();
    server.cleanup();
  }
});
