// browser.js - the browser side of the e2e suite: Debian's chromium driven by playwright-core,
// one persistent profile per actor (so every actor has its own cookie jar), screenshots into
// test-artifacts/e2e/, axe-core checks, and small waiting helpers that poll a condition until a
// deadline (never a fixed sleep).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot } from '../../api/lib/server.js';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const ARTIFACTS = join(repoRoot, 'test-artifacts/e2e');
const AXE_SOURCE_PATH = join(repoRoot, 'tests/node_modules/axe-core/axe.min.js');
// How long a user-visible state may take to appear (Argon2 sign-ins, uploads on a busy 2-core
// machine with a sanitizer build).
export const WAIT_MS = Number(process.env.E2E_WAIT_MS || 15000);

let axeSource = null;

// A browser for one actor. Collects page errors and CSP violations: a console that needs
// inline script or style breaks under the server's CSP, so both fail the test (assertHealthy).
export async function openBrowser(label, { viewport = { width: 1280, height: 860 }, locale = 'en-US' } = {}) {
  const profile = mkdtempSync(join(tmpdir(), `nekohub-e2e-${label}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale,
    acceptDownloads: false,
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const page = context.pages()[0] || (await context.newPage());
  const actor = { label, context, page, profile, problems: [] };
  const watch = (p) => {
    p.on('pageerror', (error) => actor.problems.push(`page error: ${error.message}`));
    p.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
        actor.problems.push(`CSP: ${message.text()}`);
      }
    });
  };
  watch(page);
  context.on('page', watch);
  return actor;
}

export async function closeBrowser(actor) {
  if (!actor) return;
  try {
    await actor.context.close();
  } finally {
    rmSync(actor.profile, { recursive: true, force: true });
  }
}

// No uncaught exception and no CSP violation so far in this actor's pages.
export function assertHealthy(actor) {
  assert.deepEqual(actor.problems, [], `${actor.label}: problems in the browser`);
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}

// axe-core on the current page: fails on serious or critical violations. The page keeps the
// server's strict CSP: page.addScriptTag would add an inline <script>, which that CSP blocks,
// so axe's source is evaluated through the DevTools protocol (Runtime.evaluate, which CSP does
// not govern) instead of turning CSP off with bypassCSP. Writes the full result next to the
// screenshot.
export async function checkA11y(page, name, { exclude = [] } = {}) {
  if (!axeSource) axeSource = readFileSync(AXE_SOURCE_PATH, 'utf8');
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(axeSource);
  const result = await page.evaluate(async (excluded) => {
    const context = excluded.length ? { include: [document], exclude: excluded.map((s) => [s]) } : document;
    const r = await window.axe.run(context, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  }, exclude);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `${name}.axe.json`), JSON.stringify(result, null, 2));
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe: serious or critical violations on ${name}`);
  return result;
}

// Screenshot and accessibility check of the page as it is now.
export async function capture(page, name, options) {
  await screenshot(page, name);
  await checkA11y(page, name, options);
}

// Poll `read` until `accept(value)` holds; fails with the last value seen.
export async function eventually(read, accept, { timeout = WAIT_MS, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastError = null;
  for (;;) {
    try {
      last = await read();
      lastError = null;
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      assert.fail(`${message}: not reached in ${timeout} ms; last value: ${JSON.stringify(last)}` +
        (lastError ? `; last error: ${lastError.message}` : ''));
    }
    await new Promise((resolveWait) => { setTimeout(resolveWait, interval); });
  }
}

const norm = (text) => (text ?? '').replace(/\s+/g, ' ').trim();

// Waits until the locator's visible text equals `expected` (string) or matches it (RegExp).
export async function expectText(locator, expected, message) {
  await locator.first().waitFor({ state: 'visible' });
  return eventually(async () => norm(await locator.first().innerText()),
    (text) => (expected instanceof RegExp ? expected.test(text) : text === expected),
    { message: message || `text of ${locator} to be ${expected}` });
}

// Waits for a path (and optionally query) in the page's URL.
export async function expectPath(page, path, search) {
  await page.waitForURL((url) => url.pathname === path && (search === undefined || url.search === search));
}

// Texts of the visible elements matching the locator, in document order.
export async function texts(locator) {
  return (await locator.allInnerTexts()).map(norm);
}

// A toast with this text (kind: success|error|info) appears.
export async function expectToast(page, text, kind) {
  const selector = kind ? `[data-testid=toast][data-kind=${kind}]` : '[data-testid=toast]';
  await page.locator(selector).filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

// test() for UI tests: on failure, each open actor's page is screenshotted as
// test-artifacts/e2e/failed-<test>-<actor>.png and its address reported, so that a failure in
// CI shows what the user saw. Usage: const test = uiTest(nodeTest, () => [root, admin]).
export function uiTest(testFn, actors) {
  const onFailure = async (t, name) => {
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
    for (const actor of actors().filter(Boolean)) {
      try {
        if (actor.page.isClosed()) continue;
        t.diagnostic(`${actor.label} was at ${actor.page.url()}`);
        if (actor.problems.length) t.diagnostic(`${actor.label} problems: ${actor.problems.join(' | ')}`);
        await screenshot(actor.page, `failed-${slug}-${actor.label}`);
      } catch {
        // the failure itself matters more
      }
    }
  };
  return (name, options, fn) => {
    if (typeof options === 'function') [options, fn] = [{}, options];
    return testFn(name, options, async (t) => {
      try {
        await fn(t);
      } catch (error) {
        await onFailure(t, name);
        throw error;
      }
    });
  };
}
