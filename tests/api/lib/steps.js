// steps.js - helpers for the step suites (tests/api/steps-*.test.js): a server with the machine
// key, uploads that wait for their processing to end, manual skill runs, and the bytes of an
// asset's original and derivatives as a client fetches them.
import assert from 'node:assert/strict';
import { accountsEnv, MACHINE_KEY, sleep, runSql } from './accounts.js';
import { uploadOk, fetchBytes, pathOf } from './assets.js';
import { databaseKind } from './server.js';

export const KEY = MACHINE_KEY;
const DEADLINE_MS = 120000; // sanitizer builds are slow; polls end as soon as the state is reached

export function stepsEnv(extra = {}) {
  return accountsEnv({ Processing__ManualRunWaitSeconds: '60', ...extra }, { machineKeys: true });
}

export async function detail(server, id) {
  const response = await server.request('GET', `/api/v1/assets/${id}`, { token: KEY });
  assert.equal(response.status, 200, response.text);
  return response.body.data;
}

// Poll the asset until no job of it is pending; returns the detail.
export async function settled(server, id) {
  const until = Date.now() + DEADLINE_MS;
  for (;;) {
    const asset = await detail(server, id);
    if (asset.processing.pendingJobs === 0 && asset.processing.state !== 'queued'
      && asset.processing.state !== 'running') return asset;
    if (Date.now() > until) assert.fail(`asset ${id} still processing: ${JSON.stringify(asset.processing)}`);
    await sleep(100);
  }
}

// Upload (enrichment on unless fields say otherwise) and wait for the processing to end.
export async function uploadProcessed(server, { data, filename, contentType, fields = {} }) {
  const asset = await uploadOk(server, KEY, { file: { data, filename, contentType }, fields });
  return settled(server, asset.id);
}

// Run a skill by hand; a 202 (the run took longer than the wait) is followed until it ends.
// Returns the 200 body's data: { succeeded, skillName, steps, asset, executionId, jobId }.
export async function runSkill(server, id, name, parameters) {
  const body = parameters === undefined ? {} : { parameters };
  const response = await server.request('POST', `/api/v1/assets/${id}/skills/${name}/run`,
    { token: KEY, json: body });
  if (response.status === 200) return response.body.data;
  assert.equal(response.status, 202, response.text);
  const location = response.headers.get('location');
  const until = Date.now() + DEADLINE_MS;
  for (;;) {
    const execution = await server.request('GET', location, { token: KEY });
    if (execution.body?.data?.state && !['queued', 'running'].includes(execution.body.data.state)) {
      const data = execution.body.data;
      return { succeeded: data.succeeded, skillName: data.skillName, executionId: data.executionId,
        jobId: data.jobId, asset: await detail(server, id),
        steps: data.steps.map((step) => ({ name: step.stepName, succeeded: step.succeeded,
          errorMessage: step.errorMessage, status: step.status, message: step.message })) };
    }
    if (Date.now() > until) assert.fail(`run of ${name} did not end: ${execution.text}`);
    await sleep(200);
  }
}

// The stored bytes of the asset's original, fetched the way a client does (public: its
// public URL; private: the content route).
export async function originalBytes(server, asset) {
  const path = asset.isPublic && asset.publicUrl ? pathOf(asset.publicUrl)
    : `/api/v1/assets/${asset.id}/content`;
  const response = await fetchBytes(server, path, { token: KEY });
  assert.equal(response.status, 200, `original of ${asset.id}: ${response.status}`);
  return response.bytes;
}

export function derivative(asset, kind) {
  const found = asset.derivatives.find((entry) => entry.kind === kind);
  assert.ok(found, `asset ${asset.id} has a ${kind} derivative: ${JSON.stringify(asset.derivatives)}`);
  return found;
}

export async function derivativeBytes(server, asset, kind) {
  const response = await fetchBytes(server, derivative(asset, kind).contentUrl, { token: KEY });
  assert.equal(response.status, 200, `${kind} of ${asset.id}: ${response.text.slice(0, 200)}`);
  return response.bytes;
}

// Rows of SQL (text, '|' between columns on both databases).
export function sqlRows(server, sql) {
  return runSql(server, sql).split('\n').filter((line) => line.length > 0)
    .map((line) => line.split('|'));
}

// Change rows behind the running server's back (SQLite: waiting for its write lock if need be).
export function sqlExec(server, sql) {
  runSql(server, databaseKind === 'postgres' ? sql : `PRAGMA busy_timeout = 10000; ${sql}`);
}

// Each derivative's kind and the checksum of the original it was made from.
export function derivativeSources(server, assetId) {
  const rows = sqlRows(server, `SELECT kind, source_checksum_sha256 FROM asset_derivatives
    WHERE source_asset_id = '${assetId}' ORDER BY kind`);
  return Object.fromEntries(rows.map(([kind, source]) => [kind, source]));
}

export const onPostgres = databaseKind === 'postgres';
