// steps-rewrite.test.js - exif-strip and format-convert on the bytes: the original is rewritten
// under a NEW key (objects are immutable), upright, with the asset row swapped (content type,
// extension, size, checksum, dimensions, public URL), the old object removed (or kept with
// KeepOriginal) and the derivatives made again from the new original; EXIF strip removes EXIF
// and keeps the image valid, and a second run has nothing to do; animations keep their frames
// where the target can animate; a rewrite through a disabled storage profile is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './lib/server.js';
import { fetchBytes, pathOf, uploadOk, expectError } from './lib/assets.js';
import { convert, markedPng, withExifOrientation, png, animated, gradientPng } from './lib/images.js';
import { header, pixel } from './lib/vips.js';
import {
  KEY, stepsEnv, uploadProcessed, runSkill, originalBytes, derivative, derivativeBytes,
  derivativeSources, detail, settled, sqlRows, sqlExec,
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

// A JPEG stored 40x20 with the red corner top-left and EXIF orientation 6 (upright: 20x40,
// corner top-right).
const rotatedJpeg = () => withExifOrientation(convert(markedPng(40, 20), '.jpg', '[Q=95]'), 6);

function assertUpright(bytes, what) {
  const decoded = header(bytes);
  assert.equal(decoded.width, 20, `${what}: width`);
  assert.equal(decoded.height, 40, `${what}: height`);
  assert.ok(decoded.orientation <= 1, `${what}: no orientation left to apply`);
  assert.ok(isRed(pixel(bytes, 17, 2)), `${what}: the marked corner is top-right`);
  assert.ok(!isRed(pixel(bytes, 2, 2)), `${what}: not top-left`);
}

async function status(path) {
  return (await fetchBytes(server, path)).status;
}

test('exif-strip: EXIF gone, pixels upright, a new object; a second run changes nothing', async () => {
  const asset = await uploadProcessed(server, { data: rotatedJpeg(), filename: 'strip.jpg', contentType: 'image/jpeg' });
  assert.equal(header(await originalBytes(server, asset)).hasExif, true);
  const oldPath = pathOf(asset.publicUrl);
  const run = await runSkill(server, asset.id, 'exif-strip');
  assert.equal(run.skillName, 'exif-strip');
  assert.equal(run.succeeded, true, JSON.stringify(run.steps));
  assert.deepEqual(run.steps.map((s) => [s.name, s.status]),
    [['strip_exif_metadata', 'succeeded'], ['generate_thumbnail', 'succeeded']]);
  const stripped = run.asset;
  assert.notEqual(stripped.storageKey, asset.storageKey, 'a new key');
  assert.notEqual(stripped.checksumSha256, asset.checksumSha256);
  assert.notEqual(stripped.publicUrl, asset.publicUrl);
  assert.equal(stripped.contentType, 'image/jpeg');
  assert.equal(stripped.extension, '.jpg');
  assert.equal(stripped.width, 20);
  assert.equal(stripped.height, 40);
  assert.equal(stripped.storedFileName, stripped.storageKey.split('/').pop());
  assert.equal(stripped.originalFileName, 'strip.jpg');
  const bytes = await originalBytes(server, stripped);
  assert.equal(bytes.length, stripped.size);
  const decoded = header(bytes);
  assert.equal(decoded.format, 'jpeg');
  assert.equal(decoded.hasExif, false, 'EXIF removed');
  assertUpright(bytes, 'stripped original');
  assert.equal(await status(oldPath), 404, 'the old object is gone');
  assertUpright(await derivativeBytes(server, stripped, 'thumbnail_256'), 'thumbnail after strip');
  assert.deepEqual(derivativeSources(server, asset.id),
    { preview_1024: stripped.checksumSha256, thumbnail_256: stripped.checksumSha256 });
  // nothing left to strip: the same object, the same row
  const again = await runSkill(server, asset.id, 'exif_strip');
  assert.equal(again.succeeded, true);
  assert.equal(again.asset.storageKey, stripped.storageKey);
  assert.equal(again.asset.checksumSha256, stripped.checksumSha256);
  assert.equal(again.asset.updatedAtUtc, stripped.updatedAtUtc);
  // the old object is not waiting for a sweep either
  const pending = sqlRows(server, `SELECT storage_key FROM storage_pending_deletions
    WHERE storage_key = '${asset.storageKey}'`);
  assert.deepEqual(pending, []);
});

test('exif-strip of an image without EXIF has nothing to do', async () => {
  const asset = await uploadProcessed(server, { data: png(30, 20, { seed: 41 }), filename: 'plain.png' });
  const run = await runSkill(server, asset.id, 'exif-strip');
  assert.equal(run.succeeded, true);
  assert.equal(run.asset.storageKey, asset.storageKey);
  assert.equal(run.asset.checksumSha256, asset.checksumSha256);
});

const targets = [
  { format: 'webp', contentType: 'image/webp', extension: '.webp' },
  { format: 'png', contentType: 'image/png', extension: '.png' },
  { format: 'jpeg', contentType: 'image/jpeg', extension: '.jpg' },
  { format: 'gif', contentType: 'image/gif', extension: '.gif' },
];

for (const target of targets) {
  test(`format-convert to ${target.format}: new type, key and checksum; old object gone; upright`, async () => {
    const asset = await uploadProcessed(server, { data: rotatedJpeg(), filename: `to-${target.format}.jpg`, contentType: 'image/jpeg' });
    const oldPath = pathOf(asset.publicUrl);
    const run = await runSkill(server, asset.id, 'format-convert', { TargetFormat: target.format });
    assert.equal(run.succeeded, true, JSON.stringify(run.steps));
    const converted = run.asset;
    assert.equal(converted.contentType, target.contentType);
    assert.equal(converted.extension, target.extension);
    assert.ok(converted.storageKey.endsWith(target.extension), converted.storageKey);
    assert.notEqual(converted.storageKey, asset.storageKey);
    assert.notEqual(converted.checksumSha256, asset.checksumSha256);
    assert.ok(converted.publicUrl, 'a public asset keeps a public URL');
    assert.notEqual(converted.publicUrl, asset.publicUrl);
    assert.equal(converted.originalFileName, asset.originalFileName);
    const bytes = await originalBytes(server, converted);
    assert.equal(bytes.length, converted.size);
    assert.equal(header(bytes).format, target.format);
    assertUpright(bytes, `converted to ${target.format}`);
    assert.equal(await status(oldPath), 404, 'the old object is gone');
    assert.deepEqual(derivativeSources(server, asset.id),
      { preview_1024: converted.checksumSha256, thumbnail_256: converted.checksumSha256 });
    assertUpright(await derivativeBytes(server, converted, 'preview_1024'), 'preview after convert');
  });
}

// Where the local storage keeps an object: the file of that key somewhere under the data dir.
function storedFile(key) {
  const name = key.split('/').pop();
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === name && path.endsWith(key)) found.push(path);
    }
  };
  walk(server.dataDir);
  return found.length === 1 ? found[0] : null;
}

test('format-convert with KeepOriginal keeps the old object in storage (no row serves it)', async () => {
  const asset = await uploadProcessed(server, { data: png(64, 48, { seed: 51 }), filename: 'keep.png' });
  const oldBytes = await originalBytes(server, asset);
  const oldFile = storedFile(asset.storageKey);
  assert.ok(oldFile, 'the original is a file of the local storage');
  const run = await runSkill(server, asset.id, 'format_convert', { targetFormat: 'WEBP', keepOriginal: 'true' });
  assert.equal(run.succeeded, true);
  assert.equal(run.asset.contentType, 'image/webp');
  assert.ok(readFileSync(oldFile).equals(oldBytes), 'the old object is kept, unchanged');
  assert.equal(header(await originalBytes(server, run.asset)).format, 'webp');
  // without KeepOriginal the object goes
  const plain = await uploadProcessed(server, { data: png(64, 48, { seed: 52 }), filename: 'drop.png' });
  const plainFile = storedFile(plain.storageKey);
  assert.ok(plainFile);
  assert.equal((await runSkill(server, plain.id, 'format-convert', { targetFormat: 'webp' })).succeeded, true);
  assert.equal(existsSync(plainFile), false, 'the old object was removed');
});

test('a private asset converts too: no public URL to follow, its content route serves the new bytes', async () => {
  const asset = await uploadProcessed(server, { data: png(50, 40, { seed: 61 }), filename: 'private.png',
    fields: { isPublic: 'false' } });
  const run = await runSkill(server, asset.id, 'format-convert', { targetFormat: 'jpg' });
  assert.equal(run.succeeded, true);
  assert.equal(run.asset.contentType, 'image/jpeg');
  assert.equal(header(await originalBytes(server, run.asset)).format, 'jpeg');
});

test('animations: frames kept when the target animates, the first frame otherwise', async () => {
  const gif = animated('.gif', 30, 20, 3);
  const toWebp = await uploadProcessed(server, { data: gif, filename: 'anim.gif', contentType: 'image/gif' });
  const webp = await runSkill(server, toWebp.id, 'format-convert', { targetFormat: 'webp' });
  assert.equal(webp.succeeded, true);
  const webpHeader = header(await originalBytes(server, webp.asset));
  assert.equal(webpHeader.format, 'webp');
  assert.equal(webpHeader.pages, 3, 'every frame kept');
  assert.equal(webp.asset.width, 30);
  assert.equal(webp.asset.height, 20, 'the height of one frame');
  const toPng = await uploadProcessed(server, { data: animated('.gif', 30, 20, 2), filename: 'anim2.gif', contentType: 'image/gif' });
  const pngRun = await runSkill(server, toPng.id, 'format-convert', { targetFormat: 'png' });
  assert.equal(pngRun.succeeded, true);
  const pngBytes = await originalBytes(server, pngRun.asset);
  assert.equal(header(pngBytes).pages, 1);
  assert.equal(header(pngBytes).height, 20);
  assert.ok(Math.abs(pixel(pngBytes, 5, 5)[0] - 20) <= 4, 'the first frame');
});

test('a rewrite through a disabled storage profile is refused; reading it still works', async () => {
  const root = join(server.dataDir, 'steps-profile');
  mkdirSync(root, { recursive: true });
  const created = await server.request('POST', '/api/v1/system/storage/providers', { token: KEY,
    json: { name: `steps-${process.pid}`, providerType: 'local', configuration: { rootPath: root } } });
  assert.equal(created.status, 201, created.text);
  const profileId = created.body.data.id;
  const asset = await uploadProcessed(server, { data: gradientPng(80, 60), filename: 'disabled.png',
    fields: { storageProviderProfileId: profileId } });
  assert.equal(asset.storageProviderProfileId, profileId);
  assert.equal(asset.derivatives.length, 2);
  const disabled = await server.request('PATCH', `/api/v1/system/storage/providers/${profileId}`,
    { token: KEY, json: { isEnabled: false } });
  assert.equal(disabled.status, 200, disabled.text);
  for (const [skill, parameters] of [['exif-strip'], ['format-convert', { targetFormat: 'webp' }],
    ['watermark', {}]]) {
    const response = await server.request('POST', `/api/v1/assets/${asset.id}/skills/${skill}/run`,
      { token: KEY, json: parameters ? { parameters } : {} });
    expectError(response, 400, 'storage_provider_profile_disabled');
  }
  // the thumbnail step writes too: its step fails with the reason, nothing is written
  sqlExec(server, `UPDATE asset_derivatives SET source_checksum_sha256 = 'stale' WHERE source_asset_id = '${asset.id}'`);
  const run = await runSkill(server, asset.id, 'thumbnail');
  assert.equal(run.succeeded, false);
  assert.match(run.steps[0].errorMessage, /disabled/);
  const unchanged = await detail(server, asset.id);
  assert.equal(unchanged.storageKey, asset.storageKey);
  assert.deepEqual(unchanged.derivatives.map((d) => d.publicUrl), asset.derivatives.map((d) => d.publicUrl));
  // reads of a disabled profile still work
  assert.equal(header(await originalBytes(server, unchanged)).width, 80);
});

test('an upload with runEnrichment=false gets no derivatives until a skill runs', async () => {
  const uploaded = await uploadOk(server, KEY, { file: { data: png(20, 10, { seed: 71 }), filename: 'later.png' },
    fields: { runEnrichment: 'false' } });
  const asset = await settled(server, uploaded.id);
  assert.deepEqual(asset.derivatives, []);
  const run = await runSkill(server, asset.id, 'thumbnail');
  assert.equal(run.succeeded, true);
  assert.equal(derivative(run.asset, 'thumbnail_256').width, 20);
});
