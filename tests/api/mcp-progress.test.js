// mcp-progress.test.js - progress and cancellation of run_asset_skill (issue 13) through the
// official SDK client. The server runs no job workers (Processing__Workers=0), so a skill run
// waits in the queue until a `nekohub worker` process on the same database and data directory
// is started: a tools/call with onprogress gets notifications/progress as the job moves
// (queued, running, finished), over Streamable HTTP (POST /mcp answers an event stream for a
// call that asked for progress) and over the legacy SSE transport; the SDK's AbortSignal sends
// notifications/cancelled, which cancels the job. Raw HTTP checks when POST /mcp streams and
// when it does not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { startServer } from './lib/server.js';
import { accountsEnv } from './lib/accounts.js';
import { png } from './lib/images.js';
import { JobWorker, getJob, waitFor } from './lib/jobs.js';
import { callOk, connect, listAllTools, rawPost, rpc, MACHINE_KEY } from './lib/mcp.js';

let server;
let seed = 300;

before(async () => {
  server = await startServer({ env: accountsEnv({
    Processing__Workers: '0',
    Processing__ManualRunWaitSeconds: '120',
    Processing__PollIntervalMilliseconds: '100',
  }, { machineKeys: true }) });
});

after(async () => {
  await server.stop();
  server.cleanup();
});

// `nekohub worker` on the server's database and data directory (its stored files).
async function startWorker() {
  const worker = new JobWorker(server, { dataDir: server.dataDir, env: {
    ...server.extraEnv,
    Storage__PublicBaseUrl: `${server.baseUrl}/content`,
  } });
  await worker.start();
  return worker;
}

async function uploadAsset(client) {
  seed += 1;
  return callOk(client, 'upload_asset', { fileName: `progress-${seed}.png`, contentType: 'image/png',
    contentBase64: png(64, 48, { seed }).toString('base64'), runEnrichment: false });
}

async function connectSse() {
  const client = new Client({ name: 'nekohub-progress-sse', version: '1.0.0' });
  const transport = new SSEClientTransport(new URL(server.url('/mcp/sse')), {
    requestInit: { headers: { Authorization: `Bearer ${MACHINE_KEY}` } },
  });
  await client.connect(transport);
  return client;
}

// run_asset_skill with onprogress: { result (promise), progress (array), firstProgress (promise) }.
function runWithProgress(client, assetId, { signal } = {}) {
  const progress = [];
  let sawFirst;
  const firstProgress = new Promise((resolveFirst) => { sawFirst = resolveFirst; });
  const result = client.callTool({ name: 'run_asset_skill', arguments: { assetId, skillName: 'thumbnail' } },
    undefined, {
      timeout: 240000,
      signal,
      onprogress: (notification) => { progress.push(notification); sawFirst(notification); },
    });
  result.catch(() => {}); // a cancelled call rejects; the test awaits it where it matters
  return { result, progress, firstProgress };
}

// What the SDK handed to onprogress. Its last notifications may be missing: the SDK handles a
// notification a tick after it arrived, and drops it when the call's reply, right behind it on
// the stream, was handled first (the raw stream below shows the server sends every one).
function assertProgress(progress, what) {
  assert.ok(progress.length >= 1, `${what}: progress ${JSON.stringify(progress)}`);
  assert.equal(progress[0].progress, 1, `${what}: first the job is queued`);
  assert.match(progress[0].message, /queued/);
  for (let i = 1; i < progress.length; i += 1) {
    assert.ok(progress[i].progress > progress[i - 1].progress, `${what}: progress only grows`);
  }
  for (const note of progress) {
    assert.equal(note.total, 3);
    assert.ok(note.progress <= 3);
  }
}

// POST /mcp of a run_asset_skill with a progress token, read as an event stream frame by frame:
// { first (promise of the first frame), frames (promise of every frame once the stream ended),
// contentType }.
async function rawStreamedRun(assetId) {
  const response = await fetch(server.url('/mcp'), {
    method: 'POST',
    headers: { Authorization: `Bearer ${MACHINE_KEY}`, 'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream' },
    body: JSON.stringify(rpc('tools/call', { name: 'run_asset_skill',
      arguments: { assetId, skillName: 'thumbnail' }, _meta: { progressToken: 'raw-run' } }, 'raw')),
  });
  assert.equal(response.status, 200);
  const frames = [];
  let sawFirst;
  const first = new Promise((resolveFirst) => { sawFirst = resolveFirst; });
  const all = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let index;
      while ((index = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        assert.match(frame, /^event: message\ndata: /);
        frames.push(JSON.parse(frame.slice(frame.indexOf('data: ') + 6)));
        sawFirst(frames[0]);
      }
    }
    sawFirst(frames[0] ?? null); // a stream that ended without a frame fails the test
    assert.equal(buffer, '');
    return frames;
  })();
  return { first, frames: all, contentType: response.headers.get('content-type') };
}

test('run_asset_skill sends progress over Streamable HTTP and over SSE until its job is done', async () => {
  const http = await connect(server);
  const sse = await connectSse();
  let worker;
  try {
    await listAllTools(http);
    await listAllTools(sse);
    const first = await uploadAsset(http);
    const second = await uploadAsset(http);
    const third = await uploadAsset(http);
    const overHttp = runWithProgress(http, first.id);
    const overSse = runWithProgress(sse, second.id);
    const raw = await rawStreamedRun(third.id);
    assert.equal(raw.contentType, 'text/event-stream');
    // all three wait in the queue (no worker yet) and said so while the calls run
    assert.equal((await overHttp.firstProgress).progress, 1);
    assert.equal((await overSse.firstProgress).progress, 1);
    assert.equal((await raw.first).params.progress, 1);
    worker = await startWorker();
    const [httpResult, sseResult, frames] = await Promise.all([overHttp.result, overSse.result,
      raw.frames]);
    for (const [result, assetId] of [[httpResult, first.id], [sseResult, second.id]]) {
      assert.ok(!result.isError, JSON.stringify(result.content));
      assert.equal(result.structuredContent.state, 'succeeded');
      assert.equal(result.structuredContent.succeeded, true);
      assert.equal(result.structuredContent.asset.id, assetId);
      assert.ok(result.structuredContent.asset.derivatives.some((d) => d.kind === 'thumbnail_256'),
        JSON.stringify(result.structuredContent));
    }
    assertProgress(overHttp.progress, 'Streamable HTTP');
    assertProgress(overSse.progress, 'SSE');
    // on the wire: every state change as a notification, the last one "finished", then the reply
    const notes = frames.slice(0, -1);
    assert.ok(notes.length >= 2, JSON.stringify(frames));
    for (const note of notes) {
      assert.equal(note.method, 'notifications/progress');
      assert.equal(note.params.progressToken, 'raw-run');
      assert.equal(note.params.total, 3);
    }
    assert.deepEqual(notes.map((note) => note.params.progress).filter((p) => p !== 2), [1, 3]);
    assert.match(notes[notes.length - 1].params.message, /succeeded/);
    const reply = frames[frames.length - 1];
    assert.equal(reply.id, 'raw');
    assert.equal(reply.result.structuredContent.state, 'succeeded');
  } finally {
    if (worker) {
      await worker.stop();
      worker.cleanup();
    }
    await http.close();
    await sse.close();
  }
});

test('aborting the SDK request sends notifications/cancelled, which cancels the job', async () => {
  const client = await connect(server);
  try {
    await listAllTools(client);
    const asset = await uploadAsset(client);
    const controller = new AbortController();
    const run = runWithProgress(client, asset.id, { signal: controller.signal });
    const first = await run.firstProgress; // the job is queued and nobody runs it
    const jobId = /job ([0-9a-f-]{36})/.exec(first.message)[1];
    assert.equal((await getJob(server, jobId, MACHINE_KEY)).state, 'queued');
    controller.abort('the agent changed its mind');
    await assert.rejects(run.result);
    const job = await waitFor(() => getJob(server, jobId, MACHINE_KEY), (value) => value.state !== 'queued');
    assert.equal(job.state, 'cancelled');
    // the server is free for the next call on the same client
    await client.ping();
  } finally {
    await client.close();
  }
});

test('POST /mcp streams only a tools/call that asked for progress from a client accepting event streams', async () => {
  const streamed = rpc('tools/call', { name: 'list_skills', arguments: {}, _meta: { progressToken: 'p-1' } }, 41);
  const both = { Accept: 'application/json, text/event-stream' };
  const sent = await rawPost(server, streamed, { headers: both });
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.headers.get('content-type'), 'text/event-stream');
  assert.equal(sent.headers.get('mcp-protocol-version'), '2025-11-25');
  const frames = sent.text.split('\n\n').filter(Boolean);
  assert.equal(frames.length, 1, sent.text); // a quick tool: no progress, the reply, the end
  assert.match(frames[0], /^event: message\ndata: /);
  const reply = JSON.parse(frames[0].slice(frames[0].indexOf('data: ') + 6));
  assert.equal(reply.id, 41);
  assert.ok(Array.isArray(reply.result.structuredContent.skills));

  // plain JSON: without the event-stream Accept, or without a progress token
  const jsonOnly = await rawPost(server, streamed, { headers: { Accept: 'application/json' } });
  assert.equal(jsonOnly.status, 200);
  assert.match(jsonOnly.headers.get('content-type'), /^application\/json/);
  assert.equal(jsonOnly.body.id, 41);
  const noToken = await rawPost(server, rpc('tools/call', { name: 'list_skills', arguments: {} }, 42),
    { headers: both });
  assert.match(noToken.headers.get('content-type'), /^application\/json/);

  // a call the pipeline refuses is answered with its own status, never as a stream
  const refused = await rawPost(server, streamed, { headers: { ...both, Origin: 'http://evil.example' } });
  assert.equal(refused.status, 403);
  assert.match(refused.headers.get('content-type'), /^application\/json/);
  assert.equal(refused.body.error.code, -32600);
  const badVersion = await rawPost(server, streamed,
    { headers: { ...both, 'MCP-Protocol-Version': '2000-01-01' } });
  assert.equal(badVersion.status, 400);
  const noJsonrpc = await rawPost(server, { ...streamed, jsonrpc: '1.0' }, { headers: both });
  assert.equal(noJsonrpc.status, 400);
  assert.equal(noJsonrpc.body.error.code, -32600);
});
