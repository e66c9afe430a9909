// review-injection.test.js - profile values that would end up in the HTTP requests NekoHub
// sends to S3 or GitHub are refused when they could inject or redirect: control characters
// (CR/LF start a header of their own) in secrets and the S3 region, ':' in an S3 access key
// (curl splits "<access>:<secret>" at the first ':'), a GitHub ref with ".." or '.' segments
// (curl removes dot segments, so "main/../../x" climbs out of the raw URL's repository) and
// owner/repo names "." and "..". Create and PATCH are both checked, and a header smuggled in
// a token must never reach the GitHub server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, expectError } from './lib/server.js';
import { accountsEnv, ROOT, login } from './lib/accounts.js';

const BASE = '/api/v1/system/storage/providers';
let server;
let token;
let github;
const seen = [];

before(async () => {
  github = http.createServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(404, { 'Content-Type': 'application/json' });
    response.end('{"message":"Not Found"}');
  });
  await new Promise((resolve) => github.listen(0, '127.0.0.1', resolve));
  server = await startServer({ env: accountsEnv() });
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

after(async () => {
  await server?.stop();
  server?.cleanup();
  await new Promise((resolve) => github?.close(resolve));
});

const request = (method, path, json) => server.request(method, path, { json, token });
let counter = 0;
const unique = (prefix) => `${prefix}-${process.pid}-${++counter}`;
const apiBaseUrl = () => `http://127.0.0.1:${github.address().port}`;

function s3Profile(configuration = {}, secretConfiguration = {}) {
  return {
    name: unique('s3'), providerType: 's3-compatible',
    configuration: { endpoint: 'http://127.0.0.1:9', bucket: 'bucket', region: 'us-east-1', ...configuration },
    secretConfiguration: { accessKey: 'AKIAEXAMPLE', secretKey: 'secret-example', ...secretConfiguration },
  };
}

function githubProfile(configuration = {}, secretConfiguration = { token: 'ghp_token_example' }) {
  return {
    name: unique('gh'), providerType: 'github-repo',
    configuration: { owner: 'octo', repo: 'images', ref: 'main', apiBaseUrl: apiBaseUrl(),
      rawBaseUrl: apiBaseUrl(), ...configuration },
    secretConfiguration,
  };
}

test('a GitHub token with CR/LF is refused and its smuggled header never reaches GitHub', async () => {
  const created = await request('POST', BASE, githubProfile({}, { token: 'ghp_token_example\r\nX-Injected: yes' }));
  if (created.status === 201) await request('POST', `${BASE}/${created.body.data.id}/test`);
  assert.equal(seen.filter((headers) => headers['x-injected']).length, 0, 'a header was injected');
  expectError(assert, created, 400, 'storage_provider_profile_secret_configuration_invalid');
});

test('S3 secrets with control characters, an access key with ":" and a bad region are refused', async () => {
  const cases = [
    [s3Profile({}, { accessKey: 'AKIA\r\nX-Injected: yes' }), 'storage_provider_profile_secret_configuration_invalid'],
    [s3Profile({}, { secretKey: 'secret\nmore' }), 'storage_provider_profile_secret_configuration_invalid'],
    [s3Profile({}, { accessKey: 'AKIA:EXAMPLE' }), 'storage_provider_profile_secret_configuration_invalid'],
    [s3Profile({ region: 'us-east-1\r\nX-Injected: yes' }), 'storage_provider_profile_region_invalid'],
    [s3Profile({ region: 'us:east' }), 'storage_provider_profile_region_invalid'],
  ];
  for (const [body, code] of cases) expectError(assert, await request('POST', BASE, body), 400, code);
});

test('URLs with user:password@ are refused (the configuration is shown in every answer)', async () => {
  expectError(assert, await request('POST', BASE, s3Profile({ endpoint: 'http://AKIA:secret@127.0.0.1:9' })),
    400, 'storage_provider_profile_endpoint_invalid');
  expectError(assert, await request('POST', BASE, githubProfile({ apiBaseUrl: 'http://user:ghp_secret@127.0.0.1:9' })),
    400, 'storage_provider_profile_github_repo_api_base_url_invalid');
});

test('GitHub refs and names that would climb out of the repository URL are refused', async () => {
  const cases = [
    [githubProfile({ ref: 'main/../../other/repo/main' }), 'storage_provider_profile_github_repo_ref_invalid'],
    [githubProfile({ ref: '../main' }), 'storage_provider_profile_github_repo_ref_invalid'],
    [githubProfile({ ref: 'release/./v2' }), 'storage_provider_profile_github_repo_ref_invalid'],
    [githubProfile({ ref: 'main\u0001' }), 'storage_provider_profile_github_repo_ref_invalid'],
    [githubProfile({ owner: '..' }), 'storage_provider_profile_github_owner_invalid'],
    [githubProfile({ repo: '.' }), 'storage_provider_profile_github_repo_invalid'],
    // the backend refuses these basePaths (github_path_normalize): the profile must refuse them too
    [githubProfile({ basePath: 'images\r\nX-Injected: 1' }), 'storage_provider_profile_github_path_prefix_invalid'],
    [githubProfile({ basePath: 'a/'.repeat(600) }), 'storage_provider_profile_github_path_prefix_invalid'],
  ];
  for (const [body, code] of cases) expectError(assert, await request('POST', BASE, body), 400, code);
  const slashRef = await request('POST', BASE, githubProfile({ ref: 'release/v2' }));
  assert.equal(slashRef.status, 201, slashRef.text);
});

test('PATCH applies the same checks to secrets and refs', async () => {
  const created = await request('POST', BASE, githubProfile());
  assert.equal(created.status, 201, created.text);
  const path = `${BASE}/${created.body.data.id}`;
  expectError(assert, await request('PATCH', path, { secretConfiguration: { token: 'ghp_token\nX-Injected: 1' } }),
    400, 'storage_provider_profile_secret_configuration_invalid');
  expectError(assert, await request('PATCH', path, { configuration: { owner: 'octo', repo: 'images', ref: 'a/../../b',
    apiBaseUrl: apiBaseUrl(), rawBaseUrl: apiBaseUrl() } }), 400, 'storage_provider_profile_github_repo_ref_invalid');
});
