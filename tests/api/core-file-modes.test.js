// core-file-modes.test.js - every file the server creates in its data directory is private
// (0600, directories 0700) even when it is started with a permissive umask (022) and the data
// directory itself is open to others; such a directory earns one warning line at start
// (issue 9, item 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, databaseKind } from './lib/server.js';
import { accountsEnv, login, ROOT } from './lib/accounts.js';
import { multipartBody, rawRequest, uploadOk } from './lib/assets.js';
import { png } from './lib/images.js';

const sleep = (ms) => new Promise((resolveSleep) => { setTimeout(resolveSleep, ms); });

// Start the server as a shell with `umask 022` would (children inherit the umask).
async function startWithUmask(mask, options) {
  const saved = process.umask(mask);
  try {
    return await startServer(options);
  } finally {
    process.umask(saved);
  }
}

// Every entry under dir (not dir itself) as { path, mode, directory }. An entry that vanishes
// between the listing and its lstat (a background job's temp file) is skipped.
function walk(dir) {
  const entries = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (!info) continue;
    entries.push({ path, mode: info.mode & 0o777, directory: info.isDirectory() });
    if (info.isDirectory()) entries.push(...walk(path));
  }
  return entries;
}

function assertPrivate(entries) {
  for (const entry of entries) {
    const want = entry.directory ? 0o700 : 0o600;
    assert.equal(entry.mode.toString(8), want.toString(8), `mode of ${entry.path}`);
  }
}

// Wait (by polling, no timing assertion) until dir holds a file whose name starts with prefix.
async function waitForFile(dir, prefix) {
  for (let round = 0; round < 500; round++) {
    if (existsSync(dir)) {
      const found = readdirSync(dir).find((name) => name.startsWith(prefix));
      if (found) return join(dir, found);
    }
    await sleep(20);
  }
  throw new Error(`no ${prefix}* file appeared in ${dir}`);
}

test('files created under umask 022 in an open data directory are 0600, with one warning', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nekohub-modes-'));
  chmodSync(dataDir, 0o755); // readable by others: the server warns but stays private inside
  const server = await startWithUmask(0o022, { dataDir, env: accountsEnv() });
  try {
    const session = await login(server, ROOT.username, ROOT.password); // a write: WAL in use
    await uploadOk(server, session.accessToken, {
      file: { data: png(8, 8), filename: 'modes.png', contentType: 'image/png' },
    });

    // An upload in flight: its temp file is private too.
    const { body, contentType } = multipartBody([
      { name: 'file', filename: 'slow.png', contentType: 'image/png', data: png(8, 8) },
    ], { final: false });
    let pending;
    const answered = rawRequest(server, {
      path: '/api/v1/assets',
      headers: {
        Authorization: `Bearer ${session.accessToken}`,
        'Content-Type': contentType,
        'Content-Length': String(body.length + 1000),
      },
      write: (request) => { pending = request; request.write(body); },
    });
    const temp = await waitForFile(join(dataDir, 'tmp'), 'upload-');
    assert.equal((lstatSync(temp).mode & 0o777).toString(8), '600', `mode of ${temp}`);

    if (databaseKind === 'sqlite') {
      for (const name of ['nekohub.db', 'nekohub.db-wal', 'nekohub.db-shm']) {
        assert.ok(existsSync(join(dataDir, name)), `${name} exists while the server runs`);
      }
    }
    assertPrivate(walk(dataDir));

    pending.destroy();
    await answered;
    const warnings = server.logs.filter((line) => line.event === 'data_dir_permissions');
    assert.equal(warnings.length, 1, 'one warning about the open data directory');
    assert.equal(warnings[0].level, 'warn');
    assert.match(warnings[0].message, /755/);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  // The server's own directory mode was left as the operator set it.
});

test('a private data directory starts without a warning, and a restart keeps files private', async () => {
  const server = await startWithUmask(0o022, { env: accountsEnv() });
  try {
    await login(server, ROOT.username, ROOT.password);
    await server.restart();
    await login(server, ROOT.username, ROOT.password);
    assert.equal(server.logs.filter((line) => line.event === 'data_dir_permissions').length, 0);
    assertPrivate(walk(server.dataDir));
  } finally {
    await server.stop();
    server.cleanup();
  }
});
