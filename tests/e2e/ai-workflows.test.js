// ai-workflows.test.js - the AI providers and Workflows pages in chromium against a real nekohub
// and the OpenAI-compatible stand-in model (tests/api/lib/fake-openai.js): an AI provider created
// (a URL refused inline first; the key write-only, shown as its mask), tested from its row (the
// caption, alt text and tags the model returned for the sample image); a workflow of three skills
// built in the editor without writing JSON (added from the palette, one step moved with the
// keyboard and announced, another dragged, a parameter refused inline, the JSON view), made
// auto-run and saved in the original editor's graph format; an image uploaded: the caption, alt
// text, tags and derivatives on its asset page; the workflow run again from the asset page (its
// job followed); another provider activated and deleted, another workflow made auto-run and
// deleted (confirmations); a parameter the browser cannot check refused by the server and shown
// on its step; discard confirmation when leaving; the pages in zh-CN.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertHealthy, capture, closeBrowser, eventually, expectPath, expectText, expectToast, openBrowser, texts, uiTest,
} from './lib/browser.js';
import { ROOT, machine, signIn, startNekoHub, stopNekoHub } from './lib/nekohub.js';
import { solidPng } from './lib/png.js';
import { assetDetail, derivative, imageState } from './lib/processing.js';
import { startModel } from './lib/ai.js';

const CAT = { name: 'orange-cat.png', mimeType: 'image/png', buffer: solidPng(300, 200, [230, 140, 40]) };

// The steps of the editor as [skill, position] in document order.
async function stepList(page) {
  return page.locator('[data-testid=wf-step]').evaluateAll((items) => items.map((li) => li.dataset.skill));
}

// The text of a <select>'s chosen option (options themselves are never "visible").
async function chosen(select) {
  return select.evaluate((el) => el.selectedOptions[0]?.textContent.trim() ?? null);
}

async function focused(page) {
  return page.evaluate(() => document.activeElement?.dataset.testid ?? document.activeElement?.id ?? null);
}

describe('console: AI providers and workflows', () => {
  let server;
  let model;
  let root;
  const ids = {};

  const test = uiTest(nodeTest, () => [root]);

  before(async () => {
    model = await startModel();
    server = await startNekoHub();
    root = await openBrowser('root');
    await signIn(root.page, server, ROOT.username, ROOT.password);
  });

  after(async () => {
    await closeBrowser(root);
    assert.deepEqual(model?.violations() ?? [], [], 'requests the stand-in model refused');
    try {
      await stopNekoHub(server);
    } finally {
      await model?.stop();
    }
  });

  test('an AI provider is created (key write-only) and tested: the caption the model returned', async () => {
    const { page } = root;
    await page.getByTestId('nav-aiProviders').click();
    await expectPath(page, '/ai-providers');
    await expectText(page.getByTestId('state-empty'), /No AI provider yet/);
    await page.getByTestId('ai-new').click();
    const dialog = page.getByTestId('ai-form-dialog');
    await dialog.waitFor();
    // No other provider: the new one starts active.
    assert.equal(await dialog.getByTestId('ai-form-isActive').getAttribute('aria-checked'), 'true');

    // Refused in the browser: nothing is sent.
    await dialog.getByTestId('ai-form-name').fill('Stand-in vision');
    await dialog.getByTestId('ai-form-apiBaseUrl').fill('ftp://127.0.0.1/v1');
    await dialog.getByTestId('ai-form-modelName').fill(model.modelName);
    await dialog.getByTestId('ai-form-submit').click();
    await expectText(dialog.locator('#ai-form-apiBaseUrl-error'), 'Only http and https URLs are accepted.');
    await expectText(dialog.locator('#ai-form-apiKey-error'), 'Required.');
    assert.equal(await focused(page), 'ai-form-apiBaseUrl');
    assert.deepEqual((await machine(server, 'GET', '/api/v1/system/ai/providers')).body.data, []);
    await capture(page, 'ai-provider-form-invalid');

    await dialog.getByTestId('ai-form-apiBaseUrl').fill(`${model.baseUrl}/`);
    await dialog.getByTestId('ai-form-apiKey').fill(model.apiKey);
    assert.equal(await dialog.getByTestId('ai-form-apiKey').getAttribute('type'), 'password');
    await dialog.getByTestId('ai-form-submit').click();
    await expectToast(page, 'AI provider “Stand-in vision” created.', 'success');
    await dialog.waitFor({ state: 'detached' });

    const row = page.locator('[data-testid=ai-row][data-name="Stand-in vision"]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-active'), 'true');
    await expectText(row.getByTestId('ai-active-badge'), 'Active');
    await expectText(row.getByTestId('ai-key-mask'), 'sk-***');
    assert.equal(await page.getByText(model.apiKey).count(), 0, 'the key is never shown');
    const saved = (await machine(server, 'GET', '/api/v1/system/ai/providers')).body.data;
    assert.equal(saved.length, 1);
    assert.equal(saved[0].apiBaseUrl, model.baseUrl, 'trailing slash removed');
    ids.provider = saved[0].id;
    await capture(page, 'ai-providers-list');

    // Test from the row: the stand-in's answer for the sample image.
    const before = model.requests().length;
    await row.getByTestId('ai-test').click();
    const testDialog = page.getByTestId('ai-test-dialog');
    await testDialog.waitFor();
    const result = testDialog.getByTestId('ai-test-result');
    await result.waitFor({ timeout: 90000 });
    assert.equal(await result.getAttribute('data-succeeded'), 'true');
    await expectText(testDialog.getByTestId('ai-test-caption'), model.caption);
    await expectText(testDialog.getByTestId('ai-test-alt-text'), model.altText);
    assert.deepEqual(await texts(testDialog.getByTestId('ai-test-tags').getByTestId('tag-chip')), model.tags);
    await expectText(testDialog.getByTestId('ai-test-model'), model.modelName);
    assert.ok(model.requests().length > before, 'the stand-in was called');
    await capture(page, 'ai-provider-test-result');
    await testDialog.getByTestId('ai-test-close').click();
    await testDialog.waitFor({ state: 'detached' });

    // Edit: the mask is shown, a blank key keeps the saved one, only the change is sent.
    await row.getByTestId('ai-edit').click();
    const edit = page.getByTestId('ai-form-dialog');
    await edit.waitFor();
    assert.equal(await edit.getByTestId('ai-form-apiKey').inputValue(), '');
    assert.equal(await edit.getByTestId('ai-form-apiKey').getAttribute('placeholder'), 'sk-***');
    await edit.getByTestId('ai-form-defaultSystemPrompt').fill('Describe the image for a photo library.');
    // Test what the form holds: the model says it is busy, then answers.
    model.script({ status: 429, retryAfter: 30, message: 'Rate limit reached for requests' });
    await edit.getByTestId('ai-form-test').click();
    const failed = edit.locator('[data-testid=ai-test-result][data-succeeded=false]');
    await failed.waitFor({ timeout: 90000 });
    await expectText(failed.getByTestId('ai-test-summary'), /^The test failed\./);
    const message = failed.getByTestId('ai-test-error-message');
    assert.equal(await message.getAttribute('data-code'), 'ai_provider_rate_limited');
    await expectText(message, /Rate limit reached for requests/);
    assert.doesNotMatch(await message.innerText(), /sk-e2e|Bearer/);
    await capture(page, 'ai-provider-test-error');
    const sent = model.requests().at(-1);
    assert.equal(sent.body.messages[0].content, 'Describe the image for a photo library.', 'the prompt typed, not yet saved');
    await edit.getByTestId('ai-form-test').click();
    await edit.locator('[data-testid=ai-test-result][data-succeeded=true]').waitFor({ timeout: 90000 });
    await expectText(edit.getByTestId('ai-test-caption'), model.caption);
    await edit.getByTestId('ai-form-submit').click();
    await expectToast(page, 'AI provider “Stand-in vision” saved.', 'success');
    const afterEdit = (await machine(server, 'GET', '/api/v1/system/ai/providers')).body.data[0];
    assert.equal(afterEdit.defaultSystemPrompt, 'Describe the image for a photo library.');
    assert.equal(afterEdit.apiKey, 'sk-***');
    await expectText(row.locator('td').nth(3), 'Custom');
    assertHealthy(root);
  });

  test('a workflow of three skills built in the editor: keyboard reorder, drag, inline checks, auto-run', async () => {
    const { page } = root;
    await page.getByTestId('nav-workflows').click();
    await expectPath(page, '/workflows');
    await page.getByTestId('wf-form').waitFor();
    assert.equal(await page.getByTestId('wf-select').inputValue(), 'new');
    await expectText(page.getByTestId('wf-no-steps'), 'No steps yet: add one from the list below.');

    await page.getByTestId('wf-name').fill('Publish with caption');
    await page.getByTestId('wf-description').fill('Thumbnails, a caption from the model, then the watermark.');
    await page.getByTestId('wf-add-thumbnail').click();
    await page.getByTestId('wf-add-watermark').click();
    await page.getByTestId('wf-add-ai-caption').click();
    assert.deepEqual(await stepList(page), ['thumbnail', 'watermark', 'ai-caption']);
    // Focus goes to the step just added.
    assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid=wf-step]')?.dataset.skill), 'ai-caption');
    await expectText(page.getByTestId('wf-dirty'), 'Unsaved changes.');

    // The keyboard: Tab to "Move up" of the caption step and press Enter.
    const captionStep = page.locator('[data-testid=wf-step][data-skill=ai-caption]');
    await captionStep.getByTestId('wf-step-up').focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(await stepList(page), ['thumbnail', 'ai-caption', 'watermark']);
    await expectText(page.getByTestId('wf-announce'), 'AI caption (ai-caption) moved to position 2 of 3.');
    assert.equal(await focused(page), 'wf-step-up', 'focus stays on the button');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid=wf-step]')?.dataset.skill), 'ai-caption');
    await capture(page, 'workflow-editor-keyboard-reorder');

    // Drag: the watermark's handle onto the first step, then back with the keyboard.
    await page.locator('[data-testid=wf-step][data-skill=watermark]').getByTestId('wf-step-handle')
      .dragTo(page.locator('[data-testid=wf-step][data-skill=thumbnail]'));
    assert.deepEqual(await stepList(page), ['watermark', 'thumbnail', 'ai-caption']);
    await expectText(page.getByTestId('wf-announce'), 'Watermark (watermark) moved to position 1 of 3.');
    const watermark = page.locator('[data-testid=wf-step][data-skill=watermark]');
    await watermark.getByTestId('wf-step-down').click();
    await watermark.getByTestId('wf-step-down').click();
    assert.deepEqual(await stepList(page), ['thumbnail', 'ai-caption', 'watermark']);

    // The watermark's form, from the skill's descriptors; refused inline before anything is sent.
    const param = (name) => watermark.locator(`[data-testid$="-param-${name}"]`);
    assert.equal(await param('text').inputValue(), 'NekoHub');
    assert.equal(await param('opacity').inputValue(), '0.5');
    assert.equal(await param('fontSize').inputValue(), '36');
    assert.equal(await param('position').inputValue(), 'BottomRight');
    await param('text').fill('© NekoHub e2e');
    await param('opacity').fill('1.5');
    await page.getByTestId('wf-autorun').click();
    assert.equal(await page.getByTestId('wf-autorun').getAttribute('aria-checked'), 'true');
    await page.getByTestId('wf-save').click();
    await expectText(watermark.locator('[data-testid$="-param-opacity-error"]'), 'Between 0 and 1.');
    assert.equal(await param('opacity').getAttribute('aria-invalid'), 'true');
    assert.equal(await watermark.getAttribute('data-invalid'), 'true');
    assert.deepEqual((await machine(server, 'GET', '/api/v1/system/workflows')).body.data, [], 'nothing saved');
    await capture(page, 'workflow-editor-invalid');
    await param('opacity').fill('0.4');
    await param('position').selectOption('TopLeft');

    // The JSON view shows what will be saved: the original editor's format.
    await page.getByTestId('wf-json').locator('summary').click();
    const shown = JSON.parse(await page.getByTestId('wf-json-text').inputValue());
    assert.deepEqual(shown.nodes.map((n) => [n.type, n.data.skillId]), [['skill', 'thumbnail'], ['skill', 'ai-caption'], ['skill', 'watermark']]);
    await capture(page, 'workflow-editor-json');

    await page.getByTestId('wf-save').click();
    await expectToast(page, 'Workflow “Publish with caption” created.', 'success');
    await page.getByTestId('wf-autorun-badge').waitFor();
    assert.equal(await page.getByTestId('wf-dirty').count(), 0);
    const list = (await machine(server, 'GET', '/api/v1/system/workflows')).body.data;
    assert.equal(list.length, 1);
    const wf = list[0];
    ids.workflow = wf.id;
    assert.equal(wf.isAutoRun, true);
    assert.equal(wf.description, 'Thumbnails, a caption from the model, then the watermark.');
    const graph = JSON.parse(wf.graphJson);
    assert.deepEqual(graph.nodes.map((n) => [n.type, n.data.skillId]), [['skill', 'thumbnail'], ['skill', 'ai-caption'], ['skill', 'watermark']]);
    assert.deepEqual(graph.nodes[2].data.parameters, { text: '© NekoHub e2e', opacity: 0.4, fontSize: 36, position: 'TopLeft' });
    // The original editor sorts by x: ours lays the nodes out left to right, chained by edges.
    const xs = graph.nodes.map((n) => n.position.x);
    assert.ok(xs[0] < xs[1] && xs[1] < xs[2], JSON.stringify(xs));
    assert.deepEqual(graph.edges.map((e) => [e.source, e.target]), [[graph.nodes[0].id, graph.nodes[1].id], [graph.nodes[1].id, graph.nodes[2].id]]);
    assert.ok(graph.viewport && typeof graph.viewport.zoom === 'number');
    await capture(page, 'workflow-editor-saved');
    assertHealthy(root);
  });

  test('an upload runs the auto-run workflow: caption, alt text, tags and derivatives on the asset page', async () => {
    const { page } = root;
    const calls = model.requests().length;
    await page.getByTestId('nav-upload').click();
    await expectPath(page, '/assets/upload');
    await page.getByTestId('upload-input').setInputFiles([CAT]);
    const item = page.locator('[data-testid=upload-item][data-status=done]');
    await item.waitFor({ timeout: 30000 });
    ids.asset = await item.getByTestId('upload-result-link').getAttribute('data-asset-id');
    await item.getByTestId('upload-result-link').click();
    await expectPath(page, `/assets/${ids.asset}`);

    // The page follows the processing by itself: the caption, then the tags.
    const caption = page.getByTestId('asset-caption-text');
    await caption.waitFor({ timeout: 90000 });
    await expectText(caption, model.caption);
    await expectText(page.getByTestId('asset-caption-alt'), `Alt text: ${model.altText}`);
    await eventually(() => texts(page.getByTestId('asset-tags').getByTestId('tag-chip')), (tags) => tags.length === model.tags.length,
      { message: 'tags shown', timeout: 30000 });
    assert.deepEqual(await texts(page.getByTestId('asset-tags').getByTestId('tag-chip')), model.tags);
    // Description and alt text were blank: filled from the caption.
    await eventually(() => page.getByTestId('asset-alt-text').inputValue(), (v) => v === model.altText, { message: 'alt text filled' });
    assert.equal(await page.getByTestId('asset-description').inputValue(), model.caption);
    const kinds = await eventually(
      () => page.locator('[data-testid=asset-derivative]').evaluateAll((cards) => cards.map((c) => c.dataset.kind).sort()),
      (k) => k.length === 2, { message: 'derivatives', timeout: 30000 });
    assert.deepEqual(kinds, ['preview_1024', 'thumbnail_256']);
    for (const img of await page.locator('[data-testid=asset-derivative] img').all()) {
      await eventually(() => imageState(img), (s) => s.complete && s.naturalWidth > 0, { message: 'derivative image' });
    }
    const detail = await assetDetail(server, ids.asset);
    assert.deepEqual(detail.tags, model.tags);
    assert.ok(derivative(detail, 'thumbnail_256'));
    assert.ok(model.requests().length > calls, 'the model was asked');
    // The history: the workflow's skills, run on upload.
    const skills = await eventually(
      () => page.locator('[data-testid=execution-item]').evaluateAll((items) => items.map((i) => [i.dataset.skill, i.dataset.state])),
      (h) => ['thumbnail', 'ai-caption', 'watermark'].every((s) => h.some(([skill, state]) => skill === s && state === 'succeeded')),
      { message: 'the workflow\'s executions', timeout: 60000 });
    assert.ok(!skills.some(([s]) => s === 'basic_image_enrich'), 'not the default processing');
    await capture(page, 'asset-caption-tags');

    // The asset list finds it by a tag.
    const hits = await machine(server, 'GET', `/api/v1/assets?query=${encodeURIComponent(model.tags[0])}`);
    assert.ok(hits.body.data.items.some((a) => a.id === ids.asset));
    assertHealthy(root);
  });

  test('the workflow runs again from the asset page, and the page follows its job', async () => {
    const { page } = root;
    const card = page.getByTestId('asset-workflows');
    await card.waitFor();
    await card.getByTestId('asset-wf-select').waitFor();
    assert.equal(await chosen(card.getByTestId('asset-wf-select')), 'Publish with caption (auto-run)');
    const before = (await machine(server, 'GET', `/api/v1/assets/${ids.asset}/executions`)).body.data.total;
    await card.getByTestId('asset-wf-run').click();
    const queued = card.getByTestId('asset-wf-queued');
    await expectText(queued, /“Publish with caption” is queued: Thumbnail \(thumbnail\) → AI caption \(ai-caption\) → Watermark \(watermark\)\./);
    await card.locator('[data-testid=asset-wf-queued][data-state=succeeded]').waitFor({ timeout: 90000 });
    await capture(page, 'asset-run-workflow');
    await eventually(async () => (await machine(server, 'GET', `/api/v1/assets/${ids.asset}/executions`)).body.data.total,
      (n) => n >= before + 3, { message: 'three more executions', timeout: 30000 });
    await expectText(page.getByTestId('asset-processing-state'), 'Idle');
    assertHealthy(root);
  });

  test('another provider activated, another workflow made auto-run, both deleted after a confirmation', async () => {
    const { page } = root;
    // Set up through the API: a second provider (inactive) and a second workflow.
    const created = await machine(server, 'POST', '/api/v1/system/ai/providers', {
      name: 'Backup vision', apiBaseUrl: model.baseUrl, apiKey: 'key-backup-0123', modelName: model.modelName, isActive: false,
    });
    assert.equal(created.status, 201, created.text);
    const graph = JSON.stringify({ nodes: [{ id: 'n1', type: 'skill', position: { x: 0, y: 0 }, data: { skillId: 'exif-strip', parameters: {} } }], edges: [], viewport: { x: 0, y: 0, zoom: 1 } });
    const wf = await machine(server, 'POST', '/api/v1/system/workflows', { name: 'Strip only', graphJson: graph });
    assert.equal(wf.status, 201, wf.text);

    await page.getByTestId('nav-aiProviders').click();
    await page.getByTestId('ai-table').waitFor();
    await eventually(() => page.locator('[data-testid=ai-row]').evaluateAll((rows) => rows.map((r) => [r.dataset.name, r.dataset.active])),
      (rows) => rows.length === 2, { message: 'two providers' });
    const backup = page.locator('[data-testid=ai-row][data-name="Backup vision"]');
    await expectText(backup.getByTestId('ai-key-mask'), 'key-***');
    await backup.getByTestId('ai-activate').click();
    await expectToast(page, '“Backup vision” is now the active AI provider.', 'success');
    // The active one first, and only one.
    await eventually(() => page.locator('[data-testid=ai-row]').evaluateAll((rows) => rows.map((r) => [r.dataset.name, r.dataset.active])),
      (rows) => JSON.stringify(rows) === JSON.stringify([['Backup vision', 'true'], ['Stand-in vision', 'false']]), { message: 'backup active, first' });
    await backup.getByTestId('ai-delete').click();
    const confirm = page.getByTestId('confirm-dialog');
    await expectText(confirm.locator('#confirm-body'), /It is the active provider: no provider will be active afterwards/);
    await capture(page, 'ai-provider-delete-confirm');
    await confirm.getByTestId('confirm-ok').click();
    await expectToast(page, 'AI provider “Backup vision” deleted.', 'success');
    await expectText(page.getByTestId('ai-none-active'), 'No provider is active: uploads get no caption until one is activated.');
    await page.locator('[data-testid=ai-row][data-name="Stand-in vision"]').getByTestId('ai-activate').click();
    await page.locator('[data-testid=ai-row][data-name="Stand-in vision"][data-active=true]').waitFor();

    await page.getByTestId('nav-workflows').click();
    await page.getByTestId('wf-form').waitFor();
    await page.getByTestId('wf-select').selectOption({ label: 'Strip only' });
    assert.deepEqual(await stepList(page), ['exif-strip']);
    await page.getByTestId('wf-set-autorun').click();
    await expectText(page.getByTestId('confirm-dialog').locator('#confirm-body'), /“Publish with caption” stops being the auto-run workflow\./);
    await page.getByTestId('confirm-ok').click();
    await expectToast(page, '“Strip only” now runs on every upload.', 'success');
    await page.getByTestId('wf-autorun-badge').waitFor();
    const all = (await machine(server, 'GET', '/api/v1/system/workflows')).body.data;
    assert.deepEqual(all.map((w) => [w.name, w.isAutoRun]), [['Strip only', true], ['Publish with caption', false]]);
    await page.getByTestId('wf-delete').click();
    await expectText(page.getByTestId('confirm-dialog').locator('#confirm-body'), /It is the auto-run workflow: uploads go back to the default processing\./);
    await page.getByTestId('confirm-ok').click();
    await expectToast(page, 'Workflow “Strip only” deleted.', 'success');
    assert.equal(await chosen(page.getByTestId('wf-select')), 'Publish with caption');
    assert.deepEqual((await machine(server, 'GET', '/api/v1/system/workflows')).body.data.map((w) => w.name), ['Publish with caption']);
    // Make the first one auto-run again for what follows.
    await page.getByTestId('wf-set-autorun').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('wf-autorun-badge').waitFor();
    assertHealthy(root);
  });

  test('the server\'s refusal lands on its step; leaving with changes asks first; in Chinese', async () => {
    const { page } = root;
    await page.getByTestId('nav-workflows').click();
    await page.getByTestId('wf-form').waitFor();
    assert.equal(await chosen(page.getByTestId('wf-select')), 'Publish with caption (auto-run)');
    const steps = await stepList(page);
    assert.deepEqual(steps, ['thumbnail', 'ai-caption', 'watermark'], 'the saved order read back');

    // 240 bytes of watermark text: only the server knows that limit.
    const watermark = page.locator('[data-testid=wf-step][data-skill=watermark]');
    await watermark.locator('[data-testid$="-param-text"]').fill('ねこ'.repeat(40));
    await page.getByTestId('wf-save').click();
    const error = watermark.locator('[data-testid$="-param-text-error"]');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'watermark_text_too_long');
    assert.equal(await focused(page), (await watermark.locator('[data-testid$="-param-text"]').getAttribute('data-testid')));
    await capture(page, 'workflow-editor-server-error');

    // Switching to a new draft asks too; "Cancel" keeps the workflow and its menu entry.
    await page.getByTestId('wf-select').selectOption('new');
    await page.getByTestId('confirm-dialog').getByTestId('confirm-cancel').click();
    assert.equal(await chosen(page.getByTestId('wf-select')), 'Publish with caption (auto-run)');
    assert.equal(await watermark.locator('[data-testid$="-param-text"]').inputValue(), 'ねこ'.repeat(40));

    // Leaving asks; "Cancel" stays, "Discard" goes.
    await page.getByTestId('nav-assets').click();
    const confirm = page.getByTestId('confirm-dialog');
    await expectText(confirm.locator('#confirm-body'), 'The unsaved changes to Publish with caption will be lost.');
    await confirm.getByTestId('confirm-cancel').click();
    await expectPath(page, '/workflows');
    await page.getByTestId('nav-assets').click();
    await page.getByTestId('confirm-dialog').getByTestId('confirm-ok').click();
    await expectPath(page, '/assets');
    const saved = JSON.parse((await machine(server, 'GET', `/api/v1/system/workflows/${ids.workflow}`)).body.data.graphJson);
    assert.equal(saved.nodes[2].data.parameters.text, '© NekoHub e2e', 'nothing was saved');

    await page.getByTestId('nav-workflows').click();
    await page.getByTestId('language-switch').selectOption('zh-CN');
    await expectText(page.locator('h1'), '工作流');
    await expectText(page.getByTestId('wf-palette').locator('h3'), '添加步骤');
    await capture(page, 'workflow-editor-zh');
    await page.getByTestId('nav-aiProviders').click();
    await expectText(page.locator('h1'), 'AI 服务');
    await capture(page, 'ai-providers-zh');
    await page.getByTestId('language-switch').selectOption('en');
    assertHealthy(root);
  });
});
