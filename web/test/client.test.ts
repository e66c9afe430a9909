import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, errorFromBody, parseRetryAfter, SESSION_HEADER } from '../src/api/client';
import { endpoints } from '../src/api/endpoints';
import { authResult, delay, envelopeError, fakeFetch, json, type Call } from './fakeFetch';

const isRefresh = (c: Call) => c.url.endsWith('/api/v1/auth/refresh');
const isLogin = (c: Call) => c.url.endsWith('/api/v1/auth/login');

/** A client already signed in with access token `old`. */
function signedIn(handler: Parameters<typeof fakeFetch>[0], opts: { expiresInMs?: number } = {}) {
  const ff = fakeFetch(handler);
  const client = new ApiClient({ fetch: ff.fetch, timeoutMs: 2000 });
  client.setSession(authResult('old', opts.expiresInMs).data);
  return { client, calls: ff.calls };
}

describe('refresh sharing', () => {
  it('sends exactly one refresh for N parallel 401s and retries each request once', async () => {
    const { client, calls } = signedIn(async (call) => {
      if (isRefresh(call)) {
        await delay(20);
        return json(200, authResult('new'));
      }
      await delay(5);
      if (call.headers.authorization === 'Bearer old') return envelopeError(401, 'auth_unauthorized', 'Authentication is required.');
      if (call.headers.authorization === 'Bearer new') return json(200, { data: { ok: call.url } });
      return envelopeError(401, 'auth_unauthorized', 'Authentication is required.');
    });
    const N = 8;
    const results = await Promise.all(Array.from({ length: N }, (_, i) => client.get<{ ok: string }>(`/assets/${i}`)));
    expect(results.map((r) => r.ok)).toEqual(Array.from({ length: N }, (_, i) => `/api/v1/assets/${i}`));
    expect(calls.filter(isRefresh)).toHaveLength(1);
    const api = calls.filter((c) => !isRefresh(c));
    expect(api).toHaveLength(2 * N);
    expect(api.filter((c) => c.headers.authorization === 'Bearer new')).toHaveLength(N);
    expect(client.accessToken).toBe('new');
  });

  it('does not refresh again for a 401 that arrives after the shared refresh finished', async () => {
    let slowFirst = true;
    const { client, calls } = signedIn(async (call) => {
      if (isRefresh(call)) return json(200, authResult('new'));
      if (call.url.endsWith('/slow') && call.headers.authorization === 'Bearer old' && slowFirst) {
        slowFirst = false;
        await delay(60); // answers long after the refresh below completed
        return envelopeError(401, 'auth_unauthorized', 'Authentication is required.');
      }
      if (call.headers.authorization === 'Bearer old') return envelopeError(401, 'auth_unauthorized', 'Authentication is required.');
      return json(200, { data: 'ok' });
    });
    const [a, b] = await Promise.all([client.get('/slow'), client.get('/fast')]);
    expect([a, b]).toEqual(['ok', 'ok']);
    expect(calls.filter(isRefresh)).toHaveLength(1);
  });

  it('sends the refresh with the session header, an empty JSON body and same-origin cookies', async () => {
    const { client, calls } = signedIn((call) => {
      if (isRefresh(call)) return json(200, authResult('new'));
      return call.headers.authorization === 'Bearer new' ? json(200, { data: 1 }) : envelopeError(401, 'auth_unauthorized', 'x');
    });
    await client.get('/auth/me');
    const r = calls.find(isRefresh)!;
    expect(r.method).toBe('POST');
    expect(r.headers[SESSION_HEADER.toLowerCase()]).toBe('cookie');
    expect(r.body).toBe('{}');
    expect(r.credentials).toBe('same-origin');
    expect(r.headers.authorization).toBeUndefined();
  });

  it('goes to sign-in (onAuthLost) when the refresh is refused, once, and clears the session', async () => {
    const { client, calls } = signedIn(async (call) => {
      if (isRefresh(call)) {
        await delay(10);
        return envelopeError(401, 'auth_refresh_token_invalid', 'Refresh token is invalid.');
      }
      return envelopeError(401, 'auth_unauthorized', 'Authentication is required.');
    });
    const lost = vi.fn();
    client.onAuthLost = lost;
    const results = await Promise.allSettled([client.get('/users'), client.get('/assets'), client.get('/audit-log')]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as ApiError;
      expect(err).toBeInstanceOf(ApiError);
      expect(err.code).toBe('auth_unauthorized');
      expect(err.status).toBe(401);
    }
    expect(calls.filter(isRefresh)).toHaveLength(1);
    expect(lost).toHaveBeenCalled();
    expect(client.user).toBeNull();
  });

  it('goes to sign-in when the retried request is still 401', async () => {
    const { client, calls } = signedIn((call) => (isRefresh(call) ? json(200, authResult('new')) : envelopeError(401, 'auth_unauthorized', 'nope')));
    const lost = vi.fn();
    client.onAuthLost = lost;
    await expect(client.get('/users')).rejects.toMatchObject({ code: 'auth_unauthorized', status: 401 });
    expect(calls.filter(isRefresh)).toHaveLength(1);
    expect(calls.filter((c) => !isRefresh(c))).toHaveLength(2);
    expect(lost).toHaveBeenCalledTimes(1);
  });

  it('keeps the session when the refresh fails for network reasons', async () => {
    const { client } = signedIn((call) => {
      if (isRefresh(call)) throw new TypeError('Failed to fetch');
      return envelopeError(401, 'auth_unauthorized', 'x');
    });
    const lost = vi.fn();
    client.onAuthLost = lost;
    await expect(client.get('/users')).rejects.toMatchObject({ code: 'network_error', status: 0 });
    expect(lost).not.toHaveBeenCalled();
    expect(client.accessToken).toBe('old');
  });

  it('refreshes before the request when the access token is about to expire', async () => {
    const { client, calls } = signedIn(
      (call) => (isRefresh(call) ? json(200, authResult('new')) : json(200, { data: call.headers.authorization })),
      { expiresInMs: 1000 },
    );
    const results = await Promise.all([client.get('/a'), client.get('/b'), client.get('/c')]);
    expect(results).toEqual(['Bearer new', 'Bearer new', 'Bearer new']);
    expect(calls.filter(isRefresh)).toHaveLength(1);
    expect(calls.filter((c) => !isRefresh(c))).toHaveLength(3);
  });

  it('restore() performs one refresh and reports no user when the cookie is refused', async () => {
    const ff = fakeFetch(() => envelopeError(401, 'auth_refresh_token_invalid', 'Refresh token is invalid.'));
    const client = new ApiClient({ fetch: ff.fetch });
    await expect(client.restore()).resolves.toBeNull();
    expect(ff.calls).toHaveLength(1);
  });

  it('a refused page-load refresh does not undo a sign-in that finished meanwhile', async () => {
    const ff = fakeFetch(async (call) => {
      if (isRefresh(call)) {
        await delay(30);
        return envelopeError(401, 'auth_refresh_token_invalid', 'Refresh token is invalid.');
      }
      if (isLogin(call)) return json(200, authResult('logged-in'));
      return json(200, { data: call.headers.authorization });
    });
    const client = new ApiClient({ fetch: ff.fetch });
    const restoring = client.restore();
    await client.login('root', 'pw-12345678');
    await restoring;
    expect(client.accessToken).toBe('logged-in');
    expect(await client.get('/auth/me')).toBe('Bearer logged-in');
  });

  it('restore() asks nothing of the server in a browser that never signed in', async () => {
    let stored = false;
    const hint = { get: () => stored, set: (value: boolean) => { stored = value; } };
    const ff = fakeFetch(async (call) => {
      if (isLogin(call)) return json(200, authResult('logged-in'));
      if (isRefresh(call)) return envelopeError(401, 'auth_refresh_token_invalid', 'No session.');
      return json(200, { data: null });
    });
    const visitor = new ApiClient({ fetch: ff.fetch, sessionHint: hint });
    await expect(visitor.restore()).resolves.toBeNull();
    expect(ff.calls).toHaveLength(0);
    await visitor.login('root', 'pw-12345678');
    expect(stored).toBe(true);
    // Another page load of the same browser: the hint says to try, the server refuses, and the
    // hint is cleared so the next load asks nothing again.
    const later = new ApiClient({ fetch: ff.fetch, sessionHint: hint });
    await expect(later.restore()).resolves.toBeNull();
    expect(ff.calls.filter(isRefresh)).toHaveLength(1);
    expect(stored).toBe(false);
  });

  it('restore() adopts the session from the cookie', async () => {
    const ff = fakeFetch(() => json(200, authResult('fresh')));
    const client = new ApiClient({ fetch: ff.fetch });
    const seen: (string | null)[] = [];
    client.subscribe((s) => seen.push(s?.accessToken ?? null));
    const user = await client.restore();
    expect(user?.username).toBe('root');
    expect(client.accessToken).toBe('fresh');
    expect(seen).toEqual(['fresh']);
  });

  it('serialises refreshes through the cross-tab lock when one is given', async () => {
    const names: string[] = [];
    const ff = fakeFetch(() => json(200, authResult('locked')));
    const client = new ApiClient({
      fetch: ff.fetch,
      lock: async (name, fn) => {
        names.push(name);
        return fn();
      },
    });
    await Promise.all([client.refresh(), client.refresh()]);
    expect(names).toEqual(['nekohub-auth-refresh']);
    expect(ff.calls).toHaveLength(1);
  });
});

describe('login and logout', () => {
  it('logs in with the cookie-session header and keeps the access token in memory', async () => {
    const ff = fakeFetch((call) => {
      if (isLogin(call)) return json(200, authResult('tok'));
      return json(200, { data: call.headers.authorization });
    });
    const client = new ApiClient({ fetch: ff.fetch });
    const user = await client.login('root', 'secret-pass');
    expect(user.username).toBe('root');
    const login = ff.calls[0];
    expect(login.headers[SESSION_HEADER.toLowerCase()]).toBe('cookie');
    expect(JSON.parse(login.body!)).toEqual({ username: 'root', password: 'secret-pass' });
    expect(await client.get('/auth/me')).toBe('Bearer tok');
  });

  it('maps login failures, including 429 with Retry-After', async () => {
    const ff = fakeFetch(() => envelopeError(429, 'auth_too_many_attempts', 'Too many attempts.', { 'Retry-After': '42' }));
    const client = new ApiClient({ fetch: ff.fetch });
    const err = (await client.login('a', 'b').catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('auth_too_many_attempts');
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBe(42);
    expect(client.user).toBeNull();
  });

  it('a failed login does not try to refresh', async () => {
    const ff = fakeFetch(() => envelopeError(401, 'auth_invalid_credentials', 'Invalid username or password.'));
    const client = new ApiClient({ fetch: ff.fetch });
    await expect(client.login('a', 'b')).rejects.toMatchObject({ code: 'auth_invalid_credentials', message: 'Invalid username or password.' });
    expect(ff.calls).toHaveLength(1);
  });

  it('logout sends bearer, session header and {} and clears the session even if the call fails', async () => {
    const { client, calls } = signedIn(() => {
      throw new TypeError('offline');
    });
    await client.logout();
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('/api/v1/auth/logout');
    expect(calls[0].headers.authorization).toBe('Bearer old');
    expect(calls[0].headers[SESSION_HEADER.toLowerCase()]).toBe('cookie');
    expect(calls[0].body).toBe('{}');
    expect(client.user).toBeNull();
  });
});

describe('error mapping', () => {
  it('maps the error envelope into a typed ApiError', async () => {
    const { client } = signedIn(() => envelopeError(404, 'asset_not_found', "Asset 'x' was not found."));
    const err = (await client.get('/assets/x').catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('asset_not_found');
    expect(err.message).toBe("Asset 'x' was not found.");
    expect(err.status).toBe(404);
    expect(err.traceId).toBe('trace-asset_not_found');
    expect(err.isNetworkError).toBe(false);
  });

  it('maps a 403 permission denial envelope', async () => {
    const { client } = signedIn(() => envelopeError(403, 'auth_forbidden', 'You do not have permission.'));
    await expect(client.get('/users')).rejects.toMatchObject({ code: 'auth_forbidden', status: 403, message: 'You do not have permission.' });
  });

  it('falls back to http_<status> for bodies that are not the envelope', async () => {
    const { client } = signedIn(() => new Response('', { status: 405, statusText: 'Method Not Allowed' }));
    await expect(client.get('/x')).rejects.toMatchObject({ code: 'http_405', status: 405, message: 'HTTP 405 Method Not Allowed' });
    expect(errorFromBody(500, '', '<html>oops</html>', null)).toMatchObject({ code: 'http_500', status: 500 });
    expect(errorFromBody(415, '', JSON.stringify({ title: 'Unsupported Media Type', status: 415 }), null).message).toBe('Unsupported Media Type');
  });

  it('maps a network failure to network_error with status 0', async () => {
    const { client } = signedIn(() => {
      throw new TypeError('Failed to fetch');
    });
    const err = (await client.get('/assets').catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('network_error');
    expect(err.status).toBe(0);
    expect(err.isNetworkError).toBe(true);
  });

  it('maps a hung request to a timeout', async () => {
    const ff = fakeFetch(
      (_call, signal) =>
        new Promise<Response>((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const client = new ApiClient({ fetch: ff.fetch, timeoutMs: 20 });
    await expect(client.request('/system/bootstrap', { auth: false })).rejects.toMatchObject({ code: 'timeout', status: 0 });
  });

  it("rethrows the caller's own abort untouched", async () => {
    const ff = fakeFetch(
      (_call, signal) =>
        new Promise<Response>((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const client = new ApiClient({ fetch: ff.fetch });
    const controller = new AbortController();
    const p = client.request('/x', { auth: false, signal: controller.signal });
    controller.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

describe('envelopes and bodies', () => {
  it('unwraps data, returns undefined for 204 and sends JSON bodies', async () => {
    const { client, calls } = signedIn((call) => {
      if (call.url.endsWith('/batch-delete')) return json(200, { data: { requestedCount: 2, deletedCount: 1, notFoundIds: ['b'] } });
      if (call.url.includes('/reset-password')) return new Response(null, { status: 204 });
      return json(200, { data: [] });
    });
    const e = endpoints(client);
    await expect(e.batchDelete(['a', 'b'])).resolves.toEqual({ requestedCount: 2, deletedCount: 1, notFoundIds: ['b'] });
    expect(JSON.parse(calls[0].body!)).toEqual(['a', 'b']); // a bare array, not {ids}
    expect(calls[0].headers['content-type']).toBe('application/json');
    await expect(e.resetPassword('u 1', 'longenough')).resolves.toBeUndefined();
    expect(calls[1].url).toBe('/api/v1/users/u%201/reset-password');
    await expect(e.listUsers()).resolves.toEqual([]);
  });

  it('builds list queries without empty values', async () => {
    const { client, calls } = signedIn(() => json(200, { data: { items: [], page: 1, pageSize: 20, total: 0 } }));
    await endpoints(client).listAssets({ page: 2, pageSize: 20, query: undefined, isPublic: false, orderBy: 'size' });
    expect(calls[0].url).toBe('/api/v1/assets?page=2&pageSize=20&isPublic=false&orderBy=size');
  });

  it('anonymous gallery calls never send a token nor refresh', async () => {
    const { client, calls } = signedIn(() => envelopeError(404, 'asset_not_found', 'gone'));
    await expect(endpoints(client).publicAsset('abc')).rejects.toMatchObject({ status: 404 });
    expect(calls).toHaveLength(1);
    expect(calls[0].headers.authorization).toBeUndefined();
  });
});
