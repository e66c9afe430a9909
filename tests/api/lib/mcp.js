// mcp.js - helpers for the MCP suites: a server with the machine key enabled, the official SDK
// client connected over Streamable HTTP with a Bearer key, raw JSON-RPC POSTs for the pipeline
// rules, every page of a paginated list, tool results read back (structuredContent, or the
// error of an isError result), and a personal key with chosen permissions.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { NekoHub } from './server.js';
import { accountsEnv, createKey, createUser, login, MACHINE_KEY, ROOT, uniqueName } from './accounts.js';

export { MACHINE_KEY };

export const VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'];

// A started server with the accounts environment and the machine key enabled.
export async function startMcpServer(env = {}) {
  const server = new NekoHub({ env: accountsEnv(env, { machineKeys: true }) });
  await server.start();
  return server;
}

// The SDK client connected to /mcp with `key` (initialize + notifications/initialized done).
// options.protocolVersion: offer this version instead of the SDK's latest.
export async function connect(server, key = MACHINE_KEY, { protocolVersion, name = 'nekohub-tests' } = {}) {
  const client = new Client({ name, version: '1.0.0' });
  if (protocolVersion) {
    // The SDK offers its latest version; a test of an older one offers that one instead.
    const original = client.request.bind(client);
    client.request = (request, schema, options) => {
      if (request.method === 'initialize') request.params.protocolVersion = protocolVersion;
      return original(request, schema, options);
    };
  }
  const transport = new StreamableHTTPClientTransport(new URL(server.url('/mcp')), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

// POST /mcp with a raw body (a string, or an object sent as JSON). Returns the harness response.
export function rawPost(server, body, { key = MACHINE_KEY, headers = {} } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const allHeaders = { 'Content-Type': 'application/json', ...headers };
  if (key) allHeaders.Authorization = `Bearer ${key}`;
  return server.request('POST', '/mcp', { body: text, headers: allHeaders });
}

let nextId = 1;
// A JSON-RPC request object.
export function rpc(method, params, id = nextId++) {
  const message = { jsonrpc: '2.0', id, method };
  if (params !== undefined) message.params = params;
  return message;
}

// Every page of a list method through the SDK (listTools, listResources, ...): returns the
// concatenated items and the number of pages.
export async function allPages(list, member) {
  const items = [];
  let cursor;
  let pages = 0;
  do {
    const page = await list(cursor === undefined ? undefined : { cursor });
    pages += 1;
    items.push(...page[member]);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { items, pages };
}

// List every tool (all pages) and let the client validate every tool's results against its
// output schema (the SDK only caches the schemas of the last page it listed).
export async function listAllTools(client) {
  const { items, pages } = await allPages((params) => client.listTools(params), 'tools');
  client.cacheToolMetadata(items);
  return { tools: items, pages };
}

// Call a tool that must succeed; the SDK has validated structuredContent against the output
// schema. Returns structuredContent.
export async function callOk(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert.ok(!result.isError, `${name} failed: ${JSON.stringify(result.content)}`);
  assert.equal(result.content[0].type, 'text');
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent);
  return result.structuredContent;
}

// Call a tool that must fail with a tool error of `code`; returns the error object.
export async function callError(client, name, args, code) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, true, `${name} should fail with ${code}: ${JSON.stringify(result)}`);
  assert.equal(result.structuredContent, undefined);
  const { error } = JSON.parse(result.content[0].text);
  assert.equal(error.code, code, `${name}: ${error.message}`);
  return error;
}

// A user with `userPermissions` and a personal key of that user holding `keyPermissions`.
export async function personalKey(server, { userPermissions, keyPermissions = userPermissions } = {}) {
  const root = await login(server, ROOT.username, ROOT.password);
  const user = await createUser(server, root.accessToken, { username: uniqueName('mcp'),
    permissions: userPermissions });
  const session = await login(server, user.username, user.password);
  const key = await createKey(server, session.accessToken, { permissions: keyPermissions });
  return { user, key: key.key, keyId: key.id, accessToken: session.accessToken };
}
