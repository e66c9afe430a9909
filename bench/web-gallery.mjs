// web-gallery.mjs - part of bench/web.sh: fills a running nekohub with public assets through
// the API (machine key, tiny generated PNGs), then measures in chromium the time from navigation
// start to the first gallery card being visible on /gallery, several times, each in a fresh
// browser profile (cold cache). Prints one JSON line.
//   node bench/web-gallery.mjs BASE_URL MACHINE_KEY [ASSETS=1000] [RUNS=5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url);
const { chromium } = await import(new URL('../tests/node_modules/playwright-core/index.mjs', here));
const { solidPng } = await import(new URL('../tests/e2e/lib/png.js', here));
const { CHROMIUM, CHROMIUM_ARGS } = await import(new URL('../tests/e2e/lib/browser.js', here));

const [base, key, assetsArg = '1000', runsArg = '5'] = process.argv.slice(2);
const ASSETS = Number(assetsArg);
const RUNS = Number(runsArg);
const PARALLEL = 8;

async function upload(i) {
  const form = new FormData();
  const png = solidPng(48, 36, [(i * 37) % 256, (i * 91) % 256, (i * 53) % 256]);
  form.append('file', new Blob([png], { type: 'image/png' }), `bench-${String(i).padStart(4, '0')}.png`);
  form.append('description', `benchmark image ${i}`);
  form.append('isPublic', 'true');
  const response = await fetch(`${base}/api/v1/assets`, {
    method: 'POST', body: form, headers: { Authorization: `Bearer ${key}` },
  });
  if (response.status !== 202) throw new Error(`upload ${i}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

async function fill() {
  const existing = await (await fetch(`${base}/api/v1/public/assets?pageSize=1`)).json();
  let next = existing?.data?.total ?? 0;
  const started = Date.now();
  const worker = async () => {
    while (next < ASSETS) {
      const i = next++;
      await upload(i);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const check = await (await fetch(`${base}/api/v1/public/assets?pageSize=1`)).json();
  if (check.data.total < ASSETS) throw new Error(`only ${check.data.total} public assets`);
  return { total: check.data.total, seconds: (Date.now() - started) / 1000 };
}

// Runs in the page before its own scripts (DevTools protocol, so the page's CSP does not apply):
// notes the time (ms since navigation start) of the first animation frame after the first
// gallery card is in the document with a size, and when its image has loaded.
function watchFirstCard() {
  window.__bench = {};
  const check = () => {
    const card = document.querySelector('[data-testid^="gallery-card-"]');
    if (!card) return false;
    const box = card.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return false;
    window.__bench.inserted = performance.now();
    requestAnimationFrame(() => { window.__bench.visible = performance.now(); });
    const img = card.querySelector('img');
    if (img) {
      const done = () => { window.__bench.image = performance.now(); };
      if (img.complete && img.naturalWidth) done(); else img.addEventListener('load', done, { once: true });
    }
    return true;
  };
  const start = () => {
    if (check()) return;
    const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
    observer.observe(document.documentElement, { childList: true, subtree: true });
  };
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
}

async function measureOnce() {
  const profile = mkdtempSync(join(tmpdir(), 'nekohub-bench-web-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 860 },
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    await page.addInitScript(watchFirstCard);
    await page.goto(`${base}/gallery`);
    await page.waitForFunction(() => window.__bench && window.__bench.visible && window.__bench.image,
      undefined, { timeout: 30000 });
    const cards = await page.locator('[data-testid^="gallery-card-"]').count();
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      const list = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/v1/public/assets'));
      const script = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.js'));
      return {
        responseEnd: n.responseEnd,
        domContentLoaded: n.domContentLoadedEventEnd,
        fcp: paint ? paint.startTime : null,
        scriptEnd: script ? script.responseEnd : null,
        listStart: list ? list.startTime : null,
        listEnd: list ? list.responseEnd : null,
      };
    });
    const marks = await page.evaluate(() => window.__bench);
    return { ...marks, ...nav, cards };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const filled = await fill();
await measureOnce(); // warm the server (page cache, SQLite) once, not counted
const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await measureOnce());
const round = (n) => Math.round(n * 10) / 10;
console.log(JSON.stringify({
  assets: filled.total,
  fillSeconds: round(filled.seconds),
  runs: runs.map((r) => ({
    visible: round(r.visible), image: round(r.image), fcp: r.fcp && round(r.fcp), cards: r.cards,
    html: round(r.responseEnd), script: round(r.scriptEnd), listStart: round(r.listStart), listEnd: round(r.listEnd),
  })),
  medianFirstCardMs: round(median(runs.map((r) => r.visible))),
  medianFirstImageMs: round(median(runs.map((r) => r.image))),
  medianFcpMs: round(median(runs.map((r) => r.fcp ?? NaN))),
  medianHtmlMs: round(median(runs.map((r) => r.responseEnd))),
  medianScriptMs: round(median(runs.map((r) => r.scriptEnd ?? NaN))),
  medianListStartMs: round(median(runs.map((r) => r.listStart ?? NaN))),
  medianListEndMs: round(median(runs.map((r) => r.listEnd ?? NaN))),
}));
