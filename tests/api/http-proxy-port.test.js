// http-proxy-port.test.js - the client address behind a trusted reverse proxy (issue 8), and a
// second server on a port already in use failing at start instead of sharing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, startServer, withTimeout } from './lib/server.js';
import { accountsEnv, auditEntries, login, requestFrom, ROOT } from './lib/accounts.js';

async function failedSignInAddress(server, token, username, localAddress, headers) {
  const response = await requestFrom(server, localAddress, 'POST', '/api/v1/auth/login', {
    json: { username, password: 'wrong-password' }, headers,
  });
  assert.equal(response.status, 401, response.text);
  const entries = await auditEntries(server, token, { action: 'auth.login_failed' });
  const entry = entries.find((item) => item.targetName === username);
  assert.ok(entry, `an audit entry for ${username}`);
  return entry.clientAddress;
}

test('X-Forwarded-For and Forwarded are honoured only from a trusted proxy', async () => {
  const server = await startServer({ env: accountsEnv({ Server__TrustedProxies: '127.0.0.1, 10.0.0.0/8' }) });
  try {
    const { accessToken } = await login(server, ROOT.username, ROOT.password);
    assert.equal(await failedSignInAddress(server, accessToken, 'ghost-a', '127.0.0.1',
      { 'X-Forwarded-For': '203.0.113.9' }), '203.0.113.9', 'trusted peer: forwarded address');
    assert.equal(await failedSignInAddress(server, accessToken, 'ghost-b', '127.0.0.1',
      { 'X-Forwarded-For': '198.51.100.1, 203.0.113.10, 10.1.2.3' }), '203.0.113.10',
    'the nearest untrusted address, skipping trusted proxies in the chain');
    assert.equal(await failedSignInAddress(server, accessToken, 'ghost-c', '127.0.0.1',
      { Forwarded: 'for="[2001:db8::7]:4711";proto=https' }), '2001:db8::7', 'Forwarded for=');
    assert.equal(await failedSignInAddress(server, accessToken, 'ghost-d', '127.0.0.2',
      { 'X-Forwarded-For': '203.0.113.11' }), '127.0.0.2', 'an untrusted peer cannot claim another address');
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('a client cannot choose its address behind a trusted proxy with extra or long headers', async () => {
  const server = await startServer({ env: accountsEnv({ Server__TrustedProxies: '127.0.0.1' }) });
  try {
    const { accessToken } = await login(server, ROOT.username, ROOT.password);
    // A proxy that adds its own X-Forwarded-For line after the client's (RFC 9110: the lines
    // form one list in order), so the last line holds the address the proxy saw.
    assert.equal(await failedSignInAddress(server, accessToken, 'ghost-f', '127.0.0.1',
      { 'X-Forwarded-For': ['198.51.100.66', '203.0.113.20'] }), '203.0.113.20',
    'several X-Forwarded-For lines: the rightmost entry of the last one');
    assert.equal(await failedSignInAddress(server, accessToken, 'ghost-g', '127.0.0.1',
      { Forwarded: ['for=198.51.100.67', 'for=203.0.113.21'] }), '203.0.113.21',
    'several Forwarded lines: the rightmost entry of the last one');
    // A Forwarded header longer than any fixed buffer: the client's own entries on the left
    // must not push out the one the proxy appended on the right.
    const padding = Array.from({ length: 200 }, () => 'for=198.51.100.68').join(', ');
    assert.equal(await failedSignInAddress(server, accessToken, 'ghost-h', '127.0.0.1',
      { Forwarded: `${padding}, for=203.0.113.22` }), '203.0.113.22',
    'a long Forwarded header: the rightmost entry');
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('without trusted proxies a forwarded address is ignored', async () => {
  const server = await startServer({ env: accountsEnv() });
  try {
    const { accessToken } = await login(server, ROOT.username, ROOT.password);
    assert.equal(await failedSignInAddress(server, accessToken, 'ghost-e', '127.0.0.1',
      { 'X-Forwarded-For': '203.0.113.12' }), '127.0.0.1');
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('a second server on a port in use fails at start with a clear message', async () => {
  const first = await startServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'nekohub-test-'));
  try {
    const second = spawn(binary, ['serve', '--port', String(first.port), '--listen', '127.0.0.1',
      '--data-dir', dataDir], { env: { PATH: process.env.PATH, HOME: '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    second.stderr.on('data', (chunk) => { stderr += chunk; });
    const exit = await withTimeout(new Promise((resolveExit) => second.on('exit', (code) => resolveExit(code))),
      30000, () => { second.kill('SIGKILL'); return `the second server kept running:\n${stderr}`; });
    assert.notEqual(exit, 0);
    assert.match(stderr, /already in use/);
    assert.doesNotMatch(stderr, /"event":"listening"/);
    assert.equal((await first.request('GET', '/healthz')).status, 200, 'the first server still answers');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await first.stop();
    first.cleanup();
  }
});
