// assets-list.test.js - the admin list (every parameter, alias, filter, default, clamp and
// sort order), the public list, usage statistics, and the execution summary and structured
// results of the detail, on a server of its own so that the totals are known.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, runSql } from './lib/accounts.js';
import { testImages, png } from './lib/images.js';
import { uploadOk, expectError } from './lib/assets.js';

let server;
const key = MACHINE_KEY;
const assets = {};
const sleep = (ms) => new Promise((resolveSleep) => { setTimeout(resolveSleep, ms); });

const LIST_FIELDS = ['id', 'type', 'status', 'originalFileName', 'contentType', 'size', 'width', 'height',
  'storageProvider', 'storageProviderProfileId', 'publicUrl', 'isPublic', 'tags', 'createdByUserId',
  'createdByUsername', 'createdAtUtc', 'updatedAtUtc', 'derivatives', 'processing'];

async function list(query, token = key) {
  const response = await server.request('GET', `/api/v1/assets${query}`, { token });
  assert.equal(response.status, 200, `${query}: ${response.text}`);
  return response.body.data;
}

const names = (page) => page.items.map((item) => item.originalFileName);

before(async () => {
  const images = testImages();
  // executions here are made by hand: no processing jobs run (processing-api covers them)
  server = await startServer({ env: accountsEnv({ Processing__Workers: '0' }, { machineKeys: true }) });
  const twin = png(9, 9, { seed: 9 });
  const uploads = [
    ['alpha', { data: images.png, filename: 'alpha.png', contentType: 'image/png' }, { description: 'The First' }],
    ['beta', { data: images.jpeg, filename: 'beta.jpg', contentType: 'image/jpeg' }, { altText: 'has 100%_match' }],
    ['gamma', { data: images.gif, filename: 'gamma.gif', contentType: 'image/gif' }, { isPublic: 'false' }],
    ['delta', { data: images.webp, filename: 'delta.webp', contentType: 'image/webp' }, { description: 'ALPHA upper' }],
    ['epsilon', { data: png(3, 3, { seed: 3 }), filename: 'epsilon.png', contentType: 'image/png' }, {}],
    ['twin1', { data: twin, filename: 'twin1.png', contentType: 'image/png' }, {}],
    ['twin2', { data: twin, filename: 'twin2.png', contentType: 'image/png' }, {}],
  ];
  for (const [name, file, fields] of uploads) {
    assets[name] = await uploadOk(server, key, { file, fields });
    await sleep(3); // distinct creation times
  }
});

after(async () => {
  await server.stop();
  server.cleanup();
});

const CREATED_DESC = ['twin2.png', 'twin1.png', 'epsilon.png', 'delta.webp', 'gamma.gif', 'beta.jpg', 'alpha.png'];

test('defaults: page 1 of 20, newest first, private assets included with their URL hidden', async () => {
  const page = await list('');
  assert.equal(page.page, 1);
  assert.equal(page.pageSize, 20);
  assert.equal(page.total, 7);
  assert.deepEqual(Object.keys(page), ['items', 'page', 'pageSize', 'total']);
  assert.deepEqual(names(page), CREATED_DESC);
  for (const item of page.items) assert.deepEqual(Object.keys(item), LIST_FIELDS);
  const gamma = page.items.find((item) => item.id === assets.gamma.id);
  assert.equal(gamma.isPublic, false);
  assert.equal(gamma.publicUrl, null);
  assert.equal(gamma.status, 'ready');
});

test('invalid values never fail: they fall back or are clamped; non-numbers do fail', async () => {
  const page = await list('?page=0&pageSize=1000&orderBy=invalid&orderDirection=invalid&status=invalid');
  assert.equal(page.page, 1);
  assert.equal(page.pageSize, 100);
  assert.equal(page.total, 7);
  assert.deepEqual(names(page), CREATED_DESC);
  const negative = await list('?page=-3&pageSize=-1');
  assert.equal(negative.page, 1);
  assert.equal(negative.pageSize, 20);
  for (const query of ['?page=abc', '?pageSize=1.5', '?page=99999999999']) {
    expectError(await server.request('GET', `/api/v1/assets${query}`, { token: key }), 400, 'request_invalid');
  }
  const second = await list('?page=2&pageSize=3');
  assert.deepEqual(names(second), CREATED_DESC.slice(3, 6));
  const past = await list('?page=10&pageSize=3');
  assert.deepEqual(past.items, []);
  assert.equal(past.total, 7);
});

test('keyword search: any case, wildcards taken literally, query wins over its alias', async () => {
  assert.deepEqual(names(await list('?query=alpha')), ['delta.webp', 'alpha.png']);
  assert.deepEqual(names(await list('?keyword=ALPHA')), ['delta.webp', 'alpha.png']);
  assert.deepEqual(names(await list('?query=gamma&keyword=alpha')), ['gamma.gif']);
  assert.deepEqual(names(await list('?query=%20%20')), CREATED_DESC);
  assert.deepEqual(names(await list(`?query=${encodeURIComponent('100%_')}`)), ['beta.jpg']);
  assert.deepEqual(names(await list(`?query=${encodeURIComponent('%')}`)), ['beta.jpg']);
  assert.deepEqual(names(await list(`?query=${encodeURIComponent('_')}`)), ['beta.jpg']);
  assert.deepEqual(names(await list('?query=first')), ['alpha.png']);
  assert.equal((await list('?query=nothing-matches')).total, 0);
});

test('content type filter: exact, any case, or a whole family with /*', async () => {
  assert.deepEqual(names(await list('?contentType=image/png')),
    ['twin2.png', 'twin1.png', 'epsilon.png', 'alpha.png']);
  assert.deepEqual(names(await list('?contentType=IMAGE/JPEG')), ['beta.jpg']);
  assert.equal((await list(`?contentType=${encodeURIComponent('image/*')}`)).total, 7);
  assert.equal((await list(`?contentType=${encodeURIComponent('video/*')}`)).total, 0);
  assert.equal((await list('?contentType=image/')).total, 0);
  assert.equal((await list('?contentType=%20')).total, 7);
  assert.equal((await list(`?contentType=${encodeURIComponent('image/%')}`)).total, 0);
});

test('status filter: names in any case or numbers; unparseable values are ignored', async () => {
  for (const status of ['ready', 'READY', '2']) assert.equal((await list(`?status=${status}`)).total, 7, status);
  for (const status of ['pending', 'failed', 'deleted', '1', '4', '7']) {
    assert.equal((await list(`?status=${status}`)).total, 0, status);
  }
  assert.equal((await list('?status=whatever')).total, 7);
});

test('sort orders with their tie-breaks, and the aliases', async () => {
  const bySizeAsc = (await list('?orderBy=size&orderDirection=asc')).items;
  for (let i = 1; i < bySizeAsc.length; i++) assert.ok(bySizeAsc[i - 1].size <= bySizeAsc[i].size);
  const twinsAsc = bySizeAsc.filter((item) => item.originalFileName.startsWith('twin')).map((item) => item.originalFileName);
  assert.deepEqual(twinsAsc, ['twin2.png', 'twin1.png'], 'equal sizes: newest first');
  const bySizeDesc = (await list('?sortBy=SIZE&sortDirection=DESC')).items;
  for (let i = 1; i < bySizeDesc.length; i++) assert.ok(bySizeDesc[i - 1].size >= bySizeDesc[i].size);
  const twinsDesc = bySizeDesc.filter((item) => item.originalFileName.startsWith('twin')).map((item) => item.originalFileName);
  assert.deepEqual(twinsDesc, ['twin2.png', 'twin1.png']);
  assert.deepEqual(names(await list('?orderBy=createdAt&orderDirection=asc')), [...CREATED_DESC].reverse());
  assert.deepEqual(names(await list('?orderBy=CreatedAtUtc&orderDirection=Asc')), [...CREATED_DESC].reverse());
  assert.deepEqual(names(await list('?orderBy=size&sortBy=createdAt&orderDirection=asc')).length, 7);
  assert.deepEqual(names(await list('?orderBy=createdAt&sortDirection=asc&orderDirection=desc')), CREATED_DESC);
});

test('public list: public and ready only, newest first, query and contentType but no alias', async () => {
  const response = await server.request('GET', '/api/v1/public/assets');
  assert.equal(response.status, 200);
  const page = response.body.data;
  assert.equal(page.total, 6);
  assert.equal(page.pageSize, 20);
  assert.deepEqual(names(page), CREATED_DESC.filter((name) => name !== 'gamma.gif'));
  const filtered = await server.request('GET', '/api/v1/public/assets?query=ALPHA&contentType=image/webp');
  assert.deepEqual(names(filtered.body.data), ['delta.webp']);
  const alias = await server.request('GET', '/api/v1/public/assets?keyword=alpha');
  assert.equal(alias.body.data.total, 6, 'keyword is not an alias on the public list');
  const sorted = await server.request('GET', '/api/v1/public/assets?orderBy=size&orderDirection=asc&status=failed');
  assert.deepEqual(names(sorted.body.data), CREATED_DESC.filter((name) => name !== 'gamma.gif'));
  const clamped = await server.request('GET', '/api/v1/public/assets?page=0&pageSize=500');
  assert.equal(clamped.body.data.page, 1);
  assert.equal(clamped.body.data.pageSize, 100);
  expectError(await server.request('GET', '/api/v1/public/assets?pageSize=x'), 400, 'request_invalid');
});

test('usage stats: totals, the breakdown by type, and the most active skill', async () => {
  const all = [assets.alpha, assets.beta, assets.gamma, assets.delta, assets.epsilon, assets.twin1, assets.twin2];
  const stats = await server.request('GET', '/api/v1/assets/usage-stats', { token: key });
  assert.equal(stats.status, 200);
  assert.deepEqual(Object.keys(stats.body.data),
    ['totalAssets', 'totalBytes', 'totalDerivatives', 'contentTypeBreakdown', 'mostActiveSkill']);
  assert.equal(stats.body.data.totalAssets, 7);
  assert.equal(stats.body.data.totalBytes, all.reduce((sum, asset) => sum + asset.size, 0));
  assert.equal(stats.body.data.totalDerivatives, 0);
  assert.equal(stats.body.data.mostActiveSkill, null);
  const bytesOf = (type) => all.filter((asset) => asset.contentType === type).reduce((sum, asset) => sum + asset.size, 0);
  assert.deepEqual(stats.body.data.contentTypeBreakdown, [
    { contentType: 'image/png', count: 4, totalBytes: bytesOf('image/png') },
    { contentType: 'image/gif', count: 1, totalBytes: bytesOf('image/gif') },
    { contentType: 'image/jpeg', count: 1, totalBytes: bytesOf('image/jpeg') },
    { contentType: 'image/webp', count: 1, totalBytes: bytesOf('image/webp') },
  ]);
});

test('executions and structured results show in the detail and the statistics', async () => {
  await server.stop();
  const t = 1767225600000; // 2026-01-01T00:00:00Z
  const execution = (id, assetId, skill, started, source = 'upload') => `INSERT INTO asset_skill_executions
    (id, source_asset_id, skill_name, trigger_source, parameters_json, succeeded, started_at, completed_at)
    VALUES ('${id}', '${assetId}', '${skill}', '${source}', NULL, 0, ${started}, ${started + 500});`;
  const step = (id, executionId, name, ok, message, started) => `INSERT INTO asset_skill_execution_steps
    (id, execution_id, step_name, succeeded, error_message, started_at, completed_at)
    VALUES ('${id}', '${executionId}', '${name}', ${ok}, ${message === null ? 'NULL' : `'${message}'`},
    ${started}, ${started + 100});`;
  runSql(server, [
    execution('0195f3c2-0000-7000-8000-0000000000e1', assets.alpha.id, 'basic_image_enrich', t),
    execution('0195f3c2-0000-7000-8000-0000000000e2', assets.alpha.id, 'basic_image_enrich', t + 1000, 'manual'),
    execution('0195f3c2-0000-7000-8000-0000000000e3', assets.beta.id, 'a_skill', t),
    execution('0195f3c2-0000-7000-8000-0000000000e4', assets.beta.id, 'a_skill', t + 5),
    step('0195f3c2-0000-7000-8000-0000000000f1', '0195f3c2-0000-7000-8000-0000000000e2', 'generate_thumbnail', 1, null, t + 1000),
    step('0195f3c2-0000-7000-8000-0000000000f2', '0195f3c2-0000-7000-8000-0000000000e2', 'b_step', 0, 'it broke', t + 1000),
    step('0195f3c2-0000-7000-8000-0000000000f3', '0195f3c2-0000-7000-8000-0000000000e2', 'a_step', 1, null, t + 1200),
    `INSERT INTO asset_structured_results (id, source_asset_id, kind, payload_json, created_at) VALUES
      ('0195f3c2-0000-7000-8000-0000000000d1', '${assets.alpha.id}', 'basic_caption',
       '{"caption":"a cat","generator":"m"}', ${t});`,
  ].join('\n'));
  await server.start();
  const detail = await server.request('GET', `/api/v1/assets/${assets.alpha.id}`, { token: key });
  assert.deepEqual(detail.body.data.structuredResults, [
    { kind: 'basic_caption', payloadJson: '{"caption":"a cat","generator":"m"}', createdAtUtc: '2026-01-01T00:00:00+00:00' },
  ]);
  assert.deepEqual(detail.body.data.latestExecutionSummary, {
    executionId: '0195f3c2-0000-7000-8000-0000000000e2',
    skillName: 'basic_image_enrich',
    triggerSource: 'manual',
    startedAtUtc: '2026-01-01T00:00:01+00:00',
    completedAtUtc: '2026-01-01T00:00:01.5+00:00',
    succeeded: false,
    steps: [
      // status and message (issue 11): rows written before migration 7 read as succeeded/failed
      { stepName: 'b_step', status: 'failed', succeeded: false, errorMessage: 'it broke', message: null,
        startedAtUtc: '2026-01-01T00:00:01+00:00', completedAtUtc: '2026-01-01T00:00:01.1+00:00' },
      { stepName: 'generate_thumbnail', status: 'succeeded', succeeded: true, errorMessage: null, message: null,
        startedAtUtc: '2026-01-01T00:00:01+00:00', completedAtUtc: '2026-01-01T00:00:01.1+00:00' },
      { stepName: 'a_step', status: 'succeeded', succeeded: true, errorMessage: null, message: null,
        startedAtUtc: '2026-01-01T00:00:01.2+00:00', completedAtUtc: '2026-01-01T00:00:01.3+00:00' },
    ],
  });
  const stats = await server.request('GET', '/api/v1/assets/usage-stats', { token: key });
  assert.deepEqual(stats.body.data.mostActiveSkill, { skillName: 'a_skill', runCount: 2 }, 'tie: name ascending');
  const removed = await server.request('DELETE', `/api/v1/assets/${assets.beta.id}`, { token: key });
  assert.equal(removed.status, 200);
  const after = await server.request('GET', '/api/v1/assets/usage-stats', { token: key });
  assert.deepEqual(after.body.data.mostActiveSkill, { skillName: 'basic_image_enrich', runCount: 2 });
  assert.equal(after.body.data.totalAssets, 6);
  assert.ok(!after.body.data.contentTypeBreakdown.some((entry) => entry.contentType === 'image/jpeg'));
});

test('isPublic filters the admin list by visibility (beyond the original); bad values are a 400', async () => {
  const all = await list('?pageSize=100');
  const expectPrivate = all.items.filter((item) => !item.isPublic).map((item) => item.originalFileName);
  const expectPublic = all.items.filter((item) => item.isPublic).map((item) => item.originalFileName);
  assert.ok(expectPrivate.includes('gamma.gif') && expectPublic.length > 0);
  const privateOnly = await list('?isPublic=false&pageSize=100');
  assert.deepEqual(names(privateOnly), expectPrivate);
  assert.equal(privateOnly.total, expectPrivate.length);
  const publicOnly = await list('?isPublic=TRUE&pageSize=100');
  assert.deepEqual(names(publicOnly), expectPublic);
  assert.equal((await list('?isPublic=')).total, all.total);
  const bad = await server.request('GET', '/api/v1/assets?isPublic=maybe', { token: key });
  expectError(bad, 400, 'request_invalid');
  // The public list is public-only whatever isPublic says.
  const anonymous = await server.request('GET', '/api/v1/public/assets?isPublic=false');
  assert.equal(anonymous.status, 200);
  assert.ok(!anonymous.body.data.items.some((item) => item.originalFileName === 'gamma.gif'));
});
