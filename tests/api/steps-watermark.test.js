// steps-watermark.test.js - draw_watermark on the bytes, and steps meeting a broken media
// worker. A watermark brightens the pixels of its corner only (compared with the original,
// exactly for PNG), at the position asked for, keeps format, size and frames, and is
// deterministic (two copies given the same parameters end with the same checksum). A worker
// that crashes or hangs during a step fails only that step (media_worker_failed /
// media_worker_timeout, not retried), the asset keeps its object and the server keeps serving.
// The test operations exist only in test builds with NEKOHUB_TEST_MEDIA_OPERATIONS=1: a
// watermark text starting with "nekohub-test-op-crash" / "-hang" runs them (media_ops.h).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { png, encodePng, animated, convert } from './lib/images.js';
import { header, maxDifference, regionMean } from './lib/vips.js';
import { workerPids } from './lib/media-workers.js';
import { KEY, stepsEnv, uploadProcessed, runSkill, originalBytes, detail, sqlExec } from './lib/steps.js';

let server;

before(async () => {
  server = await startServer({ env: stepsEnv({
    NEKOHUB_TEST_MEDIA_OPERATIONS: '1',
    Processing__MediaWorkers: '1',
    Processing__MediaTimeoutSeconds: '4',
  }) });
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

// A dark, flat-ish 400x300 picture (white text shows on it).
const dark = (seed = 0) => encodePng(400, 300, (x, y, row, offset) => {
  const level = 30 + ((x * 7 + y * 3 + seed) % 20);
  row[offset] = level; row[offset + 1] = level; row[offset + 2] = level;
});

const corners = {
  topLeft: { left: 0, top: 0, width: 200, height: 150 },
  topRight: { left: 200, top: 0, width: 200, height: 150 },
  bottomLeft: { left: 0, top: 150, width: 200, height: 150 },
  bottomRight: { left: 200, top: 150, width: 200, height: 150 },
};

function changedCorners(before, after) {
  return Object.entries(corners).filter(([, region]) => maxDifference(before, after, region) > 0)
    .map(([name]) => name);
}

for (const [position, expected] of [['BottomRight', 'bottomRight'], ['TopLeft', 'topLeft'],
  ['bottomleft', 'bottomLeft'], ['TOPRIGHT', 'topRight']]) {
  test(`watermark at ${position} changes that corner only`, async () => {
    const original = dark();
    const asset = await uploadProcessed(server, { data: original, filename: `wm-${position}.png` });
    const run = await runSkill(server, asset.id, 'watermark', { Text: 'NekoHub', FontSize: 24, Opacity: 1, Position: position });
    assert.equal(run.succeeded, true, JSON.stringify(run.steps));
    const marked = await originalBytes(server, run.asset);
    const decoded = header(marked);
    assert.equal(decoded.format, 'png');
    assert.equal(decoded.width, 400);
    assert.equal(decoded.height, 300);
    assert.deepEqual(changedCorners(original, marked), [expected]);
    const region = corners[expected];
    const brighter = regionMean(marked, region.left, region.top, region.width, region.height)
      - regionMean(original, region.left, region.top, region.width, region.height);
    assert.ok(brighter > 3, `white text brightens the corner (by ${brighter})`);
    assert.notEqual(run.asset.storageKey, asset.storageKey);
    assert.notEqual(run.asset.checksumSha256, asset.checksumSha256);
  });
}

test('watermark in the center with the defaults; opacity 0 leaves the pixels alone', async () => {
  const original = dark(5);
  const asset = await uploadProcessed(server, { data: original, filename: 'center.png' });
  const run = await runSkill(server, asset.id, 'draw_watermark', { position: 'Center' });
  assert.equal(run.succeeded, true);
  const marked = await originalBytes(server, run.asset);
  const middle = { left: 100, top: 100, width: 200, height: 100 };
  assert.ok(maxDifference(original, marked, middle) > 0);
  assert.equal(maxDifference(original, marked, { left: 0, top: 0, width: 400, height: 60 }), 0,
    'the top band is untouched');
  const clear = await uploadProcessed(server, { data: dark(6), filename: 'clear.png' });
  const invisible = await runSkill(server, clear.id, 'watermark', { opacity: 0 });
  assert.equal(invisible.succeeded, true);
  assert.equal(maxDifference(dark(6), await originalBytes(server, invisible.asset)), 0);
});

test('watermark is deterministic: two copies, same parameters, same bytes', async () => {
  const jpeg = convert(dark(9), '.jpg');
  const first = await uploadProcessed(server, { data: jpeg, filename: 'copy1.jpg', contentType: 'image/jpeg' });
  const second = await uploadProcessed(server, { data: jpeg, filename: 'copy2.jpg', contentType: 'image/jpeg' });
  const parameters = { text: 'Deterministic 猫', fontSize: '24', opacity: '0.6', position: 'TopRight' };
  const a = await runSkill(server, first.id, 'watermark', parameters);
  const b = await runSkill(server, second.id, 'watermark', parameters);
  assert.equal(a.succeeded, true);
  assert.equal(b.succeeded, true);
  assert.equal(a.asset.checksumSha256, b.asset.checksumSha256);
  assert.equal(a.asset.contentType, 'image/jpeg');
  const bytes = await originalBytes(server, a.asset);
  assert.equal(header(bytes).format, 'jpeg');
  // JPEG re-encoding moves every pixel a little: compare means, the text makes a clear step
  const topRight = regionMean(bytes, 200, 0, 200, 80) - regionMean(jpeg, 200, 0, 200, 80);
  const bottomLeft = regionMean(bytes, 0, 200, 200, 100) - regionMean(jpeg, 0, 200, 200, 100);
  assert.ok(topRight > 2, `top right brighter by ${topRight}`);
  assert.ok(Math.abs(bottomLeft) < 1, `bottom left about the same (${bottomLeft})`);
});

test('an animated GIF keeps its frames under a watermark', async () => {
  const gif = animated('.gif', 120, 80, 3);
  const asset = await uploadProcessed(server, { data: gif, filename: 'anim.gif', contentType: 'image/gif' });
  const run = await runSkill(server, asset.id, 'watermark', { fontSize: 14, opacity: 1 });
  assert.equal(run.succeeded, true, JSON.stringify(run.steps));
  const decoded = header(await originalBytes(server, run.asset));
  assert.equal(decoded.format, 'gif');
  assert.equal(decoded.pages, 3);
  assert.equal(decoded.height, 80);
});

async function mediaCounter(series) {
  const text = await (await fetch(server.url('/metrics'))).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function expectContained(asset, run, message) {
  assert.equal(run.succeeded, false);
  assert.equal(run.steps.length, 1, 'no derivative refresh after a failed rewrite');
  assert.equal(run.steps[0].name, 'draw_watermark');
  assert.equal(run.steps[0].status, 'failed');
  assert.match(run.steps[0].errorMessage, message);
  const after = await detail(server, asset.id);
  assert.equal(after.storageKey, asset.storageKey, 'the asset keeps its object');
  assert.equal(after.checksumSha256, asset.checksumSha256);
  const job = await server.request('GET', `/api/v1/system/jobs/${run.jobId}`, { token: KEY });
  assert.equal(job.status, 200, job.text);
  assert.equal(job.body.data.attempts, 1, 'not retried: the same bytes would meet the same fate');
  assert.equal((await server.request('GET', '/healthz')).status, 200);
  const next = await uploadProcessed(server, { data: png(30, 20, { seed: 99 }), filename: 'after.png' });
  assert.equal(next.derivatives.length, 2, 'the replaced worker processes the next upload');
}

test('a worker that crashes during a step fails only that step (media_worker_failed)', async () => {
  const asset = await uploadProcessed(server, { data: png(60, 40, { seed: 81 }), filename: 'crash.png' });
  const before = workerPids(server);
  const failures = await mediaCounter('nekohub_media_worker_failures_total{reason="failed"}');
  const run = await runSkill(server, asset.id, 'watermark', { text: 'nekohub-test-op-crash' });
  await expectContained(asset, run, /media worker failed/i);
  assert.equal(await mediaCounter('nekohub_media_worker_failures_total{reason="failed"}'), failures + 1);
  assert.notDeepEqual(workerPids(server), before, 'the worker was replaced');
});

test('a worker that hangs during a step is killed at the deadline (media_worker_timeout)', async () => {
  const asset = await uploadProcessed(server, { data: png(60, 40, { seed: 82 }), filename: 'hang.png' });
  const timeouts = await mediaCounter('nekohub_media_worker_failures_total{reason="timeout"}');
  const run = await runSkill(server, asset.id, 'watermark', { text: 'nekohub-test-op-hang' });
  await expectContained(asset, run, /longer than 4 s/);
  assert.equal(await mediaCounter('nekohub_media_worker_failures_total{reason="timeout"}'), timeouts + 1);
});

test('a job retried after its watermark committed does not draw it twice (job step mark)', async () => {
  const asset = await uploadProcessed(server, { data: dark(13), filename: 'once.png' });
  const run = await runSkill(server, asset.id, 'watermark', { text: 'Once', opacity: 1 });
  assert.equal(run.succeeded, true);
  const marked = run.asset;
  // as if the worker died after the commit and the job ended failed: an operator retries it
  sqlExec(server, `UPDATE jobs SET status = 'failed' WHERE id = '${run.jobId}'`);
  const retried = await server.request('POST', `/api/v1/system/jobs/${run.jobId}/retry`, { token: KEY });
  assert.equal(retried.status, 200, retried.text);
  const until = Date.now() + 120000;
  let job;
  do {
    job = (await server.request('GET', `/api/v1/system/jobs/${run.jobId}`, { token: KEY })).body.data;
    if (Date.now() > until) assert.fail(`the retried job did not end: ${JSON.stringify(job)}`);
  } while (job.state === 'queued' || job.state === 'running');
  assert.equal(job.state, 'succeeded');
  const after = await detail(server, asset.id);
  assert.equal(after.checksumSha256, marked.checksumSha256, 'the same bytes: not marked twice');
  assert.equal(after.storageKey, marked.storageKey);
  const executions = (await server.request('GET', `/api/v1/assets/${asset.id}/executions`, { token: KEY })).body.data;
  const ofJob = executions.items.filter((execution) => execution.jobId === run.jobId);
  assert.equal(ofJob.length, 2, 'both attempts recorded');
  for (const execution of ofJob) {
    assert.equal(execution.steps.find((step) => step.stepName === 'draw_watermark').status, 'succeeded');
  }
});
