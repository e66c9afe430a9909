// github-api.js - a small, strict stand-in for the parts of the GitHub API NekoHub uses
// (spec storage-providers.md §11.3, §12): the contents API (GET file / directory listing, PUT
// create-or-update with GitHub's sha rules, DELETE with sha) on one server, raw reads
// (`/{owner}/{repo}/{ref...}/{path}`, refs with '/' resolved against the known branches) on a
// second one, and download_url reads (raw URLs, with `?token=` for private repositories, as
// GitHub does). Both listen on 127.0.0.1, port 0.
//
// It is strict where GitHub is, and stricter where NekoHub promises something: the token
// (`Authorization: Bearer`) is checked on API calls (missing on a private repository → 404,
// wrong → 401 "Bad credentials", read-only token writing → 403), the Accept, User-Agent and
// X-GitHub-Api-Version headers must be there, a token sent to a raw URL is refused (400) and
// recorded in `violations`, bodies must be JSON with valid base64 and a known branch.
//
// Test controls: rateLimit() (403 with X-RateLimit-Remaining: 0 and X-RateLimit-Reset, 403
// secondary limit with Retry-After, or 429 with Retry-After), failNext() (5xx), counters per
// route (`count('GET contents')`, `count('PUT contents')`, `count('DELETE contents')`,
// `count('GET raw')`, ...), a one-shot hook run between a client's read and its write
// (`beforeWrite`), the request log, the commits, and direct access to stored files
// (getFile, putFile, deleteFile, listFiles).
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';

const INLINE_LIMIT = 1024 * 1024; // GitHub inlines content up to 1 MB
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function blobSha(bytes) {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

// GitHub's base64 layout: lines of 60 characters.
function githubBase64(bytes) {
  return (bytes.toString('base64').match(/.{1,60}/g) || []).join('\n') + (bytes.length ? '\n' : '');
}

function sendJson(response, status, body, headers = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

function githubError(response, status, message, headers = {}) {
  sendJson(response, status, { message, documentation_url: 'https://docs.github.com/rest',
    status: String(status) }, headers);
}

function readBody(request) {
  return new Promise((resolveBody, rejectBody) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolveBody(Buffer.concat(chunks)));
    request.on('error', rejectBody);
  });
}

export class GitHubStandIn {
  // owner/repo: the one repository served; branches: known refs ('release/v2' works);
  // token: the valid token (null = none accepted); isPrivate: reads need the token;
  // readOnlyToken: a second token that may read but not write (403 on writes);
  // inlineLimit: files up to this size come inline in the contents answer, larger ones only
  // through download_url (GitHub: 1 MB).
  constructor({ owner = 'neko', repo = 'images', branches = ['main'], token = 'ghp_standin_token_0123456789',
    isPrivate = false, readOnlyToken = null, inlineLimit = INLINE_LIMIT } = {}) {
    Object.assign(this, { owner, repo, token, isPrivate, readOnlyToken, inlineLimit });
    this.branches = new Map(branches.map((name) => [name, new Map()]));
    this.downloadToken = `dl_${randomBytes(8).toString('hex')}`;
    this.counters = new Map();
    this.log = [];
    this.violations = [];
    this.commits = [];
    this.rateLimits = [];
    this.failures = [];
    this.beforeWrite = null;
  }

  async start() {
    this.api = http.createServer((req, res) => this.handle(req, res, 'api'));
    this.raw = http.createServer((req, res) => this.handle(req, res, 'raw'));
    await Promise.all([this.api, this.raw].map((server) => new Promise((resolveListen) => {
      server.listen(0, '127.0.0.1', resolveListen);
    })));
    this.apiBaseUrl = `http://127.0.0.1:${this.api.address().port}`;
    this.rawBaseUrl = `http://127.0.0.1:${this.raw.address().port}`;
    return this;
  }

  async stop() {
    await Promise.all([this.api, this.raw].filter(Boolean).map((server) => new Promise((resolveClose) => {
      server.closeAllConnections?.();
      server.close(() => resolveClose());
    })));
  }

  // ---- test controls ----------------------------------------------------------------------

  // The next `times` requests matching `route` ('GET contents', 'PUT contents', 'GET raw', or
  // '*') are refused: kind 'primary' (403, X-RateLimit-Remaining: 0, X-RateLimit-Reset),
  // 'secondary' (403 with Retry-After) or '429' (429 with Retry-After).
  rateLimit({ route = '*', times = 1, kind = 'primary', retryAfter = 120, resetIn = 300 } = {}) {
    this.rateLimits.push({ route, times, kind, retryAfter, resetIn });
  }

  // The next `times` requests matching route answer `status` (a 5xx).
  failNext({ route = '*', times = 1, status = 502 } = {}) {
    this.failures.push({ route, times, status });
  }

  count(route) { return this.counters.get(route) || 0; }

  resetCounters() { this.counters.clear(); this.log = []; }

  branch(name) {
    const files = this.branches.get(name);
    if (!files) throw new Error(`unknown branch ${name}`);
    return files;
  }

  getFile(branch, path) {
    const file = this.branch(branch).get(path);
    return file ? { content: Buffer.from(file.content), sha: file.sha } : null;
  }

  putFile(branch, path, bytes) {
    const content = Buffer.from(bytes);
    const file = { content, sha: blobSha(content) };
    this.branch(branch).set(path, file);
    return file.sha;
  }

  deleteFile(branch, path) { return this.branch(branch).delete(path); }

  listFiles(branch) { return [...this.branch(branch).keys()].sort(); }

  // ---- dispatch ----------------------------------------------------------------------------

  bump(route) { this.counters.set(route, this.count(route) + 1); }

  takeInjected(list, route) {
    const index = list.findIndex((entry) => entry.times > 0 && (entry.route === '*' || entry.route === route));
    if (index < 0) return null;
    const entry = list[index];
    entry.times -= 1;
    if (entry.times === 0) list.splice(index, 1);
    return entry;
  }

  async handle(req, res, server) {
    try {
      await this.dispatch(req, res, server);
    } catch (error) {
      if (!res.headersSent) githubError(res, 500, `stand-in failure: ${error.message}`);
    }
  }

  async dispatch(req, res, server) {
    const url = new URL(req.url, 'http://stand-in');
    const authorization = req.headers.authorization || null;
    const kind = server === 'raw' ? 'raw' : (url.pathname.match(/^\/repos\/[^/]+\/[^/]+\/contents(\/|$)/) ? 'contents' : 'other');
    const route = `${req.method} ${kind}`;
    this.bump(route);
    const entry = { method: req.method, route, url: req.url, authorization, headers: { ...req.headers } };
    this.log.push(entry);

    if (!req.headers['user-agent']) return this.refuse(res, entry, 400, 'User-Agent header missing');
    if (server === 'raw') {
      if (authorization) return this.refuse(res, entry, 400, 'a token was sent to a raw URL');
      return this.serveRaw(req, res, url, route);
    }
    if (req.headers.accept !== 'application/vnd.github+json') {
      return this.refuse(res, entry, 400, `Accept must be application/vnd.github+json, got ${req.headers.accept}`);
    }
    if (req.headers['x-github-api-version'] !== '2022-11-28') {
      return this.refuse(res, entry, 400, 'X-GitHub-Api-Version 2022-11-28 missing');
    }
    if (this.injected(res, route)) return undefined;
    const access = this.access(authorization);
    if (access === 'bad') return githubError(res, 401, 'Bad credentials');
    if (access === 'none' && this.isPrivate) return githubError(res, 404, 'Not Found');
    if (kind !== 'contents') return githubError(res, 404, 'Not Found');
    const match = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/contents\/?(.*)$/);
    if (decodeURIComponent(match[1]) !== this.owner || decodeURIComponent(match[2]) !== this.repo) {
      return githubError(res, 404, 'Not Found');
    }
    const path = match[3].split('/').map(decodeURIComponent).join('/');
    if (req.method === 'GET') return this.getContents(res, path, url.searchParams.get('ref'));
    if (req.method !== 'PUT' && req.method !== 'DELETE') return githubError(res, 404, 'Not Found');
    if (access === 'none') return githubError(res, 401, 'Requires authentication');
    if (access === 'read') return githubError(res, 403, 'Resource not accessible by personal access token');
    const body = await readBody(req);
    let json;
    try { json = JSON.parse(body.toString('utf8')); } catch {
      return githubError(res, 400, 'Problems parsing JSON');
    }
    entry.body = json;
    if (this.beforeWrite) {
      const hook = this.beforeWrite;
      this.beforeWrite = null;
      await hook({ method: req.method, path, body: json });
    }
    return req.method === 'PUT' ? this.putContents(res, path, json) : this.deleteContents(res, path, json);
  }

  refuse(res, entry, status, why) {
    this.violations.push(`${entry.method} ${entry.url}: ${why}`);
    return githubError(res, status, why);
  }

  injected(res, route) {
    const limit = this.takeInjected(this.rateLimits, route);
    if (limit) {
      const reset = Math.floor(Date.now() / 1000) + limit.resetIn;
      if (limit.kind === '429') {
        return githubError(res, 429, 'Too many requests', { 'Retry-After': String(limit.retryAfter) }) || true;
      }
      if (limit.kind === 'secondary') {
        return githubError(res, 403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          { 'Retry-After': String(limit.retryAfter) }) || true;
      }
      return githubError(res, 403, `API rate limit exceeded for user ID 1. (token ${this.token})`, {
        'X-RateLimit-Limit': '5000', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Used': '5000',
        'X-RateLimit-Reset': String(reset), 'X-RateLimit-Resource': 'core',
      }) || true;
    }
    const failure = this.takeInjected(this.failures, route);
    if (failure) return githubError(res, failure.status, 'Server Error') || true;
    return false;
  }

  // 'write', 'read', 'none' (no token) or 'bad'.
  access(authorization) {
    if (!authorization) return 'none';
    const match = authorization.match(/^Bearer (.+)$/);
    if (!match) return 'bad';
    if (this.token && match[1] === this.token) return 'write';
    if (this.readOnlyToken && match[1] === this.readOnlyToken) return 'read';
    return 'bad';
  }

  // ---- contents API ------------------------------------------------------------------------

  links(branch, path) {
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    const url = `${this.apiBaseUrl}/repos/${this.owner}/${this.repo}/contents/${encoded}?ref=${encodeURIComponent(branch)}`;
    const download = `${this.rawBaseUrl}/${this.owner}/${this.repo}/${branch.split('/').map(encodeURIComponent).join('/')}/${encoded}`
      + (this.isPrivate ? `?token=${this.downloadToken}` : '');
    return { url, download };
  }

  fileMeta(branch, path, file) {
    const { url, download } = this.links(branch, path);
    return { type: 'file', name: path.split('/').pop(), path, sha: file.sha, size: file.content.length,
      url, html_url: url, git_url: url, download_url: download, _links: { self: url } };
  }

  dirMeta(branch, path, files) {
    const { url } = this.links(branch, path);
    const sha = createHash('sha1').update(`tree ${path}:${[...files].join(',')}`).digest('hex');
    return { type: 'dir', name: path.split('/').pop(), path, sha, size: 0, url, html_url: url,
      git_url: url, download_url: null, _links: { self: url } };
  }

  getContents(res, path, ref) {
    const branch = ref || 'main';
    const files = this.branches.get(branch);
    if (!files) return githubError(res, 404, `No commit found for the ref ${branch}`);
    const file = files.get(path);
    if (file) {
      const meta = this.fileMeta(branch, path, file);
      const inline = file.content.length <= this.inlineLimit;
      return sendJson(res, 200, { ...meta, encoding: inline ? 'base64' : 'none',
        content: inline ? githubBase64(file.content) : '' });
    }
    const prefix = path ? `${path}/` : '';
    const children = new Map();
    for (const [name, stored] of files) {
      if (!name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) children.set(rest, { file: stored });
      else {
        const dir = rest.slice(0, slash);
        const existing = children.get(dir) || { dir: new Set() };
        existing.dir?.add(rest);
        children.set(dir, existing);
      }
    }
    if (children.size === 0) return githubError(res, 404, 'Not Found');
    const listing = [...children.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, child]) =>
      (child.file ? this.fileMeta(branch, `${prefix}${name}`, child.file)
        : this.dirMeta(branch, `${prefix}${name}`, child.dir)));
    return sendJson(res, 200, listing);
  }

  commit(branch, message, path, operation) {
    const sha = randomBytes(20).toString('hex');
    this.commits.push({ sha, branch, message, path, operation });
    return { sha, message, author: { name: 'stand-in' }, committer: { name: 'stand-in' } };
  }

  putContents(res, path, body) {
    if (typeof body.message !== 'string' || !body.message) return githubError(res, 422, 'Invalid request.\n\n"message" wasn\'t supplied.');
    if (typeof body.content !== 'string') return githubError(res, 422, 'Invalid request.\n\n"content" wasn\'t supplied.');
    if (!BASE64.test(body.content) || body.content.length % 4 !== 0) {
      this.violations.push(`PUT ${path}: content is not valid base64`);
      return githubError(res, 422, 'content is not valid Base64');
    }
    const branch = body.branch || 'main';
    const files = this.branches.get(branch);
    if (!files) return githubError(res, 404, `Branch ${branch} not found`);
    if (!path || path.split('/').some((segment) => !segment || segment === '.' || segment === '..')) {
      return githubError(res, 422, 'path is invalid');
    }
    const existing = files.get(path);
    if (existing && !body.sha) return githubError(res, 422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
    if (existing && body.sha !== existing.sha) {
      return githubError(res, 409, `${path} does not match ${body.sha}`);
    }
    if (!existing && body.sha) return githubError(res, 409, `${path} does not match ${body.sha}`);
    const content = Buffer.from(body.content, 'base64');
    const file = { content, sha: blobSha(content) };
    files.set(path, file);
    const commit = this.commit(branch, body.message, path, existing ? 'update' : 'create');
    return sendJson(res, existing ? 200 : 201, { content: this.fileMeta(branch, path, file), commit });
  }

  deleteContents(res, path, body) {
    if (typeof body.message !== 'string' || !body.message) return githubError(res, 422, 'Invalid request.\n\n"message" wasn\'t supplied.');
    if (typeof body.sha !== 'string') return githubError(res, 422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
    const branch = body.branch || 'main';
    const files = this.branches.get(branch);
    if (!files) return githubError(res, 404, `Branch ${branch} not found`);
    const existing = files.get(path);
    if (!existing) return githubError(res, 404, 'Not Found');
    if (existing.sha !== body.sha) return githubError(res, 409, `${path} does not match ${body.sha}`);
    files.delete(path);
    return sendJson(res, 200, { content: null, commit: this.commit(branch, body.message, path, 'delete') });
  }

  // ---- raw reads ---------------------------------------------------------------------------

  // /{owner}/{repo}/{ref...}/{path}: the longest known branch that prefixes the rest wins.
  serveRaw(req, res, url, route) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return githubError(res, 405, 'Method Not Allowed');
    if (this.injected(res, route)) return undefined;
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (segments[0] !== this.owner || segments[1] !== this.repo) return this.rawNotFound(res);
    if (this.isPrivate && url.searchParams.get('token') !== this.downloadToken) return this.rawNotFound(res);
    const rest = segments.slice(2);
    let found = null;
    for (let split = rest.length - 1; split >= 1; split -= 1) {
      const branch = rest.slice(0, split).join('/');
      if (this.branches.has(branch)) { found = { branch, path: rest.slice(split).join('/') }; break; }
    }
    const file = found && this.branches.get(found.branch).get(found.path);
    if (!file) return this.rawNotFound(res);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': file.content.length,
      ETag: `"${file.sha}"` });
    return res.end(req.method === 'HEAD' ? undefined : file.content);
  }

  rawNotFound(res) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404: Not Found');
  }
}

export async function startGitHub(options) {
  const standIn = new GitHubStandIn(options);
  await standIn.start();
  return standIn;
}
