// assets-diskfull.test.js - a full volume is not a 500: an upload that cannot write its
// temporary file (the data directory is full) or its stored object (the storage root is full)
// answers 507 storage_insufficient_space, leaves nothing behind (no temp file, no object, no
// row, no pending record), and works again once there is space. Each volume is a small tmpfs
// the test mounts and unmounts itself; where mounting is not permitted the test is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, runSql } from './lib/accounts.js';
import { encodePng } from './lib/images.js';
import { upload, expectError } from './lib/assets.js';
import { withTmpfs, fill } from './lib/tmpfs.js';

const key = MACHINE_KEY;

function filesUnder(dir) {
  const found = [];
  const walk = (at, prefix) => {
    if (!existsSync(at)) return;
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(at, entry.name), `${prefix}${entry.name}/`);
      else found.push(`${prefix}${entry.name}`);
    }
  };
  walk(dir, '');
  return found.sort();
}

async function total(server) {
  const response = await server.request('GET', '/api/v1/assets?pageSize=1', { token: key });
  assert.equal(response.status, 200, response.text);
  return response.body.data.total;
}

const pending = (server) => Number(runSql(server, 'SELECT COUNT(*) FROM storage_pending_deletions').trim());

// 256 x 256 RGB, stored uncompressed (deflate level 0): about 197 KB.
const big = () => encodePng(256, 256, (x, y, row, at) => { row[at] = x; row[at + 1] = y; row[at + 2] = x ^ y; }, 0);

const uploadBig = (server) => upload(server, key, { file: { data: big(), filename: 'big.png', contentType: 'image/png' } });

test('a full data directory: the upload answers 507, keeps nothing, and works once there is space', (t) =>
  withTmpfs(t, '8m', async (volume) => {
    const server = await startServer({ dataDir: volume, env: accountsEnv({ Processing__Workers: '0' }, { machineKeys: true }) });
    try {
      const before = await total(server);
      const stored = filesUnder(join(volume, 'assets'));
      const filler = fill(volume, 16 * 1024);

      const response = await uploadBig(server);
      expectError(response, 507, 'storage_insufficient_space');
      assert.deepEqual(readdirSync(join(volume, 'tmp')), [], 'no temp file is left');
      assert.deepEqual(filesUnder(join(volume, 'assets')), stored, 'no object is left');
      assert.equal(await total(server), before, 'no row is written');

      rmSync(filler);
      const retried = await uploadBig(server);
      assert.equal(retried.status, 202, retried.text);
    } finally {
      await server.stop();
    }
  }));

test('a full storage root: the upload answers 507 and leaves no object, row or pending record', (t) =>
  withTmpfs(t, '1m', async (root) => {
    const server = await startServer({
      env: accountsEnv({ Storage__Local__RootPath: root, Processing__Workers: '0' }, { machineKeys: true }),
    });
    try {
      const filler = fill(root, 16 * 1024);
      const response = await uploadBig(server);
      expectError(response, 507, 'storage_insufficient_space');
      assert.deepEqual(filesUnder(root).filter((name) => name !== 'filler'), [], 'no object or partial copy is left');
      assert.deepEqual(readdirSync(join(server.dataDir, 'tmp')), []);
      assert.equal(await total(server), 0);
      assert.equal(pending(server), 0, 'the upload intent is ended');

      rmSync(filler);
      const retried = await uploadBig(server);
      assert.equal(retried.status, 202, retried.text);
    } finally {
      await server.stop();
      server.cleanup();
    }
  }));
