// s3bucket.js - an S3-compatible server for the browser tests: @20minutes/s3rver on loopback
// (a free port, a temp directory, one bucket, the default S3RVER/S3RVER credentials; it checks
// SigV4 signatures), and a direct read of a stored object to check what landed in the bucket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from '@20minutes/s3rver';

export async function startBucket({ bucket = 'nekohub-e2e' } = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'nekohub-e2e-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    region: 'us-east-1',
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    // The object's bytes as the bucket holds them (s3rver serves unsigned GETs), or null.
    async object(key) {
      const path = key.split('/').map(encodeURIComponent).join('/');
      const response = await fetch(`${endpoint}/${bucket}/${path}`);
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`GET ${key} from the bucket: HTTP ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    },
    async stop() {
      try {
        await server.close();
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}
