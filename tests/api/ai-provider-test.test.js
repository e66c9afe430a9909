// ai-provider-test.test.js - POST /api/v1/system/ai/providers/test (spec processing.md §10.4,
// §11 with issue 12's corrections) against the strict stand-in model (lib/fake-openai.js): the
// request NekoHub sends (URL rule, headers, body, the built-in PNG), success with caption, alt
// text, tags and the reported model, a saved profile filling the blanks, every failure kind
// as a 200 with succeeded false and its code (the key never in the message), 404 and the 400s,
// nothing stored; and the key through a secret key rotation, `nekohub secrets reseal`, and a
// lost secret key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { NekoHub, startServer, expectError, runCommand } from './lib/server.js';
import { accountsEnv, ROOT, login } from './lib/accounts.js';
import { FakeOpenAI, FAKE_KEY, FAKE_MODEL, caption } from './lib/fake-openai.js';

const BASE = '/api/v1/system/ai/providers';
const TIMEOUT_S = 5;
let server;
let token;
let fake;
const texts = [];

before(async () => {
  fake = await new FakeOpenAI().start();
  server = await startServer({ env: accountsEnv({ Processing__Workers: '0',
    Ai__RequestTimeoutSeconds: String(TIMEOUT_S) }) });
  token = (await login(server, ROOT.username, ROOT.password)).accessToken;
});

after(async () => {
  await server?.stop();
  server?.assertClean();
  server?.cleanup();
  await fake?.stop();
});

async function request(method, path, json) {
  const response = await server.request(method, path, { json, token });
  texts.push(response.text);
  return response;
}

function settings(extra = {}) {
  return { apiBaseUrl: fake.baseUrl, apiKey: FAKE_KEY, modelName: FAKE_MODEL, ...extra };
}

// The test call; asserts the 200 and returns its data.
async function runTest(json) {
  const response = await request('POST', `${BASE}/test`, json);
  assert.equal(response.status, 200, response.text);
  assert.deepEqual(Object.keys(response.body.data).sort(), ['altText', 'caption', 'durationMs', 'errorCode',
    'errorMessage', 'resolvedApiBaseUrl', 'resolvedModelName', 'succeeded', 'tags']);
  return response.body.data;
}

// A failed test call of `code` whose message includes `mention`.
async function expectFailure(json, code, mention) {
  const result = await runTest(json);
  assert.equal(result.succeeded, false, JSON.stringify(result));
  assert.equal(result.errorCode, code, result.errorMessage);
  assert.equal(result.caption, null);
  if (mention) assert.ok(result.errorMessage.includes(mention), result.errorMessage);
  assert.ok(!result.errorMessage.includes(FAKE_KEY), 'no key in the message');
  return result;
}

async function freePort() {
  const listener = net.createServer();
  await new Promise((resolveListen) => { listener.listen(0, '127.0.0.1', resolveListen); });
  const { port } = listener.address();
  await new Promise((resolveClose) => { listener.close(resolveClose); });
  return port;
}

test('success: the request as §11 says, caption, alt text, tags and the reported model', async () => {
  fake.reset();
  fake.script({ model: 'vision-test-1-2025-01', content: caption({ caption: 'A gradient square.',
    altText: 'Colour gradient', tags: ['gradient', 'colour'] }) });
  const result = await runTest(settings({ apiBaseUrl: `${fake.baseUrl}/` }));
  assert.equal(result.succeeded, true, JSON.stringify(result));
  assert.equal(result.caption, 'A gradient square.');
  assert.equal(result.altText, 'Colour gradient');
  assert.deepEqual(result.tags, ['gradient', 'colour']);
  assert.equal(result.resolvedModelName, 'vision-test-1-2025-01');
  assert.equal(result.resolvedApiBaseUrl, fake.baseUrl);
  assert.equal(result.errorMessage, null);
  assert.equal(result.errorCode, null);
  assert.ok(Number.isInteger(result.durationMs) && result.durationMs >= 0);
  assert.deepEqual(fake.violations, []);
  assert.equal(fake.requests.length, 1);
  const sent = fake.requests[0];
  assert.equal(sent.path, '/v1/chat/completions');
  assert.equal(sent.headers.authorization, `Bearer ${FAKE_KEY}`);
  assert.equal(sent.stream, false);
  assert.match(sent.body.messages[0].content, /"caption"/, 'the standard system prompt asks for the JSON');
  assert.match(sent.body.messages[1].content[1].image_url.url, /^data:image\/png;base64,iVBORw0KGgo/);
  // an answer with only a caption is fine; a trimmed key, model and URL are used
  fake.script({ content: '  {"Caption": "  Only this.  "}  ' });
  const only = await runTest(settings({ apiKey: `  ${FAKE_KEY} `, modelName: ` ${FAKE_MODEL} ` }));
  assert.equal(only.succeeded, true, JSON.stringify(only));
  assert.equal(only.caption, 'Only this.');
  assert.equal(only.altText, null);
  assert.deepEqual(only.tags, []);
  assert.equal(only.resolvedModelName, FAKE_MODEL);
});

test('the URL rule: /v1 kept (any case), else /v1 added; array and object content', async () => {
  const gateway = await new FakeOpenAI({ prefix: '/gw/openai/v1' }).start();
  const upper = await new FakeOpenAI({ prefix: '/API/V1' }).start();
  try {
    gateway.script({ parts: ['{"caption":', { type: 'text', text: ' "From parts."' }, '}'] });
    let result = await runTest(settings({ apiBaseUrl: `${gateway.origin}/gw/openai` }));
    assert.equal(result.caption, 'From parts.', JSON.stringify(result));
    upper.script({ object: { text: { value: '{"caption":"From an object."}' } } });
    result = await runTest(settings({ apiBaseUrl: `${upper.origin}/API/V1/` }));
    assert.equal(result.caption, 'From an object.', JSON.stringify(result));
    fake.script({ object: { content: [{ type: 'text', text: '{"caption":"Nested content."}' }] } });
    result = await runTest(settings({ apiBaseUrl: fake.origin }));
    assert.equal(result.caption, 'Nested content.', JSON.stringify(result));
    assert.deepEqual([...gateway.violations, ...upper.violations, ...fake.violations], []);
  } finally {
    await gateway.stop();
    await upper.stop();
  }
});

test('the streaming fallback, and a code-fenced answer', async () => {
  fake.reset();
  fake.script({ empty: true }, { sse: ['{"caption": "', 'Two', ' ', 'words', ' ', '"}'], model: 'streamed-model' });
  const streamed = await runTest(settings());
  assert.equal(streamed.caption, 'Two words', JSON.stringify(streamed));
  assert.equal(streamed.resolvedModelName, 'streamed-model');
  assert.deepEqual(fake.accepted.map((r) => r.stream), [false, true]);
  assert.deepEqual(fake.violations, []);
  fake.script({ content: '```json\n{"caption": "Fenced.", "tags": "one, two"}\n```' });
  const fenced = await runTest(settings());
  assert.equal(fenced.caption, 'Fenced.', JSON.stringify(fenced));
  assert.deepEqual(fenced.tags.map((t) => t.trim()), ['one', 'two']);
  fake.script({ empty: true }, { sse: [] });
  await expectFailure(settings(), 'ai_provider_response_invalid', 'also did not yield caption content');
  fake.script({ empty: true }, { status: 500, message: 'stream broke' });
  const broken = await expectFailure(settings(), 'ai_provider_unavailable', 'Streaming fallback failed');
  assert.ok(broken.errorMessage.includes('stream broke'), broken.errorMessage);
});

test('every failure kind is a 200 with its code and a sanitized message', async () => {
  await expectFailure(settings({ apiKey: 'sk-wrong-key-0123456789' }), 'ai_provider_request_failed',
    'OpenAI vision request failed with status 401: Incorrect API key provided.');
  fake.script({ echoCredentials: true });
  const echoed = await expectFailure(settings(), 'ai_provider_request_failed', 'status 401');
  assert.ok(echoed.errorMessage.includes('***'), echoed.errorMessage);
  assert.ok(!/Bearer (?!\*\*\*)/.test(echoed.errorMessage), echoed.errorMessage);
  // a key that does not look like sk- is redacted as well
  const plainKey = `plain${randomBytes(8).toString('hex')}`;
  const plain = new FakeOpenAI({ apiKey: plainKey }).start();
  const other = await plain;
  try {
    other.script({ echoCredentials: true });
    const result = await expectFailure(settings({ apiBaseUrl: other.baseUrl, apiKey: plainKey }),
      'ai_provider_request_failed');
    assert.ok(!result.errorMessage.includes(plainKey), result.errorMessage);
  } finally {
    await other.stop();
  }
  fake.script({ status: 429, retryAfter: 7, message: 'Rate limit reached' });
  await expectFailure(settings(), 'ai_provider_rate_limited', 'status 429: Rate limit reached');
  fake.script({ status: 503, message: 'overloaded' });
  await expectFailure(settings(), 'ai_provider_unavailable', 'status 503');
  fake.script({ content: 'A cat on a mat.' });
  await expectFailure(settings(), 'ai_provider_response_invalid', 'OpenAI vision response content was not valid JSON.');
  fake.script({ content: '{"altText": "no caption here"}' });
  await expectFailure(settings(), 'ai_provider_response_invalid', 'did not contain a caption field');
  fake.script({ content: '{"caption": "   "}' });
  await expectFailure(settings(), 'ai_provider_response_invalid', 'did not contain a caption field');
  await expectFailure(settings({ modelName: 'another-model' }), 'ai_provider_request_failed', 'status 400');
  const closed = await freePort();
  await expectFailure(settings({ apiBaseUrl: `http://127.0.0.1:${closed}/v1` }), 'ai_provider_unreachable');
  fake.script({ stall: true });
  const started = Date.now();
  const stalled = await expectFailure(settings(), 'ai_provider_timeout');
  const took = Date.now() - started;
  assert.ok(stalled.durationMs >= TIMEOUT_S * 1000 - 100, `ended at the deadline (${stalled.durationMs} ms)`);
  assert.ok(took < (TIMEOUT_S + 10) * 1000, `not much later (${took} ms)`);
  // the streaming fallback shares the deadline
  fake.script({ empty: true, delayMs: 2000 }, { stall: true });
  const shared = await expectFailure(settings(), 'ai_provider_timeout');
  assert.ok(shared.durationMs < (TIMEOUT_S + 2) * 1000, `one deadline for both requests (${shared.durationMs} ms)`);
  for (const text of texts) assert.ok(!text.includes(FAKE_KEY), 'no response holds the key');
});

test('a saved profile fills the blanks; 404 for an unknown one; nothing is stored', async () => {
  const created = await request('POST', BASE, { name: 'saved', ...settings(), isActive: false,
    defaultSystemPrompt: 'Answer as JSON with caption, altText and tags.' });
  assert.equal(created.status, 201, created.text);
  const profile = created.body.data;
  const before = (await request('GET', BASE)).body.data;
  fake.reset();
  const saved = await runTest({ profileId: profile.id });
  assert.equal(saved.succeeded, true, JSON.stringify(saved));
  assert.equal(fake.requests[0].body.messages[0].content, 'Answer as JSON with caption, altText and tags.');
  const blank = await runTest({ profileId: profile.id.toUpperCase(), apiBaseUrl: ' ', apiKey: '', defaultSystemPrompt: ' ' });
  assert.equal(blank.succeeded, true, JSON.stringify(blank));
  assert.notEqual(fake.requests[1].body.messages[0].content, 'Answer as JSON with caption, altText and tags.',
    'a present, blank prompt is the standard prompt');
  const override = await runTest({ profileId: profile.id, modelName: 'not-served' });
  assert.equal(override.succeeded, false);
  assert.equal(override.resolvedModelName, 'not-served');
  assert.equal(fake.requests[2].body.model, 'not-served');
  expectError(assert, await request('POST', `${BASE}/test`, { profileId: '00000000-0000-7000-8000-000000000000' }),
    404, 'ai_provider_profile_not_found');
  expectError(assert, await request('POST', `${BASE}/test`, { profileId: 'not-a-guid' }), 404,
    'ai_provider_profile_not_found');
  expectError(assert, await request('POST', `${BASE}/test`, { profileId: profile.id, apiBaseUrl: 'ftp://x' }), 400,
    'ai_provider_profile_api_base_url_invalid');
  assert.deepEqual((await request('GET', BASE)).body.data, before, 'the test stored nothing');
});

test('400s without a profile, in order; member kinds', async () => {
  const cases = [
    [{}, 'ai_provider_profile_api_base_url_required'],
    [{ apiKey: FAKE_KEY, modelName: FAKE_MODEL }, 'ai_provider_profile_api_base_url_required'],
    [{ apiBaseUrl: 'not a url' }, 'ai_provider_profile_api_base_url_invalid'],
    [{ apiBaseUrl: fake.baseUrl }, 'ai_provider_profile_api_key_required'],
    [{ apiBaseUrl: fake.baseUrl, apiKey: FAKE_KEY }, 'ai_provider_profile_model_name_required'],
    [settings({ defaultSystemPrompt: 'p'.repeat(8001) }), 'ai_provider_profile_default_system_prompt_too_long'],
    [settings({ profileId: 12 }), 'request_invalid'],
    [settings({ apiKey: true }), 'request_invalid'],
  ];
  for (const [json, code] of cases) expectError(assert, await request('POST', `${BASE}/test`, json), 400, code);
  expectError(assert, await request('POST', `${BASE}/test`, 'text'), 400, 'request_invalid');
  expectError(assert, await server.request('POST', `${BASE}/test`, { token }), 400, 'request_invalid');
});

test('the stand-in is strict: it refuses and records a wrong request', async () => {
  const good = { model: FAKE_MODEL, response_format: { type: 'json_object' }, messages: [
    { role: 'system', content: 'x' },
    { role: 'user', content: [{ type: 'text', text: 'caption altText tags' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] };
  const send = (body, headers = {}) => fetch(`${fake.baseUrl}/chat/completions`, { method: 'POST',
    headers: { Authorization: `Bearer ${FAKE_KEY}`, 'Content-Type': 'application/json; charset=utf-8',
      Accept: 'application/json', ...headers }, body: JSON.stringify(body) });
  fake.reset();
  assert.equal((await send(good)).status, 400, 'not a real PNG');
  assert.equal((await send({ ...good, temperature: 0 })).status, 400);
  assert.equal((await send(good, { Authorization: 'Bearer sk-other' })).status, 401);
  assert.equal((await send(good, { Accept: '*/*' })).status, 400);
  assert.equal(fake.violations.length, 4, fake.violations.join('\n'));
});

// A server of its own: the profile's key through rotation, reseal and a lost secret key.
test('the key through a secret key rotation, reseal, and a lost secret key', async () => {
  const keys = [1, 2, 3].map(() => randomBytes(32).toString('hex'));
  const own = new NekoHub();
  const start = async (env) => {
    own.extraEnv = accountsEnv({ Processing__Workers: '0', ...env });
    await own.start();
    return (await login(own, ROOT.username, ROOT.password)).accessToken;
  };
  try {
    let ownToken = await start({ Security__SecretKey: keys[0] });
    const call = (method, path, json) => own.request(method, path, { json, token: ownToken });
    const created = await call('POST', BASE, { name: 'rotating', ...settings() });
    assert.equal(created.status, 201, created.text);
    const id = created.body.data.id;
    await own.stop();

    ownToken = await start({ Security__SecretKey: keys[1], Security__PreviousSecretKeys__0: keys[0] });
    assert.equal((await call('POST', `${BASE}/test`, { profileId: id })).body.data.succeeded, true,
      'the previous secret key opens the stored key');
    await own.stop();
    const reseal = await runCommand(['secrets', 'reseal', '--data-dir', own.dataDir], {
      env: { ...own.databaseEnv, Security__SecretKey: keys[1], Security__PreviousSecretKeys__0: keys[0] } });
    assert.equal(reseal.code, 0, reseal.stderr);
    assert.match(reseal.stdout, /resealed 1 secret under/);

    ownToken = await start({ Security__SecretKey: keys[1] });
    assert.equal((await call('POST', `${BASE}/test`, { profileId: id })).body.data.succeeded, true,
      'after the reseal the new secret key alone opens it');
    await own.stop();

    ownToken = await start({ Security__SecretKey: keys[2] });
    assert.equal((await call('GET', BASE)).status, 200, 'the list still reads (the mask)');
    const lost = (await call('POST', `${BASE}/test`, { profileId: id })).body.data;
    assert.equal(lost.succeeded, false);
    assert.equal(lost.errorCode, 'ai_provider_key_unreadable');
    assert.ok(lost.errorMessage.includes('rotating'), lost.errorMessage);
    const given = (await call('POST', `${BASE}/test`, { profileId: id, apiKey: FAKE_KEY })).body.data;
    assert.equal(given.succeeded, true, 'a key in the body needs no stored one');
    assert.equal((await call('PATCH', `${BASE}/${id}`, { apiKey: FAKE_KEY })).status, 200);
    assert.equal((await call('POST', `${BASE}/test`, { profileId: id })).body.data.succeeded, true,
      'entering the key again repairs the profile');
    await own.stop();
    const stale = await runCommand(['secrets', 'reseal', '--data-dir', own.dataDir],
      { env: { ...own.databaseEnv, Security__SecretKey: keys[0] } });
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /rotating/);
  } finally {
    await own.stop('SIGTERM', { allowFailure: true });
    own.cleanup();
  }
});
