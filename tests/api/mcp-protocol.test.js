// mcp-protocol.test.js - the MCP transport and pipeline (spec mcp.md §2, §3, §5, §6 with issue
// 13's corrections): initialize on every supported version through the official SDK client and
// raw; the §3 checks in order as raw HTTP (origin 403, version header 400, parse -32700, batch,
// envelope, jsonrpc, notification and client-response 202, id null answered with "id": null);
// 401 without a key and with a JWT; 415; GET and DELETE /mcp 405 with Allow: POST; /mcp absent
// from the OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { accountsEnv, login, ROOT } from './lib/accounts.js';
import { connect, personalKey, rawPost, rpc, MACHINE_KEY, VERSIONS } from './lib/mcp.js';

let server;

before(async () => {
  server = await startServer({ env: accountsEnv({}, { machineKeys: true }) });
});

after(async () => {
  await server.stop();
  server.cleanup();
});

// A JSON-RPC error reply: HTTP status, code, id (null when unknown), message mentions.
function expectRpcError(response, status, code, { id = null, mentions = [] } = {}) {
  assert.equal(response.status, status, `status (body: ${response.text})`);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  assert.equal(response.body.jsonrpc, '2.0');
  assert.ok('id' in response.body, 'an error reply always carries id');
  assert.deepEqual(response.body.id, id);
  assert.equal(response.body.error.code, code, response.text);
  assert.equal(typeof response.body.error.message, 'string');
  for (const text of mentions) assert.ok(response.body.error.message.includes(text),
    `"${response.body.error.message}" should mention "${text}"`);
  assert.equal(response.body.result, undefined);
  return response.body.error;
}

function sameOrigin() {
  return `http://127.0.0.1:${server.port}`;
}

// ---- initialize ------------------------------------------------------------------------------

for (const version of VERSIONS) {
  test(`the SDK client initializes on ${version} and goes on with that version`, async () => {
    const client = await connect(server, MACHINE_KEY, { protocolVersion: version });
    try {
      assert.equal(client.transport.protocolVersion, version);
      const info = client.getServerVersion();
      assert.equal(info.name, 'NekoHub MCP');
      assert.equal(info.title, 'NekoHub Asset, Skill, Resource, and Prompt Surface');
      assert.equal(typeof info.version, 'string');
      assert.deepEqual(client.getServerCapabilities(), {
        tools: { listChanged: false },
        resources: { subscribe: false, listChanged: false },
        prompts: { listChanged: false },
      });
      assert.match(client.getInstructions(), /tools/);
      assert.deepEqual(await client.ping(), {});
      const { tools } = await client.listTools();
      assert.ok(tools.length > 0);
    } finally {
      await client.close();
    }
  });

  test(`raw initialize echoes ${version} in the result and the header`, async () => {
    const response = await rawPost(server, rpc('initialize', {
      protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '0' } }, 'init-1'));
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.id, 'init-1');
    assert.equal(response.body.result.protocolVersion, version);
    assert.equal(response.headers.get('mcp-protocol-version'), version);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('mcp-session-id'), null, 'stateless: no session id');
  });
}

test('initialize with an unsupported version is answered with the latest', async () => {
  const response = await rawPost(server, rpc('initialize', { protocolVersion: '2024-11-05' }));
  assert.equal(response.status, 200);
  assert.equal(response.body.result.protocolVersion, '2025-11-25');
  assert.equal(response.headers.get('mcp-protocol-version'), '2025-11-25');
});

test('initialize without params.protocolVersion is -32602 without a version header', async () => {
  for (const params of [undefined, {}, { protocolVersion: 20250618 }]) {
    const response = await rawPost(server, rpc('initialize', params, 7));
    expectRpcError(response, 200, -32602, { id: 7, mentions: ['protocolVersion'] });
    assert.equal(response.headers.get('mcp-protocol-version'), null);
  }
});

test('a personal key connects through the SDK client', async () => {
  const { key } = await personalKey(server, { userPermissions: ['assets.read'] });
  const client = await connect(server, key);
  try {
    assert.deepEqual(await client.ping(), {});
  } finally {
    await client.close();
  }
});

// ---- §3.1 origin -----------------------------------------------------------------------------

test('a foreign Origin is refused with 403 -32600 before anything else', async () => {
  for (const origin of ['http://evil.example', `https://127.0.0.1:${server.port}`,
    `http://127.0.0.1:${server.port + 1}`, 'null', 'not a uri']) {
    // even with a bad version header and a body that does not parse: origin comes first
    const response = await rawPost(server, '{oops', { headers: { Origin: origin,
      'MCP-Protocol-Version': '1999-01-01' } });
    expectRpcError(response, 403, -32600, { mentions: ['Origin'] });
    assert.equal(response.headers.get('mcp-protocol-version'), null);
  }
});

test('the request\'s own origin and a blank Origin are accepted', async () => {
  for (const origin of [sameOrigin(), sameOrigin().toUpperCase().replace('HTTP', 'http'), ' ']) {
    const response = await rawPost(server, rpc('ping', undefined, 1), { headers: { Origin: origin } });
    assert.equal(response.status, 200, `${origin}: ${response.text}`);
    assert.deepEqual(response.body, { jsonrpc: '2.0', id: 1, result: {} });
  }
});

// ---- §3.2 protocol version header ---------------------------------------------------------------

test('an unsupported MCP-Protocol-Version header is 400 -32600 naming it', async () => {
  const response = await rawPost(server, '{oops', { headers: { 'MCP-Protocol-Version': '1999-01-01' } });
  expectRpcError(response, 400, -32600, { mentions: ['1999-01-01'] });
  assert.equal(response.headers.get('mcp-protocol-version'), null);
});

test('a supported header is echoed; its first comma-separated value counts', async () => {
  let response = await rawPost(server, rpc('ping'), { headers: { 'MCP-Protocol-Version': '2025-03-26' } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('mcp-protocol-version'), '2025-03-26');
  response = await rawPost(server, rpc('ping'), { headers: { 'MCP-Protocol-Version': ' 2025-06-18 , 1999-01-01' } });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.headers.get('mcp-protocol-version'), '2025-06-18');
  response = await rawPost(server, rpc('ping'), { headers: { 'MCP-Protocol-Version': '1999-01-01, 2025-06-18' } });
  expectRpcError(response, 400, -32600);
  // no header: treated as the latest, which the reply names
  response = await rawPost(server, rpc('ping'));
  assert.equal(response.headers.get('mcp-protocol-version'), '2025-11-25');
});

// ---- §3.3-§3.5 parse, batch, envelope ---------------------------------------------------------

test('a body that is not JSON is 400 -32700 with id null', async () => {
  for (const body of ['{oops', '', '{"jsonrpc":"2.0","id":1,"method":"ping"} trailing',
    '{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"ping"}']) {
    const response = await rawPost(server, body);
    expectRpcError(response, 400, -32700);
    assert.equal(response.headers.get('mcp-protocol-version'), null, 'no header without one sent');
  }
  const response = await rawPost(server, '{oops', { headers: { 'MCP-Protocol-Version': '2025-06-18' } });
  expectRpcError(response, 400, -32700);
  assert.equal(response.headers.get('mcp-protocol-version'), '2025-06-18');
});

test('a batch is 400 -32600', async () => {
  const response = await rawPost(server, [rpc('ping'), rpc('ping')]);
  expectRpcError(response, 400, -32600, { mentions: ['Batch'] });
});

test('envelope shapes: not an object, mistyped jsonrpc, method or id', async () => {
  const cases = [
    ['42', 'object'],
    ['"ping"', 'object'],
    ['null', 'object'],
    [JSON.stringify({ jsonrpc: 2, id: 1, method: 'ping' }), 'jsonrpc'],
    [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 5 }), 'method'],
    [JSON.stringify({ jsonrpc: '2.0', id: {}, method: 'ping' }), 'id'],
    [JSON.stringify({ jsonrpc: '2.0', id: true, method: 'ping' }), 'id'],
    [JSON.stringify({ jsonrpc: '2.0', id: [1], method: 'ping' }), 'id'],
  ];
  for (const [body, mention] of cases) {
    const response = await rawPost(server, body);
    expectRpcError(response, 400, -32600, { mentions: [mention] });
  }
});

// ---- §3.6 jsonrpc, §3.7 classification ---------------------------------------------------------

test('jsonrpc must be "2.0"; the error echoes the id', async () => {
  let response = await rawPost(server, { id: 11, method: 'ping' });
  expectRpcError(response, 400, -32600, { id: 11, mentions: ['2.0'] });
  response = await rawPost(server, { jsonrpc: '1.0', id: 'x', method: 'ping' });
  expectRpcError(response, 400, -32600, { id: 'x' });
});

test('notifications (any method) and client responses are 202 without a body', async () => {
  const messages = [
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', method: 'notifications/whatever', params: { a: 1 } },
    { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'nothing-in-flight' } },
    { jsonrpc: '2.0', id: 5, result: {} },
    { jsonrpc: '2.0', id: 'abc', error: { code: -1, message: 'no' } },
  ];
  for (const message of messages) {
    const response = await rawPost(server, message);
    assert.equal(response.status, 202, JSON.stringify(message));
    assert.equal(response.text, '');
    assert.equal(response.headers.get('mcp-protocol-version'), null);
  }
});

test('a request with id null is answered with "id": null', async () => {
  const response = await rawPost(server, '{"jsonrpc":"2.0","id":null,"method":"ping"}');
  assert.equal(response.status, 200, response.text);
  assert.equal(response.text, '{"jsonrpc":"2.0","id":null,"result":{}}');
});

test('ids are echoed as given (string, integer, fraction)', async () => {
  for (const id of ['a-string', 0, -3, 2.5]) {
    const response = await rawPost(server, rpc('ping', undefined, id));
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.id, id);
  }
});

test('an envelope that is neither request, notification nor response is 400 -32600', async () => {
  const response = await rawPost(server, { jsonrpc: '2.0', id: 3 });
  expectRpcError(response, 400, -32600, { id: 3 });
});

test('unknown methods are -32601 (HTTP 200); params must be an object', async () => {
  for (const method of ['resources/subscribe', 'completion/complete', 'logging/setLevel', 'nope']) {
    const response = await rawPost(server, rpc(method, {}, 21));
    expectRpcError(response, 200, -32601, { id: 21 });
  }
  const response = await rawPost(server, rpc('tools/list', [1, 2], 22));
  expectRpcError(response, 200, -32602, { id: 22 });
});

// ---- HTTP: content type, authentication, other methods -----------------------------------------

test('a body that is not application/json is 415 (REST envelope); a charset is fine', async () => {
  let response = await rawPost(server, JSON.stringify(rpc('ping')), { headers: { 'Content-Type': 'text/plain' } });
  assert.equal(response.status, 415);
  assert.equal(response.body.error.code, 'request_unsupported_media_type');
  response = await rawPost(server, JSON.stringify(rpc('ping')),
    { headers: { 'Content-Type': 'application/json; charset=utf-8' } });
  assert.equal(response.status, 200, response.text);
});

test('401 without a key, with an unknown key, a JWT or another scheme', async () => {
  const session = await login(server, ROOT.username, ROOT.password);
  const cases = [
    [{}, 'api_key_missing'],
    [{ Authorization: '  ' }, 'api_key_missing'],
    [{ Authorization: 'Bearer not-a-key' }, 'api_key_invalid'],
    [{ Authorization: `Bearer ${session.accessToken}` }, 'api_key_invalid'],
    [{ Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, 'api_key_invalid'],
    [{ Authorization: 'Bearer nhk_not-a-real-personal-key' }, 'api_key_invalid'],
  ];
  for (const [headers, code] of cases) {
    const response = await rawPost(server, rpc('ping'), { key: null, headers });
    assert.equal(response.status, 401, JSON.stringify(headers));
    assert.equal(response.body.error.code, code);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="NekoHub"');
  }
});

test('GET and DELETE /mcp are 405 with Allow: POST (after authentication)', async () => {
  for (const method of ['GET', 'DELETE']) {
    let response = await server.request(method, '/mcp', { token: MACHINE_KEY,
      headers: { Accept: 'text/event-stream' } });
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get('allow'), 'POST');
    response = await server.request(method, '/mcp');
    assert.equal(response.status, 401, `${method} without a key`);
  }
});

test('the OpenAPI document does not list /mcp', async () => {
  const response = await server.request('GET', '/openapi/v1.json');
  assert.equal(response.status, 200);
  const paths = Object.keys(response.body.paths);
  assert.ok(paths.length > 10);
  assert.deepEqual(paths.filter((path) => path.startsWith('/mcp')), []);
});
