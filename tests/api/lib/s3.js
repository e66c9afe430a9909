// s3.js - a real S3-compatible server for the tests: @20minutes/s3rver 4.0.4 started
// in-process on a free loopback port with one bucket (it verifies SigV4 signatures: a wrong
// secret gets 403 SignatureDoesNotMatch), and helpers that look into the bucket directly so a
// test checks what is really stored: the keys, an object's bytes and metadata, unfinished
// multipart uploads. Also the Storage__S3__* environment that points NekoHub at it.
import { mkdtempSync, rmSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

const require = createRequire(import.meta.url);
const S3rver = require('@20minutes/s3rver');

export const S3_ACCESS_KEY = 'S3RVER';
export const S3_SECRET_KEY = 'S3RVER';
const SUFFIX = '._S3rver_';

// Start s3rver with `bucket`. serviceEndpoint 'localhost' makes <bucket>.s3.localhost a
// virtual-hosted bucket address (curl resolves *.localhost to the loopback).
// allowMismatchedSignatures: for virtual-hosted requests only, where s3rver 4.0.4 computes the
// SigV4 canonical URI wrongly ("/<bucket>/<key>", SigV2's resource, instead of the request path
// "/<key>" that AWS and curl use), so it would refuse every correctly signed request.
export async function startS3({ bucket = 'nekohub-test', buckets, allowMismatchedSignatures = false } = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'nekohub-s3-'));
  const names = buckets || [bucket];
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    serviceEndpoint: 'localhost',
    allowMismatchedSignatures,
    configureBuckets: names.map((name) => ({ name, configs: [] })),
  });
  const address = await server.run();
  const s3 = {
    server,
    directory,
    bucket: names[0],
    port: address.port,
    endpoint: `http://127.0.0.1:${address.port}`,
    // NekoHub's settings for this server (extra overrides win).
    env(extra = {}) {
      return {
        Storage__Provider: 's3',
        Storage__S3__Endpoint: this.endpoint,
        Storage__S3__Bucket: this.bucket,
        Storage__S3__Region: 'us-east-1',
        Storage__S3__AccessKey: S3_ACCESS_KEY,
        Storage__S3__SecretKey: S3_SECRET_KEY,
        Storage__S3__ForcePathStyle: 'true',
        ...extra,
      };
    },
    keys(bucketName = this.bucket) { return objectKeys(directory, bucketName); },
    read(key, bucketName = this.bucket) { return readObject(directory, bucketName, key); },
    metadata(key, bucketName = this.bucket) { return readMetadata(directory, bucketName, key); },
    has(key, bucketName = this.bucket) { return existsSync(objectPath(directory, bucketName, key)); },
    unfinishedUploads(bucketName = this.bucket) { return unfinishedUploads(directory, bucketName); },
    async stop() {
      if (server.httpServer) {
        server.httpServer.closeAllConnections();
        await server.close();
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
  return s3;
}

function objectPath(directory, bucket, key) {
  const parts = key.split('/');
  const name = parts.pop();
  return join(directory, bucket, ...parts, `${name}${SUFFIX}object`);
}

// Every key stored in the bucket, sorted.
export function objectKeys(directory, bucket) {
  const found = [];
  const walk = (at, prefix) => {
    if (!existsSync(at)) return;
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name !== `${SUFFIX}uploads` && !entry.name.endsWith(`${SUFFIX}uploads`)) {
          walk(join(at, entry.name), `${prefix}${entry.name}/`);
        }
      } else if (entry.name.endsWith(`${SUFFIX}object`)) {
        found.push(`${prefix}${entry.name.slice(0, -`${SUFFIX}object`.length)}`);
      }
    }
  };
  walk(join(directory, bucket), '');
  return found.sort();
}

export function readObject(directory, bucket, key) {
  return readFileSync(objectPath(directory, bucket, key));
}

export function readMetadata(directory, bucket, key) {
  const path = objectPath(directory, bucket, key).replace(/object$/, 'metadata.json');
  return JSON.parse(readFileSync(path, 'utf8'));
}

// Multipart uploads started and neither completed nor aborted (s3rver keeps one directory each).
export function unfinishedUploads(directory, bucket) {
  const uploads = join(directory, bucket, `${SUFFIX}uploads`);
  return existsSync(uploads) ? readdirSync(uploads) : [];
}

// A loopback port nobody listens on (for "S3 is down").
export async function closedPort() {
  const probe = net.createServer();
  await new Promise((resolveListen) => probe.listen(0, '127.0.0.1', resolveListen));
  const { port } = probe.address();
  await new Promise((resolveClose) => probe.close(resolveClose));
  return port;
}
