// storage-s3.test.js - the S3-compatible backend against a real S3 server on loopback
// (s3rver, which checks SigV4 signatures), configured through Storage__S3__*: uploads land in
// the bucket byte for byte with their content type, /content and the protected route serve
// them (ETag, 304, 412, Range/206/416, If-Range: a range is fetched alone from S3; 304, 412
// and 416 never touch S3), delete removes the object from the bucket, a missing object is a
// 404, and the storage metrics on /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, runSql } from './lib/accounts.js';
import { testImages, png } from './lib/images.js';
import { uploadOk, fetchBytes, pathOf, expectError } from './lib/assets.js';
import { startS3 } from './lib/s3.js';
import { startFaultProxy } from './lib/fault-proxy.js';

const key = MACHINE_KEY;
let s3;
let proxy; // a counting pass-through in front of s3rver: shows which requests reached S3
let server;
let images;

before(async () => {
  images = testImages();
  s3 = await startS3();
  proxy = await startFaultProxy({ target: s3.endpoint });
  server = await startServer({
    // the proxy counts this suite's requests only: no processing jobs run
    env: accountsEnv(s3.env({ Storage__S3__Endpoint: proxy.url, Processing__Workers: '0' }),
      { machineKeys: true }),
  });
});

after(async () => {
  await server.stop();
  server.cleanup();
  await proxy.stop();
  await s3.stop();
});

test('an upload is stored in the bucket byte for byte, with its content type', async () => {
  const asset = await uploadOk(server, key, {
    file: { data: images.jpeg, filename: 'cat.jpg', contentType: 'image/jpeg' },
  });
  assert.equal(asset.storageProvider, 's3');
  assert.ok(s3.has(asset.storageKey), `object ${asset.storageKey} in the bucket`);
  assert.ok(s3.read(asset.storageKey).equals(images.jpeg));
  const metadata = s3.metadata(asset.storageKey);
  assert.equal(metadata['content-type'], 'image/jpeg');
  assert.equal(metadata['x-amz-meta-sha256'], asset.checksumSha256);
});

test('content of an S3-stored asset: /content, the protected route, ETag and 304', async () => {
  const asset = await uploadOk(server, key, {
    file: { data: images.png, filename: 'p.png', contentType: 'image/png' },
  });
  const path = pathOf(asset.publicUrl);
  assert.ok(path.startsWith('/content/'), 'NekoHub proxies when the profile has no public base');
  const response = await fetchBytes(server, path);
  assert.equal(response.status, 200);
  assert.ok(response.bytes.equals(images.png));
  assert.equal(response.headers.get('content-type'), 'image/png');
  assert.equal(response.headers.get('etag'), `"${asset.checksumSha256}"`);
  assert.equal(response.headers.get('accept-ranges'), 'bytes');

  const gets = proxy.count('GET');
  const head = await fetchBytes(server, path, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(images.png.length));
  assert.equal(head.headers.get('etag'), response.headers.get('etag'));
  assert.equal(head.headers.get('last-modified'), response.headers.get('last-modified'));
  const headRange = await fetchBytes(server, path, { method: 'HEAD', headers: { Range: 'bytes=0-9' } });
  assert.equal(headRange.status, 206);
  assert.equal(headRange.headers.get('content-range'), `bytes 0-9/${images.png.length}`);
  assert.equal(proxy.count('GET'), gets, 'HEAD reads nothing from S3');
  const etag = `"${asset.checksumSha256}"`;
  const notModified = await fetchBytes(server, path, { headers: { 'If-None-Match': etag } });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers.get('etag'), etag);
  const since = await fetchBytes(server, path, {
    headers: { 'If-Modified-Since': response.headers.get('last-modified') },
  });
  assert.equal(since.status, 304);
  const failed = await fetchBytes(server, path, { headers: { 'If-Match': '"another-version"' } });
  expectError(failed, 412, 'precondition_failed');
  const unmodified = await fetchBytes(server, path, { headers: { 'If-Unmodified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' } });
  assert.equal(unmodified.status, 412);
  assert.equal(proxy.count('GET'), gets, 'HEAD, 304 and 412 are answered without reading from S3');
  const matching = await fetchBytes(server, path, { headers: { 'If-Match': etag } });
  assert.equal(matching.status, 200);
  assert.ok(matching.bytes.equals(images.png));

  const privateAsset = await uploadOk(server, key, {
    file: { data: images.webp, filename: 'p.webp', contentType: 'image/webp' },
    fields: { isPublic: 'false' },
  });
  const protectedResponse = await fetchBytes(server, `/api/v1/assets/${privateAsset.id}/content`, { token: key });
  assert.equal(protectedResponse.status, 200);
  assert.ok(protectedResponse.bytes.equals(images.webp));
  assert.ok(s3.read(privateAsset.storageKey).equals(images.webp));
});

test('Range on S3-stored content fetches only the range: 206, Content-Range, If-Range, 416', async () => {
  const data = png(300, 200, { seed: 7 });
  const asset = await uploadOk(server, key, { file: { data, filename: 'r.png', contentType: 'image/png' } });
  const path = pathOf(asset.publicUrl);
  const etag = `"${asset.checksumSha256}"`;

  proxy.reset();
  const partial = await fetchBytes(server, path, { headers: { Range: 'bytes=10-109' } });
  assert.equal(partial.status, 206);
  assert.equal(partial.headers.get('content-range'), `bytes 10-109/${data.length}`);
  assert.equal(partial.headers.get('etag'), etag);
  assert.ok(partial.bytes.equals(data.subarray(10, 110)));
  assert.deepEqual(proxy.requests.map((r) => [r.method, r.range]), [['GET', 'bytes=10-109']],
    'only the range was read from S3');

  const suffix = await fetchBytes(server, path, { headers: { Range: 'bytes=-20' } });
  assert.equal(suffix.status, 206);
  assert.ok(suffix.bytes.equals(data.subarray(data.length - 20)));

  const open = await fetchBytes(server, path, { headers: { Range: `bytes=${data.length - 5}-` } });
  assert.equal(open.status, 206);
  assert.ok(open.bytes.equals(data.subarray(data.length - 5)));

  const matching = await fetchBytes(server, path, { headers: { Range: 'bytes=0-9', 'If-Range': etag } });
  assert.equal(matching.status, 206);
  assert.ok(matching.bytes.equals(data.subarray(0, 10)));
  const stale = await fetchBytes(server, path, { headers: { Range: 'bytes=0-9', 'If-Range': '"other"' } });
  assert.equal(stale.status, 200);
  assert.ok(stale.bytes.equals(data));

  const gets = proxy.count('GET');
  const beyond = await fetchBytes(server, path, { headers: { Range: `bytes=${data.length}-` } });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), `bytes */${data.length}`);
  assert.equal(proxy.count('GET'), gets, '416 is answered from the asset row');
  assert.deepEqual(proxy.requests.filter((r) => r.method === 'GET').map((r) => r.range), [
    'bytes=10-109', `bytes=${data.length - 20}-${data.length - 1}`,
    `bytes=${data.length - 5}-${data.length - 1}`, 'bytes=0-9', undefined,
  ], 'one S3 GET per answer: the range alone, or the whole object when If-Range failed');
});

test('delete removes the object from the bucket', async () => {
  const asset = await uploadOk(server, key, { file: { data: png(20, 20, { seed: 3 }), filename: 'd.png' } });
  assert.ok(s3.has(asset.storageKey));
  const response = await server.request('DELETE', `/api/v1/assets/${asset.id}`, { token: key });
  assert.equal(response.status, 200, response.text);
  assert.equal(s3.has(asset.storageKey), false, 'object removed from the bucket');
  const gone = await fetchBytes(server, pathOf(asset.publicUrl));
  assert.equal(gone.status, 404);
});

test('an object missing from the bucket is a 404, not a 500', async () => {
  const asset = await uploadOk(server, key, { file: { data: png(21, 21, { seed: 4 }), filename: 'm.png' } });
  await s3.server.store.deleteObject(s3.bucket, asset.storageKey);
  const response = await fetchBytes(server, pathOf(asset.publicUrl));
  assert.equal(response.status, 404);
});

test('storage operations are counted by backend type on /metrics', async () => {
  const response = await server.request('GET', '/metrics');
  assert.equal(response.status, 200);
  const line = (name, labels) => response.text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  const count = (text) => Number(text.split(' ').pop());
  const puts = line('nekohub_storage_operations_total', 'backend="s3-compatible",operation="put",outcome="ok"');
  assert.ok(puts && count(puts) >= 5, `puts counted: ${puts}`);
  const opens = line('nekohub_storage_operations_total', 'backend="s3-compatible",operation="open",outcome="ok"');
  assert.ok(opens && count(opens) >= 1, `opens counted: ${opens}`);
  assert.match(response.text, /nekohub_storage_operation_duration_seconds_bucket\{backend="s3-compatible",operation="put",le="\+Inf"\} \d+/);
  assert.match(response.text, /# TYPE nekohub_storage_operation_duration_seconds histogram/);
});

test('rows written for S3 assets name the s3 provider and no profile', async () => {
  const rows = runSql(server, "SELECT COUNT(*) FROM assets WHERE storage_provider = 's3'").trim();
  assert.ok(Number(rows) >= 4, rows);
});
