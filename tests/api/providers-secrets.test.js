// providers-secrets.test.js - sealed profile secrets: never in a response, never in clear text
// in the database (the SQLite file and its WAL, the PostgreSQL table and the audit log), key
// rotation with Security__PreviousSecretKeys__0 and `nekohub secrets reseal` (uploads through an
// S3 profile on s3rver keep working at each step), a sealed value moved to another row not
// opening, and a lost key giving a clear error that names the profile.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NekoHub, runCommand, expectError, databaseKind } from './lib/server.js';
import { accountsEnv, ROOT, login, runSql } from './lib/accounts.js';
import { png } from './lib/images.js';
import { upload } from './lib/assets.js';
import { startS3, S3_ACCESS_KEY, S3_SECRET_KEY } from './lib/s3.js';

const BASE = '/api/v1/system/storage/providers';
const KEY_1 = randomBytes(32).toString('hex');
const KEY_2 = randomBytes(32).toString('hex');
const KEY_3 = randomBytes(32).toString('hex');
const ACCESS_KEY = `AKIA${randomBytes(6).toString('hex').toUpperCase()}`;
const SECRET_KEY = `s3-secret-${randomBytes(12).toString('hex')}`;
const TOKEN = `ghp_${randomBytes(12).toString('hex')}`;

const servers = [];
let s3server;
after(async () => {
  for (const server of servers) {
    await server.stop('SIGTERM', { allowFailure: true });
    server.cleanup();
  }
  await s3server?.stop();
});

// An upload through the S3 profile (s3rver): its sealed secret must open for this to work.
async function uploadThrough(server, token, profileId, seed) {
  return upload(server, token, { file: { data: png(5, 4, { seed }) }, fields: { storageProviderProfileId: profileId } });
}

async function start(server, env) {
  server.extraEnv = accountsEnv(env);
  await server.start();
  return (await login(server, ROOT.username, ROOT.password)).accessToken;
}

// Every place the database keeps bytes, as one string (latin1 keeps every byte).
function databaseText(server) {
  if (databaseKind === 'postgres') {
    return runSql(server, 'SELECT * FROM storage_provider_profiles') + runSql(server, 'SELECT * FROM audit_log');
  }
  let text = '';
  for (const name of ['nekohub.db', 'nekohub.db-wal', 'nekohub.db-shm']) {
    const path = join(server.dataDir, name);
    if (existsSync(path)) text += readFileSync(path).toString('latin1');
  }
  return text;
}

test('secrets never leave the server and are sealed at rest; rotation, reseal and a lost key', async () => {
  const server = new NekoHub();
  servers.push(server);
  s3server = await startS3();
  let token = await start(server, { Security__SecretKey: KEY_1 });
  const request = (method, path, json) => server.request(method, path, { json, token });
  const bucket = await request('POST', BASE, {
    name: 'sealed-bucket', providerType: 's3-compatible',
    configuration: { endpoint: s3server.endpoint, bucket: s3server.bucket, region: 'us-east-1' },
    secretConfiguration: { accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY },
  });
  assert.equal(bucket.status, 201, bucket.text);
  assert.equal((await uploadThrough(server, token, bucket.body.data.id, 1)).status, 202);

  const s3 = await request('POST', BASE, {
    name: 'sealed-s3', providerType: 's3-compatible',
    configuration: { endpoint: 'http://127.0.0.1:9', bucket: 'b', region: 'us-east-1' },
    secretConfiguration: { accessKey: ACCESS_KEY, secretKey: SECRET_KEY },
  });
  assert.equal(s3.status, 201, s3.text);
  const gh = await request('POST', BASE, {
    name: 'sealed-gh', providerType: 'github-repo',
    configuration: { owner: 'o', repo: 'r', ref: 'main', visibilityPolicy: 'private-token' },
    secretConfiguration: { token: TOKEN },
  });
  assert.equal(gh.status, 201, gh.text);
  const responses = [s3, gh, await request('GET', BASE),
    await request('PATCH', `${BASE}/${s3.body.data.id}`, { displayName: 'Sealed' }),
    await request('POST', `${BASE}/${s3.body.data.id}/test`),
    await request('GET', '/api/v1/audit-log?pageSize=200')];
  for (const response of responses) {
    assert.ok(response.status < 300, response.text);
    for (const secret of [ACCESS_KEY, SECRET_KEY, TOKEN]) {
      assert.ok(!response.text.includes(secret), `a response contains a secret: ${response.text}`);
    }
  }
  const overviewText = responses[2].text;
  assert.ok(!overviewText.includes('"accessKey":') && !overviewText.includes('"secretKey":')
    && !overviewText.includes('"token":'), 'no secret keys in the overview');
  assert.deepEqual(s3.body.data.secretFieldsSet, ['accessKey', 'secretKey']);
  assert.deepEqual(gh.body.data.secretFieldsSet, ['token']);

  await server.stop();
  const stored = databaseText(server);
  for (const secret of [ACCESS_KEY, SECRET_KEY, TOKEN]) {
    assert.ok(!stored.includes(secret), `the database holds ${secret.slice(0, 6)}... in clear text`);
  }
  assert.ok(stored.includes('nhsb1:'), 'the sealed form is stored');

  // rotation: the new key seals, the previous one still opens
  token = await start(server, { Security__SecretKey: KEY_2, Security__PreviousSecretKeys__0: KEY_1 });
  let patch = await request('PATCH', `${BASE}/${s3.body.data.id}`, { displayName: 'Rotated' });
  assert.equal(patch.status, 200, `the secret opens with the previous key: ${patch.text}`);
  assert.equal((await request('PATCH', `${BASE}/${gh.body.data.id}`, { displayName: 'Rotated' })).status, 200);
  await server.stop();

  token = await start(server, { Security__SecretKey: KEY_2, Security__PreviousSecretKeys__0: KEY_1 });
  assert.equal((await uploadThrough(server, token, bucket.body.data.id, 2)).status, 202,
    'uploads through the S3 profile work during the rotation');
  await server.stop();
  const reseal = await runCommand(['secrets', 'reseal', '--data-dir', server.dataDir], {
    env: { ...server.databaseEnv, Security__SecretKey: KEY_2, Security__PreviousSecretKeys__0: KEY_1 },
  });
  assert.equal(reseal.code, 0, reseal.stderr);
  assert.match(reseal.stdout, /resealed 3 secrets/);

  // without the previous key: still works
  token = await start(server, { Security__SecretKey: KEY_2 });
  patch = await request('PATCH', `${BASE}/${s3.body.data.id}`, { displayName: 'Resealed' });
  assert.equal(patch.status, 200, patch.text);
  assert.equal((await uploadThrough(server, token, bucket.body.data.id, 3)).status, 202,
    'uploads work with the new key alone after the reseal');
  await server.stop();

  // a sealed value copied to another row does not open there (the id is associated data)
  runSql(server, `UPDATE storage_provider_profiles SET secret_sealed = (SELECT secret_sealed FROM
    storage_provider_profiles WHERE id = '${s3.body.data.id}') WHERE id = '${bucket.body.data.id}'`);
  token = await start(server, { Security__SecretKey: KEY_2 });
  const moved = await uploadThrough(server, token, bucket.body.data.id, 4);
  assert.ok(expectError(assert, moved, 503, 'storage_provider_profile_secret_unreadable').message
    .includes('sealed-bucket'));
  assert.equal((await request('PATCH', `${BASE}/${bucket.body.data.id}`, {
    secretConfiguration: { accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY } })).status, 200);
  assert.equal((await uploadThrough(server, token, bucket.body.data.id, 5)).status, 202);
  await server.stop();

  // a lost key: a clear error naming the profile, for changes and for uploads to it
  const lost = await runCommand(['secrets', 'reseal', '--data-dir', server.dataDir], {
    env: { ...server.databaseEnv, Security__SecretKey: KEY_3 },
  });
  assert.equal(lost.code, 1);
  assert.match(lost.stderr, /sealed-(s3|gh|bucket)/);
  token = await start(server, { Security__SecretKey: KEY_3 });
  const broken = await request('PATCH', `${BASE}/${s3.body.data.id}`, { displayName: 'Lost' });
  const error = expectError(assert, broken, 503, 'storage_provider_profile_secret_unreadable');
  assert.ok(error.message.includes('sealed-s3'), error.message);
  const browse = await request('GET', `${BASE}/${gh.body.data.id}/github-repo/browse`);
  const lostUpload = await uploadThrough(server, token, bucket.body.data.id, 6);
  assert.ok(expectError(assert, lostUpload, 503, 'storage_provider_profile_secret_unreadable').message
    .includes('sealed-bucket'));
  const lostTest = (await request('POST', `${BASE}/${bucket.body.data.id}/test`)).body.data;
  assert.equal(lostTest.succeeded, false);
  assert.equal(lostTest.steps[0].errorCode, 'storage_provider_profile_secret_unreadable');
  assert.ok(expectError(assert, browse, 503, 'storage_provider_profile_secret_unreadable').message.includes('sealed-gh'));
  // the overview still answers (it never opens secrets)
  assert.equal((await request('GET', BASE)).status, 200);
  // replacing the secret repairs the profile
  const repaired = await request('PATCH', `${BASE}/${s3.body.data.id}`, {
    secretConfiguration: { accessKey: ACCESS_KEY, secretKey: SECRET_KEY } });
  assert.equal(repaired.status, 200, repaired.text);
  assert.equal((await request('PATCH', `${BASE}/${s3.body.data.id}`, { displayName: 'Repaired' })).status, 200);
  await server.stop();
});

test('nekohub secrets: reseal on a fresh database, unknown subcommands refused', async () => {
  const server = new NekoHub();
  servers.push(server);
  await start(server, { Security__SecretKey: KEY_1 });
  await server.stop();
  const env = { ...server.databaseEnv, Security__SecretKey: KEY_1 };
  const fresh = await runCommand(['secrets', 'reseal', '--data-dir', server.dataDir], { env });
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.match(fresh.stdout, /resealed 0 secrets/);
  for (const args of [['secrets'], ['secrets', 'rotate']]) {
    const refused = await runCommand([...args, '--data-dir', server.dataDir], { env });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /secrets reseal/);
  }
  const badKey = await runCommand(['secrets', 'reseal', '--data-dir', server.dataDir],
    { env: { ...env, Security__PreviousSecretKeys__0: 'not-hex' } });
  assert.notEqual(badKey.code, 0);
  assert.match(badKey.stderr, /Security__PreviousSecretKeys/);
});
