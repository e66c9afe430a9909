// steps-caption-tags.test.js - a provider that answers caption, alt text and tags in one call
// (issue 12): the result basic_caption keeps all three, the alt text goes to altText (the
// caption to description), the tags are normalized (trimmed, repeats ignoring case dropped)
// onto the asset and found by the asset list's query; tags a user already has are kept.
// The provider is the test build's stand-in (NEKOHUB_TEST_CAPTION as a JSON object).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { gradientPng } from './lib/images.js';
import { KEY, stepsEnv, uploadProcessed, detail } from './lib/steps.js';
import { uploadOk } from './lib/assets.js';

const ANSWER = {
  caption: 'An orange tabby cat asleep on a windowsill in the afternoon sun',
  altText: 'Orange cat sleeping on a windowsill',
  tags: ['  tabby   cat ', 'Windowsill', 'windowsill', '', 42, 'sunlight'],
};

let server;

before(async () => {
  server = await startServer({ env: stepsEnv({ NEKOHUB_TEST_CAPTION: JSON.stringify(ANSWER) }) });
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

test('caption, alt text and tags are kept in the result and filled onto the asset', async () => {
  const asset = await uploadProcessed(server, { data: gradientPng(320, 240, { seed: 11 }), filename: 'nap.png' });
  const step = asset.latestExecutionSummary.steps.find((s) => s.stepName === 'generate_basic_caption');
  assert.equal(step.status, 'succeeded', JSON.stringify(step));
  const result = asset.structuredResults.find((r) => r.kind === 'basic_caption');
  const payload = JSON.parse(result.payloadJson);
  assert.equal(payload.caption, ANSWER.caption);
  assert.equal(payload.altText, ANSWER.altText);
  assert.deepEqual(payload.tags, ['tabby cat', 'Windowsill', 'sunlight']);
  assert.equal(asset.description, ANSWER.caption);
  assert.equal(asset.altText, ANSWER.altText);
  assert.deepEqual(asset.tags, ['tabby cat', 'Windowsill', 'sunlight']);
});

test('the asset list query finds an asset by one of its tags, in any case', async () => {
  const asset = await uploadProcessed(server, { data: gradientPng(200, 150, { seed: 12 }), filename: 'plain-name.png',
    fields: { description: 'words without the tag', altText: 'no tag here either' } });
  assert.deepEqual(asset.tags, ['tabby cat', 'Windowsill', 'sunlight']);
  const found = await server.request('GET', '/api/v1/assets?query=SUNLIGHT&pageSize=100', { token: KEY });
  assert.equal(found.status, 200, found.text);
  const ids = found.body.data.items.map((item) => item.id);
  assert.ok(ids.includes(asset.id), 'found by its tag');
  const item = found.body.data.items.find((i) => i.id === asset.id);
  assert.deepEqual(item.tags, ['tabby cat', 'Windowsill', 'sunlight'], 'list items carry the tags');
  const missing = await server.request('GET', '/api/v1/assets?query=zebra-not-a-tag&pageSize=100', { token: KEY });
  assert.equal(missing.status, 200);
  assert.ok(!missing.body.data.items.some((i) => i.id === asset.id));
});

test('an asset uploaded without enrichment has no tags', async () => {
  const asset = await uploadOk(server, KEY, { file: { data: gradientPng(40, 30, { seed: 13 }), filename: 'bare.png' },
    fields: { runEnrichment: 'false' } });
  assert.deepEqual(asset.tags, []);
  assert.deepEqual((await detail(server, asset.id)).tags, []);
});

test('a person edits the tags: PATCH tags normalizes them, [] or null clears, bad tags are refused', async () => {
  const asset = await uploadOk(server, KEY, { file: { data: gradientPng(48, 36, { seed: 14 }), filename: 'edit.png' },
    fields: { runEnrichment: 'false' } });
  const patch = (json) => server.request('PATCH', `/api/v1/assets/${asset.id}`, { token: KEY, json });
  const set = await patch({ tags: ['  Night   sky ', 'stars', 'STARS'] });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.body.data.tags, ['Night sky', 'stars']);
  const found = await server.request('GET', '/api/v1/assets?query=night%20sky&pageSize=100', { token: KEY });
  assert.ok(found.body.data.items.some((item) => item.id === asset.id), 'found by the edited tag');
  const unchanged = await patch({ description: 'only the description' });
  assert.deepEqual(unchanged.body.data.tags, ['Night sky', 'stars'], 'absent tags stay');
  for (const [tags, message] of [['stars', /array of strings/], [['ok', 7], /array of strings/],
    [['  '], /blank/], [['x'.repeat(49)], /48 characters/],
    [Array.from({ length: 21 }, (_, i) => `t${i}`), /at most 20 tags/]]) {
    const refused = await patch({ tags, description: 'not applied' });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.error.code, 'asset_tags_invalid');
    assert.match(refused.body.error.message, message);
  }
  assert.equal((await detail(server, asset.id)).description, 'only the description', 'a refused patch changes nothing');
  assert.deepEqual((await patch({ tags: [] })).body.data.tags, []);
  await patch({ tags: ['again'] });
  assert.deepEqual((await patch({ tags: null })).body.data.tags, []);
});
