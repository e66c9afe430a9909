// http-file-limit.test.js - the open-file limit is raised at start-up for the connection limit
// (default 10 000), and the log says what was obtained; a limit the process cannot reach is
// shrunk to what fits, with a warning (issue 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';

function fileLimitLine(server) {
  const line = server.logs.find((entry) => entry.event === 'file_limit');
  assert.ok(line, 'a file_limit log line');
  return line;
}

test('the default connection limit is 10 000 and the log says which file limit was obtained', async () => {
  const server = await startServer();
  try {
    const line = fileLimitLine(server);
    assert.equal(line.maxConnectionsWanted, 10000);
    assert.ok(line.maxConnections >= 1 && line.maxConnections <= 10000, JSON.stringify(line));
    assert.ok(line.openFiles <= line.openFilesMax, JSON.stringify(line));
    if (line.maxConnections === 10000) {
      // Each connection may hold a file besides its socket for a quarter of them.
      assert.ok(line.openFiles >= 12500, JSON.stringify(line));
    } else {
      assert.equal(line.level, 'warn');
    }
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('a connection limit beyond the hard file limit is shrunk to fit, with a warning', async () => {
  const server = await startServer({ env: { Server__MaxConnections: '1000000' } });
  try {
    const line = fileLimitLine(server);
    assert.equal(line.maxConnectionsWanted, 1000000);
    assert.equal(line.level, 'warn');
    assert.ok(line.maxConnections < 1000000, JSON.stringify(line));
    assert.ok(line.maxConnections + line.maxConnections / 4 <= line.openFiles, JSON.stringify(line));
    // The server still answers.
    assert.equal((await fetch(server.url('/healthz'))).status, 200);
  } finally {
    await server.stop();
    server.cleanup();
  }
});
