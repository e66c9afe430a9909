// mcp-cancel.test.js - run_asset_skill past its wait and cancelled, over the plain JSON
// transport (issue 13): with no worker to run jobs, a run that outlives
// Processing__ManualRunWaitSeconds answers state "queued" with succeeded null, executionId and
// jobId; a notifications/cancelled {requestId} from the same key cancels the job (audited as
// job.cancel) and the call answers nothing (202, no body), while the same notification from
// another key changes nothing; the SDK client's own cancellation (AbortSignal) does the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { accountsEnv, auditEntries, sleep } from './lib/accounts.js';
import { png } from './lib/images.js';
import { callOk, connect, listAllTools, personalKey, rawPost, rpc, MACHINE_KEY } from './lib/mcp.js';

// No workers: a queued job stays queued until someone cancels it.
const noWorkers = { Processing__Workers: '0' };
let waiting; // waits a minute for its jobs
let impatient; // does not wait at all

before(async () => {
  [waiting, impatient] = await Promise.all([
    startServer({ env: accountsEnv({ ...noWorkers, Processing__ManualRunWaitSeconds: '60' },
      { machineKeys: true }) }),
    startServer({ env: accountsEnv({ ...noWorkers, Processing__ManualRunWaitSeconds: '0' },
      { machineKeys: true }) }),
  ]);
});

after(async () => {
  for (const server of [waiting, impatient]) {
    await server.stop();
    server.cleanup();
  }
});

async function uploadTo(server) {
  const response = await rawPost(server, rpc('tools/call', { name: 'upload_asset', arguments: {
    fileName: 'c.png', contentType: 'image/png', contentBase64: png(20, 20, { seed: 9 }).toString('base64'),
    runEnrichment: false } }));
  assert.equal(response.status, 200, response.text);
  assert.ok(!response.body.result.isError, response.text);
  return response.body.result.structuredContent;
}

async function jobsOf(server, assetId) {
  const response = await server.request('GET', `/api/v1/system/jobs?assetId=${assetId}`, { token: MACHINE_KEY });
  assert.equal(response.status, 200, response.text);
  return response.body.data.items;
}

async function waitFor(check, what, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

test('past the wait, run_asset_skill answers the pending state to poll', async () => {
  const client = await connect(impatient);
  try {
    await listAllTools(client);
    const asset = await uploadTo(impatient);
    const result = await callOk(client, 'run_asset_skill', { assetId: asset.id, skillName: 'thumbnail' });
    assert.equal(result.state, 'queued');
    assert.equal(result.succeeded, null);
    assert.equal(result.skillName, 'thumbnail');
    assert.deepEqual(result.steps, []);
    assert.equal(result.asset.id, asset.id);
    assert.equal(result.asset.processing.state, 'queued');
    const [job] = await jobsOf(impatient, asset.id);
    assert.equal(job.id, result.jobId);
    assert.equal(job.executionId, result.executionId);
    const execution = await impatient.request('GET',
      `/api/v1/assets/${asset.id}/executions/${result.executionId}`, { token: MACHINE_KEY });
    assert.equal(execution.body.data.state, 'queued');
  } finally {
    await client.close();
  }
});

test('notifications/cancelled from the same key cancels the job; the call answers nothing', async () => {
  const asset = await uploadTo(waiting);
  const other = await personalKey(waiting, { userPermissions: ['assets.read', 'assets.update'] });
  const requestId = `run-${Date.now()}`;
  let settled = false;
  const call = rawPost(waiting, rpc('tools/call', { name: 'run_asset_skill',
    arguments: { assetId: asset.id, skillName: 'thumbnail' } }, requestId))
    .finally(() => { settled = true; });
  const [job] = await waitFor(async () => {
    const jobs = await jobsOf(waiting, asset.id);
    return jobs.length ? jobs : null;
  }, 'the job of the run');
  assert.equal(job.state, 'queued');

  const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'test' } };
  // another key's cancellation of that request id changes nothing
  const foreign = await rawPost(waiting, cancel, { key: other.key });
  assert.equal(foreign.status, 202);
  // nor does a cancellation of another id by the right key
  await rawPost(waiting, { ...cancel, params: { requestId: `${requestId}-other` } });
  assert.equal((await jobsOf(waiting, asset.id))[0].state, 'queued');
  assert.equal(settled, false);

  // the caller's own: repeated until the call ends (it may land before the call registered)
  while (!settled) {
    const response = await rawPost(waiting, cancel);
    assert.equal(response.status, 202);
    await Promise.race([call, sleep(200)]);
  }
  const answer = await call;
  assert.equal(answer.status, 202, answer.text);
  assert.equal(answer.text, '');
  assert.equal((await jobsOf(waiting, asset.id))[0].state, 'cancelled');
  const entries = await auditEntries(waiting, MACHINE_KEY, { action: 'job.cancel', target: job.id });
  assert.equal(entries.length, 1);
  assert.equal(entries[0].actorType, 'apiKey');
});

test('a numeric request id is matched as a number, not as its text', async () => {
  const asset = await uploadTo(waiting);
  let settled = false;
  const call = rawPost(waiting, rpc('tools/call', { name: 'run_asset_skill',
    arguments: { assetId: asset.id, skillName: 'thumbnail' } }, 4242))
    .finally(() => { settled = true; });
  await waitFor(async () => (await jobsOf(waiting, asset.id)).length > 0, 'the job');
  await rawPost(waiting, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: '4242' } });
  assert.equal((await jobsOf(waiting, asset.id))[0].state, 'queued');
  while (!settled) {
    await rawPost(waiting, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 4242 } });
    await Promise.race([call, sleep(200)]);
  }
  assert.equal((await call).status, 202);
  assert.equal((await jobsOf(waiting, asset.id))[0].state, 'cancelled');
});

test('the SDK client aborting callTool sends notifications/cancelled, which cancels the job', async () => {
  const client = await connect(waiting);
  try {
    await listAllTools(client);
    const asset = await uploadTo(waiting);
    const controller = new AbortController();
    const call = client.callTool({ name: 'run_asset_skill', arguments: { assetId: asset.id,
      skillName: 'thumbnail' } }, undefined, { signal: controller.signal });
    // the call registers before it queues its job: once the job exists, a cancellation counts
    await waitFor(async () => (await jobsOf(waiting, asset.id)).length > 0, 'the job');
    controller.abort('changed my mind');
    await assert.rejects(call);
    const job = await waitFor(async () => {
      const [found] = await jobsOf(waiting, asset.id);
      return found.state === 'cancelled' ? found : null;
    }, 'the job to be cancelled');
    assert.equal(job.cancelRequested, false);
  } finally {
    await client.close();
  }
});
