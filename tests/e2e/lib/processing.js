// processing.js - set-up and checks for the processing pages in the e2e suite: images uploaded
// with the machine key, waiting (through the API) until an asset's jobs are done, and reading
// what an <img> actually loaded.
import assert from 'node:assert/strict';
import { uploadOk } from '../../api/lib/assets.js';
import { sanitizerEnv, spawnLogged, withTimeout } from '../../api/lib/server.js';
import { eventually } from './browser.js';
import { MACHINE_KEY, machine } from './nekohub.js';

// Upload a PNG through the API (fields: description, altText, isPublic, runEnrichment as strings).
export async function uploadPng(server, name, buffer, fields = {}) {
  return uploadOk(server, MACHINE_KEY, { file: { filename: name, data: buffer, contentType: 'image/png' }, fields });
}

// The asset detail through the API.
export async function assetDetail(server, id) {
  const response = await machine(server, 'GET', `/api/v1/assets/${id}`);
  assert.equal(response.status, 200, response.text);
  return response.body.data;
}

// Wait until the asset's processing is idle with both derivatives made; returns the detail.
export async function waitProcessed(server, id, { timeout = 60000 } = {}) {
  return eventually(() => assetDetail(server, id),
    (a) => a.processing?.state === 'idle' && ['thumbnail_256', 'preview_1024'].every((k) => a.derivatives.some((d) => d.kind === k)),
    { timeout, interval: 200, message: `asset ${id} processed` });
}

export const derivative = (asset, kind) => asset.derivatives.find((d) => d.kind === kind);

// What an <img> shows: { complete, naturalWidth, naturalHeight, currentSrc, src, srcset, loading }.
export async function imageState(locator) {
  return locator.evaluate((img) => ({
    complete: img.complete,
    naturalWidth: img.naturalWidth,
    naturalHeight: img.naturalHeight,
    currentSrc: img.currentSrc,
    src: img.getAttribute('src'),
    srcset: img.getAttribute('srcset'),
    loading: img.getAttribute('loading'),
  }));
}

// Marks the page so that a full reload (which would lose the mark) can be detected.
export async function markPage(page) {
  await page.evaluate(() => { window.__nekohubNoReload = true; });
}

export async function assertNotReloaded(page) {
  assert.equal(await page.evaluate(() => window.__nekohubNoReload === true), true, 'the page was not reloaded');
}

// `nekohub worker` on the server's data directory and database: job workers without HTTP, as
// a second machine would run them (with the server's address as Storage__PublicBaseUrl, so the
// public URLs it writes are the server's). Resolves once it logged `worker_started`.
export async function startWorker(server, env = {}) {
  const worker = {};
  const started = spawnLogged(worker, ['worker', '--data-dir', server.dataDir], {
    PATH: process.env.PATH,
    HOME: process.env.HOME || '/tmp',
    ...sanitizerEnv,
    ...server.databaseEnv,
    ...server.extraEnv,
    // What the worker writes gets the public URLs the server would give it.
    Storage__PublicBaseUrl: `${server.baseUrl}/content`,
    ...env,
  }, (line) => (line.event === 'worker_started' ? true : undefined), 'nekohub worker', 'starting');
  await withTimeout(started, 30000, () => `nekohub worker did not start:\n${worker.stderrText}`);
  worker.stop = async () => {
    if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGTERM');
    const status = await withTimeout(worker.exited, 30000, 'nekohub worker did not stop');
    assert.doesNotMatch(worker.stderrText, /(AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer)/,
      'sanitizer report from nekohub worker');
    assert.equal(status.code, 0, `nekohub worker exit: ${JSON.stringify(status)}\n${worker.stderrText.slice(-4000)}`);
  };
  return worker;
}
