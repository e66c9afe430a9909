// fault-proxy.js - a small HTTP proxy in front of the S3 server that injects failures, one
// planned action per request, and counts what it saw. Actions:
//   'pass'           forward the request and its answer untouched
//   '500'            read the request, answer 500 InternalError (S3's XML) without forwarding
//   '503-slowdown'   answer 503 SlowDown with Retry-After: 1
//   'reset'          read the request head, then reset the connection (no answer)
//   'stall-request'  forward the head and the first half of the body to the server, then
//                    nothing more in either direction (the client must time out)
//   'stall-response' forward the request; send the answer's head and first bytes, then hang
// After the plan runs out every request gets `fallback` (default 'pass').
import http from 'node:http';

export async function startFaultProxy({ target, fallback = 'pass' } = {}) {
  const upstream = new URL(target);
  const plan = [];
  const requests = [];
  const sockets = new Set();
  const hanging = new Set();
  const proxy = {
    fallback,
    requests, // [{ method, url, host, range (the Range header or undefined), action }]
    port: 0,
    url: '',
    // Queue actions for the next requests.
    plan(actions) { plan.push(...actions); },
    // Requests seen with this method (and path prefix), e.g. count('PUT').
    count(method, pathPrefix = '') {
      return requests.filter((r) => r.method === method && r.url.startsWith(pathPrefix)).length;
    },
    reset() { plan.length = 0; requests.length = 0; proxy.fallback = 'pass'; },
    async stop() {
      for (const request of hanging) request.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolveClose) => server.close(resolveClose));
    },
  };

  function forward(request, response, { stallRequest = false, stallResponse = false } = {}) {
    const outgoing = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: request.headers,
    }, (answer) => {
      response.writeHead(answer.statusCode, answer.headers);
      if (!stallResponse) {
        answer.pipe(response);
        return;
      }
      answer.once('data', (chunk) => {
        response.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)));
        answer.pause(); // and nothing more
      });
    });
    hanging.add(outgoing);
    outgoing.on('error', () => response.destroy());
    outgoing.on('close', () => hanging.delete(outgoing));
    response.on('close', () => { if (!response.writableFinished) outgoing.destroy(); });
    if (!stallRequest) {
      request.pipe(outgoing);
      return;
    }
    const length = Number(request.headers['content-length'] || 0);
    let sent = 0;
    request.on('data', (chunk) => {
      const room = Math.max(0, (length >> 1) - sent);
      if (room > 0) outgoing.write(chunk.subarray(0, room));
      sent += Math.min(room, chunk.length);
    });
  }

  function answerError(request, response, status, code, extraHeaders = {}) {
    request.resume();
    request.on('end', () => {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>`
        + `<Message>injected by the fault proxy</Message></Error>`;
      response.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body), ...extraHeaders });
      response.end(body);
    });
  }

  const server = http.createServer((request, response) => {
    const action = plan.length ? plan.shift() : proxy.fallback;
    requests.push({ method: request.method, url: request.url, host: request.headers.host, range: request.headers.range, action });
    switch (action) {
      case '500': return answerError(request, response, 500, 'InternalError');
      case '503-slowdown': return answerError(request, response, 503, 'SlowDown', { 'Retry-After': '1' });
      case 'reset': return request.socket.resetAndDestroy ? request.socket.resetAndDestroy() : request.socket.destroy();
      case 'stall-request': return forward(request, response, { stallRequest: true });
      case 'stall-response': return forward(request, response, { stallResponse: true });
      default: return forward(request, response);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  proxy.port = server.address().port;
  proxy.url = `http://127.0.0.1:${proxy.port}`;
  return proxy;
}
