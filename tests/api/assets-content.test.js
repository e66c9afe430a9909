// assets-content.test.js - delivering bytes: /content/{key} (exact bytes, ETag/304,
// Last-Modified, Range/206/416, HEAD), the protected content route (307 for public, a
// private, no-store stream for private), and privacy: private assets, missing keys and path
// traversal are one and the same 404; private assets never show up publicly, also not
// through a derivative's key; the public-URL base from Storage__PublicBaseUrl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, runSql } from './lib/accounts.js';
import { testImages, png } from './lib/images.js';
import { uploadOk, fetchBytes, pathOf, rawRequest, expectError } from './lib/assets.js';

let server;
let images;
let publicAsset;
let privateAsset;
const key = MACHINE_KEY;

before(async () => {
  images = testImages();
  // derivatives here are made by hand: no processing jobs run (processing-api covers them)
  server = await startServer({ env: accountsEnv({ Processing__Workers: '0' }, { machineKeys: true }) });
  publicAsset = await uploadOk(server, key, {
    file: { data: images.jpeg, filename: 'public.jpg', contentType: 'image/jpeg' },
  });
  privateAsset = await uploadOk(server, key, {
    file: { data: images.webp, filename: 'private.webp', contentType: 'image/webp' },
    fields: { isPublic: 'false', description: 'secret description' },
  });
});

after(async () => {
  await server.stop();
  server.cleanup();
});

test('public content is served byte for byte with its validators and caching headers', async () => {
  const response = await fetchBytes(server, pathOf(publicAsset.publicUrl));
  assert.equal(response.status, 200);
  assert.ok(response.bytes.equals(images.jpeg));
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  assert.equal(response.headers.get('content-length'), String(images.jpeg.length));
  assert.equal(response.headers.get('etag'), `"${publicAsset.checksumSha256}"`);
  assert.match(response.headers.get('last-modified'), /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  assert.match(response.headers.get('cache-control'), /^public, max-age=\d+$/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(response.headers.get('accept-ranges'), 'bytes');

  const head = await fetchBytes(server, pathOf(publicAsset.publicUrl), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.bytes.length, 0);
  assert.equal(head.headers.get('content-length'), String(images.jpeg.length));
  assert.equal(head.headers.get('etag'), response.headers.get('etag'));
  assert.equal(head.headers.get('content-type'), 'image/jpeg');
});

test('conditional requests answer 304 when the client already has the bytes', async () => {
  const path = pathOf(publicAsset.publicUrl);
  const etag = `"${publicAsset.checksumSha256}"`;
  const first = await fetchBytes(server, path);
  const lastModified = first.headers.get('last-modified');
  for (const value of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const response = await fetchBytes(server, path, { headers: { 'If-None-Match': value } });
    assert.equal(response.status, 304, `If-None-Match: ${value}`);
    assert.equal(response.bytes.length, 0);
    assert.equal(response.headers.get('etag'), etag);
  }
  const changed = await fetchBytes(server, path, { headers: { 'If-None-Match': '"something-else"' } });
  assert.equal(changed.status, 200);
  assert.ok(changed.bytes.equals(images.jpeg));
  const since = await fetchBytes(server, path, { headers: { 'If-Modified-Since': lastModified } });
  assert.equal(since.status, 304);
  const older = await fetchBytes(server, path, { headers: { 'If-Modified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' } });
  assert.equal(older.status, 200);
  const both = await fetchBytes(server, path, {
    headers: { 'If-None-Match': '"nope"', 'If-Modified-Since': lastModified },
  });
  assert.equal(both.status, 200, 'If-None-Match wins over If-Modified-Since');
  const head = await fetchBytes(server, path, { method: 'HEAD', headers: { 'If-None-Match': etag } });
  assert.equal(head.status, 304);
});

test('byte ranges: 206 for one satisfiable range, 416 beyond the end, whole file otherwise', async () => {
  const path = pathOf(publicAsset.publicUrl);
  const size = images.jpeg.length;
  const cases = [
    ['bytes=0-9', 0, 9],
    ['bytes=10-', 10, size - 1],
    ['bytes=-7', size - 7, size - 1],
    [`bytes=5-${size + 100}`, 5, size - 1],
    [`bytes=-${size + 50}`, 0, size - 1],
    // positions beyond 64 bits are still just "past the end"
    ['bytes=0-99999999999999999999999', 0, size - 1],
    ['bytes=-99999999999999999999999', 0, size - 1],
  ];
  for (const [range, first, last] of cases) {
    const response = await fetchBytes(server, path, { headers: { Range: range } });
    assert.equal(response.status, 206, range);
    assert.equal(response.headers.get('content-range'), `bytes ${first}-${last}/${size}`);
    assert.equal(response.headers.get('content-length'), String(last - first + 1));
    assert.ok(response.bytes.equals(images.jpeg.subarray(first, last + 1)), range);
  }
  for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0',
    'bytes=99999999999999999999999-']) {
    const response = await fetchBytes(server, path, { headers: { Range: range } });
    assert.equal(response.status, 416, range);
    assert.equal(response.headers.get('content-range'), `bytes */${size}`);
  }
  for (const range of ['bytes=0-1,4-5', 'items=0-1', 'bytes=9-2', 'bytes=abc', 'bytes=-']) {
    const response = await fetchBytes(server, path, { headers: { Range: range } });
    assert.equal(response.status, 200, range);
    assert.ok(response.bytes.equals(images.jpeg));
  }
  const etag = `"${publicAsset.checksumSha256}"`;
  const matching = await fetchBytes(server, path, { headers: { Range: 'bytes=0-3', 'If-Range': etag } });
  assert.equal(matching.status, 206);
  const stale = await fetchBytes(server, path, { headers: { Range: 'bytes=0-3', 'If-Range': '"old"' } });
  assert.equal(stale.status, 200);
  assert.equal(stale.bytes.length, size);
});

// The error object without its per-request traceId.
function withoutTrace(response) {
  assert.ok(response.body && response.body.error, response.text);
  const { traceId, ...rest } = response.body.error;
  assert.ok(traceId);
  return rest;
}

test('private assets, missing keys and traversal attempts are the same 404 on /content', async () => {
  const reference = withoutTrace(await fetchBytes(server, pathOf(`http://x/content/${privateAsset.storageKey}`)));
  assert.equal(reference.status, 404);
  const paths = [
    '/content/2020/01/01/00000000000000000000000000000000.png',
    '/content/nothing',
    '/content/',
    '/content/../etc/passwd',
    '/content/../../../../etc/passwd',
    `/content/${privateAsset.storageKey.split('/').slice(0, 3).join('/')}/../${privateAsset.storedFileName}`,
    '/content/%2e%2e/%2e%2e/etc/passwd',
    '/content/2026%2F01%2F01%2Fx.png',
    '/content/..%2F..%2Fetc%2Fpasswd',
    '/content/..%5C..%5Cetc%5Cpasswd',
    '/content//etc/passwd',
    '/content/%2Fetc%2Fpasswd',
    '/content/a/./b',
    '/content/%00',
    `/content/${encodeURIComponent('/' + privateAsset.storageKey)}`,
    `/content/${privateAsset.storageKey.toUpperCase()}`,
  ];
  for (const path of paths) {
    const response = await rawRequest(server, { method: 'GET', path, write: (request) => request.end() });
    assert.equal(response.status, 404, path);
    assert.deepEqual(withoutTrace(response), reference, path);
  }
  const head = await rawRequest(server, { method: 'HEAD', path: `/content/${privateAsset.storageKey}`,
    write: (request) => request.end() });
  assert.equal(head.status, 404);
});

test('the protected content route redirects public assets and streams private ones', async () => {
  const redirect = await fetchBytes(server, `/api/v1/assets/${publicAsset.id}/content`, { token: key });
  assert.equal(redirect.status, 307);
  assert.equal(redirect.headers.get('location'), publicAsset.publicUrl);
  assert.equal(redirect.bytes.length, 0);

  const stream = await fetchBytes(server, `/api/v1/assets/${privateAsset.id}/content`, { token: key });
  assert.equal(stream.status, 200);
  assert.ok(stream.bytes.equals(images.webp));
  assert.equal(stream.headers.get('content-type'), 'image/webp');
  assert.equal(stream.headers.get('cache-control'), 'private, no-store');
  assert.equal(stream.headers.get('accept-ranges'), 'bytes');
  const part = await fetchBytes(server, `/api/v1/assets/${privateAsset.id}/content`, {
    token: key, headers: { Range: 'bytes=2-5' },
  });
  assert.equal(part.status, 206);
  assert.ok(part.bytes.equals(images.webp.subarray(2, 6)));
  const anonymous = await fetchBytes(server, `/api/v1/assets/${privateAsset.id}/content`);
  assert.equal(anonymous.status, 401);
  expectError(await server.request('GET', '/api/v1/assets/0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f/content', { token: key }),
    404, 'asset_not_found');

  for (const isPublic of ['true', 'false']) {
    const gone = await uploadOk(server, key, {
      file: { data: png(3, 3, { seed: isPublic === 'true' ? 50 : 51 }), filename: 'gone.png' },
      fields: { isPublic },
    });
    unlinkSync(join(server.dataDir, 'assets', gone.storageKey));
    expectError(await server.request('GET', `/api/v1/assets/${gone.id}/content`, { token: key }),
      404, 'asset_not_found');
    const content = await fetchBytes(server, `/content/${gone.storageKey}`);
    assert.equal(content.status, 404);
  }
});

test('private assets never appear in the public API', async () => {
  const list = await server.request('GET', '/api/v1/public/assets?pageSize=100');
  assert.equal(list.status, 200);
  const ids = list.body.data.items.map((item) => item.id);
  assert.ok(ids.includes(publicAsset.id));
  assert.ok(!ids.includes(privateAsset.id));
  assert.ok(!list.text.includes(privateAsset.storageKey));
  assert.ok(!list.text.includes('secret description'));
  for (const item of list.body.data.items) {
    assert.deepEqual(Object.keys(item), ['id', 'type', 'originalFileName', 'contentType', 'size', 'width',
      'height', 'publicUrl', 'description', 'altText', 'tags', 'createdAtUtc', 'updatedAtUtc', 'derivatives']);
  }
  for (const word of ['storageKey', 'checksumSha256', 'storageProvider', 'status', 'structuredResults',
    'latestExecutionSummary']) {
    assert.ok(!list.text.includes(`"${word}"`), word);
  }
  expectError(await server.request('GET', `/api/v1/public/assets/${privateAsset.id}`), 404, 'asset_not_found');
  const detail = await server.request('GET', `/api/v1/public/assets/${publicAsset.id}`);
  assert.equal(detail.status, 200);
  assert.deepEqual(Object.keys(detail.body.data), ['id', 'type', 'originalFileName', 'contentType', 'size',
    'width', 'height', 'publicUrl', 'description', 'altText', 'tags', 'createdAtUtc', 'updatedAtUtc', 'extension',
    'derivatives']);
  assert.equal(detail.body.data.extension, '.jpg');
  assert.equal(detail.body.data.publicUrl, publicAsset.publicUrl);
  expectError(await server.request('GET', '/api/v1/public/assets/0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f'),
    404, 'asset_not_found');
  // an Authorization header is ignored on public routes
  const withBadToken = await server.request('GET', '/api/v1/public/assets', { token: 'a.b.c' });
  assert.equal(withBadToken.status, 200);
});

test('derivatives are served by their own key only while their asset is public', async () => {
  const thumbnail = png(8, 8, { seed: 123 });
  const day = publicAsset.storageKey.split('/').slice(0, 3).join('/');
  const publicKey = `${day}/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.png`;
  const privateKey = `${day}/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.png`;
  for (const storageKey of [publicKey, privateKey]) {
    const file = join(server.dataDir, 'assets', storageKey);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, thumbnail);
  }
  await server.stop();
  const now = Date.now();
  const insert = (id, assetId, storageKey) => `INSERT INTO asset_derivatives (id, source_asset_id, kind,
    content_type, extension, size, width, height, storage_provider, storage_key, public_url, created_at)
    VALUES ('${id}', '${assetId}', 'thumbnail_256', 'image/png', '.png', ${thumbnail.length}, 8, 8, 'local',
    '${storageKey}', 'http://x/content/${storageKey}', ${now});`;
  runSql(server, insert('0195f3c2-0000-7000-8000-000000000001', publicAsset.id, publicKey)
    + insert('0195f3c2-0000-7000-8000-000000000002', privateAsset.id, privateKey));
  await server.start();

  const served = await fetchBytes(server, `/content/${publicKey}`);
  assert.equal(served.status, 200);
  assert.ok(served.bytes.equals(thumbnail));
  assert.equal(served.headers.get('content-type'), 'image/png');
  const hidden = await fetchBytes(server, `/content/${privateKey}`);
  assert.equal(hidden.status, 404);
  assert.equal(hidden.body.error.code, 'not_found');

  const privateDetail = await server.request('GET', `/api/v1/assets/${privateAsset.id}`, { token: key });
  assert.equal(privateDetail.body.data.derivatives.length, 1);
  assert.deepEqual(Object.keys(privateDetail.body.data.derivatives[0]),
    ['kind', 'contentType', 'extension', 'size', 'width', 'height', 'publicUrl', 'contentUrl', 'createdAtUtc']);
  assert.equal(privateDetail.body.data.derivatives[0].publicUrl, null);
  const publicDetail = await server.request('GET', `/api/v1/public/assets/${publicAsset.id}`);
  assert.equal(publicDetail.body.data.derivatives[0].publicUrl, `http://x/content/${publicKey}`);
  assert.ok(!publicDetail.text.includes('storageKey'));

  const stats = await server.request('GET', '/api/v1/assets/usage-stats', { token: key });
  assert.equal(stats.body.data.totalDerivatives, 2);
  // deleting the asset removes its derivative's file too
  const removed = await server.request('DELETE', `/api/v1/assets/${privateAsset.id}`, { token: key });
  assert.equal(removed.status, 200);
  assert.equal((await fetchBytes(server, `/content/${privateKey}`)).status, 404);
  const { existsSync } = await import('node:fs');
  assert.ok(!existsSync(join(server.dataDir, 'assets', privateKey)));
});

test('Storage__PublicBaseUrl sets the base of public URLs and of redirects', async () => {
  const other = await startServer({
    env: accountsEnv({ Storage__PublicBaseUrl: 'https://cdn.example.test/files/' }, { machineKeys: true }),
  });
  try {
    const asset = await uploadOk(other, key, { file: { data: images.gif, filename: 'a b.gif', contentType: 'image/gif' } });
    assert.equal(asset.publicUrl, `https://cdn.example.test/files/${asset.storageKey}`);
    const redirect = await fetchBytes(other, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(redirect.status, 307);
    assert.equal(redirect.headers.get('location'), asset.publicUrl);
    // the bytes are still served at /content on this server
    const content = await fetchBytes(other, `/content/${asset.storageKey}`);
    assert.ok(content.bytes.equals(images.gif));
  } finally {
    await other.stop();
    other.cleanup();
  }
});

test('objects left pending removal are removed at start-up; a failing item does not stop a batch', async () => {
  const orphan = join(server.dataDir, 'assets', '2020/01/01/cccccccccccccccccccccccccccccccc.png');
  mkdirSync(dirname(orphan), { recursive: true });
  writeFileSync(orphan, png(2, 2, { seed: 1 }));
  const stranded = await uploadOk(server, key, { file: { data: png(3, 3, { seed: 61 }), filename: 's.png' } });
  const fine = await uploadOk(server, key, { file: { data: png(3, 3, { seed: 62 }), filename: 'f.png' } });
  await server.stop();
  const now = Date.now();
  runSql(server, `INSERT INTO storage_pending_deletions (id, storage_provider, storage_provider_profile_id,
    storage_key, attempts, created_at, updated_at) VALUES ('0195f3c2-0000-7000-8000-0000000000a1', 'local', NULL,
    '2020/01/01/cccccccccccccccccccccccccccccccc.png', 3, ${now}, ${now});
    UPDATE assets SET storage_provider = 'retired-provider', storage_provider_profile_id = NULL
      WHERE id = '${stranded.id}';`);
  await server.start();
  const { existsSync } = await import('node:fs');
  assert.ok(!existsSync(orphan), 'the pending object was removed at start-up');
  await server.stop();
  assert.equal(runSql(server, 'SELECT COUNT(*) FROM storage_pending_deletions').trim(), '0');
  await server.start();

  expectError(await server.request('DELETE', `/api/v1/assets/${stranded.id}`, { token: key }),
    400, 'asset_storage_provider_legacy_unavailable');
  expectError(await server.request('GET', `/api/v1/assets/${stranded.id}/content`, { token: key }),
    400, 'asset_storage_provider_legacy_unavailable');
  const batch = await server.request('POST', '/api/v1/assets/batch-delete', {
    json: [stranded.id, fine.id], token: key,
  });
  assert.equal(batch.status, 200, batch.text);
  assert.equal(batch.body.data.requestedCount, 2);
  assert.equal(batch.body.data.deletedCount, 1);
  assert.deepEqual(batch.body.data.notFoundIds, []);
  assert.equal(batch.body.data.failures.length, 1);
  assert.equal(batch.body.data.failures[0].id, stranded.id);
  assert.equal(batch.body.data.failures[0].code, 'asset_storage_provider_legacy_unavailable');
  assert.equal(batch.body.data.failures[0].status, 400);
  const still = await server.request('GET', `/api/v1/assets/${stranded.id}`, { token: key });
  assert.equal(still.status, 200, 'the failed item is still there, untouched');
  assert.ok(existsSync(join(server.dataDir, 'assets', stranded.storageKey)));
  expectError(await server.request('GET', `/api/v1/assets/${fine.id}`, { token: key }), 404, 'asset_not_found');
});
