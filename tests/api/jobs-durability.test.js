// jobs-durability.test.js - the job queue survives what kills processes: kill -9 of the server
// while jobs run (after a restart every job completes, interrupted ones once more, finished
// ones never again), a graceful stop (running jobs finish within the grace period or are handed
// back without counting the attempt), and `nekohub worker` processes sharing one database (no
// job runs twice, no two jobs of one asset at once, a killed worker's job is taken over after
// its lease), and end to end with uploads: kill -9 while thumbnails are made, restart, every
// asset ends with exactly one thumbnail_256. Jobs are test.sleep jobs of the test build (src/jobs/job_test_kind.h); the run
// log orders every start and end of every process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY as ACCOUNTS_KEY, runSql } from './lib/accounts.js';
import { uploadOk } from './lib/assets.js';
import { png } from './lib/images.js';
import {
  jobsEnv, runLogDir, enqueue, getJob, waitFor, waitForJob, waitForAll, readRuns, noteKill,
  assertNoOverlap, JobWorker,
} from './lib/jobs.js';

const starts = (runs, id) => runs.filter((r) => r.event === 'start' && r.jobId === id);
const ends = (runs, id) => runs.filter((r) => r.event === 'end' && r.jobId === id);

test('kill -9 while jobs run: after a restart every job completes, interrupted ones once more', async () => {
  const runs = runLogDir();
  const env = jobsEnv(runs.log, { Processing__Workers: '2', Processing__LeaseSeconds: '5' });
  const server = await startServer({ env });
  try {
    // a job that finished before the crash must not run again
    const [early] = await enqueue(server, { payload: { sleepMs: 10 } });
    await waitForJob(server, early, (j) => j.state === 'succeeded');
    const assetA = randomUUID();
    const assetB = randomUUID();
    const ids = [
      ...await enqueue(server, { payload: { sleepMs: 3000 }, assetId: assetA, count: 3 }),
      ...await enqueue(server, { payload: { sleepMs: 3000 }, assetId: assetB, count: 3 }),
      ...await enqueue(server, { payload: { sleepMs: 200 }, count: 4 }),
    ];
    // both workers are in the middle of a 3 s job, nothing of this batch has ended yet
    await waitFor(() => readRuns(runs.log), (all) => all.filter((r) => r.event === 'start' && ids.includes(r.jobId)).length >= 2);
    const oldPid = server.process.pid;
    await server.stop('SIGKILL', { allowFailure: true });
    noteKill(runs.log, oldPid);
    const beforeRestart = readRuns(runs.log);
    const interrupted = beforeRestart.filter((r) => r.event === 'start' && ids.includes(r.jobId)).map((r) => r.jobId);
    assert.equal(interrupted.length, 2);
    assert.equal(beforeRestart.filter((r) => r.event === 'end' && ids.includes(r.jobId)).length, 0,
      'the kill came before any job of the batch ended');

    await server.start();
    const jobs = await waitForAll(server, ids, { timeoutMs: 120000 });
    const all = readRuns(runs.log);
    assertNoOverlap(all);
    for (const job of jobs) {
      assert.equal(job.state, 'succeeded', `${job.id}: ${job.lastError}`);
      // completed exactly once in effect: one successful end per job
      assert.deepEqual(ends(all, job.id).map((r) => r.outcome), ['succeeded'], job.id);
      const expected = interrupted.includes(job.id) ? 2 : 1;
      assert.equal(job.attempts, expected, `${job.id} attempts`);
      assert.equal(starts(all, job.id).length, expected, `${job.id} starts`);
      assert.equal(ends(all, job.id)[0].pid, server.process.pid);
    }
    assert.equal(starts(all, early).length, 1, 'the job finished before the crash did not run again');
    assert.equal((await getJob(server, early)).attempts, 1);
  } finally {
    await server.stop();
    server.cleanup();
    runs.cleanup();
  }
});

test('graceful stop: a job that ends within the grace period finishes; one that does not is handed back', async () => {
  const runs = runLogDir();
  const server = await startServer({ env: jobsEnv(runs.log, { Processing__Workers: '1',
    Processing__ShutdownGraceSeconds: '20' }) });
  try {
    const [short] = await enqueue(server, { payload: { sleepMs: 1500 } });
    await waitForJob(server, short, (j) => j.state === 'running');
    await server.stop();
    assert.equal(runSql(server, `SELECT status, attempts FROM jobs WHERE id = '${short}'`).trim(), 'succeeded|1');

    server.extraEnv = { ...server.extraEnv, Processing__ShutdownGraceSeconds: '0' };
    await server.start();
    const [long] = await enqueue(server, { payload: { sleepMs: 4000 } });
    await waitForJob(server, long, (j) => j.state === 'running');
    await server.stop();
    // handed back: queued, the attempt not counted, no lease; its handler saw the lease lost
    assert.equal(runSql(server,
      `SELECT status, attempts, COALESCE(locked_by, '-'), COALESCE(locked_until, 0) FROM jobs WHERE id = '${long}'`).trim(),
    'queued|0|-|0');
    assert.deepEqual(ends(readRuns(runs.log), long).map((r) => r.outcome), ['lost']);
    assert.match(server.stderrText, /"event":"job_handed_back"/);

    await server.start();
    const job = await waitForJob(server, long, (j) => j.state === 'succeeded');
    assert.equal(job.attempts, 1);
    assert.deepEqual(ends(readRuns(runs.log), long).map((r) => r.outcome), ['lost', 'succeeded']);
  } finally {
    await server.stop();
    server.cleanup();
    runs.cleanup();
  }
});

test('two nekohub worker processes share the queue: no job runs twice, no asset runs two jobs at once', async () => {
  const runs = runLogDir();
  const env = jobsEnv(runs.log, { Processing__Workers: '3', Processing__PollIntervalMilliseconds: '20' });
  const server = await startServer({ env: { ...env, Processing__Workers: '0' } }); // serve only
  const workers = [new JobWorker(server, { env }), new JobWorker(server, { env })];
  try {
    for (const worker of workers) await worker.start();
    const ids = [];
    // many workers racing for few assets: every claim contends for an asset another claimer may
    // be taking at the same moment
    const assets = [randomUUID(), randomUUID()];
    for (let round = 0; round < 15; round++) {
      for (const assetId of assets) ids.push(...await enqueue(server, { payload: { sleepMs: 40 }, assetId }));
    }
    ids.push(...await enqueue(server, { payload: { sleepMs: 40 }, count: 10 }));
    const jobs = await waitForAll(server, ids, { timeoutMs: 120000 });
    const all = readRuns(runs.log);
    assertNoOverlap(all);
    for (const job of jobs) {
      assert.equal(job.state, 'succeeded', `${job.id}: ${job.lastError}`);
      assert.equal(job.attempts, 1);
      assert.equal(starts(all, job.id).length, 1, `${job.id} ran once`);
      assert.equal(job.lockedBy, null);
    }
    const pids = new Set(all.filter((r) => r.event === 'start').map((r) => r.pid));
    assert.deepEqual([...pids].sort(), workers.map((w) => w.pid).sort(),
      'both workers ran jobs, the serve-only server none');
    for (const worker of workers) await worker.stop();
    assert.ok(workers.every((w) => w.logs.some((l) => l.event === 'job_finished')));
  } finally {
    for (const worker of workers) {
      await worker.stop('SIGTERM', { allowFailure: true });
      worker.cleanup();
    }
    await server.stop();
    server.cleanup();
    runs.cleanup();
  }
});

test('a worker killed mid-job: the other worker takes its job once the lease ran out', async () => {
  const runs = runLogDir();
  const env = jobsEnv(runs.log, { Processing__Workers: '1', Processing__LeaseSeconds: '5' });
  const server = await startServer({ env: { ...env, Processing__Workers: '0' } });
  const workers = [new JobWorker(server, { env }), new JobWorker(server, { env })];
  try {
    for (const worker of workers) await worker.start();
    const assetId = randomUUID();
    const [victim] = await enqueue(server, { payload: { sleepMs: 3000 }, assetId });
    const [first] = await waitFor(() => starts(readRuns(runs.log), victim), (list) => list.length === 1);
    const killed = workers.find((w) => w.pid === first.pid);
    const survivor = workers.find((w) => w.pid !== first.pid);
    assert.ok(killed && survivor, 'the job ran in one of the workers');
    await killed.stop('SIGKILL', { allowFailure: true });
    noteKill(runs.log, killed.pid);
    // another job of the same asset waits for the dead worker's lease too
    const [sibling] = await enqueue(server, { payload: { sleepMs: 100 }, assetId });
    const [job, other] = await waitForAll(server, [victim, sibling], { timeoutMs: 60000 });
    assert.equal(job.state, 'succeeded', job.lastError);
    assert.equal(job.attempts, 2);
    assert.equal(other.state, 'succeeded', other.lastError);
    const all = readRuns(runs.log);
    assertNoOverlap(all);
    assert.deepEqual(starts(all, victim).map((r) => [r.attempt, r.pid]), [[1, killed.pid], [2, survivor.pid]]);
    assert.deepEqual(ends(all, victim).map((r) => [r.pid, r.outcome]), [[survivor.pid, 'succeeded']]);
    assert.equal(starts(all, sibling).length, 1);
    assert.equal(starts(all, sibling)[0].pid, survivor.pid);
    await survivor.stop();
  } finally {
    for (const worker of workers) {
      await worker.stop('SIGTERM', { allowFailure: true });
      worker.cleanup();
    }
    await server.stop();
    server.cleanup();
    runs.cleanup();
  }
});

test('uploads: kill -9 while their thumbnails are made; after a restart every asset has exactly one of each derivative', async () => {
  const server = await startServer({ env: accountsEnv({ Processing__Workers: '2',
    Processing__LeaseSeconds: '5', Processing__PollIntervalMilliseconds: '100' }, { machineKeys: true }) });
  const token = ACCOUNTS_KEY;
  try {
    const assets = [];
    for (let i = 0; i < 10; i++) {
      assets.push(await uploadOk(server, token, { file: { data: png(1600, 1200, { seed: 7000 + i }),
        filename: `d${i}.png`, contentType: 'image/png' } }));
    }
    // kill while a job is running (so a step may be cut anywhere) and others still wait
    const jobs = async () => (await server.request('GET', '/api/v1/system/jobs?pageSize=200', { token })).body.data;
    await waitFor(jobs, (page) => page.counts.running > 0);
    await server.stop('SIGKILL', { allowFailure: true });
    const pending = runSql(server, "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')").trim();
    assert.ok(Number(pending) > 0, 'the kill came while jobs were pending');

    await server.start();
    for (const asset of assets) {
      const done = await waitFor(async () => (await server.request('GET', `/api/v1/assets/${asset.id}`, { token })).body.data,
        (data) => data.processing.pendingJobs === 0, { timeoutMs: 180000 });
      assert.deepEqual(done.processing, { state: 'idle', pendingJobs: 0, lastError: null }, asset.id);
      const kinds = done.derivatives.map((d) => d.kind).sort();
      assert.deepEqual(kinds, ['preview_1024', 'thumbnail_256'], `${asset.id}: ${JSON.stringify(done.derivatives)}`);
      const thumbnail = await server.request('GET', done.derivatives.find((d) => d.kind === 'thumbnail_256').contentUrl, { token });
      assert.equal(thumbnail.status, 200);
      const page = await server.request('GET', `/api/v1/system/jobs?assetId=${asset.id}`, { token });
      assert.equal(page.body.data.total, 1);
      const [job] = page.body.data.items;
      assert.equal(job.state, 'succeeded', job.lastError);
      // one execution record per attempt that finished (a killed attempt wrote none)
      const history = await server.request('GET', `/api/v1/assets/${asset.id}/executions`, { token });
      assert.equal(history.status, 200, history.text);
      const attempts = history.body.data.items.map((e) => e.attempt);
      assert.ok(attempts.length >= 1 && attempts.length <= job.attempts, `${attempts} of ${job.attempts}`);
      assert.equal(new Set(attempts).size, attempts.length, 'no attempt recorded twice');
    }
    const rows = runSql(server, "SELECT kind, COUNT(*) FROM asset_derivatives GROUP BY kind ORDER BY kind").trim();
    assert.equal(rows, `preview_1024|${assets.length}\nthumbnail_256|${assets.length}`);
  } finally {
    await server.stop();
    server.cleanup();
  }
});
