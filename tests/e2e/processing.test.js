// processing.test.js - the console's processing pages in chromium against a real nekohub whose
// own workers are off (Processing__Workers=0), so that uploaded images wait in the queue until a
// `nekohub worker` process is started: placeholders on the upload page and in the asset grid,
// the Jobs page (counts, filter tabs, cancel and retry with confirmation), then the thumbnails
// filling in on the open grid without a reload once the worker runs; the asset page's
// derivatives, results and execution history; format-convert to WebP from the run-skill dialog;
// the watermark form refused in the browser and by the server (its code next to the field); a
// run queued past the server's wait (202) shown as queued and filled in once a worker runs it.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertHealthy, capture, closeBrowser, eventually, expectPath, expectText, expectToast, openBrowser,
  texts, uiTest,
} from './lib/browser.js';
import { ROOT, machine, signIn, startNekoHub, stopNekoHub } from './lib/nekohub.js';
import { solidPng } from './lib/png.js';
import { assertNotReloaded, assetDetail, derivative, imageState, markPage, startWorker, waitProcessed } from './lib/processing.js';

const FILES = {
  fox: { name: 'red-fox.png', mimeType: 'image/png', buffer: solidPng(320, 240, [200, 60, 30]) },
  sea: { name: 'green-sea.png', mimeType: 'image/png', buffer: solidPng(240, 320, [30, 160, 90]) },
};

const pathOf = (url) => new URL(url, 'http://x').pathname;

async function jobRows(page) {
  return page.locator('[data-testid=job-row]').evaluateAll((rows) => rows.map((r) => ({
    id: r.dataset.jobId, state: r.dataset.state, assetId: r.dataset.assetId, skill: r.dataset.skill,
  })));
}

async function tabCounts(page) {
  return page.locator('[data-testid=jobs-tabs] [role=tab]').evaluateAll((tabs) => Object.fromEntries(
    tabs.map((t) => [t.dataset.testid.replace('jobs-tab-', ''), t.dataset.count === '' ? null : Number(t.dataset.count)])));
}

async function history(page) {
  return page.locator('[data-testid=execution-item]').evaluateAll((items) => items.map((i) => ({
    id: i.dataset.executionId,
    skill: i.dataset.skill,
    state: i.dataset.state,
    steps: [...i.querySelectorAll('[data-testid=execution-step]')].map((s) => [s.dataset.step, s.dataset.status]),
  })));
}

describe('console: processing', () => {
  let server;
  let worker;
  let root;
  const ids = {};

  const test = uiTest(nodeTest, () => [root]);

  before(async () => {
    // A short wait for manual runs, so that a run with no worker about answers 202 quickly.
    server = await startNekoHub({ Processing__Workers: '0', Processing__ManualRunWaitSeconds: '3' });
    root = await openBrowser('root');
    await signIn(root.page, server, ROOT.username, ROOT.password);
  });

  after(async () => {
    await closeBrowser(root);
    try {
      if (worker) await worker.stop();
    } finally {
      await stopNekoHub(server);
    }
  });

  test('uploads wait in the queue: placeholders on the upload page and in the grid', async () => {
    const { page } = root;
    await page.getByTestId('nav-upload').click();
    await expectPath(page, '/assets/upload');
    assert.equal(await page.getByTestId('upload-run-enrichment').isChecked(), true);
    await page.getByTestId('upload-input').setInputFiles([FILES.fox, FILES.sea]);
    await eventually(() => page.locator('[data-testid=upload-item][data-status=done]').count(), (n) => n === 2,
      { message: 'two uploads done', timeout: 30000 });
    for (const item of await page.locator('[data-testid=upload-item]').all()) {
      const name = await item.getAttribute('data-file-name');
      const key = Object.keys(FILES).find((k) => FILES[k].name === name);
      ids[key] = await item.getByTestId('upload-result-link').getAttribute('data-asset-id');
      const thumb = item.getByTestId('upload-thumb');
      assert.equal(await thumb.getAttribute('data-processing'), 'queued');
      assert.equal(await thumb.locator('[data-thumb=processing]').count(), 1, `${name}: a placeholder while queued`);
      await expectText(thumb.getByTestId('processing-badge'), 'Queued');
    }
    await capture(page, 'processing-upload-queued');

    await page.getByTestId('nav-assets').click();
    await page.getByTestId('assets-grid').waitFor();
    for (const key of ['fox', 'sea']) {
      const card = page.getByTestId(`asset-card-${ids[key]}`);
      assert.equal(await card.getAttribute('data-processing'), 'queued');
      await expectText(card.locator('[data-thumb=processing]'), 'Preparing preview…');
      await expectText(card.getByTestId('processing-badge'), 'Queued');
      assert.equal(await card.locator('img').count(), 0, 'no image, and never the original');
    }
    await capture(page, 'processing-grid-queued');
    assertHealthy(root);
  });

  test('the Jobs page lists the queued jobs with counts; cancel and retry ask first', async () => {
    const { page } = root;
    await page.getByTestId('nav-jobs').click();
    await expectPath(page, '/jobs');
    await page.getByTestId('jobs-table').waitFor();
    assert.deepEqual(await tabCounts(page), { all: 2, queued: 2, running: 0, failed: 0, succeeded: 0, cancelled: 0 });
    let rows = await jobRows(page);
    assert.deepEqual(rows.map((r) => r.assetId).sort(), [ids.fox, ids.sea].sort());
    assert.ok(rows.every((r) => r.state === 'queued'));
    await expectText(page.getByTestId('jobs-auto-refresh'), 'Refreshing while jobs are waiting or running');
    const foxRow = page.locator(`[data-testid=job-row][data-asset-id="${ids.fox}"]`);
    await expectText(foxRow.getByTestId('job-attempts'), '0 / 5');
    assert.equal(await foxRow.getByTestId('job-retry').count(), 0, 'a queued job cannot be retried');
    await capture(page, 'jobs-queued');

    // Cancel the fox's job: asked first; "Cancel" in the dialog keeps it.
    await foxRow.getByTestId('job-cancel').click();
    let confirm = page.getByTestId('confirm-dialog');
    await expectText(confirm.locator('#confirm-body'), 'The job will not run.');
    await confirm.getByTestId('confirm-cancel').click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await foxRow.getAttribute('data-state'), 'queued');
    await foxRow.getByTestId('job-cancel').click();
    confirm = page.getByTestId('confirm-dialog');
    await capture(page, 'jobs-cancel-confirm');
    await confirm.getByTestId('confirm-ok').click();
    await expectToast(page, 'The job is cancelled.', 'success');
    await page.locator(`[data-testid=job-row][data-asset-id="${ids.fox}"][data-state=cancelled]`).waitFor();
    await eventually(() => tabCounts(page), (c) => c.queued === 1 && c.cancelled === 1, { message: 'counts after cancel' });

    // The Cancelled tab shows only it (also reached with the arrow keys from the tab before).
    await page.getByTestId('jobs-tab-cancelled').click();
    await expectPath(page, '/jobs', '?state=cancelled');
    await eventually(() => jobRows(page), (r) => r.length === 1 && r[0].assetId === ids.fox && r[0].state === 'cancelled',
      { message: 'only the cancelled job' });
    assert.equal(await page.getByTestId('jobs-tab-cancelled').getAttribute('aria-selected'), 'true');
    await page.getByTestId('jobs-tab-cancelled').focus();
    await page.keyboard.press('ArrowLeft');
    await expectPath(page, '/jobs', '?state=succeeded');
    await expectText(page.getByTestId('state-empty'), 'No succeeded jobs.');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'jobs-tab-succeeded');
    await page.keyboard.press('ArrowRight');
    await expectPath(page, '/jobs', '?state=cancelled');
    await page.getByTestId('job-row').waitFor();

    // Retry puts it back in the queue.
    await page.getByTestId('job-retry').click();
    await expectText(page.getByTestId('confirm-dialog').locator('#confirm-body'), 'The job is queued again with its attempts reset.');
    await page.getByTestId('confirm-ok').click();
    await expectToast(page, 'The job is queued again.', 'success');
    await expectText(page.getByTestId('state-empty'), 'No cancelled jobs.');
    await page.getByTestId('jobs-tab-queued').click();
    await eventually(() => jobRows(page), (r) => r.length === 2 && r.every((x) => x.state === 'queued'),
      { message: 'both queued again' });
    await capture(page, 'jobs-retried');
    assertHealthy(root);
  });

  test('a worker takes the jobs: the thumbnails fill in on the open grid, without a reload', async () => {
    const { page } = root;
    await page.getByTestId('nav-assets').click();
    await page.getByTestId('assets-grid').waitFor();
    await page.getByTestId(`asset-card-${ids.fox}`).locator('[data-thumb=processing]').waitFor();
    await markPage(page);
    worker = await startWorker(server);
    const processed = {};
    for (const key of ['fox', 'sea']) processed[key] = await waitProcessed(server, ids[key]);
    for (const key of ['fox', 'sea']) {
      const a = processed[key];
      const thumb = derivative(a, 'thumbnail_256');
      const preview = derivative(a, 'preview_1024');
      const img = page.getByTestId(`asset-card-${ids[key]}`).locator('img');
      const state = await eventually(() => imageState(img), (s) => s.complete && s.naturalWidth > 0,
        { message: `${key}: thumbnail shown`, timeout: 30000 });
      assert.equal(state.src, thumb.publicUrl, `${key}: the thumbnail, not the original`);
      assert.equal(state.srcset, `${thumb.publicUrl} ${thumb.width}w, ${preview.publicUrl} ${preview.width}w`);
      assert.notEqual(pathOf(state.currentSrc), pathOf(a.publicUrl));
      await eventually(() => page.getByTestId(`asset-card-${ids[key]}`).getAttribute('data-processing'), (s) => s === 'idle',
        { message: `${key}: idle` });
      assert.equal(await page.getByTestId(`asset-card-${ids[key]}`).getByTestId('processing-badge').count(), 0);
    }
    assert.deepEqual([derivative(processed.fox, 'thumbnail_256').width, derivative(processed.fox, 'thumbnail_256').height], [256, 192]);
    await assertNotReloaded(page);
    await capture(page, 'processing-grid-done');
    assertHealthy(root);
  });

  test('the asset page shows derivatives, results and the execution history', async () => {
    const { page } = root;
    await page.getByTestId(`asset-card-${ids.fox}`).locator('.asset-name').click();
    await expectPath(page, `/assets/${ids.fox}`);
    await page.locator(`[data-testid=asset-detail][data-asset-id="${ids.fox}"]`).waitFor();
    assert.equal(await page.getByTestId('asset-processing').getAttribute('data-state'), 'idle');
    await expectText(page.getByTestId('asset-processing-state'), 'Idle');
    const preview = page.getByTestId('asset-preview').locator('img');
    const shown = await eventually(() => imageState(preview), (s) => s.complete && s.naturalWidth > 0, { message: 'preview' });
    const fox = await assetDetail(server, ids.fox);
    assert.equal(shown.src, derivative(fox, 'preview_1024').publicUrl, 'the preview, not the original');
    assert.equal(shown.naturalWidth, 320, 'preview_1024 of a 320 px image is not upscaled');
    assert.equal(await preview.getAttribute('data-kind'), 'preview_1024');
    const kinds = await page.locator('[data-testid=asset-derivative]').evaluateAll((cards) => cards.map((c) => c.dataset.kind).sort());
    assert.deepEqual(kinds, ['preview_1024', 'thumbnail_256']);
    await expectText(page.locator('[data-testid=asset-derivative][data-kind=thumbnail_256] [data-testid=derivative-dimensions]'), '256 × 192');
    await expectText(page.locator('[data-testid=asset-derivative][data-kind=preview_1024] [data-testid=derivative-dimensions]'), '320 × 240');
    for (const img of await page.locator('[data-testid=asset-derivative] img').all()) {
      await eventually(() => imageState(img), (s) => s.complete && s.naturalWidth > 0, { message: 'derivative image' });
    }
    const items = await eventually(() => history(page), (h) => h.length >= 1, { message: 'history' });
    assert.equal(items[0].state, 'succeeded');
    assert.ok(items[0].steps.some(([name, status]) => name === 'generate_thumbnail' && status === 'succeeded'),
      JSON.stringify(items[0]));
    await capture(page, 'asset-processing-panels');
    assertHealthy(root);
  });

  test('format-convert to WebP from the run-skill dialog: new execution, new content type', async () => {
    const { page } = root;
    const before = await history(page);
    const detailBefore = await assetDetail(server, ids.fox);
    await page.getByTestId('asset-run-skill').click();
    const dialog = page.getByTestId('run-skill-dialog');
    await dialog.getByTestId('run-skill-select').waitFor();
    const skills = await dialog.locator('#run-skill-select option').evaluateAll((o) => o.map((x) => x.value));
    assert.deepEqual(skills, ['basic_image_enrich', 'exif-strip', 'format-convert', 'watermark']);
    await dialog.getByTestId('run-skill-select').selectOption('format-convert');
    await expectText(dialog.getByTestId('run-skill-description'), /Converts the original to another image format\./);
    const formats = await dialog.getByTestId('run-skill-param-targetFormat').locator('option').evaluateAll((o) => o.map((x) => x.value));
    assert.deepEqual(formats, ['webp', 'jpg', 'jpeg', 'png', 'gif']);
    await dialog.getByTestId('run-skill-param-targetFormat').selectOption('webp');
    assert.equal(await dialog.getByTestId('run-skill-param-keepOriginal').isChecked(), false);
    await capture(page, 'run-skill-format-convert');
    await dialog.getByTestId('run-skill-submit').click();
    // It rewrites the original: asked first.
    await expectText(dialog.getByTestId('run-skill-confirm-step'), /replaces the stored original .* The old file is deleted once the new one is saved\./);
    await capture(page, 'run-skill-confirm');
    await dialog.getByTestId('run-skill-confirm').click();
    const result = dialog.getByTestId('run-skill-result');
    await result.waitFor({ timeout: 90000 });
    assert.equal(await result.getAttribute('data-succeeded'), 'true');
    await expectText(result.locator('.notice'), /Convert format \(format-convert\) finished\./);
    await capture(page, 'run-skill-result');
    await dialog.getByTestId('run-skill-done').click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'asset-run-skill', 'focus back on the button');

    const detail = await eventually(() => assetDetail(server, ids.fox), (a) => a.contentType === 'image/webp' && a.processing.state === 'idle',
      { message: 'converted and idle', timeout: 60000 });
    assert.equal(detail.extension, '.webp');
    await expectText(page.locator('[data-testid=asset-detail] .kv dd code').filter({ hasText: 'image/' }).first(), 'image/webp');
    const after = await eventually(() => history(page), (h) => h.length > before.length && h[0].skill === 'format-convert',
      { message: 'the run is in the history', timeout: 30000 });
    assert.equal(after[0].state, 'succeeded');
    // The conversion, then the derivatives made again from the new original.
    assert.deepEqual(after[0].steps[0], ['convert_image_format', 'succeeded']);
    assert.ok(after[0].steps.every(([, status]) => status === 'succeeded'), JSON.stringify(after[0].steps));
    const converted = await eventually(() => assetDetail(server, ids.fox),
      (a) => a.derivatives.length === 2 && a.derivatives.every((d) => Date.parse(d.createdAtUtc) > Date.parse(detailBefore.updatedAtUtc)),
      { message: 'derivatives made again' });
    assert.equal(derivative(converted, 'thumbnail_256').width, 256);
    await capture(page, 'asset-after-convert');
    assertHealthy(root);
  });

  test('the watermark form: inline checks first, then the server code next to its field', async () => {
    const { page } = root;
    const executionsBefore = (await machine(server, 'GET', `/api/v1/assets/${ids.fox}/executions`)).body.data.total;
    await page.getByTestId('asset-run-skill').click();
    const dialog = page.getByTestId('run-skill-dialog');
    await dialog.getByTestId('run-skill-select').selectOption('watermark');
    assert.equal(await dialog.getByTestId('run-skill-param-text').inputValue(), 'NekoHub');
    assert.equal(await dialog.getByTestId('run-skill-param-opacity').inputValue(), '0.5');
    assert.equal(await dialog.getByTestId('run-skill-param-opacity-slider').inputValue(), '0.5');
    assert.equal(await dialog.getByTestId('run-skill-param-fontSize').inputValue(), '36');
    assert.equal(await dialog.getByTestId('run-skill-param-position').inputValue(), 'BottomRight');
    assert.deepEqual(await texts(dialog.getByTestId('run-skill-param-position').locator('option')),
      ['Bottom right', 'Bottom left', 'Centre', 'Top right', 'Top left']);

    // Refused in the browser: nothing is sent.
    await dialog.getByTestId('run-skill-param-opacity').fill('1.5');
    await dialog.getByTestId('run-skill-param-fontSize').fill('0');
    await dialog.getByTestId('run-skill-submit').click();
    await expectText(dialog.getByTestId('run-skill-param-opacity-error'), 'Between 0 and 1.');
    await expectText(dialog.getByTestId('run-skill-param-fontSize-error'), 'Between 1 and 1,000.');
    assert.equal(await dialog.getByTestId('run-skill-param-opacity').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'run-skill-param-opacity');
    await capture(page, 'run-skill-watermark-invalid');
    // The slider moves the number.
    await dialog.getByTestId('run-skill-param-opacity-slider').fill('0.3');
    assert.equal(await dialog.getByTestId('run-skill-param-opacity').inputValue(), '0.3');
    await dialog.getByTestId('run-skill-param-fontSize').fill('48');
    assert.equal(await dialog.getByTestId('run-skill-param-opacity-error').count(), 0);

    // Refused by the server: 240 bytes of text (the browser does not know that limit).
    await dialog.getByTestId('run-skill-param-text').fill('ねこ'.repeat(40));
    await dialog.getByTestId('run-skill-param-position').selectOption('TopLeft');
    await dialog.getByTestId('run-skill-submit').click();
    await dialog.getByTestId('run-skill-confirm').click();
    const error = dialog.getByTestId('run-skill-param-text-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'watermark_text_too_long');
    await expectText(error.locator('code'), 'watermark_text_too_long');
    assert.equal(await dialog.getByTestId('run-skill-param-text').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'run-skill-param-text');
    await capture(page, 'run-skill-watermark-server-code');
    // Editing the field clears the server's word on it.
    await dialog.getByTestId('run-skill-param-text').fill('NekoHub test');
    assert.equal(await error.count(), 0);
    await dialog.getByTestId('run-skill-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    const executionsAfter = (await machine(server, 'GET', `/api/v1/assets/${ids.fox}/executions`)).body.data.total;
    assert.equal(executionsAfter, executionsBefore, 'nothing was run');
    assertHealthy(root);
  });

  test('a run that outlasts the server\'s wait is shown as queued and fills in when it is done', async () => {
    const { page } = root;
    await worker.stop();
    worker = null;
    const executionsBefore = (await machine(server, 'GET', `/api/v1/assets/${ids.fox}/executions`)).body.data.total;
    await page.getByTestId('asset-run-skill').click();
    const dialog = page.getByTestId('run-skill-dialog');
    await dialog.getByTestId('run-skill-select').selectOption('basic_image_enrich');
    assert.equal(await dialog.getByTestId('run-skill-params').count(), 0, 'no parameters');
    await dialog.getByTestId('run-skill-submit').click(); // does not rewrite the original: no confirmation
    const progress = dialog.getByTestId('run-skill-progress');
    await progress.waitFor();
    await dialog.locator('[data-testid=run-skill-progress][data-phase=queued]').waitFor({ timeout: 30000 });
    await expectText(progress.locator('[role=status]'), /^Queued — this will update when it finishes \(\d+ s\)\.$/);
    await expectText(dialog.getByTestId('run-skill-queued').getByTestId('execution-state'), 'Queued');
    await capture(page, 'run-skill-queued');
    // The page knows too: its processing is queued.
    await expectText(page.getByTestId('asset-processing-state'), 'Queued');

    worker = await startWorker(server);
    const result = dialog.getByTestId('run-skill-result');
    await result.waitFor({ timeout: 60000 });
    assert.equal(await result.getAttribute('data-succeeded'), 'true');
    await expectText(result.locator('.notice'), 'Thumbnails and caption (basic_image_enrich) finished.');
    const steps = await result.locator('[data-testid=execution-step]').evaluateAll((rows) => rows.map((r) => [r.dataset.step, r.dataset.status]));
    assert.deepEqual(steps, [['generate_thumbnail', 'succeeded'], ['generate_basic_caption', 'skipped']]);
    await capture(page, 'run-skill-queued-done');
    await dialog.getByTestId('run-skill-done').click();
    await eventually(() => history(page), (h) => h[0]?.skill === 'basic_image_enrich' && h[0].state === 'succeeded',
      { message: 'the queued run is in the history', timeout: 30000 });
    await expectText(page.getByTestId('asset-processing-state'), 'Idle');
    const executionsAfter = (await machine(server, 'GET', `/api/v1/assets/${ids.fox}/executions`)).body.data.total;
    assert.equal(executionsAfter, executionsBefore + 1);
    assertHealthy(root);
  });

  test('the Jobs page after the work: filters by state, links to the assets, and in Chinese', async () => {
    const { page } = root;
    await page.getByTestId('nav-jobs').click();
    await page.getByTestId('jobs-tab-all').waitFor();
    await eventually(() => tabCounts(page), (c) => c.queued === 0 && c.running === 0 && c.succeeded >= 3,
      { message: 'all jobs done', timeout: 30000 });
    assert.equal(await page.getByTestId('jobs-auto-refresh').count(), 0, 'no refreshing once idle');
    await page.getByTestId('jobs-tab-failed').click();
    await expectText(page.getByTestId('state-empty'), 'No failed jobs.');
    await page.getByTestId('jobs-tab-succeeded').click();
    const rows = await eventually(() => jobRows(page), (r) => r.length >= 3 && r.every((x) => x.state === 'succeeded'),
      { message: 'succeeded jobs' });
    assert.ok(rows.some((r) => r.skill === 'format-convert' && r.assetId === ids.fox));
    assert.equal(await page.getByTestId('job-cancel').count(), 0, 'a finished job cannot be cancelled');
    await capture(page, 'jobs-succeeded');
    await page.locator(`[data-testid=job-row][data-skill=format-convert]`).getByTestId('job-asset-link').click();
    await expectPath(page, `/assets/${ids.fox}`);
    await page.getByTestId('nav-jobs').click();
    await page.getByTestId('language-switch').selectOption('zh-CN');
    await expectText(page.locator('h1'), '任务');
    await expectText(page.getByTestId('jobs-tab-succeeded'), /^成功/);
    await capture(page, 'jobs-zh');
    await page.getByTestId('language-switch').selectOption('en');
    assertHealthy(root);
  });
});
