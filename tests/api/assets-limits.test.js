// assets-limits.test.js - limits enforced as bytes arrive: a file exactly at
// Api__Assets__MaxUploadSizeBytes is taken and one byte more is not, an oversized stream is
// refused without being kept, a declared huge body is refused before it is sent, an upload
// cut off by the client leaves no temporary file, and the pixel limit refuses an image from
// its header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY } from './lib/accounts.js';
import { png, pngBomb } from './lib/images.js';
import { upload, uploadOk, rawRequest, expectError } from './lib/assets.js';

let server;
const key = MACHINE_KEY;
const limitImage = png(20, 20, { seed: 20 }); // 400 pixels: exactly the pixel limit too
const sleep = (ms) => new Promise((resolveSleep) => { setTimeout(resolveSleep, ms); });

function tempFiles() {
  const dir = join(server.dataDir, 'tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function total() {
  const response = await server.request('GET', '/api/v1/assets', { token: key });
  return response.body.data.total;
}

before(async () => {
  server = await startServer({
    env: accountsEnv({
      Api__Assets__MaxUploadSizeBytes: String(limitImage.length),
      Api__Assets__MaxImagePixels: '400',
      Processing__Workers: '0', // temp files and rows are the uploads' only: no processing jobs run
    }, { machineKeys: true }),
  });
});

after(async () => {
  await server.stop();
  server.cleanup();
});

test('a file exactly at the size limit is taken, one byte more is refused', async () => {
  const asset = await uploadOk(server, key, { file: { data: limitImage, filename: 'limit.png' } });
  assert.equal(asset.size, limitImage.length);
  const over = Buffer.concat([limitImage, Buffer.from([0])]);
  expectError(await upload(server, key, { file: { data: over, filename: 'over.png' } }), 400, 'asset_file_too_large');
  assert.equal(await total(), 1);
  assert.deepEqual(tempFiles(), []);
});

test('the pixel limit is checked from the header, before any decoding', async () => {
  expectError(await upload(server, key, { file: { data: pngBomb(21, 20), filename: 'wide.png' } }),
    400, 'asset_image_too_large');
  expectError(await upload(server, key, { file: { data: pngBomb(20000, 20000), filename: 'bomb.png' } }),
    400, 'asset_image_too_large');
  assert.equal(await total(), 1);
});

test('an oversized streamed upload is refused as it arrives and nothing is kept', async () => {
  const boundary = 'streamboundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n`
    + 'Content-Type: image/png\r\n\r\n');
  const chunk = Buffer.alloc(256 * 1024, 0x41);
  const response = await rawRequest(server, {
    path: '/api/v1/assets',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    write: async (request) => {
      request.write(head);
      for (let i = 0; i < 32; i++) { // 8 MiB, chunked: the server cannot know the size up front
        if (!request.write(chunk)) await new Promise((resolveDrain) => request.once('drain', resolveDrain));
      }
      request.end(`\r\n--${boundary}--\r\n`);
    },
  });
  assert.equal(response.status, 400, JSON.stringify(response));
  assert.equal(response.body.error.code, 'asset_file_too_large');
  assert.deepEqual(tempFiles(), []);
  assert.equal(await total(), 1);
});

// The body is never sent: an answer at all proves the server refused without reading it.
test('a body declared larger than the limit is refused before it is sent', async () => {
  const response = await rawRequest(server, {
    path: '/api/v1/assets',
    headers: {
      Authorization: `Bearer ${key}`, 'Content-Type': 'multipart/form-data; boundary=x',
      'Content-Length': String(1024 * 1024 * 1024),
    },
    write: (request) => { request.flushHeaders(); },
  });
  assert.equal(response.status, 413, JSON.stringify(response));
  assert.equal(response.body.error.code, 'request_body_too_large');
});

test('an upload abandoned by the client leaves no temporary file', async () => {
  const boundary = 'abandoned';
  const result = await rawRequest(server, {
    path: '/api/v1/assets',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    write: async (request) => {
      request.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n`);
      request.write(limitImage.subarray(0, 100));
      await sleep(200);
      assert.equal(tempFiles().length, 1, 'the upload streams to a temporary file');
      request.destroy();
    },
  });
  assert.ok(result.error);
  for (let i = 0; i < 50 && tempFiles().length > 0; i++) await sleep(20);
  assert.deepEqual(tempFiles(), []);
  assert.equal((await server.request('GET', '/healthz')).status, 200);
});
