// storage.test.js - the console's Storage page in chromium against a real nekohub and a real
// S3-compatible server (s3rver, which checks SigV4 signatures): a form refused inline (by the
// console's own checks and by the server's), an S3 profile created, its connection tested (every
// step ok), made the default, an image uploaded to it through the upload page's write-target
// menu and served back (the same bytes through NekoHub and in the bucket), then the profile
// deleted while the asset uses it, which disables it instead (and says so). Every page visited
// is screenshotted (test-artifacts/e2e/storage-*.png) and checked with axe-core.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertHealthy, capture, closeBrowser, eventually, expectPath, expectText, expectToast,
  openBrowser, screenshot, uiTest,
} from './lib/browser.js';
import { ROOT, machine, signIn, startNekoHub, stopNekoHub } from './lib/nekohub.js';
import { solidPng } from './lib/png.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3 } from '../api/lib/s3.js';

const PROFILE = 's3-e2e';
const IMAGE = { name: 'orange-cat.png', mimeType: 'image/png', buffer: solidPng(200, 150, [230, 140, 40]) };

// The profile's card on the Storage page.
const card = (page, name) => page.getByTestId(`storage-profile-${name}`);

// Open the New profile dialog (on /storage) and wait for its form.
async function openCreateForm(page) {
  await page.getByTestId('storage-new').click();
  const dialog = page.getByTestId('storage-form-dialog');
  await dialog.getByTestId('storage-form').waitFor();
  return dialog;
}

// The text of a field's inline error (linked to the field with aria-describedby), once the
// field is marked invalid.
async function fieldError(dialog, field) {
  const input = dialog.getByTestId(`storage-form-${field}`);
  await eventually(() => input.getAttribute('aria-invalid'), (v) => v === 'true', { message: `${field} marked invalid` });
  const errorId = (await input.getAttribute('aria-describedby')).split(' ').find((id) => id.endsWith('-error'));
  assert.ok(errorId, `${field}: an error linked with aria-describedby`);
  return (await dialog.locator(`[id="${errorId}"]`).innerText()).trim();
}

// GET a URL from the page (same origin, the browser's own cookies): status and bytes.
async function fetchInPage(page, url) {
  const r = await page.evaluate(async (u) => {
    const response = await fetch(u);
    return { status: response.status, bytes: Array.from(new Uint8Array(await response.arrayBuffer())) };
  }, url);
  return { status: r.status, bytes: Buffer.from(r.bytes) };
}

describe('console: storage providers', () => {
  let server;
  let s3;
  let root;
  let profileId;
  let assetId;
  let contentUrl;

  let viewer;
  const test = uiTest(nodeTest, () => [root, viewer]);

  before(async () => {
    s3 = await startS3({ bucket: 'nekohub-e2e' });
    server = await startNekoHub();
    root = await openBrowser('root');
    await signIn(root.page, server, ROOT.username, ROOT.password);
  });

  after(async () => {
    await closeBrowser(root);
    await closeBrowser(viewer);
    await stopNekoHub(server);
    await s3?.stop();
  });

  test('the Storage page explains where uploads go', async () => {
    const { page } = root;
    await page.getByTestId('nav-storage').click();
    await expectPath(page, '/storage');
    await expectText(page.locator('h1'), 'Storage');
    const banner = page.getByTestId('storage-runtime');
    await banner.waitFor();
    // Whatever the start-up state (a seeded local default or none), the banner says it in words.
    const code = await banner.getAttribute('data-code');
    const expected = {
      db_default_profile_missing: /^Uploads go to the storage set in the server’s configuration/,
      runtime_matches_db_default_provider_type: /^Uploads go to the default profile “/,
    }[code];
    assert.ok(expected, `unexpected alignment code ${code}`);
    await expectText(banner.locator('h2'), expected);
    await capture(page, 'storage-overview');
    assertHealthy(root);
  });

  test('an invalid form is refused inline, by the console and by the server', async () => {
    const { page } = root;
    const dialog = await openCreateForm(page);
    // The console's own checks (the server's rules, spec §7): nothing is sent.
    await dialog.getByTestId('storage-form-providerType').selectOption('s3-compatible');
    await dialog.getByTestId('storage-form-name').fill(PROFILE);
    await dialog.getByTestId('storage-form-endpoint').fill('s3.example.com');
    await dialog.getByTestId('storage-form-accessKey').fill('only-one-key');
    await dialog.getByTestId('storage-form-submit').click();
    assert.equal(await fieldError(dialog, 'endpoint'), 'Enter an absolute http:// or https:// URL.');
    assert.equal(await fieldError(dialog, 'bucket'), 'Required.');
    assert.equal(await fieldError(dialog, 'region'), 'Required.');
    assert.equal(await fieldError(dialog, 'secretKey'), 'Required.');
    await expectText(dialog.getByTestId('storage-form-invalid'), 'Some fields need attention; see the messages below them.');
    // The first invalid field has the focus.
    await eventually(() => page.evaluate(() => document.activeElement?.dataset.testid), (id) => id === 'storage-form-endpoint',
      { message: 'focus on the first invalid field' });
    await capture(page, 'storage-form-invalid');

    // The server's check: a local root outside the allowed roots lands on the root path field.
    await dialog.getByTestId('storage-form-providerType').selectOption('local');
    await dialog.getByTestId('storage-form-name').fill('outside-roots');
    await dialog.getByTestId('storage-form-rootPath').fill('/etc/nekohub-e2e');
    await dialog.getByTestId('storage-form-submit').click();
    const rootError = await fieldError(dialog, 'rootPath');
    assert.ok(rootError.length > 0, 'the server’s message is shown under the root path');
    await screenshot(page, 'storage-form-server-error');
    await dialog.getByTestId('storage-form-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    const list = await machine(server, 'GET', '/api/v1/system/storage/providers');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.data.profiles.filter((p) => p.name === 'outside-roots' || p.name === PROFILE), [],
      'nothing was created');
    assertHealthy(root);
  });

  test('an S3 profile is created; its secrets are write-only', async () => {
    const { page } = root;
    const dialog = await openCreateForm(page);
    await dialog.getByTestId('storage-form-providerType').selectOption('s3-compatible');
    await dialog.getByTestId('storage-form-name').fill(PROFILE);
    await dialog.getByTestId('storage-form-displayName').fill('E2E bucket');
    await dialog.getByTestId('storage-form-endpoint').fill(s3.endpoint);
    await dialog.getByTestId('storage-form-bucket').fill(s3.bucket);
    await dialog.getByTestId('storage-form-region').fill('us-east-1');
    assert.equal(await dialog.getByTestId('storage-form-forcePathStyle').isChecked(), true);
    await dialog.getByTestId('storage-form-accessKey').fill(S3_ACCESS_KEY);
    await dialog.getByTestId('storage-form-secretKey').fill(S3_SECRET_KEY);
    await screenshot(page, 'storage-form-s3');
    await dialog.getByTestId('storage-form-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await expectToast(page, 'Profile “E2E bucket (s3-e2e)” created.', 'success');

    const profile = card(page, PROFILE);
    await profile.waitFor();
    profileId = await profile.getAttribute('data-profile-id');
    assert.match(profileId, /^[0-9a-f-]{36}$/);
    await expectText(profile.getByTestId('storage-profile-type'), 'S3-compatible');
    await expectText(profile.getByTestId('storage-profile-status'), 'Enabled');
    await expectText(profile.getByTestId('storage-profile-secrets'), 'Access key, Secret key · set');
    assert.equal(await profile.locator(`[data-summary=bucketOrContainer]`).innerText(), s3.bucket);
    assert.deepEqual(await profile.locator('[data-testid=storage-profile-capabilities] [data-capability]').evaluateAll(
      (chips) => chips.map((c) => c.dataset.capability)).then((list) => list.includes('supportsDelete')), true);

    // Editing shows which secrets are set, never their values; replacing needs both keys.
    await profile.getByTestId('storage-profile-edit').click();
    const edit = page.getByTestId('storage-form-dialog');
    await edit.getByTestId('storage-form').waitFor();
    await expectText(edit.getByTestId('storage-secret-status-accessKey'), 'Access key: set');
    await expectText(edit.getByTestId('storage-secret-status-secretKey'), 'Secret key: set');
    assert.equal(await edit.getByTestId('storage-secret-mode-keep').isChecked(), true);
    assert.equal(await edit.getByTestId('storage-form-accessKey').count(), 0, 'no secret input while keeping');
    await edit.getByTestId('storage-secret-mode-replace').check();
    await edit.getByTestId('storage-secret-replace-note').waitFor();
    await edit.getByTestId('storage-form-secretKey').fill('another-secret');
    await edit.getByTestId('storage-form-submit').click();
    assert.equal(await fieldError(edit, 'accessKey'), 'Required: replacing the secret needs every key.');
    assert.equal(await edit.getByTestId('storage-secret-mode-clear').isDisabled(), true, 'S3 keys cannot be cleared');
    await capture(page, 'storage-form-edit-secrets');
    await edit.getByTestId('storage-form-cancel').click();
    await edit.waitFor({ state: 'detached' });

    // The page's data never carried a secret.
    const raw = await machine(server, 'GET', '/api/v1/system/storage/providers');
    assert.equal(raw.text.includes(S3_SECRET_KEY), false);
    assertHealthy(root);
  });

  test('test connection: write, read back and delete all succeed', async () => {
    const { page } = root;
    await card(page, PROFILE).getByTestId('storage-profile-test').click();
    const dialog = page.getByTestId('storage-test-dialog');
    const summary = dialog.getByTestId('storage-test-summary');
    await summary.waitFor({ timeout: 30000 });
    const steps = await dialog.getByTestId('storage-test-step').evaluateAll(
      (items) => items.map((i) => ({ step: i.dataset.step, ok: i.dataset.ok, text: i.innerText })));
    assert.equal(await summary.getAttribute('data-ok'), 'true', JSON.stringify(steps));
    assert.ok(steps.length >= 3, `at least write, read and delete: ${JSON.stringify(steps)}`);
    for (const s of steps) {
      assert.equal(s.ok, 'true', `step ${s.step}`);
      assert.match(s.text, /OK/);
    }
    await capture(page, 'storage-test-connection');
    await dialog.getByTestId('storage-test-close').click();
    await dialog.waitFor({ state: 'detached' });
    assertHealthy(root);
  });

  test('the S3 profile becomes the default after a confirmation', async () => {
    const { page } = root;
    await card(page, PROFILE).getByTestId('storage-profile-set-default').click();
    const confirm = page.getByTestId('confirm-dialog');
    await expectText(confirm.locator('h2'), 'Make “E2E bucket (s3-e2e)” the default?');
    await screenshot(page, 'storage-set-default-confirm');
    await confirm.getByTestId('confirm-ok').click();
    await expectToast(page, '“E2E bucket (s3-e2e)” is now the default profile.', 'success');
    await eventually(() => card(page, PROFILE).getAttribute('data-default'), (v) => v === 'true', { message: 'default badge' });
    await expectText(card(page, PROFILE).getByTestId('storage-profile-default'), 'Default');
    const banner = page.getByTestId('storage-runtime');
    await eventually(() => banner.getAttribute('data-code'), (v) => v === 'runtime_matches_db_default_provider_type',
      { message: 'alignment with the new default' });
    await expectText(banner.locator('h2'), 'Uploads go to the default profile “E2E bucket (s3-e2e)”');
    // The default cannot be switched off.
    assert.equal(await card(page, PROFILE).getByTestId('storage-profile-enabled').isDisabled(), true);
    await capture(page, 'storage-default');
    assertHealthy(root);
  });

  test('an image uploaded to the S3 profile is served back byte for byte', async () => {
    const { page } = root;
    await page.getByTestId('nav-upload').click();
    await expectPath(page, '/assets/upload');
    const target = page.getByTestId('upload-target');
    await eventually(() => target.locator('option').count(), (n) => n >= 2, { message: 'write targets listed' });
    await target.selectOption(profileId);
    await capture(page, 'storage-upload-target');
    await page.getByTestId('upload-input').setInputFiles([IMAGE]);
    const item = page.locator(`[data-testid=upload-item][data-file-name="${IMAGE.name}"]`);
    await eventually(() => item.getAttribute('data-status'), (s) => s === 'done' || s === 'failed',
      { message: 'upload finished', timeout: 30000 });
    assert.equal(await item.getAttribute('data-status'), 'done', await item.innerText());
    assert.equal(await item.getByTestId('upload-item-target').getAttribute('data-target'), profileId);
    const link = item.getByTestId('upload-result-link');
    assetId = await link.getAttribute('data-asset-id');
    await link.click();
    await expectPath(page, `/assets/${assetId}`);

    // The asset page names the storage: the provider and the profile.
    await expectText(page.getByTestId('asset-storage-provider'), 's3');
    await expectText(page.getByTestId('asset-storage-profile'), /^E2E bucket \(s3-e2e\) \(s3-compatible\)$/);
    assert.equal(await page.getByTestId('asset-storage-profile').getAttribute('data-profile-id'), profileId);
    const img = page.getByTestId('asset-preview').locator('img');
    await eventually(() => img.evaluate((el) => el.complete && el.naturalWidth), (w) => w === 200, { message: 'preview shown' });
    await capture(page, 'storage-asset-detail');

    // The bytes: through NekoHub (the URL the page shows) and in the bucket itself.
    const detail = await machine(server, 'GET', `/api/v1/assets/${assetId}`);
    assert.equal(detail.status, 200, detail.text);
    assert.equal(detail.body.data.storageProviderProfileId, profileId);
    contentUrl = detail.body.data.publicUrl;
    assert.ok(contentUrl, 'a public asset has a public URL');
    const served = await fetchInPage(page, contentUrl);
    assert.equal(served.status, 200);
    assert.ok(served.bytes.equals(IMAGE.buffer), 'served bytes equal the uploaded file');
    const stored = s3.read(detail.body.data.storageKey);
    assert.ok(stored && stored.equals(IMAGE.buffer), 'the bucket holds the uploaded file');
    assertHealthy(root);
  });

  test('deleting the profile the asset uses disables it instead, and says why', async () => {
    const { page } = root;
    await page.getByTestId('nav-storage').click();
    await expectPath(page, '/storage');
    await card(page, PROFILE).getByTestId('storage-profile-delete').click();
    const confirm = page.getByTestId('confirm-dialog');
    await expectText(confirm.locator('h2'), 'Delete the profile “E2E bucket (s3-e2e)”?');
    await confirm.getByTestId('confirm-ok').click();
    const outcome = page.getByTestId('storage-delete-result');
    await outcome.waitFor();
    assert.equal(await outcome.getAttribute('data-status'), 'disabled');
    await expectText(outcome.locator('strong'), 'Profile “E2E bucket (s3-e2e)” was disabled, not deleted: assets use it.');
    assert.match(await outcome.innerText(), /those assets stay readable and deletable, and no new upload can choose it/);
    assert.match(await outcome.innerText(), /It was the default profile/);
    await eventually(() => card(page, PROFILE).getAttribute('data-enabled'), (v) => v === 'false', { message: 'card disabled' });
    await expectText(card(page, PROFILE).getByTestId('storage-profile-status'), 'Disabled');
    assert.equal(await card(page, PROFILE).getAttribute('data-default'), 'false');
    // No default any more: uploads without a target go to the configured storage.
    await eventually(() => page.getByTestId('storage-runtime').getAttribute('data-code'),
      (v) => v === 'db_default_profile_missing', { message: 'no default after the delete' });
    await capture(page, 'storage-deleted-disabled');

    // The asset stays readable; the upload page no longer offers the disabled profile.
    const served = await fetchInPage(page, contentUrl);
    assert.equal(served.status, 200);
    assert.ok(served.bytes.equals(IMAGE.buffer));
    await page.getByTestId('nav-upload').click();
    const options = await page.getByTestId('upload-target').locator('option').evaluateAll((list) => list.map((o) => o.value));
    assert.equal(options.includes(profileId), false);
    assertHealthy(root);
  });

  test('a GitHub Releases profile is shown as declared only', async () => {
    const { page } = root;
    const created = await machine(server, 'POST', '/api/v1/system/storage/providers', {
      name: 'releases-e2e', providerType: 'github-releases',
      configuration: { owner: 'neko', repo: 'images', releaseTagMode: 'fixed', fixedTag: 'v1.0.0' },
    });
    assert.equal(created.status, 201, created.text);
    await page.goto(server.url('/storage'));
    const releases = card(page, 'releases-e2e');
    await releases.waitFor();
    await expectText(releases.getByTestId('storage-profile-type'), 'GitHub Releases (declared only)');
    assert.match(await releases.innerText(), /Declared only/);
    assert.match(await releases.innerText(), /can be saved, but NekoHub cannot store or read files through them yet/);
    assert.equal(await releases.getByTestId('storage-profile-test').count(), 0);
    assert.equal(await releases.getByTestId('storage-profile-browse').count(), 0);
    assert.equal(await releases.getByTestId('storage-profile-set-default').getAttribute('data-disabled-reason'),
      'This profile cannot store files, so it cannot be the default.');
    assert.equal(await releases.locator('[data-summary=fixedTag]').innerText(), 'v1.0.0');
    // Its edit form keeps the type and shows its own fields.
    await releases.getByTestId('storage-profile-edit').click();
    const dialog = page.getByTestId('storage-form-dialog');
    await expectText(dialog.getByTestId('storage-form-type-locked'), 'GitHub Releases (declared only)');
    assert.equal(await dialog.getByTestId('storage-form-fixedTag').inputValue(), 'v1.0.0');
    await capture(page, 'storage-releases-edit');
    await dialog.getByTestId('storage-form-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    // Not offered as an upload target.
    await page.getByTestId('nav-upload').click();
    await page.getByTestId('upload-target').waitFor();
    const options = await page.getByTestId('upload-target').locator('option').evaluateAll((list) => list.map((o) => o.textContent));
    assert.equal(options.some((o) => o.includes('releases-e2e')), false);
    assertHealthy(root);
  });

  test('without providers.* the page is read-only; without providers.read no target menu', async () => {
    // A user who may read profiles and upload, but not change profiles or settings.
    const reader = { username: 'storage-reader', password: 'storage-reader-password-1' };
    const created = await machine(server, 'POST', '/api/v1/users', { ...reader, role: 'user', isActive: true,
      permissions: ['assets.read', 'assets.create', 'providers.read'] });
    assert.equal(created.status, 201, created.text);
    viewer = await openBrowser('reader');
    const { page } = viewer;
    await signIn(page, server, reader.username, reader.password, { next: '/storage' });
    await expectText(page.locator('h1'), 'Storage');
    await card(page, PROFILE).waitFor();
    await expectText(page.locator('.notice').first(), 'You can see the storage profiles but not change them.');
    assert.equal(await page.getByTestId('storage-new').count(), 0);
    for (const action of ['storage-profile-edit', 'storage-profile-delete', 'storage-profile-test']) {
      assert.equal(await page.getByTestId(action).count(), 0, action);
    }
    const local = page.locator('[data-testid^=storage-profile-][data-profile-id][data-enabled=true]').first();
    assert.equal(await local.getByTestId('storage-profile-set-default').getAttribute('data-disabled-reason'),
      'Needs the permission “settings.update”.');
    assert.equal(await local.getByTestId('storage-profile-enabled').isDisabled(), true);
    await capture(page, 'storage-read-only');
    // The upload page offers the enabled profiles to this user.
    await page.getByTestId('nav-upload').click();
    await eventually(() => page.getByTestId('upload-target').locator('option').count(), (n) => n >= 2,
      { message: 'targets for a providers.read holder' });

    // Without providers.read: no Storage entry, no target menu (uploads go to the default).
    const patched = await machine(server, 'PATCH', `/api/v1/users/${created.body.data.id}/permissions`,
      { permissions: ['assets.read', 'assets.create'] });
    assert.equal(patched.status, 200, patched.text);
    // A page load refreshes the session, which re-reads the permissions.
    await page.goto(server.url('/assets/upload'));
    await page.getByTestId('upload-dropzone').waitFor();
    await page.getByTestId('nav-assets').waitFor();
    assert.equal(await page.getByTestId('nav-storage').count(), 0);
    assert.equal(await page.getByTestId('upload-target').count(), 0);
    await page.goto(server.url('/storage'));
    await page.getByTestId('no-access').waitFor();
    assertHealthy(viewer);
  });

  test('the page in Simplified Chinese', async () => {
    const { page } = root;
    await page.getByTestId('nav-storage').click();
    await expectPath(page, '/storage');
    await page.getByTestId('language-switch').selectOption('zh-CN');
    await expectText(page.locator('h1'), '存储');
    await expectText(card(page, PROFILE).getByTestId('storage-profile-status'), '已停用');
    await capture(page, 'storage-zh-CN');
    await page.getByTestId('language-switch').selectOption('en');
    await expectText(page.locator('h1'), 'Storage');
    assertHealthy(root);
  });

  test('the Storage page and its form fit a phone', async () => {
    const { page } = root;
    const width = 390;
    await page.setViewportSize({ width, height: 844 });
    try {
      await page.goto(server.url('/storage'));
      await card(page, PROFILE).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), width, 'page wider than the screen');
      await capture(page, 'storage-mobile');
      await page.getByTestId('storage-new').click();
      const dialog = page.getByTestId('storage-form-dialog');
      await dialog.getByTestId('storage-form').waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), width, 'dialog wider than the screen');
      await capture(page, 'storage-mobile-form');
      await dialog.getByTestId('storage-form-cancel').click();
      await dialog.waitFor({ state: 'detached' });
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
    assertHealthy(root);
  });
});
