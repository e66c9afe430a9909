// hold-connections.mjs - open COUNT keep-alive connections to 127.0.0.1:PORT, send one
// `GET PATH` on each (so the server has parsed a request and keeps the connection for the
// next), then hold them idle until SIGTERM/SIGINT. Connections come from PER_ADDRESS-sized
// groups of loopback source addresses (127.0.1.1, 127.0.1.2, ...), like many browsers, so a
// per-client connection limit does not refuse them.
//
// Prints one JSON line when every connection has its answer (or failed):
//   {"event":"ready","open":N,"failed":N,"answered":N}
// and one when stopping: {"event":"done","open":N,"closedByServer":N}.
// Usage: node hold-connections.mjs PORT [COUNT=10000] [PATH=/api/v1/system/ping] [PER_ADDRESS=50]
import net from 'node:net';

const port = Number(process.argv[2]);
const count = Number(process.argv[3] || 10000);
const path = process.argv[4] || '/api/v1/system/ping';
const perAddress = Number(process.argv[5] || 50);
const PARALLEL = 200; // connection attempts in flight at once

let open = 0;
let failed = 0;
let answered = 0;
let closedByServer = 0;
let stopping = false;
const sockets = [];

function sourceAddress(index) {
  const group = Math.floor(index / perAddress) + 1; // 1 .. 65024
  return `127.${1 + (group >> 16)}.${(group >> 8) & 255}.${group & 255 || 1}`;
}

// One connection: connect, send the request, resolve once the answer's head arrived.
function connectOne(index) {
  return new Promise((resolveOne) => {
    let settled = false;
    const settle = (ok) => {
      if (settled) return;
      settled = true;
      if (ok) answered++; else failed++;
      resolveOne();
    };
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: sourceAddress(index) });
    socket.setNoDelay(true);
    let connected = false;
    socket.on('connect', () => {
      connected = true;
      open++;
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
    });
    let head = '';
    socket.on('data', (chunk) => {
      if (settled) return;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) settle(/^HTTP\/1\.1 200/.test(head));
    });
    socket.on('error', () => settle(false));
    socket.on('close', () => {
      if (connected) {
        open--;
        if (!stopping) closedByServer++;
      }
      settle(false);
    });
    sockets.push(socket);
  });
}

async function main() {
  let next = 0;
  const workers = [];
  for (let w = 0; w < PARALLEL; w++) {
    workers.push((async () => {
      while (next < count) {
        const index = next++;
        await connectOne(index);
      }
    })());
  }
  await Promise.all(workers);
  process.stdout.write(`${JSON.stringify({ event: 'ready', open, failed, answered })}\n`);
}

function stop() {
  if (stopping) return;
  stopping = true;
  const stillOpen = open;
  for (const socket of sockets) socket.destroy();
  process.stdout.write(`${JSON.stringify({ event: 'done', open: stillOpen, closedByServer })}\n`);
  process.exit(0);
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
main();
