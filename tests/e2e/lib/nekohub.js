// nekohub.js - the server side of the e2e suite: a real `nekohub` (tests/api/lib/server.js:
// free port, temp data dir, sanitizer build, fails on sanitizer reports at stop) with a known
// SuperAdmin and a machine key for set-up through the API, and the console's sign-in as a user
// does it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startServer } from '../../api/lib/server.js';
import { eventually, expectPath } from './browser.js';

export const ROOT = { username: 'root', password: 'root-password-1' };
export const MACHINE_KEY = 'e2e-machine-key-0123456789';

export async function startNekoHub(extraEnv = {}) {
  assert.ok(existsSync(join(repoRoot, 'web/dist/index.html')),
    'web/dist is missing: build the console first (scripts/build-web.sh)');
  return startServer({
    env: {
      Auth__BootstrapSuperAdmin__Username: ROOT.username,
      Auth__BootstrapSuperAdmin__Password: ROOT.password,
      Auth__ApiKey__Enabled: 'true',
      Auth__ApiKey__Keys__0: MACHINE_KEY,
      ...extraEnv,
    },
  });
}

// The machine key's API calls (set-up and checks beside the UI).
export async function machine(server, method, path, json) {
  const response = await server.request(method, path, { json, token: MACHINE_KEY });
  return response;
}

// Fill and submit the sign-in form on the current page (which must be /login).
export async function submitSignIn(page, username, password) {
  await page.getByTestId('login-form').waitFor();
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

// Sign in through /login and wait until the console shows the user in its header.
export async function signIn(page, server, username, password, { next } = {}) {
  const path = next ? `/login?next=${encodeURIComponent(next)}` : '/login';
  await page.goto(server.url(path));
  await submitSignIn(page, username, password);
  // The console's header names the user (hidden on narrow screens, so: its text, not visibility).
  const name = page.getByTestId('current-user').locator('.username');
  await name.waitFor({ state: 'attached' });
  await eventually(() => name.textContent(), (text) => text === username, { message: `signed in as ${username}` });
  if (next) await expectPath(page, next);
}

// Stop the server (which fails on sanitizer reports or an unclean exit) and check its log:
// nothing the console did may have caused a 5xx answer or an error-level log line.
export async function stopNekoHub(server) {
  if (!server) return;
  try {
    await server.stop();
    const failures = server.logs.filter((line) => line.level === 'error' || line.level === 'fatal'
      || (line.event === 'http_request' && line.status >= 500));
    assert.deepEqual(failures, [], 'server errors while the console was used');
  } finally {
    server.cleanup();
  }
}
