// workflows-crud.test.js - workflow profiles (spec processing.md §12 with issue 12's corrections):
// create with 201 and Location, the profile shape, the stored graph text verbatim, every check
// of §12.2 in order, the save-time graph checks (400 with the code and the node, nothing
// written), name conflicts ignoring case, PUT as a full replacement, DELETE 204, the auto-run
// switch (one at most, also under parallel PATCHes), the list order, permissions and the audit
// log. No job workers: nothing here runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, ISO_UTC } from './lib/server.js';
import { accountsEnv, ROOT, login, createUser, auditEntries } from './lib/accounts.js';
import { sqlRows } from './lib/steps.js';

const BASE = '/api/v1/system/workflows';
let server;
let token;

before(async () => {
  server = await startServer({ env: accountsEnv({ Processing__Workers: '0' }) });
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

after(async () => {
  await server?.stop();
  server?.assertClean();
  server?.cleanup();
});

const request = (method, path, json) => server.request(method, path, { json, token });
let counter = 0;
const unique = (prefix = 'wf') => `${prefix}-${process.pid}-${++counter}`;

// A graph in the original editor's format: nodes of type "skill" with data {skillId, parameters},
// edges chaining them, a viewport.
function graph(...skills) {
  const nodes = skills.map((skill, index) => {
    const [skillId, parameters] = Array.isArray(skill) ? skill : [skill, undefined];
    const data = parameters === undefined ? { skillId } : { skillId, parameters };
    return { id: `node-${index}`, type: 'skill', position: { x: index * 200, y: 80 }, data };
  });
  const edges = nodes.slice(1).map((node, index) => ({ id: `e${index}`, source: nodes[index].id,
    target: node.id }));
  return JSON.stringify({ nodes, edges, viewport: { x: 0, y: 0, zoom: 1 } });
}

async function create(extra = {}) {
  const response = await request('POST', BASE, { name: unique(), graphJson: graph('thumbnail'), ...extra });
  assert.equal(response.status, 201, response.text);
  return response.body.data;
}

async function list() {
  const response = await request('GET', BASE);
  assert.equal(response.status, 200, response.text);
  return response.body.data;
}

const rowCount = () => Number(sqlRows(server, 'SELECT COUNT(*) FROM workflow_profiles')[0][0]);
const autoRunIds = () => sqlRows(server, 'SELECT id FROM workflow_profiles WHERE is_auto_run = 1')
  .map(([id]) => id);

test('create: 201 with Location, the profile shape, the graph text stored verbatim', async () => {
  const text = `{"nodes":[{"id":"n1","type":"skill","position":{"x":10,"y":20},"width":150,
    "data":{"skillId":"format-convert","parameters":{"targetFormat":"webp"},"label":"Convert"}}],
    "edges":[],"viewport":{"x":0,"y":0,"zoom":1.5},"editorVersion":"x"}`;
  const response = await request('POST', BASE, { name: '  My Flow  ', description: '  Makes webp  ',
    graphJson: `\n  ${text}  \t` });
  assert.equal(response.status, 201, response.text);
  const profile = response.body.data;
  assert.equal(response.headers.get('location'), `${BASE}/${profile.id}`);
  assert.match(profile.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(Object.keys(profile).sort(), ['createdAtUtc', 'description', 'graphJson', 'id',
    'isAutoRun', 'name', 'updatedAtUtc']);
  assert.equal(profile.name, 'My Flow');
  assert.equal(profile.description, 'Makes webp');
  assert.equal(profile.isAutoRun, false, 'absent isAutoRun is false');
  assert.equal(profile.graphJson, text, 'trimmed, otherwise verbatim (extra fields kept)');
  assert.match(profile.createdAtUtc, ISO_UTC);
  assert.match(profile.updatedAtUtc, ISO_UTC);
  const fetched = await request('GET', `${BASE}/${profile.id}`);
  assert.equal(fetched.status, 200, fetched.text);
  assert.deepEqual(fetched.body.data, profile);
  assert.deepEqual(sqlRows(server, `SELECT name, normalized_name, graph_json FROM workflow_profiles
    WHERE id = '${profile.id}'`)[0].slice(0, 2), ['My Flow', 'my flow']);
  // a blank description is stored as null
  const blank = await create({ description: '   ' });
  assert.equal(blank.description, null);
  assert.equal((await create({ description: null })).description, null);
});

test('create: the checks of §12.2 in order, with codes; nothing is written', async () => {
  const before = rowCount();
  const name = unique();
  const good = graph('thumbnail');
  const cases = [
    [undefined, 'request_invalid'],
    [[], 'request_invalid'],
    ['text', 'request_invalid'],
    [{ name: 5, graphJson: good }, 'request_invalid', 'name'],
    [{ name, description: [], graphJson: good }, 'request_invalid', 'description'],
    [{ name, graphJson: { nodes: [] } }, 'request_invalid', 'graphJson'],
    [{ name, graphJson: good, isAutoRun: 'yes' }, 'request_invalid', 'isAutoRun'],
    [{ graphJson: good }, 'workflow_profile_name_required'],
    [{ name: ' \t ', description: 'd'.repeat(1001), graphJson: '' }, 'workflow_profile_name_required'],
    [{ name: 'n'.repeat(101), description: 'd'.repeat(1001) }, 'workflow_profile_name_too_long'],
    [{ name, description: 'd'.repeat(1001) }, 'workflow_profile_description_too_long'],
    [{ name, description: ` ${'d'.repeat(1000)} ` }, 'workflow_profile_graph_json_required'],
    [{ name, graphJson: '  ' }, 'workflow_profile_graph_json_required'],
    [{ name, graphJson: null }, 'workflow_profile_graph_json_required'],
    [{ name, graphJson: '[1,2]' }, 'workflow_profile_graph_json_invalid'],
    [{ name, graphJson: '{"nodes":[],}' }, 'workflow_profile_graph_json_invalid'],
    [{ name, graphJson: 'not json' }, 'workflow_profile_graph_json_invalid'],
  ];
  for (const [body, code, mention] of cases) {
    const response = await request('POST', BASE, body);
    const error = expectError(assert, response, 400, code);
    if (mention) assert.ok(error.message.includes(mention), error.message);
    if (code === 'workflow_profile_graph_json_invalid') {
      assert.equal(error.message, 'GraphJson must be a valid JSON object.');
    }
  }
  // 100 characters (not bytes) is the limit: a multi-byte name of 100 characters is fine
  const wide = await create({ name: `${'é'.repeat(99)}${counter}`.slice(0, 100) });
  assert.equal([...wide.name].length, 100);
  assert.equal(rowCount(), before + 1, 'only the valid profile was written');
});

test('save-time graph checks: 400 with the code and the node, nothing written', async () => {
  const before = rowCount();
  const nodes = (...items) => JSON.stringify({ nodes: items, edges: [], viewport: { x: 0, y: 0, zoom: 1 } });
  const cases = [
    [nodes(), 'workflow_profile_has_no_skills'],
    ['{}', 'workflow_profile_has_no_skills'],
    [nodes({ id: 'a', type: '  ' }, 3, { id: 'b', data: {} }), 'workflow_profile_has_no_skills'],
    [graph('thumbnail', 'caption', 'resize', 'caption'), 'workflow_profile_contains_unsupported_skills',
      "'caption' (nodes[1], nodes[3])", "'resize' (nodes[2])"],
    [graph('thumbnail', ['format-convert', { targetFormat: 'bmp' }]),
      'format_convert_target_format_invalid', 'nodes[1] (format-convert)', 'bmp'],
    [graph('thumbnail', 'format-convert'), 'format_convert_target_format_required', 'nodes[1]'],
    [graph(['watermark', { opacity: 1.5 }]), 'watermark_opacity_out_of_range', 'nodes[0] (watermark)'],
    [graph(['watermark', { fontSize: 'big' }]), 'watermark_font_size_invalid', 'nodes[0]'],
    [graph(['watermark', { position: 'Middle' }]), 'watermark_position_invalid', 'nodes[0]'],
    [graph(...Array.from({ length: 51 }, () => 'thumbnail')), 'workflow_profile_too_many_nodes', '50'],
    [`{"nodes":[{"type":"thumbnail"}],"pad":"${'x'.repeat(256 * 1024)}"}`,
      'workflow_profile_graph_json_too_long'],
  ];
  for (const [graphJson, code, ...mentions] of cases) {
    const response = await request('POST', BASE, { name: unique(), graphJson });
    const error = expectError(assert, response, 400, code);
    for (const text of mentions) assert.ok(error.message.includes(text), `${code}: ${error.message}`);
  }
  assert.equal(rowCount(), before, 'nothing written');
  // the same checks on PUT leave the stored profile as it was
  const stored = await create();
  const response = await request('PUT', `${BASE}/${stored.id}`, { name: stored.name,
    graphJson: graph(['format-convert', { targetFormat: 'tiff' }]) });
  expectError(assert, response, 400, 'format_convert_target_format_invalid');
  assert.deepEqual((await request('GET', `${BASE}/${stored.id}`)).body.data, stored);
  // what does pass: 50 nodes, aliases and any case, parameters in any case, type instead of data
  const fifty = await create({ graphJson: graph(...Array.from({ length: 50 }, () => 'GENERATE_THUMBNAIL')) });
  assert.ok(fifty.id);
  await create({ graphJson: JSON.stringify({ nodes: [{ type: 'exif_strip' },
    { type: 'skill', data: { skillId: ' Format-Convert ', parameters: { TargetFormat: 'JPEG', KeepOriginal: 'true' } } },
    { type: 'skill', data: { skillId: 'watermark', Text: 'hi', Opacity: '0.25', FontSize: 12, Position: 'center' } },
    { type: 'ai-caption' }, { type: 'basic_image_enrich' }] }) });
});

test('name conflicts ignore case and surrounding blanks, on create and on PUT', async () => {
  const name = unique('Conflict');
  const first = await create({ name });
  const error = expectError(assert, await request('POST', BASE, { name: `  ${name.toUpperCase()} `,
    graphJson: graph('thumbnail') }), 400, 'workflow_profile_name_conflict');
  assert.ok(error.message.includes('already exists'), error.message);
  const second = await create();
  expectError(assert, await request('PUT', `${BASE}/${second.id}`, { name: name.toLowerCase(),
    graphJson: graph('thumbnail') }), 400, 'workflow_profile_name_conflict');
  // renaming a profile to its own name in another case is fine
  const renamed = await request('PUT', `${BASE}/${first.id}`, { name: name.toUpperCase(),
    graphJson: graph('thumbnail') });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.body.data.name, name.toUpperCase());
});

test('PUT is a full replacement; existence is checked first', async () => {
  const stored = await create({ description: 'old', isAutoRun: true });
  assert.equal(stored.isAutoRun, true);
  const text = graph('thumbnail', ['watermark', { text: 'Neko' }]);
  const response = await request('PUT', `${BASE}/${stored.id}`, { name: ' Replaced ', graphJson: text });
  assert.equal(response.status, 200, response.text);
  const replaced = response.body.data;
  assert.equal(replaced.id, stored.id);
  assert.equal(replaced.name, 'Replaced');
  assert.equal(replaced.description, null, 'absent description: cleared');
  assert.equal(replaced.isAutoRun, false, 'absent isAutoRun: cleared on this profile');
  assert.equal(replaced.graphJson, text);
  assert.equal(replaced.createdAtUtc, stored.createdAtUtc);
  assert.ok(replaced.updatedAtUtc >= stored.updatedAtUtc);
  assert.deepEqual((await request('GET', `${BASE}/${stored.id}`)).body.data, replaced);
  // an unknown id is 404 before anything about the body (but after model binding)
  const missing = `${BASE}/01890a5d-ac96-774b-bcce-b302099a8057`;
  expectError(assert, await request('PUT', missing, { name: '' }), 404, 'workflow_profile_not_found');
  expectError(assert, await request('PUT', missing, []), 400, 'request_invalid');
  expectError(assert, await request('GET', missing), 404, 'workflow_profile_not_found');
  expectError(assert, await request('DELETE', missing), 404, 'workflow_profile_not_found');
  expectError(assert, await request('PATCH', `${missing}/autorun`), 404, 'workflow_profile_not_found');
  assert.equal((await request('GET', `${BASE}/not-a-guid`)).status, 404);
});

test('DELETE: 204 without a body, then gone', async () => {
  const stored = await create();
  const response = await request('DELETE', `${BASE}/${stored.id}`);
  assert.equal(response.status, 204);
  assert.equal(response.text, '');
  expectError(assert, await request('GET', `${BASE}/${stored.id}`), 404, 'workflow_profile_not_found');
  expectError(assert, await request('DELETE', `${BASE}/${stored.id}`), 404, 'workflow_profile_not_found');
  assert.ok(!(await list()).some((p) => p.id === stored.id));
});

test('auto-run: one profile at most; POST, PUT and PATCH move it; the list shows it first', async () => {
  const a = await create({ name: unique('a'), isAutoRun: true });
  assert.deepEqual(autoRunIds(), [a.id]);
  const b = await create({ name: unique('b'), isAutoRun: true });
  assert.deepEqual(autoRunIds(), [b.id]);
  assert.equal((await request('GET', `${BASE}/${a.id}`)).body.data.isAutoRun, false);
  const patched = await request('PATCH', `${BASE}/${a.id}/autorun`);
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.data.isAutoRun, true);
  assert.equal(patched.body.data.graphJson, a.graphJson);
  assert.deepEqual(autoRunIds(), [a.id]);
  // PATCH on the auto-run profile again: still it
  assert.equal((await request('PATCH', `${BASE}/${a.id}/autorun`, { isAutoRun: false })).body.data.isAutoRun, true);
  const put = await request('PUT', `${BASE}/${b.id}`, { name: b.name, graphJson: b.graphJson, isAutoRun: true });
  assert.equal(put.body.data.isAutoRun, true);
  assert.deepEqual(autoRunIds(), [b.id]);
  // the list: the auto-run profile first, then by name
  const items = await list();
  assert.equal(items[0].id, b.id);
  assert.ok(items.slice(1).every((p) => p.isAutoRun === false));
  const names = items.slice(1).map((p) => p.name);
  assert.deepEqual(names, [...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  // PUT with isAutoRun false clears it: none is auto-run
  assert.equal((await request('PUT', `${BASE}/${b.id}`, { name: b.name, graphJson: b.graphJson,
    isAutoRun: false })).body.data.isAutoRun, false);
  assert.deepEqual(autoRunIds(), []);
});

test('auto-run: parallel PATCHes end with exactly one auto-run profile, none fails', async () => {
  const profiles = [];
  for (let i = 0; i < 6; i++) profiles.push(await create());
  for (let round = 0; round < 3; round++) {
    const responses = await Promise.all(profiles.map((p) => request('PATCH', `${BASE}/${p.id}/autorun`)));
    for (const response of responses) assert.equal(response.status, 200, response.text);
    const ids = autoRunIds();
    assert.equal(ids.length, 1, `exactly one auto-run profile: ${ids}`);
    const items = await list();
    assert.deepEqual(items.filter((p) => p.isAutoRun).map((p) => p.id), ids);
  }
  // PATCH and PUT and POST with isAutoRun at once
  const responses = await Promise.all([
    ...profiles.slice(0, 3).map((p) => request('PATCH', `${BASE}/${p.id}/autorun`)),
    ...profiles.slice(3).map((p) => request('PUT', `${BASE}/${p.id}`, { name: p.name, graphJson: p.graphJson,
      isAutoRun: true })),
    request('POST', BASE, { name: unique(), graphJson: graph('thumbnail'), isAutoRun: true }),
  ]);
  for (const response of responses) assert.ok([200, 201].includes(response.status), response.text);
  assert.equal(autoRunIds().length, 1);
});

test('permissions: settings.read to read, settings.update to write; 401 without a token', async () => {
  const stored = await create();
  const reader = await createUser(server, token, { permissions: ['settings.read'] });
  const readerToken = (await login(server, reader.username, reader.password)).accessToken;
  const as = (who, method, path, json) => server.request(method, path, { json, token: who });
  assert.equal((await as(readerToken, 'GET', BASE)).status, 200);
  assert.equal((await as(readerToken, 'GET', `${BASE}/${stored.id}`)).status, 200);
  const body = { name: unique(), graphJson: graph('thumbnail') };
  expectError(assert, await as(readerToken, 'POST', BASE, body), 403, 'auth_forbidden');
  expectError(assert, await as(readerToken, 'PUT', `${BASE}/${stored.id}`, body), 403, 'auth_forbidden');
  expectError(assert, await as(readerToken, 'DELETE', `${BASE}/${stored.id}`), 403, 'auth_forbidden');
  expectError(assert, await as(readerToken, 'PATCH', `${BASE}/${stored.id}/autorun`), 403, 'auth_forbidden');
  const nobody = await createUser(server, token, { permissions: ['assets.read'] });
  const nobodyToken = (await login(server, nobody.username, nobody.password)).accessToken;
  expectError(assert, await as(nobodyToken, 'GET', BASE), 403, 'auth_forbidden');
  expectError(assert, await as(nobodyToken, 'GET', `${BASE}/${stored.id}`), 403, 'auth_forbidden');
  const writer = await createUser(server, token, { permissions: ['settings.update'] });
  const writerToken = (await login(server, writer.username, writer.password)).accessToken;
  assert.equal((await as(writerToken, 'POST', BASE, body)).status, 201);
  expectError(assert, await server.request('GET', BASE), 401);
  assert.deepEqual((await request('GET', `${BASE}/${stored.id}`)).body.data, stored, 'nothing changed');
});

test('every change is audited: created, updated, autorun, deleted', async () => {
  const previous = await create({ isAutoRun: true });
  const stored = await create({ description: 'first' });
  const text = graph('thumbnail', ['format-convert', { targetFormat: 'png' }]);
  assert.equal((await request('PUT', `${BASE}/${stored.id}`, { name: stored.name, description: 'second',
    graphJson: text })).status, 200);
  assert.equal((await request('PATCH', `${BASE}/${stored.id}/autorun`)).status, 200);
  assert.equal((await request('DELETE', `${BASE}/${stored.id}`)).status, 204);
  const entries = (await auditEntries(server, token, { target: stored.id })).reverse();
  assert.deepEqual(entries.map((e) => e.action), ['workflow.created', 'workflow.updated',
    'workflow.autorun', 'workflow.deleted']);
  const changes = entries.map((e) => (typeof e.changes === 'string' ? JSON.parse(e.changes) : e.changes));
  assert.deepEqual(changes[1].description, { before: 'first', after: 'second' });
  assert.deepEqual(changes[1].skillIds, { before: ['thumbnail'], after: ['thumbnail', 'format-convert'] });
  assert.deepEqual(changes[2].isAutoRun, { before: false, after: true });
  assert.deepEqual(changes[2].previousAutoRunWorkflowId, { before: previous.id, after: null });
  // a change that failed its checks left no entry
  const count = async () => (await auditEntries(server, token, { action: 'workflow.' })).length;
  const known = await count();
  expectError(assert, await request('POST', BASE, { name: unique(), graphJson: graph('nope') }), 400,
    'workflow_profile_contains_unsupported_skills');
  expectError(assert, await request('PUT', `${BASE}/${previous.id}`, { name: '' }), 400,
    'workflow_profile_name_required');
  assert.equal(await count(), known);
});
