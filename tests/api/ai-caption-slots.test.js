// ai-caption-slots.test.js - a caption that finds every model slot (Ai__MaxConcurrency) busy
// gives its job worker back instead of waiting in it (issue 12: slow model calls must not block
// thumbnails): its job is deferred, the attempt not counted, and runs again later. With one
// slot held by a model call that does not answer, two job workers and three uploads, the other
// two uploads still get their thumbnails; once the model answers, all three get their captions,
// each job in ONE counted attempt (Processing__MaxAttempts 1: a counted deferral would fail it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from './lib/server.js';
import { gradientPng } from './lib/images.js';
import { uploadOk } from './lib/assets.js';
import { KEY, stepsEnv, settled, detail } from './lib/steps.js';
import { FakeOpenAI, FAKE_KEY, FAKE_MODEL } from './lib/fake-openai.js';

const DEADLINE_MS = 60_000;
let server;
let fake;

before(async () => {
  fake = await new FakeOpenAI().start();
  server = await startServer({ env: stepsEnv({ Ai__MaxConcurrency: '1', Ai__RequestTimeoutSeconds: '120',
    Processing__Workers: '2', Processing__MaxAttempts: '1' }) });
  const created = await server.request('POST', '/api/v1/system/ai/providers', { token: KEY, json: {
    name: 'stand-in', apiBaseUrl: fake.baseUrl, apiKey: FAKE_KEY, modelName: FAKE_MODEL, isActive: true } });
  assert.equal(created.status, 201, created.text);
});

after(async () => {
  fake?.release();
  await server?.stop();
  server?.assertClean();
  server?.cleanup();
  await fake?.stop();
});

async function until(what, check) {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const hasThumbnail = (asset) => asset.derivatives.some((d) => d.kind === 'thumbnail_256');

async function jobOf(assetId) {
  const jobs = await server.request('GET', `/api/v1/system/jobs?assetId=${assetId}`, { token: KEY });
  assert.equal(jobs.status, 200, jobs.text);
  assert.equal(jobs.body.data.items.length, 1);
  return jobs.body.data.items[0];
}

test('a caption waiting for a model slot does not hold a job worker', async () => {
  fake.hold();
  const upload = (seed) => uploadOk(server, KEY, {
    file: { data: gradientPng(640, 480, { seed }), filename: `slot-${seed}.png`, contentType: 'image/png' } });
  const first = await upload(1);
  await until('the first caption call to reach the model', () => fake.inFlight === 1);
  const others = [await upload(2), await upload(3)];
  for (const asset of others) {
    await until(`a thumbnail of ${asset.originalFileName} while the model holds the slot`,
      async () => hasThumbnail(await detail(server, asset.id)));
  }
  assert.equal(fake.inFlight, 1, 'the model still holds the one call');
  assert.equal(fake.accepted.length, 1, 'no second call while the slot was taken');
  for (const asset of others) {
    const job = await jobOf(asset.id);
    assert.ok(['queued', 'running'].includes(job.state), JSON.stringify(job));
    assert.ok(job.attempts <= 1, `a deferral is not counted: ${JSON.stringify(job)}`);
  }

  fake.release();
  for (const asset of [first, ...others]) {
    const done = await settled(server, asset.id);
    const job = await jobOf(asset.id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job));
    assert.equal(job.attempts, 1);
    const again = await detail(server, done.id);
    assert.equal(again.description, 'A calm test image.');
    assert.deepEqual(again.tags, ['test']);
    const step = again.latestExecutionSummary.steps.find((s) => s.stepName === 'generate_basic_caption');
    assert.equal(step.status, 'succeeded');
  }
  assert.equal(fake.violations.length, 0, fake.violations.join('\n'));
  assert.equal(fake.maxInFlight, 1, 'never two calls at once');
});
