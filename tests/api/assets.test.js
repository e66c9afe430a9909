// assets.test.js - uploads (every format, every validation rule in its order, bytes deciding
// the type, duplicates, nothing stored on failure), detail, patch (absent / null / value),
// delete and batch delete (files gone, audit entries), and the permission of each route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, ISO_UTC } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, createUser, login, auditEntries } from './lib/accounts.js';
import { testImages, png } from './lib/images.js';
import {
  upload, uploadOk, multipartBody, fetchBytes, pathOf, expectError,
} from './lib/assets.js';

let server;
let images;
const key = MACHINE_KEY;

const DETAIL_FIELDS = ['id', 'type', 'status', 'originalFileName', 'storedFileName', 'contentType',
  'extension', 'size', 'width', 'height', 'checksumSha256', 'duplicateOfAssetId', 'storageProvider',
  'storageProviderProfileId', 'storageKey', 'publicUrl', 'isPublic', 'description', 'altText', 'tags',
  'createdByUserId', 'createdByUsername', 'createdAtUtc', 'updatedAtUtc', 'derivatives',
  'structuredResults', 'latestExecutionSummary', 'processing'];

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

// Every regular file under the storage root (relative paths).
function storedFiles() {
  const root = join(server.dataDir, 'assets');
  const found = [];
  const walk = (dir, prefix) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else found.push(`${prefix}${entry.name}`);
    }
  };
  walk(root, '');
  return found.sort();
}

function tempFiles() {
  const dir = join(server.dataDir, 'tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function assetCount() {
  const response = await server.request('GET', '/api/v1/assets?pageSize=1', { token: key });
  assert.equal(response.status, 200, response.text);
  return response.body.data.total;
}

before(async () => {
  images = testImages();
  // stored files and temp files are the uploads' only: no processing jobs run (processing-api
  // covers them); uploads still queue their job (processing.state "queued")
  server = await startServer({ env: accountsEnv({ Processing__Workers: '0' }, { machineKeys: true }) });
});

after(async () => {
  await server.stop();
  server.cleanup();
});

test('uploads of PNG, JPEG, GIF, WebP and an EXIF JPEG are ready at once, typed from their bytes', async () => {
  const cases = [
    { data: images.png, type: 'image/png', name: 'cat.png', ext: '.png', w: 32, h: 24 },
    { data: images.jpeg, type: 'image/jpeg', name: 'cat.jpeg', ext: '.jpg', w: 32, h: 24 },
    { data: images.gif, type: 'image/gif', name: 'anim.gif', ext: '.gif', w: 20, h: 10 },
    { data: images.webp, type: 'image/webp', name: 'pic.webp', ext: '.webp', w: 40, h: 30 },
    { data: images.exifJpeg, type: 'image/jpeg', name: 'exif.jpg', ext: '.jpg', w: 24, h: 16 },
  ];
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  // uploads without a profile go to the default profile seeded on the first start (issue 10)
  const providers = await server.request('GET', '/api/v1/system/storage/providers', { token: key });
  assert.equal(providers.status, 200, providers.text);
  const seededDefault = providers.body.data.defaultProfile;
  assert.equal(seededDefault.name, 'local-default');
  for (const c of cases) {
    const response = await upload(server, key, {
      file: { data: c.data, filename: c.name, contentType: c.type },
      fields: { description: 'a description', altText: 'alt text' },
    });
    assert.equal(response.status, 202, response.text);
    const asset = response.body.data;
    assert.deepEqual(Object.keys(asset), DETAIL_FIELDS);
    assert.equal(response.headers.get('location'), `/api/v1/assets/${asset.id}`);
    assert.match(asset.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(asset.type, 'image');
    assert.equal(asset.status, 'ready');
    assert.equal(asset.originalFileName, c.name);
    assert.equal(asset.contentType, c.type);
    assert.equal(asset.extension, c.ext);
    assert.equal(asset.size, c.data.length);
    assert.equal(asset.width, c.w);
    assert.equal(asset.height, c.h);
    assert.equal(asset.checksumSha256, sha256(c.data));
    assert.equal(asset.duplicateOfAssetId, null);
    assert.equal(asset.storageProvider, 'local');
    assert.equal(asset.storageProviderProfileId, seededDefault.id);
    assert.match(asset.storageKey, new RegExp(`^${today}/[0-9a-f]{32}\\${c.ext}$`));
    assert.equal(asset.storageKey.split('/')[3], asset.id.replaceAll('-', '') + c.ext);
    assert.equal(asset.storedFileName, asset.storageKey.split('/').pop());
    assert.equal(asset.publicUrl, `${server.baseUrl}/content/${asset.storageKey}`);
    assert.equal(asset.isPublic, true);
    assert.equal(asset.description, 'a description');
    assert.equal(asset.altText, 'alt text');
    assert.match(asset.createdAtUtc, ISO_UTC);
    assert.equal(asset.updatedAtUtc, asset.createdAtUtc);
    assert.deepEqual(asset.derivatives, []);
    assert.deepEqual(asset.structuredResults, []);
    assert.equal(asset.latestExecutionSummary, null);
    assert.deepEqual(asset.processing, { state: 'queued', pendingJobs: 1, lastError: null });
    const detail = await server.request('GET', `/api/v1/assets/${asset.id}`, { token: key });
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.body.data, asset);
    const content = await fetchBytes(server, pathOf(asset.publicUrl));
    assert.equal(content.status, 200);
    assert.ok(content.bytes.equals(c.data), `${c.name}: bytes served equal bytes uploaded`);
  }
});

test('the stored type and extension come from the bytes, not the file name', async () => {
  const asset = await uploadOk(server, key, {
    file: { data: png(5, 5, { seed: 11 }), filename: '  C:\\photos\\holiday.JPG ', contentType: 'IMAGE/PNG' },
  });
  assert.equal(asset.contentType, 'image/png');
  assert.equal(asset.extension, '.png');
  assert.equal(asset.originalFileName, 'holiday.JPG');
  assert.match(asset.storageKey, /\.png$/);
  const noExtension = await uploadOk(server, key, {
    file: { data: png(5, 5, { seed: 12 }), filename: 'dir/sub/noext', contentType: 'image/png' },
  });
  assert.equal(noExtension.originalFileName, 'noext');
  assert.equal(noExtension.extension, '.png');
});

test('the storage root is private to the server', () => {
  const root = join(server.dataDir, 'assets');
  assert.equal(statSync(root).mode & 0o777, 0o700);
});

test('validation follows the contract order and stores nothing when it fails', async () => {
  const before = await assetCount();
  const filesBefore = storedFiles();
  const long = 'x'.repeat(1001);
  const file = (overrides = {}) => ({ data: images.png, filename: 'a.png', contentType: 'image/png', ...overrides });
  const cases = [
    [{ fields: { description: 'no file' } }, 'asset_file_required'],
    [{ extraParts: [{ name: 'file', data: images.png, contentType: 'image/png' }] }, 'asset_file_required'],
    [{ extraParts: [{ name: 'image', filename: 'a.png', data: images.png, contentType: 'image/png' }] },
      'asset_file_required'],
    [{ fields: { description: long } }, 'asset_file_required'],
    [{ file: file(), fields: { description: long } }, 'asset_description_too_long'],
    [{ file: file(), fields: { description: long, altText: long } }, 'asset_description_too_long'],
    [{ file: file(), fields: { altText: long } }, 'asset_alt_text_too_long'],
    [{ file: file({ data: Buffer.alloc(0) }), fields: { altText: long } }, 'asset_alt_text_too_long'],
    [{ file: file({ data: Buffer.alloc(0) }) }, 'asset_file_empty'],
    [{ file: file({ contentType: null }) }, 'asset_content_type_missing'],
    [{ file: file({ contentType: '  ' }) }, 'asset_content_type_missing'],
    [{ file: file({ contentType: 'image/svg+xml' }) }, 'asset_content_type_not_allowed'],
    [{ file: file({ contentType: 'image/png; charset=utf-8' }) }, 'asset_content_type_not_allowed'],
    [{ file: file({ contentType: 'application/octet-stream' }) }, 'asset_content_type_not_allowed'],
    [{ file: file({ filename: '   ' }) }, 'asset_filename_invalid'],
    [{ file: file({ filename: 'dir/' }) }, 'asset_filename_invalid'],
    [{ file: file({ filename: `${'n'.repeat(513)}.png` }) }, 'asset_filename_invalid'],
    [{ file: file({ data: Buffer.from('not an image at all, just text') }) }, 'asset_content_mismatch'],
    [{ file: file({ data: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 255)) }) },
      'asset_content_mismatch'],
    [{ file: file({ data: images.png.subarray(0, 20) }) }, 'asset_content_mismatch'],
    [{ file: file({ data: images.bomb }) }, 'asset_image_too_large'],
  ];
  for (const [options, code] of cases) {
    const response = await upload(server, key, options);
    expectError(response, 400, code);
  }
  assert.equal(await assetCount(), before);
  assert.deepEqual(storedFiles(), filesBefore);
  assert.deepEqual(tempFiles(), []);
});

test('client text echoed in error messages is made safe', async () => {
  const boundary = 'rawboundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n`
      + 'Content-Type: image/'),
    Buffer.from([0xff, 0xc3]),
    Buffer.from('x\r\n\r\n'), images.png, Buffer.from(`\r\n--${boundary}\r\n`
      + 'Content-Disposition: form-data; name="isPublic"\r\n\r\n'),
    Buffer.from('ja-\u00e9'.repeat(20)), Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const headers = { 'Content-Type': `multipart/form-data; boundary=${boundary}` };
  const badBool = await server.request('POST', '/api/v1/assets', { body, token: key, headers });
  expectError(badBool, 400, 'request_invalid');
  const withoutBool = Buffer.concat([body.subarray(0, body.indexOf(`--${boundary}\r\nContent-Disposition: form-data; name="isPublic"`)),
    Buffer.from(`--${boundary}--\r\n`)]);
  const badType = await server.request('POST', '/api/v1/assets', { body: withoutBool, token: key, headers });
  const error = expectError(badType, 400, 'asset_content_type_not_allowed');
  assert.match(error.message, /image\/\?\?x/);
});

test('form fields are bound strictly: bad booleans and ids are request_invalid', async () => {
  const file = { data: images.png, filename: 'a.png', contentType: 'image/png' };
  for (const fields of [{ isPublic: 'maybe' }, { runEnrichment: 'yes' }, { storageProviderProfileId: 'abc' },
    { isPublic: 'true', isPublic2: 'x', runEnrichment: '1' }]) {
    expectError(await upload(server, key, { file, fields }), 400, 'request_invalid');
  }
  // binding happens before validation: a bad boolean wins over a missing file
  expectError(await upload(server, key, { fields: { isPublic: 'nope' } }), 400, 'request_invalid');
  // a field given twice is refused
  expectError(await upload(server, key, { file, fields: { description: 'a', Description: 'b' } }),
    400, 'request_invalid');
  expectError(await upload(server, key, {
    file, fields: { storageProviderProfileId: '0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f' },
  }), 404, 'storage_provider_profile_not_found');
  const asset = await uploadOk(server, key, {
    file: { ...file, data: png(3, 3, { seed: 40 }) },
    fields: { isPublic: ' FALSE ', runEnrichment: 'False', description: '', altText: '', commitMessage: 'm' },
  });
  assert.equal(asset.isPublic, false);
  assert.equal(asset.publicUrl, null);
  assert.equal(asset.description, null, 'empty form values bind as null');
  assert.equal(asset.altText, null);
  const spaced = await uploadOk(server, key, {
    file: { ...file, data: png(3, 3, { seed: 41 }) }, fields: { description: '  padded  ' },
  });
  assert.equal(spaced.description, '  padded  ', 'text fields are stored untrimmed');
  const exact = await uploadOk(server, key, {
    file: { ...file, data: png(3, 3, { seed: 42 }) }, fields: { description: 'é'.repeat(1000) },
  });
  assert.equal(exact.description.length, 1000);
});

test('bodies that are not a complete multipart form are refused', async () => {
  const { body, contentType } = multipartBody([
    { name: 'file', filename: 'a.png', contentType: 'image/png', data: images.png },
  ], { final: false });
  const truncated = await server.request('POST', '/api/v1/assets', {
    body, token: key, headers: { 'Content-Type': contentType },
  });
  expectError(truncated, 400, 'request_invalid');
  const json = await server.request('POST', '/api/v1/assets', { json: { file: 'x' }, token: key });
  expectError(json, 415, 'request_unsupported_media_type');
  const none = await server.request('POST', '/api/v1/assets', { token: key });
  expectError(none, 415, 'request_unsupported_media_type');
  const noBoundary = await server.request('POST', '/api/v1/assets', {
    body, token: key, headers: { 'Content-Type': 'multipart/form-data' },
  });
  expectError(noBoundary, 400, 'request_invalid');
  const lf = multipartBody([{ name: 'file', filename: 'lf.png', contentType: 'image/png', data: png(4, 4, { seed: 3 }) }],
    { lineEnd: '\n' });
  const accepted = await server.request('POST', '/api/v1/assets', {
    body: lf.body, token: key, headers: { 'Content-Type': lf.contentType },
  });
  assert.equal(accepted.status, 202, accepted.text);
  assert.deepEqual(tempFiles(), []);
});

test('identical bytes make separate assets that point to their oldest twin', async () => {
  const bytes = png(7, 7, { seed: 77 });
  const first = await uploadOk(server, key, { file: { data: bytes, filename: 'one.png' } });
  const second = await uploadOk(server, key, { file: { data: bytes, filename: 'two.png' } });
  const third = await uploadOk(server, key, { file: { data: bytes, filename: 'three.png' } });
  assert.equal(first.duplicateOfAssetId, null);
  assert.equal(second.duplicateOfAssetId, first.id);
  assert.equal(third.duplicateOfAssetId, first.id);
  assert.equal(second.checksumSha256, first.checksumSha256);
  assert.notEqual(second.storageKey, first.storageKey);
  const detail = await server.request('GET', `/api/v1/assets/${first.id}`, { token: key });
  assert.equal(detail.body.data.duplicateOfAssetId, null);
});

test('deleting one duplicate never breaks the other', async () => {
  const bytes = png(6, 6, { seed: 66 });
  const first = await uploadOk(server, key, { file: { data: bytes, filename: 'a.png' } });
  const second = await uploadOk(server, key, { file: { data: bytes, filename: 'b.png' } });
  const third = await uploadOk(server, key, { file: { data: bytes, filename: 'c.png' } });
  const removed = await server.request('DELETE', `/api/v1/assets/${first.id}`, { token: key });
  assert.equal(removed.status, 200, removed.text);
  const content = await fetchBytes(server, pathOf(second.publicUrl));
  assert.equal(content.status, 200);
  assert.ok(content.bytes.equals(bytes));
  const detail = await server.request('GET', `/api/v1/assets/${third.id}`, { token: key });
  assert.equal(detail.body.data.duplicateOfAssetId, second.id);
  const secondDetail = await server.request('GET', `/api/v1/assets/${second.id}`, { token: key });
  assert.equal(secondDetail.body.data.duplicateOfAssetId, null);
});

test('detail: unknown ids are asset_not_found, ids that are not GUIDs do not match', async () => {
  expectError(await server.request('GET', '/api/v1/assets/0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f', { token: key }),
    404, 'asset_not_found');
  const notGuid = await server.request('GET', '/api/v1/assets/not-a-guid', { token: key });
  assert.equal(notGuid.status, 404);
  const braced = await uploadOk(server, key, { file: { data: png(2, 2, { seed: 90 }), filename: 'b.png' } });
  const upper = await server.request('GET', `/api/v1/assets/{${braced.id.toUpperCase()}}`, { token: key });
  assert.equal(upper.status, 200);
  assert.equal(upper.body.data.id, braced.id);
});

test('patch: absent fields stay, null clears, values set; checks come in the contract order', async () => {
  const asset = await uploadOk(server, key, {
    file: { data: png(4, 3, { seed: 5 }), filename: 'orig.png' },
    fields: { description: 'desc', altText: 'alt' },
  });
  const path = `/api/v1/assets/${asset.id}`;
  const unchanged = await server.request('PATCH', path, { json: {}, token: key });
  assert.equal(unchanged.status, 200, unchanged.text);
  assert.deepEqual(Object.keys(unchanged.body.data), DETAIL_FIELDS);
  assert.equal(unchanged.body.data.description, 'desc');
  assert.equal(unchanged.body.data.altText, 'alt');
  assert.equal(unchanged.body.data.originalFileName, 'orig.png');
  assert.ok(unchanged.body.data.updatedAtUtc > asset.updatedAtUtc, 'updatedAtUtc is bumped even for {}');

  const set = await server.request('PATCH', path, {
    json: { DESCRIPTION: '', altText: null, originalFileName: '  x/y\\new name.png  ' }, token: key,
  });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.data.description, '', 'an empty string stays an empty string');
  assert.equal(set.body.data.altText, null);
  assert.equal(set.body.data.originalFileName, 'new name.png');
  const cleared = await server.request('PATCH', path, { json: { originalFileName: null }, token: key });
  assert.equal(cleared.body.data.originalFileName, null);
  assert.equal(cleared.body.data.description, '');

  const long = 'd'.repeat(1001);
  const unknown = '/api/v1/assets/0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f';
  expectError(await server.request('PATCH', unknown, { json: { description: long }, token: key }),
    400, 'asset_description_too_long');
  expectError(await server.request('PATCH', unknown, { json: { altText: long }, token: key }),
    400, 'asset_alt_text_too_long');
  expectError(await server.request('PATCH', unknown, { json: { originalFileName: '' }, token: key }),
    404, 'asset_not_found');
  expectError(await server.request('PATCH', path, { json: { originalFileName: '  ' }, token: key }),
    400, 'asset_filename_invalid');
  expectError(await server.request('PATCH', path, { json: { originalFileName: 'dir/' }, token: key }),
    400, 'asset_filename_invalid');
  expectError(await server.request('PATCH', path, { json: { isPublic: null }, token: key }), 400, 'request_invalid');
  expectError(await server.request('PATCH', path, { json: { isPublic: 'true' }, token: key }), 400, 'request_invalid');
  expectError(await server.request('PATCH', path, { json: { description: 5 }, token: key }), 400, 'request_invalid');
  expectError(await server.request('PATCH', path, { json: [], token: key }), 400, 'request_invalid');
  expectError(await server.request('PATCH', path, { token: key }), 400, 'request_invalid');
  expectError(await server.request('PATCH', path, { body: '{', headers: { 'Content-Type': 'application/json' }, token: key }),
    400, 'request_invalid');
  const detail = await server.request('GET', path, { token: key });
  assert.equal(detail.body.data.description, '', 'failed patches changed nothing');
});

test('visibility: a private asset hides its URL, keeps it, and the change is audited', async () => {
  const asset = await uploadOk(server, key, { file: { data: png(4, 4, { seed: 8 }), filename: 'v.png' } });
  const path = `/api/v1/assets/${asset.id}`;
  assert.equal((await fetchBytes(server, pathOf(asset.publicUrl))).status, 200, 'served (and remembered)');
  const hidden = await server.request('PATCH', path, { json: { isPublic: false }, token: key });
  assert.equal(hidden.body.data.isPublic, false);
  assert.equal(hidden.body.data.publicUrl, null);
  const content = await fetchBytes(server, pathOf(asset.publicUrl));
  assert.equal(content.status, 404);
  const again = await server.request('PATCH', path, { json: { isPublic: false }, token: key });
  assert.equal(again.status, 200);
  const shown = await server.request('PATCH', path, { json: { IsPublic: true }, token: key });
  assert.equal(shown.body.data.publicUrl, asset.publicUrl, 'the stored URL was kept');
  assert.equal((await fetchBytes(server, pathOf(asset.publicUrl))).status, 200);
  const entries = (await auditEntries(server, key, { action: 'asset.visibility_change' }))
    .filter((entry) => entry.targetId === asset.id);
  assert.equal(entries.length, 2, 'two changes, the no-op patch is not a change');
  const changes = entries.map((entry) => entry.changes.isPublic);
  assert.deepEqual(changes, [{ before: false, after: true }, { before: true, after: false }]);
  assert.equal(entries[0].targetType, 'asset');
});

test('delete removes the row and the file, once; a file already gone is fine', async () => {
  const asset = await uploadOk(server, key, { file: { data: png(4, 4, { seed: 9 }), filename: 'd.png' } });
  const file = join(server.dataDir, 'assets', asset.storageKey);
  assert.ok(existsSync(file));
  assert.equal((await fetchBytes(server, pathOf(asset.publicUrl))).status, 200);
  const removed = await server.request('DELETE', `/api/v1/assets/${asset.id}`, {
    json: { commitMessage: 'bye' }, token: key,
  });
  assert.equal(removed.status, 200, removed.text);
  assert.deepEqual(Object.keys(removed.body.data), ['id', 'status', 'deletedAtUtc']);
  assert.equal(removed.body.data.id, asset.id);
  assert.equal(removed.body.data.status, 'deleted');
  assert.match(removed.body.data.deletedAtUtc, ISO_UTC);
  assert.ok(!existsSync(file), 'the file is gone');
  expectError(await server.request('DELETE', `/api/v1/assets/${asset.id}`, { token: key }), 404, 'asset_not_found');
  expectError(await server.request('GET', `/api/v1/assets/${asset.id}`, { token: key }), 404, 'asset_not_found');
  assert.equal((await fetchBytes(server, pathOf(asset.publicUrl))).status, 404);

  const handRemoved = await uploadOk(server, key, { file: { data: png(4, 4, { seed: 10 }), filename: 'h.png' } });
  unlinkSync(join(server.dataDir, 'assets', handRemoved.storageKey));
  const converged = await server.request('DELETE', `/api/v1/assets/${handRemoved.id}`, { token: key });
  assert.equal(converged.status, 200, converged.text);
  expectError(await server.request('DELETE', `/api/v1/assets/${handRemoved.id}`, { json: [], token: key }),
    400, 'request_invalid');
  const entries = (await auditEntries(server, key, { action: 'asset.delete' })).map((entry) => entry.targetId);
  assert.ok(entries.includes(asset.id) && entries.includes(handRemoved.id));
});

test('batch delete takes a bare array and reports what it did', async () => {
  const a = await uploadOk(server, key, { file: { data: png(3, 3, { seed: 21 }), filename: 'a.png' } });
  const b = await uploadOk(server, key, { file: { data: png(3, 3, { seed: 22 }), filename: 'b.png' } });
  const unknown = '0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f';
  const response = await server.request('POST', '/api/v1/assets/batch-delete', {
    json: [a.id, unknown, b.id.toUpperCase(), a.id], token: key,
  });
  assert.equal(response.status, 200, response.text);
  assert.deepEqual(response.body.data, {
    requestedCount: 4, deletedCount: 2, notFoundIds: [unknown, a.id], failures: [],
  });
  for (const asset of [a, b]) assert.ok(!existsSync(join(server.dataDir, 'assets', asset.storageKey)));
  const empty = await server.request('POST', '/api/v1/assets/batch-delete', { token: key });
  assert.deepEqual(empty.body.data, { requestedCount: 0, deletedCount: 0, notFoundIds: [], failures: [] });
  expectError(await server.request('POST', '/api/v1/assets/batch-delete', { json: { ids: [a.id] }, token: key }),
    400, 'request_invalid');
  expectError(await server.request('POST', '/api/v1/assets/batch-delete', { json: ['nope'], token: key }),
    400, 'request_invalid');
  expectError(await server.request('POST', '/api/v1/assets/batch-delete', { json: [5], token: key }),
    400, 'request_invalid');
  const entries = (await auditEntries(server, key, { action: 'asset.batch_delete' })).map((entry) => entry.targetId);
  assert.deepEqual(entries.sort(), [a.id, b.id].sort());
});

test('permissions: each route asks for its own permission', async () => {
  const asset = await uploadOk(server, key, { file: { data: png(3, 3, { seed: 31 }), filename: 'p.png' } });
  const reader = await createUser(server, key, { permissions: ['assets.read'] });
  const session = await login(server, reader.username, reader.password);
  const token = session.accessToken;
  const path = `/api/v1/assets/${asset.id}`;
  assert.equal((await server.request('GET', '/api/v1/assets', { token })).status, 200);
  assert.equal((await server.request('GET', path, { token })).status, 200);
  assert.equal((await server.request('GET', '/api/v1/assets/usage-stats', { token })).status, 200);
  assert.equal((await server.request('GET', `${path}/content`, { token })).status, 307);
  assert.equal((await upload(server, token, { file: { data: images.png } })).status, 403);
  assert.equal((await server.request('PATCH', path, { json: { description: 'x' }, token })).status, 403);
  assert.equal((await server.request('DELETE', path, { token })).status, 403);
  assert.equal((await server.request('POST', '/api/v1/assets/batch-delete', { json: [asset.id], token })).status, 403);

  const writer = await createUser(server, key, { permissions: ['assets.create'] });
  const writerToken = (await login(server, writer.username, writer.password)).accessToken;
  assert.equal((await upload(server, writerToken, { file: { data: png(2, 2, { seed: 32 }) } })).status, 202);
  assert.equal((await server.request('GET', path, { token: writerToken })).status, 403);
  const editor = await createUser(server, key, { permissions: ['assets.update', 'assets.delete'] });
  const editorToken = (await login(server, editor.username, editor.password)).accessToken;
  assert.equal((await server.request('PATCH', path, { json: { description: 'x' }, token: editorToken })).status, 200);
  assert.equal((await server.request('DELETE', path, { token: editorToken })).status, 200);

  for (const [method, route] of [['GET', '/api/v1/assets'], ['POST', '/api/v1/assets'], ['GET', path],
    ['PATCH', path], ['DELETE', path], ['GET', `${path}/content`], ['GET', '/api/v1/assets/usage-stats'],
    ['POST', '/api/v1/assets/batch-delete']]) {
    const anonymous = await server.request(method, route);
    assert.equal(anonymous.status, 401, `${method} ${route} without credentials`);
  }
});
