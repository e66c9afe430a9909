// mcp-resources.test.js - MCP resources and prompts through the official SDK client (spec
// mcp.md §10, §11 with issue 13's corrections): resources/list paginated (every runnable
// skill), resources/templates/list, reading every resource kind and its error codes, the
// permission reading needs; prompts/list and prompts/get for the three prompts and their errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startServer } from './lib/server.js';
import { accountsEnv } from './lib/accounts.js';
import { png } from './lib/images.js';
import { allPages, callOk, connect, listAllTools, personalKey, rawPost, rpc } from './lib/mcp.js';

const SKILLS = ['ai-caption', 'basic_image_enrich', 'exif-strip', 'format-convert', 'thumbnail',
  'watermark'];
let server;
let client;
let asset;

before(async () => {
  // a page size of 4 makes the six skill resources two pages
  server = await startServer({ env: accountsEnv({ Mcp__ListPageSize: '4' }, { machineKeys: true }) });
  client = await connect(server);
  await listAllTools(client);
  asset = await callOk(client, 'upload_asset', { fileName: 'resource.png', contentType: 'image/png',
    contentBase64: png(32, 24, { seed: 77 }).toString('base64'), runEnrichment: false });
  await callOk(client, 'run_asset_skill', { assetId: asset.id, skillName: 'thumbnail' });
});

after(async () => {
  await client?.close();
  await server.stop();
  server.cleanup();
});

async function expectMcpError(promise, code, dataCode) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof McpError, String(error));
    assert.equal(error.code, code, error.message);
    if (dataCode === null) assert.equal(error.data, undefined, JSON.stringify(error.data));
    else if (dataCode !== undefined) assert.equal(error.data?.code, dataCode, error.message);
    return true;
  });
}

// The one JSON content of a read.
function readJson(result, uri) {
  assert.equal(result.contents.length, 1);
  const [content] = result.contents;
  assert.equal(content.uri, uri);
  assert.equal(content.mimeType, 'application/json');
  return JSON.parse(content.text);
}

// ---- lists --------------------------------------------------------------------------------------

test('resources/list: the skill:// resource of every runnable skill, sorted, paginated', async () => {
  const first = await client.listResources();
  assert.equal(first.resources.length, 4);
  assert.ok(first.nextCursor);
  const { items, pages } = await allPages((params) => client.listResources(params), 'resources');
  assert.equal(pages, 2);
  assert.deepEqual(items.map((resource) => resource.uri), SKILLS.map((name) => `skill://${name}`));
  for (const resource of items) {
    assert.equal(resource.name, 'skill_detail');
    assert.equal(resource.mimeType, 'application/json');
    assert.equal(resource.title, resource.uri.slice('skill://'.length));
    assert.ok(resource.description.length > 10);
  }
  await expectMcpError(client.listResources({ cursor: 'garbage' }), -32602);
  const toolsCursor = (await client.listTools()).nextCursor;
  await expectMcpError(client.listResources({ cursor: toolsCursor }), -32602);
});

test('resources/templates/list: the asset templates and skill://{name}', async () => {
  const { resourceTemplates, nextCursor } = await client.listResourceTemplates();
  assert.equal(nextCursor, undefined);
  assert.deepEqual(resourceTemplates.map((t) => [t.uriTemplate, t.name, t.title]), [
    ['asset://{id}', 'asset_detail', 'Asset Detail'],
    ['asset://{id}/derivatives', 'asset_derivatives', 'Asset Derivatives'],
    ['asset://{id}/structured-results', 'asset_structured_results', 'Asset Structured Results'],
    ['skill://{name}', 'skill_detail', 'Skill Detail'],
  ]);
  for (const template of resourceTemplates) assert.equal(template.mimeType, 'application/json');
});

// ---- reading -------------------------------------------------------------------------------------

test('asset://{id} is the asset view, as get_asset', async () => {
  const uri = `asset://${asset.id}`;
  const view = readJson(await client.readResource({ uri }), uri);
  const viaTool = await callOk(client, 'get_asset', { id: asset.id });
  assert.deepEqual(view, viaTool);
  assert.equal(view.id, asset.id);
  assert.equal(view.latestExecutionSummary.skillName, 'thumbnail');
  assert.ok(!('storageKey' in view));
  // the host is lower-cased, the scheme is case-insensitive
  const upper = `ASSET://${asset.id.toUpperCase()}`;
  assert.deepEqual(readJson(await client.readResource({ uri: upper }), uri), view);
});

test('asset://{id}/derivatives and /structured-results', async () => {
  let uri = `asset://${asset.id}/derivatives`;
  const derivatives = readJson(await client.readResource({ uri }), uri);
  assert.equal(derivatives.assetId, asset.id);
  assert.deepEqual(derivatives.derivatives.map((d) => d.kind).sort(), ['preview_1024', 'thumbnail_256']);
  for (const derivative of derivatives.derivatives) {
    assert.deepEqual(Object.keys(derivative), ['kind', 'contentType', 'extension', 'size', 'width',
      'height', 'publicUrl', 'createdAtUtc']);
  }
  uri = `asset://${asset.id}/structured-results`;
  const structured = readJson(await client.readResource({ uri }), uri);
  assert.deepEqual(structured, { assetId: asset.id, structuredResults: [] });
});

test('skill://{name}: steps and parameters; aliases resolve, answers keep the URI', async () => {
  for (const name of SKILLS) {
    const uri = `skill://${name}`;
    const skill = readJson(await client.readResource({ uri }), uri);
    assert.equal(skill.skillName, name);
    assert.ok(Array.isArray(skill.steps) && skill.steps.length > 0);
    assert.ok(Array.isArray(skill.parameters));
  }
  const watermark = readJson(await client.readResource({ uri: 'skill://watermark' }), 'skill://watermark');
  assert.deepEqual(watermark.parameters.map((p) => p.name), ['text', 'opacity', 'fontSize', 'position']);
  const alias = readJson(await client.readResource({ uri: 'skill://Draw_Watermark' }), 'skill://draw_watermark');
  assert.equal(alias.skillName, 'watermark');
});

test('resource errors: -32602 with data.code for domain errors, without for bad URIs', async () => {
  const missing = '01234567-89ab-7def-8123-456789abcdef';
  const cases = [
    [`asset://not-a-guid`, 'resource_uri_invalid'],
    [`asset://${missing}`, 'asset_not_found'],
    [`asset://${missing}/derivatives`, 'asset_not_found'],
    [`asset://${asset.id}/thumbnails`, 'resource_not_found'],
    [`asset://${asset.id}/derivatives/extra`, 'resource_not_found'],
    ['skill://', 'resource_uri_invalid'],
    ['skill://watermark/parameters', 'resource_not_found'],
    ['skill://teleport', 'skill_not_found'],
    ['ftp://example.com/x', null],
    ['not a uri', null],
    ['asset:relative', null],
  ];
  for (const [uri, code] of cases) await expectMcpError(client.readResource({ uri }), -32602, code);
  for (const params of [{}, { uri: 5 }, undefined]) {
    const response = await rawPost(server, rpc('resources/read', params, 'r'));
    assert.equal(response.status, 200);
    assert.equal(response.body.error.code, -32602);
    assert.equal(response.body.error.data, undefined);
  }
});

test('reading resources needs assets.read', async () => {
  const { key } = await personalKey(server, { userPermissions: ['providers.read'] });
  const scoped = await connect(server, key);
  try {
    await expectMcpError(scoped.readResource({ uri: `asset://${asset.id}` }), -32602, 'auth_forbidden');
    await expectMcpError(scoped.readResource({ uri: 'skill://thumbnail' }), -32602, 'auth_forbidden');
    // listing is not reading: the lists and the prompts need no permission
    assert.equal((await allPages((params) => scoped.listResources(params), 'resources')).items.length, 6);
    assert.equal((await scoped.listPrompts()).prompts.length, 3);
  } finally {
    await scoped.close();
  }
});

// ---- prompts ------------------------------------------------------------------------------------

test('prompts/list: the three prompts with their arguments', async () => {
  const { prompts } = await client.listPrompts();
  assert.deepEqual(prompts.map((p) => [p.name, p.title]), [
    ['enrich_asset', 'Enrich Asset'],
    ['inspect_asset', 'Inspect Asset'],
    ['review_asset_outputs', 'Review Asset Outputs'],
  ]);
  assert.deepEqual(prompts[0].arguments.map((a) => [a.name, a.required]), [['assetId', true],
    ['skillName', false]]);
  assert.deepEqual(prompts[1].arguments.map((a) => [a.name, a.required]), [['assetId', true]]);
  assert.deepEqual(prompts[2].arguments.map((a) => [a.name, a.required]), [['assetId', true]]);
});

test('prompts/get: one Chinese user message naming the lower-case id, tools and resources', async () => {
  const upperId = asset.id.toUpperCase();
  const expectations = {
    inspect_asset: ['get_asset', `asset://${asset.id}`, '/derivatives', '/structured-results', 'run_asset_skill'],
    enrich_asset: ['list_skills', 'run_asset_skill', '"skillName": "basic_image_enrich"', `asset://${asset.id}`],
    review_asset_outputs: [`asset://${asset.id}/derivatives`, '/structured-results', 'basic_image_enrich'],
  };
  for (const [name, mentions] of Object.entries(expectations)) {
    const result = await client.getPrompt({ name, arguments: { assetId: `{${upperId}}` } });
    assert.ok(result.description.length > 10);
    assert.equal(result.messages.length, 1);
    const [message] = result.messages;
    assert.equal(message.role, 'user');
    assert.equal(message.content.type, 'text');
    assert.match(message.content.text, /[\u4e00-\u9fff]/, 'Chinese text');
    assert.ok(!message.content.text.includes(upperId));
    for (const mention of mentions) assert.ok(message.content.text.includes(mention), `${name}: ${mention}`);
  }
  // the asset's existence is not checked; skillName is trimmed, not validated
  const result = await client.getPrompt({ name: 'enrich_asset', arguments: {
    assetId: '01234567-89ab-7def-8123-456789abcdef', skillName: '  watermark ' } });
  assert.ok(result.messages[0].content.text.includes('"skillName": "watermark"'));
});

test('prompts/get errors', async () => {
  await expectMcpError(client.getPrompt({ name: 'nope', arguments: { assetId: asset.id } }), -32601,
    'prompt_not_found');
  await expectMcpError(client.getPrompt({ name: 'inspect_asset' }), -32602, 'prompt_arguments_invalid');
  await expectMcpError(client.getPrompt({ name: 'inspect_asset', arguments: {} }), -32602,
    'prompt_argument_invalid');
  await expectMcpError(client.getPrompt({ name: 'inspect_asset', arguments: { assetId: 'nope' } }), -32602,
    'prompt_argument_invalid');
  let response = await rawPost(server, rpc('prompts/get', { name: 'inspect_asset', arguments: [asset.id] }));
  assert.equal(response.body.error.code, -32602);
  assert.equal(response.body.error.data.code, 'prompt_arguments_invalid');
  response = await rawPost(server, rpc('prompts/get', { name: 'inspect_asset', arguments: { assetId: 5 } }));
  assert.equal(response.body.error.data.code, 'prompt_argument_invalid');
  response = await rawPost(server, rpc('prompts/get', { arguments: { assetId: asset.id } }));
  assert.equal(response.body.error.code, -32602);
});
