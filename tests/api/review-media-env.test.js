// review-media-env.test.js - the sandboxed media worker (the process that parses untrusted
// images) does not inherit the server's secrets: its environment (read from
// /proc/<worker>/environ) has none of Security__SecretKey, the S3 secret key, the GitHub token
// or any other Security__/Storage__/Database__ setting, and the worker still probes uploads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY } from './lib/accounts.js';
import { workerPids as listWorkers } from './lib/media-workers.js';
import { png } from './lib/images.js';
import { uploadOk } from './lib/assets.js';

const SECRET_KEY = randomBytes(32).toString('hex');
const S3_SECRET = `review-s3-secret-${randomBytes(8).toString('hex')}`;
const GITHUB_TOKEN = `ghp_review_${randomBytes(8).toString('hex')}`;
let server;

before(async () => {
  server = await startServer({
    env: accountsEnv({
      Processing__MediaWorkers: '1',
      Security__SecretKey: SECRET_KEY,
      // read by the configuration, unused without an endpoint / owner
      Storage__S3__SecretKey: S3_SECRET,
      Storage__GitHubRepo__Token: GITHUB_TOKEN,
    }, { machineKeys: true }),
  });
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

const workerPids = () => listWorkers(server);

test('the media worker inherits none of the server secrets and still probes images', async () => {
  const asset = await uploadOk(server, MACHINE_KEY, { file: { data: png(6, 4, { seed: 3 }), filename: 'env.png' } });
  assert.equal(asset.width, 6);
  const [worker] = workerPids();
  assert.ok(worker, 'a media worker runs');
  const variables = readFileSync(`/proc/${worker}/environ`, 'latin1').split('\0').filter(Boolean);
  assert.ok(variables.some((variable) => variable.startsWith('PATH=')), 'the worker environment was read');
  const text = variables.join('\n');
  for (const secret of [SECRET_KEY, S3_SECRET, GITHUB_TOKEN]) {
    assert.ok(!text.includes(secret), 'a secret value is in the worker environment');
  }
  const names = variables.map((variable) => variable.split('=')[0]);
  assert.deepEqual(names.filter((name) => /^(Security|Storage|Database|Jwt|Auth)__/i.test(name)), []);
});
