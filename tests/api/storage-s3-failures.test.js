// storage-s3-failures.test.js - S3 failures are clear and lose nothing: a wrong secret key
// (s3rver checks signatures) is 502 storage_provider_access_denied, a missing bucket 502
// storage_provider_bucket_not_found, S3 down 503 storage_provider_unavailable with Retry-After;
// none of them leaves a row or an object. Through a fault-injecting proxy: one 500 is retried
// and the upload succeeds (two attempts counted), a reset likewise, persistent 500s end in 503
// with nothing stored, a stalled upload times out without a half-written object, a stalled
// read is a 503 and the next read works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, runSql } from './lib/accounts.js';
import { png } from './lib/images.js';
import { upload, uploadOk, fetchBytes, pathOf, expectError } from './lib/assets.js';
import { startS3, closedPort } from './lib/s3.js';
import { startFaultProxy } from './lib/fault-proxy.js';

const key = MACHINE_KEY;
const fast = {
  Storage__Remote__MaxAttempts: '3',
  Storage__Remote__RetryBaseDelayMs: '20',
  Storage__Remote__StallTimeoutMs: '1000',
  Storage__Remote__ConnectTimeoutMs: '2000',
  Processing__Workers: '0', // the proxy counts this suite's requests only: no processing jobs run
};
let s3;

before(async () => { s3 = await startS3({ buckets: ['nekohub-test', 'other-bucket'] }); });
after(async () => { await s3.stop(); });

const rows = (server) => Number(runSql(server, 'SELECT COUNT(*) FROM assets').trim());
const image = (seed) => ({ data: png(40, 30, { seed }), filename: `f${seed}.png`, contentType: 'image/png' });

async function withServer(env, body) {
  const server = await startServer({ env: accountsEnv({ ...fast, ...env }, { machineKeys: true }) });
  try {
    await body(server);
  } finally {
    await server.stop();
    server.cleanup();
  }
}

test('a wrong secret key: 502 storage_provider_access_denied, no row, no object', () =>
  withServer(s3.env({ Storage__S3__SecretKey: 'not-the-secret' }), async (server) => {
    const before = s3.keys();
    const response = await upload(server, key, { file: image(1) });
    const error = expectError(response, 502, 'storage_provider_access_denied');
    // the config-driven storage, or the default profile seeded from it on first start
    assert.match(error.message, /Storage '(configuration|s3-default)'/, 'the message names the storage');
    assert.doesNotMatch(response.text, /not-the-secret|S3RVER/, 'no secret in the answer');
    assert.equal(rows(server), 0);
    assert.deepEqual(s3.keys(), before);
  }));

test('a missing bucket: 502 storage_provider_bucket_not_found, nothing stored', () =>
  withServer(s3.env({ Storage__S3__Bucket: 'no-such-bucket' }), async (server) => {
    const response = await upload(server, key, { file: image(2) });
    const error = expectError(response, 502, 'storage_provider_bucket_not_found');
    assert.match(error.message, /no-such-bucket/);
    assert.equal(rows(server), 0);
  }));

test('S3 down (nothing listens): 503 storage_provider_unavailable with Retry-After, no row', async () => {
  const port = await closedPort();
  await withServer(s3.env({ Storage__S3__Endpoint: `http://127.0.0.1:${port}` }), async (server) => {
    const response = await upload(server, key, { file: image(3) });
    expectError(response, 503, 'storage_provider_unavailable');
    assert.ok(Number(response.headers.get('retry-after')) > 0, 'Retry-After is set');
    assert.equal(rows(server), 0);
  });
});

test('through the fault proxy: retries, resets, persistent failures and stalls', async (t) => {
  const proxy = await startFaultProxy({ target: s3.endpoint });
  try {
    await withServer(s3.env({ Storage__S3__Endpoint: proxy.url }), async (server) => {
      await t.test('one 500, then success: the upload succeeds after two attempts', async () => {
        proxy.reset();
        proxy.plan(['500']);
        const asset = await uploadOk(server, key, { file: image(4) });
        assert.equal(proxy.count('PUT'), 2, 'the proxy saw two PUTs');
        assert.deepEqual(proxy.requests.map((r) => r.action), ['500', 'pass']);
        assert.ok(s3.read(asset.storageKey).equals(image(4).data));
      });

      await t.test('a reset connection, then success: the upload succeeds', async () => {
        proxy.reset();
        proxy.plan(['reset']);
        const asset = await uploadOk(server, key, { file: image(5) });
        assert.equal(proxy.count('PUT'), 2);
        assert.ok(s3.has(asset.storageKey));
      });

      await t.test('persistent 500s: 503 after the configured attempts, no row, no object', async () => {
        proxy.reset();
        proxy.fallback = '500';
        const before = s3.keys();
        const count = rows(server);
        const response = await upload(server, key, { file: image(6) });
        expectError(response, 503, 'storage_provider_unavailable');
        assert.ok(Number(response.headers.get('retry-after')) > 0);
        assert.equal(proxy.count('PUT'), 3, 'Storage__Remote__MaxAttempts attempts');
        assert.equal(rows(server), count);
        proxy.fallback = 'pass';
        assert.deepEqual(s3.keys(), before, 'no object left');
      });

      await t.test('a stalled upload times out: 503, no half-written object, no row', async () => {
        proxy.reset();
        proxy.plan(['stall-request', 'stall-request', 'stall-request']);
        const before = s3.keys();
        const count = rows(server);
        const big = png(400, 300, { seed: 8 });
        const response = await upload(server, key, { file: { data: big, filename: 'big.png', contentType: 'image/png' } });
        expectError(response, 503, 'storage_provider_unavailable');
        assert.match(response.body.error.message, /stall timeout/, response.body.error.message);
        assert.equal(proxy.count('PUT'), 3, 'each stalled attempt was given up and retried');
        assert.equal(rows(server), count);
        assert.deepEqual(s3.keys(), before, 'nothing half-written in the bucket');
      });

      await t.test('a stalled read is a 503; the next read works', async () => {
        proxy.reset();
        const data = png(200, 200, { seed: 9 });
        const asset = await uploadOk(server, key, { file: { data, filename: 'r.png', contentType: 'image/png' } });
        proxy.fallback = 'stall-response';
        const stalled = await fetchBytes(server, pathOf(asset.publicUrl));
        expectError(stalled, 503, 'storage_provider_unavailable');
        assert.equal(proxy.count('GET'), 3);
        proxy.fallback = 'pass';
        const response = await fetchBytes(server, pathOf(asset.publicUrl));
        assert.equal(response.status, 200);
        assert.ok(response.bytes.equals(data));
      });

      await t.test('failures are counted as errors in the storage metrics', async () => {
        const metrics = await server.request('GET', '/metrics');
        const errors = metrics.text.split('\n').find((l) =>
          l.startsWith('nekohub_storage_operations_total{backend="s3-compatible",operation="put",outcome="error"}'));
        assert.ok(errors && Number(errors.split(' ').pop()) >= 2, errors);
      });
    });
  } finally {
    await proxy.stop();
  }
});
