// fake-openai.js - a small, STRICT stand-in for an OpenAI-compatible chat completions endpoint
// with vision (spec processing.md §11 with issue 12's corrections), listening on 127.0.0.1.
//
// Every request is recorded (`requests`: path, headers, parsed body, stream or not, the answer
// it got, and the violation when one was found). A request that breaks the contract is
// answered 400 (401 for the credentials, 404 for the path) and its violation recorded in
// `violations`, so a test proves what NekoHub sends:
//   - POST to exactly `${prefix}/chat/completions` (prefix '/v1' unless told otherwise);
//   - `Authorization: Bearer <apiKey>`; `Content-Type: application/json; charset=utf-8`;
//     `Accept: application/json` (plain) or `application/json, text/event-stream` (stream);
//   - a body of exactly §11.3: {model, response_format:{type:"json_object"}, messages:[system
//     {role, content: non-blank trimmed text}, user {role, content:[{type:"text", text},
//     {type:"image_url", image_url:{url}}]}]}, "stream": true only on the fallback request,
//     nothing else (no temperature, max_tokens, detail); model equal to the one configured;
//     the user text asks for caption, altText and tags;
//   - the image a data URL `data:image/png;base64,…` or `data:image/webp;base64,…` whose
//     bytes (at most 1 MiB) are a real PNG (signature, IHDR with its CRC, IEND) or WebP (RIFF
//     size, WEBP, a VP8/VP8L/VP8X chunk) of the type named.
//
// Answers are scripted: `script(...answers)` queues answers taken one per request in order;
// when the queue is empty `defaultAnswer` answers. An answer:
//   { content: '...' }                 plain string content (a standard completion)
//   { parts: [...] }                   array content (strings and {type:'text', text} items)
//   { object: {...} }                  object content ({text} / {text:{value}} / {content})
//   { empty: true }                    a completion whose content is '' (forces the fallback)
//   { sse: ['frag', ' ', ...], hold }  server-sent events: one delta per fragment, then
//                                      [DONE]; hold keeps the connection open after [DONE]
//   { status: 429, retryAfter, message } an error status with {"error":{"message"}}
//   { stall: true }                    headers and half a body, then nothing (until closed)
//   { echoCredentials: true }          401 whose error message quotes the Authorization
//                                      header and the key (tests of sanitizing)
// and may carry `delayMs` (wait before answering) and `model` (the model reported; default
// the configured one). `hold()` makes every answer wait (after the checks) until `release()`. `inFlight` / `maxInFlight` count the requests being answered at once. caption({caption, altText, tags}) builds the JSON text of a caption.
import http from 'node:http';
import { buffer as readBody } from 'node:stream/consumers';
import { crc32 } from './images.js';

export const FAKE_MODEL = 'vision-test-1';
export const FAKE_KEY = 'sk-fake-0123456789abcdefABCDEF_key';
const IMAGE_LIMIT = 1024 * 1024;
const TOP_MEMBERS = ['messages', 'model', 'response_format'];

export function caption(fields) {
  return JSON.stringify(fields);
}

// Is bytes a real PNG: signature, an IHDR of a non-empty image with a good CRC, an IEND?
function isPng(bytes) {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 45 || !bytes.subarray(0, 8).equals(signature)) return false;
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') return false;
  if (crc32(bytes.subarray(12, 29)) !== bytes.readUInt32BE(29)) return false;
  if (bytes.readUInt32BE(16) === 0 || bytes.readUInt32BE(20) === 0) return false;
  return bytes.toString('latin1', bytes.length - 8, bytes.length - 4) === 'IEND';
}

// Is bytes a real WebP: RIFF with the right size, WEBP, a VP8 / VP8L / VP8X first chunk?
function isWebp(bytes) {
  if (bytes.length < 20 || bytes.toString('latin1', 0, 4) !== 'RIFF') return false;
  if (bytes.readUInt32LE(4) + 8 !== bytes.length || bytes.toString('latin1', 8, 12) !== 'WEBP') return false;
  return ['VP8 ', 'VP8L', 'VP8X'].includes(bytes.toString('latin1', 12, 16));
}

// What is wrong with a chat completions body (null when nothing is).
export function bodyViolation(body, { model, stream }) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the body is not a JSON object';
  const expected = stream ? [...TOP_MEMBERS, 'stream'].sort() : TOP_MEMBERS;
  const members = Object.keys(body).sort();
  if (JSON.stringify(members) !== JSON.stringify(expected)) return `members ${members.join(',')}`;
  if (stream && body.stream !== true) return 'stream must be true';
  if (body.model !== model) return `model ${JSON.stringify(body.model)}`;
  if (JSON.stringify(body.response_format) !== '{"type":"json_object"}') return 'response_format';
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length !== 2) return 'messages must be two';
  const [system, user] = messages;
  if (JSON.stringify(Object.keys(system).sort()) !== '["content","role"]' || system.role !== 'system'
    || typeof system.content !== 'string' || !system.content.trim() || system.content !== system.content.trim()) {
    return 'the system message';
  }
  if (JSON.stringify(Object.keys(user).sort()) !== '["content","role"]' || user.role !== 'user'
    || !Array.isArray(user.content) || user.content.length !== 2) return 'the user message';
  const [text, image] = user.content;
  if (JSON.stringify(text) !== JSON.stringify({ type: 'text', text: text.text }) || typeof text.text !== 'string'
    || text.text !== text.text.trim() || !/caption/.test(text.text) || !/altText/.test(text.text)
    || !/tags/.test(text.text)) return 'the user text';
  if (JSON.stringify(Object.keys(image)) !== '["type","image_url"]' || image.type !== 'image_url'
    || !image.image_url || JSON.stringify(Object.keys(image.image_url)) !== '["url"]') return 'the image_url part';
  return imageViolation(image.image_url.url);
}

function imageViolation(url) {
  const match = typeof url === 'string' && url.match(/^data:(image\/png|image\/webp);base64,([A-Za-z0-9+/]*={0,2})$/);
  if (!match) return 'the image is not a PNG or WebP base64 data URL';
  const bytes = Buffer.from(match[2], 'base64');
  if (bytes.toString('base64') !== match[2]) return 'the image base64 is not canonical';
  if (bytes.length > IMAGE_LIMIT) return `the image is ${bytes.length} bytes (over 1 MiB)`;
  if (match[1] === 'image/png' ? !isPng(bytes) : !isWebp(bytes)) return `the image is not a real ${match[1]}`;
  return null;
}

function sendJson(response, status, body, headers = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

const sleep = (ms) => new Promise((resolveSleep) => { setTimeout(resolveSleep, ms); });

export class FakeOpenAI {
  constructor({ apiKey = FAKE_KEY, model = FAKE_MODEL, prefix = '/v1' } = {}) {
    Object.assign(this, { apiKey, model, prefix });
    this.requests = [];
    this.violations = [];
    this.queue = [];
    this.defaultAnswer = { content: caption({ caption: 'A calm test image.', altText: 'Test image', tags: ['test'] }) };
    this.sockets = new Set();
    this.inFlight = 0; // requests being answered now
    this.maxInFlight = 0; // the most at once since the last reset
  }

  async start() {
    this.server = http.createServer((req, res) => { this.handle(req, res).catch(() => res.destroy()); });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise((resolveListen) => { this.server.listen(0, '127.0.0.1', resolveListen); });
    this.port = this.server.address().port;
    this.origin = `http://127.0.0.1:${this.port}`;
    this.baseUrl = `${this.origin}${this.prefix}`;
    return this;
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolveClose) => { this.server.close(() => resolveClose()); });
  }

  script(...answers) { this.queue.push(...answers); }

  // Keep every answer waiting until release() (requests are still checked and recorded).
  hold() { this.gate = new Promise((open) => { this.openGate = open; }); }

  release() { this.openGate?.(); this.gate = null; }

  reset() { this.requests = []; this.violations = []; this.queue = []; this.maxInFlight = this.inFlight; }

  // Requests that got past the checks (the model was asked).
  get accepted() { return this.requests.filter((entry) => !entry.violation); }

  refuse(response, entry, status, violation, message = violation) {
    entry.violation = violation;
    this.violations.push(`${entry.path}: ${violation}`);
    sendJson(response, status, { error: { message, type: 'invalid_request_error' } });
  }

  async handle(request, response) {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let counted = true;
    const done = () => { if (counted) { counted = false; this.inFlight -= 1; } };
    response.on('finish', done);
    response.on('close', done);
    const raw = await readBody(request);
    const entry = { method: request.method, path: request.url, headers: request.headers, at: Date.now() };
    this.requests.push(entry);
    if (request.method !== 'POST' || request.url !== `${this.prefix}/chat/completions`) {
      return this.refuse(response, entry, 404, `unexpected ${request.method} ${request.url}`);
    }
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) {
      return this.refuse(response, entry, 401, 'wrong Authorization', 'Incorrect API key provided.');
    }
    if (request.headers['content-type'] !== 'application/json; charset=utf-8') {
      return this.refuse(response, entry, 400, `Content-Type ${request.headers['content-type']}`);
    }
    try { entry.body = JSON.parse(raw.toString('utf8')); } catch { return this.refuse(response, entry, 400, 'body not JSON'); }
    entry.stream = entry.body && entry.body.stream === true;
    const accept = entry.stream ? 'application/json, text/event-stream' : 'application/json';
    if (request.headers.accept !== accept) return this.refuse(response, entry, 400, `Accept ${request.headers.accept}`);
    const violation = bodyViolation(entry.body, { model: this.model, stream: entry.stream });
    if (violation) return this.refuse(response, entry, 400, violation);
    const answer = this.queue.length ? this.queue.shift() : this.defaultAnswer;
    entry.answer = answer;
    if (this.gate) await this.gate;
    if (answer.delayMs) await sleep(answer.delayMs);
    return this.answer(request, response, answer);
  }

  completion(answer, content) {
    return { id: 'chatcmpl-fake', object: 'chat.completion', created: 1, model: answer.model || this.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] };
  }

  answer(request, response, answer) {
    if (answer.status) {
      const headers = answer.retryAfter !== undefined ? { 'Retry-After': String(answer.retryAfter) } : {};
      return sendJson(response, answer.status, { error: { message: answer.message || `status ${answer.status}` } }, headers);
    }
    if (answer.echoCredentials) {
      return sendJson(response, 401, { error: { message: `Key ${this.apiKey} refused (header: ${request.headers.authorization})` } });
    }
    if (answer.stall) {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write('{"id":"chatcmpl-stall","choices":[');
      return undefined; // never ends: the client's deadline must
    }
    if (answer.sse) return this.stream(response, answer);
    if (answer.empty) return sendJson(response, 200, this.completion(answer, ''));
    if (answer.parts) return sendJson(response, 200, this.completion(answer, answer.parts));
    if (answer.object) return sendJson(response, 200, this.completion(answer, answer.object));
    return sendJson(response, 200, this.completion(answer, answer.content));
  }

  stream(response, answer) {
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    response.write(': a comment line the client ignores\n\n');
    for (const fragment of answer.sse) {
      const event = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', model: answer.model || this.model,
        choices: [{ index: 0, delta: { content: fragment, reasoning_content: 'ignored' } }] };
      response.write(`data: ${JSON.stringify(event)}\n\n`);
    }
    response.write('data: [DONE]\n\n');
    if (!answer.hold) response.end();
  }
}
