// storage-s3-profiles.test.js - S3 through a storage provider profile (not configuration):
// an s3-compatible profile pointed at s3rver passes the connection test (write, read, delete
// of a probe, which leaves nothing in the bucket), takes uploads (bytes in the bucket, served
// through /content with ranges), uses its own publicBaseUrl for public URLs; a profile with
// a wrong secret fails the test at the write step (after opening the backend) with storage_provider_access_denied and its
// uploads answer 502 without a row or an object.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib/server.js';
import { accountsEnv, ROOT, login } from './lib/accounts.js';
import { png } from './lib/images.js';
import { upload, uploadOk, fetchBytes, pathOf } from './lib/assets.js';
import { startS3, S3_ACCESS_KEY, S3_SECRET_KEY } from './lib/s3.js';

const BASE = '/api/v1/system/storage/providers';
let s3;
let server;
let token;

before(async () => {
  s3 = await startS3();
  // no job workers: the tests compare the bucket's objects, and derivatives would join them
  server = await startServer({ env: accountsEnv({ Processing__Workers: '0' }) });
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

after(async () => {
  await server.stop();
  server.cleanup();
  await s3.stop();
});

let counter = 0;
async function createS3Profile({ secretKey = S3_SECRET_KEY, publicBaseUrl } = {}) {
  const response = await server.request('POST', BASE, {
    token,
    json: {
      name: `s3-${process.pid}-${++counter}`,
      providerType: 's3-compatible',
      configuration: { endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', forcePathStyle: true, publicBaseUrl },
      secretConfiguration: { accessKey: S3_ACCESS_KEY, secretKey },
    },
  });
  assert.equal(response.status, 201, response.text);
  return response.body.data;
}

test('an S3 profile passes the connection test and leaves no probe behind', async () => {
  const profile = await createS3Profile();
  const before = s3.keys();
  const response = await server.request('POST', `${BASE}/${profile.id}/test`, { token });
  assert.equal(response.status, 200, response.text);
  const result = response.body.data;
  assert.equal(result.succeeded, true, response.text);
  assert.deepEqual(result.steps.map((s) => [s.name, s.succeeded]),
    [['open', true], ['write', true], ['read', true], ['delete', true]]);
  assert.deepEqual(s3.keys(), before, 'the probe object was deleted');
});

test('uploads through an S3 profile land in the bucket and are served with ranges', async () => {
  const profile = await createS3Profile();
  const data = png(120, 80, { seed: 21 });
  const asset = await uploadOk(server, token, {
    file: { data, filename: 'p.png', contentType: 'image/png' },
    fields: { storageProviderProfileId: profile.id },
  });
  assert.equal(asset.storageProviderProfileId, profile.id);
  assert.ok(s3.read(asset.storageKey).equals(data));
  const served = await fetchBytes(server, pathOf(asset.publicUrl));
  assert.equal(served.status, 200);
  assert.ok(served.bytes.equals(data));
  const range = await fetchBytes(server, pathOf(asset.publicUrl), { headers: { Range: 'bytes=5-14' } });
  assert.equal(range.status, 206);
  assert.ok(range.bytes.equals(data.subarray(5, 15)));
});

test('a profile\'s own publicBaseUrl is the base of its public URLs', async () => {
  const profile = await createS3Profile({ publicBaseUrl: 'https://bucket.cdn.example.net' });
  const asset = await uploadOk(server, token, {
    file: { data: png(20, 20, { seed: 22 }), filename: 'c.png', contentType: 'image/png' },
    fields: { storageProviderProfileId: profile.id },
  });
  assert.equal(asset.publicUrl, `https://bucket.cdn.example.net/${asset.storageKey}`);
});

test('a profile with a wrong secret fails its test and its uploads, storing nothing', async () => {
  const profile = await createS3Profile({ secretKey: 'wrong-secret-value' });
  const response = await server.request('POST', `${BASE}/${profile.id}/test`, { token });
  assert.equal(response.status, 200, response.text);
  const result = response.body.data;
  assert.equal(result.succeeded, false);
  const write = result.steps.find((s) => s.name === 'write');
  assert.equal(write.succeeded, false, response.text);
  assert.equal(write.errorCode, 'storage_provider_access_denied');
  assert.equal(result.steps.at(-1).name, 'write', 'nothing after the failed write');
  assert.doesNotMatch(response.text, /wrong-secret-value/);

  const before = s3.keys();
  const uploaded = await upload(server, token, {
    file: { data: png(20, 21, { seed: 23 }), filename: 'w.png', contentType: 'image/png' },
    fields: { storageProviderProfileId: profile.id },
  });
  const error = expectError(assert, uploaded, 502, 'storage_provider_access_denied');
  assert.match(error.message, new RegExp(profile.name), 'the message names the profile');
  assert.deepEqual(s3.keys(), before);
});
