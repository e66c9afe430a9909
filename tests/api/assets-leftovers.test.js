// assets-leftovers.test.js - crash leftovers in DATA_DIR/tmp are swept while running: upload
// temp files that no upload in flight owns go at start (whatever their age) and at every
// housekeeping run (Server__HousekeepingIntervalSeconds), while the temp file of an upload
// still streaming stays and the upload completes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY } from './lib/accounts.js';
import { png } from './lib/images.js';
import { rawRequest } from './lib/assets.js';

const sleep = (ms) => new Promise((resolveSleep) => { setTimeout(resolveSleep, ms); });

const sweeps = (server) => server.logs.filter((line) => line.event === 'assets_sweep').length;

// Wait (by counting log lines, not by the clock) until two more housekeeping sweeps ran: the
// second one started after this call.
async function twoMoreSweeps(server) {
  const target = sweeps(server) + 2;
  while (sweeps(server) < target) await sleep(50);
}

// Start an upload that sends its first 50 bytes and then waits for finish(); resolves once its
// temp file is in tmp (inFlight: the upload files then), with the pending response.
async function heldUpload(server, tmp, seed, filename) {
  const image = png(16, 16, { seed });
  const boundary = 'held';
  let finish;
  const finished = new Promise((resolveFinish) => { finish = resolveFinish; });
  const response = rawRequest(server, {
    path: '/api/v1/assets',
    headers: { Authorization: `Bearer ${MACHINE_KEY}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    write: async (request) => {
      request.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n`
        + 'Content-Type: image/png\r\n\r\n');
      request.write(image.subarray(0, 50));
      await finished;
      request.end(Buffer.concat([image.subarray(50), Buffer.from(`\r\n--${boundary}--\r\n`)]));
    },
  });
  let inFlight = [];
  while (inFlight.length === 0) {
    inFlight = readdirSync(tmp).filter((name) => name.startsWith('upload-'));
    await sleep(20);
  }
  return { finish, response, inFlight };
}

test('leftover upload files go at start and at each housekeeping run; an upload in flight keeps its file', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nekohub-leftovers-'));
  const tmp = join(dataDir, 'tmp');
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  // what a kill -9 leaves: fresh partial uploads
  for (let i = 0; i < 10; i++) writeFileSync(join(tmp, `upload-crash${i}`), Buffer.alloc(64 * 1024, i));
  writeFileSync(join(tmp, 'not-an-upload'), 'kept');
  const server = await startServer({
    dataDir,
    // no processing jobs: their steps' temp files (upload temps too) would come and go here
    env: accountsEnv({ Server__HousekeepingIntervalSeconds: '1', Logging__LogLevel__Default: 'Debug',
      Processing__Workers: '0' }, { machineKeys: true }),
  });
  try {
    assert.deepEqual(readdirSync(tmp), ['not-an-upload'], 'start-up removes every leftover upload file');

    writeFileSync(join(tmp, 'upload-later1'), Buffer.alloc(1024, 7));
    await twoMoreSweeps(server);
    assert.equal(existsSync(join(tmp, 'upload-later1')), false, 'a housekeeping run removes a leftover');

    const { finish, response, inFlight } = await heldUpload(server, tmp, 3, 'a.png');
    await twoMoreSweeps(server);
    assert.deepEqual(readdirSync(tmp).filter((name) => name.startsWith('upload-')), inFlight,
      'the temp file of an upload in flight stays');
    finish();
    const result = await response;
    assert.equal(result.status, 202, JSON.stringify(result));
    assert.deepEqual(readdirSync(tmp), ['not-an-upload']);
  } finally {
    await server.stop();
    server.cleanup();
  }
});

// Several instances may share one data directory (docs/operations.md): the sweep of one must
// not take the temp file of an upload in flight in another. Each upload holds a lock on its
// file that every process sees and that dies with its owner.
test('the sweep of another instance on the same data directory leaves an upload in flight alone', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nekohub-shared-'));
  const env = accountsEnv({ Server__HousekeepingIntervalSeconds: '1', Logging__LogLevel__Default: 'Debug',
    Processing__Workers: '0' }, { machineKeys: true });
  const uploader = await startServer({ dataDir, env });
  const sweeper = await startServer({ dataDir, env });
  const tmp = join(dataDir, 'tmp');
  try {
    const { finish, response, inFlight } = await heldUpload(uploader, tmp, 5, 'b.png');
    await twoMoreSweeps(sweeper);
    assert.deepEqual(readdirSync(tmp).filter((name) => name.startsWith('upload-')), inFlight,
      "the other instance's sweep leaves the file of an upload in flight");
    finish();
    const result = await response;
    assert.equal(result.status, 202, JSON.stringify(result));
  } finally {
    await sweeper.stop();
    await uploader.stop();
    uploader.cleanup();
  }
});
