// mcp-connect.test.js - the "Connect an agent" page in chromium against a real nekohub: a user
// holding every asset permission opens the page from the navigation, sees the MCP preset
// (read, upload, edit; delete available but off), drives the client tabs with the keyboard,
// is asked before a key with delete is made, creates the preset key and finds it filled into
// every snippet. Then, in this node process, the official MCP SDK client connects to the URL
// and with the key the page shows: list_assets sees an image uploaded before, delete_asset is
// refused with auth_forbidden (the key lacks assets.delete although its owner holds it). The
// page in zh-CN; the key on the account page, revoked there, stops working. Screenshots and
// axe checks in test-artifacts/e2e/.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  assertHealthy, capture, closeBrowser, eventually, expectPath, expectText, expectToast, openBrowser, texts, uiTest,
} from './lib/browser.js';
import { machine, signIn, startNekoHub, stopNekoHub } from './lib/nekohub.js';
import { solidPng } from './lib/png.js';
import { uploadPng } from './lib/processing.js';

const MIA = { username: 'mia', password: 'mia-password-1' };
const MIA_PERMISSIONS = ['assets.read', 'assets.create', 'assets.update', 'assets.delete'];
const NILS = { username: 'nils', password: 'nils-password-1' };
const PRESET = ['assets.read', 'assets.create', 'assets.update'];
const CLIENT_TABS = ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'generic'];

async function navEntries(page) {
  await page.locator('#sidenav').waitFor();
  return page.locator('#sidenav [data-testid^=nav-]').evaluateAll(
    (links) => links.map((a) => a.getAttribute('data-testid').slice(4)));
}

async function snippetText(page, client) {
  await page.getByTestId(`connect-tab-${client}`).click();
  const pre = page.getByTestId(`connect-snippet-${client}`);
  await pre.waitFor();
  return pre.innerText();
}

// The official SDK client over Streamable HTTP with the key as a Bearer header.
async function mcpClient(url, key) {
  const client = new Client({ name: 'nekohub-e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

// A tool result's error code, from the text content (what every client shows the model).
function toolErrorCode(result) {
  assert.equal(result.isError, true, `expected a tool error, got ${JSON.stringify(result)}`);
  const text = result.content.find((c) => c.type === 'text')?.text;
  return JSON.parse(text).error.code;
}

describe('console: connect an agent over MCP', () => {
  let server;
  let browser;
  let asset;
  let miaId;
  // What the page showed once the key was created.
  let shown = { url: null, key: null, name: null };

  const test = uiTest(nodeTest, () => [browser]);

  before(async () => {
    server = await startNekoHub();
    for (const [account, permissions] of [[MIA, MIA_PERMISSIONS], [NILS, ['audit.read']]]) {
      const created = await machine(server, 'POST', '/api/v1/users',
        { ...account, role: 'user', isActive: true, permissions });
      assert.equal(created.status, 201, created.text);
      if (account === MIA) miaId = created.body.data.id;
    }
    asset = await uploadPng(server, 'mcp-connect-cat.png', solidPng(48, 32, [220, 140, 60]),
      { description: 'uploaded before the agent connects', isPublic: 'true' });
    browser = await openBrowser('mia');
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
  });

  after(async () => {
    await closeBrowser(browser);
    await stopNekoHub(server);
  });

  test('the page offers an MCP preset limited to the user’s own permissions', async () => {
    const { page } = browser;
    await signIn(page, server, MIA.username, MIA.password);
    assert.deepEqual(await navEntries(page), ['assets', 'upload', 'connect', 'account', 'gallery']);
    await page.getByTestId('nav-connect').click();
    await expectPath(page, '/connect');
    await expectText(page.locator('h1'), 'Connect an agent');
    const form = page.getByTestId('connect-key-form');
    await form.waitFor();

    // The preset: read, upload, edit; delete offered (Mia holds it) but off; nothing Mia lacks.
    for (const p of PRESET) assert.equal(await form.getByTestId(`permission-${p}`).isChecked(), true, `${p} ticked`);
    assert.equal(await form.getByTestId('permission-assets.delete').isChecked(), false, 'delete off');
    assert.equal(await form.getByTestId('permission-assets.delete').isEnabled(), true, 'delete available');
    for (const p of ['providers.read', 'providers.delete', 'settings.update', 'users.read']) {
      assert.equal(await form.getByTestId(`permission-${p}`).count(), 0, `${p} not offered`);
    }
    assert.match(await form.getByTestId('connect-key-name').inputValue(), /^MCP agent \d{4}-\d{2}-\d{2}$/);
    assert.equal(await form.getByTestId('connect-key-expiry').inputValue(), '90');

    // What the agent could do, following the ticks.
    const allowed = () => page.locator('[data-testid=connect-ability][data-allowed=true]').evaluateAll(
      (items) => items.map((li) => li.dataset.ability));
    assert.deepEqual(await allowed(), ['read', 'upload', 'update']);
    await form.getByTestId('permission-assets.delete').check();
    await eventually(allowed, (list) => list.includes('delete'), { message: 'delete allowed once ticked' });
    await form.getByTestId('permission-assets.delete').uncheck();
    await eventually(allowed, (list) => !list.includes('delete'), { message: 'delete not allowed again' });

    // Before a key exists the snippets carry a placeholder, and say so.
    await page.getByTestId('connect-key-placeholder-note').waitFor();
    const url = (await page.getByTestId('connect-mcp-url').innerText()).trim();
    assert.equal(url, server.url('/mcp'));
    const desktop = JSON.parse(await snippetText(page, 'claude-desktop'));
    assert.equal(desktop.mcpServers.nekohub.env.NEKOHUB_AUTH, 'Bearer nhk_…');
    await capture(page, 'connect');
    assertHealthy(browser);
  });

  test('the client tabs follow the arrow keys, Home and End', async () => {
    const { page } = browser;
    const selected = () => page.locator('[data-testid=connect-tabs] [role=tab][aria-selected=true]').getAttribute('data-testid');
    const focused = () => page.evaluate(() => document.activeElement?.dataset.testid);
    await page.getByTestId('connect-tab-claude-desktop').click();
    const steps = [['ArrowRight', 'claude-code'], ['ArrowRight', 'cursor'], ['End', 'generic'],
      ['ArrowRight', 'claude-desktop'], ['ArrowLeft', 'generic'], ['Home', 'claude-desktop']];
    for (const [key, tab] of steps) {
      await page.keyboard.press(key);
      assert.equal(await selected(), `connect-tab-${tab}`, `${key} selects ${tab}`);
      assert.equal(await focused(), `connect-tab-${tab}`, `${key} focuses ${tab}`);
      await page.getByTestId(`connect-panel-${tab}`).waitFor();
    }
    // Only the selected tab is in the Tab order.
    assert.deepEqual(await page.locator('[data-testid=connect-tabs] [role=tab]').evaluateAll(
      (tabs) => tabs.map((t) => t.tabIndex)), [0, -1, -1, -1, -1]);
    assertHealthy(browser);
  });

  test('a key with delete asks first; the preset key is shown once and filled into every snippet', async () => {
    const { page } = browser;
    const form = page.getByTestId('connect-key-form');
    await form.getByTestId('permission-assets.delete').check();
    await form.getByTestId('connect-key-create').click();
    const confirm = page.getByTestId('confirm-dialog');
    await expectText(confirm.locator('h2'), 'Give the agent destructive permissions?');
    await expectText(confirm.locator('#confirm-body'), /Delete assets/);
    await capture(page, 'connect-confirm-delete');
    await confirm.getByTestId('confirm-cancel').click();
    await confirm.waitFor({ state: 'detached' });
    const keys = await machine(server, 'GET', `/api/v1/users/${miaId}/api-keys`);
    assert.equal(keys.status, 200, keys.text);
    assert.deepEqual(keys.body.data, [], 'cancelled: no key made');
    await form.getByTestId('permission-assets.delete').uncheck();

    const name = await form.getByTestId('connect-key-name').inputValue();
    await form.getByTestId('connect-key-create').click();
    await expectToast(page, `Key “${name}” created.`, 'success');
    const box = page.getByTestId('connect-key-created');
    await box.waitFor();
    const key = (await box.getByTestId('connect-key-secret').innerText()).trim();
    assert.match(key, /^nhk_[A-Za-z0-9_-]{43}$/);
    await expectText(box.locator('.warn'), /shown only here, once/);
    await page.getByTestId('connect-key-filled').waitFor();
    assert.equal(await page.getByTestId('connect-key-placeholder-note').count(), 0);
    assert.equal(await page.getByTestId('connect-key-form').count(), 0, 'the form makes way for the key');

    // Every snippet carries the URL and the key, in the shape its client reads.
    const url = server.url('/mcp');
    const desktop = JSON.parse(await snippetText(page, 'claude-desktop')).mcpServers.nekohub;
    assert.deepEqual(desktop, { command: 'npx', args: ['-y', 'mcp-remote', url, '--header', 'Authorization:${NEKOHUB_AUTH}'],
      env: { NEKOHUB_AUTH: `Bearer ${key}` } });
    assert.equal(await snippetText(page, 'claude-code'),
      `claude mcp add --transport http nekohub ${url} --header 'Authorization: Bearer ${key}'`);
    assert.deepEqual(JSON.parse(await snippetText(page, 'cursor')),
      { mcpServers: { nekohub: { url, headers: { Authorization: `Bearer ${key}` } } } });
    assert.deepEqual(JSON.parse(await snippetText(page, 'vscode')),
      { servers: { nekohub: { type: 'http', url, headers: { Authorization: `Bearer ${key}` } } } });
    const curl = await snippetText(page, 'generic');
    assert.ok(curl.includes(`-H 'Authorization: Bearer ${key}'`), curl);
    await expectText(page.getByTestId('connect-generic-header'), `Authorization: Bearer ${key}`);

    // Copy: the button says so, and the clipboard holds the snippet.
    // (The label goes back after a moment, so an observer records that it changed.)
    const copy = page.getByTestId('connect-copy-generic');
    await copy.evaluate((button) => {
      window.__copiedLabels = [];
      new MutationObserver(() => window.__copiedLabels.push(button.textContent))
        .observe(button, { subtree: true, childList: true, characterData: true });
    });
    await copy.click();
    await expectToast(page, 'Copied to the clipboard.', 'success');
    await eventually(() => page.evaluate(() => window.__copiedLabels), (labels) => labels.includes('Copied'),
      { message: 'the copy button said Copied' });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), curl);

    shown = { url: (await page.getByTestId('connect-generic-url').innerText()).trim(), key, name };
    await capture(page, 'connect-key-created');
    assertHealthy(browser);
  });

  test('the official MCP client connects with the shown URL and key: it lists assets and cannot delete', async () => {
    assert.ok(shown.key, 'a key was created in the page');
    const client = await mcpClient(shown.url, shown.key);
    try {
      const listed = await client.callTool({ name: 'list_assets', arguments: {} });
      assert.notEqual(listed.isError, true, JSON.stringify(listed));
      const ids = listed.structuredContent.items.map((item) => item.id);
      assert.ok(ids.includes(asset.id), `list_assets sees the uploaded asset (got ${ids.join(', ')})`);
      const item = listed.structuredContent.items.find((i) => i.id === asset.id);
      assert.equal(item.originalFileName, 'mcp-connect-cat.png');

      const deleted = await client.callTool({ name: 'delete_asset', arguments: { id: asset.id } });
      assert.equal(toolErrorCode(deleted), 'auth_forbidden');
      assert.match(deleted.content[0].text, /assets\.delete/);
    } finally {
      await client.close();
    }
    // Still there: the refusal changed nothing.
    const still = await machine(server, 'GET', `/api/v1/assets/${asset.id}`);
    assert.equal(still.status, 200);
  });

  test('the page in Simplified Chinese', async () => {
    const { page } = browser;
    await page.getByTestId('language-switch').selectOption('zh-CN');
    await expectText(page.locator('h1'), '连接智能体');
    await expectText(page.getByTestId('nav-connect'), '连接智能体');
    await expectText(page.getByTestId('connect-key-created').locator('.warn'), /只在这里显示一次/);
    await capture(page, 'connect-key-created-zh-CN');

    // "Create another key" asks first (the shown key cannot come back), then the form returns
    // with the placeholder in the snippets.
    await page.getByTestId('connect-key-another').click();
    const confirm = page.getByTestId('confirm-dialog');
    await expectText(confirm.locator('h2'), '再创建一个密钥？');
    await confirm.getByTestId('confirm-ok').click();
    await page.getByTestId('connect-key-form').waitFor();
    assert.match(await page.getByTestId('connect-key-name').inputValue(), /^MCP 智能体 \d{4}-\d{2}-\d{2}$/);
    await page.getByTestId('connect-key-placeholder-note').waitFor();
    assert.equal(await page.getByText(shown.key).count(), 0, 'the key is not shown again');
    await capture(page, 'connect-zh-CN');

    await page.getByTestId('language-switch').selectOption('en');
    await expectText(page.locator('h1'), 'Connect an agent');
    assertHealthy(browser);
  });

  test('the key is on the account page with the preset permissions; revoked there, it stops working', async () => {
    const { page } = browser;
    await page.getByTestId('connect-revoke-link').click();
    await expectPath(page, '/account');
    const row = page.locator(`[data-testid=api-key-row][data-name="${shown.name}"]`);
    await row.waitFor();
    assert.deepEqual(await texts(row.locator('.chip')), PRESET);
    await row.getByTestId('api-key-revoke').click();
    await page.getByTestId('confirm-ok').click();
    await expectToast(page, `Key “${shown.name}” revoked.`, 'success');
    await row.waitFor({ state: 'detached' });

    await assert.rejects(mcpClient(shown.url, shown.key), 'a revoked key cannot connect');
    const raw = await fetch(shown.url, { method: 'POST',
      headers: { Authorization: `Bearer ${shown.key}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    assert.equal(raw.status, 401);
    assertHealthy(browser);
  });

  test('an account with nothing an agent could use has no entry and is told why', async () => {
    const { page } = browser;
    await page.getByTestId('nav-logout').click();
    await expectPath(page, '/login');
    await signIn(page, server, NILS.username, NILS.password);
    assert.deepEqual(await navEntries(page), ['audit', 'account', 'gallery']);
    await page.goto(server.url('/connect'));
    await expectText(page.getByTestId('connect-no-permissions'), /no permission an agent could use/);
    assert.equal(await page.getByTestId('connect-key-form').count(), 0);
    await capture(page, 'connect-no-permissions');
    assertHealthy(browser);
  });
});
