// jobs.js - helpers for the job queue suites: the test-only job kind test.sleep (test builds
// with NEKOHUB_TEST_JOBS=1; see src/jobs/job_test_kind.h), its run log, polling the jobs API,
// and `nekohub worker` processes that share a test server's database.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withTimeout, databaseKind, sanitizerEnv, spawnLogged } from './server.js';

export const MACHINE_KEY = 'jobs-machine-key-0123456789';

export const sleep = (ms) => new Promise((resolveSleep) => { setTimeout(resolveSleep, ms); });

// Environment of a server (or worker) running test.sleep jobs that records runs in logPath.
export function jobsEnv(logPath, extra = {}) {
  return {
    NEKOHUB_TEST_JOBS: '1',
    NEKOHUB_TEST_JOBS_LOG: logPath,
    Auth__ApiKey__Enabled: 'true',
    Auth__ApiKey__Keys__0: MACHINE_KEY,
    Processing__RetryBaseSeconds: '1',
    Processing__RetryMaxSeconds: '2',
    Processing__PollIntervalMilliseconds: '100',
    ...extra,
  };
}

// A fresh directory for run logs; returns { dir, log, cleanup }.
export function runLogDir() {
  const dir = mkdtempSync(join(tmpdir(), 'nekohub-jobs-'));
  return { dir, log: join(dir, 'runs.log'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Enqueue test.sleep jobs; returns their ids.
export async function enqueue(server, { payload = {}, assetId, maxAttempts, count } = {},
  token = MACHINE_KEY) {
  const json = { payload };
  if (assetId !== undefined) json.assetId = assetId;
  if (maxAttempts !== undefined) json.maxAttempts = maxAttempts;
  if (count !== undefined) json.count = count;
  const response = await server.request('POST', '/api/v1/system/jobs/test', { json, token });
  assert.equal(response.status, 201, response.text);
  return response.body.data.ids;
}

export async function getJob(server, id, token = MACHINE_KEY) {
  const response = await server.request('GET', `/api/v1/system/jobs/${id}`, { token });
  assert.equal(response.status, 200, response.text);
  return response.body.data;
}

// Poll until check(value) is true for value = await read(); returns that value. Fails with
// describe(value) after the deadline (generous: the machine is shared).
export async function waitFor(read, check, { timeoutMs = 60000, intervalMs = 100,
  describe = (value) => JSON.stringify(value) } = {}) {
  const deadline = Date.now() + timeoutMs;
  let value;
  for (;;) {
    value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) assert.fail(`condition not met in ${timeoutMs} ms: ${describe(value)}`);
    await sleep(intervalMs);
  }
}

export function waitForJob(server, id, check, options) {
  return waitFor(() => getJob(server, id), check, options);
}

export const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

// Every job id in ids ended; returns them.
export async function waitForAll(server, ids, options = {}) {
  const jobs = [];
  for (const id of ids) jobs.push(await waitForJob(server, id, (job) => ENDED.has(job.state), options));
  return jobs;
}

// The run log: [{ event: 'start'|'end', jobId, assetId|null, attempt, pid, outcome? }] in file
// order (one write per line, O_APPEND: a total order over every process), and { event: 'kill',
// pid } lines a test appends after it killed a process.
export function readRuns(logPath) {
  if (!existsSync(logPath)) return [];
  return readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((line) => {
    const fields = line.split(' ');
    if (fields[0] === 'kill') return { event: 'kill', pid: Number(fields[1]) };
    const [event, jobId, asset, attempt, pid, outcome] = fields;
    return { event, jobId, assetId: asset === '-' ? null : asset, attempt: Number(attempt),
      pid: Number(pid), outcome };
  });
}

// Record in the run log that pid was killed (call once the process is gone).
export function noteKill(logPath, pid) {
  appendFileSync(logPath, `kill ${pid}\n`);
}

// Assert, in file order, that no job ran twice at once and no two jobs of one asset ran at
// once. The runs of a killed process end at its kill line.
export function assertNoOverlap(runs) {
  const running = new Map(); // jobId -> { pid, assetId }
  for (const run of runs) {
    if (run.event === 'kill') {
      for (const [jobId, entry] of running) if (entry.pid === run.pid) running.delete(jobId);
    } else if (run.event === 'start') {
      assert.ok(!running.has(run.jobId), `job ${run.jobId} started while it was running`);
      for (const [jobId, entry] of running) {
        assert.ok(!run.assetId || entry.assetId !== run.assetId,
          `jobs ${jobId} and ${run.jobId} of asset ${run.assetId} ran at the same time`);
      }
      running.set(run.jobId, { pid: run.pid, assetId: run.assetId });
    } else if (run.event === 'end') {
      running.delete(run.jobId);
    }
  }
}

// A `nekohub worker` process on the database of `server` (same databaseEnv; for SQLite the
// server's database file). Its own data directory unless one is given.
export class JobWorker {
  constructor(server, { env = {}, dataDir } = {}) {
    this.server = server;
    this.ownDataDir = !dataDir;
    this.dataDir = dataDir || mkdtempSync(join(tmpdir(), 'nekohub-worker-'));
    this.extraEnv = env;
    this.logs = [];
    this.stderrText = '';
  }

  databaseEnv() {
    if (databaseKind === 'postgres') return this.server.databaseEnv;
    return { Persistence__Database__ConnectionString: join(this.server.dataDir, 'nekohub.db') };
  }

  async start() {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME || '/tmp', ...sanitizerEnv,
      ...this.databaseEnv(), ...this.extraEnv };
    const ready = spawnLogged(this, ['worker', '--data-dir', this.dataDir], env,
      (line) => (line.event === 'worker_started' ? true : undefined), 'nekohub worker', 'starting');
    this.pid = this.process.pid;
    await withTimeout(ready, 30000, () => `nekohub worker did not start:\n${this.stderrText}`);
    return this;
  }

  async stop(signal = 'SIGTERM', { allowFailure = false } = {}) {
    if (!this.process) return this.exitStatus;
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    this.exitStatus = await withTimeout(this.exited, 60000, () => 'nekohub worker did not stop');
    if (!allowFailure) {
      const report = /(AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer|ThreadSanitizer)/;
      assert.ok(!report.test(this.stderrText), `sanitizer report from the worker:\n${this.stderrText.slice(-8000)}`);
      assert.equal(this.exitStatus.code, 0, `worker exit ${JSON.stringify(this.exitStatus)}:\n${this.stderrText.slice(-4000)}`);
    }
    return this.exitStatus;
  }

  cleanup() {
    if (this.ownDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
