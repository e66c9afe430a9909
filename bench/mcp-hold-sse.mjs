// mcp-hold-sse.mjs - open COUNT legacy MCP SSE sessions (GET /mcp/sse with a Bearer key) to
// 127.0.0.1:PORT, wait until each stream delivered its endpoint event, then hold them idle
// (reading and discarding heartbeats) until SIGTERM/SIGINT. Connections come from
// PER_ADDRESS-sized groups of loopback source addresses (127.0.2.1, ...), like agents on many
// machines, so the per-client connection limit does not refuse them. Before stopping it posts
// one ping to every session and counts the replies that came back on the streams.
//
// Prints one JSON line when every session is open (or failed):
//   {"event":"ready","open":N,"failed":N}
// and one when stopping: {"event":"done","open":N,"closedByServer":N,"replies":N}.
// Usage: node mcp-hold-sse.mjs PORT KEY [COUNT=500] [PER_ADDRESS=50]
import net from 'node:net';

const port = Number(process.argv[2]);
const key = process.argv[3];
const count = Number(process.argv[4] || 500);
const perAddress = Number(process.argv[5] || 50);
const PARALLEL = 100;

let open = 0;
let failed = 0;
let closedByServer = 0;
let replies = 0;
let stopping = false;
const sessions = [];

function sourceAddress(index) {
  const group = Math.floor(index / perAddress) + 1;
  return `127.0.${2 + (group >> 8)}.${group & 255 || 1}`;
}

function openOne(index) {
  return new Promise((resolveOne) => {
    let settled = false;
    const settle = (sessionId) => {
      if (settled) return;
      settled = true;
      if (sessionId) sessions.push({ socket, sessionId, index }); else failed++;
      resolveOne();
    };
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: sourceAddress(index) });
    let connected = false;
    let text = '';
    socket.on('connect', () => {
      connected = true;
      open++;
      socket.write(`GET /mcp/sse HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${key}\r\n`
        + 'Accept: text/event-stream\r\n\r\n');
    });
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (!settled) {
        const match = /sessionId=([0-9a-f]{32})/.exec(text);
        if (match) settle(match[1]);
        else if (/^HTTP\/1\.1 [^2]/.test(text)) settle(null);
      }
      const replied = text.match(/"id":"bench-\d+"/g);
      if (replied) {
        replies += replied.length;
        text = text.slice(text.lastIndexOf('"id":"bench-') + 1);
      } else if (text.length > 65536) {
        text = text.slice(-1024);
      }
    });
    socket.on('error', () => settle(null));
    socket.on('close', () => {
      if (connected) {
        open--;
        if (!stopping) closedByServer++;
      }
      settle(null);
    });
  });
}

function post(sessionId, id) {
  return new Promise((resolvePost) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('connect', () => socket.write(`POST /mcp/message?sessionId=${sessionId} HTTP/1.1\r\n`
      + `Host: 127.0.0.1:${port}\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n`
      + `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`));
    socket.on('data', () => {});
    socket.on('error', () => resolvePost());
    socket.on('close', () => resolvePost());
  });
}

let next = 0;
async function worker() {
  while (next < count) await openOne(next++);
}
await Promise.all(Array.from({ length: PARALLEL }, worker));
console.log(JSON.stringify({ event: 'ready', open, failed }));

async function stop() {
  if (stopping) return;
  for (let i = 0; i < sessions.length; i += 20) {
    await Promise.all(sessions.slice(i, i + 20).map((s) => post(s.sessionId, `bench-${s.index}`)));
  }
  await new Promise((resolveWait) => { setTimeout(resolveWait, 500); });
  stopping = true;
  console.log(JSON.stringify({ event: 'done', open, closedByServer, replies }));
  for (const { socket } of sessions) socket.destroy();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30);
