// processing-api.test.js - the processing REST API (spec processing.md §5, §6, §9 with issue
// 11's corrections): the skills list with parameter descriptors; run-skill validation codes in
// their order with nothing queued; aliases answering with canonical names; runEnrichment=false;
// an upload's job (queued, then idle with basic_image_enrich: thumbnail_256 + preview_1024,
// the caption step skipped with its reason); a manual run answering 200 within the wait, or
// 202 + Location whose execution is pending and then finished; the execution history; a
// transient storage failure retried; the derivative content route; list items with
// derivatives and processing; a deleted asset's queued job; permissions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, ISO_UTC } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, createUser, login } from './lib/accounts.js';
import { png } from './lib/images.js';
import { upload, uploadOk, fetchBytes, pathOf, expectError } from './lib/assets.js';
import { startS3 } from './lib/s3.js';
import { startFaultProxy } from './lib/fault-proxy.js';

const key = MACHINE_KEY;
const CAPTION_SKIPPED = 'No active AI provider profile; the caption was not generated.';
const fast = { Processing__RetryBaseSeconds: '1', Processing__RetryMaxSeconds: '1' };
let server;
let seed = 1000;

before(async () => {
  server = await startServer({ env: accountsEnv(fast, { machineKeys: true }) });
});

after(async () => {
  await server.stop();
  server.cleanup();
});

const sleep = (ms) => new Promise((resolveSleep) => { setTimeout(resolveSleep, ms); });

// Poll until check() returns a truthy value (no timed assertions: a generous deadline only).
async function waitFor(check, what, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

function image(width = 600, height = 400) {
  seed += 1;
  return { data: png(width, height, { seed }), filename: `p${seed}.png`, contentType: 'image/png' };
}

async function detail(srv, id) {
  const response = await srv.request('GET', `/api/v1/assets/${id}`, { token: key });
  assert.equal(response.status, 200, response.text);
  return response.body.data;
}

// The detail once the asset has no pending job.
function settled(srv, id) {
  return waitFor(async () => {
    const data = await detail(srv, id);
    return data.processing.pendingJobs === 0 ? data : null;
  }, `the jobs of ${id}`);
}

async function jobsOf(srv, assetId) {
  const response = await srv.request('GET', `/api/v1/system/jobs?assetId=${assetId}&pageSize=100`,
    { token: key });
  assert.equal(response.status, 200, response.text);
  return response.body.data;
}

async function executions(srv, assetId, query = '') {
  const response = await srv.request('GET', `/api/v1/assets/${assetId}/executions${query}`, { token: key });
  assert.equal(response.status, 200, response.text);
  return response.body.data;
}

function run(srv, assetId, skill, body, token = key) {
  const options = { token };
  if (body !== undefined) options.json = body;
  return srv.request('POST', `/api/v1/assets/${assetId}/skills/${skill}/run`, options);
}

// Width, height and libvips loader of image bytes, read by Debian's `vipsheader`.
function imageInfo(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'nekohub-decode-'));
  try {
    const file = join(dir, 'image');
    writeFileSync(file, bytes);
    const text = execFileSync('/usr/bin/vipsheader', [file], { stdio: 'pipe' }).toString();
    const match = text.match(/: (\d+)x(\d+) .*, (\w+)load/);
    assert.ok(match, `vipsheader: ${text}`);
    return { width: Number(match[1]), height: Number(match[2]), loader: match[3] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('GET /assets/skills lists the catalog in order with parameter descriptors', async () => {
  const response = await server.request('GET', '/api/v1/assets/skills', { token: key });
  assert.equal(response.status, 200, response.text);
  const skills = response.body.data;
  assert.deepEqual(skills.map((skill) => [skill.skillName, skill.steps]), [
    ['basic_image_enrich', ['generate_thumbnail', 'generate_basic_caption']],
    ['exif-strip', ['strip_exif_metadata']],
    ['format-convert', ['convert_image_format']],
    ['watermark', ['draw_watermark']],
  ]);
  for (const skill of skills) {
    assert.deepEqual(Object.keys(skill), ['skillName', 'description', 'steps', 'parameters']);
    assert.ok(skill.description.length > 10);
    for (const parameter of skill.parameters) {
      assert.deepEqual(Object.keys(parameter),
        ['name', 'type', 'required', 'default', 'values', 'minimum', 'maximum']);
    }
  }
  const byName = Object.fromEntries(skills.map((skill) => [skill.skillName, skill]));
  assert.deepEqual(byName.basic_image_enrich.parameters, []);
  assert.deepEqual(byName['exif-strip'].parameters, []);
  assert.deepEqual(byName['format-convert'].parameters, [
    { name: 'targetFormat', type: 'string', required: true, default: null,
      values: ['webp', 'jpg', 'jpeg', 'png', 'gif'], minimum: null, maximum: null },
    { name: 'keepOriginal', type: 'boolean', required: false, default: false, values: null,
      minimum: null, maximum: null },
  ]);
  assert.deepEqual(byName.watermark.parameters, [
    { name: 'text', type: 'string', required: false, default: 'NekoHub', values: null, minimum: null,
      maximum: null },
    { name: 'opacity', type: 'number', required: false, default: 0.5, values: null, minimum: 0, maximum: 1 },
    { name: 'fontSize', type: 'integer', required: false, default: 36, values: null, minimum: 1,
      maximum: 1000 },
    { name: 'position', type: 'string', required: false, default: 'BottomRight',
      values: ['BottomRight', 'BottomLeft', 'Center', 'TopRight', 'TopLeft'], minimum: null, maximum: null },
  ]);
  assert.equal((await server.request('GET', '/api/v1/assets/skills')).status, 401);
});

test('run-skill validation answers 400/404 with the code, in order, and queues nothing', async () => {
  const asset = await uploadOk(server, key, { file: image(40, 30), fields: { runEnrichment: 'false' } });
  const missing = '0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f';
  expectError(await run(server, asset.id, '%20%20'), 400, 'skill_name_required');
  expectError(await run(server, missing, '%20'), 400, 'skill_name_required');
  expectError(await run(server, missing, 'thumbnail'), 404, 'asset_not_found');
  expectError(await run(server, missing, 'caption'), 404, 'asset_not_found');
  expectError(await run(server, asset.id, 'caption'), 404, 'skill_not_found');
  expectError(await run(server, asset.id, 'enrich'), 404, 'skill_not_found');
  const cases = [
    ['format-convert', undefined, 'format_convert_target_format_required'],
    ['format-convert', { parameters: 'png' }, 'format_convert_target_format_required'],
    ['format-convert', { parameters: { targetFormat: '  ' } }, 'format_convert_target_format_required'],
    ['format-convert', { parameters: { targetFormat: 'bmp' } }, 'format_convert_target_format_invalid'],
    ['format-convert', { parameters: { targetFormat: 'tiff' } }, 'format_convert_target_format_invalid'],
    ['convert_image_format', { parameters: { TargetFormat: 'heic' } }, 'format_convert_target_format_invalid'],
    ['format-convert', { parameters: { targetFormat: 'png', keepOriginal: 'maybe' } },
      'format_convert_keep_original_invalid'],
    ['watermark', { parameters: { opacity: 2 } }, 'watermark_opacity_out_of_range'],
    ['watermark', { parameters: { opacity: 'half' } }, 'watermark_opacity_invalid'],
    ['watermark', { parameters: { fontSize: 0 } }, 'watermark_font_size_out_of_range'],
    ['watermark', { parameters: { fontSize: 1001 } }, 'watermark_font_size_out_of_range'],
    ['draw-watermark', { parameters: { fontSize: '1.5' } }, 'watermark_font_size_invalid'],
    ['watermark', { parameters: { position: 'Middle' } }, 'watermark_position_invalid'],
    ['watermark', { parameters: { text: 'x'.repeat(201) } }, 'watermark_text_too_long'],
  ];
  for (const [skill, body, code] of cases) {
    expectError(await run(server, asset.id, skill, body), 400, code);
  }
  const malformed = await server.request('POST', `/api/v1/assets/${asset.id}/skills/thumbnail/run`, {
    token: key, body: '{"parameters":', headers: { 'Content-Type': 'application/json' },
  });
  expectError(malformed, 400, 'request_invalid');
  expectError(await run(server, asset.id, 'thumbnail', [1, 2]), 400, 'request_invalid');
  // nothing was queued or recorded
  assert.equal((await jobsOf(server, asset.id)).total, 0);
  assert.equal((await executions(server, asset.id)).total, 0);
  const now = await detail(server, asset.id);
  assert.deepEqual(now.processing, { state: 'idle', pendingJobs: 0, lastError: null });
  assert.equal(now.latestExecutionSummary, null);
  assert.equal(now.updatedAtUtc, asset.updatedAtUtc);
});

test('a rewriting skill on a disabled storage profile: 400 storage_provider_profile_disabled, nothing queued', async () => {
  const root = join(server.dataDir, 'profiles', 'disabled-root');
  mkdirSync(root, { recursive: true });
  const created = await server.request('POST', '/api/v1/system/storage/providers', {
    token: key, json: { name: `off-${process.pid}`, providerType: 'local', configuration: { rootPath: root } },
  });
  assert.equal(created.status, 201, created.text);
  const profile = created.body.data;
  const asset = await uploadOk(server, key, {
    file: image(40, 30), fields: { runEnrichment: 'false', storageProviderProfileId: profile.id },
  });
  const disabled = await server.request('PATCH', `/api/v1/system/storage/providers/${profile.id}`, {
    token: key, json: { isEnabled: false },
  });
  assert.equal(disabled.status, 200, disabled.text);
  for (const [skill, body] of [['exif-strip'], ['format-convert', { parameters: { targetFormat: 'webp' } }],
    ['watermark']]) {
    expectError(await run(server, asset.id, skill, body), 400, 'storage_provider_profile_disabled');
  }
  // parameters are checked before the profile
  expectError(await run(server, asset.id, 'format-convert'), 400, 'format_convert_target_format_required');
  assert.equal((await jobsOf(server, asset.id)).total, 0);
  // reads of a disabled profile still work
  const content = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
  assert.equal(content.status, 307);
});

test('aliases run under their canonical names', async () => {
  const asset = await uploadOk(server, key, { file: image(64, 48), fields: { runEnrichment: 'false' } });
  for (const [alias, canonical, step] of [['GENERATE_THUMBNAIL', 'thumbnail', 'generate_thumbnail'],
    ['basic_caption', 'ai-caption', 'generate_basic_caption'],
    ['Strip_Exif_Metadata', 'exif-strip', 'strip_exif_metadata'],
    ['Basic_Image_Enrich', 'basic_image_enrich', 'generate_thumbnail']]) {
    const response = await run(server, asset.id, alias);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.data.skillName, canonical);
    assert.equal(response.body.data.steps[0].name, step);
    const execution = await server.request('GET',
      `/api/v1/assets/${asset.id}/executions/${response.body.data.executionId}`, { token: key });
    assert.equal(execution.body.data.skillName, canonical);
    assert.equal(execution.body.data.triggerSource, 'manual');
  }
  const jobs = await jobsOf(server, asset.id);
  assert.deepEqual(jobs.items.map((job) => job.skillName).sort(),
    ['ai-caption', 'basic_image_enrich', 'exif-strip', 'thumbnail']);
});

test('runEnrichment=false: no job, no derivatives, no execution, processing idle', async () => {
  const plain = await upload(server, key, { file: image(300, 200), fields: { runEnrichment: 'false' } });
  assert.equal(plain.status, 202, plain.text);
  assert.deepEqual(plain.body.data.processing, { state: 'idle', pendingJobs: 0, lastError: null });
  assert.deepEqual(plain.body.data.derivatives, []);
  assert.equal(plain.body.data.latestExecutionSummary, null);
  // an enriched upload after it: once its job ran, the queue has passed the first one
  const enriched = await uploadOk(server, key, { file: image(300, 200) });
  assert.equal(enriched.processing.state, 'queued');
  await settled(server, enriched.id);
  const now = await detail(server, plain.body.data.id);
  assert.deepEqual(now.derivatives, []);
  assert.deepEqual(now.structuredResults, []);
  assert.equal(now.latestExecutionSummary, null);
  assert.deepEqual(now.processing, { state: 'idle', pendingJobs: 0, lastError: null });
  assert.equal((await jobsOf(server, plain.body.data.id)).total, 0);
  assert.equal((await executions(server, plain.body.data.id)).total, 0);
});

test('an upload is queued, then idle with basic_image_enrich: thumbnails made, caption skipped', async () => {
  const response = await upload(server, key, { file: image(600, 400), fields: { isPublic: 'false' } });
  assert.equal(response.status, 202, response.text);
  const asset = response.body.data;
  assert.equal(asset.processing.state, 'queued');
  assert.equal(asset.processing.pendingJobs, 1);
  assert.equal(asset.latestExecutionSummary, null);
  const jobs = await jobsOf(server, asset.id);
  assert.equal(jobs.total, 1);
  assert.equal(jobs.items[0].triggerSource, 'upload');
  assert.equal(jobs.items[0].kind, 'asset.process');

  const done = await settled(server, asset.id);
  assert.deepEqual(done.processing, { state: 'idle', pendingJobs: 0, lastError: null });
  const summary = done.latestExecutionSummary;
  assert.equal(summary.skillName, 'basic_image_enrich');
  assert.equal(summary.triggerSource, 'upload');
  assert.equal(summary.succeeded, true, JSON.stringify(summary));
  assert.deepEqual(summary.steps.map((step) => [step.stepName, step.status, step.succeeded]), [
    ['generate_thumbnail', 'succeeded', true],
    ['generate_basic_caption', 'skipped', true],
  ]);
  for (const step of summary.steps) {
    assert.deepEqual(Object.keys(step),
      ['stepName', 'status', 'succeeded', 'errorMessage', 'message', 'startedAtUtc', 'completedAtUtc']);
    assert.equal(step.errorMessage, null);
    assert.match(step.startedAtUtc, ISO_UTC);
  }
  assert.equal(summary.steps[0].message, null);
  assert.equal(summary.steps[1].message, CAPTION_SKIPPED);
  assert.deepEqual(done.structuredResults, []);

  const kinds = Object.fromEntries(done.derivatives.map((d) => [d.kind, d]));
  assert.deepEqual(Object.keys(kinds).sort(), ['preview_1024', 'thumbnail_256']);
  const thumbnail = kinds.thumbnail_256;
  assert.deepEqual(Object.keys(thumbnail), ['kind', 'contentType', 'extension', 'size', 'width', 'height',
    'publicUrl', 'contentUrl', 'createdAtUtc']);
  assert.equal(thumbnail.contentType, 'image/png');
  assert.equal(thumbnail.publicUrl, null, 'private asset: no public URL');
  assert.equal(thumbnail.contentUrl, `/api/v1/assets/${asset.id}/derivatives/thumbnail_256/content`);
  assert.equal(Math.max(thumbnail.width, thumbnail.height), 256);
  const thumbnailBytes = await fetchBytes(server, thumbnail.contentUrl, { token: key });
  assert.equal(thumbnailBytes.status, 200);
  assert.equal(thumbnailBytes.headers.get('content-type'), 'image/png');
  assert.equal(thumbnailBytes.bytes.length, thumbnail.size);
  assert.deepEqual(imageInfo(thumbnailBytes.bytes), { width: thumbnail.width, height: thumbnail.height, loader: 'png' });
  const preview = kinds.preview_1024;
  assert.equal(preview.contentType, 'image/webp');
  assert.deepEqual([preview.width, preview.height], [600, 400], 'never upscaled');
  const previewBytes = await fetchBytes(server, preview.contentUrl, { token: key });
  assert.deepEqual(imageInfo(previewBytes.bytes), { width: 600, height: 400, loader: 'webp' });
  const finished = (await jobsOf(server, asset.id)).items[0];
  assert.equal(finished.state, 'succeeded');
  assert.equal(finished.attempts, 1);
});

test('the derivative content route: private assets, validators, ranges, 404s', async () => {
  const asset = await uploadOk(server, key, { file: image(500, 300), fields: { isPublic: 'false' } });
  const done = await settled(server, asset.id);
  const thumbnail = done.derivatives.find((d) => d.kind === 'thumbnail_256');
  assert.ok(thumbnail, JSON.stringify(done.derivatives));
  const full = await fetchBytes(server, thumbnail.contentUrl, { token: key });
  assert.equal(full.status, 200);
  const etag = full.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{64}"$/);
  assert.equal(full.headers.get('cache-control'), 'private, no-store');
  assert.ok(full.headers.get('last-modified'));
  assert.equal(full.headers.get('accept-ranges'), 'bytes');
  const again = await fetchBytes(server, thumbnail.contentUrl, { token: key, headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.bytes.length, 0);
  const part = await fetchBytes(server, thumbnail.contentUrl, { token: key, headers: { Range: 'bytes=0-9' } });
  assert.equal(part.status, 206);
  assert.ok(part.bytes.equals(full.bytes.subarray(0, 10)));
  assert.equal(part.headers.get('content-range'), `bytes 0-9/${full.bytes.length}`);
  const head = await fetchBytes(server, thumbnail.contentUrl, { token: key, method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.bytes.length, 0);
  expectError(await fetchBytes(server, `/api/v1/assets/${asset.id}/derivatives/thumbnail_512/content`,
    { token: key }), 404, 'asset_derivative_not_found');
  expectError(await fetchBytes(server, '/api/v1/assets/0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f/derivatives/thumbnail_256/content',
    { token: key }), 404, 'asset_not_found');
  assert.equal((await fetchBytes(server, thumbnail.contentUrl)).status, 401);
  // a public asset's derivatives are also served anonymously under their public URL
  const publicAsset = await uploadOk(server, key, { file: image(500, 300) });
  const publicDone = await settled(server, publicAsset.id);
  const publicThumbnail = publicDone.derivatives.find((d) => d.kind === 'thumbnail_256');
  const anonymous = await fetchBytes(server, pathOf(publicThumbnail.publicUrl));
  assert.equal(anonymous.status, 200);
  const protectedCopy = await fetchBytes(server, publicThumbnail.contentUrl, { token: key });
  assert.ok(anonymous.bytes.equals(protectedCopy.bytes));
  // the asset's delete takes its derivatives' content with it
  assert.equal((await server.request('DELETE', `/api/v1/assets/${asset.id}`, { token: key })).status, 200);
  expectError(await fetchBytes(server, thumbnail.contentUrl, { token: key }), 404, 'asset_not_found');
});

test('list items carry derivatives and processing; public list items carry derivatives', async () => {
  const done = await settled(server, (await uploadOk(server, key, { file: image(320, 240) })).id);
  const queuedLater = await uploadOk(server, key, { file: image(32, 24), fields: { runEnrichment: 'false' } });
  const admin = await server.request('GET', '/api/v1/assets?pageSize=100', { token: key });
  assert.equal(admin.status, 200);
  const item = admin.body.data.items.find((entry) => entry.id === done.id);
  assert.deepEqual(Object.keys(item).slice(-2), ['derivatives', 'processing']);
  assert.deepEqual(item.derivatives, done.derivatives);
  assert.deepEqual(item.processing, { state: 'idle', pendingJobs: 0, lastError: null });
  const bare = admin.body.data.items.find((entry) => entry.id === queuedLater.id);
  assert.deepEqual(bare.derivatives, []);
  assert.deepEqual(bare.processing, { state: 'idle', pendingJobs: 0, lastError: null });
  for (const entry of admin.body.data.items) {
    assert.ok(Array.isArray(entry.derivatives) && entry.processing, entry.id);
  }
  const gallery = await server.request('GET', '/api/v1/public/assets?pageSize=100');
  const publicItem = gallery.body.data.items.find((entry) => entry.id === done.id);
  assert.deepEqual(Object.keys(publicItem).slice(-1), ['derivatives']);
  assert.equal(publicItem.derivatives.length, 2);
  for (const derivative of publicItem.derivatives) {
    assert.ok(derivative.publicUrl.includes('/content/'), 'publicUrl as stored');
  }
  assert.ok(!gallery.text.includes('"processing"'));
});

test('parameters are recorded as given: a decimal opacity is not widened to 17 digits', async () => {
  const asset = await uploadOk(server, key, { file: image(120, 90) });
  await settled(server, asset.id);
  const response = await run(server, asset.id, 'watermark', { parameters: { Opacity: 0.8, FontSize: 12 } });
  assert.equal(response.status, 200, response.text);
  const record = await server.request('GET',
    `/api/v1/assets/${asset.id}/executions/${response.body.data.executionId}`, { token: key });
  assert.equal(record.body.data.parametersJson, '{"Opacity":0.8,"FontSize":12}');
});

test('a manual run answers 200 within the wait; format-convert swaps the original and refreshes derivatives', async () => {
  const asset = await uploadOk(server, key, { file: image(400, 300) });
  await settled(server, asset.id);
  const response = await run(server, asset.id, 'thumbnail');
  assert.equal(response.status, 200, response.text);
  const data = response.body.data;
  assert.deepEqual(Object.keys(data), ['succeeded', 'skillName', 'steps', 'asset', 'executionId', 'jobId']);
  assert.equal(data.succeeded, true);
  assert.equal(data.skillName, 'thumbnail');
  assert.deepEqual(data.steps, [
    { name: 'generate_thumbnail', succeeded: true, errorMessage: null, status: 'succeeded', message: null },
  ]);
  assert.equal(data.asset.id, asset.id);
  assert.equal(data.asset.derivatives.length, 2);
  const job = await server.request('GET', `/api/v1/system/jobs/${data.jobId}`, { token: key });
  assert.equal(job.body.data.executionId, data.executionId);
  assert.equal(job.body.data.state, 'succeeded');

  const converted = await run(server, asset.id, 'format-convert', { parameters: { TargetFormat: 'WEBP' } });
  assert.equal(converted.status, 200, converted.text);
  const result = converted.body.data;
  assert.equal(result.succeeded, true, converted.text);
  assert.equal(result.skillName, 'format-convert');
  assert.deepEqual(result.steps.map((step) => step.name), ['convert_image_format', 'generate_thumbnail']);
  assert.equal(result.asset.contentType, 'image/webp');
  assert.equal(result.asset.extension, '.webp');
  assert.notEqual(result.asset.checksumSha256, asset.checksumSha256);
  const original = await fetchBytes(server, pathOf(result.asset.publicUrl));
  assert.equal(original.status, 200);
  assert.deepEqual(imageInfo(original.bytes), { width: 400, height: 300, loader: 'webp' });
  const record = await server.request('GET', `/api/v1/assets/${asset.id}/executions/${result.executionId}`,
    { token: key });
  assert.equal(record.body.data.parametersJson, '{"TargetFormat":"WEBP"}');
  assert.equal(record.body.data.state, 'succeeded');
  assert.equal(record.body.data.jobId, result.jobId);
  assert.equal(record.body.data.attempt, 1);
  assert.equal(record.body.data.steps.length, 2);
});

test('execution history: newest first, with steps, paged; unknown ids are 404', async () => {
  const asset = await uploadOk(server, key, { file: image(120, 90) });
  await settled(server, asset.id);
  for (const skill of ['thumbnail', 'exif-strip', 'ai-caption']) {
    assert.equal((await run(server, asset.id, skill)).status, 200);
  }
  const history = await executions(server, asset.id);
  assert.deepEqual(Object.keys(history), ['items', 'page', 'pageSize', 'total']);
  assert.equal(history.total, 4);
  assert.equal(history.pageSize, 20);
  assert.deepEqual(history.items.map((item) => item.skillName),
    ['ai-caption', 'exif-strip', 'thumbnail', 'basic_image_enrich']);
  for (const item of history.items) {
    assert.deepEqual(Object.keys(item), ['executionId', 'skillName', 'triggerSource', 'state', 'succeeded',
      'startedAtUtc', 'completedAtUtc', 'parametersJson', 'jobId', 'attempt', 'lastError', 'steps']);
    assert.ok(item.steps.length >= 1);
    assert.equal(item.parametersJson, null);
  }
  const started = history.items.map((item) => Date.parse(item.startedAtUtc));
  assert.deepEqual([...started].sort((a, b) => b - a), started);
  assert.equal(history.items[3].triggerSource, 'upload');
  const second = await executions(server, asset.id, '?page=2&pageSize=1');
  assert.equal(second.total, 4);
  assert.equal(second.items.length, 1);
  assert.equal(second.items[0].executionId, history.items[1].executionId);
  const one = await server.request('GET', `/api/v1/assets/${asset.id}/executions/${history.items[2].executionId}`,
    { token: key });
  assert.deepEqual(one.body.data, history.items[2]);
  const missing = '0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f';
  expectError(await server.request('GET', `/api/v1/assets/${asset.id}/executions/${missing}`, { token: key }),
    404, 'skill_execution_not_found');
  expectError(await server.request('GET', `/api/v1/assets/${missing}/executions`, { token: key }),
    404, 'asset_not_found');
  const other = await uploadOk(server, key, { file: image(30, 20), fields: { runEnrichment: 'false' } });
  expectError(await server.request('GET', `/api/v1/assets/${other.id}/executions/${history.items[0].executionId}`,
    { token: key }), 404, 'skill_execution_not_found');
});

test('with Processing__ManualRunWaitSeconds=0 a run answers 202 + Location: pending, then finished', async () => {
  const own = await startServer({ env: accountsEnv({ ...fast, Processing__ManualRunWaitSeconds: '0',
    Processing__Workers: '0' }, { machineKeys: true }) });
  try {
    const asset = await uploadOk(own, key, { file: image(200, 100) });
    const response = await run(own, asset.id, 'generate_thumbnail');
    assert.equal(response.status, 202, response.text);
    const pending = response.body.data;
    const location = response.headers.get('location');
    assert.equal(location, `/api/v1/assets/${asset.id}/executions/${pending.executionId}`);
    assert.deepEqual(Object.keys(pending), ['executionId', 'skillName', 'triggerSource', 'state', 'succeeded',
      'startedAtUtc', 'completedAtUtc', 'parametersJson', 'jobId', 'attempt', 'lastError', 'steps']);
    assert.equal(pending.state, 'queued');
    assert.equal(pending.skillName, 'thumbnail');
    assert.equal(pending.triggerSource, 'manual');
    assert.equal(pending.succeeded, null);
    assert.equal(pending.startedAtUtc, null);
    assert.deepEqual(pending.steps, []);
    const polled = await own.request('GET', location, { token: key });
    assert.equal(polled.status, 200);
    assert.deepEqual(polled.body.data, pending);
    assert.equal((await executions(own, asset.id)).total, 0, 'no record while it is pending');
    // a second run, cancelled while queued, never runs: its execution stays the pending shape
    const second = await run(own, asset.id, 'exif-strip');
    assert.equal(second.status, 202, second.text);
    const cancel = await own.request('POST', `/api/v1/system/jobs/${second.body.data.jobId}/cancel`, { token: key });
    assert.equal(cancel.status, 200, cancel.text);
    // a worker (this server restarted with one) finishes it under the same execution id
    own.extraEnv.Processing__Workers = '1';
    await own.restart();
    const finished = await waitFor(async () => {
      const now = await own.request('GET', location, { token: key });
      return now.body.data.state !== 'queued' && now.body.data.state !== 'running' ? now.body.data : null;
    }, 'the run');
    assert.equal(finished.executionId, pending.executionId);
    assert.equal(finished.jobId, pending.jobId);
    assert.equal(finished.state, 'succeeded', JSON.stringify(finished));
    assert.equal(finished.succeeded, true);
    assert.equal(finished.attempt, 1);
    assert.deepEqual(finished.steps.map((step) => step.stepName), ['generate_thumbnail']);
    const cancelled = await own.request('GET', second.headers.get('location'), { token: key });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.data.state, 'cancelled');
    assert.equal(cancelled.body.data.succeeded, null);
    assert.equal(cancelled.body.data.skillName, 'exif-strip');
    assert.deepEqual(cancelled.body.data.steps, []);
    assert.deepEqual((await executions(own, asset.id)).items.map((item) => item.skillName),
      ['thumbnail', 'basic_image_enrich']);
  } finally {
    await own.stop();
    own.cleanup();
  }
});

test('with one handler thread no run waits: 202 at once even with a wait configured', async () => {
  const own = await startServer({ env: accountsEnv({ Server__HandlerThreads: '1', Processing__Workers: '0' },
    { machineKeys: true }) });
  try {
    const asset = await uploadOk(own, key, { file: image(40, 30), fields: { runEnrichment: 'false' } });
    const response = await run(own, asset.id, 'thumbnail');
    assert.equal(response.status, 202, response.text);
    assert.equal(response.body.data.state, 'queued');
  } finally {
    await own.stop();
    own.cleanup();
  }
});

test('a transient storage failure is recorded and the job retried until it succeeds', async () => {
  const s3 = await startS3();
  const proxy = await startFaultProxy({ target: s3.endpoint });
  const own = await startServer({ env: accountsEnv({ ...fast, ...s3.env({ Storage__S3__Endpoint: proxy.url }),
    Storage__Remote__MaxAttempts: '1', Storage__Remote__RetryBaseDelayMs: '20' }, { machineKeys: true }) });
  try {
    const asset = await uploadOk(own, key, { file: image(300, 200), fields: { runEnrichment: 'false' } });
    proxy.fallback = '503-slowdown';
    const running = run(own, asset.id, 'thumbnail');
    const failed = await waitFor(async () => {
      const history = await executions(own, asset.id);
      return history.total > 0 ? history.items[0] : null;
    }, 'the failed attempt');
    proxy.fallback = 'pass';
    assert.equal(failed.state, 'failed');
    assert.equal(failed.attempt, 1);
    assert.equal(failed.steps[0].status, 'failed');
    assert.match(failed.lastError, /.+/);
    const response = await running;
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.data.succeeded, true, response.text);
    const history = await executions(own, asset.id);
    assert.ok(history.total >= 2);
    const final = history.items[0];
    assert.equal(final.executionId, response.body.data.executionId, 'the final attempt takes the run\'s id');
    assert.equal(final.state, 'succeeded');
    assert.ok(final.attempt >= 2);
    assert.ok(history.items.every((item) => item.jobId === failed.jobId), 'one job, several attempts');
    assert.notEqual(failed.executionId, final.executionId);
    const job = await own.request('GET', `/api/v1/system/jobs/${failed.jobId}`, { token: key });
    assert.equal(job.body.data.state, 'succeeded');
    assert.equal(job.body.data.attempts, final.attempt);
    assert.equal(response.body.data.asset.derivatives.length, 2);
  } finally {
    proxy.fallback = 'pass';
    await own.stop();
    own.cleanup();
    await proxy.stop();
    await s3.stop();
  }
});

test('a queued job whose asset was deleted ends without effect', async () => {
  const own = await startServer({ env: accountsEnv({ Processing__Workers: '0' }, { machineKeys: true }) });
  try {
    const asset = await uploadOk(own, key, { file: image(60, 40) });
    const [job] = (await jobsOf(own, asset.id)).items;
    assert.equal(job.state, 'queued');
    assert.equal((await own.request('DELETE', `/api/v1/assets/${asset.id}`, { token: key })).status, 200);
    own.extraEnv.Processing__Workers = '1';
    await own.restart();
    const ended = await waitFor(async () => {
      const now = await own.request('GET', `/api/v1/system/jobs/${job.id}`, { token: key });
      return ['succeeded', 'failed', 'cancelled'].includes(now.body.data.state) ? now.body.data : null;
    }, 'the orphaned job');
    assert.equal(ended.state, 'succeeded');
    assert.equal(ended.lastError, null);
    assert.equal(ended.attempts, 1);
    expectError(await own.request('GET', `/api/v1/assets/${asset.id}/executions`, { token: key }),
      404, 'asset_not_found');
  } finally {
    await own.stop();
    own.cleanup();
  }
});

test('permissions: listing and history need assets.read, running needs assets.update', async () => {
  const asset = await uploadOk(server, key, { file: image(40, 30), fields: { runEnrichment: 'false' } });
  const reader = await createUser(server, key, { permissions: ['assets.read'] });
  const readerToken = (await login(server, reader.username, reader.password)).accessToken;
  assert.equal((await server.request('GET', '/api/v1/assets/skills', { token: readerToken })).status, 200);
  assert.equal((await server.request('GET', `/api/v1/assets/${asset.id}/executions`, { token: readerToken })).status, 200);
  const refused = await run(server, asset.id, 'thumbnail', undefined, readerToken);
  assert.equal(refused.status, 403);
  const editor = await createUser(server, key, { permissions: ['assets.update'] });
  const editorToken = (await login(server, editor.username, editor.password)).accessToken;
  assert.equal((await server.request('GET', '/api/v1/assets/skills', { token: editorToken })).status, 403);
  assert.equal((await server.request('GET', `/api/v1/assets/${asset.id}/executions`, { token: editorToken })).status, 403);
  const derivative = `/api/v1/assets/${asset.id}/derivatives/thumbnail_256/content`;
  assert.equal((await fetchBytes(server, derivative, { token: editorToken })).status, 403);
  const allowed = await run(server, asset.id, 'thumbnail', undefined, editorToken);
  assert.equal(allowed.status, 200, allowed.text);
  assert.equal((await jobsOf(server, asset.id)).total, 1, 'only the allowed run was queued');
});
