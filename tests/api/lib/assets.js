// assets.js - helpers for the asset suites: a multipart/form-data body built byte by byte
// (so tests control every header and can cut it short), uploads, binary fetches, and raw
// HTTP requests for bodies fetch() cannot send (declared lengths, slow chunked streams).
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';

// Build a multipart body. parts: [{ name, filename?, contentType?, data, disposition? }].
// Returns { body: Buffer, contentType }. With `final: false` the closing boundary is left out.
export function multipartBody(parts, { boundary = `----nekohub${randomBytes(8).toString('hex')}`,
  final = true, lineEnd = '\r\n' } = {}) {
  const chunks = [];
  for (const part of parts) {
    let disposition = part.disposition;
    if (!disposition) {
      disposition = `form-data; name="${part.name}"`;
      if (part.filename !== undefined) disposition += `; filename="${part.filename}"`;
    }
    let head = `--${boundary}${lineEnd}Content-Disposition: ${disposition}${lineEnd}`;
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}${lineEnd}`;
    chunks.push(Buffer.from(`${head}${lineEnd}`, 'utf8'));
    chunks.push(Buffer.isBuffer(part.data) ? part.data : Buffer.from(String(part.data), 'utf8'));
    chunks.push(Buffer.from(lineEnd));
  }
  if (final) chunks.push(Buffer.from(`--${boundary}--${lineEnd}`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

// POST /api/v1/assets with a file part and text fields. file: { data, filename, contentType }
// (contentType null = no header). Returns the harness response.
export async function upload(server, token, { file, fields = {}, extraParts = [] } = {}) {
  const parts = [];
  for (const [name, value] of Object.entries(fields)) parts.push({ name, data: value });
  if (file) {
    parts.push({ name: 'file', filename: file.filename ?? 'image.png', data: file.data,
      contentType: file.contentType === null ? undefined : (file.contentType ?? 'image/png') });
  }
  parts.push(...extraParts);
  const { body, contentType } = multipartBody(parts);
  return server.request('POST', '/api/v1/assets', { body, token, headers: { 'Content-Type': contentType } });
}

// Upload that must succeed (202); returns the asset detail.
export async function uploadOk(server, token, options) {
  const response = await upload(server, token, options);
  assert.equal(response.status, 202, `upload: ${response.text}`);
  return response.body.data;
}

// GET (or HEAD) a path and keep the body as bytes.
export async function fetchBytes(server, path, { method = 'GET', headers = {}, token } = {}) {
  const allHeaders = { ...headers };
  if (token) allHeaders.Authorization = `Bearer ${token}`;
  const response = await fetch(server.url(path), { method, headers: allHeaders, redirect: 'manual' });
  const bytes = Buffer.from(await response.arrayBuffer());
  let body = null;
  try { body = JSON.parse(bytes.toString('utf8')); } catch { body = null; }
  return { status: response.status, headers: response.headers, bytes, body, text: bytes.toString('utf8') };
}

// The path part of an absolute URL (publicUrl → "/content/...").
export function pathOf(url) {
  return new URL(url).pathname;
}

// A raw HTTP request on its own connection: `write(request)` sends the body however the test
// wants. Resolves with { status, headers, text } or { error } when the server closed the
// connection without an answer.
export function rawRequest(server, { method = 'POST', path, headers = {}, write }) {
  return new Promise((resolveRequest) => {
    const request = http.request({ host: '127.0.0.1', port: server.port, method, path, headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => { text += chunk; });
        response.on('end', () => {
          let body = null;
          try { body = JSON.parse(text); } catch { body = null; }
          resolveRequest({ status: response.statusCode, headers: response.headers, text, body });
        });
      });
    request.on('error', (error) => resolveRequest({ error }));
    write(request);
  });
}

// The error envelope's code, with a readable failure.
export function expectError(response, status, code) {
  assert.equal(response.status, status, `status (body: ${response.text})`);
  assert.ok(response.body && response.body.error, `error envelope expected, got: ${response.text}`);
  assert.equal(response.body.error.code, code, `code (message: ${response.body.error.message})`);
  assert.equal(response.body.error.status, status);
  return response.body.error;
}
