// jobs-api.test.js - the jobs API (GET /api/v1/system/jobs, GET .../{id}, POST .../retry and
// .../cancel) and the queue behaviour it shows: retries with back-off and a Retry-After floor,
// max attempts, cancel of queued and running jobs, per-asset exclusion, codes, permissions,
// audit, metrics. Jobs are test.sleep jobs of the test build (src/jobs/job_test_kind.h).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, expectError, ISO_UTC } from './lib/server.js';
import { accountsEnv, ROOT, login, createUser, auditEntries } from './lib/accounts.js';
import {
  jobsEnv, runLogDir, enqueue, getJob, waitFor, waitForJob, waitForAll, readRuns,
  assertNoOverlap, MACHINE_KEY, ENDED,
} from './lib/jobs.js';

const BASE = '/api/v1/system/jobs';
const JOB_FIELDS = ['id', 'kind', 'assetId', 'state', 'triggerSource', 'skillName', 'executionId',
  'attempts', 'maxAttempts', 'cancelRequested', 'lockedBy', 'lockedUntilUtc', 'runAfterUtc',
  'lastError', 'createdAtUtc', 'updatedAtUtc', 'startedAtUtc', 'finishedAtUtc'].sort();

let server;
let runs;
let rootToken;

before(async () => {
  runs = runLogDir();
  server = await startServer({ env: accountsEnv(jobsEnv(runs.log, {
    Processing__Workers: '2',
    Processing__LeaseSeconds: '6', // renewals (and cancel requests reaching a handler) every 2 s
  })) });
  rootToken = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

after(async () => {
  await server.stop();
  server.cleanup();
  runs.cleanup();
});

const list = async (query = {}, token = MACHINE_KEY) => {
  const response = await server.request('GET', `${BASE}?${new URLSearchParams(query)}`, { token });
  assert.equal(response.status, 200, response.text);
  return response.body.data;
};

test('a job object has exactly the documented fields and ISO times', async () => {
  const [id] = await enqueue(server, { payload: { sleepMs: 10 } });
  const job = await waitForJob(server, id, (j) => j.state === 'succeeded');
  assert.deepEqual(Object.keys(job).sort(), JOB_FIELDS);
  assert.equal(job.id, id);
  assert.equal(job.kind, 'test.sleep');
  assert.equal(job.assetId, null);
  assert.equal(job.triggerSource, 'manual');
  assert.equal(job.skillName, null);
  assert.equal(job.executionId, null);
  assert.equal(job.attempts, 1);
  assert.equal(job.maxAttempts, 5);
  assert.equal(job.cancelRequested, false);
  assert.equal(job.lockedBy, null);
  assert.equal(job.lockedUntilUtc, null);
  assert.equal(job.lastError, null);
  for (const field of ['createdAtUtc', 'updatedAtUtc', 'startedAtUtc', 'finishedAtUtc', 'runAfterUtc']) {
    assert.match(job[field], ISO_UTC, field);
  }
  assert.ok(Date.parse(job.finishedAtUtc) >= Date.parse(job.startedAtUtc));
  assert.ok(Date.parse(job.startedAtUtc) >= Date.parse(job.createdAtUtc));
});

test('a running job shows its lease holder and lease end', async () => {
  const [id] = await enqueue(server, { payload: { sleepMs: 3000 } });
  const job = await waitForJob(server, id, (j) => j.state === 'running');
  assert.match(job.lockedBy, /^[^:]+:\d+#\d+$/);
  assert.match(job.lockedUntilUtc, ISO_UTC);
  assert.ok(Date.parse(job.lockedUntilUtc) > Date.parse(job.startedAtUtc));
  assert.equal(job.finishedAtUtc, null);
  await waitForJob(server, id, (j) => j.state === 'succeeded');
});

test('list: newest first, filters by state and asset, pages, counts every state', async () => {
  const assetId = randomUUID();
  const failing = await enqueue(server, { payload: { failPermanently: true }, assetId, maxAttempts: 1 });
  const fine = await enqueue(server, { payload: { sleepMs: 5 }, assetId, count: 3 });
  await waitForAll(server, [...failing, ...fine]);

  const page = await list({ assetId });
  assert.deepEqual(Object.keys(page).sort(), ['counts', 'items', 'page', 'pageSize', 'total']);
  assert.equal(page.page, 1);
  assert.equal(page.pageSize, 50);
  assert.equal(page.total, 4);
  assert.deepEqual(page.items.map((j) => j.id), [...fine].reverse().concat(failing));
  assert.deepEqual(page.counts, { queued: 0, running: 0, succeeded: 3, failed: 1, cancelled: 0 });

  const failed = await list({ assetId, state: 'failed' });
  assert.deepEqual(failed.items.map((j) => j.id), failing);
  assert.equal(failed.total, 1);
  assert.equal(failed.items[0].lastError, 'permanent test failure');
  // counts ignore the state filter (tabs), but follow the asset filter
  assert.deepEqual(failed.counts, page.counts);

  const second = await list({ assetId, page: '2', pageSize: '2' });
  assert.equal(second.page, 2);
  assert.equal(second.pageSize, 2);
  assert.equal(second.total, 4);
  assert.deepEqual(second.items.map((j) => j.id), [fine[0], failing[0]]);

  const clamped = await list({ pageSize: '100000' });
  assert.equal(clamped.pageSize, 200);

  const all = await list();
  const sum = Object.values(all.counts).reduce((a, b) => a + b, 0);
  assert.equal(sum, all.total);
  assert.ok(all.counts.failed >= 1);
  const none = await list({ assetId: randomUUID() });
  assert.deepEqual(none, { items: [], page: 1, pageSize: 50, total: 0,
    counts: { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 } });
});

test('list: bad state, bad assetId and bad paging are 400 with their codes', async () => {
  const bad = (query) => server.request('GET', `${BASE}?${new URLSearchParams(query)}`, { token: MACHINE_KEY });
  expectError(assert, await bad({ state: 'done' }), 400, 'job_state_invalid');
  expectError(assert, await bad({ state: 'Queued' }), 400, 'job_state_invalid');
  expectError(assert, await bad({ assetId: 'not-a-guid' }), 400, 'request_invalid');
  expectError(assert, await bad({ page: 'x' }), 400, 'request_invalid');
});

test('get: unknown id is 404 job_not_found; retry and cancel of it too', async () => {
  const id = randomUUID();
  expectError(assert, await server.request('GET', `${BASE}/${id}`, { token: MACHINE_KEY }), 404, 'job_not_found');
  expectError(assert, await server.request('POST', `${BASE}/${id}/retry`, { token: MACHINE_KEY }), 404, 'job_not_found');
  expectError(assert, await server.request('POST', `${BASE}/${id}/cancel`, { token: MACHINE_KEY }), 404, 'job_not_found');
});

test('a transient failure is retried with back-off until it succeeds', async () => {
  const [id] = await enqueue(server, { payload: { failTimes: 2 }, maxAttempts: 5 });
  const job = await waitForJob(server, id, (j) => ENDED.has(j.state));
  assert.equal(job.state, 'succeeded');
  assert.equal(job.attempts, 3);
  assert.equal(job.lastError, null);
  const mine = readRuns(runs.log).filter((r) => r.jobId === id && r.event === 'end');
  assert.deepEqual(mine.map((r) => [r.attempt, r.outcome]), [[1, 'retry'], [2, 'retry'], [3, 'succeeded']]);
});

test('attempts run out: failed with the last error kept', async () => {
  const [id] = await enqueue(server, { payload: { failTimes: 9 }, maxAttempts: 2 });
  const job = await waitForJob(server, id, (j) => ENDED.has(j.state));
  assert.equal(job.state, 'failed');
  assert.equal(job.attempts, 2);
  assert.equal(job.lastError, 'transient test failure (attempt 2)');
  assert.match(job.finishedAtUtc, ISO_UTC);
});

test('a Retry-After the handler reports delays the next attempt at least that long', async () => {
  const [id] = await enqueue(server, { payload: { failTimes: 1, retryAfterSeconds: 30 }, maxAttempts: 3 });
  const waiting = await waitForJob(server, id, (j) => j.state === 'queued' && j.attempts === 1);
  assert.equal(waiting.lastError, 'transient test failure (attempt 1)');
  // the back-off ceiling is 1-2 s here; the handler's 30 s floor wins
  const delay = Date.parse(waiting.runAfterUtc) - Date.parse(waiting.updatedAtUtc);
  assert.ok(delay >= 30000, `run after ${waiting.runAfterUtc}, updated ${waiting.updatedAtUtc}`);
  const cancelled = await server.request('POST', `${BASE}/${id}/cancel`, { token: MACHINE_KEY });
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.body.data.state, 'cancelled');
});

test('cancel: a queued job is cancelled and never runs; retry queues it again and it runs', async () => {
  const assetId = randomUUID();
  const [blocker] = await enqueue(server, { payload: { sleepMs: 2500 }, assetId });
  await waitForJob(server, blocker, (j) => j.state === 'running');
  const [waiting] = await enqueue(server, { payload: {}, assetId }); // same asset: must wait
  const response = await server.request('POST', `${BASE}/${waiting}/cancel`, { token: MACHINE_KEY });
  assert.equal(response.status, 200, response.text);
  assert.deepEqual(Object.keys(response.body.data).sort(), JOB_FIELDS);
  assert.equal(response.body.data.state, 'cancelled');
  assert.equal(response.body.data.attempts, 0);
  assert.match(response.body.data.finishedAtUtc, ISO_UTC);
  expectError(assert, await server.request('POST', `${BASE}/${waiting}/cancel`, { token: MACHINE_KEY }),
    409, 'job_not_cancellable');
  await waitForJob(server, blocker, (j) => j.state === 'succeeded');
  assert.equal(readRuns(runs.log).filter((r) => r.jobId === waiting).length, 0, 'the cancelled job never ran');
  assert.equal((await getJob(server, waiting)).state, 'cancelled');

  const retried = await server.request('POST', `${BASE}/${waiting}/retry`, { token: MACHINE_KEY });
  assert.equal(retried.status, 200, retried.text);
  assert.equal(retried.body.data.state, 'queued');
  assert.equal(retried.body.data.attempts, 0);
  assert.equal(retried.body.data.finishedAtUtc, null);
  const done = await waitForJob(server, waiting, (j) => ENDED.has(j.state));
  assert.equal(done.state, 'succeeded');
  assert.equal(done.attempts, 1);
});

test('cancel: a running job gets cancelRequested and its handler stops with cancelled', async () => {
  const [id] = await enqueue(server, { payload: { sleepMs: 60000 } });
  await waitForJob(server, id, (j) => j.state === 'running');
  const response = await server.request('POST', `${BASE}/${id}/cancel`, { token: MACHINE_KEY });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.data.state, 'running');
  assert.equal(response.body.data.cancelRequested, true);
  const job = await waitForJob(server, id, (j) => ENDED.has(j.state));
  assert.equal(job.state, 'cancelled');
  assert.equal(job.cancelRequested, true);
  const end = readRuns(runs.log).find((r) => r.jobId === id && r.event === 'end');
  assert.equal(end.outcome, 'cancelled');
});

test('retry: only failed or cancelled jobs; a failed job runs again from attempt 1', async () => {
  const [done] = await enqueue(server, { payload: {} });
  await waitForJob(server, done, (j) => j.state === 'succeeded');
  expectError(assert, await server.request('POST', `${BASE}/${done}/retry`, { token: MACHINE_KEY }),
    409, 'job_not_retryable');
  expectError(assert, await server.request('POST', `${BASE}/${done}/cancel`, { token: MACHINE_KEY }),
    409, 'job_not_cancellable');
  const [running] = await enqueue(server, { payload: { sleepMs: 2000 } });
  await waitForJob(server, running, (j) => j.state === 'running');
  expectError(assert, await server.request('POST', `${BASE}/${running}/retry`, { token: MACHINE_KEY }),
    409, 'job_not_retryable');

  const [failing] = await enqueue(server, { payload: { failTimes: 9 }, maxAttempts: 1 });
  const failed = await waitForJob(server, failing, (j) => ENDED.has(j.state));
  assert.equal(failed.state, 'failed');
  const response = await server.request('POST', `${BASE}/${failing}/retry`, { token: rootToken });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.data.state, 'queued');
  assert.equal(response.body.data.attempts, 0);
  const again = await waitForJob(server, failing, (j) => ENDED.has(j.state));
  assert.equal(again.state, 'failed');
  assert.equal(again.attempts, 1);
  const starts = readRuns(runs.log).filter((r) => r.jobId === failing && r.event === 'start');
  assert.deepEqual(starts.map((r) => r.attempt), [1, 1]);
});

test('retry and cancel are audited with the actor and what changed', async () => {
  const [failing] = await enqueue(server, { payload: { failPermanently: true }, maxAttempts: 1 });
  await waitForJob(server, failing, (j) => j.state === 'failed');
  assert.equal((await server.request('POST', `${BASE}/${failing}/retry`, { token: rootToken })).status, 200);
  const [long] = await enqueue(server, { payload: { sleepMs: 60000 } });
  await waitForJob(server, long, (j) => j.state === 'running');
  assert.equal((await server.request('POST', `${BASE}/${long}/cancel`, { token: rootToken })).status, 200);

  const retryEntries = await auditEntries(server, rootToken, { target: failing });
  assert.equal(retryEntries.length, 1);
  const retry = retryEntries[0];
  assert.equal(retry.action, 'job.retry');
  assert.equal(retry.targetType, 'job');
  assert.equal(retry.targetId, failing);
  assert.equal(retry.targetName, 'test.sleep');
  assert.equal(retry.actorName, ROOT.username);
  assert.deepEqual(retry.changes.state, { before: 'failed', after: 'queued' });
  assert.deepEqual(retry.changes.attempts, { before: 1, after: 0 });

  const cancelEntries = await auditEntries(server, rootToken, { target: long });
  assert.equal(cancelEntries.length, 1);
  assert.equal(cancelEntries[0].action, 'job.cancel');
  assert.deepEqual(cancelEntries[0].changes.state, { before: 'running', after: 'running' });
  assert.deepEqual(cancelEntries[0].changes.cancelRequested, { before: false, after: true });
  await waitForJob(server, long, (j) => j.state === 'cancelled');
  // refused changes are not audited
  const refused = await server.request('POST', `${BASE}/${long}/cancel`, { token: rootToken });
  expectError(assert, refused, 409, 'job_not_cancellable');
  assert.equal((await auditEntries(server, rootToken, { target: long })).length, 1);
});

test('permissions: settings.read lists and reads, settings.update retries and cancels', async () => {
  const [id] = await enqueue(server, { payload: { failPermanently: true }, maxAttempts: 1 });
  await waitForJob(server, id, (j) => j.state === 'failed');
  const reader = await createUser(server, rootToken, { permissions: ['settings.read'] });
  const readerToken = (await login(server, reader.username, reader.password)).accessToken;
  const writer = await createUser(server, rootToken, { permissions: ['settings.update'] });
  const writerToken = (await login(server, writer.username, writer.password)).accessToken;
  const nobody = await createUser(server, rootToken, { permissions: ['assets.read'] });
  const nobodyToken = (await login(server, nobody.username, nobody.password)).accessToken;

  assert.equal((await server.request('GET', BASE, { token: readerToken })).status, 200);
  assert.equal((await server.request('GET', `${BASE}/${id}`, { token: readerToken })).status, 200);
  expectError(assert, await server.request('POST', `${BASE}/${id}/retry`, { token: readerToken }), 403);
  expectError(assert, await server.request('POST', `${BASE}/${id}/cancel`, { token: readerToken }), 403);

  expectError(assert, await server.request('GET', BASE, { token: writerToken }), 403);
  const retried = await server.request('POST', `${BASE}/${id}/retry`, { token: writerToken });
  assert.equal(retried.status, 200, retried.text);

  expectError(assert, await server.request('GET', BASE, { token: nobodyToken }), 403);
  expectError(assert, await server.request('GET', `${BASE}/${id}`, { token: nobodyToken }), 403);
  expectError(assert, await server.request('GET', BASE), 401);
  expectError(assert, await server.request('POST', `${BASE}/${id}/cancel`), 401);
});

test('jobs of one asset never run at the same time; other assets run alongside', async () => {
  const first = randomUUID();
  const second = randomUUID();
  const ids = [];
  for (let i = 0; i < 4; i++) {
    ids.push(...await enqueue(server, { payload: { sleepMs: 300 }, assetId: first }));
    ids.push(...await enqueue(server, { payload: { sleepMs: 300 }, assetId: second }));
  }
  const jobs = await waitForAll(server, ids);
  assert.ok(jobs.every((j) => j.state === 'succeeded'), JSON.stringify(jobs.map((j) => j.state)));
  const all = readRuns(runs.log);
  assertNoOverlap(all);
  // two workers and two assets: at some point a job of each ran at once
  const mine = all.filter((r) => ids.includes(r.jobId));
  let concurrent = false;
  const open = new Set();
  for (const run of mine) {
    if (run.event === 'start') {
      if ([...open].some((assetId) => assetId !== run.assetId)) concurrent = true;
      open.add(run.assetId);
    } else {
      open.delete(run.assetId);
    }
  }
  assert.ok(concurrent, 'the two assets never ran side by side');
});

test('metrics: jobs by state, finished attempts by outcome, job durations', async () => {
  const [id] = await enqueue(server, { payload: {} });
  await waitForJob(server, id, (j) => j.state === 'succeeded');
  const { succeeded, failed } = (await list()).counts;
  const text = await waitFor(async () => (await server.request('GET', '/metrics')).text,
    (body) => body.includes('nekohub_jobs{state="succeeded"}'));
  const value = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    assert.ok(line, `${name} in /metrics`);
    return Number(line.split(' ')[1]);
  };
  assert.ok(value('nekohub_jobs{state="succeeded"}') >= succeeded);
  assert.ok(value('nekohub_jobs{state="failed"}') >= failed);
  assert.equal(value('nekohub_jobs{state="queued"}') >= 0, true);
  assert.ok(value('nekohub_jobs_finished_total{outcome="succeeded"}') >= 1);
  assert.ok(value('nekohub_jobs_finished_total{outcome="retried"}') >= 1);
  assert.ok(value('nekohub_jobs_finished_total{outcome="failed"}') >= 1);
  assert.ok(value('nekohub_jobs_finished_total{outcome="cancelled"}') >= 1);
  assert.ok(value('nekohub_job_duration_seconds_count') >= 1);
  assert.match(text, /# TYPE nekohub_job_duration_seconds histogram/);
});
