// nginx-accel.test.js - Debian's real nginx in front of NekoHub, configured from the template
// docs/operations.md shows (docs/nginx/nekohub.conf.template, TLS lines left out), with
// Server__AccelRedirect__Prefix set: NekoHub authorises /content/{key} and the protected content
// route exactly as alone, then answers with an empty 200 naming the file, and nginx sends the
// bytes, Range slices and 304s itself. Also: uploads pass through nginx (NekoHub's own limits
// and errors), public content is cached by nginx when NekoHub sends the bytes itself, a bad
// prefix stops start-up, workers that may not read the files get 403 (the docs' file-mode
// advice), and the docs print the template verbatim, valid nginx with its TLS lines too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, startServer, expectError, withTimeout } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, sleep } from './lib/accounts.js';
import { testImages, png } from './lib/images.js';
import { upload, uploadOk, fetchBytes, pathOf } from './lib/assets.js';
import { Nginx, NGINX, TEMPLATE, renderTemplate } from './lib/nginx.js';

const PREFIX = '/_protected/';
const UPLOAD_LIMIT = 200 * 1024;
const key = MACHINE_KEY;

let server;
let nginx;
let images;
let publicAsset;
let privateAsset;

// A fetch through nginx (same shape as fetchBytes against NekoHub).
const viaNginx = (path, options) => fetchBytes(nginx, path, options);

// The access-log line NekoHub wrote for the request that carried this X-Request-Id.
async function accessLine(target, requestId) {
  return withTimeout((async () => {
    for (;;) {
      const line = target.logs.find((entry) => entry.event === 'http_request' && entry.requestId === requestId);
      if (line) return line;
      await sleep(20);
    }
  })(), 10000, `no access-log line for ${requestId}`);
}

before(async () => {
  images = testImages();
  server = await startServer({
    env: accountsEnv({
      Server__AccelRedirect__Prefix: PREFIX,
      Api__Assets__MaxUploadSizeBytes: String(UPLOAD_LIMIT),
    }, { machineKeys: true }),
  });
  nginx = await new Nginx({
    nekohubPort: server.port, storageRoot: `${server.dataDir}/assets`, accelPrefix: PREFIX,
    maxBodySize: '1m',
  }).start();
  publicAsset = await uploadOk(server, key, {
    file: { data: images.jpeg, filename: 'public.jpg', contentType: 'image/jpeg' },
  });
  privateAsset = await uploadOk(server, key, {
    file: { data: images.webp, filename: 'private.webp', contentType: 'image/webp' },
    fields: { isPublic: 'false' },
  });
});

after(async () => {
  if (nginx) await nginx.stop();
  if (server) {
    await server.stop();
    server.cleanup();
  }
});

test('NekoHub alone answers content with an empty 200 that names the file for nginx', async () => {
  const path = pathOf(publicAsset.publicUrl);
  const response = await fetchBytes(server, path);
  assert.equal(response.status, 200);
  assert.equal(response.bytes.length, 0);
  assert.equal(response.headers.get('x-accel-redirect'), `${PREFIX}${publicAsset.storageKey}`);
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  assert.equal(response.headers.get('etag'), `"${publicAsset.checksumSha256}"`);
  assert.match(response.headers.get('last-modified'), /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  assert.match(response.headers.get('cache-control'), /^public, max-age=\d+$/);
  assert.equal(response.headers.get('accept-ranges'), null, 'nginx adds its own');

  // conditions and ranges are nginx's business now: NekoHub names the file whatever they say
  const ranged = await fetchBytes(server, path, {
    headers: { Range: 'bytes=0-9', 'If-None-Match': response.headers.get('etag') },
  });
  assert.equal(ranged.status, 200);
  assert.equal(ranged.headers.get('x-accel-redirect'), `${PREFIX}${publicAsset.storageKey}`);

  const protectedRoute = await fetchBytes(server, `/api/v1/assets/${privateAsset.id}/content`, { token: key });
  assert.equal(protectedRoute.status, 200);
  assert.equal(protectedRoute.bytes.length, 0);
  assert.equal(protectedRoute.headers.get('x-accel-redirect'), `${PREFIX}${privateAsset.storageKey}`);
  assert.equal(protectedRoute.headers.get('content-type'), 'image/webp');
  assert.equal(protectedRoute.headers.get('cache-control'), 'private, no-store');
});

test('through nginx, public content is the uploaded bytes, sent by nginx', async () => {
  const requestId = 'nginx-accel-public-1';
  const response = await viaNginx(pathOf(publicAsset.publicUrl), { headers: { 'X-Request-Id': requestId } });
  assert.equal(response.status, 200);
  assert.ok(response.bytes.equals(images.jpeg), 'the uploaded bytes');
  assert.equal(response.headers.get('content-length'), String(images.jpeg.length));
  assert.equal(response.headers.get('x-accel-redirect'), null, 'nginx keeps the header to itself');
  assert.match(response.headers.get('server'), /^nginx/);
  // what nginx keeps of NekoHub's answer, and what the template brings back
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  assert.match(response.headers.get('cache-control'), /^public, max-age=\d+$/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(response.headers.get('x-request-id'), requestId);
  assert.equal(response.headers.get('accept-ranges'), 'bytes');
  // validators are nginx's own, from the file (the same modification time NekoHub reports)
  assert.match(response.headers.get('etag'), /^"[^"]+"$/);
  const direct = await fetchBytes(server, pathOf(publicAsset.publicUrl));
  assert.equal(response.headers.get('last-modified'), direct.headers.get('last-modified'));
  // NekoHub answered this very request, without sending the bytes
  const line = await accessLine(server, requestId);
  assert.equal(line.status, 200);
  assert.equal(line.route, '/content/{*storageKey}');
  assert.equal(line.bytes, 0);

  const head = await viaNginx(pathOf(publicAsset.publicUrl), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.bytes.length, 0);
  assert.equal(head.headers.get('content-length'), String(images.jpeg.length));
  assert.equal(head.headers.get('content-type'), 'image/jpeg');
});

test('through nginx, private and unknown content is NekoHub\'s 404 envelope, and the internal location is closed', async () => {
  expectError(assert, await viaNginx(`/content/${privateAsset.storageKey}`), 404, 'not_found');
  expectError(assert, await viaNginx('/content/2026/01/01/00000000000000000000000000000000.jpg'), 404, 'not_found');
  expectError(assert, await viaNginx(`/content/${publicAsset.storageKey}.missing`), 404, 'not_found');

  // nginx's internal location cannot be asked for directly, not even by a path that walks there
  for (const path of [`${PREFIX}${privateAsset.storageKey}`, `/content/..${PREFIX}${privateAsset.storageKey}`,
    `/content/%2e%2e${PREFIX}${privateAsset.storageKey}`]) {
    const response = await viaNginx(path);
    assert.equal(response.status, 404, path);
    assert.ok(!response.bytes.equals(images.webp), path);
  }
});

test('the protected content route sends private bytes through nginx to a signed-in caller only', async () => {
  const path = `/api/v1/assets/${privateAsset.id}/content`;
  expectError(assert, await viaNginx(path), 401);
  expectError(assert, await viaNginx(`/api/v1/assets/${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}/content`, { token: key }),
    404, 'asset_not_found');

  const response = await viaNginx(path, { token: key });
  assert.equal(response.status, 200);
  assert.ok(response.bytes.equals(images.webp), 'the private bytes');
  assert.equal(response.headers.get('content-type'), 'image/webp');
  assert.equal(response.headers.get('cache-control'), 'private, no-store');
  assert.equal(response.headers.get('x-accel-redirect'), null);

  const ranged = await viaNginx(path, { token: key, headers: { Range: 'bytes=-16' } });
  assert.equal(ranged.status, 206);
  assert.ok(ranged.bytes.equals(images.webp.subarray(images.webp.length - 16)));

  // a public asset's protected route still redirects to its public URL
  const redirect = await viaNginx(`/api/v1/assets/${publicAsset.id}/content`, { token: key });
  assert.equal(redirect.status, 307);
  assert.equal(redirect.headers.get('location'), publicAsset.publicUrl);
});

test('Range through nginx gives 206 with the right slice', async () => {
  const path = pathOf(publicAsset.publicUrl);
  const total = images.jpeg.length;
  const cases = [
    ['bytes=10-19', 10, 19],
    ['bytes=0-0', 0, 0],
    [`bytes=${total - 100}-`, total - 100, total - 1],
    ['bytes=-7', total - 7, total - 1],
    [`bytes=5-${total * 2}`, 5, total - 1],
  ];
  for (const [range, first, last] of cases) {
    const response = await viaNginx(path, { headers: { Range: range } });
    assert.equal(response.status, 206, range);
    assert.equal(response.headers.get('content-range'), `bytes ${first}-${last}/${total}`, range);
    assert.ok(response.bytes.equals(images.jpeg.subarray(first, last + 1)), range);
  }
  const beyond = await viaNginx(path, { headers: { Range: `bytes=${total}-` } });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), `bytes */${total}`);
});

test('conditional GET through nginx gives 304', async () => {
  const path = pathOf(publicAsset.publicUrl);
  const first = await viaNginx(path);
  const etag = first.headers.get('etag');
  const lastModified = first.headers.get('last-modified');

  const byTag = await viaNginx(path, { headers: { 'If-None-Match': etag } });
  assert.equal(byTag.status, 304);
  assert.equal(byTag.bytes.length, 0);
  assert.equal(byTag.headers.get('etag'), etag);

  const byDate = await viaNginx(path, { headers: { 'If-Modified-Since': lastModified } });
  assert.equal(byDate.status, 304);

  const otherTag = await viaNginx(path, { headers: { 'If-None-Match': '"something-else"' } });
  assert.equal(otherTag.status, 200);
  assert.ok(otherTag.bytes.equals(images.jpeg));

  // If-Range with the current tag keeps the range, with another tag gives the whole file
  const keep = await viaNginx(path, { headers: { Range: 'bytes=0-3', 'If-Range': etag } });
  assert.equal(keep.status, 206);
  const whole = await viaNginx(path, { headers: { Range: 'bytes=0-3', 'If-Range': '"stale"' } });
  assert.equal(whole.status, 200);
  assert.ok(whole.bytes.equals(images.jpeg));
});

test('uploads pass through nginx to NekoHub, which keeps its own limits and errors', async () => {
  const small = png(24, 24, { seed: 81 });
  const accepted = await upload(nginx, key, { file: { data: small, filename: 'via-nginx.png', contentType: 'image/png' } });
  assert.equal(accepted.status, 202, accepted.text);
  const content = await viaNginx(pathOf(accepted.body.data.publicUrl));
  assert.ok(content.bytes.equals(small));

  // over Api__Assets__MaxUploadSizeBytes but under nginx's client_max_body_size: NekoHub's
  // own answer, as without nginx
  const big = Buffer.concat([small, Buffer.alloc(UPLOAD_LIMIT, 0x41)]);
  const file = { data: big, filename: 'big.png', contentType: 'image/png' };
  const direct = await upload(server, key, { file });
  const proxied = await upload(nginx, key, { file });
  assert.ok(direct.status >= 400, direct.text);
  const error = expectError(assert, proxied, direct.status, direct.body.error.code);
  assert.equal(error.code, direct.body.error.code);
});

test('with X-Accel-Redirect off, nginx caches public content NekoHub sends, and never private content', async () => {
  const plain = await startServer({ env: accountsEnv({}, { machineKeys: true }) });
  const front = await new Nginx({ nekohubPort: plain.port, storageRoot: `${plain.dataDir}/assets` }).start();
  try {
    const shown = await uploadOk(plain, key, { file: { data: images.gif, filename: 'c.gif', contentType: 'image/gif' } });
    const hidden = await uploadOk(plain, key, {
      file: { data: images.png, filename: 'h.png', contentType: 'image/png' }, fields: { isPublic: 'false' },
    });
    const path = pathOf(shown.publicUrl);
    const first = await fetchBytes(front, path, { headers: { 'X-Request-Id': 'nginx-cache-1' } });
    const second = await fetchBytes(front, path, { headers: { 'X-Request-Id': 'nginx-cache-2' } });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-accel-redirect'), null);
    assert.ok(first.bytes.equals(images.gif) && second.bytes.equals(images.gif));
    assert.equal(second.headers.get('x-request-id'), 'nginx-cache-1', 'the second answer came from nginx\'s cache');

    const privatePath = `/api/v1/assets/${hidden.id}/content`;
    const ids = [];
    for (const id of ['nginx-private-1', 'nginx-private-2']) {
      const response = await fetchBytes(front, privatePath, { token: key, headers: { 'X-Request-Id': id } });
      assert.ok(response.bytes.equals(images.png));
      ids.push(response.headers.get('x-request-id'));
    }
    assert.deepEqual(ids, ['nginx-private-1', 'nginx-private-2'], 'private content is asked for every time');
    for (const id of ['nginx-missing-1', 'nginx-missing-2']) {
      const response = await fetchBytes(front, `/content/${hidden.storageKey}`, { headers: { 'X-Request-Id': id } });
      assert.equal(response.status, 404);
      assert.equal(response.headers.get('x-request-id'), id, 'a 404 is not cached');
    }
  } finally {
    await front.stop();
    await plain.stop();
    plain.cleanup();
  }
});

// `nekohub serve` with this prefix: { code, stderr } when it stopped at start-up, or
// { started: true } when it got as far as listening (it is then stopped).
function serveWithPrefix(prefix) {
  return new Promise((resolveRun) => {
    const child = spawn(binary, ['serve', '--port', '0', '--listen', '127.0.0.1', '--data-dir', '/tmp/nekohub-never'], {
      env: { PATH: process.env.PATH, Server__AccelRedirect__Prefix: prefix }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let started = false;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!started && stderr.includes('"event":"listening"')) {
        started = true;
        child.kill('SIGTERM');
      }
    });
    child.on('exit', (code) => resolveRun(started ? { started, stderr } : { code, stderr }));
  });
}

test('a prefix that is not a safe absolute path stops start-up, naming the setting', async () => {
  for (const prefix of ['_protected/', '/a b/', '/x?y', '/%2e%2e/', 'http://files/', '/../', '/a/..', '/./x/']) {
    const result = await withTimeout(serveWithPrefix(prefix), 30000, `serve with prefix ${prefix} did not exit`);
    assert.equal(result.code, 2, `${prefix}: ${result.stderr}`);
    assert.match(result.stderr, /Server__AccelRedirect__Prefix/);
  }
  // dots inside a segment are fine
  const dotted = await startServer({ env: { Server__AccelRedirect__Prefix: '/.files..x/a.b/' } });
  await dotted.stop();
  dotted.cleanup();
});

// What docs/operations.md says about file modes: nginx's workers open the files themselves.
test('nginx workers that may not read the storage root answer 403 for content NekoHub allowed', {
  skip: process.getuid() !== 0 && 'needs root to start nginx workers as another user',
}, async () => {
  const front = await new Nginx({
    nekohubPort: server.port, storageRoot: `${server.dataDir}/assets`, accelPrefix: PREFIX, workerUser: 'www-data',
  }).start();
  try {
    const response = await fetchBytes(front, pathOf(publicAsset.publicUrl));
    assert.equal(response.status, 403);
    assert.match(front.errorLog(), /Permission denied/);
  } finally {
    await front.stop();
  }
});

test('docs/operations.md shows the template the tests run, and it is valid nginx with its TLS lines', async () => {
  const template = readFileSync(TEMPLATE, 'utf8');
  const docs = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
  assert.ok(docs.includes(`\`\`\`nginx\n${template}\`\`\``), 'the docs print the template verbatim');

  const dir = mkdtempSync(join(tmpdir(), 'nekohub-nginx-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'privkey.pem'), '-out', join(dir, 'fullchain.pem')], { stdio: 'pipe' });
    const site = renderTemplate({
      LISTEN: '127.0.0.1:8443 ssl http2', SERVER_NAME: 'localhost', TLS_DIR: dir, NEKOHUB: '127.0.0.1:5121',
      MAX_BODY_SIZE: '11m', ACCEL_PREFIX: PREFIX, STORAGE_ROOT: join(dir, 'assets'), CACHE_DIR: join(dir, 'cache'),
    }, { tls: true });
    assert.match(site, /ssl_certificate_key .*privkey\.pem;/);
    writeFileSync(join(dir, 'nekohub.conf'), site);
    writeFileSync(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\n`
      + `events {}\nhttp {\n  include /etc/nginx/mime.types;\n  include ${dir}/nekohub.conf;\n}\n`);
    const result = spawnSync(NGINX, ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
