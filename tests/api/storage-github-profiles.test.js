// storage-github-profiles.test.js - github-repo provider profiles against the GitHub API
// stand-in (lib/github-api.js): browse (§12.1: one API call per directory, depth, type,
// keyword, sort, paging, the entry cap and every code), upsert (§12.2: created/updated, with and
// without expectedSha, the race between our read and our write caught by GitHub's sha as 409,
// the built-in commit messages), rate limits and a wrong token through the profile routes, and
// an upload written through a github-repo profile.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib/server.js';
import { accountsEnv, MACHINE_KEY } from './lib/accounts.js';
import { png } from './lib/images.js';
import { uploadOk, fetchBytes } from './lib/assets.js';
import { startGitHub, blobSha } from './lib/github-api.js';

const key = MACHINE_KEY;
const TOKEN = 'ghp_standin_token_0123456789';
const PROVIDERS = '/api/v1/system/storage/providers';

let github;
let server;
let counter = 0;

before(async () => {
  github = await startGitHub({ branches: ['main', 'release/v2'], token: TOKEN, isPrivate: false });
  server = await startServer({ env: accountsEnv({
    Processing__Workers: '0', // only this suite's storage traffic: no processing jobs run
    Storage__Remote__RetryBaseDelayMs: '5',
    Storage__Remote__MaxAttempts: '3',
  }, { machineKeys: true }) });
});

after(async () => {
  await server?.stop();
  server?.cleanup();
  await github?.stop();
});

// Create a github-repo profile on the stand-in; returns its id.
async function createProfile(configuration = {}, secret = { token: TOKEN }) {
  counter += 1;
  const response = await server.request('POST', PROVIDERS, {
    token: key,
    json: {
      name: `github-${counter}`,
      providerType: 'github-repo',
      configuration: {
        owner: github.owner, repo: github.repo, ref: 'main', basePath: 'site',
        apiBaseUrl: github.apiBaseUrl, rawBaseUrl: github.rawBaseUrl, ...configuration,
      },
      secretConfiguration: secret,
    },
  });
  assert.equal(response.status, 201, response.text);
  return response.body.data.id;
}

function browse(id, query = {}) {
  const search = new URLSearchParams(query).toString();
  return server.request('GET', `${PROVIDERS}/${id}/github-repo/browse${search ? `?${search}` : ''}`, { token: key });
}

function upsert(id, body) {
  return server.request('POST', `${PROVIDERS}/${id}/github-repo/upsert`, { token: key, json: body });
}

const b64 = (text) => Buffer.from(text).toString('base64');

describe('browse', () => {
  let id;
  before(async () => {
    for (const path of ['site/readme.md', 'site/img/a.png', 'site/img/B.png', 'site/img/deep/c.png',
      'site/img/deep/deeper/d.png', 'site/docs/Guide.md', 'outside/x.png']) {
      github.putFile('main', path, `content of ${path}`);
    }
    github.putFile('release/v2', 'site/v2-only.txt', 'v2');
    id = await createProfile();
  });

  test('the base path root, one API call, directories first, raw URLs for files', async () => {
    github.resetCounters();
    const response = await browse(id);
    assert.equal(response.status, 200, response.text);
    const data = response.body.data;
    assert.equal(github.count('GET contents'), 1);
    assert.match(github.log[0].url, /\/repos\/neko\/images\/contents\/site\?ref=main$/);
    assert.equal(data.profileId, id);
    assert.equal(data.requestedPath, '');
    assert.equal(data.recursive, false);
    assert.equal(data.maxDepth, 2);
    assert.equal(data.type, 'all');
    assert.equal(data.total, 3);
    assert.equal(data.page, 1);
    assert.equal(data.pageSize, 50);
    assert.equal(data.hasMore, false);
    assert.equal(data.visibilityPolicy, 'public-only');
    assert.equal(data.usesControlledRead, false);
    assert.deepEqual(data.items.map((item) => [item.name, item.path, item.type, item.isDirectory, item.isFile]), [
      ['docs', 'docs', 'dir', true, false],
      ['img', 'img', 'dir', true, false],
      ['readme.md', 'readme.md', 'file', false, true],
    ]);
    const file = data.items[2];
    assert.equal(file.publicUrl, `${github.rawBaseUrl}/neko/images/main/site/readme.md`);
    assert.equal(file.size, 'content of site/readme.md'.length);
    assert.equal(file.sha, github.getFile('main', 'site/readme.md').sha);
    assert.equal(data.items[0].publicUrl, null);
  });

  test('recursion descends while depth < maxDepth, one call per directory', async () => {
    github.resetCounters();
    let response = await browse(id, { recursive: 'true', maxDepth: '2' });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body.data.items.map((item) => item.path), [
      'img/deep', 'docs', 'img', 'img/a.png', 'img/B.png', 'docs/Guide.md', 'readme.md',
    ]);
    assert.equal(github.count('GET contents'), 3, 'the root, docs and img');

    github.resetCounters();
    response = await browse(id, { recursive: 'true', maxDepth: '3' });
    assert.deepEqual(response.body.data.items.map((item) => item.path), [
      'img/deep', 'img/deep/deeper', 'docs', 'img', 'img/a.png', 'img/B.png', 'img/deep/c.png',
      'docs/Guide.md', 'readme.md',
    ]);
    assert.equal(github.count('GET contents'), 4);

    // not recursive: maxDepth does not matter
    github.resetCounters();
    response = await browse(id, { maxDepth: '5', path: 'img' });
    assert.deepEqual(response.body.data.items.map((item) => item.path), ['img/deep', 'img/a.png', 'img/B.png']);
    assert.equal(response.body.data.requestedPath, 'img');
    assert.equal(github.count('GET contents'), 1);
  });

  test('type and keyword filter (name or path, any case), then paging', async () => {
    let response = await browse(id, { recursive: 'true', maxDepth: '10', type: 'FILE', keyword: ' PNG ' });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.data.type, 'file');
    assert.equal(response.body.data.keyword, 'PNG');
    assert.deepEqual(response.body.data.items.map((item) => item.name), ['a.png', 'B.png', 'c.png', 'd.png']);

    response = await browse(id, { recursive: 'true', maxDepth: '10', type: 'dir' });
    assert.deepEqual(response.body.data.items.map((item) => item.name), ['deep', 'deeper', 'docs', 'img']);

    response = await browse(id, { recursive: 'true', maxDepth: '10', keyword: 'deep' });
    assert.deepEqual(response.body.data.items.map((item) => item.path),
      ['img/deep', 'img/deep/deeper', 'img/deep/c.png', 'img/deep/deeper/d.png']);

    response = await browse(id, { recursive: 'true', maxDepth: '10', type: 'file', keyword: 'png', pageSize: '3' });
    assert.deepEqual([response.body.data.total, response.body.data.hasMore, response.body.data.items.length], [4, true, 3]);
    response = await browse(id, { recursive: 'true', maxDepth: '10', type: 'file', keyword: 'png', pageSize: '3', page: '2' });
    assert.deepEqual([response.body.data.total, response.body.data.hasMore], [4, false]);
    assert.deepEqual(response.body.data.items.map((item) => item.name), ['d.png']);
    response = await browse(id, { type: 'file', page: '9' });
    assert.deepEqual([response.body.data.total, response.body.data.items.length], [1, 0]);
  });

  test('codes: depth, type, page, page size, path, missing directory, a file', async () => {
    expectError(assert, await browse(id, { maxDepth: '0' }), 400, 'storage_provider_directory_depth_invalid');
    expectError(assert, await browse(id, { type: 'links' }), 400, 'storage_provider_directory_type_invalid');
    expectError(assert, await browse(id, { page: '0' }), 400, 'storage_provider_directory_page_invalid');
    expectError(assert, await browse(id, { pageSize: '201' }), 400, 'storage_provider_directory_page_size_invalid');
    expectError(assert, await browse(id, { pageSize: '0' }), 400, 'storage_provider_directory_page_size_invalid');
    expectError(assert, await browse(id, { path: 'img/../..' }), 400, 'storage_provider_relative_path_invalid');
    expectError(assert, await browse(id, { path: 'nothing/here' }), 404, 'storage_provider_directory_not_found');
    expectError(assert, await browse(id, { path: 'readme.md' }), 400, 'storage_provider_directory_expected');
  });

  test('a tree beyond the entry cap is refused with 400 after a bounded number of calls', async () => {
    for (let dir = 0; dir < 6; dir += 1) {
      for (let file = 0; file < 900; file += 1) github.putFile('main', `site/bulk/d${dir}/f${file}.txt`, 'x');
    }
    github.resetCounters();
    const response = await browse(id, { path: 'bulk', recursive: 'true', maxDepth: '3' });
    expectError(assert, response, 400, 'storage_provider_directory_too_large');
    assert.ok(github.count('GET contents') <= 7, `calls: ${github.count('GET contents')}`);
    const one = await browse(id, { path: 'bulk/d0', pageSize: '200' });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.data.total, 900);
    for (let dir = 0; dir < 6; dir += 1) {
      for (let file = 0; file < 900; file += 1) github.deleteFile('main', `site/bulk/d${dir}/f${file}.txt`);
    }
  });

  test('a ref with "/" lists that branch', async () => {
    const v2 = await createProfile({ ref: 'release/v2' });
    github.resetCounters();
    const response = await browse(v2);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body.data.items.map((item) => item.path), ['v2-only.txt']);
    assert.match(github.log[0].url, /\?ref=release%2Fv2$/);
    assert.equal(response.body.data.items[0].publicUrl, `${github.rawBaseUrl}/neko/images/release/v2/site/v2-only.txt`);
    const raw = await fetch(response.body.data.items[0].publicUrl);
    assert.equal(await raw.text(), 'v2');
  });

  test('private-token: no public URLs, controlled reads', async () => {
    const privateId = await createProfile({ visibilityPolicy: 'private-token' });
    const response = await browse(privateId);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.data.visibilityPolicy, 'private-token');
    assert.equal(response.body.data.usesControlledRead, true);
    assert.ok(response.body.data.items.length > 0, 'the base path lists its files');
    assert.ok(response.body.data.items.every((item) => item.publicUrl === null));
  });

  test('rate limits are 429 with Retry-After; a wrong token is 502 access_denied', async () => {
    github.rateLimit({ route: 'GET contents', kind: 'primary', resetIn: 240 });
    let response = await browse(id);
    expectError(assert, response, 429, 'storage_provider_rate_limited');
    const retryAfter = Number(response.headers.get('retry-after'));
    assert.ok(retryAfter >= 200 && retryAfter <= 240, `Retry-After ${retryAfter}`);
    assert.ok(!response.text.includes(TOKEN));

    github.rateLimit({ route: 'GET contents', kind: '429', retryAfter: 77 });
    response = await browse(id);
    expectError(assert, response, 429, 'storage_provider_rate_limited');
    assert.equal(response.headers.get('retry-after'), '77');

    const wrong = await createProfile({}, { token: 'ghp_wrong_token_000000' });
    response = await browse(wrong);
    const error = expectError(assert, response, 502, 'storage_provider_access_denied');
    assert.match(error.message, /Bad credentials/);
    assert.deepEqual(github.violations, []);
  });
});

describe('upsert', () => {
  let id;
  before(async () => {
    id = await createProfile();
  });

  test('creates, then updates without expectedSha, with the built-in commit messages', async () => {
    github.resetCounters();
    let response = await upsert(id, { path: '/notes\\new.txt', contentBase64: b64('hello') });
    assert.equal(response.status, 200, response.text);
    let data = response.body.data;
    assert.deepEqual(data, {
      profileId: id, path: 'notes/new.txt', operation: 'created', size: 5, sha: blobSha(Buffer.from('hello')),
      visibilityPolicy: 'public-only', usesControlledRead: false,
      publicUrl: `${github.rawBaseUrl}/neko/images/main/site/notes/new.txt`,
    });
    assert.equal(github.getFile('main', 'site/notes/new.txt').content.toString(), 'hello');
    assert.equal(github.commits.at(-1).message, 'chore(nekohub): create notes/new.txt');
    const firstPut = github.log.find((entry) => entry.route === 'PUT contents');
    assert.equal(firstPut.body.sha, undefined, 'a new file is created without a sha');
    assert.equal(firstPut.body.branch, 'main');

    github.resetCounters();
    response = await upsert(id, { path: 'notes/new.txt', contentBase64: b64('hello again') });
    assert.equal(response.status, 200, response.text);
    data = response.body.data;
    assert.equal(data.operation, 'updated');
    assert.equal(data.size, 11);
    assert.equal(data.sha, blobSha(Buffer.from('hello again')));
    assert.equal(github.getFile('main', 'site/notes/new.txt').content.toString(), 'hello again');
    assert.equal(github.commits.at(-1).message, 'chore(nekohub): update notes/new.txt');
    const put = github.log.find((entry) => entry.route === 'PUT contents');
    assert.equal(put.body.sha, blobSha(Buffer.from('hello')), 'the update names the sha it read');
    assert.equal(github.count('GET contents'), 1);
    assert.equal(github.count('PUT contents'), 1);
  });

  test('an explicit commit message wins (trimmed)', async () => {
    const response = await upsert(id, { path: 'notes/msg.txt', contentBase64: b64('m'), commitMessage: '  docs: add msg  ' });
    assert.equal(response.status, 200, response.text);
    assert.equal(github.commits.at(-1).message, 'docs: add msg');
  });

  test('expectedSha: matching (any case) updates; stale or for a missing file is 409', async () => {
    const sha = github.putFile('main', 'site/notes/sha.txt', 'one');
    let response = await upsert(id, { path: 'notes/sha.txt', contentBase64: b64('two'), expectedSha: sha.toUpperCase() });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.data.operation, 'updated');

    response = await upsert(id, { path: 'notes/sha.txt', contentBase64: b64('three'), expectedSha: sha });
    expectError(assert, response, 409, 'storage_provider_upsert_expected_sha_conflict');
    assert.equal(github.getFile('main', 'site/notes/sha.txt').content.toString(), 'two');

    response = await upsert(id, { path: 'notes/absent.txt', contentBase64: b64('x'), expectedSha: sha });
    expectError(assert, response, 409, 'storage_provider_upsert_expected_sha_target_missing');
    assert.equal(github.getFile('main', 'site/notes/absent.txt'), null);
  });

  test('a change between our read and our write is caught as 409 (update and create)', async () => {
    github.putFile('main', 'site/notes/race.txt', 'original');
    github.beforeWrite = () => { github.putFile('main', 'site/notes/race.txt', 'someone else'); };
    let response = await upsert(id, { path: 'notes/race.txt', contentBase64: b64('mine') });
    expectError(assert, response, 409, 'storage_provider_upsert_conflict');
    assert.equal(github.getFile('main', 'site/notes/race.txt').content.toString(), 'someone else',
      'the concurrent change is not overwritten');

    github.beforeWrite = () => { github.putFile('main', 'site/notes/race-new.txt', 'first'); };
    response = await upsert(id, { path: 'notes/race-new.txt', contentBase64: b64('second') });
    expectError(assert, response, 409, 'storage_provider_upsert_conflict');
    assert.equal(github.getFile('main', 'site/notes/race-new.txt').content.toString(), 'first');

    // without a race the same calls succeed
    response = await upsert(id, { path: 'notes/race.txt', contentBase64: b64('mine') });
    assert.equal(response.status, 200, response.text);
    assert.equal(github.getFile('main', 'site/notes/race.txt').content.toString(), 'mine');
  });

  test('a directory is not a file; body codes', async () => {
    github.putFile('main', 'site/folder/inside.txt', 'x');
    expectError(assert, await upsert(id, { path: 'folder', contentBase64: b64('x') }), 400, 'storage_provider_file_expected');
    expectError(assert, await upsert(id, { path: '  ', contentBase64: b64('x') }), 400, 'storage_provider_upsert_path_required');
    expectError(assert, await upsert(id, { path: 'a/../b', contentBase64: b64('x') }), 400, 'storage_provider_relative_path_invalid');
    expectError(assert, await upsert(id, { path: 'p.txt', contentBase64: '' }), 400, 'storage_provider_upsert_content_required');
    expectError(assert, await upsert(id, { path: 'p.txt', contentBase64: 'not base64!' }), 400, 'storage_provider_upsert_content_base64_invalid');
    assert.equal(github.getFile('main', 'site/p.txt'), null);
  });

  test('rate limits on the write are 429 with Retry-After; nothing is written', async () => {
    github.rateLimit({ route: 'PUT contents', kind: 'secondary', retryAfter: 45 });
    const response = await upsert(id, { path: 'notes/limited.txt', contentBase64: b64('x') });
    expectError(assert, response, 429, 'storage_provider_rate_limited');
    assert.equal(response.headers.get('retry-after'), '45');
    assert.equal(github.getFile('main', 'site/notes/limited.txt'), null);
  });

  test('private-token: the result has no public URL', async () => {
    const privateId = await createProfile({ visibilityPolicy: 'private-token' });
    const response = await upsert(privateId, { path: 'secret.txt', contentBase64: b64('s') });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.data.publicUrl, null);
    assert.equal(response.body.data.usesControlledRead, true);
  });
});

describe('test connection of a github-repo profile', () => {
  test('writes, reads and removes its probe even though allowDelete is false', async () => {
    const id = await createProfile({ basePath: 'probe-area', allowDelete: false });
    github.resetCounters();
    const response = await server.request('POST', `${PROVIDERS}/${id}/test`, { token: key });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.data.succeeded, true, response.text);
    assert.deepEqual(response.body.data.steps.map((step) => [step.name, step.succeeded]),
      [['open', true], ['write', true], ['read', true], ['delete', true]]);
    assert.equal(github.count('PUT contents'), 1);
    assert.equal(github.count('DELETE contents'), 1);
    assert.deepEqual(github.listFiles('main').filter((path) => path.startsWith('probe-area/')), []);
    assert.equal(github.commits.at(-1).message, 'chore(nekohub): connection test');
  });

  test('a wrong token fails the write step with the access code, token redacted', async () => {
    const id = await createProfile({}, { token: 'ghp_wrong_token_000000' });
    const response = await server.request('POST', `${PROVIDERS}/${id}/test`, { token: key });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.data.succeeded, false);
    assert.ok(!response.text.includes('ghp_wrong_token_000000'));
    const write = response.body.data.steps.find((step) => step.name === 'write');
    assert.equal(write.succeeded, false);
    assert.equal(write.errorCode, 'storage_provider_access_denied');
  });
});

describe('uploads through a github-repo profile', () => {
  test('the file is committed under the base path; allowDelete false keeps it; true removes it', async () => {
    const kept = await createProfile({ basePath: 'uploads', allowDelete: false });
    const bytes = png(21, 13, { seed: 70 });
    const asset = await uploadOk(server, key, {
      file: { data: bytes }, fields: { storageProviderProfileId: kept, isPublic: 'false' },
    });
    assert.equal(asset.storageProviderProfileId, kept);
    assert.equal(asset.storageProvider, 'github-repo');
    assert.match(asset.storageKey, /^uploads\//);
    assert.deepEqual(github.getFile('main', asset.storageKey).content, bytes);
    const content = await fetchBytes(server, `/api/v1/assets/${asset.id}/content`, { token: key });
    assert.equal(content.status, 200, content.text);
    assert.deepEqual(content.bytes, bytes);
    const refused = await server.request('DELETE', `/api/v1/assets/${asset.id}`, { token: key });
    expectError(assert, refused, 403, 'storage_provider_delete_not_allowed');
    assert.ok(github.getFile('main', asset.storageKey));

    const removable = await createProfile({ basePath: 'uploads', allowDelete: true });
    const second = await uploadOk(server, key, { file: { data: png(7, 7, { seed: 71 }) },
      fields: { storageProviderProfileId: removable } });
    assert.equal(second.publicUrl, `${github.rawBaseUrl}/neko/images/main/${second.storageKey}`);
    const deleted = await server.request('DELETE', `/api/v1/assets/${second.id}`, { token: key });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(github.getFile('main', second.storageKey), null);
    assert.deepEqual(github.violations, []);
  });
});
