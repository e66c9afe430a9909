// mobile.test.js - the console and gallery on a phone-sized screen (390 x 844) in chromium
// against a real nekohub: the navigation is a drawer behind the menu button (opened, used,
// closed with Escape), pages stay usable and accessible. Screenshots in test-artifacts/e2e/.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { assertHealthy, capture, closeBrowser, expectPath, expectText, openBrowser, uiTest } from './lib/browser.js';
import { ROOT, signIn, startNekoHub, stopNekoHub } from './lib/nekohub.js';

const WIDTH = 390;

// Nothing wider than the screen: the page itself never scrolls sideways (wide tables scroll
// inside their own box).
async function assertFits(page) {
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), WIDTH,
    `${page.url()} is wider than the screen`);
}

describe('console: phone-sized screen', () => {
  let server;
  let phone;

  const test = uiTest(nodeTest, () => [phone]);

  before(async () => {
    server = await startNekoHub();
    phone = await openBrowser('phone', { viewport: { width: WIDTH, height: 844 } });
  });

  after(async () => {
    await closeBrowser(phone);
    await stopNekoHub(server);
  });

  test('the gallery and the sign-in page fit a phone', async () => {
    const { page } = phone;
    await page.goto(server.url('/gallery'));
    await page.getByTestId('gallery-search').waitFor();
    await assertFits(page);
    await capture(page, 'mobile-gallery');
    await page.getByTestId('nav-signin').click();
    await expectPath(page, '/login', '?next=%2Fassets');
    await assertFits(page);
    await capture(page, 'mobile-login');
    assertHealthy(phone);
  });

  test('the navigation is a drawer behind the menu button', async () => {
    const { page } = phone;
    await signIn(page, server, ROOT.username, ROOT.password, { next: '/assets' });
    const toggle = page.getByTestId('nav-menu-toggle');
    const nav = page.locator('#sidenav');
    await toggle.waitFor({ state: 'visible' });
    assert.equal(await nav.isVisible(), false, 'drawer closed at first');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await page.getByTestId('usage-panel').waitFor();
    await assertFits(page);
    await capture(page, 'mobile-assets');

    await toggle.click();
    await nav.waitFor({ state: 'visible' });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await capture(page, 'mobile-nav-open');
    await page.getByTestId('nav-users').click();
    await expectPath(page, '/users');
    await nav.waitFor({ state: 'hidden' });
    await page.getByTestId('users-table').waitFor();
    await assertFits(page);
    await capture(page, 'mobile-users');

    // Escape closes the drawer and gives the focus back to the menu button.
    await toggle.click();
    await nav.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await nav.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'nav-menu-toggle');
    await expectText(page.locator('h1'), 'Users');
    assertHealthy(phone);
  });

  test('the other console pages fit a phone too', async () => {
    const { page } = phone;
    for (const [entry, ready, name] of [['upload', 'upload-dropzone', 'mobile-upload'],
      ['audit', 'audit-table', 'mobile-audit'], ['jobs', 'jobs-tabs', 'mobile-jobs'],
      ['connect', 'connect-tabs', 'mobile-connect'], ['account', 'change-password-form', 'mobile-account'],
      ['aiProviders', 'ai-new', 'mobile-ai-providers'], ['workflows', 'wf-palette', 'mobile-workflows']]) {
      await page.getByTestId('nav-menu-toggle').click();
      await page.getByTestId(`nav-${entry}`).click();
      await page.getByTestId(ready).waitFor();
      await assertFits(page);
      await capture(page, name);
    }
    assertHealthy(phone);
  });
});
