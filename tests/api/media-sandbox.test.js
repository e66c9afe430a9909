// media-sandbox.test.js - the sandboxed media worker (docs/architecture.md "The media
// sandbox"): the serving process does not map libvips; a probe whose worker crashes or hangs
// fails alone with a clear code, the worker is replaced (a new pid) and the server keeps
// serving; inside the worker a socket and a new file are refused (EPERM). The test operations
// exist only in the test build and only with NEKOHUB_TEST_MEDIA_OPERATIONS=1: an upload whose
// file name starts with "nekohub-test-op-<name>" runs that operation instead of the probe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, binary } from './lib/server.js';
import { accountsEnv, MACHINE_KEY } from './lib/accounts.js';
import { workerPids as listWorkers } from './lib/media-workers.js';
import { png } from './lib/images.js';
import { upload, uploadOk, expectError } from './lib/assets.js';

let server;
const key = MACHINE_KEY;

before(async () => {
  server = await startServer({
    env: accountsEnv({
      NEKOHUB_TEST_MEDIA_OPERATIONS: '1',
      Processing__MediaWorkers: '1',
      Processing__MediaTimeoutSeconds: '3',
    }, { machineKeys: true }),
  });
});

after(async () => {
  await server?.stop();
});

const workerPids = () => listWorkers(server);

let seed = 1;
function testUpload(name) {
  return upload(server, key, { file: { data: png(4, 4, { seed: seed++ }), filename: name } });
}

/* One counter of the media pool from /metrics (0 when the series is absent). */
async function mediaCounter(series) {
  const text = await (await fetch(server.url('/metrics'))).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function expectServing() {
  const health = await server.request('GET', '/healthz');
  assert.equal(health.status, 200);
  const asset = await uploadOk(server, key, { file: { data: png(5, 3, { seed: seed++ }), filename: 'after.png' } });
  assert.equal(asset.width, 5);
  assert.equal(asset.contentType, 'image/png');
}

test('the serving process does not map libvips; its worker does', async () => {
  await uploadOk(server, key, { file: { data: png(3, 3, { seed: seed++ }), filename: 'first.png' } });
  const maps = readFileSync(`/proc/${server.process.pid}/maps`, 'utf8');
  assert.doesNotMatch(maps, /libvips/);
  assert.doesNotMatch(maps, /libglib/);
  assert.doesNotMatch(execFileSync('ldd', [binary], { encoding: 'utf8' }), /libvips/);
  assert.match(execFileSync('ldd', [`${binary}-media`], { encoding: 'utf8' }), /libvips/);
  const [worker] = workerPids();
  assert.ok(worker, 'a media worker runs');
  assert.match(readFileSync(`/proc/${worker}/maps`, 'utf8'), /libvips/);
});

test('a worker that crashes fails only that upload (502 media_worker_failed) and is replaced', async () => {
  const before = workerPids();
  assert.equal(before.length, 1);
  const failed = 'nekohub_media_worker_failures_total{reason="failed"}';
  const [failuresBefore, startsBefore] = [await mediaCounter(failed), await mediaCounter('nekohub_media_workers_started_total')];
  assert.ok(startsBefore >= 1, 'the pool counts the workers it started');
  expectError(await testUpload('nekohub-test-op-crash.png'), 502, 'media_worker_failed');
  assert.equal(await mediaCounter(failed), failuresBefore + 1, 'the lost operation is counted');
  assert.equal(await mediaCounter('nekohub_media_workers_started_total'), startsBefore + 1, 'and the replacement');
  const afterCrash = workerPids();
  assert.equal(afterCrash.length, 1);
  assert.notEqual(afterCrash[0], before[0], 'a new worker replaced the crashed one');
  await expectServing();
  assert.ok(server.logs.some((line) => line.event === 'media_worker_failed'), 'the crash is logged');
});

test('a worker that hangs is killed at the deadline (503 media_worker_timeout) and replaced', async () => {
  const before = workerPids();
  const timeouts = 'nekohub_media_worker_failures_total{reason="timeout"}';
  const timeoutsBefore = await mediaCounter(timeouts);
  expectError(await testUpload('nekohub-test-op-hang.png'), 503, 'media_worker_timeout');
  assert.equal(await mediaCounter(timeouts), timeoutsBefore + 1, 'the timeout is counted');
  const afterHang = workerPids();
  assert.equal(afterHang.length, 1);
  assert.notEqual(afterHang[0], before[0]);
  assert.ok(!existsSync(`/proc/${before[0]}`), 'the hung worker is gone (killed and reaped)');
  await expectServing();
});

test('inside the worker a socket is refused with EPERM', async () => {
  const error = expectError(await testUpload('nekohub-test-op-socket.png'), 422, 'media_test_result');
  assert.equal(error.message, 'socket: refused (EPERM)');
  await expectServing();
});

test('inside the worker a new file is refused with EPERM and nothing is created', async () => {
  const worker = workerPids()[0];
  const error = expectError(await testUpload('nekohub-test-op-create.png'), 422, 'media_test_result');
  const path = join(process.env.TMPDIR || tmpdir(), `nekohub-media-test-${worker}`);
  assert.equal(error.message, `create ${path}: refused (EPERM)`);
  assert.ok(!existsSync(path));
  await expectServing();
});

test('the file-name trigger is off without NEKOHUB_TEST_MEDIA_OPERATIONS: a normal probe runs', async () => {
  const plain = await startServer({ env: accountsEnv({}, { machineKeys: true }) });
  try {
    const asset = await uploadOk(plain, key, { file: { data: png(6, 2), filename: 'nekohub-test-op-crash.png' } });
    assert.equal(asset.width, 6);
  } finally {
    await plain.stop();
  }
});

test('bytes that are not an image are still refused as today (400 asset_content_mismatch)', async () => {
  const response = await upload(server, key, { file: { data: Buffer.from('not an image at all'), filename: 'x.png' } });
  expectError(response, 400, 'asset_content_mismatch');
});
