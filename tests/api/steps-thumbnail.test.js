// steps-thumbnail.test.js - generate_thumbnail and generate_basic_caption on the bytes: an
// upload gets thumbnail_256 (PNG, fit 256x256) and preview_1024 (WebP, fit 1024x1024), never
// upscaled, upright for an EXIF-rotated photo, from the first frame of an animation, without
// metadata, each remembering the checksum of the original it was made from; a re-run changes
// nothing; the caption step is skipped with its reason when no AI provider is configured.
// Decoding is done with Debian's vips/vipsheader (lib/vips.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { convert, gradientPng, markedPng, withExifOrientation, png, animated } from './lib/images.js';
import { header, pixel } from './lib/vips.js';
import {
  stepsEnv, uploadProcessed, runSkill, derivative, derivativeBytes, derivativeSources, sqlRows,
  detail,
} from './lib/steps.js';

let server;

before(async () => {
  server = await startServer({ env: stepsEnv() });
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

const isRed = ([r, g, b]) => r > 180 && g < 90 && b < 90;

test('a large photo gets a 256 PNG thumbnail and a 1024 WebP preview made from its bytes', async () => {
  const photo = withExifOrientation(convert(gradientPng(1600, 1200), '.jpg'), 1);
  const asset = await uploadProcessed(server, { data: photo, filename: 'photo.jpg', contentType: 'image/jpeg' });
  assert.deepEqual(asset.derivatives.map((d) => d.kind).sort(), ['preview_1024', 'thumbnail_256']);
  const thumbnail = derivative(asset, 'thumbnail_256');
  assert.equal(thumbnail.contentType, 'image/png');
  assert.equal(thumbnail.extension, '.png');
  assert.equal(thumbnail.width, 256);
  assert.equal(thumbnail.height, 192);
  const thumbBytes = await derivativeBytes(server, asset, 'thumbnail_256');
  assert.equal(thumbBytes.length, thumbnail.size);
  const thumbHeader = header(thumbBytes);
  assert.equal(thumbHeader.format, 'png');
  assert.equal(thumbHeader.width, 256);
  assert.equal(thumbHeader.height, 192);
  assert.equal(thumbHeader.hasExif, false, 'no metadata in a thumbnail');
  const preview = derivative(asset, 'preview_1024');
  assert.equal(preview.contentType, 'image/webp');
  assert.equal(preview.extension, '.webp');
  const previewHeader = header(await derivativeBytes(server, asset, 'preview_1024'));
  assert.equal(previewHeader.format, 'webp');
  assert.equal(previewHeader.width, 1024);
  assert.equal(previewHeader.height, 768);
  assert.equal(previewHeader.hasExif, false);
  // public derivatives are served under their own public URL too
  assert.match(thumbnail.publicUrl, /\/content\/.+\.png$/);
  // each remembers the original it was made from
  assert.deepEqual(derivativeSources(server, asset.id),
    { preview_1024: asset.checksumSha256, thumbnail_256: asset.checksumSha256 });
  const steps = asset.latestExecutionSummary.steps;
  assert.equal(steps[0].stepName, 'generate_thumbnail');
  assert.equal(steps[0].status, 'succeeded');
});

test('a small image is never upscaled', async () => {
  const asset = await uploadProcessed(server, { data: png(32, 24, { seed: 11 }), filename: 'small.png' });
  for (const kind of ['thumbnail_256', 'preview_1024']) {
    const entry = derivative(asset, kind);
    assert.equal(entry.width, 32, kind);
    assert.equal(entry.height, 24, kind);
    const decoded = header(await derivativeBytes(server, asset, kind));
    assert.equal(decoded.width, 32);
    assert.equal(decoded.height, 24);
  }
});

test('an EXIF orientation 6 photo gets upright derivatives', async () => {
  // stored 40x20 with the red corner top-left; upright it is 20x40 with the corner top-right
  const rotated = withExifOrientation(convert(markedPng(40, 20), '.jpg', '[Q=95]'), 6);
  assert.equal(header(rotated).orientation, 6);
  const asset = await uploadProcessed(server, { data: rotated, filename: 'rotated.jpg', contentType: 'image/jpeg' });
  for (const kind of ['thumbnail_256', 'preview_1024']) {
    const bytes = await derivativeBytes(server, asset, kind);
    const decoded = header(bytes);
    assert.equal(decoded.width, 20, kind);
    assert.equal(decoded.height, 40, kind);
    assert.equal(decoded.orientation, 1, `${kind}: no orientation left to apply`);
    assert.ok(isRed(pixel(bytes, 17, 2)), `${kind}: the marked corner is top-right: ${pixel(bytes, 17, 2)}`);
    assert.ok(!isRed(pixel(bytes, 2, 2)), `${kind}: and not top-left`);
    assert.ok(!isRed(pixel(bytes, 17, 37)), `${kind}: nor bottom-right`);
  }
});

test('an animation\'s derivatives show its first frame', async () => {
  const gif = animated('.gif', 30, 20, 3);
  assert.equal(header(gif).pages, 3);
  const asset = await uploadProcessed(server, { data: gif, filename: 'anim.gif', contentType: 'image/gif' });
  const bytes = await derivativeBytes(server, asset, 'thumbnail_256');
  const decoded = header(bytes);
  assert.equal(decoded.width, 30);
  assert.equal(decoded.height, 20);
  assert.equal(decoded.pages, 1);
  const [level] = pixel(bytes, 15, 10);
  assert.ok(Math.abs(level - 20) <= 4, `first frame's grey (20), got ${level}`);
});

test('running thumbnail again changes nothing: same objects, two rows', async () => {
  const asset = await uploadProcessed(server, { data: png(300, 200, { seed: 21 }), filename: 'again.png' });
  const before = asset.derivatives.map((d) => [d.kind, d.publicUrl, d.createdAtUtc]);
  const run = await runSkill(server, asset.id, 'generate_thumbnail');
  assert.equal(run.skillName, 'thumbnail');
  assert.equal(run.succeeded, true);
  assert.deepEqual(run.steps.map((s) => [s.name, s.status]), [['generate_thumbnail', 'succeeded']]);
  const after = (await detail(server, asset.id)).derivatives.map((d) => [d.kind, d.publicUrl, d.createdAtUtc]);
  assert.deepEqual(after, before);
  const [[count]] = sqlRows(server, `SELECT COUNT(*) FROM asset_derivatives WHERE source_asset_id = '${asset.id}'`);
  assert.equal(Number(count), 2);
});

test('a caption without an AI provider is skipped with its reason; the skill still succeeds', async () => {
  const asset = await uploadProcessed(server, { data: png(40, 30, { seed: 31 }), filename: 'caption.png' });
  const enrich = asset.latestExecutionSummary;
  assert.equal(enrich.skillName, 'basic_image_enrich');
  assert.equal(enrich.succeeded, true);
  const caption = enrich.steps.find((s) => s.stepName === 'generate_basic_caption');
  assert.equal(caption.status, 'skipped');
  assert.equal(caption.succeeded, true);
  assert.equal(caption.message, 'No active AI provider profile; the caption was not generated.');
  const run = await runSkill(server, asset.id, 'ai-caption');
  assert.equal(run.succeeded, true);
  assert.deepEqual(run.steps.map((s) => [s.name, s.status, s.message]), [['generate_basic_caption',
    'skipped', 'No active AI provider profile; the caption was not generated.']]);
  assert.deepEqual(run.asset.structuredResults, []);
  assert.equal(run.asset.description, null);
});
