// gallery.test.js - the public gallery with processing: five public images of different shapes,
// processed by the server (thumbnail_256 + preview_1024), shown in justified rows from their
// derivatives (srcset, lazy loading, never the original), and the lightbox: opened from a card,
// Left/Right move, Tab stays inside, Escape closes and focus returns to the card, the details
// page shows the preview. Screenshots and axe checks as in the other suites.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertHealthy, capture, closeBrowser, eventually, expectPath, expectText, openBrowser, uiTest,
} from './lib/browser.js';
import { startNekoHub, stopNekoHub } from './lib/nekohub.js';
import { solidPng } from './lib/png.js';
import { derivative, imageState, uploadPng, waitProcessed } from './lib/processing.js';

// Uploaded in this order, so listed newest first: the gallery shows them reversed.
const IMAGES = [
  { key: 'small', name: 'small-meadow.png', width: 300, height: 200, color: [90, 170, 60] },
  { key: 'square', name: 'square-tile.png', width: 900, height: 900, color: [200, 160, 40] },
  { key: 'tall', name: 'tall-tower.png', width: 500, height: 1200, color: [60, 90, 200] },
  { key: 'wide', name: 'wide-horizon.png', width: 1600, height: 600, color: [220, 90, 60] },
  { key: 'photo', name: 'photo-landscape.png', width: 1200, height: 800, color: [150, 60, 160] },
];

const pathOf = (url) => new URL(url, 'http://x').pathname;

describe('public gallery: justified rows and lightbox', () => {
  let server;
  let visitor;
  let phone;
  const assets = {}; // key -> processed asset detail
  let order = []; // keys in gallery order
  const imageRequests = [];

  const test = uiTest(nodeTest, () => [visitor, phone]);

  before(async () => {
    server = await startNekoHub();
    for (const img of IMAGES) {
      const created = await uploadPng(server, img.name, solidPng(img.width, img.height, img.color),
        { isPublic: 'true', altText: `${img.key} test image` });
      assert.ok(['queued', 'running'].includes(created.processing?.state), 'the upload answer says processing is pending');
      assets[img.key] = created;
    }
    for (const img of IMAGES) assets[img.key] = await waitProcessed(server, assets[img.key].id);
    order = IMAGES.map((i) => i.key).reverse();
    visitor = await openBrowser('visitor');
    visitor.page.on('request', (request) => {
      if (request.resourceType() === 'image') imageRequests.push(pathOf(request.url()));
    });
  });

  after(async () => {
    await closeBrowser(visitor);
    await closeBrowser(phone);
    await stopNekoHub(server);
  });

  test('the gallery lays the derivatives out in justified rows, never loading an original', async () => {
    const { page } = visitor;
    await page.goto(server.url('/gallery'));
    await page.getByTestId('gallery-grid').waitFor();
    await expectText(page.getByTestId('gallery-count'), '5 images');
    const ids = await page.locator('[data-testid=gallery-grid] > li').evaluateAll((cards) => cards.map((c) => c.dataset.assetId));
    assert.deepEqual(ids, order.map((k) => assets[k].id));

    for (const key of order) {
      const a = assets[key];
      const thumb = derivative(a, 'thumbnail_256');
      const preview = derivative(a, 'preview_1024');
      const img = page.getByTestId(`gallery-card-${a.id}`).locator('img');
      const state = await eventually(() => imageState(img), (s) => s.complete && s.naturalWidth > 0,
        { message: `${key}: image loaded` });
      assert.equal(state.loading, 'lazy');
      assert.equal(state.src, thumb.publicUrl, `${key}: src is the thumbnail`);
      assert.equal(state.srcset, `${thumb.publicUrl} ${thumb.width}w, ${preview.publicUrl} ${preview.width}w`);
      assert.ok([pathOf(thumb.publicUrl), pathOf(preview.publicUrl)].includes(pathOf(state.currentSrc)),
        `${key}: shows a derivative (${state.currentSrc})`);
      assert.equal(await img.getAttribute('alt'), `${key} test image`);
    }

    // Justified rows: cards of one row share a height, and each card is as wide as its shape.
    const boxes = await page.locator('[data-testid=gallery-grid] > li').evaluateAll((cards) => cards.map((c) => {
      const r = c.getBoundingClientRect();
      return { id: c.dataset.assetId, top: Math.round(r.top), width: r.width, height: r.height };
    }));
    const rows = new Map();
    for (const b of boxes) rows.set(b.top, [...(rows.get(b.top) || []), b]);
    assert.ok(rows.size < boxes.length, `several cards share a row: ${JSON.stringify(boxes)}`);
    for (const row of rows.values()) {
      for (const b of row) assert.ok(Math.abs(b.height - row[0].height) < 1, `one height per row: ${JSON.stringify(row)}`);
      for (const b of row) {
        const key = order[ids.indexOf(b.id)];
        const img = IMAGES.find((i) => i.key === key);
        const ratio = b.width / b.height;
        const expected = img.width / img.height;
        // Rows stretch to the full width, so a card's ratio grows a little, evenly along a row.
        assert.ok(ratio >= expected * 0.95 && ratio <= expected * 1.6, `${key}: ${ratio} vs ${expected}`);
      }
    }
    const byKey = (k) => boxes.find((b) => b.id === assets[k].id);
    assert.ok(byKey('wide').width > 2 * byKey('tall').width, 'the wide image gets the wide card');

    const originals = Object.values(assets).map((a) => pathOf(a.publicUrl));
    assert.deepEqual(imageRequests.filter((p) => originals.includes(p)), [], 'no original was loaded');
    await capture(page, 'gallery-justified');
    assertHealthy(visitor);
  });

  test('the lightbox opens on a card, moves with the arrow keys, keeps focus inside and closes with Escape', async () => {
    const { page } = visitor;
    const second = assets[order[1]];
    await page.getByTestId(`gallery-card-${second.id}`).locator('a').click();
    const box = page.getByTestId('lightbox');
    await box.waitFor();
    assert.equal(await box.evaluate((d) => d.open && d.matches(':modal')), true, 'a modal dialog');
    await expectText(page.getByTestId('lightbox-position'), 'Image 2 of 5');
    await expectText(box.locator('h2'), IMAGES.find((i) => i.key === order[1]).name);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'lightbox-close');
    const image = page.getByTestId('lightbox-image');
    const preview = derivative(second, 'preview_1024');
    const shown = await eventually(() => imageState(image), (s) => s.complete && s.naturalWidth > 0,
      { message: 'preview loaded' });
    assert.equal(shown.src, preview.publicUrl);
    assert.equal(pathOf(shown.currentSrc), pathOf(preview.publicUrl), 'the lightbox shows preview_1024');
    assert.equal(shown.naturalWidth, preview.width);
    assert.equal(await page.getByTestId('lightbox-original').getAttribute('href'), second.publicUrl);
    assert.equal(await page.getByTestId('lightbox-prev').getAttribute('aria-label'), 'Previous image');
    assert.equal(await page.getByTestId('lightbox-next').getAttribute('aria-label'), 'Next image');
    await capture(page, 'gallery-lightbox');

    const at = () => box.getAttribute('data-asset-id');
    await page.keyboard.press('ArrowRight');
    await expectText(page.getByTestId('lightbox-position'), 'Image 3 of 5');
    assert.equal(await at(), assets[order[2]].id);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expectText(page.getByTestId('lightbox-position'), 'Image 1 of 5');
    assert.equal(await at(), assets[order[0]].id);
    assert.equal(await page.getByTestId('lightbox-prev').isDisabled(), true);
    await page.keyboard.press('ArrowLeft'); // nothing before the first
    await expectText(page.getByTestId('lightbox-position'), 'Image 1 of 5');
    await eventually(() => imageState(page.getByTestId('lightbox-image')),
      (s) => s.complete && pathOf(s.currentSrc) === pathOf(derivative(assets[order[0]], 'preview_1024').publicUrl),
      { message: 'first preview shown' });

    // Tab and Shift+Tab go round the dialog's controls and never leave it.
    for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      assert.equal(await page.evaluate(() => !!document.activeElement?.closest('[data-testid=lightbox]')), true,
        `focus stays in the lightbox after ${key}`);
    }

    await page.keyboard.press('Escape');
    await box.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.closest('li')?.dataset.assetId), assets[order[0]].id,
      'focus is back on the card of the image last shown');
    assertHealthy(visitor);
  });

  test('from the keyboard: Enter on a card opens it, Details leads to the image page with its preview', async () => {
    const { page } = visitor;
    // Focus is on the first card (previous test); Tab to the next one and open it.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('li')?.dataset.assetId), assets[order[1]].id);
    await page.keyboard.press('Enter');
    await expectText(page.getByTestId('lightbox-position'), 'Image 2 of 5');
    await page.getByTestId('lightbox-details').click();
    const second = assets[order[1]];
    await expectPath(page, `/gallery/${second.id}`);
    await page.getByTestId('gallery-detail').waitFor();
    const preview = page.getByTestId('gallery-preview');
    const state = await eventually(() => imageState(preview), (s) => s.complete && s.naturalWidth > 0,
      { message: 'detail preview loaded' });
    assert.equal(pathOf(state.currentSrc), pathOf(derivative(second, 'preview_1024').publicUrl));
    assert.equal(await page.getByTestId('gallery-open-original').getAttribute('href'), second.publicUrl);
    await capture(page, 'gallery-detail-preview');
    await page.getByTestId('gallery-back').click();
    await expectPath(page, '/gallery');
    assertHealthy(visitor);
  });

  test('on a phone: the rows and the lightbox fit the screen', async () => {
    phone = await openBrowser('phone', { viewport: { width: 390, height: 844 } });
    const { page } = phone;
    await page.goto(server.url('/gallery'));
    await page.getByTestId('gallery-grid').waitFor();
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth);
    assert.equal(await fits(), 390, 'the gallery is not wider than the screen');
    await capture(page, 'gallery-phone');
    await page.getByTestId(`gallery-card-${assets[order[1]].id}`).locator('a').click();
    const image = page.getByTestId('lightbox-image');
    await eventually(() => imageState(image), (s) => s.complete && s.naturalWidth > 0, { message: 'preview on a phone' });
    const box = await image.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the image fits: ${JSON.stringify(box)}`);
    await capture(page, 'gallery-lightbox-phone');
    await page.keyboard.press('Escape');
    await page.getByTestId('lightbox').waitFor({ state: 'detached' });
    assertHealthy(phone);
  });

  test('the lightbox speaks Simplified Chinese', async () => {
    const { page } = visitor;
    await page.getByTestId('gallery-grid').waitFor();
    await page.getByTestId('language-switch').selectOption('zh-CN');
    await page.getByTestId(`gallery-card-${assets[order[3]].id}`).locator('a').click();
    await expectText(page.getByTestId('lightbox-position'), '第 4 张，共 5 张');
    assert.equal(await page.getByTestId('lightbox-prev').getAttribute('aria-label'), '上一张');
    assert.equal(await page.getByTestId('lightbox-close').getAttribute('aria-label'), '关闭图片查看器');
    await capture(page, 'gallery-lightbox-zh');
    await page.keyboard.press('Escape');
    await page.getByTestId('lightbox').waitFor({ state: 'detached' });
    await page.getByTestId('language-switch').selectOption('en');
    assertHealthy(visitor);
  });
});
