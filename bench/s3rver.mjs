// s3rver.mjs - run @20minutes/s3rver 4.0.4 for the S3 benchmark: `node bench/s3rver.mjs DIR
// BUCKET`; prints the port on stdout once it listens, runs until killed.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../tests/package.json'));
const S3rver = require('@20minutes/s3rver');

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1', port: 0, directory, silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
});
const address = await server.run();
process.stdout.write(`${address.port}\n`);
process.on('SIGTERM', () => { server.httpServer.closeAllConnections(); server.close().then(() => process.exit(0)); });
