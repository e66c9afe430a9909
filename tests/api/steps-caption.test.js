// steps-caption.test.js - generate_basic_caption with a caption provider: the result
// basic_caption {"caption","generator"} is saved once per asset, the provider is given a
// bounded derivative (the WebP preview), never the original, and a blank description and alt
// text are filled from the caption, cut at a word boundary within their 1000-character limit;
// text a user wrote is never overwritten, and a re-run calls nothing and changes nothing.
// The provider is the test build's stand-in (NEKOHUB_TEST_CAPTION, step_caption.c): the AI
// feature plugs the real one in later (issue 12).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { convert, gradientPng } from './lib/images.js';
import { KEY, stepsEnv, uploadProcessed, runSkill, derivative, detail } from './lib/steps.js';

// 1 499 characters: longer than the description and alt text may be.
const CAPTION = `  ${Array.from({ length: 250 }, (_, i) => `cat${i % 10}`).join(' ')}  `;
const TRIMMED = CAPTION.trim();

let server;

before(async () => {
  server = await startServer({ env: stepsEnv({ NEKOHUB_TEST_CAPTION: CAPTION }) });
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

function captionResult(asset) {
  const results = asset.structuredResults.filter((r) => r.kind === 'basic_caption');
  assert.equal(results.length, 1, JSON.stringify(asset.structuredResults));
  return JSON.parse(results[0].payloadJson);
}

test('the caption is saved, made from the preview, and fills the blank texts at a word boundary', async () => {
  const photo = convert(gradientPng(1600, 1200), '.jpg');
  const asset = await uploadProcessed(server, { data: photo, filename: 'cat.jpg', contentType: 'image/jpeg' });
  const step = asset.latestExecutionSummary.steps.find((s) => s.stepName === 'generate_basic_caption');
  assert.equal(step.status, 'succeeded', JSON.stringify(step));
  const payload = captionResult(asset);
  assert.equal(payload.caption, TRIMMED);
  const preview = derivative(asset, 'preview_1024');
  assert.equal(payload.generator, `test-caption image/webp ${preview.size} bytes`,
    'the provider saw the preview, not the original');
  assert.ok(TRIMMED.length > 1000);
  for (const text of [asset.description, asset.altText]) {
    assert.ok(text.length <= 1000, `within the limit (${text.length})`);
    assert.ok(text.length > 990, 'as much as fits');
    assert.ok(TRIMMED.startsWith(text));
    assert.equal(TRIMMED[text.length], ' ', 'cut where a word ends');
  }
});

test('text a user wrote is kept; only the blank one is filled', async () => {
  const asset = await uploadProcessed(server, { data: gradientPng(64, 48, { seed: 2 }), filename: 'mine.png',
    fields: { description: 'My own words' } });
  assert.equal(asset.description, 'My own words');
  assert.ok(asset.altText && TRIMMED.startsWith(asset.altText));
});

test('a re-run uses the saved result: one row, nothing changed', async () => {
  const asset = await uploadProcessed(server, { data: gradientPng(80, 60, { seed: 3 }), filename: 'again.png' });
  const first = captionResult(asset);
  const patched = await server.request('PATCH', `/api/v1/assets/${asset.id}`,
    { token: KEY, json: { description: null } });
  assert.equal(patched.status, 200, patched.text);
  const run = await runSkill(server, asset.id, 'generate_basic_caption');
  assert.equal(run.skillName, 'ai-caption');
  assert.equal(run.succeeded, true);
  assert.deepEqual(captionResult(run.asset), first);
  assert.equal(run.asset.description, asset.description, 'filled again from the saved result');
  assert.equal((await detail(server, asset.id)).structuredResults.length, 1);
});
