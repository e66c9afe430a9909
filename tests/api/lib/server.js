// server.js - start a real `nekohub` for black-box tests: a free port, a temp data directory,
// and a fresh database (SQLite file, or a new PostgreSQL database when NEKOHUB_TEST_DB is
// "postgres"). Collects the JSON log lines; on stop, fails when the process did not exit 0 or
// a sanitizer reported anything.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const binary = process.env.NEKOHUB_BIN || join(repoRoot, 'build/test/nekohub');
export const databaseKind = process.env.NEKOHUB_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

export const sanitizerEnv = {
  ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:allocator_may_return_null=1',
  LSAN_OPTIONS: `suppressions=${join(repoRoot, 'tests/lsan.supp')}:print_suppressions=0`,
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
  // Only read by the ThreadSanitizer build (scripts/run-tsan-tests.sh may pass its own).
  TSAN_OPTIONS: process.env.TSAN_OPTIONS
    || `halt_on_error=1:second_deadlock_stack=1:suppressions=${join(repoRoot, 'tests/tsan.supp')}`,
};

function createPostgresDatabase() {
  const host = process.env.NEKOHUB_TEST_PG_HOST;
  const port = process.env.NEKOHUB_TEST_PG_PORT;
  if (!host || !port) throw new Error('NEKOHUB_TEST_PG_HOST/PORT must be set for postgres tests');
  const name = `nh_${randomBytes(6).toString('hex')}`;
  execFileSync('psql', ['-h', host, '-p', port, '-U', 'postgres', '-d', 'postgres', '-q',
    '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  return { name, connectionString: `Host=${host};Port=${port};Database=${name};Username=postgres;Pooling=true` };
}

// Environment every test server gets unless a test overrides it.
export function databaseEnv() {
  if (databaseKind !== 'postgres') return {};
  const database = createPostgresDatabase();
  return {
    Persistence__Database__Provider: 'postgresql',
    Persistence__Database__ConnectionString: database.connectionString,
  };
}

// Spawn nekohub with args and env on owner (a test server or worker): its process, `exited`
// (resolves with {code, signal}), `logs` (the JSON lines of stderr) and `stderrText`. Resolves
// with what readyValue returns for the first log line it answers (not undefined); rejects when
// the process exits before that.
export function spawnLogged(owner, args, env, readyValue, name, awaited) {
  owner.logs = [];
  owner.stderrText = '';
  owner.process = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  owner.exited = new Promise((resolveExit) => {
    owner.process.on('exit', (code, signal) => resolveExit({ code, signal }));
  });
  return new Promise((resolveReady, rejectReady) => {
    let pending = '';
    owner.process.stderr.on('data', (chunk) => {
      const text = chunk.toString();
      owner.stderrText += text;
      pending += text;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        let parsed = null;
        try { parsed = JSON.parse(line); } catch { /* sanitizer or other text */ }
        if (!parsed) continue;
        owner.logs.push(parsed);
        const value = readyValue(parsed);
        if (value !== undefined) resolveReady(value);
      }
    });
    owner.process.stdout.on('data', () => {});
    owner.exited.then(({ code }) => rejectReady(new Error(
      `${name} exited with ${code} before ${awaited}:\n${owner.stderrText}`)));
  });
}

export class NekoHub {
  constructor({ env = {}, dataDir, args = [] } = {}) {
    this.ownDataDir = !dataDir;
    this.dataDir = dataDir || mkdtempSync(join(tmpdir(), 'nekohub-test-'));
    this.extraEnv = env;
    this.args = args;
    this.logs = [];
    this.stderrText = '';
  }

  async start() {
    if (!this.databaseEnv) this.databaseEnv = databaseEnv();
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME || '/tmp',
      ...sanitizerEnv,
      ...this.databaseEnv,
      Auth__Password__HashConcurrency: '4',
      ...this.extraEnv,
    };
    const listening = spawnLogged(this, ['serve', '--port', '0', '--listen', '127.0.0.1',
      '--data-dir', this.dataDir, ...this.args], env,
    (line) => (line.event === 'listening' ? line.port : undefined), 'nekohub', 'listening');
    this.port = await withTimeout(listening, 30000, () => `nekohub did not start:\n${this.stderrText}`);
    this.baseUrl = `http://127.0.0.1:${this.port}`;
    return this;
  }

  // Stop with a signal; resolves with the exit status. Throws when sanitizers complained or
  // the exit was not clean.
  // A server that already died (a sanitizer halting it, a crash) is checked all the same, so
  // its report is not lost.
  async stop(signal = 'SIGTERM', { allowFailure = false } = {}) {
    if (!this.process) return this.exitStatus;
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    this.exitStatus = await withTimeout(this.exited, 30000, () => 'nekohub did not stop');
    if (!allowFailure) this.assertClean();
    return this.exitStatus;
  }

  assertClean() {
    const report = /(AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer|ThreadSanitizer)/;
    if (report.test(this.stderrText)) {
      throw new Error(`sanitizer report from nekohub:\n${this.stderrText.slice(-8000)}`);
    }
    if (this.exitStatus && this.exitStatus.code !== 0) {
      throw new Error(`nekohub exited with ${JSON.stringify(this.exitStatus)}:\n${this.stderrText.slice(-4000)}`);
    }
  }

  async restart() {
    await this.stop();
    return this.start();
  }

  cleanup() {
    if (this.ownDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  url(path) { return `${this.baseUrl}${path}`; }

  // fetch with JSON convenience: { json } body, returns { status, headers, body (parsed JSON
  // or text), text }.
  async request(method, path, { json, body, headers = {}, token } = {}) {
    const allHeaders = { ...headers };
    if (token) allHeaders.Authorization = `Bearer ${token}`;
    let payload = body;
    if (json !== undefined) {
      payload = JSON.stringify(json);
      allHeaders['Content-Type'] = allHeaders['Content-Type'] || 'application/json';
    }
    const response = await fetch(this.url(path), { method, headers: allHeaders, body: payload, redirect: 'manual' });
    const text = await response.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }
}

export async function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(typeof message === 'function' ? message() : message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Start a server for a test file; stops and cleans it after.
export async function startServer(options) {
  const server = new NekoHub(options);
  await server.start();
  return server;
}

// Run the binary as a command (not a server) and collect its output.
export function runCommand(args, { env = {}, input } = {}) {
  return new Promise((resolveRun) => {
    const child = spawn(binary, args, {
      env: { PATH: process.env.PATH, ...sanitizerEnv, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('exit', (code) => resolveRun({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input); else child.stdin.end();
  });
}

// Assert the standard error envelope and return its error object.
export function expectError(assert, response, status, code) {
  assert.equal(response.status, status, `status (body: ${response.text})`);
  assert.ok(response.body && response.body.error, `error envelope expected, got: ${response.text}`);
  const error = response.body.error;
  assert.equal(error.status, status);
  if (code) assert.equal(error.code, code, `code (message: ${error.message})`);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  assert.equal(error.traceId, response.headers.get('x-request-id'));
  return error;
}

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?\+00:00$/;
