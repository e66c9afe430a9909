// The NekoHub API client: JSON envelopes, typed errors, and the console session.
//
// Session model (see the brief): the refresh token lives in an HttpOnly cookie set by the
// server when the console sends `X-NekoHub-Session: cookie`; the access token is kept in
// memory only (this object), never in localStorage. One refresh at a time is shared by all
// concurrent callers; a request answered 401 refreshes once and is retried once.

import type { AuthResult, User } from './types';

export const SESSION_HEADER = 'X-NekoHub-Session';
export const SESSION_MODE = 'cookie';
export const API_PREFIX = '/api/v1';

export interface ApiErrorInit {
  code: string;
  message: string;
  status: number;
  traceId?: string | null;
  retryAfterSeconds?: number | null;
}

/** Every failure of the client surfaces as an ApiError (except a caller's own abort). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly traceId: string | null;
  /** Seconds to wait, from a `Retry-After` header (429), or null. */
  readonly retryAfterSeconds: number | null;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = 'ApiError';
    this.code = init.code;
    this.status = init.status;
    this.traceId = init.traceId ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }

  get isNetworkError(): boolean {
    return this.code === NETWORK_ERROR || this.code === TIMEOUT_ERROR;
  }
}

export const NETWORK_ERROR = 'network_error';
export const TIMEOUT_ERROR = 'timeout';

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

export function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: string }).name === 'AbortError';
}

/** `Retry-After` is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return parseInt(trimmed, 10);
  const when = Date.parse(trimmed);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - now) / 1000));
}

/** Builds an ApiError from a failed response: the standard envelope when present. */
export function errorFromBody(status: number, statusText: string, bodyText: string, retryAfter: string | null): ApiError {
  let code = `http_${status}`;
  let message = `HTTP ${status}${statusText ? ' ' + statusText : ''}`;
  let traceId: string | null = null;
  let envelopeStatus = status;
  if (bodyText) {
    try {
      const parsed = JSON.parse(bodyText) as unknown;
      const err = (parsed as { error?: unknown })?.error;
      if (err && typeof err === 'object') {
        const e = err as { code?: unknown; message?: unknown; traceId?: unknown; status?: unknown };
        if (typeof e.code === 'string' && e.code) code = e.code;
        if (typeof e.message === 'string' && e.message) message = e.message;
        if (typeof e.traceId === 'string') traceId = e.traceId;
        if (typeof e.status === 'number') envelopeStatus = e.status;
      } else if (typeof err === 'string' && err) {
        message = err;
      } else if (parsed && typeof (parsed as { title?: unknown }).title === 'string') {
        // RFC 7807 problem details (e.g. 415 from the framework).
        message = (parsed as { title: string }).title;
      }
    } catch {
      // not JSON: keep the generic message
    }
  }
  return new ApiError({ code, message, status: envelopeStatus, traceId, retryAfterSeconds: parseRetryAfter(retryAfter) });
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    text = '';
  }
  return errorFromBody(res.status, res.statusText, text, res.headers.get('Retry-After'));
}

export function networkError(cause: unknown): ApiError {
  const detail = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
  return new ApiError({ code: NETWORK_ERROR, message: `Network error${detail}`, status: 0 });
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function buildQuery(query?: Query): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export interface RequestOptions {
  method?: string;
  /** JSON body (serialised) — or a FormData / Blob sent as is. */
  body?: unknown;
  query?: Query;
  /** Send the bearer token and handle 401 with refresh + retry (default true). */
  auth?: boolean;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /**
   * What to return on success: the envelope's `data` (default), nothing, the body as Blob, or
   * `{status, location, data}` (for calls answered 200 or 202 with a `Location`).
   */
  expect?: 'data' | 'none' | 'blob' | 'status';
  timeoutMs?: number;
}

/** A response read with `expect: 'status'`. */
export interface StatusResult<T> {
  status: number;
  location: string | null;
  data: T;
}

export interface Session {
  accessToken: string;
  /** epoch ms */
  expiresAt: number;
  user: User;
}

export type LockFn = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export interface ApiClientOptions {
  fetch?: typeof fetch;
  /** Origin prefix for API paths; empty = same origin. */
  baseUrl?: string;
  now?: () => number;
  timeoutMs?: number;
  /** Serialises refreshes across browser tabs (Web Locks); optional. */
  lock?: LockFn | null;
  /**
   * Remembers (not secret: just "1") that this browser had a session, so that a page load of a
   * visitor who never signed in does not ask the server to refresh a cookie it does not have.
   * Defaults to localStorage when available.
   */
  sessionHint?: SessionHint | null;
}

export interface SessionHint {
  get(): boolean;
  set(signedIn: boolean): void;
}

const HINT_KEY = 'nekohub.signedIn';

function localStorageHint(): SessionHint | null {
  try {
    const storage = globalThis.localStorage;
    if (!storage) return null;
    return {
      get: () => {
        try {
          return storage.getItem(HINT_KEY) === '1';
        } catch {
          return true;
        }
      },
      set: (signedIn) => {
        try {
          if (signedIn) storage.setItem(HINT_KEY, '1');
          else storage.removeItem(HINT_KEY);
        } catch {
          /* private mode: every page load then tries one refresh */
        }
      },
    };
  } catch {
    return null;
  }
}

type Listener = (session: Session | null) => void;

/** Refresh this many ms before the access token's expiry instead of waiting for a 401. */
const EXPIRY_MARGIN_MS = 15_000;

export class ApiClient {
  private readonly fetchImpl: typeof fetch;
  private readonly baseUrl: string;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly lock: LockFn | null;
  private readonly hint: SessionHint | null;
  private session: Session | null = null;
  private refreshInFlight: Promise<Session | null> | null = null;
  private readonly listeners = new Set<Listener>();
  /** Called when the session is gone for good (refresh refused after a 401). */
  onAuthLost: (() => void) | null = null;

  constructor(options: ApiClientOptions = {}) {
    const f = options.fetch ?? globalThis.fetch;
    this.fetchImpl = (input, init) => f(input, init);
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.now = options.now ?? (() => Date.now());
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.lock = options.lock ?? null;
    this.hint = options.sessionHint === undefined ? localStorageHint() : options.sessionHint;
  }

  get user(): User | null {
    return this.session?.user ?? null;
  }

  get accessToken(): string | null {
    return this.session?.accessToken ?? null;
  }

  get currentSession(): Session | null {
    return this.session;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  url(path: string, query?: Query): string {
    return `${this.baseUrl}${path}${buildQuery(query)}`;
  }

  /** Adopts a login/refresh result (or clears the session with null). */
  setSession(result: AuthResult | null): void {
    this.hint?.set(result !== null);
    if (!result) {
      this.session = null;
    } else {
      const parsed = Date.parse(result.accessTokenExpiresAtUtc);
      this.session = {
        accessToken: result.accessToken,
        expiresAt: Number.isNaN(parsed) ? this.now() + 10 * 60_000 : parsed,
        user: result.user,
      };
    }
    this.emit();
  }

  /** Replaces the cached user (after /auth/me). */
  setUser(user: User): void {
    if (!this.session) return;
    this.session = { ...this.session, user };
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l(this.session);
  }

  private async rawFetch(url: string, init: RequestInit, timeoutMs: number, signal?: AbortSignal): Promise<Response> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    if (signal) {
      if (signal.aborted) controller.abort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    try {
      return await this.fetchImpl(url, { ...init, signal: controller.signal });
    } catch (e) {
      if (timedOut) throw new ApiError({ code: TIMEOUT_ERROR, message: 'The request timed out.', status: 0 });
      if (signal?.aborted || isAbortError(e)) {
        if (signal?.aborted) throw e;
      }
      if (isApiError(e)) throw e;
      throw networkError(e);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Refreshes the access token from the session cookie. Concurrent callers share one request.
   * Resolves to the new session, or null when the server refused (no/expired/revoked cookie:
   * the local session is then cleared). Network and server failures reject with an ApiError and
   * leave the session as it is.
   */
  refresh(): Promise<Session | null> {
    if (this.refreshInFlight) return this.refreshInFlight;
    const run = async (): Promise<Session | null> => {
      const startToken = this.accessToken;
      const res = await this.rawFetch(
        this.url(`${API_PREFIX}/auth/refresh`),
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', [SESSION_HEADER]: SESSION_MODE },
          body: '{}',
          credentials: 'same-origin',
        },
        this.timeoutMs,
      );
      if (res.ok) {
        const json = (await res.json()) as { data: AuthResult };
        this.setSession(json.data);
        return this.session;
      }
      const err = await errorFromResponse(res);
      if (res.status === 400 || res.status === 401 || res.status === 403) {
        // A sign-in that completed while this refresh was in flight wins over the refusal.
        if (this.session && this.accessToken !== startToken) return this.session;
        if (this.session) this.setSession(null);
        else this.hint?.set(false);
        return null;
      }
      throw err;
    };
    const p = (this.lock ? this.lock('nekohub-auth-refresh', run) : run()).finally(() => {
      this.refreshInFlight = null;
    });
    this.refreshInFlight = p;
    return p;
  }

  /** On page load: one refresh attempt restores a session from the cookie. */
  async restore(): Promise<User | null> {
    if (this.hint && !this.hint.get()) return null; // never signed in here: nothing to restore
    try {
      const s = await this.refresh();
      return s?.user ?? null;
    } catch {
      return null;
    }
  }

  /** A usable access token: refreshed first when (nearly) expired. Null when signed out. */
  async validToken(): Promise<string | null> {
    if (this.refreshInFlight) {
      const s = await this.refreshInFlight.catch(() => this.session);
      return s?.accessToken ?? null;
    }
    if (!this.session) return null;
    if (this.session.expiresAt - EXPIRY_MARGIN_MS <= this.now()) {
      try {
        const s = await this.refresh();
        return s?.accessToken ?? null;
      } catch {
        return this.session?.accessToken ?? null;
      }
    }
    return this.session.accessToken;
  }

  /**
   * Called after a 401 on a request that carried `usedToken`. Shares one refresh across all
   * such callers: if a refresh already replaced the token since the request was sent, the
   * caller simply retries with the current one. Returns the token to retry with, or null.
   */
  async recoverFrom401(usedToken: string | null): Promise<string | null> {
    if (this.refreshInFlight) {
      const s = await this.refreshInFlight;
      return s?.accessToken ?? null;
    }
    if (this.session && this.session.accessToken !== usedToken) return this.session.accessToken;
    const s = await this.refresh();
    return s?.accessToken ?? null;
  }

  /** The session is gone: clear it and tell the app (which goes to /login?next=…). */
  authLost(): void {
    if (this.session) this.setSession(null);
    this.onAuthLost?.();
  }

  async request<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
    const { method = 'GET', body, query, auth = true, signal, expect = 'data' } = options;
    const url = this.url(path.startsWith('/api/') ? path : `${API_PREFIX}${path}`, query);
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    let payload: BodyInit | undefined;
    if (body !== undefined) {
      if (typeof FormData !== 'undefined' && body instanceof FormData) payload = body;
      else if (typeof Blob !== 'undefined' && body instanceof Blob) payload = body;
      else {
        payload = JSON.stringify(body);
        headers['Content-Type'] = 'application/json';
      }
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;

    const send = (token: string | null) =>
      this.rawFetch(
        url,
        {
          method,
          headers: token ? { ...headers, Authorization: `Bearer ${token}` } : headers,
          body: payload,
          credentials: 'same-origin',
        },
        timeoutMs,
        signal,
      );

    let token = auth ? await this.validToken() : null;
    let res = await send(token);
    if (res.status === 401 && auth) {
      let retryToken: string | null;
      try {
        retryToken = await this.recoverFrom401(token);
      } catch (e) {
        // The refresh itself failed (network/server): surface that, keep the session.
        throw e;
      }
      if (!retryToken) {
        const err = await errorFromResponse(res);
        this.authLost();
        throw err;
      }
      token = retryToken;
      res = await send(token);
      if (res.status === 401) {
        const err = await errorFromResponse(res);
        this.authLost();
        throw err;
      }
    }
    if (!res.ok) throw await errorFromResponse(res);
    if (expect === 'blob') return (await res.blob()) as T;
    if (expect === 'none' || res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return (expect === 'status' ? { status: res.status, location: res.headers.get('Location'), data: undefined } : undefined) as T;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError({ code: 'invalid_response', message: 'The server sent an invalid response.', status: res.status });
    }
    const data = json && typeof json === 'object' && 'data' in (json as object) ? (json as { data: unknown }).data : json;
    if (expect === 'status') return { status: res.status, location: res.headers.get('Location'), data } as T;
    return data as T;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>(path, { query, signal });
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>(path, { method: 'POST', body });
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>(path, { method: 'PATCH', body });
  }

  del<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>(path, { method: 'DELETE', body });
  }

  /** Console sign-in: the refresh token goes into an HttpOnly cookie. */
  async login(username: string, password: string): Promise<User> {
    const res = await this.rawFetch(
      this.url(`${API_PREFIX}/auth/login`),
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', [SESSION_HEADER]: SESSION_MODE },
        body: JSON.stringify({ username, password }),
        credentials: 'same-origin',
      },
      this.timeoutMs,
    );
    if (!res.ok) throw await errorFromResponse(res);
    const json = (await res.json()) as { data: AuthResult };
    this.setSession(json.data);
    return json.data.user;
  }

  /** Ends the server session (cookie cleared) and forgets the access token; never throws. */
  async logout(): Promise<void> {
    const token = this.accessToken;
    try {
      if (token) {
        await this.rawFetch(
          this.url(`${API_PREFIX}/auth/logout`),
          {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              Accept: 'application/json',
              Authorization: `Bearer ${token}`,
              [SESSION_HEADER]: SESSION_MODE,
            },
            body: '{}',
            credentials: 'same-origin',
          },
          this.timeoutMs,
        );
      }
    } catch {
      // ignore: the local session is cleared anyway
    } finally {
      this.setSession(null);
    }
  }

  /** Re-reads the signed-in user (permissions may have changed). */
  async reloadUser(): Promise<User> {
    const user = await this.get<User>('/auth/me');
    this.setUser(user);
    return user;
  }
}

function webLock(): LockFn | null {
  const locks = (globalThis as { navigator?: { locks?: { request: (name: string, cb: () => Promise<unknown>) => Promise<unknown> } } })
    .navigator?.locks;
  if (!locks || typeof locks.request !== 'function') return null;
  return <T>(name: string, fn: () => Promise<T>) => locks.request(name, fn) as Promise<T>;
}

/** The app-wide client (same origin). */
export const api = new ApiClient({ lock: webLock() });
