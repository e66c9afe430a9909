// storage-github.test.js - the config-driven GitHub repository storage (Storage__Provider =
// github-repo, Storage__GitHubRepo__*) against the GitHub API stand-in (lib/github-api.js):
// uploads land in the repository on the configured branch with the client's commit message
// and the same bytes; /content gives them back (inline base64 and download_url reads); public
// URLs are raw URLs (public-only) or null (private-token); Range, ETag and 304 (answered from
// the row without asking GitHub); allowDelete false refuses deletes
// with 403 and keeps the file, true removes it; a ref with '/' works in the contents API and in
// raw URLs; GitHub's rate limits become 429 with Retry-After and its 5xx 503; a wrong token is
// 502 storage_provider_access_denied with no asset row; the token never reaches a raw URL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, NekoHub, expectError } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, runSql } from './lib/accounts.js';
import { png } from './lib/images.js';
import { upload, uploadOk, fetchBytes } from './lib/assets.js';
import { startGitHub } from './lib/github-api.js';

const key = MACHINE_KEY;
const TOKEN = 'ghp_standin_token_0123456789';

function githubEnv(github, extra = {}) {
  return accountsEnv({
    Storage__Provider: 'github-repo',
    Storage__GitHubRepo__Owner: github.owner,
    Storage__GitHubRepo__Repo: github.repo,
    Storage__GitHubRepo__Ref: 'main',
    Storage__GitHubRepo__Token: TOKEN,
    Storage__GitHubRepo__ApiBaseUrl: github.apiBaseUrl,
    Storage__GitHubRepo__RawBaseUrl: `${github.rawBaseUrl}/`,
    Storage__Remote__RetryBaseDelayMs: '5',
    Storage__Remote__MaxAttempts: '3',
    Processing__Workers: '0', // only this suite's storage traffic: no processing jobs run
    ...extra,
  }, { machineKeys: true });
}

async function assetCount(server) {
  const response = await server.request('GET', '/api/v1/assets?pageSize=1', { token: key });
  assert.equal(response.status, 200, response.text);
  return response.body.data.total;
}

function noViolations(github) {
  assert.deepEqual(github.violations, [], 'the stand-in saw a request NekoHub must never send');
}

// Every request the stand-in saw carried the headers the spec requires, and the token only on
// API calls.
function headersWereRight(github) {
  assert.ok(github.log.length > 0);
  for (const entry of github.log) {
    assert.equal(entry.headers['user-agent'], 'NekoHub/1.0', entry.url);
    assert.equal(entry.headers.accept, 'application/vnd.github+json', entry.url);
    assert.equal(entry.headers['x-github-api-version'], '2022-11-28', entry.url);
    if (entry.route.endsWith(' raw')) assert.equal(entry.authorization, null, entry.url);
    else assert.equal(entry.authorization, `Bearer ${TOKEN}`, entry.url);
  }
}

describe('public-only repository under a base path, allowDelete false', () => {
  let github;
  let server;
  before(async () => {
    github = await startGitHub({ branches: ['main', 'release/v2'], token: TOKEN, inlineLimit: 8 * 1024 });
    server = await startServer({ env: githubEnv(github, {
      Storage__GitHubRepo__BasePath: '/assets\\img/',
      Storage__GitHubRepo__AllowDelete: 'false',
    }) });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    await github?.stop();
  });

  test('an upload is committed to the branch with the message and the bytes', async () => {
    const bytes = png(40, 30, { seed: 3 });
    github.resetCounters();
    const asset = await uploadOk(server, key, {
      file: { data: bytes, filename: 'cat.png' }, fields: { commitMessage: '  add a cat  ' },
    });
    assert.equal(asset.storageProvider, 'github-repo');
    assert.equal(asset.storageProviderProfileId, null);
    assert.match(asset.storageKey, /^assets\/img\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{32}\.png$/);
    const stored = github.getFile('main', asset.storageKey);
    assert.ok(stored, `the file ${asset.storageKey} is in the repository`);
    assert.deepEqual(stored.content, bytes);
    assert.deepEqual(github.listFiles('release/v2'), []);
    const commit = github.commits.at(-1);
    assert.deepEqual({ branch: commit.branch, message: commit.message, path: commit.path, operation: commit.operation },
      { branch: 'main', message: 'add a cat', path: asset.storageKey, operation: 'create' });
    // one PUT, no read before it (a new key is created, never overwritten)
    assert.equal(github.count('PUT contents'), 1);
    assert.equal(github.count('GET contents'), 0);
    headersWereRight(github);
    noViolations(github);
  });

  test('the public URL is the raw URL of the file; /content gives the same bytes', async () => {
    const bytes = png(20, 20, { seed: 4 });
    const asset = await uploadOk(server, key, { file: { data: bytes } });
    assert.equal(asset.publicUrl, `${github.rawBaseUrl}/neko/images/main/${asset.storageKey}`);
    const raw = await fetch(asset.publicUrl);
    assert.equal(raw.status, 200);
    assert.deepEqual(Buffer.from(await raw.arrayBuffer()), bytes);

    // the protected route sends clients of a public asset to its raw URL (after checking the
    // file is there)
    github.resetCounters();
    const redirect = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(redirect.status, 307, redirect.text);
    assert.equal(redirect.headers.get('location'), asset.publicUrl);
    assert.equal(github.count('GET contents'), 1);

    github.resetCounters();
    const content = await fetchBytes(server, `/content/${asset.storageKey}`);
    assert.equal(content.status, 200, content.text);
    assert.deepEqual(content.bytes, bytes);
    assert.equal(content.headers.get('content-type'), 'image/png');
    // a token is configured: read through the contents API (inline base64), not the raw URL
    assert.equal(github.count('GET contents'), 1);
    assert.equal(github.count('GET raw'), 0);
    headersWereRight(github);
    noViolations(github);
  });

  test('a file larger than the inline limit is read from its download_url, without the token', async () => {
    const bytes = png(400, 300, { seed: 5 });
    assert.ok(bytes.length > 8 * 1024, `the image must exceed the inline limit (${bytes.length})`);
    const asset = await uploadOk(server, key, { file: { data: bytes }, fields: { isPublic: 'false' } });
    github.resetCounters();
    const content = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(content.status, 200, content.text);
    assert.deepEqual(content.bytes, bytes);
    assert.equal(github.count('GET contents'), 1);
    assert.equal(github.count('GET raw'), 1);
    headersWereRight(github);
    noViolations(github);
  });

  test('Range and conditional requests work on GitHub-stored content', async () => {
    const bytes = png(30, 30, { seed: 14 });
    const asset = await uploadOk(server, key, { file: { data: bytes }, fields: { isPublic: 'false' } });
    const path = `/api/v1/assets/${asset.id}/content`;
    const ranged = await fetchBytes(server, path, { token: key, headers: { Range: 'bytes=10-29' } });
    assert.equal(ranged.status, 206, ranged.text);
    assert.deepEqual(ranged.bytes, bytes.subarray(10, 30));
    assert.equal(ranged.headers.get('content-range'), `bytes 10-29/${bytes.length}`);
    const etag = ranged.headers.get('etag');
    assert.equal(etag, `"${asset.checksumSha256}"`);
    assert.ok(new Date(ranged.headers.get('last-modified')).getTime() > Date.parse('2020-01-01'),
      `Last-Modified from the asset row: ${ranged.headers.get('last-modified')}`);
    // revalidation is answered from the asset row: GitHub is not asked (no rate limit spent)
    github.resetCounters();
    const cached = await fetchBytes(server, path, { token: key, headers: { 'If-None-Match': etag } });
    assert.equal(cached.status, 304);
    assert.equal(github.count('GET contents') + github.count('GET raw'), 0);
    const whole = await fetchBytes(server, path, { token: key });
    assert.equal(whole.status, 200);
    assert.deepEqual(whole.bytes, bytes);
  });

  test('a delete is refused with 403 while allowDelete is false; file and asset stay', async () => {
    const asset = await uploadOk(server, key, { file: { data: png(12, 12, { seed: 6 }) } });
    github.resetCounters();
    const response = await server.request('DELETE', `/api/v1/assets/${asset.id}`, { token: key });
    const error = expectError(assert, response, 403, 'storage_provider_delete_not_allowed');
    assert.match(error.message, /allowDelete/);
    assert.ok(github.getFile('main', asset.storageKey), 'the file is still in the repository');
    assert.equal(github.count('DELETE contents'), 0);
    const detail = await server.request('GET', `/api/v1/assets/${asset.id}`, { token: key });
    assert.equal(detail.status, 200, 'the asset is still there');
  });

  test('the object of a failed upload is removed by the sweep even though deletes are refused', async () => {
    // what an upload that wrote its file but could not commit its row leaves: the intent (with
    // the key the upload proposed, without the base path) and the file in the repository
    const orphanKey = '2026/01/01/0192f0a12b3c7d4e8f90a1b2c3d4e5f6.png';
    github.putFile('main', `assets/img/${orphanKey}`, png(4, 4, { seed: 60 }));
    const old = Date.now() - 3600 * 1000;
    runSql(server, `INSERT INTO storage_pending_deletions (id, storage_provider, storage_provider_profile_id, storage_key, attempts, created_at, updated_at, reason) VALUES ('0192f0a1-2b3c-7d4e-8f90-000000000001', 'github-repo', NULL, '${orphanKey}', 0, ${old}, ${old}, 'upload')`);
    github.resetCounters();
    await server.restart(); // the sweep runs at start
    assert.equal(github.getFile('main', `assets/img/${orphanKey}`), null, 'the orphan is removed');
    assert.equal(github.count('DELETE contents'), 1);
    const commit = github.commits.at(-1);
    assert.deepEqual({ operation: commit.operation, message: commit.message },
      { operation: 'delete', message: 'Automated commit by NekoHub' });
    assert.equal(runSql(server, 'SELECT COUNT(*) FROM storage_pending_deletions').trim(), '0');
  });

  test('a missing file answers 404 through /content', async () => {
    const asset = await uploadOk(server, key, { file: { data: png(14, 14, { seed: 7 }) }, fields: { isPublic: 'false' } });
    github.deleteFile('main', asset.storageKey);
    const content = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(content.status, 404, content.text);
  });

  test('GitHub rate limits become 429 with Retry-After; nothing is stored', async () => {
    const before = await assetCount(server);
    const files = github.listFiles('main').length;
    github.rateLimit({ route: 'PUT contents', kind: 'primary', resetIn: 300 });
    let response = await upload(server, key, { file: { data: png(10, 10, { seed: 8 }) } });
    let error = expectError(assert, response, 429, 'storage_provider_rate_limited');
    const retryAfter = Number(response.headers.get('retry-after'));
    assert.ok(retryAfter >= 250 && retryAfter <= 301, // whole seconds, rounded up
      `Retry-After from X-RateLimit-Reset: ${retryAfter}`);
    assert.ok(!error.message.includes(TOKEN), 'the token GitHub echoed is redacted');
    assert.match(error.message, /API rate limit exceeded/);

    github.rateLimit({ route: 'PUT contents', kind: 'secondary', retryAfter: 90 });
    response = await upload(server, key, { file: { data: png(10, 10, { seed: 9 }) } });
    expectError(assert, response, 429, 'storage_provider_rate_limited');
    assert.equal(response.headers.get('retry-after'), '90');

    github.rateLimit({ route: 'PUT contents', kind: '429', retryAfter: 120 });
    response = await upload(server, key, { file: { data: png(10, 10, { seed: 10 }) } });
    error = expectError(assert, response, 429, 'storage_provider_rate_limited');
    assert.equal(response.headers.get('retry-after'), '120');

    assert.equal(await assetCount(server), before, 'no asset row');
    assert.equal(github.listFiles('main').length, files, 'no file');
  });

  test('a rate-limited read is 429 with Retry-After', async () => {
    const asset = await uploadOk(server, key, { file: { data: png(16, 16, { seed: 11 }) }, fields: { isPublic: 'false' } });
    github.rateLimit({ route: 'GET contents', kind: 'primary', resetIn: 200 });
    const content = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(content.status, 429, content.text);
    assert.equal(content.body.error.code, 'storage_provider_rate_limited');
    const retryAfter = Number(content.headers.get('retry-after'));
    assert.ok(retryAfter >= 150 && retryAfter <= 201, // whole seconds, rounded up
      `Retry-After: ${retryAfter}`);
    const again = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(again.status, 200, 'the next read works');
  });

  test('GitHub 5xx: reads are retried, writes are not; what is left is 503 with Retry-After', async () => {
    const asset = await uploadOk(server, key, { file: { data: png(18, 18, { seed: 12 }) }, fields: { isPublic: 'false' } });
    github.resetCounters();
    github.failNext({ route: 'GET contents', times: 1, status: 502 });
    const retried = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(retried.status, 200, 'one 502 is retried');
    assert.equal(github.count('GET contents'), 2);

    github.failNext({ route: 'GET contents', times: 3, status: 503 });
    const failed = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(failed.status, 503, failed.text);
    assert.equal(failed.body.error.code, 'storage_provider_unavailable');
    assert.ok(Number(failed.headers.get('retry-after')) >= 1);

    const before = await assetCount(server);
    github.resetCounters();
    github.failNext({ route: 'PUT contents', times: 1, status: 502 });
    const response = await upload(server, key, { file: { data: png(18, 18, { seed: 13 }) } });
    expectError(assert, response, 503, 'storage_provider_unavailable');
    assert.equal(github.count('PUT contents'), 1, 'a create is not retried blindly');
    assert.equal(await assetCount(server), before);
  });
});

describe('a ref with "/", allowDelete true, no token on raw reads', () => {
  let github;
  let server;
  before(async () => {
    github = await startGitHub({ branches: ['main', 'release/v2'], token: TOKEN });
    server = await startServer({ env: githubEnv(github, {
      Storage__GitHubRepo__Ref: 'release/v2',
      Storage__GitHubRepo__AllowDelete: 'true',
    }) });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    await github?.stop();
  });

  test('uploads go to release/v2; the raw URL keeps the ref as path segments', async () => {
    const bytes = png(22, 11, { seed: 20 });
    github.resetCounters();
    const asset = await uploadOk(server, key, { file: { data: bytes } });
    assert.match(asset.storageKey, /^\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{32}\.png$/);
    assert.deepEqual(github.getFile('release/v2', asset.storageKey).content, bytes);
    assert.equal(github.getFile('main', asset.storageKey), null);
    assert.equal(github.commits.at(-1).branch, 'release/v2');
    assert.equal(github.commits.at(-1).message, 'Automated commit by NekoHub');
    const put = github.log.find((entry) => entry.route === 'PUT contents');
    assert.equal(put.body.branch, 'release/v2');
    assert.equal(asset.publicUrl, `${github.rawBaseUrl}/neko/images/release/v2/${asset.storageKey}`);
    const raw = await fetch(asset.publicUrl);
    assert.deepEqual(Buffer.from(await raw.arrayBuffer()), bytes);

    github.resetCounters();
    const content = await fetchBytes(server, `/content/${asset.storageKey}`);
    assert.equal(content.status, 200, content.text);
    assert.deepEqual(content.bytes, bytes);
    const get = github.log.find((entry) => entry.route === 'GET contents');
    assert.match(get.url, /\?ref=release%2Fv2$/, 'the ref is one percent-encoded query value');
    headersWereRight(github);
    noViolations(github);
  });

  test('a delete removes the file from the branch with the commit message', async () => {
    const asset = await uploadOk(server, key, { file: { data: png(9, 9, { seed: 21 }) } });
    const response = await server.request('DELETE', `/api/v1/assets/${asset.id}`, {
      token: key, json: { commitMessage: 'remove the test image' },
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(github.getFile('release/v2', asset.storageKey), null, 'the file is gone');
    const commit = github.commits.at(-1);
    assert.deepEqual({ branch: commit.branch, message: commit.message, operation: commit.operation },
      { branch: 'release/v2', message: 'remove the test image', operation: 'delete' });
    const gone = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(gone.status, 404);
  });

  test('a delete of a file already gone from the repository still succeeds', async () => {
    const asset = await uploadOk(server, key, { file: { data: png(9, 9, { seed: 22 }) } });
    github.deleteFile('release/v2', asset.storageKey);
    const response = await server.request('DELETE', `/api/v1/assets/${asset.id}`, { token: key });
    assert.equal(response.status, 200, response.text);
  });
});

describe('a public repository read without a token', () => {
  let github;
  let server;
  before(async () => {
    github = await startGitHub({ token: TOKEN });
    server = await startServer({ env: githubEnv(github) });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    await github?.stop();
  });

  test('reads go to the raw URL first (no API call); writes need a token', async () => {
    const bytes = png(33, 17, { seed: 30 });
    const asset = await uploadOk(server, key, { file: { data: bytes }, fields: { isPublic: 'false' } });
    const shared = await uploadOk(server, key, { file: { data: png(5, 5, { seed: 32 }) } });
    server.extraEnv = githubEnv(github, { Storage__GitHubRepo__Token: '' });
    await server.restart();

    // a public asset: its raw URL is checked with a HEAD on the raw host, not the API
    github.resetCounters();
    const redirect = await fetchBytes(server, `/api/v1/assets/${shared.id}/content`, { token: key });
    assert.equal(redirect.status, 307, redirect.text);
    assert.equal(redirect.headers.get('location'), shared.publicUrl);
    assert.equal(github.count('HEAD raw'), 1);
    assert.equal(github.count('GET contents'), 0);
    github.resetCounters();
    const content = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(content.status, 200, content.text);
    assert.deepEqual(content.bytes, bytes);
    assert.equal(github.count('GET raw'), 1);
    assert.equal(github.count('GET contents'), 0);
    assert.ok(github.log.every((entry) => entry.authorization === null));

    // a file the raw host does not have (yet) falls back to the contents API
    github.deleteFile('main', asset.storageKey);
    github.resetCounters();
    const missing = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(missing.status, 404);
    assert.equal(github.count('GET raw'), 1);
    assert.equal(github.count('GET contents'), 1);

    const response = await upload(server, key, { file: { data: png(8, 8, { seed: 31 }) } });
    const error = expectError(assert, response, 502, 'storage_provider_access_denied');
    assert.match(error.message, /Requires authentication/);
    assert.equal(await assetCount(server), 2);
    noViolations(github);
  });
});

describe('a private repository (private-token)', () => {
  let github;
  let server;
  before(async () => {
    github = await startGitHub({ token: TOKEN, isPrivate: true, inlineLimit: 1024 });
    server = await startServer({ env: githubEnv(github, {
      Storage__GitHubRepo__VisibilityPolicy: 'Private-Token',
      Storage__GitHubRepo__BasePath: 'vault',
    }) });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    await github?.stop();
  });

  test('the public URL is null and reads go through the API with the token', async () => {
    const small = png(4, 4, { seed: 40 });
    const large = png(200, 100, { seed: 41 });
    assert.ok(small.length <= 1024 && large.length > 1024);
    for (const bytes of [small, large]) {
      const asset = await uploadOk(server, key, { file: { data: bytes }, fields: { isPublic: 'false' } });
      assert.equal(asset.publicUrl, null);
      assert.match(asset.storageKey, /^vault\//);
      github.resetCounters();
      const content = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
      assert.equal(content.status, 200, content.text);
      assert.deepEqual(content.bytes, bytes);
      assert.equal(github.count('GET contents'), 1);
      // the large one through download_url (a raw URL with GitHub's own ?token=), never our token
      assert.equal(github.count('GET raw'), bytes === large ? 1 : 0);
      headersWereRight(github);
    }
    noViolations(github);
  });
});

describe('a wrong token', () => {
  let github;
  let server;
  before(async () => {
    github = await startGitHub({ token: TOKEN, readOnlyToken: 'ghp_read_only_token_42' });
    server = await startServer({ env: githubEnv(github, { Storage__GitHubRepo__Token: 'ghp_wrong_token_000000' }) });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    await github?.stop();
  });

  test('an upload is 502 storage_provider_access_denied and leaves no row and no file', async () => {
    const response = await upload(server, key, { file: { data: png(8, 8, { seed: 50 }) } });
    const error = expectError(assert, response, 502, 'storage_provider_access_denied');
    assert.match(error.message, /Bad credentials/);
    assert.ok(!error.message.includes('ghp_wrong_token_000000'));
    assert.equal(await assetCount(server), 0);
    assert.deepEqual(github.listFiles('main'), []);
    noViolations(github);
  });

  test('a token that may only read is 502 storage_provider_access_denied too', async () => {
    await server.stop();
    server.cleanup();
    server = await startServer({ env: githubEnv(github, { Storage__GitHubRepo__Token: 'ghp_read_only_token_42' }) });
    const response = await upload(server, key, { file: { data: png(8, 8, { seed: 51 }) } });
    const error = expectError(assert, response, 502, 'storage_provider_access_denied');
    assert.match(error.message, /not accessible/);
    assert.equal(await assetCount(server), 0);
  });
});

test('a GitHub configuration NekoHub cannot use stops start-up with a clear message', async () => {
  const github = await startGitHub({ token: TOKEN });
  try {
    for (const [extra, pattern] of [
      [{ Storage__GitHubRepo__VisibilityPolicy: 'private-token', Storage__GitHubRepo__Token: '' }, /private-token needs a token/],
      [{ Storage__GitHubRepo__BasePath: 'a/../b' }, /basePath has an empty/],
      [{ Storage__GitHubRepo__Ref: 'bad ref' }, /ref is missing or contains spaces/],
      [{ Storage__GitHubRepo__Owner: 'no/slash' }, /owner is missing or not a GitHub name/],
      [{ Storage__GitHubRepo__ApiBaseUrl: 'ftp://example.org' }, /apiBaseUrl and rawBaseUrl must be absolute/],
    ]) {
      const server = new NekoHub({ env: githubEnv(github, extra) });
      await assert.rejects(server.start(), pattern);
      server.cleanup();
    }
  } finally {
    await github.stop();
  }
});
