// http-slow-clients.test.js - slow and greedy clients cannot take the server (issue 8): 1 500
// connections dribbling headers while another client is answered, the header deadline that
// trickled bytes do not extend, and the default per-client connection limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.js';
import { accountsEnv, login, requestFrom, ROOT, sleep } from './lib/accounts.js';

// A raw connection that sends `head` and then nothing; resolves `closed` when the server closes
// it (with whatever it answered).
function holdConnection(port, head, localAddress = '127.0.0.1') {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  const state = { socket, connected: false, closedByServer: false, answer: '' };
  state.ready = new Promise((resolveReady) => {
    socket.on('connect', () => { state.connected = true; socket.write(head); resolveReady(); });
    socket.on('error', () => resolveReady());
  });
  state.closed = new Promise((resolveClosed) => {
    socket.on('data', (chunk) => { state.answer += chunk.toString(); });
    socket.on('close', () => { state.closedByServer = !state.destroyedByUs; resolveClosed(); });
  });
  state.destroy = () => { state.destroyedByUs = true; socket.destroy(); };
  return state;
}

async function metric(server, name) {
  const text = await (await fetch(server.url('/metrics'))).text();
  const found = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  return found ? Number(found[1]) : null;
}

test('1 500 connections dribbling headers from one address do not stop other clients', async () => {
  const server = await startServer({
    env: accountsEnv({ Server__MaxConnectionsPerClient: '2000', Server__HeaderTimeoutSeconds: '60' }),
  });
  const slow = [];
  let timer = null;
  try {
    const { accessToken } = await login(server, ROOT.username, ROOT.password);
    for (let i = 0; i < 1500; i++) slow.push(holdConnection(server.port, 'GET /healthz HTTP/1.1\r\n'));
    await Promise.all(slow.map((connection) => connection.ready));
    assert.equal(slow.filter((connection) => connection.connected).length, 1500);
    // Keep dribbling one header line every 2 s on every slow connection.
    timer = setInterval(() => {
      for (const connection of slow) if (!connection.socket.destroyed) connection.socket.write('X-Slow: 1\r\n');
    }, 2000);
    let answered = 0;
    for (let round = 0; round < 8; round++) {
      const health = await requestFrom(server, '127.0.0.2', 'GET', '/healthz');
      const users = await requestFrom(server, '127.0.0.2', 'GET', '/api/v1/users', { token: accessToken });
      if (health.status === 200 && users.status === 200) answered++;
      await sleep(500);
    }
    assert.equal(answered, 8, 'every round of /healthz and the signed-in list was answered');
    assert.equal(slow.filter((connection) => connection.closedByServer).length, 0,
      'all 1 500 slow connections were still held open by the server');
    assert.ok((await metric(server, 'nekohub_http_connections_open')) >= 1500);
  } finally {
    clearInterval(timer);
    for (const connection of slow) connection.destroy();
    await server.stop();
    server.cleanup();
  }
});

test('a header trickled one byte every 2 s is closed at the header deadline', async () => {
  const server = await startServer({ env: { Server__HeaderTimeoutSeconds: '3' } });
  try {
    const connection = holdConnection(server.port, 'G');
    await connection.ready;
    const rest = 'ET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaa';
    let sent = 1;
    let closed = false;
    connection.closed.then(() => { closed = true; });
    // 20 bytes at one every 2 s: 40 s, well past the 3 s deadline and short of the 60 s idle
    // timeout that each byte used to reset.
    while (!closed && sent < 21) {
      await sleep(2000);
      if (!closed) { connection.socket.write(rest[sent - 1]); sent++; }
    }
    assert.ok(closed, 'the server closed the connection before the header was complete');
    assert.ok(connection.closedByServer);
    assert.equal(connection.answer, '', 'no reply to an incomplete request');
    assert.ok(sent < 21);
    assert.ok((await metric(server, 'nekohub_http_connections_closed_total\\{reason="header_timeout"\\}')) >= 1);
    assert.equal((await server.request('GET', '/healthz')).status, 200);
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('a request body that stops moving is closed at the body-stall deadline', async () => {
  const server = await startServer({ env: { Server__BodyStallSeconds: '2' } });
  try {
    const head = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
      + 'Content-Length: 4000\r\n\r\n{"username":';
    const connection = holdConnection(server.port, head);
    await connection.ready;
    let closed = false;
    connection.closed.then(() => { closed = true; });
    // A byte every second: far below the body's minimum progress, never idle for the 60 s
    // idle timeout.
    let sent = 0;
    while (!closed && sent < 30) {
      await sleep(1000);
      if (!closed) { connection.socket.write(' '); sent++; }
    }
    assert.ok(closed, 'the server closed the stalled upload');
    assert.ok(connection.closedByServer);
    assert.ok((await metric(server, 'nekohub_http_connections_closed_total\\{reason="body_stall"\\}')) >= 1);
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('by default one client address may hold 64 connections; others are not affected', async () => {
  const server = await startServer();
  const held = [];
  try {
    for (let i = 0; i < 64; i++) held.push(holdConnection(server.port, 'GET /healthz HTTP/1.1\r\n'));
    await Promise.all(held.map((connection) => connection.ready));
    await sleep(300); // let the server accept them all
    const extra = holdConnection(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const outcome = await Promise.race([extra.closed.then(() => 'closed'), sleep(5000).then(() => 'open')]);
    assert.equal(outcome, 'closed', 'the 65th connection from the same address is refused');
    assert.equal(extra.answer, '');
    assert.equal(held.filter((connection) => connection.closedByServer).length, 0);
    const other = await requestFrom(server, '127.0.0.2', 'GET', '/healthz');
    assert.equal(other.status, 200, 'another client address is served');
    held.pop().destroy();
    let again = null;
    for (let attempt = 0; attempt < 50 && !(again && again.status === 200); attempt++) {
      again = await requestFrom(server, '127.0.0.1', 'GET', '/healthz').catch(() => null);
      if (!again) await sleep(100);
    }
    assert.equal(again && again.status, 200, 'a freed slot can be used again');
    extra.destroy();
  } finally {
    for (const connection of held) connection.destroy();
    await server.stop();
    server.cleanup();
  }
});
