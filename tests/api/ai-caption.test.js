// ai-caption.test.js - the ai-caption step through the job queue with a real AI provider
// profile and the strict stand-in model (lib/fake-openai.js; spec processing.md §7.2, §11 with
// issue 12's corrections): an upload gets caption, alt text and tags (searchable), the model
// sees the bounded WebP preview; a 429 is retried through the queue and later succeeds; a
// stalled answer fails at the deadline and is retried; whitespace stream fragments are kept; a
// code-fenced answer is accepted; a caption over 4000 characters is cut without a 500; no
// active profile skips the step with the reason; Ai__MaxConcurrency bounds the calls at once;
// a stored key no secret key opens fails the step for good.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer } from './lib/server.js';
import { gradientPng } from './lib/images.js';
import { KEY, stepsEnv, uploadProcessed, derivative, detail } from './lib/steps.js';
import { FakeOpenAI, FAKE_KEY, FAKE_MODEL, caption } from './lib/fake-openai.js';

const BASE = '/api/v1/system/ai/providers';
const TIMEOUT_S = 5;
let server;
let fake;
let profile;
let seed = 0;

function env(extra = {}) {
  return stepsEnv({ Ai__RequestTimeoutSeconds: String(TIMEOUT_S), Ai__MaxConcurrency: '1',
    Processing__RetryBaseSeconds: '1', Processing__RetryMaxSeconds: '2', Processing__MaxAttempts: '4', ...extra });
}

before(async () => {
  fake = await new FakeOpenAI().start();
  server = await startServer({ env: env() });
  const created = await server.request('POST', BASE, { token: KEY, json: { name: 'stand-in',
    apiBaseUrl: fake.baseUrl, apiKey: FAKE_KEY, modelName: FAKE_MODEL, isActive: true } });
  assert.equal(created.status, 201, created.text);
  profile = created.body.data;
});

after(async () => {
  await server?.stop();
  server?.assertClean();
  server?.cleanup();
  await fake?.stop();
});

// Upload and wait for the processing to end; the detail is read again after that, since the one
// that saw the end may have read the asset row before the job's last write (the detail's reads
// are separate statements).
async function uploadImage(fields = {}) {
  seed += 1;
  const asset = await uploadProcessed(server, { data: gradientPng(1400, 900, { seed }), filename: `photo-${seed}.png`,
    contentType: 'image/png', fields });
  return detail(server, asset.id);
}

function captionStep(asset) {
  const step = asset.latestExecutionSummary.steps.find((s) => s.stepName === 'generate_basic_caption');
  assert.ok(step, JSON.stringify(asset.latestExecutionSummary));
  return step;
}

function captionResult(asset) {
  const results = asset.structuredResults.filter((r) => r.kind === 'basic_caption');
  assert.equal(results.length, 1, JSON.stringify(asset.structuredResults));
  return JSON.parse(results[0].payloadJson);
}

async function jobsOf(assetId) {
  const response = await server.request('GET', `/api/v1/system/jobs?assetId=${assetId}`, { token: KEY });
  assert.equal(response.status, 200, response.text);
  return response.body.data.items;
}

async function executionsOf(assetId) {
  const response = await server.request('GET', `/api/v1/assets/${assetId}/executions?pageSize=50`, { token: KEY });
  assert.equal(response.status, 200, response.text);
  return response.body.data.items;
}

test('upload: caption, alt text and tags on the asset, made from the WebP preview; tags are searchable', async () => {
  fake.reset();
  fake.script({ model: 'vision-test-1-0613', content: caption({ caption: 'A purple gradient behind a quiet street.',
    altText: 'Purple gradient', tags: ['Gradient', ' street  view ', 'gradient', 7] }) });
  const asset = await uploadImage();
  assert.equal(captionStep(asset).status, 'succeeded', JSON.stringify(captionStep(asset)));
  assert.equal(asset.description, 'A purple gradient behind a quiet street.');
  assert.equal(asset.altText, 'Purple gradient');
  assert.deepEqual(asset.tags, ['Gradient', 'street view']);
  assert.deepEqual(captionResult(asset), { caption: 'A purple gradient behind a quiet street.',
    altText: 'Purple gradient', tags: ['Gradient', 'street view'], generator: 'vision-test-1-0613' });
  assert.deepEqual(fake.violations, []);
  assert.equal(fake.accepted.length, 1);
  const url = fake.accepted[0].body.messages[1].content[1].image_url.url;
  assert.match(url, /^data:image\/webp;base64,/, 'the preview is sent');
  assert.equal(Buffer.from(url.split(',')[1], 'base64').length, derivative(asset, 'preview_1024').size);
  const found = await server.request('GET', '/api/v1/assets?query=street%20view', { token: KEY });
  assert.equal(found.status, 200, found.text);
  assert.deepEqual(found.body.data.items.map((a) => a.id), [asset.id]);
});

test('a 429 with Retry-After is retried through the queue and later succeeds', async () => {
  fake.reset();
  fake.script({ status: 429, retryAfter: 1, message: 'Rate limit reached for requests' },
    { content: caption({ caption: 'After the rate limit.' }) });
  const asset = await uploadImage();
  assert.equal(asset.description, 'After the rate limit.');
  assert.equal(asset.altText, 'After the rate limit.', 'no altText: the caption serves');
  const [job] = await jobsOf(asset.id);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  assert.ok(job.attempts >= 2, `retried (${job.attempts} attempts)`);
  const executions = await executionsOf(asset.id);
  const failed = executions.flatMap((e) => e.steps).find((s) => s.status === 'failed');
  assert.ok(failed, JSON.stringify(executions));
  assert.match(failed.errorMessage, /status 429: Rate limit reached/);
  assert.equal(fake.accepted.length, 2);
});

test('a stalled answer fails at the deadline (Ai__RequestTimeoutSeconds) and the retry succeeds', async () => {
  fake.reset();
  fake.script({ stall: true }, { content: caption({ caption: 'After the stall.' }) });
  const asset = await uploadImage();
  assert.equal(asset.description, 'After the stall.');
  const executions = await executionsOf(asset.id);
  const failed = executions.flatMap((e) => e.steps).find((s) => s.status === 'failed');
  assert.ok(failed, JSON.stringify(executions));
  assert.match(failed.errorMessage, /timed out/);
  const took = Date.parse(failed.completedAtUtc) - Date.parse(failed.startedAtUtc);
  assert.ok(took >= TIMEOUT_S * 1000 - 1000, `the call waited for the deadline (${took} ms)`);
  assert.ok(took < (TIMEOUT_S + 10) * 1000, `and ended there, the body included (${took} ms)`);
  const [job] = await jobsOf(asset.id);
  assert.ok(job.attempts >= 2, JSON.stringify(job));
});

test('the streaming fallback keeps whitespace-only fragments; [DONE] ends a stream left open', async () => {
  fake.reset();
  fake.script({ empty: true }, { hold: true, sse: ['{"caption": "', 'Black', ' ', 'cat', ' ', 'asleep', '",',
    ' "altText": "', 'A', ' ', 'cat', '", "tags": ["cat"', ', ', '"sleep"]}'] });
  const asset = await uploadImage();
  assert.equal(captionStep(asset).status, 'succeeded', JSON.stringify(captionStep(asset)));
  assert.equal(asset.description, 'Black cat asleep');
  assert.equal(asset.altText, 'A cat');
  assert.deepEqual(asset.tags, ['cat', 'sleep']);
  assert.deepEqual(fake.accepted.map((r) => r.stream), [false, true]);
  const [job] = await jobsOf(asset.id);
  assert.equal(job.attempts, 1, 'no timeout: the held stream ended at [DONE]');
});

test('a JSON answer in a Markdown code fence is accepted', async () => {
  fake.reset();
  fake.script({ content: '```json\n{"caption": "Fenced caption.", "altText": "Fenced"}\n```' });
  let asset = await uploadImage();
  assert.equal(asset.description, 'Fenced caption.');
  assert.equal(asset.altText, 'Fenced');
  fake.script({ content: '```\n{"caption": "Bare fence."}\n```' });
  asset = await uploadImage();
  assert.equal(asset.description, 'Bare fence.');
});

test('a caption over 4000 characters is cut at a word boundary, no 500', async () => {
  fake.reset();
  const words = Array.from({ length: 900 }, (_, i) => `word${i}`).join(' ');
  assert.ok(words.length > 4500);
  fake.script({ content: caption({ caption: words, altText: words }) });
  const asset = await uploadImage();
  assert.equal(captionStep(asset).status, 'succeeded', JSON.stringify(captionStep(asset)));
  const stored = captionResult(asset);
  assert.ok(stored.caption.length <= 4000 && stored.caption.length > 3900, `${stored.caption.length}`);
  assert.ok(words.startsWith(stored.caption) && words[stored.caption.length] === ' ');
  for (const text of [asset.description, asset.altText]) {
    assert.ok(text.length <= 1000 && text.length > 980, `${text.length}`);
    assert.ok(words.startsWith(text) && words[text.length] === ' ', 'cut where a word ends');
  }
  assert.equal((await server.request('GET', `/api/v1/assets/${asset.id}`, { token: KEY })).status, 200);
});

test('a failing model never blocks the upload; the answer is not JSON: the step fails for good', async () => {
  fake.reset();
  fake.script({ content: 'Just a sentence.' });
  const asset = await uploadImage();
  const step = captionStep(asset);
  assert.equal(step.status, 'failed');
  assert.equal(step.errorMessage, 'OpenAI vision response content was not valid JSON.');
  const thumbnail = asset.latestExecutionSummary.steps.find((s) => s.stepName === 'generate_thumbnail');
  assert.equal(thumbnail.status, 'succeeded', 'the other steps ran');
  const [job] = await jobsOf(asset.id);
  assert.equal(job.attempts, 1, 'not transient: no retry');
  assert.equal(asset.description, null);
});

test('Ai__MaxConcurrency 1: the model never sees two calls at once', async () => {
  fake.reset();
  for (let i = 0; i < 3; i++) fake.script({ delayMs: 700, content: caption({ caption: `Slow ${i}.` }) });
  const assets = await Promise.all([uploadImage(), uploadImage(), uploadImage()]);
  assert.deepEqual(assets.map((a) => a.description).sort(), ['Slow 0.', 'Slow 1.', 'Slow 2.']);
  assert.equal(fake.maxInFlight, 1);
});

test('no active profile: the step is skipped with the reason', async () => {
  const off = await server.request('PATCH', `${BASE}/${profile.id}`, { token: KEY, json: { isActive: false } });
  assert.equal(off.status, 200, off.text);
  fake.reset();
  const asset = await uploadImage();
  const step = captionStep(asset);
  assert.equal(step.status, 'skipped');
  assert.equal(step.message, 'No active AI provider profile; the caption was not generated.');
  assert.equal(asset.latestExecutionSummary.succeeded, true);
  assert.equal(fake.requests.length, 0);
  assert.equal((await server.request('PATCH', `${BASE}/${profile.id}`, { token: KEY,
    json: { isActive: true } })).status, 200);
});

test('a stored key no secret key opens: the step fails with ai_provider_key_unreadable, not retried', async () => {
  await server.stop();
  server.extraEnv = env({ Security__SecretKey: randomBytes(32).toString('hex') });
  await server.start();
  fake.reset();
  const asset = await uploadImage();
  const step = captionStep(asset);
  assert.equal(step.status, 'failed');
  assert.match(step.errorMessage, /API key of AI provider profile 'stand-in' cannot be opened/);
  const [job] = await jobsOf(asset.id);
  assert.equal(job.attempts, 1);
  assert.equal(fake.requests.length, 0);
  assert.equal((await detail(server, asset.id)).description, null);
});
