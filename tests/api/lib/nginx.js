// nginx.js - Debian's real nginx in front of a test NekoHub, configured from the very template
// docs/operations.md shows (docs/nginx/nekohub.conf.template): rendered without its TLS lines
// (those ending in "# tls"), listening on a free loopback port, with its own prefix directory
// for pid, logs, temporary files and the content cache. `user root;` lets the worker read the
// test server's 0600 files (the master runs as root in the test environment); production runs
// the worker as an account that may read the storage root (see docs/operations.md).
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NekoHub, repoRoot, withTimeout } from './server.js';

export const NGINX = process.env.NEKOHUB_TEST_NGINX || '/usr/sbin/nginx';
export const TEMPLATE = join(repoRoot, 'docs/nginx/nekohub.conf.template');

// The template with values for its {{NAME}} placeholders; TLS lines dropped unless tls.
// Throws when a placeholder is left without a value.
export function renderTemplate(values, { tls = false, text = readFileSync(TEMPLATE, 'utf8') } = {}) {
  const lines = text.split('\n').filter((line) => tls || !/#\s*tls\s*$/.test(line));
  const rendered = lines.join('\n').replace(/\{\{([A-Z_]+)\}\}/g, (whole, name) => {
    if (!(name in values)) throw new Error(`no value for ${whole} in ${TEMPLATE}`);
    return String(values[name]);
  });
  return rendered;
}

export function freePort() {
  return new Promise((resolvePort, rejectPort) => {
    const probe = net.createServer();
    probe.on('error', rejectPort);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function portAnswers(port) {
  return new Promise((resolveProbe) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => { socket.destroy(); resolveProbe(true); });
    socket.on('error', () => resolveProbe(false));
  });
}

export class Nginx {
  // nekohubPort: where NekoHub listens; storageRoot: its Storage__Local__RootPath (absolute);
  // accelPrefix: its Server__AccelRedirect__Prefix; maxBodySize: client_max_body_size;
  // workerUser: the `user` of nginx's workers (root by default when the tests run as root).
  constructor({ nekohubPort, storageRoot, accelPrefix = '/_protected/', maxBodySize = '11m',
    workerUser = process.getuid && process.getuid() === 0 ? 'root' : null }) {
    this.workerUser = workerUser;
    this.dir = mkdtempSync(join(tmpdir(), 'nekohub-nginx-'));
    this.values = {
      NEKOHUB: `127.0.0.1:${nekohubPort}`,
      STORAGE_ROOT: storageRoot.replace(/\/+$/, ''),
      ACCEL_PREFIX: accelPrefix,
      MAX_BODY_SIZE: maxBodySize,
      SERVER_NAME: 'localhost',
      CACHE_DIR: join(this.dir, 'cache'),
    };
    this.stderrText = '';
  }

  async start() {
    this.port = await freePort();
    const site = renderTemplate({ ...this.values, LISTEN: `127.0.0.1:${this.port}` });
    writeFileSync(join(this.dir, 'nekohub.conf'), site);
    mkdirSync(join(this.dir, 'logs'));
    const user = this.workerUser ? `user ${this.workerUser};\n` : '';
    if (this.workerUser && this.workerUser !== 'root') chmodSync(this.dir, 0o711); // its temp dirs
    writeFileSync(join(this.dir, 'nginx.conf'), `${user}worker_processes 1;
pid ${this.dir}/nginx.pid;
error_log ${this.dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${this.dir}/logs/access.log;
  client_body_temp_path ${this.dir}/client_body;
  proxy_temp_path ${this.dir}/proxy;
  fastcgi_temp_path ${this.dir}/fastcgi;
  uwsgi_temp_path ${this.dir}/uwsgi;
  scgi_temp_path ${this.dir}/scgi;
  include ${this.dir}/nekohub.conf;
}
`);
    this.process = spawn(NGINX, ['-p', this.dir, '-c', join(this.dir, 'nginx.conf'), '-g', 'daemon off;'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    this.process.stderr.on('data', (chunk) => { this.stderrText += chunk; });
    this.exited = new Promise((resolveExit) => {
      this.process.on('exit', (code, signal) => resolveExit({ code, signal }));
    });
    let failed = null;
    this.exited.then((status) => { failed = status; });
    try {
      await withTimeout((async () => {
        while (!(await portAnswers(this.port))) {
          if (failed) throw new Error(`nginx exited (${JSON.stringify(failed)}): ${this.stderrText}`);
          await new Promise((resolveWait) => { setTimeout(resolveWait, 20); });
        }
      })(), 15000, () => `nginx did not start: ${this.stderrText}`);
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.baseUrl = `http://127.0.0.1:${this.port}`;
    return this;
  }

  url(path) { return `${this.baseUrl}${path}`; }

  // The test server's request() (JSON convenience), sent through nginx.
  request(...args) { return NekoHub.prototype.request.apply(this, args); }

  errorLog() {
    try { return readFileSync(join(this.dir, 'logs/error.log'), 'utf8'); } catch { return ''; }
  }

  async stop() {
    if (this.process && this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGTERM');
      await withTimeout(this.exited, 15000, 'nginx did not stop');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
