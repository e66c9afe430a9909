// mcp-sse.test.js - the legacy HTTP+SSE transport (GET /mcp/sse + POST /mcp/message) with the
// corrections of issue 13: the official SDK's SSEClientTransport initializes, lists and calls
// tools over it; raw HTTP checks the endpoint event and its URL (also behind a trusted proxy
// forwarding https and another host), the stream's headers, heartbeat comments, idle expiry,
// the per-key and global session caps (429 mcp_session_limit), sessions bound to the key that
// opened them, the 400/404/415 of POST /mcp/message, a refused message answered with its 4xx on
// the POST (never on the stream), and a reader that stops reading dropped while the server
// stays healthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { startServer, expectError } from './lib/server.js';
import { accountsEnv, sleep } from './lib/accounts.js';
import { png } from './lib/images.js';
import { callError, callOk, listAllTools, personalKey, rpc, MACHINE_KEY } from './lib/mcp.js';

const SESSION_URL = /^http:\/\/127\.0\.0\.1:(\d+)\/mcp\/message\?sessionId=([0-9a-f]{32})$/;

function startSseServer(env = {}) {
  return startServer({ env: accountsEnv(env, { machineKeys: true }) });
}

async function stopServer(server) {
  await server.stop();
  server.cleanup();
}

// Reads server-sent events from a response stream: next() resolves with the next event
// ({ event, data } or { comment }), or null once the stream ended.
class EventReader {
  constructor(stream) {
    this.buffer = '';
    this.events = [];
    this.waiters = [];
    this.ended = false;
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      this.buffer += chunk;
      let index;
      while ((index = this.buffer.indexOf('\n\n')) >= 0) {
        this.events.push(parseEvent(this.buffer.slice(0, index)));
        this.buffer = this.buffer.slice(index + 2);
      }
      this.wake();
    });
    const end = () => { this.ended = true; this.wake(); };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  wake() {
    while (this.waiters.length > 0 && (this.events.length > 0 || this.ended)) {
      this.waiters.shift()(this.events.length > 0 ? this.events.shift() : null);
    }
  }

  next(timeoutMs = 30000) {
    return new Promise((resolveNext, rejectNext) => {
      const timer = setTimeout(() => rejectNext(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((event) => { clearTimeout(timer); resolveNext(event); });
      this.wake();
    });
  }

  // The next event that is not a comment (heartbeats are skipped).
  async nextEvent(timeoutMs) {
    for (;;) {
      const event = await this.next(timeoutMs);
      if (!event || !event.comment) return event;
    }
  }
}

function parseEvent(block) {
  const event = { event: 'message', data: '' };
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) return { comment: line.slice(1).trim() };
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event.event = value;
    if (field === 'data') data.push(value);
  }
  event.data = data.join('\n');
  return event;
}

// A raw GET /mcp/sse. For a 200: { status, headers, reader, endpoint, sessionId, close };
// otherwise { status, headers, body, text }.
function openSse(server, { key = MACHINE_KEY, headers = {}, localAddress } = {}) {
  return new Promise((resolveOpen, rejectOpen) => {
    const request = http.request(server.url('/mcp/sse'), {
      headers: { Accept: 'text/event-stream', Authorization: `Bearer ${key}`, ...headers },
      agent: false,
      localAddress,
    });
    request.on('error', rejectOpen);
    request.on('response', async (response) => {
      if (response.statusCode !== 200) {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => { text += chunk; });
        response.on('end', () => {
          let body = null;
          try { body = JSON.parse(text); } catch { body = null; }
          resolveOpen({ status: response.statusCode, headers: new Headers(response.headers), body, text });
        });
        return;
      }
      const reader = new EventReader(response);
      const first = await reader.next();
      assert.equal(first?.event, 'endpoint', `the first event names the endpoint: ${JSON.stringify(first)}`);
      const endpoint = first.data;
      resolveOpen({
        status: 200,
        headers: new Headers(response.headers),
        reader,
        endpoint,
        sessionId: new URL(endpoint, server.url('/')).searchParams.get('sessionId'),
        close: () => request.destroy(),
      });
    });
    request.end();
  });
}

// POST /mcp/message?sessionId=<id> (sessionId null: no parameter).
function postMessage(server, sessionId, body, { key = MACHINE_KEY, headers = {} } = {}) {
  const path = sessionId === null ? '/mcp/message'
    : `/mcp/message?sessionId=${encodeURIComponent(sessionId)}`;
  const allHeaders = { 'Content-Type': 'application/json', ...headers };
  if (key) allHeaders.Authorization = `Bearer ${key}`;
  return server.request('POST', path, { body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: allHeaders });
}

// The official SDK client over SSE with a Bearer key (on the event stream's GET through
// eventSourceInit, on the POSTs through requestInit).
async function sdkConnect(server, key = MACHINE_KEY) {
  const client = new Client({ name: 'nekohub-sse-tests', version: '1.0.0' });
  const transport = new SSEClientTransport(new URL(server.url('/mcp/sse')), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
    eventSourceInit: {
      fetch: (url, init) => {
        const headers = new Headers(init?.headers);
        headers.set('Authorization', `Bearer ${key}`);
        return fetch(url, { ...init, headers });
      },
    },
  });
  await client.connect(transport);
  return client;
}

// Poll until open() gives a 200 (a closed session's slot frees once the server noticed).
async function openEventually(open, what) {
  const deadline = Date.now() + 60000;
  for (;;) {
    const session = await open();
    if (session.status === 200) return session;
    assert.equal(session.status, 429, session.text);
    if (Date.now() > deadline) assert.fail(`${what}: still 429 after 60 s`);
    await sleep(200);
  }
}

test('the official SDK client initializes, lists tools and calls them over SSE', async () => {
  const server = await startSseServer();
  try {
    const client = await sdkConnect(server);
    assert.equal(client.getServerVersion().name, 'NekoHub MCP');
    await client.ping();
    const { tools } = await listAllTools(client);
    assert.equal(tools.length, 14);
    const uploaded = await callOk(client, 'upload_asset', {
      fileName: 'over-sse.png', contentType: 'image/png',
      contentBase64: png(24, 16, { seed: 77 }).toString('base64'), runEnrichment: false,
    });
    assert.equal(uploaded.originalFileName, 'over-sse.png');
    const fetched = await callOk(client, 'get_asset', { id: uploaded.id });
    assert.equal(fetched.id, uploaded.id);
    const stats = await callOk(client, 'get_asset_usage_stats', {});
    assert.equal(stats.totalAssets, 1);
    await callError(client, 'get_asset', { id: 'not-a-guid' }, 'tool_argument_invalid');
    const { resources } = await client.listResources();
    assert.ok(resources.length > 0);
    await client.close();
  } finally {
    await stopServer(server);
  }
});

test('the endpoint event names an absolute URL of this server; forwarded headers count only from a trusted proxy', async () => {
  const server = await startSseServer({ Server__TrustedProxies__0: '127.0.0.2' });
  try {
    const direct = await openSse(server, {
      headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example' },
    });
    assert.equal(direct.headers.get('content-type'), 'text/event-stream');
    assert.equal(direct.headers.get('cache-control'), 'no-cache, no-store');
    assert.equal(direct.headers.get('x-accel-buffering'), 'no');
    const match = SESSION_URL.exec(direct.endpoint);
    assert.ok(match, `endpoint ${direct.endpoint}`);
    assert.equal(Number(match[1]), server.port);
    direct.close();

    const proxied = await openSse(server, {
      localAddress: '127.0.0.2',
      headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'hub.example.com, inner.local' },
    });
    assert.match(proxied.endpoint,
      /^https:\/\/hub\.example\.com\/mcp\/message\?sessionId=[0-9a-f]{32}$/);
    // the session answers through the path the proxy would forward
    const path = new URL(proxied.endpoint).pathname + new URL(proxied.endpoint).search;
    const response = await server.request('POST', path, {
      body: JSON.stringify(rpc('ping', undefined, 'via-proxy')),
      headers: { Authorization: `Bearer ${MACHINE_KEY}`, 'Content-Type': 'application/json' },
    });
    assert.equal(response.status, 202, response.text);
    const reply = await proxied.reader.nextEvent();
    assert.equal(reply.event, 'message');
    assert.deepEqual(JSON.parse(reply.data), { jsonrpc: '2.0', id: 'via-proxy', result: {} });
    proxied.close();
  } finally {
    await stopServer(server);
  }
});

test('POST /mcp/message: replies on the stream, sessions bound to their key, 400/404/415, refused messages answered on the POST', async () => {
  const server = await startSseServer({ Mcp__SseHeartbeatSeconds: '1' });
  try {
    const session = await openSse(server);
    const accepted = await postMessage(server, session.sessionId, rpc('ping', undefined, 'first'));
    assert.equal(accepted.status, 202);
    assert.equal(accepted.text, '');
    const reply = await session.reader.nextEvent();
    assert.deepEqual(JSON.parse(reply.data), { jsonrpc: '2.0', id: 'first', result: {} });

    // a heartbeat comment arrives while nothing else happens (Mcp__SseHeartbeatSeconds=1)
    let heartbeat;
    do heartbeat = await session.reader.next(); while (heartbeat && !heartbeat.comment);
    assert.deepEqual(heartbeat, { comment: 'ping' });

    // refused by the pipeline: the status and JSON-RPC error on the POST itself
    const wrongOrigin = await postMessage(server, session.sessionId, rpc('ping'),
      { headers: { Origin: 'http://evil.example' } });
    assert.equal(wrongOrigin.status, 403, wrongOrigin.text);
    assert.equal(wrongOrigin.body.error.code, -32600);
    assert.equal(wrongOrigin.body.jsonrpc, '2.0');
    const sameOrigin = await postMessage(server, session.sessionId, rpc('ping', undefined, 'same-origin'),
      { headers: { Origin: `http://127.0.0.1:${server.port}` } });
    assert.equal(sameOrigin.status, 202, sameOrigin.text);
    const badVersion = await postMessage(server, session.sessionId, rpc('ping'),
      { headers: { 'MCP-Protocol-Version': '1999-01-01' } });
    assert.equal(badVersion.status, 400);
    assert.equal(badVersion.body.error.code, -32600);
    const unparsable = await postMessage(server, session.sessionId, '{"jsonrpc":"2.0",');
    assert.equal(unparsable.status, 400);
    assert.equal(unparsable.body.error.code, -32700);
    const batch = await postMessage(server, session.sessionId, [rpc('ping')]);
    assert.equal(batch.status, 400);
    assert.equal(batch.body.error.code, -32600);
    const notification = await postMessage(server, session.sessionId,
      { jsonrpc: '2.0', method: 'notifications/initialized' });
    assert.equal(notification.status, 202);
    const last = await postMessage(server, session.sessionId, rpc('ping', undefined, 'last'));
    assert.equal(last.status, 202);
    // on the stream: only the replies of accepted requests, in order
    assert.equal(JSON.parse((await session.reader.nextEvent()).data).id, 'same-origin');
    assert.equal(JSON.parse((await session.reader.nextEvent()).data).id, 'last');

    // another key, even of a user with every permission, does not find the session
    const other = await personalKey(server, { userPermissions: ['assets.read'] });
    expectError(assert, await postMessage(server, session.sessionId, rpc('ping'), { key: other.key }),
      404, 'mcp_session_not_found');
    expectError(assert, await postMessage(server, null, rpc('ping')), 400, 'mcp_session_id_required');
    expectError(assert, await postMessage(server, '  ', rpc('ping')), 400, 'mcp_session_id_required');
    expectError(assert, await postMessage(server, '0123456789abcdef0123456789abcdef', rpc('ping')),
      404, 'mcp_session_not_found');
    expectError(assert, await postMessage(server, session.sessionId, rpc('ping'),
      { headers: { 'Content-Type': 'text/plain' } }), 415, 'request_unsupported_media_type');
    // the lookup trims the id
    const padded = await postMessage(server, ` ${session.sessionId} `, rpc('ping', undefined, 'padded'));
    assert.equal(padded.status, 202);
    assert.equal(JSON.parse((await session.reader.nextEvent()).data).id, 'padded');

    // API keys only: a missing key is the REST 401
    const anonymous = await postMessage(server, session.sessionId, rpc('ping'), { key: null });
    assert.equal(anonymous.status, 401);
    const anonymousOpen = await server.request('GET', '/mcp/sse');
    assert.equal(anonymousOpen.status, 401);
    session.close();
  } finally {
    await stopServer(server);
  }
});

test('sessions are capped per key and in all (429 mcp_session_limit with Retry-After)', async () => {
  const server = await startSseServer({
    Mcp__SseMaxSessionsPerCredential: '2', Mcp__SseMaxSessions: '3', Mcp__SseHeartbeatSeconds: '1',
  });
  try {
    const first = await openSse(server);
    const second = await openSse(server);
    const refused = await openSse(server);
    const error = expectError(assert, refused, 429, 'mcp_session_limit');
    assert.match(error.message, /2/);
    assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After');

    const alice = await personalKey(server, { userPermissions: ['assets.read'] });
    const bob = await personalKey(server, { userPermissions: ['assets.read'] });
    const third = await openSse(server, { key: alice.key }); // another key: its own count
    assert.equal(third.status, 200);
    expectError(assert, await openSse(server, { key: bob.key }), 429, 'mcp_session_limit'); // 3 in all

    // a session whose client went away frees its slot (noticed at the latest by a heartbeat)
    first.close();
    const fourth = await openEventually(() => openSse(server, { key: bob.key }), 'after a client left');
    expectError(assert, await postMessage(server, first.sessionId, rpc('ping')), 404,
      'mcp_session_not_found');
    for (const session of [second, third, fourth]) session.close();
  } finally {
    await stopServer(server);
  }
});

test('a session that receives no message for Mcp__SseIdleSeconds ends', async () => {
  const server = await startSseServer({ Mcp__SseIdleSeconds: '2', Mcp__SseHeartbeatSeconds: '1' });
  try {
    const session = await openSse(server);
    const ended = await session.reader.nextEvent(60000);
    assert.equal(ended, null, 'the stream ends');
    expectError(assert, await postMessage(server, session.sessionId, rpc('ping')), 404,
      'mcp_session_not_found');
    const again = await openSse(server); // the server goes on
    assert.equal(again.status, 200);
    again.close();
  } finally {
    await stopServer(server);
  }
});

// A raw connection that reads the response head and the endpoint event, then stops reading.
function openStalledSse(server) {
  return new Promise((resolveOpen, rejectOpen) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('connect', () => {
      socket.write(`GET /mcp/sse HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`
        + `Authorization: Bearer ${MACHINE_KEY}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    const onData = (chunk) => {
      received += chunk;
      const match = /sessionId=([0-9a-f]{32})/.exec(received);
      if (!match) return;
      socket.off('data', onData);
      socket.pause(); // from now on nothing is read: the kernel buffers fill, then the server's
      resolveOpen({ socket, sessionId: match[1] });
    };
    socket.on('data', onData);
    setTimeout(() => rejectOpen(new Error(`no endpoint event: ${received}`)), 30000).unref();
  });
}

test('a reader that stops reading is dropped once its buffer is full; the server stays healthy', async () => {
  const server = await startSseServer({ Mcp__SseBufferBytes: '65536' });
  try {
    const stalled = await openStalledSse(server);
    let refused = null;
    let accepted = 0;
    for (let i = 0; i < 20000 && !refused; i += 1) {
      const response = await postMessage(server, stalled.sessionId, rpc('tools/list'));
      if (response.status === 202) accepted += 1;
      else refused = response;
    }
    assert.ok(refused, 'the session ended');
    expectError(assert, refused, 404, 'mcp_session_not_found');
    assert.ok(accepted > 0);
    stalled.socket.destroy();

    const ping = await server.request('GET', '/api/v1/system/ping');
    assert.equal(ping.status, 200);
    const client = await sdkConnect(server);
    const { tools } = await listAllTools(client);
    assert.equal(tools.length, 14);
    await client.close();
  } finally {
    await stopServer(server);
  }
});
