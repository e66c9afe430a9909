// accounts.test.js - the console's accounts pages in chromium against a real nekohub: the
// SuperAdmin signs in and creates an admin and a user through the UI; the admin's navigation
// and Users page; disabling the user throws their open session out; password reset and own
// password change; a personal API key created, used with fetch and revoked; the language switch.
// Every page visited is screenshotted (test-artifacts/e2e/) and checked with axe-core.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertHealthy, capture, closeBrowser, expectPath, expectText, expectToast, openBrowser, texts, uiTest,
} from './lib/browser.js';
import { ROOT, signIn, startNekoHub, stopNekoHub, submitSignIn } from './lib/nekohub.js';

const ADMIN = { username: 'alice', password: 'alice-password-1' };
const USER = { username: 'bob', password: 'bob-password-1' };
const BOB_RESET = 'bob-reset-password-2';
const BOB_OWN = 'bob-own-password-3';

// The console's navigation entries, as their data-testid suffixes, in order.
async function navEntries(page) {
  await page.locator('#sidenav').waitFor();
  return page.locator('#sidenav [data-testid^=nav-]').evaluateAll(
    (links) => links.map((a) => a.getAttribute('data-testid').slice(4)));
}

// Open the New user dialog, fill it and wait for the new row.
async function createUser(page, { username, password }, role, roleLabel) {
  await page.getByTestId('users-new').click();
  const dialog = page.getByTestId('new-user-dialog');
  await dialog.waitFor();
  await dialog.getByTestId('new-user-username').fill(username);
  await dialog.getByTestId('new-user-password').fill(password);
  await dialog.getByTestId('new-user-role').selectOption(role);
  await dialog.getByTestId('new-user-submit').click();
  await expectToast(page, `User ${username} created.`, 'success');
  await dialog.waitFor({ state: 'detached' });
  await expectText(page.getByTestId(`user-row-${username}`).getByTestId('user-role'), roleLabel);
}

describe('console: accounts', () => {
  let server;
  let root;
  let admin;
  let user;

  const test = uiTest(nodeTest, () => [root, admin, user]);

  before(async () => {
    server = await startNekoHub();
    root = await openBrowser('root');
  });

  after(async () => {
    await closeBrowser(root);
    await closeBrowser(admin);
    await closeBrowser(user);
    await stopNekoHub(server);
  });

  test('a console page asks for sign-in; the SuperAdmin signs in and sees every page', async () => {
    const { page } = root;
    await page.goto(server.url('/users'));
    await expectPath(page, '/login', '?next=%2Fusers');
    await expectText(page.locator('.login-card .notice'), 'Please sign in to continue.');
    await capture(page, 'login');

    // An empty form is refused in the browser, a wrong password by the server.
    await page.getByTestId('login-submit').click();
    await expectText(page.getByTestId('login-error'), 'Enter your username and password.');
    await submitSignIn(page, ROOT.username, 'not-the-password');
    await expectText(page.getByTestId('login-error'), 'Invalid username or password.');
    assert.equal(await page.getByTestId('login-password').inputValue(), '', 'password field cleared');

    await submitSignIn(page, ROOT.username, ROOT.password);
    await expectPath(page, '/users');
    await expectText(page.getByTestId('current-user'), `${ROOT.username} Super admin`);
    assert.deepEqual(await navEntries(page), ['assets', 'upload', 'storage', 'jobs', 'aiProviders', 'workflows', 'users', 'audit', 'connect', 'account', 'gallery']);
    await expectText(page.getByTestId(`user-row-${ROOT.username}`).getByTestId('user-role'), 'Super admin');
    assertHealthy(root);
  });

  test('the SuperAdmin creates an admin and a user in the Users page', async () => {
    const { page } = root;
    await page.getByTestId('nav-users').click();
    await page.getByTestId('users-table').waitFor();
    await capture(page, 'users-superadmin');

    // The dialog checks the password policy before anything is sent.
    await page.getByTestId('users-new').click();
    const dialog = page.getByTestId('new-user-dialog');
    await dialog.waitFor();
    assert.deepEqual(await dialog.getByTestId('new-user-role').locator('option').evaluateAll(
      (options) => options.map((o) => o.value)), ['admin', 'user']);
    await dialog.getByTestId('new-user-username').fill('shorty');
    await dialog.getByTestId('new-user-password').fill('short');
    await dialog.getByTestId('new-user-submit').click();
    await expectText(dialog.locator('#new-user-password-error'), /at least 8 characters/);
    await capture(page, 'users-new-dialog');
    await dialog.getByTestId('dialog-close').click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('user-row-shorty').count(), 0);

    await createUser(page, ADMIN, 'admin', 'Admin');
    await createUser(page, USER, 'user', 'User');
    // Role templates: an admin gets the 20 management permissions but not the SuperAdmin's
    // "all"; a user gets assets.read.
    const adminRow = page.getByTestId(`user-row-${ADMIN.username}`);
    const userRow = page.getByTestId(`user-row-${USER.username}`);
    await expectText(adminRow.locator('td').nth(2), '20 permissions');
    await expectText(userRow.locator('td').nth(2), '1 permission');
    assert.equal(await userRow.getByTestId('user-status-toggle').getAttribute('aria-checked'), 'true');
    // The SuperAdmin cannot disable itself or change its own permissions.
    const rootRow = page.getByTestId(`user-row-${ROOT.username}`);
    assert.equal(await rootRow.getByTestId('user-status-toggle').isDisabled(), true);
    assert.equal(await rootRow.getByTestId('user-permissions').getAttribute('data-disabled-reason'),
      'superAdminPermissions');
    assertHealthy(root);
  });

  test('the admin sees only what an admin may do', async () => {
    admin = await openBrowser('admin');
    const { page } = admin;
    await signIn(page, server, ADMIN.username, ADMIN.password);
    await expectPath(page, '/assets');
    await expectText(page.getByTestId('current-user'), `${ADMIN.username} Admin`);
    assert.deepEqual(await navEntries(page), ['assets', 'upload', 'storage', 'jobs', 'aiProviders', 'workflows', 'users', 'audit', 'connect', 'account', 'gallery']);

    await page.getByTestId('nav-users').click();
    await page.getByTestId('users-table').waitFor();
    await expectText(page.locator('.notice').first(),
      'As an admin you see and manage only accounts with the role “User”.');
    // An admin lists only role-user accounts: not the SuperAdmin, not itself.
    assert.deepEqual(await page.locator('[data-testid=users-table] tbody tr').evaluateAll(
      (rows) => rows.map((r) => r.dataset.username)), [USER.username]);
    const row = page.getByTestId(`user-row-${USER.username}`);
    for (const action of ['user-edit', 'user-permissions', 'user-reset-password', 'user-status-toggle']) {
      assert.equal(await row.getByTestId(action).isEnabled(), true, `${action} enabled for the admin`);
    }
    await capture(page, 'users-admin');

    // New user: only the role "user" can be given.
    await page.getByTestId('users-new').click();
    const dialog = page.getByTestId('new-user-dialog');
    await dialog.waitFor();
    assert.deepEqual(await dialog.getByTestId('new-user-role').locator('option').evaluateAll(
      (options) => options.map((o) => o.value)), ['user']);
    await dialog.getByTestId('dialog-close').click();
    await dialog.waitFor({ state: 'detached' });

    // Edit: the admin cannot change a role.
    await row.getByTestId('user-edit').click();
    const edit = page.getByTestId('edit-user-dialog');
    await edit.waitFor();
    assert.equal(await edit.getByTestId('edit-user-role').isDisabled(), true);
    await expectText(edit.locator('#edit-user-role-why'), 'Only the super admin can change roles.');
    await capture(page, 'users-edit-dialog');
    await edit.getByTestId('dialog-close').click();
    await edit.waitFor({ state: 'detached' });

    // Permissions: the admin may grant only what it holds (everything an admin has).
    await row.getByTestId('user-permissions').click();
    const perms = page.getByTestId('permissions-dialog');
    await perms.waitFor();
    assert.equal(await perms.getByTestId('permission-assets.read').isChecked(), true);
    assert.equal(await perms.getByTestId('permission-users.read').isChecked(), false);
    await capture(page, 'users-permissions-dialog');
    await perms.getByTestId('dialog-close').click();
    await perms.waitFor({ state: 'detached' });
    assertHealthy(admin);
  });

  test('a user sees only the assets and their own account', async () => {
    user = await openBrowser('user');
    const { page } = user;
    await signIn(page, server, USER.username, USER.password);
    await expectPath(page, '/assets');
    assert.deepEqual(await navEntries(page), ['assets', 'connect', 'account', 'gallery']);
    // No upload link and no selection for a read-only account.
    await page.getByTestId('usage-panel').waitFor();
    assert.equal(await page.getByTestId('assets-upload-link').count(), 0);

    await page.goto(server.url('/users'));
    await expectText(page.getByTestId('no-access'), /does not have the permission “users\.read”/);
    await capture(page, 'no-access');
    await page.goto(server.url('/no/such/page'));
    await page.getByTestId('not-found').waitFor();
    await capture(page, 'not-found');
    await page.getByTestId('nav-account').click();
    await expectText(page.getByTestId('account-username'), USER.username);
    assertHealthy(user);
  });

  test('disabling the user in the UI throws their open session out', async () => {
    const row = admin.page.getByTestId(`user-row-${USER.username}`);
    await row.getByTestId('user-status-toggle').click();
    const confirm = admin.page.getByTestId('confirm-dialog');
    await expectText(confirm.locator('h2'), `Disable ${USER.username}?`);
    await capture(admin.page, 'users-disable-confirm');
    await confirm.getByTestId('confirm-ok').click();
    await expectToast(admin.page, `${USER.username} is disabled.`, 'success');
    await admin.page.locator(`[data-testid=user-row-${USER.username}] [data-testid=user-status-toggle][aria-checked=false]`).waitFor();
    await expectText(row.locator('.switch-text'), 'Disabled');

    // Bob still has the console open on his account page; his next request is refused and the
    // console sends him to the sign-in page, keeping where he was.
    const { page } = user;
    await page.getByTestId('nav-assets').click();
    await expectPath(page, '/login', '?next=%2Fassets');
    await expectText(page.locator('.login-card .notice'), 'Please sign in to continue.');
    // A reload does not bring the session back either (the refresh cookie was revoked).
    await page.reload();
    await page.getByTestId('login-form').waitFor();
    await submitSignIn(page, USER.username, USER.password);
    await expectText(page.getByTestId('login-error'), 'This account is disabled. Contact an administrator.');
    assertHealthy(user);
    assertHealthy(admin);
  });

  test('the admin enables the user again and resets the password; the user signs in with it', async () => {
    const { page } = admin;
    const row = page.getByTestId(`user-row-${USER.username}`);
    await row.getByTestId('user-status-toggle').click();
    await expectText(page.getByTestId('confirm-dialog').locator('h2'), `Enable ${USER.username}?`);
    await page.getByTestId('confirm-ok').click();
    await expectToast(page, `${USER.username} is enabled.`, 'success');
    await page.locator(`[data-testid=user-row-${USER.username}] [data-testid=user-status-toggle][aria-checked=true]`).waitFor();

    await row.getByTestId('user-reset-password').click();
    const dialog = page.getByTestId('reset-password-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('reset-password-new').fill(BOB_RESET);
    await dialog.getByTestId('reset-password-confirm').fill(`${BOB_RESET}x`);
    await dialog.getByTestId('reset-password-submit').click();
    await expectText(dialog.locator('#reset-password-confirm-error'), 'The two passwords do not match.');
    await capture(page, 'users-reset-password-dialog');
    await dialog.getByTestId('reset-password-confirm').fill(BOB_RESET);
    await dialog.getByTestId('reset-password-submit').click();
    await expectToast(page, `The password of ${USER.username} was reset.`, 'success');
    await dialog.waitFor({ state: 'detached' });

    const bob = user.page;
    await bob.goto(server.url('/login'));
    await submitSignIn(bob, USER.username, USER.password);
    await expectText(bob.getByTestId('login-error'), 'Invalid username or password.');
    await submitSignIn(bob, USER.username, BOB_RESET);
    await expectPath(bob, '/assets');
    await expectText(bob.getByTestId('current-user'), `${USER.username} User`);
    assertHealthy(admin);
    assertHealthy(user);
  });

  test('the user changes their own password and signs in with the new one', async () => {
    const { page } = user;
    await page.getByTestId('nav-account').click();
    const form = page.getByTestId('change-password-form');
    await form.waitFor();
    await capture(page, 'account');
    await form.getByTestId('current-password').fill('wrong-current-password');
    await form.getByTestId('new-password').fill(BOB_OWN);
    await form.getByTestId('confirm-password').fill(BOB_OWN);
    await form.getByTestId('change-password-submit').click();
    await page.locator('[data-testid=toast][data-kind=error]').first().waitFor();
    await expectPath(page, '/account');

    await form.getByTestId('current-password').fill(BOB_RESET);
    await form.getByTestId('change-password-submit').click();
    await expectPath(page, '/login', '?next=%2Faccount');
    await expectToast(page, 'Password changed. All your sessions were signed out; sign in with the new password.', 'info');
    await submitSignIn(page, USER.username, BOB_OWN);
    await expectPath(page, '/account');
    await expectText(page.getByTestId('account-username'), USER.username);
    assertHealthy(user);
  });

  test('a personal API key is created, works with fetch, and stops working when revoked', async () => {
    const { page } = admin;
    await page.getByTestId('nav-account').click();
    const form = page.getByTestId('api-key-form');
    await form.waitFor();
    await expectText(page.getByTestId('state-empty'), 'You have no API keys yet.');
    // The checklist offers only what the admin holds.
    await form.getByTestId('api-key-create').click();
    await expectText(form.locator('#api-key-name-error'), 'Enter a name for the key.');
    await form.getByTestId('api-key-name').fill('ci-reader');
    await form.getByTestId('permission-users.read').check();
    await form.getByTestId('api-key-create').click();
    await expectToast(page, 'Key “ci-reader” created.', 'success');
    const secret = (await page.getByTestId('api-key-secret').innerText()).trim();
    assert.match(secret, /^nhk_/);
    const row = page.locator('[data-testid=api-key-row][data-name=ci-reader]');
    await row.waitFor();
    assert.deepEqual(await texts(row.locator('.chip')), ['users.read']);
    await capture(page, 'account-api-key-created');
    await page.getByTestId('api-key-secret-dismiss').click();
    await page.getByTestId('api-key-created').waitFor({ state: 'detached' });
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is shown once');

    // The key with fetch (no cookie, no session): it reads users, nothing else.
    const call = (path) => fetch(server.url(path), { headers: { Authorization: `Bearer ${secret}` } });
    const users = await call('/api/v1/users');
    assert.equal(users.status, 200);
    assert.deepEqual((await users.json()).data.map((u) => u.username), [USER.username]);
    assert.equal((await call('/api/v1/audit-log')).status, 403);

    await row.getByTestId('api-key-revoke').click();
    await expectText(page.getByTestId('confirm-dialog').locator('h2'), /ci-reader/);
    await page.getByTestId('confirm-ok').click();
    await expectToast(page, 'Key “ci-reader” revoked.', 'success');
    await row.waitFor({ state: 'detached' });
    assert.equal((await call('/api/v1/users')).status, 401);
    assertHealthy(admin);
  });

  test('the audit log shows what happened', async () => {
    const { page } = root;
    await page.getByTestId('nav-audit').click();
    const table = page.getByTestId('audit-table');
    await table.waitFor();
    const actions = await page.locator('[data-testid=audit-row]').evaluateAll(
      (rows) => rows.map((r) => r.dataset.action));
    for (const action of ['user.create', 'user.status', 'user.reset_password', 'user.change_password',
      'api_key.create', 'api_key.revoke', 'auth.login_failed']) {
      assert.ok(actions.includes(action), `audit shows ${action} (got ${actions.join(', ')})`);
    }
    await capture(page, 'audit');
    assertHealthy(root);
  });

  test('the language switch translates the console and is remembered', async () => {
    const { page } = root;
    await page.getByTestId('nav-users').click();
    await page.getByTestId('users-table').waitFor();
    await page.getByTestId('language-switch').selectOption('zh-CN');
    await expectText(page.getByTestId('nav-users'), '用户');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await expectText(page.locator('h1'), '用户');
    await expectText(page.getByTestId(`user-row-${ADMIN.username}`).getByTestId('user-role'), '管理员');
    await capture(page, 'users-zh-CN');

    // Remembered across a reload (the session comes back from the cookie too).
    await page.reload();
    await expectText(page.getByTestId('nav-users'), '用户');
    await page.getByTestId('users-table').waitFor();
    await page.goto(server.url('/gallery'));
    await page.getByTestId('gallery-search').waitFor();
    await capture(page, 'gallery-zh-CN');

    await page.getByTestId('language-switch').selectOption('en');
    await expectText(page.locator('h1'), 'Gallery');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assertHealthy(root);
  });

  test('signing out ends the session', async () => {
    const { page } = root;
    await page.getByTestId('nav-console').click();
    await page.getByTestId('nav-logout').click();
    await expectPath(page, '/login');
    await page.goto(server.url('/users'));
    await expectPath(page, '/login', '?next=%2Fusers');
    assertHealthy(root);
  });
});
