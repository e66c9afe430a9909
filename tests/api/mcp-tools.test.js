// mcp-tools.test.js - the 14 MCP tools through the official SDK client (spec mcp.md §8, §9 with
// issue 13's corrections): tools/list paginated with cursors; every tool called with valid
// arguments (the SDK validates structuredContent against each tool's outputSchema, so a
// mismatch fails the call) and with invalid ones (tool errors naming the code); upload then
// get/patch/list/delete; run_asset_skill returning the skill's result; the storage profile tools;
// permissions of a personal key (key ∩ owner) and the audit entries of changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startServer } from './lib/server.js';
import { accountsEnv, auditEntries } from './lib/accounts.js';
import { png } from './lib/images.js';
import { callError, callOk, connect, listAllTools, personalKey, rawPost, rpc,
  MACHINE_KEY } from './lib/mcp.js';

const EXPECTED_TOOLS = {
  // name: [title, readOnly, destructive, idempotent]
  batch_delete_assets: ['Batch Delete Assets', false, true, false],
  create_storage_profile: ['Create Storage Profile', false, false, false],
  delete_asset: ['Delete Asset', false, true, false],
  delete_storage_profile: ['Delete Storage Profile', false, true, false],
  get_asset: ['Get Asset', true, false, true],
  get_asset_content_url: ['Get Asset Content URL', true, false, true],
  get_asset_usage_stats: ['Get Asset Usage Stats', true, false, true],
  list_assets: ['List Assets', true, false, true],
  list_skills: ['List Skills', true, false, true],
  list_storage_profiles: ['List Storage Profiles', true, false, true],
  patch_asset: ['Patch Asset', false, false, false],
  run_asset_skill: ['Run Asset Skill', false, false, false],
  update_storage_profile: ['Update Storage Profile', false, false, false],
  upload_asset: ['Upload Asset', false, false, false],
};

const MAX_UPLOAD = 200000;
let server;
let client;
let tools;
let seed = 5000;

before(async () => {
  server = await startServer({ env: accountsEnv({ Api__Assets__MaxUploadSizeBytes: String(MAX_UPLOAD) },
    { machineKeys: true }) });
  client = await connect(server);
  ({ tools } = await listAllTools(client));
});

after(async () => {
  await client?.close();
  await server.stop();
  server.cleanup();
});

function pngBase64(width = 40, height = 30) {
  seed += 1;
  return png(width, height, { seed }).toString('base64');
}

async function uploadAsset(extra = {}, caller = client) {
  return callOk(caller, 'upload_asset', { fileName: `mcp-${seed}.png`, contentType: 'image/png',
    contentBase64: pngBase64(), ...extra });
}

async function restDetail(id) {
  return server.request('GET', `/api/v1/assets/${id}`, { token: MACHINE_KEY });
}

// A tools/call the SDK must refuse with a JSON-RPC error of `code`.
async function expectRpcError(promise, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof McpError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
}

// ---- tools/list ------------------------------------------------------------------------------

test('tools/list: 14 tools on two pages of 10, sorted, with schemas and annotations', async () => {
  const first = await client.listTools();
  assert.equal(first.tools.length, 10);
  assert.equal(typeof first.nextCursor, 'string');
  const second = await client.listTools({ cursor: first.nextCursor });
  assert.equal(second.tools.length, 4);
  assert.equal(second.nextCursor, undefined);
  const names = [...first.tools, ...second.tools].map((tool) => tool.name);
  assert.deepEqual(names, Object.keys(EXPECTED_TOOLS));
  assert.deepEqual(names, [...names].sort());
  for (const tool of tools) {
    const [title, readOnly, destructive, idempotent] = EXPECTED_TOOLS[tool.name];
    assert.equal(tool.title, title);
    assert.ok(tool.description.length > 10);
    assert.deepEqual(tool.annotations, { title, readOnlyHint: readOnly, destructiveHint: destructive,
      idempotentHint: idempotent, openWorldHint: false });
    assert.equal(tool.inputSchema.type, 'object');
    assert.equal(tool.inputSchema.additionalProperties, false);
    const output = tool.outputSchema;
    assert.equal(output.type, 'object');
    assert.equal(output.additionalProperties, false);
    assert.deepEqual([...output.required].sort(), Object.keys(output.properties).sort(),
      `${tool.name}: every member is required`);
    const text = JSON.stringify(output);
    for (const internal of ['storedFileName', 'storageKey', 'storageProvider"', 'storageProviderProfileId']) {
      assert.ok(!text.includes(internal), `${tool.name} output must not carry ${internal}`);
    }
  }
  const upload = tools.find((tool) => tool.name === 'upload_asset');
  assert.deepEqual(upload.inputSchema.required, ['fileName', 'contentType', 'contentBase64']);
  assert.equal(upload.inputSchema.properties.runEnrichment.type, 'boolean');
  const asset = upload.outputSchema.properties;
  assert.deepEqual(asset.originalFileName.type, ['string', 'null']);
  assert.deepEqual(asset.latestExecutionSummary.type, ['object', 'null']);
});

test('tools/list: an invalid cursor, or another list\'s, is -32602', async () => {
  await expectRpcError(client.listTools({ cursor: 'not-a-cursor' }), -32602);
  const resources = await rawPost(server, rpc('resources/list', {}));
  assert.equal(resources.status, 200);
  const first = await client.listTools();
  const forged = Buffer.from('nh1:tools:99').toString('base64url');
  await expectRpcError(client.listTools({ cursor: forged }), -32602);
  const resourcesCursor = Buffer.from('nh1:resources:1').toString('base64url');
  await expectRpcError(client.listTools({ cursor: resourcesCursor }), -32602);
  assert.ok(first.nextCursor);
});

test('tools/call: an unknown tool is -32601, a call without a name -32602', async () => {
  await expectRpcError(client.callTool({ name: 'no_such_tool', arguments: {} }), -32601);
  await expectRpcError(client.callTool({ name: 'List_Assets', arguments: {} }), -32601);
  const response = await rawPost(server, rpc('tools/call', { arguments: {} }, 9));
  assert.equal(response.body.error.code, -32602);
});

// ---- arguments --------------------------------------------------------------------------------

test('arguments are checked against the input schema, naming the argument', async () => {
  let error = await callError(client, 'get_asset', {}, 'tool_arguments_invalid');
  assert.match(error.message, /'id'/);
  error = await callError(client, 'get_asset', { id: 'nope' }, 'tool_argument_invalid');
  assert.match(error.message, /'id'/);
  error = await callError(client, 'get_asset', { id: '01234567-89ab-7def-8123-456789abcdef', extra: 1 },
    'tool_arguments_invalid');
  assert.match(error.message, /'extra'/);
  // names are matched as the schema spells them
  error = await callError(client, 'list_assets', { PageSize: 5 }, 'tool_arguments_invalid');
  assert.match(error.message, /'PageSize'/);
  // numbers are JSON numbers, integers where the schema says so
  error = await callError(client, 'list_assets', { page: '1' }, 'tool_arguments_invalid');
  assert.match(error.message, /'page'/);
  await callError(client, 'list_assets', { pageSize: 2.5 }, 'tool_arguments_invalid');
  await callError(client, 'patch_asset', { id: '01234567-89ab-7def-8123-456789abcdef', isPublic: null },
    'tool_arguments_invalid');
  await callError(client, 'list_skills', { anything: true }, 'tool_arguments_invalid');
  // raw: arguments that are not an object
  const response = await rawPost(server, rpc('tools/call', { name: 'get_asset', arguments: [1] }));
  assert.equal(response.body.result.isError, true);
  assert.match(response.body.result.content[0].text, /tool_arguments_invalid/);
});

// ---- assets -------------------------------------------------------------------------------------

test('upload_asset, then get_asset, patch_asset, list_assets and delete_asset', async () => {
  const uploaded = await uploadAsset({ description: 'a cat', altText: null, isPublic: false,
    runEnrichment: false });
  assert.equal(uploaded.contentType, 'image/png');
  assert.equal(uploaded.width, 40);
  assert.equal(uploaded.height, 30);
  assert.equal(uploaded.description, 'a cat');
  assert.equal(uploaded.altText, null, 'null members are present as null');
  assert.equal(uploaded.isPublic, false);
  assert.equal(uploaded.publicUrl, null);
  assert.equal(uploaded.latestExecutionSummary, null);
  assert.deepEqual(uploaded.processing, { state: 'idle', pendingJobs: 0, lastError: null });
  for (const internal of ['storedFileName', 'storageKey', 'storageProvider', 'storageProviderProfileId']) {
    assert.ok(!(internal in uploaded), internal);
  }
  const rest = await restDetail(uploaded.id);
  assert.equal(rest.status, 200);
  assert.equal(rest.body.data.checksumSha256, uploaded.checksumSha256);

  const got = await callOk(client, 'get_asset', { id: uploaded.id.toUpperCase() });
  assert.deepEqual(got, uploaded);

  const patched = await callOk(client, 'patch_asset', { id: uploaded.id, description: null,
    altText: 'alt', originalFileName: 'renamed.png', isPublic: true });
  assert.equal(patched.description, null);
  assert.equal(patched.altText, 'alt');
  assert.equal(patched.originalFileName, 'renamed.png');
  assert.equal(patched.isPublic, true);
  assert.match(patched.publicUrl, /^http:\/\//);
  const kept = await callOk(client, 'patch_asset', { id: uploaded.id });
  assert.equal(kept.altText, 'alt', 'absent arguments are kept');

  const page = await callOk(client, 'list_assets', { query: 'renamed', pageSize: 5 });
  assert.equal(page.total, 1);
  assert.equal(page.items[0].id, uploaded.id);
  assert.deepEqual(Object.keys(page.items[0]), ['id', 'type', 'status', 'originalFileName',
    'contentType', 'size', 'width', 'height', 'publicUrl', 'isPublic', 'createdAtUtc', 'updatedAtUtc']);

  const deleted = await callOk(client, 'delete_asset', { id: uploaded.id });
  assert.equal(deleted.id, uploaded.id);
  assert.equal(deleted.status, 'deleted');
  assert.equal((await restDetail(uploaded.id)).status, 404);
  await callError(client, 'delete_asset', { id: uploaded.id }, 'asset_not_found');
  await callError(client, 'get_asset', { id: uploaded.id }, 'asset_not_found');
});

test('upload_asset queues enrichment unless runEnrichment is false', async () => {
  const queued = await uploadAsset();
  assert.equal(queued.isPublic, true, 'isPublic defaults to true');
  assert.ok(['queued', 'running', 'idle'].includes(queued.processing.state));
  assert.ok(queued.processing.pendingJobs >= 0);
  const jobs = await server.request('GET', `/api/v1/system/jobs?assetId=${queued.id}`, { token: MACHINE_KEY });
  assert.equal(jobs.body.data.total, 1);
  const plain = await uploadAsset({ runEnrichment: false });
  const none = await server.request('GET', `/api/v1/system/jobs?assetId=${plain.id}`, { token: MACHINE_KEY });
  assert.equal(none.body.data.total, 0);
});

test('upload_asset refuses bad input with the spec\'s codes, in its order', async () => {
  const base = { fileName: 'x.png', contentType: 'image/png', contentBase64: pngBase64() };
  const cases = [
    [{ ...base, fileName: '   ' }, 'asset_filename_invalid'],
    [{ ...base, fileName: ' ', contentType: ' ' }, 'asset_filename_invalid'],
    [{ ...base, contentType: '  ' }, 'asset_content_type_missing'],
    [{ ...base, contentBase64: '   ' }, 'asset_file_required'],
    [{ ...base, description: 'd'.repeat(1001) }, 'asset_description_too_long'],
    [{ ...base, altText: 'a'.repeat(1001) }, 'asset_alt_text_too_long'],
    [{ ...base, contentType: 'text/plain' }, 'asset_content_type_not_allowed'],
    [{ ...base, storageProviderProfileId: 'nope' }, 'tool_argument_invalid'],
    [{ ...base, contentBase64: '!!!not base64!!!' }, 'asset_base64_invalid'],
    [{ ...base, contentBase64: Buffer.alloc(MAX_UPLOAD + 1, 7).toString('base64') }, 'asset_file_too_large'],
    [{ ...base, contentBase64: Buffer.from('not an image at all').toString('base64') }, 'asset_content_mismatch'],
    [{ ...base, storageProviderProfileId: '01234567-89ab-7def-8123-456789abcdef' }, 'storage_provider_profile_not_found'],
    [{ ...base, contentBase64: '' }, 'tool_arguments_invalid'],
    [{ fileName: 'x.png', contentType: 'image/png' }, 'tool_arguments_invalid'],
    [{ ...base, isPublic: 'yes' }, 'tool_arguments_invalid'],
  ];
  for (const [args, code] of cases) await callError(client, 'upload_asset', args, code);
  // 1000 characters are fine; whitespace in base64 is ignored
  const ok = await callOk(client, 'upload_asset', { ...base, description: 'd'.repeat(1000),
    contentBase64: base.contentBase64.replace(/(.{60})/g, '$1\n'), runEnrichment: false });
  assert.equal(ok.description.length, 1000);
});

test('patch_asset enforces the 1000-character limits and file name rules', async () => {
  const asset = await uploadAsset({ runEnrichment: false });
  await callError(client, 'patch_asset', { id: asset.id, description: 'x'.repeat(1001) },
    'asset_description_too_long');
  await callError(client, 'patch_asset', { id: asset.id, altText: 'x'.repeat(1001) },
    'asset_alt_text_too_long');
  await callError(client, 'patch_asset', { id: asset.id, originalFileName: 'dir/' },
    'asset_filename_invalid');
  await callError(client, 'patch_asset', { id: '01234567-89ab-7def-8123-456789abcdef', altText: 'x' },
    'asset_not_found');
  const unchanged = await callOk(client, 'get_asset', { id: asset.id });
  assert.equal(unchanged.description, null);
  const patched = await callOk(client, 'patch_asset', { id: asset.id, description: 'é'.repeat(1000) });
  assert.equal(patched.description, 'é'.repeat(1000));
});

test('list_assets pages like GET /api/v1/assets and validates paging', async () => {
  for (let i = 0; i < 3; i++) await uploadAsset({ runEnrichment: false });
  const mcpPage = await callOk(client, 'list_assets', { page: 2, pageSize: 2, orderBy: 'createdAt',
    orderDirection: 'asc' });
  const rest = await server.request('GET', '/api/v1/assets?page=2&pageSize=2&orderBy=createdAt&orderDirection=asc',
    { token: MACHINE_KEY });
  assert.equal(rest.status, 200);
  assert.equal(mcpPage.page, 2);
  assert.equal(mcpPage.pageSize, 2);
  assert.equal(mcpPage.total, rest.body.data.total);
  assert.deepEqual(mcpPage.items.map((item) => item.id), rest.body.data.items.map((item) => item.id));
  const defaults = await callOk(client, 'list_assets', {});
  assert.equal(defaults.page, 1);
  assert.equal(defaults.pageSize, 20);
  await callOk(client, 'list_assets', { pageSize: 100, status: 'READY', contentType: ' image/png ', query: null });
  await callError(client, 'list_assets', { page: 0 }, 'page_out_of_range');
  await callError(client, 'list_assets', { pageSize: 0 }, 'page_size_out_of_range');
  await callError(client, 'list_assets', { pageSize: 101 }, 'page_size_too_large');
});

test('get_asset_content_url: the public URL of a public asset; private ones have none', async () => {
  const asset = await uploadAsset({ runEnrichment: false });
  const result = await callOk(client, 'get_asset_content_url', { id: asset.id });
  assert.equal(result.id, asset.id);
  assert.equal(result.preserveMethod, true);
  assert.equal(result.contentUrl, asset.publicUrl);
  const content = await fetch(result.contentUrl);
  assert.equal(content.status, 200);
  assert.equal(Buffer.from(await content.arrayBuffer()).length, asset.size);
  const hidden = await uploadAsset({ runEnrichment: false, isPublic: false });
  await callError(client, 'get_asset_content_url', { id: hidden.id }, 'asset_not_found');
  await callError(client, 'get_asset_content_url', { id: '01234567-89ab-7def-8123-456789abcdef' }, 'asset_not_found');
});

test('get_asset_usage_stats matches GET /api/v1/assets/usage-stats', async () => {
  await uploadAsset({ runEnrichment: false });
  const stats = await callOk(client, 'get_asset_usage_stats', {});
  const rest = await server.request('GET', '/api/v1/assets/usage-stats', { token: MACHINE_KEY });
  assert.equal(rest.status, 200);
  assert.equal(stats.totalAssets, rest.body.data.totalAssets);
  assert.equal(stats.totalBytes, rest.body.data.totalBytes);
  assert.deepEqual(stats.contentTypeBreakdown, rest.body.data.contentTypeBreakdown);
  assert.ok(stats.totalAssets >= 1);
  await callOk(client, 'get_asset_usage_stats', undefined);
});

test('batch_delete_assets deletes each id, lists the missing, refuses a bad id first', async () => {
  const a = await uploadAsset({ runEnrichment: false });
  const b = await uploadAsset({ runEnrichment: false });
  const missing = '01234567-89ab-7def-8123-456789abcdef';
  await callError(client, 'batch_delete_assets', { ids: [a.id, 'nope'] }, 'tool_argument_invalid');
  assert.equal((await restDetail(a.id)).status, 200, 'nothing deleted when an id is not a GUID');
  await callError(client, 'batch_delete_assets', {}, 'tool_arguments_invalid');
  const result = await callOk(client, 'batch_delete_assets', { ids: [a.id, missing, b.id] });
  assert.deepEqual(result, { requestedCount: 3, deletedCount: 2, notFoundIds: [missing], failures: [] });
  assert.equal((await restDetail(b.id)).status, 404);
  assert.deepEqual(await callOk(client, 'batch_delete_assets', { ids: [] }),
    { requestedCount: 0, deletedCount: 0, notFoundIds: [], failures: [] });
});

// ---- skills -------------------------------------------------------------------------------------

test('list_skills lists every runnable skill with steps and parameters', async () => {
  const { skills } = await callOk(client, 'list_skills', {});
  assert.deepEqual(skills.map((skill) => skill.skillName),
    ['basic_image_enrich', 'thumbnail', 'ai-caption', 'exif-strip', 'format-convert', 'watermark']);
  const convert = skills.find((skill) => skill.skillName === 'format-convert');
  assert.deepEqual(convert.steps, ['convert_image_format']);
  assert.equal(convert.parameters.find((p) => p.name === 'targetFormat').required, true);
  assert.deepEqual(skills.find((skill) => skill.skillName === 'thumbnail').parameters, []);
});

test('run_asset_skill runs through the job queue and returns the skill\'s result', async () => {
  const asset = await uploadAsset({ runEnrichment: false });
  const result = await callOk(client, 'run_asset_skill', { assetId: asset.id, skillName: 'generate_thumbnail' });
  assert.equal(result.state, 'succeeded');
  assert.equal(result.succeeded, true);
  assert.equal(result.skillName, 'thumbnail');
  assert.deepEqual(result.steps.map((step) => [step.name, step.succeeded, step.status]),
    [['generate_thumbnail', true, 'succeeded']]);
  assert.equal(result.asset.id, asset.id);
  assert.deepEqual(result.asset.derivatives.map((d) => d.kind).sort(), ['preview_1024', 'thumbnail_256']);
  assert.equal(result.asset.latestExecutionSummary.executionId, result.executionId);
  const job = await server.request('GET', `/api/v1/system/jobs/${result.jobId}`, { token: MACHINE_KEY });
  assert.equal(job.body.data.state, 'succeeded');
  assert.equal(job.body.data.triggerSource, 'manual');
  const execution = await server.request('GET',
    `/api/v1/assets/${asset.id}/executions/${result.executionId}`, { token: MACHINE_KEY });
  assert.equal(execution.status, 200);
  assert.equal(execution.body.data.skillName, 'thumbnail');
});

test('run_asset_skill with parameters; its validation codes as tool errors', async () => {
  const asset = await uploadAsset({ runEnrichment: false });
  const converted = await callOk(client, 'run_asset_skill', { assetId: asset.id, skillName: 'format-convert',
    parameters: { targetFormat: 'webp' } });
  assert.equal(converted.succeeded, true);
  assert.equal(converted.asset.contentType, 'image/webp');
  await callError(client, 'run_asset_skill', { assetId: asset.id, skillName: '  ' }, 'skill_name_required');
  await callError(client, 'run_asset_skill', { assetId: '01234567-89ab-7def-8123-456789abcdef',
    skillName: 'thumbnail' }, 'asset_not_found');
  await callError(client, 'run_asset_skill', { assetId: asset.id, skillName: 'teleport' }, 'skill_not_found');
  await callError(client, 'run_asset_skill', { assetId: asset.id, skillName: 'format-convert' },
    'format_convert_target_format_required');
  await callError(client, 'run_asset_skill', { assetId: asset.id, skillName: 'watermark',
    parameters: { opacity: 3 } }, 'watermark_opacity_out_of_range');
  await callError(client, 'run_asset_skill', { assetId: asset.id, skillName: 'thumbnail', parameters: 'x' },
    'tool_arguments_invalid');
  await callError(client, 'run_asset_skill', { assetId: asset.id }, 'tool_arguments_invalid');
});

// ---- storage profiles ---------------------------------------------------------------------------

let profileCounter = 0;
function localRoot() {
  profileCounter += 1;
  const dir = join(server.dataDir, 'profiles', `mcp-${profileCounter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('storage profile tools: create, update, list, set default, delete', async () => {
  const name = `mcp-local-${process.pid}`;
  const created = await callOk(client, 'create_storage_profile', { name, displayName: 'MCP local',
    providerType: 'local', configuration: { rootPath: localRoot() } });
  assert.equal(created.name, name);
  assert.equal(created.isEnabled, true);
  assert.equal(created.isDefault, false);
  assert.equal(created.capabilities.supportsDelete, true);
  assert.equal(created.configurationSummary.endpointHost, null);

  const updated = await callOk(client, 'update_storage_profile', { id: created.id, displayName: null });
  assert.equal(updated.displayName, null);
  const promoted = await callOk(client, 'update_storage_profile', { id: created.id, setAsDefault: true });
  assert.equal(promoted.isDefault, true);

  const { profiles } = await callOk(client, 'list_storage_profiles', {});
  assert.ok(profiles.some((profile) => profile.id === created.id && profile.isDefault));
  assert.equal(profiles.filter((profile) => profile.isDefault).length, 1);

  // the seeded profile becomes the default again so this one can go
  const seeded = profiles.find((profile) => profile.name === 'local-default');
  await callOk(client, 'update_storage_profile', { id: seeded.id, setAsDefault: true });
  const deleted = await callOk(client, 'delete_storage_profile', { id: created.id });
  assert.deepEqual([deleted.id, deleted.status, deleted.wasDefault], [created.id, 'deleted', false]);
  await callError(client, 'delete_storage_profile', { id: created.id }, 'storage_provider_profile_not_found');
});

test('storage profile tools: secrets never come back; domain errors are tool errors', async () => {
  const secret = 'very-secret-value-123';
  const result = await client.callTool({ name: 'create_storage_profile', arguments: {
    name: `mcp-s3-${process.pid}`, providerType: 's3-compatible',
    configuration: { endpoint: 'http://127.0.0.1:9/', bucket: 'bucket', region: 'us-east-1' },
    secretConfiguration: { accessKey: 'AKIAEXAMPLE', secretKey: secret } } });
  assert.ok(!result.isError, JSON.stringify(result));
  assert.ok(!JSON.stringify(result).includes(secret));
  assert.deepEqual(result.structuredContent.secretFieldsSet.sort(), ['accessKey', 'secretKey']);
  assert.equal(result.structuredContent.configurationSummary.endpointHost, '127.0.0.1:9');

  await callError(client, 'create_storage_profile', { name: 'x', providerType: 'ftp', configuration: {} },
    'storage_provider_profile_provider_type_unsupported');
  await callError(client, 'create_storage_profile', { name: 'x', providerType: 'local' },
    'tool_arguments_invalid');
  await callError(client, 'create_storage_profile', { name: '', providerType: 'local', configuration: {} },
    'tool_arguments_invalid');
  await callError(client, 'create_storage_profile', { name: `mcp-s3-${process.pid}`, providerType: 'local',
    configuration: { rootPath: localRoot() } }, 'storage_provider_profile_name_conflict');
  await callError(client, 'update_storage_profile', { id: '01234567-89ab-7def-8123-456789abcdef', name: 'y' },
    'storage_provider_profile_not_found');
  await callError(client, 'update_storage_profile', { id: result.structuredContent.id, isEnabled: 'no' },
    'tool_arguments_invalid');
});

// ---- permissions and audit ----------------------------------------------------------------------

test('a personal key acts with key ∩ owner: no assets.delete, no delete', async () => {
  // the owner may delete, the key may not
  const { key, keyId } = await personalKey(server, {
    userPermissions: ['assets.read', 'assets.create', 'assets.update', 'assets.delete'],
    keyPermissions: ['assets.read', 'assets.create', 'assets.update'] });
  const scoped = await connect(server, key);
  try {
    await listAllTools(scoped);
    const asset = await uploadAsset({ runEnrichment: false }, scoped);
    const error = await callError(scoped, 'delete_asset', { id: asset.id }, 'auth_forbidden');
    assert.match(error.message, /assets\.delete/);
    await callError(scoped, 'batch_delete_assets', { ids: [asset.id] }, 'auth_forbidden');
    assert.equal((await callOk(scoped, 'get_asset', { id: asset.id })).id, asset.id, 'the asset survives');
    assert.equal((await restDetail(asset.id)).status, 200);
    // the permission is checked before the arguments
    await callError(scoped, 'delete_asset', {}, 'auth_forbidden');
    await callError(scoped, 'list_storage_profiles', {}, 'auth_forbidden');
    await callError(scoped, 'create_storage_profile', { name: 'n', providerType: 'local', configuration: {} },
      'auth_forbidden');
    // the upload records the key's owner
    const rest = await restDetail(asset.id);
    assert.notEqual(rest.body.data.createdByUserId, null);
    // a visibility change is audited with the key as actor
    await callOk(scoped, 'patch_asset', { id: asset.id, isPublic: false });
    const entries = await auditEntries(server, MACHINE_KEY, { action: 'asset.visibility_change', target: asset.id });
    assert.equal(entries.length, 1);
    assert.equal(entries[0].actorType, 'personalApiKey');
    assert.equal(entries[0].actorId, keyId);
  } finally {
    await scoped.close();
  }
});

test('setAsDefault needs settings.update besides providers.update', async () => {
  const { key } = await personalKey(server, { userPermissions: ['providers.read', 'providers.update',
    'providers.create'] });
  const scoped = await connect(server, key);
  try {
    await listAllTools(scoped);
    const profile = await callOk(scoped, 'create_storage_profile', { name: `mcp-nodefault-${process.pid}`,
      providerType: 'local', configuration: { rootPath: localRoot() } });
    const error = await callError(scoped, 'update_storage_profile', { id: profile.id, displayName: 'changed',
      setAsDefault: true }, 'auth_forbidden');
    assert.match(error.message, /settings\.update/);
    const { profiles } = await callOk(scoped, 'list_storage_profiles', {});
    const same = profiles.find((p) => p.id === profile.id);
    assert.equal(same.isDefault, false);
    assert.equal(same.displayName, null, 'nothing changed');
    await callOk(scoped, 'update_storage_profile', { id: profile.id, displayName: 'changed' });
  } finally {
    await scoped.close();
  }
});

test('changes are audited like their REST twins, with the key as actor', async () => {
  const asset = await uploadAsset({ runEnrichment: false });
  await callOk(client, 'delete_asset', { id: asset.id });
  const deletions = await auditEntries(server, MACHINE_KEY, { action: 'asset.delete', target: asset.id });
  assert.equal(deletions.length, 1);
  assert.equal(deletions[0].actorType, 'apiKey');
  assert.match(deletions[0].actorName, /^api-key:/);
  assert.equal(deletions[0].userAgent !== undefined, true);

  const profile = await callOk(client, 'create_storage_profile', { name: `mcp-audit-${process.pid}`,
    providerType: 'local', configuration: { rootPath: localRoot() } });
  await callOk(client, 'update_storage_profile', { id: profile.id, displayName: 'Audited' });
  await callOk(client, 'delete_storage_profile', { id: profile.id });
  for (const action of ['storage_provider.create', 'storage_provider.update', 'storage_provider.delete']) {
    const entries = await auditEntries(server, MACHINE_KEY, { action, target: profile.id });
    assert.equal(entries.length, 1, action);
    assert.equal(entries[0].actorType, 'apiKey');
  }
  const batch = await uploadAsset({ runEnrichment: false });
  await callOk(client, 'batch_delete_assets', { ids: [batch.id] });
  assert.equal((await auditEntries(server, MACHINE_KEY, { action: 'asset.batch_delete', target: batch.id })).length, 1);
});
