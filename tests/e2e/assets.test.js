// assets.test.js - the console's asset pages and the public gallery in chromium against a real
// nekohub: three images uploaded with their progress shown (and a file the console refuses),
// found in the list, one made private and gone from the gallery, what a read-only account may
// do, then batch delete. Every page visited is screenshotted (test-artifacts/e2e/) and checked
// with axe-core.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertHealthy, capture, closeBrowser, eventually, expectPath, expectText, expectToast,
  openBrowser, screenshot, texts, uiTest,
} from './lib/browser.js';
import { ROOT, machine, signIn, startNekoHub, stopNekoHub } from './lib/nekohub.js';
import { noisePng, solidPng } from './lib/png.js';

const VIEWER = { username: 'viewer', password: 'viewer-password-1' };
// The files of the upload, by name. `sky` is large enough (~540 KB) for the throttled
// connection to show its progress.
const FILES = {
  fox: { name: 'red-fox.png', mimeType: 'image/png', buffer: solidPng(320, 240, [200, 60, 30]) },
  sea: { name: 'green-sea.png', mimeType: 'image/png', buffer: solidPng(240, 320, [30, 160, 90]) },
  sky: { name: 'blue-sky.png', mimeType: 'image/png', buffer: noisePng(420, 430) },
};

// The upload list as [file name, status] pairs.
async function uploadStates(page) {
  return page.locator('[data-testid=upload-item]').evaluateAll(
    (items) => items.map((i) => [i.dataset.fileName, i.dataset.status]));
}

// Card ids in the console's asset grid, in order.
async function gridIds(page) {
  return page.locator('[data-testid=assets-grid] > li').evaluateAll((cards) => cards.map((c) => c.dataset.assetId));
}

async function galleryIds(page) {
  return page.locator('[data-testid=gallery-grid] > li').evaluateAll((cards) => cards.map((c) => c.dataset.assetId));
}

describe('console: assets and gallery', () => {
  let server;
  let root;
  let visitor;
  let viewer;
  const ids = {}; // fox/sea/sky -> asset id

  const test = uiTest(nodeTest, () => [root, visitor, viewer]);

  before(async () => {
    server = await startNekoHub();
    const created = await machine(server, 'POST', '/api/v1/users',
      { username: VIEWER.username, password: VIEWER.password, role: 'user', isActive: true });
    assert.equal(created.status, 201, created.text);
    root = await openBrowser('root');
    await signIn(root.page, server, ROOT.username, ROOT.password);
  });

  after(async () => {
    await closeBrowser(root);
    await closeBrowser(visitor);
    await closeBrowser(viewer);
    await stopNekoHub(server);
  });

  test('the gallery is empty before anything is uploaded', async () => {
    visitor = await openBrowser('visitor');
    const { page } = visitor;
    await page.goto(server.url('/'));
    await expectPath(page, '/gallery');
    await expectText(page.getByTestId('state-empty'), 'No public images yet.');
    await expectText(page.getByTestId('nav-signin'), 'Sign in');
    await capture(page, 'gallery-empty');
    assertHealthy(visitor);
  });

  test('three images upload with their progress shown; a text file is refused', async () => {
    const { page, context } = root;
    await page.getByTestId('nav-upload').click();
    await expectPath(page, '/assets/upload');
    await expectText(page.getByTestId('upload-limits'),
      'Allowed: image/jpeg, image/png, image/webp, image/gif. At most 10 MB per file.');
    await capture(page, 'upload');

    // A slow connection (256 KB/s up), so that the large file's progress can be watched.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions',
      { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    // Every text the status badges show, as it changes.
    await page.evaluate(() => {
      window.__uploadTexts = new Set();
      const record = () => document.querySelectorAll('[data-testid=upload-item]').forEach((item) => {
        window.__uploadTexts.add(`${item.dataset.fileName}|${item.dataset.status}|` +
          `${item.querySelector('[data-testid=upload-status]').textContent}|` +
          `${item.querySelector('progress')?.value ?? ''}`);
      });
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });

    try {
      await page.getByTestId('upload-input').setInputFiles([FILES.sky, FILES.fox, FILES.sea,
        { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image\n') }]);
      // The refused file never leaves the browser.
      const refused = page.locator('[data-testid=upload-item][data-file-name="notes.txt"]');
      await expectText(refused.getByTestId('upload-status'), 'Not uploaded');
      await expectText(refused.getByTestId('upload-error'), 'The type text/plain is not allowed.');
      // The large file shows a progress bar part-way and its percentage (read in one go).
      const sky = page.locator('[data-testid=upload-item][data-file-name="blue-sky.png"]');
      await eventually(() => sky.evaluate((item) => ({
        status: item.dataset.status,
        value: item.querySelector('progress')?.value ?? null,
        text: item.querySelector('[data-testid=upload-status]').textContent,
      })), (s) => s.status === 'uploading' && s.value > 0 && s.value < 100 && s.text === `Uploading ${s.value}%`,
      { message: 'blue-sky.png part-way uploaded, with its percentage' });
      await screenshot(page, 'upload-in-progress');
      await eventually(() => uploadStates(page), (list) => list.filter(([, s]) => s === 'done').length === 3,
        { message: 'three uploads done', timeout: 30000 });
    } finally {
      await cdp.send('Network.emulateNetworkConditions',
        { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
    assert.deepEqual(await uploadStates(page), [['blue-sky.png', 'done'], ['red-fox.png', 'done'],
      ['green-sea.png', 'done'], ['notes.txt', 'rejected']]);
    await expectText(page.getByTestId('upload-summary'), '3 uploaded · 1 failed · 0 in progress');
    const seen = await page.evaluate(() => [...window.__uploadTexts]);
    const partWay = seen.filter((s) => /^blue-sky\.png\|uploading\|Uploading (\d+)%\|\1$/.test(s)
      && !/\|(0|100)$/.test(s));
    assert.ok(partWay.length > 0, `progress between 0 and 100 % was shown: ${seen.join(', ')}`);
    for (const item of await page.locator('[data-testid=upload-item][data-status=done]').all()) {
      assert.equal(await item.getByTestId('upload-progress').evaluate((p) => p.value), 100);
      const link = item.getByTestId('upload-result-link');
      const name = await item.getAttribute('data-file-name');
      ids[Object.keys(FILES).find((k) => FILES[k].name === name)] = await link.getAttribute('data-asset-id');
    }
    assert.deepEqual(Object.keys(ids).sort(), ['fox', 'sea', 'sky']);
    await capture(page, 'upload-done');

    // What the server stored is what was sent.
    for (const [key, id] of Object.entries(ids)) {
      const detail = await machine(server, 'GET', `/api/v1/assets/${id}`);
      assert.equal(detail.status, 200, detail.text);
      assert.equal(detail.body.data.originalFileName, FILES[key].name);
      assert.equal(detail.body.data.size, FILES[key].buffer.length);
      assert.equal(detail.body.data.isPublic, true);
    }
    assertHealthy(root);
  });

  test('the uploads are in the asset list, searchable, in grid and table view', async () => {
    const { page } = root;
    await page.getByTestId('nav-assets').click();
    await expectPath(page, '/assets');
    await page.getByTestId('assets-grid').waitFor();
    await expectText(page.getByTestId('usage-total-assets'), '3');
    // Newest first: the upload order was sky, then fox and sea two at a time.
    assert.deepEqual((await gridIds(page)).sort(), Object.values(ids).sort());
    assert.deepEqual(await texts(page.locator('[data-testid=assets-grid] .asset-name')),
      (await gridIds(page)).map((id) => FILES[Object.keys(ids).find((k) => ids[k] === id)].name));
    // The cards show the thumbnail derivative (256 px wide for the 320 px fox), never the
    // original; it fills in once the background processing made it.
    const foxImage = page.getByTestId(`asset-card-${ids.fox}`).locator('img');
    const foxSrc = await eventually(() => foxImage.evaluate((img) => img.complete && img.naturalWidth > 0 && img.currentSrc),
      (src) => !!src, { message: 'fox thumbnail loaded', timeout: 60000 });
    const foxDetail = (await machine(server, 'GET', `/api/v1/assets/${ids.fox}`)).body.data;
    const foxThumb = foxDetail.derivatives.find((d) => d.kind === 'thumbnail_256');
    assert.equal(await foxImage.getAttribute('src'), foxThumb.publicUrl);
    assert.deepEqual([foxThumb.width, foxThumb.height], [256, 192]);
    assert.ok(foxDetail.derivatives.some((d) => d.publicUrl === foxSrc), `a derivative is shown, not the original: ${foxSrc}`);
    await expectText(page.getByTestId(`asset-card-${ids.fox}`).locator('.muted'), /320 × 240/);
    await capture(page, 'assets-grid');

    await page.getByTestId('assets-search').fill('fox');
    await page.getByTestId('assets-search-submit').click();
    await expectPath(page, '/assets', '?query=fox');
    await eventually(() => gridIds(page), (list) => list.length === 1 && list[0] === ids.fox,
      { message: 'search finds only the fox' });

    await page.getByTestId('assets-view-table').click();
    await page.getByTestId('assets-table').waitFor();
    assert.deepEqual(await page.locator('[data-testid=assets-table] tbody tr').evaluateAll(
      (rows) => rows.map((r) => r.dataset.assetId)), [ids.fox]);
    await page.getByTestId('assets-search').fill('');
    await page.getByTestId('assets-search-submit').click();
    await expectPath(page, '/assets', '?view=table');
    await eventually(() => page.locator('[data-testid=assets-table] tbody tr').count(), (n) => n === 3,
      { message: 'three rows' });
    await capture(page, 'assets-table');
    await page.getByTestId('assets-view-grid').click();
    await page.getByTestId('assets-grid').waitFor();
    assertHealthy(root);
  });

  test('an asset made private disappears from the gallery', async () => {
    const { page } = root;
    const card = page.getByTestId(`asset-card-${ids.sea}`);
    const toggle = card.getByTestId('asset-visibility-toggle');
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await toggle.click();
    await expectToast(page, '“green-sea.png” is now private.', 'success');
    await page.locator(`[data-testid=asset-card-${ids.sea}] [data-testid=asset-visibility-toggle][aria-checked=false]`).waitFor();
    await expectText(card.locator('.switch-text'), 'Private');

    // The asset's own page says so too.
    await card.locator('.asset-name').click();
    await expectPath(page, `/assets/${ids.sea}`);
    await page.locator(`[data-testid=asset-detail][data-asset-id="${ids.sea}"]`).waitFor();
    assert.equal(await page.getByTestId('asset-visibility-toggle').getAttribute('aria-checked'), 'false');
    assert.equal(await page.getByTestId('asset-public-url').count(), 0);
    // A private asset's preview comes through the signed-in content route.
    const preview = page.getByTestId('asset-preview').locator('img');
    await eventually(() => preview.evaluate((img) => img.complete && img.naturalWidth), (w) => w === 240,
      { message: 'private preview loaded' });
    await capture(page, 'asset-detail');

    const gallery = visitor.page;
    await gallery.reload();
    await gallery.getByTestId('gallery-grid').waitFor();
    await expectText(gallery.getByTestId('gallery-count'), '2 images');
    assert.deepEqual((await galleryIds(gallery)).sort(), [ids.fox, ids.sky].sort());
    assert.deepEqual((await texts(gallery.locator('.gallery-title'))).sort(), ['blue-sky.png', 'red-fox.png']);
    await capture(gallery, 'gallery');

    // The gallery's own search.
    await gallery.getByTestId('gallery-search').fill('sky');
    await gallery.getByTestId('gallery-search-submit').click();
    await expectPath(gallery, '/gallery', '?query=sky');
    await expectText(gallery.getByTestId('gallery-count'), '1 image');
    // A card opens the lightbox; its Details link leads to the image's page.
    await gallery.getByTestId(`gallery-card-${ids.sky}`).locator('a').click();
    await gallery.getByTestId('lightbox').waitFor();
    await gallery.getByTestId('lightbox-details').click();
    await expectPath(gallery, `/gallery/${ids.sky}`);
    await gallery.getByTestId('gallery-detail').waitFor();
    await expectText(gallery.locator('h1'), 'blue-sky.png');
    // The page shows the preview_1024 derivative (420 px: never upscaled), not the original.
    const original = gallery.locator('.gallery-figure img');
    await eventually(() => original.evaluate((img) => img.complete && img.naturalWidth), (w) => w === 420,
      { message: 'preview image loaded', timeout: 60000 });
    await capture(gallery, 'gallery-detail');
    await gallery.getByTestId('gallery-back').click();
    await expectPath(gallery, '/gallery', '?query=sky');

    // The private one is not reachable by its address either.
    await gallery.goto(server.url(`/gallery/${ids.sea}`));
    await expectText(gallery.getByTestId('state-empty'), 'This image does not exist or is not public.');
    await capture(gallery, 'gallery-detail-missing');
    assertHealthy(visitor);
    assertHealthy(root);
  });

  // The console's Visibility filter sends `isPublic` with the list request (a filter NekoHub has
  // beyond the original's API).
  test('the Visibility filter shows only private assets', async () => {
    const { page } = root;
    await page.getByTestId('nav-assets').click();
    await page.getByTestId('assets-grid').waitFor();
    await page.getByTestId('assets-filter-visibility').selectOption('private');
    await expectPath(page, '/assets', '?visibility=private');
    try {
      await eventually(() => gridIds(page), (list) => list.length === 1 && list[0] === ids.sea,
        { message: 'only the private asset is listed', timeout: 3000 });
    } finally {
      await page.getByTestId('assets-filter-visibility').selectOption('');
      await expectPath(page, '/assets', '');
    }
  });

  test('a read-only account sees the assets but cannot change them', async () => {
    viewer = await openBrowser('viewer');
    const { page } = viewer;
    await signIn(page, server, VIEWER.username, VIEWER.password);
    await expectPath(page, '/assets');
    await page.getByTestId('assets-grid').waitFor();
    assert.equal((await gridIds(page)).length, 3);
    assert.equal(await page.getByTestId('nav-upload').count(), 0);
    assert.equal(await page.getByTestId('assets-upload-link').count(), 0);
    assert.equal(await page.getByTestId('asset-select').count(), 0);
    assert.equal(await page.getByTestId('assets-batch-delete').count(), 0);
    const toggle = page.getByTestId(`asset-card-${ids.fox}`).getByTestId('asset-visibility-toggle');
    assert.equal(await toggle.isDisabled(), true);
    assert.equal(await toggle.getAttribute('title'), 'Changing visibility needs the permission “assets.update”.');
    await capture(page, 'assets-read-only');
    await page.goto(server.url('/assets/upload'));
    await expectText(page.getByTestId('no-access'), /does not have the permission “assets\.create”/);
    assertHealthy(viewer);
  });

  test('batch delete removes the selected assets', async () => {
    const { page } = root;
    await page.getByTestId('nav-assets').click();
    await page.getByTestId('assets-grid').waitFor();
    await page.getByTestId(`asset-card-${ids.fox}`).getByTestId('asset-select').check();
    await page.getByTestId(`asset-card-${ids.sea}`).getByTestId('asset-select').check();
    await expectText(page.getByTestId('assets-selected-count'), '2 selected');
    await page.getByTestId('assets-batch-delete').click();
    const confirm = page.getByTestId('confirm-dialog');
    await expectText(confirm.locator('h2'), 'Delete 2 assets?');
    await capture(page, 'assets-batch-delete-confirm');
    await confirm.getByTestId('confirm-ok').click();
    await expectText(page.getByTestId('batch-delete-result').locator('p').first(), 'Deleted 2 of 2.');
    await eventually(() => gridIds(page), (list) => list.length === 1 && list[0] === ids.sky,
      { message: 'only the sky is left' });
    await expectText(page.getByTestId('usage-total-assets'), '1');
    await expectText(page.getByTestId('assets-selected-count'), '0 selected');

    await page.getByTestId('assets-select-all').check();
    await expectText(page.getByTestId('assets-selected-count'), '1 selected');
    await page.getByTestId('assets-batch-delete').click();
    await expectText(page.getByTestId('confirm-dialog').locator('h2'), 'Delete 1 asset?');
    await page.getByTestId('confirm-ok').click();
    await expectText(page.getByTestId('batch-delete-result').locator('p').first(), 'Deleted 1 of 1.');
    await expectText(page.getByTestId('state-empty'), /^No assets yet\. Upload some images to get started\./);
    assert.equal(await page.getByTestId('state-empty').getByRole('link', { name: 'Upload' }).getAttribute('href'),
      '/assets/upload');
    await capture(page, 'assets-empty');

    const list = await machine(server, 'GET', '/api/v1/assets');
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.data.total, 0);
    const gallery = visitor.page;
    await gallery.goto(server.url('/gallery'));
    await expectText(gallery.getByTestId('state-empty'), 'No public images yet.');
    assertHealthy(root);
    assertHealthy(visitor);
  });
});
