// workflows-run.test.js - workflows at work (spec processing.md §4, §9.3, §12.3 with issue 12's
// corrections): the auto-run profile's skills run on upload with trigger "upload" (a PNG ends as
// a WebP with a thumbnail and a caption), runEnrichment=false skips it, a profile that cannot
// serve the upload (graph does not parse, no skill node, no node that resolves) makes the
// default enrichment run AND leaves a failed auto-run-workflow record with the reason in the
// asset's history, unresolvable nodes among good ones are skipped, deleting the auto-run profile
// brings the default back; the manual run (202, Location, the job runs, executions listed), its
// checks in order, the refusal of a rewrite on a disabled storage profile, and permissions.
// Captions come from the test build's stand-in (NEKOHUB_TEST_CAPTION, step_caption.c).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, expectError } from './lib/server.js';
import { uploadOk, fetchBytes } from './lib/assets.js';
import { createUser, login, ROOT } from './lib/accounts.js';
import { gradientPng } from './lib/images.js';
import { header } from './lib/vips.js';
import {
  KEY, stepsEnv, settled, uploadProcessed, originalBytes, derivativeBytes, sqlExec, sqlRows,
} from './lib/steps.js';

const BASE = '/api/v1/system/workflows';
const CAPTION = 'A tabby cat asleep on a sunny windowsill.';
let server;

before(async () => {
  server = await startServer({ env: stepsEnv({ NEKOHUB_TEST_CAPTION: CAPTION }) });
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

const request = (method, path, json) => server.request(method, path, { json, token: KEY });
let counter = 0;
const unique = (prefix = 'wf') => `${prefix}-${process.pid}-${++counter}`;

// A graph in the original editor's format (nodes of type "skill", data {skillId, parameters}).
function graph(...skills) {
  const nodes = skills.map((skill, index) => {
    const [skillId, parameters] = Array.isArray(skill) ? skill : [skill, undefined];
    const data = parameters === undefined ? { skillId } : { skillId, parameters };
    return { id: `n${index}`, type: 'skill', position: { x: index * 200, y: 0 }, data };
  });
  return JSON.stringify({ nodes, edges: [], viewport: { x: 0, y: 0, zoom: 1 } });
}

async function createWorkflow(graphJson, extra = {}) {
  const response = await request('POST', BASE, { name: unique(), graphJson, ...extra });
  assert.equal(response.status, 201, response.text);
  return response.body.data;
}

// A profile row written behind the service's back (graphs the API refuses to save).
function insertWorkflow(graphJson, { autoRun = false } = {}) {
  const id = `0190${String(++counter).padStart(4, '0')}-0000-7000-8000-${String(process.pid).padStart(12, '0')}`;
  const name = unique('raw');
  if (autoRun) sqlExec(server, 'UPDATE workflow_profiles SET is_auto_run = 0 WHERE is_auto_run = 1');
  sqlExec(server, `INSERT INTO workflow_profiles (id, name, normalized_name, description, is_auto_run,
    graph_json, created_at, updated_at) VALUES ('${id}', '${name}', '${name}', NULL, ${autoRun ? 1 : 0},
    '${graphJson.replaceAll("'", "''")}', 1700000000000, 1700000000000)`);
  return { id, name };
}

function clearAutoRun() {
  sqlExec(server, 'UPDATE workflow_profiles SET is_auto_run = 0 WHERE is_auto_run = 1');
}

async function executions(assetId) {
  const response = await request('GET', `/api/v1/assets/${assetId}/executions?pageSize=100`);
  assert.equal(response.status, 200, response.text);
  return response.body.data.items;
}

const png = (seed = 1) => ({ data: gradientPng(96, 64, { seed }), filename: 'cat.png', contentType: 'image/png' });

test('auto-run on upload: the workflow runs instead of the default, with trigger upload', async () => {
  const workflow = await createWorkflow(graph('thumbnail', 'ai-caption', ['format-convert', { targetFormat: 'webp' }]),
    { isAutoRun: true });
  try {
    const asset = await uploadProcessed(server, png(2));
    assert.equal(asset.contentType, 'image/webp');
    assert.equal(asset.extension, '.webp');
    assert.equal(header(await originalBytes(server, asset)).format, 'webp', 'the stored bytes are WebP');
    assert.equal(header(await derivativeBytes(server, asset, 'thumbnail_256')).format, 'png');
    assert.equal(asset.description, CAPTION);
    const history = await executions(asset.id);
    assert.deepEqual(history.map((e) => e.skillName).reverse(), ['thumbnail', 'ai-caption', 'format-convert']);
    for (const execution of history) {
      assert.equal(execution.triggerSource, 'upload');
      assert.equal(execution.succeeded, true, JSON.stringify(execution.steps));
    }
    assert.equal(history[0].parametersJson, '{"targetFormat":"webp"}');
  } finally {
    assert.equal((await request('DELETE', `${BASE}/${workflow.id}`)).status, 204);
  }
});

test('runEnrichment=false: neither the auto-run workflow nor the default runs', async () => {
  const workflow = await createWorkflow(graph(['format-convert', { targetFormat: 'webp' }]), { isAutoRun: true });
  try {
    const asset = await uploadProcessed(server, { ...png(3), fields: { runEnrichment: 'false' } });
    assert.equal(asset.contentType, 'image/png');
    assert.deepEqual(asset.derivatives, []);
    assert.deepEqual(await executions(asset.id), []);
  } finally {
    assert.equal((await request('DELETE', `${BASE}/${workflow.id}`)).status, 204);
  }
});

test('an auto-run profile that cannot serve the upload: the default runs and the reason is recorded', async () => {
  const cases = [
    ['not json at all', 'not a valid JSON object'],
    ['[{"type":"thumbnail"}]', 'not a valid JSON object'],
    ['{"nodes":[],"edges":[]}', 'no skill node'],
    ['{"nodes":[{"type":"skill","data":{"skillId":"resize"}},{"type":"upscale"}]}', 'none of its skills runs'],
  ];
  for (const [graphJson, why] of cases) {
    const { id, name } = insertWorkflow(graphJson, { autoRun: true });
    const asset = await uploadProcessed(server, png(4));
    const history = await executions(asset.id);
    const byName = Object.fromEntries(history.map((e) => [e.skillName, e]));
    assert.deepEqual(history.map((e) => e.skillName).sort(), ['auto-run-workflow', 'basic_image_enrich'],
      `${graphJson}: ${JSON.stringify(history)}`);
    assert.equal(byName.basic_image_enrich.succeeded, true, 'the default enrichment ran');
    assert.equal(byName.basic_image_enrich.triggerSource, 'upload');
    assert.deepEqual(asset.derivatives.map((d) => d.kind).sort(), ['preview_1024', 'thumbnail_256']);
    const failure = byName['auto-run-workflow'];
    assert.equal(failure.succeeded, false);
    assert.equal(failure.triggerSource, 'upload');
    assert.equal(failure.steps.length, 1);
    assert.equal(failure.steps[0].stepName, 'load_auto_run_workflow');
    assert.equal(failure.steps[0].status, 'failed');
    for (const text of [why, name, id, 'image/png', 'default enrichment']) {
      assert.ok(failure.lastError.includes(text), `"${failure.lastError}" mentions "${text}"`);
      assert.ok(failure.steps[0].errorMessage.includes(text));
    }
    sqlExec(server, `DELETE FROM workflow_profiles WHERE id = '${id}'`);
  }
});

test('unresolvable nodes among resolvable ones are skipped; the rest run in order', async () => {
  const { id } = insertWorkflow(JSON.stringify({ nodes: [{ type: 'resize' }, { type: 'skill', data: { skillId: 'thumbnail' } },
    { type: 'skill', data: { skillId: 'exif_strip' } }] }), { autoRun: true });
  try {
    const asset = await uploadProcessed(server, png(5));
    const history = await executions(asset.id);
    assert.deepEqual(history.map((e) => e.skillName).reverse(), ['thumbnail', 'exif-strip']);
    assert.ok(history.every((e) => e.succeeded && e.triggerSource === 'upload'));
    const job = await request('GET', `/api/v1/system/jobs/${history[0].jobId}`);
    assert.equal(job.status, 200, job.text);
    assert.equal(job.body.data.state, 'succeeded');
    const [[result]] = sqlRows(server, `SELECT result_json FROM jobs WHERE id = '${history[0].jobId}'`);
    assert.deepEqual(JSON.parse(result).skippedSkills, ['resize']);
  } finally {
    sqlExec(server, `DELETE FROM workflow_profiles WHERE id = '${id}'`);
  }
});

test('deleting the auto-run profile brings the default enrichment back', async () => {
  const workflow = await createWorkflow(graph('thumbnail'), { isAutoRun: true });
  const first = await uploadProcessed(server, png(6));
  assert.deepEqual((await executions(first.id)).map((e) => e.skillName), ['thumbnail']);
  assert.equal((await request('DELETE', `${BASE}/${workflow.id}`)).status, 204);
  const second = await uploadProcessed(server, png(7));
  assert.deepEqual((await executions(second.id)).map((e) => e.skillName), ['basic_image_enrich']);
  // a profile that is not auto-run changes nothing either
  await createWorkflow(graph('thumbnail'));
  const third = await uploadProcessed(server, png(8));
  assert.deepEqual((await executions(third.id)).map((e) => e.skillName), ['basic_image_enrich']);
});

test('manual run: 202 with Location and the skill ids as written; the job runs them in order', async () => {
  clearAutoRun();
  const workflow = await createWorkflow(JSON.stringify({ nodes: [
    { id: 'b', type: 'skill', data: { skillId: 'Generate_Thumbnail' } },
    { id: 'a', type: 'skill', data: { skillId: 'watermark', parameters: { text: 'Neko', opacity: 0.75 } } },
    { id: 'c', type: 'ai_caption' }] }));
  const asset = await uploadProcessed(server, { ...png(9), fields: { runEnrichment: 'false' } });
  const response = await request('POST', `/api/v1/assets/${asset.id}/workflows/${workflow.id}/run`);
  assert.equal(response.status, 202, response.text);
  assert.equal(response.headers.get('location'), `/api/v1/assets/${asset.id}`);
  const data = response.body.data;
  assert.deepEqual(Object.keys(data).sort(), ['assetId', 'jobId', 'skillIds', 'workflowId']);
  assert.equal(data.assetId, asset.id);
  assert.equal(data.workflowId, workflow.id);
  assert.deepEqual(data.skillIds, ['Generate_Thumbnail', 'watermark', 'ai_caption']);
  const done = await settled(server, asset.id);
  const history = await executions(asset.id);
  assert.deepEqual(history.map((e) => e.skillName).reverse(), ['thumbnail', 'watermark', 'ai-caption']);
  for (const execution of history) {
    assert.equal(execution.triggerSource, 'manual');
    assert.equal(execution.jobId, data.jobId);
    assert.equal(execution.succeeded, true, JSON.stringify(execution.steps));
  }
  assert.equal(history[1].parametersJson, '{"text":"Neko","opacity":0.75}');
  assert.notEqual(done.checksumSha256, asset.checksumSha256, 'the watermark rewrote the original');
  assert.equal(done.description, CAPTION);
  const job = await request('GET', `/api/v1/system/jobs/${data.jobId}`);
  assert.equal(job.body.data.state, 'succeeded');
  // the run ignores the auto-run flag: an auto-run profile runs by hand the same way
  assert.equal((await request('PATCH', `${BASE}/${workflow.id}/autorun`)).status, 200);
  const again = await request('POST', `/api/v1/assets/${asset.id}/workflows/${workflow.id}/run`);
  assert.equal(again.status, 202, again.text);
  await settled(server, asset.id);
  assert.equal((await executions(asset.id)).length, 6);
  clearAutoRun();
});

test('manual run: the checks in order, with codes; nothing is queued', async () => {
  clearAutoRun();
  const asset = await uploadProcessed(server, { ...png(10), fields: { runEnrichment: 'false' } });
  const good = await createWorkflow(graph('thumbnail'));
  const missing = '01890a5d-ac96-774b-bcce-b302099a8057';
  const run = (assetId, workflowId) => request('POST', `/api/v1/assets/${assetId}/workflows/${workflowId}/run`);
  expectError(assert, await run(missing, missing), 404, 'asset_not_found');
  expectError(assert, await run(missing, good.id), 404, 'asset_not_found');
  expectError(assert, await run(asset.id, missing), 404, 'workflow_profile_not_found');
  const invalid = insertWorkflow('{"nodes":');
  expectError(assert, await run(asset.id, invalid.id), 400, 'workflow_profile_graph_json_invalid');
  const empty = insertWorkflow('{"nodes":[{"id":"x"}]}');
  expectError(assert, await run(asset.id, empty.id), 400, 'workflow_profile_has_no_skills');
  const unsupported = insertWorkflow(JSON.stringify({ nodes: [{ type: 'thumbnail' }, { type: 'resize' },
    { type: 'sharpen' }, { type: 'resize' }] }));
  const error = expectError(assert, await run(asset.id, unsupported.id), 400,
    'workflow_profile_contains_unsupported_skills');
  for (const text of ["'resize' (nodes[1], nodes[3])", "'sharpen' (nodes[2])", 'image/png']) {
    assert.ok(error.message.includes(text), error.message);
  }
  assert.ok(!error.message.includes("'thumbnail'"), error.message);
  const badParameters = insertWorkflow(JSON.stringify({ nodes: [{ type: 'thumbnail' },
    { type: 'skill', data: { skillId: 'format-convert', parameters: { targetFormat: 'bmp' } } }] }));
  const parameterError = expectError(assert, await run(asset.id, badParameters.id), 400,
    'format_convert_target_format_invalid');
  assert.ok(parameterError.message.startsWith('nodes[1] (format-convert): '), parameterError.message);
  assert.equal((await request('GET', `/api/v1/assets/${asset.id}`)).body.data.processing.pendingJobs, 0);
  assert.deepEqual(await executions(asset.id), [], 'nothing ran');
  assert.equal(Number(sqlRows(server, `SELECT COUNT(*) FROM jobs WHERE asset_id = '${asset.id}'`)[0][0]), 0,
    'nothing was queued');
});

test('manual run: a rewriting skill on a disabled storage profile is refused', async () => {
  clearAutoRun();
  const root = join(server.dataDir, 'workflow-profile');
  mkdirSync(root, { recursive: true });
  const created = await request('POST', '/api/v1/system/storage/providers',
    { name: unique('store'), providerType: 'local', configuration: { rootPath: root } });
  assert.equal(created.status, 201, created.text);
  const profileId = created.body.data.id;
  const asset = await uploadProcessed(server, { ...png(11), fields: { storageProviderProfileId: profileId,
    runEnrichment: 'false' } });
  assert.equal(asset.storageProviderProfileId, profileId);
  assert.equal((await request('PATCH', `/api/v1/system/storage/providers/${profileId}`, { isEnabled: false })).status, 200);
  for (const rewriting of [['format-convert', { targetFormat: 'webp' }], 'exif-strip', 'watermark']) {
    const workflow = await createWorkflow(graph('thumbnail', rewriting));
    expectError(assert, await request('POST', `/api/v1/assets/${asset.id}/workflows/${workflow.id}/run`), 400,
      'storage_provider_profile_disabled');
  }
  // a workflow that does not rewrite the original is queued
  const reading = await createWorkflow(graph('ai-caption'));
  const response = await request('POST', `/api/v1/assets/${asset.id}/workflows/${reading.id}/run`);
  assert.equal(response.status, 202, response.text);
  await settled(server, asset.id);
  assert.deepEqual((await executions(asset.id)).map((e) => e.skillName), ['ai-caption']);
});

test('manual run: assets.update is needed (settings.* is not enough)', async () => {
  clearAutoRun();
  const workflow = await createWorkflow(graph('thumbnail'));
  const asset = await uploadOk(server, KEY, { file: png(12), fields: { runEnrichment: 'false' } });
  const rootToken = (await login(server, ROOT.username, ROOT.password)).accessToken;
  const as = async (permissions) => {
    const user = await createUser(server, rootToken, { permissions });
    const userToken = (await login(server, user.username, user.password)).accessToken;
    return server.request('POST', `/api/v1/assets/${asset.id}/workflows/${workflow.id}/run`, { token: userToken });
  };
  expectError(assert, await as(['assets.read', 'settings.read', 'settings.update']), 403, 'auth_forbidden');
  const allowed = await as(['assets.update']);
  assert.equal(allowed.status, 202, allowed.text);
  expectError(assert, await server.request('POST', `/api/v1/assets/${asset.id}/workflows/${workflow.id}/run`), 401);
  await settled(server, asset.id);
  const content = await fetchBytes(server, `/api/v1/assets/${asset.id}/derivatives/thumbnail_256/content`, { token: KEY });
  assert.equal(content.status, 200);
});
