// review-s3-answers.test.js - what an S3 endpoint answers must not leak into our answers or
// logs: an error body that quotes the access key or the secret key (a misbehaving or hostile
// S3-compatible server) is redacted in the upload's error and in the server log, and a
// Retry-After too large for an int still gives our caller a sane Retry-After (1..3600 s)
// instead of none. A small fake S3 endpoint on loopback answers every request as the test says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY } from './lib/accounts.js';
import { png } from './lib/images.js';
import { upload, expectError } from './lib/assets.js';

const ACCESS_KEY = 'AKIAREVIEWLEAK0001';
const SECRET_KEY = 'review-secret-key-do-not-echo';
let fake;
let answer = () => ({ status: 500, headers: {}, body: '' });

before(async () => {
  fake = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const { status, headers, body } = answer(request);
      response.writeHead(status, { 'Content-Type': 'application/xml', ...headers });
      response.end(body);
    });
  });
  await new Promise((resolve) => fake.listen(0, '127.0.0.1', resolve));
});
after(async () => { await new Promise((resolve) => fake.close(resolve)); });

const env = () => ({
  Processing__Workers: '0', // the fake S3 answers only what these tests stage
  Storage__Provider: 's3',
  Storage__S3__Endpoint: `http://127.0.0.1:${fake.address().port}`,
  Storage__S3__Bucket: 'review-bucket',
  Storage__S3__Region: 'us-east-1',
  Storage__S3__AccessKey: ACCESS_KEY,
  Storage__S3__SecretKey: SECRET_KEY,
  Storage__S3__ForcePathStyle: 'true',
  Storage__Remote__MaxAttempts: '2',
  Storage__Remote__RetryBaseDelayMs: '10',
});

async function withServer(body) {
  const server = await startServer({ env: accountsEnv(env(), { machineKeys: true }) });
  try {
    await body(server);
  } finally {
    await server.stop();
    server.cleanup();
  }
}

const image = { data: png(20, 10, { seed: 7 }), filename: 'leak.png', contentType: 'image/png' };

test('an S3 error body quoting the credentials is redacted in the answer and the log', async () => {
  answer = () => ({ status: 400, headers: {}, body: '<?xml version="1.0"?><Error><Code>InvalidArgument</Code>'
    + `<Message>Credential ${ACCESS_KEY} with secret ${SECRET_KEY} is not valid here</Message></Error>` });
  await withServer(async (server) => {
    const response = await upload(server, MACHINE_KEY, { file: image });
    assert.ok(response.status >= 500, response.text);
    assert.match(response.text, /InvalidArgument/, 'the S3 error code is still reported');
    assert.ok(!response.text.includes(ACCESS_KEY), `access key in the answer: ${response.text}`);
    assert.ok(!response.text.includes(SECRET_KEY), `secret key in the answer: ${response.text}`);
    const log = server.stderrText;
    assert.ok(!log.includes(SECRET_KEY) && !log.includes(ACCESS_KEY), 'a credential in the log');
  });
});

test('a Retry-After beyond an int still gives our caller a Retry-After of 1..3600 s', async () => {
  answer = () => ({ status: 503, headers: { 'Retry-After': '4294967296' },
    body: '<Error><Code>SlowDown</Code><Message>busy</Message></Error>' });
  await withServer(async (server) => {
    const response = await upload(server, MACHINE_KEY, { file: image });
    expectError(response, 503, 'storage_provider_unavailable');
    const retryAfter = Number(response.headers.get?.('retry-after') ?? response.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After: ${retryAfter}`);
  });
});
