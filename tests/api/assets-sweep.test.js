// assets-sweep.test.js - storage objects never outlive their purpose: an upload records an
// intent before writing its object and ends it in the transaction that inserts the row; a
// crash in between leaves a record that the sweep (at start and periodically) acts on: the
// object goes when no row points at it, and stays (only the record goes) when one does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, runSql } from './lib/accounts.js';
import { png } from './lib/images.js';
import { uploadOk, fetchBytes } from './lib/assets.js';

const pendingCount = (server) => Number(runSql(server, 'SELECT COUNT(*) FROM storage_pending_deletions').trim());

test('uploads leave no pending records; the sweep removes orphans and keeps objects in use', async () => {
  const server = await startServer({ env: accountsEnv({ Processing__Workers: '0' }, { machineKeys: true }) });
  try {
    const kept = await uploadOk(server, MACHINE_KEY, {
      file: { data: png(12, 12, { seed: 7 }), filename: 'kept.png', contentType: 'image/png' },
    });
    assert.equal(pendingCount(server), 0, 'a committed upload ends its intent in the same transaction');

    // What a crash between writing the object and committing the row leaves behind: an object
    // no row points at, and its intent (old enough for the sweep).
    const orphanKey = '2026/01/01/0192f0a12b3c7d4e8f90a1b2c3d4e5f6.png';
    const orphanPath = join(server.dataDir, 'assets', orphanKey);
    mkdirSync(dirname(orphanPath), { recursive: true });
    writeFileSync(orphanPath, png(4, 4));
    const old = Date.now() - 3600 * 1000;
    runSql(server, `INSERT INTO storage_pending_deletions (id, storage_provider, storage_provider_profile_id, storage_key, attempts, created_at, updated_at, reason) VALUES ('0192f0a1-2b3c-7d4e-8f90-000000000001', 'local', NULL, '${orphanKey}', 0, ${old}, ${old}, 'upload')`);
    // What a lost commit acknowledgement would leave: an intent for an object whose row exists.
    runSql(server, `INSERT INTO storage_pending_deletions (id, storage_provider, storage_provider_profile_id, storage_key, attempts, created_at, updated_at, reason) VALUES ('0192f0a1-2b3c-7d4e-8f90-000000000002', 'local', NULL, '${kept.storageKey}', 0, ${old}, ${old}, 'upload')`);
    // And an intent of an upload that may still be under way: too young to touch.
    const youngKey = '2026/01/01/0192f0a12b3c7d4e8f90a1b2c3d4e5f7.png';
    const youngPath = join(server.dataDir, 'assets', youngKey);
    writeFileSync(youngPath, png(4, 4));
    const now = Date.now();
    runSql(server, `INSERT INTO storage_pending_deletions (id, storage_provider, storage_provider_profile_id, storage_key, attempts, created_at, updated_at, reason) VALUES ('0192f0a1-2b3c-7d4e-8f90-000000000003', 'local', NULL, '${youngKey}', 0, ${now}, ${now}, 'upload')`);

    await server.restart(); // the sweep runs at start, before the server listens

    assert.equal(existsSync(orphanPath), false, 'the orphan object is removed');
    assert.equal(existsSync(youngPath), true, 'a young intent is left alone');
    const keptBytes = await fetchBytes(server, `/content/${kept.storageKey}`);
    assert.equal(keptBytes.status, 200, 'an object a row points at stays');
    assert.deepEqual(
      runSql(server, 'SELECT id FROM storage_pending_deletions ORDER BY id').trim().split('\n'),
      ['0192f0a1-2b3c-7d4e-8f90-000000000003'],
    );
  } finally {
    await server.stop();
    server.cleanup();
  }
});
