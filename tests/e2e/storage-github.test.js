// storage-github.test.js - the Storage page's GitHub repository browser in chromium against a
// real nekohub and the GitHub API stand-in (tests/api/lib/github-api.js): a github-repo profile
// created through the form, its tree listed lazily (one contents call per opened folder, counted
// on the stand-in) and driven with the keyboard, a long folder paged with "load more", a filtered
// search, and the upsert dialog: a replace refused with a 409 (the file changed on GitHub since
// it was listed) and explained, then done after reloading, the bytes checked on the stand-in.
// Screenshots in test-artifacts/e2e/storage-github-*.png, each page checked with axe-core.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertHealthy, capture, closeBrowser, eventually, expectPath, expectText, expectToast,
  openBrowser, uiTest,
} from './lib/browser.js';
import { ROOT, signIn, startNekoHub, stopNekoHub } from './lib/nekohub.js';
import { solidPng } from './lib/png.js';
import { blobSha, startGitHub } from '../api/lib/github-api.js';

const TOKEN = 'ghp_e2e_standin_token_42';
const PROFILE = 'gh-e2e';
const ORIGINAL = solidPng(40, 30, [20, 90, 200]);
const THEIRS = solidPng(40, 30, [200, 20, 20]);
const OURS = solidPng(64, 48, [20, 180, 60]);

// [path, type] of the tree rows as shown, in order.
async function treeRows(page) {
  return page.locator('[data-testid=storage-browse-tree] [role=treeitem]').evaluateAll(
    (rows) => rows.map((r) => (r.dataset.path ? `${r.getAttribute('aria-level')}:${r.dataset.path}` : `${r.getAttribute('aria-level')}:more`)));
}

const focusedPath = (page) => page.evaluate(() => document.activeElement?.dataset.path ?? document.activeElement?.dataset.testid);

describe('console: GitHub repository browser', () => {
  let server;
  let github;
  let root;

  const test = uiTest(nodeTest, () => [root]);

  before(async () => {
    github = await startGitHub({ token: TOKEN, isPrivate: false });
    github.putFile('main', 'site/readme.md', '# images\n');
    github.putFile('main', 'site/img/a.png', ORIGINAL);
    github.putFile('main', 'site/docs/guide.md', 'guide\n');
    for (let i = 1; i <= 25; i++) github.putFile('main', `site/img/many/f${String(i).padStart(2, '0')}.txt`, `file ${i}\n`);
    github.putFile('main', 'outside/secret.txt', 'not under the base path\n');
    server = await startNekoHub();
    root = await openBrowser('root');
    await signIn(root.page, server, ROOT.username, ROOT.password, { next: '/storage' });
  });

  after(async () => {
    await closeBrowser(root);
    await stopNekoHub(server);
    await github?.stop();
  });

  test('a github-repo profile is created through the form', async () => {
    const { page } = root;
    await expectPath(page, '/storage');
    await page.getByTestId('storage-new').click();
    const dialog = page.getByTestId('storage-form-dialog');
    await dialog.getByTestId('storage-form-providerType').selectOption('github-repo');
    await dialog.getByTestId('storage-form-name').fill(PROFILE);
    await dialog.getByTestId('storage-form-owner').fill(github.owner);
    await dialog.getByTestId('storage-form-repo').fill(github.repo);
    await dialog.getByTestId('storage-form-basePath').fill('/site/');
    await dialog.getByTestId('storage-form-apiBaseUrl').fill(github.apiBaseUrl);
    await dialog.getByTestId('storage-form-rawBaseUrl').fill(github.rawBaseUrl);
    // A private repository needs a token: said inline before anything is sent.
    await dialog.getByTestId('storage-form-visibilityPolicy').selectOption('private-token');
    await dialog.getByTestId('storage-form-submit').click();
    await expectText(dialog.locator('#storage-form-token-error'), 'A private repository needs a token.');
    await dialog.getByTestId('storage-form-visibilityPolicy').selectOption('public-only');
    await dialog.getByTestId('storage-form-token').fill(TOKEN);
    await capture(page, 'storage-github-form');
    await dialog.getByTestId('storage-form-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await expectToast(page, `Profile “${PROFILE}” created.`, 'success');
    const card = page.getByTestId(`storage-profile-${PROFILE}`);
    await expectText(card.getByTestId('storage-profile-type'), 'GitHub repository');
    await expectText(card.getByTestId('storage-profile-secrets'), 'Token · set');
    assert.equal(await card.locator('[data-summary=basePath]').innerText(), 'site');
    assertHealthy(root);
  });

  test('the tree lists folders when they are opened, and pages a long folder', async () => {
    const { page } = root;
    const card = page.getByTestId(`storage-profile-${PROFILE}`);
    github.resetCounters();
    await card.getByTestId('storage-profile-browse').click();
    const panel = page.getByTestId('storage-browse');
    await panel.getByTestId('storage-browse-tree').waitFor();
    // Folders first, then files; nothing outside the base path; one call for the top.
    assert.deepEqual(await treeRows(page), ['1:docs', '1:img', '1:readme.md']);
    assert.equal(github.count('GET contents'), 1);

    // Smaller pages, so the 25-file folder needs "load more" (re-lists the top: a second call).
    await panel.getByTestId('storage-browse-page-size').selectOption('20');
    await panel.getByTestId('storage-browse-apply').click();
    await eventually(() => github.count('GET contents'), (n) => n === 2, { message: 'top listed again' });
    await eventually(() => treeRows(page), (rows) => rows.length === 3, { message: 'top rows' });

    // Keyboard: into the tree, down to img, right opens it (its listing is fetched now).
    await page.locator('[data-testid=storage-browse-tree] [role=treeitem][tabindex="0"]').focus();
    assert.equal(await focusedPath(page), 'docs');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedPath(page), 'img');
    await page.keyboard.press('ArrowRight');
    await eventually(() => treeRows(page), (rows) => rows.join() === '1:docs,1:img,2:img/many,2:img/a.png,1:readme.md',
      { message: 'img opened' });
    assert.equal(github.count('GET contents'), 3);
    assert.equal(await page.locator('[data-path=img]').getAttribute('aria-expanded'), 'true');
    // Right again: to the first child; Enter opens "many": 20 of 25 entries and a load-more row.
    await page.keyboard.press('ArrowRight');
    assert.equal(await focusedPath(page), 'img/many');
    await page.keyboard.press('Enter');
    await eventually(() => treeRows(page), (rows) => rows.length === 2 + 1 + 20 + 1 + 1 + 1, { message: 'many listed' });
    const more = page.locator('[data-testid=storage-browse-tree] [data-testid=storage-browse-more]');
    await expectText(more, 'Load more (5 left)');
    assert.equal(github.count('GET contents'), 4);
    await capture(page, 'storage-github-tree');
    await more.click();
    await eventually(() => treeRows(page), (rows) => rows.filter((r) => r.startsWith('3:img/many/')).length === 25,
      { message: 'all 25 listed' });
    assert.equal(await more.count(), 0);
    // The focus, on the load-more row that went away, moved to the first entry of the new page.
    await eventually(() => focusedPath(page), (p) => p === 'img/many/f21.txt', { message: 'focus on the new page' });
    // Left closes the folder; the listing is kept (no new call when it is opened again).
    await page.locator('[data-path="img/many"]').focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    await eventually(() => treeRows(page), (rows) => rows.filter((r) => r.startsWith('3:')).length === 25, { message: 'reopened' });
    assert.equal(github.count('GET contents'), 5, 'one call per page of "many", none for reopening');
    await page.locator('[data-path="img/many"]').click();
    assertHealthy(root);
  });

  test('a filtered search lists matching files across folders', async () => {
    const { page } = root;
    const panel = page.getByTestId('storage-browse');
    await panel.getByTestId('storage-browse-keyword').fill('.md');
    await panel.getByTestId('storage-browse-type').selectOption('file');
    await panel.getByTestId('storage-browse-apply').click();
    const results = panel.getByTestId('storage-browse-results');
    await results.waitFor();
    assert.deepEqual(await results.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.path)),
      ['docs/guide.md', 'readme.md']); // sorted by name
    await capture(page, 'storage-github-search');
    await panel.getByTestId('storage-browse-reset').click();
    await panel.getByTestId('storage-browse-tree').waitFor();
    assertHealthy(root);
  });

  test('replacing a file that changed on GitHub is refused with an explanation, then done', async () => {
    const { page } = root;
    const panel = page.getByTestId('storage-browse');
    await page.locator('[data-path=img]').click();
    await page.locator('[data-path="img/a.png"]').click();
    const sha = blobSha(ORIGINAL);
    await expectText(panel.getByTestId('storage-browse-selected-sha'), sha);
    await panel.getByTestId('storage-browse-replace').click();
    const dialog = page.getByTestId('storage-upsert-dialog');
    assert.equal(await dialog.getByTestId('storage-upsert-path').inputValue(), 'img/a.png');
    assert.equal(await dialog.getByTestId('storage-upsert-sha').inputValue(), sha);
    // Someone else commits a new version in the meantime.
    github.putFile('main', 'site/img/a.png', THEIRS);
    await dialog.getByTestId('storage-upsert-file').setInputFiles({ name: 'a.png', mimeType: 'image/png', buffer: OURS });
    await dialog.getByTestId('storage-upsert-message').fill('e2e: replace a.png');
    await dialog.getByTestId('storage-upsert-submit').click();
    const conflict = dialog.getByTestId('storage-upsert-conflict');
    await conflict.waitFor();
    assert.equal(await conflict.getAttribute('data-code'), 'storage_provider_upsert_expected_sha_conflict');
    assert.match(await conflict.innerText(), /The file was changed on GitHub since it was listed/);
    assert.ok(github.getFile('main', 'site/img/a.png').content.equals(THEIRS), 'their version kept');
    await capture(page, 'storage-github-conflict');

    // Reload: the listing shows their version; replacing it now works.
    await dialog.getByTestId('storage-upsert-reload').click();
    await dialog.waitFor({ state: 'detached' });
    await expectText(panel.getByTestId('storage-browse-selected-sha'), blobSha(THEIRS));
    await panel.getByTestId('storage-browse-replace').click();
    const again = page.getByTestId('storage-upsert-dialog');
    assert.equal(await again.getByTestId('storage-upsert-sha').inputValue(), blobSha(THEIRS));
    await again.getByTestId('storage-upsert-file').setInputFiles({ name: 'a.png', mimeType: 'image/png', buffer: OURS });
    await again.getByTestId('storage-upsert-submit').click();
    await again.waitFor({ state: 'detached' });
    await expectToast(page, 'Updated img/a.png.', 'success');
    assert.ok(github.getFile('main', 'site/img/a.png').content.equals(OURS), 'our version stored');
    await expectText(panel.getByTestId('storage-browse-selected-sha'), blobSha(OURS));
    // The refused attempt committed nothing; the replace without a message got the built-in one.
    assert.deepEqual(github.commits.filter((c) => c.path === 'site/img/a.png').map((c) => c.message),
      ['chore(nekohub): update img/a.png']);
    assertHealthy(root);
  });

  test('a new file is uploaded into the selected folder', async () => {
    const { page } = root;
    const panel = page.getByTestId('storage-browse');
    await panel.getByTestId('storage-browse-upload').click();
    const dialog = page.getByTestId('storage-upsert-dialog');
    assert.equal(await dialog.getByTestId('storage-upsert-path').inputValue(), 'img/');
    // Nothing chosen: said inline.
    await dialog.getByTestId('storage-upsert-submit').click();
    await expectText(dialog.locator('#upsert-file-error'), 'Choose a file.');
    await dialog.getByTestId('storage-upsert-file').setInputFiles({ name: 'new.png', mimeType: 'image/png', buffer: ORIGINAL });
    assert.equal(await dialog.getByTestId('storage-upsert-path').inputValue(), 'img/new.png');
    await capture(page, 'storage-github-upsert');
    await dialog.getByTestId('storage-upsert-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await expectToast(page, 'Created img/new.png.', 'success');
    assert.ok(github.getFile('main', 'site/img/new.png').content.equals(ORIGINAL));
    await eventually(() => treeRows(page), (rows) => rows.includes('2:img/new.png'), { message: 'listed' });
    assertHealthy(root);
  });

  test('an image uploaded to the GitHub profile: commit message, stored in the repository, visibility fixed', async () => {
    const { page } = root;
    await page.getByTestId('nav-upload').click();
    await expectPath(page, '/assets/upload');
    const option = page.getByTestId('upload-target').locator('option', { hasText: PROFILE });
    const profileId = await option.getAttribute('value');
    assert.equal(await page.getByTestId('upload-commit-message').count(), 0, 'no commit message for the default target');
    await page.getByTestId('upload-target').selectOption(profileId);
    await page.getByTestId('upload-commit-message').fill('e2e: a cat for the repository');
    await capture(page, 'storage-github-upload');
    const before = github.commits.length;
    await page.getByTestId('upload-input').setInputFiles([{ name: 'repo-cat.png', mimeType: 'image/png', buffer: OURS }]);
    const item = page.locator('[data-testid=upload-item][data-file-name="repo-cat.png"]');
    await eventually(() => item.getAttribute('data-status'), (s) => s === 'done' || s === 'failed', { message: 'upload finished', timeout: 30000 });
    assert.equal(await item.getAttribute('data-status'), 'done', await item.innerText());
    // The upload is one commit with the message given (the background processing may add the
    // thumbnail and preview as commits of their own after it).
    const added = github.commits.slice(before);
    assert.ok(added.length >= 1);
    assert.equal(added[0].message, 'e2e: a cat for the repository');
    assert.match(added[0].path, /^site\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{32}\.png$/);
    assert.ok(github.getFile('main', added[0].path).content.equals(OURS));
    assert.equal(added.filter((c) => c.message === 'e2e: a cat for the repository').length, 1);

    await item.getByTestId('upload-result-link').click();
    await page.getByTestId('asset-detail').waitFor();
    await expectText(page.getByTestId('asset-storage-provider'), 'github-repo');
    await expectText(page.getByTestId('asset-storage-profile'), `${PROFILE} (github-repo)`);
    // GitHub storage cannot switch visibility: the switch says so instead of failing.
    const toggle = page.getByTestId('asset-visibility-toggle');
    await eventually(() => toggle.isDisabled(), (v) => v === true, { message: 'visibility switch disabled' });
    assert.match(await page.locator(`[id="${await toggle.getAttribute('aria-describedby')}"]`).innerText(),
      /Its storage \(“gh-e2e”\) cannot switch visibility\./);
    await capture(page, 'storage-github-asset');
    assertHealthy(root);
  });
});
