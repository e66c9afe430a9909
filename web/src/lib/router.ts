// A tiny history router: location store, navigation, route matching, URL query helpers.

import { createStore, useStore } from './store';

export interface Loc {
  path: string;
  search: string;
}

function readLocation(): Loc {
  if (typeof window === 'undefined') return { path: '/', search: '' };
  return { path: window.location.pathname, search: window.location.search };
}

export const locationStore = createStore<Loc>(readLocation());

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => locationStore.set(readLocation()));
}

/**
 * A page with unsaved work can hold in-app navigation: the guard gets the navigation to carry
 * out later (after a confirmation) and returns true when it took over. Replacing navigations
 * (redirects, sign-out) are never held.
 */
export type LeaveGuard = (proceed: () => void) => boolean;

let leaveGuard: LeaveGuard | null = null;

/** Installs the guard; returns its removal. */
export function setLeaveGuard(guard: LeaveGuard): () => void {
  leaveGuard = guard;
  return () => {
    if (leaveGuard === guard) leaveGuard = null;
  };
}

export function navigate(to: string, options: { replace?: boolean; force?: boolean } = {}): void {
  const current = window.location.pathname + window.location.search;
  if (to === current) return;
  if (leaveGuard && !options.replace && !options.force && leaveGuard(() => navigate(to, { ...options, force: true }))) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  locationStore.set(readLocation());
  if (!options.replace) window.scrollTo(0, 0);
}

export function useLocation(): Loc {
  return useStore(locationStore);
}

export function currentPathWithSearch(): string {
  const l = locationStore.get();
  return l.path + l.search;
}

/** Matches `/assets/:id` style patterns; returns the params or null. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const norm = (s: string) => (s.length > 1 ? s.replace(/\/+$/, '') : s);
  const p = norm(pattern).split('/');
  const a = norm(path).split('/');
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      if (!a[i]) return null;
      try {
        params[p[i].slice(1)] = decodeURIComponent(a[i]);
      } catch {
        return null;
      }
    } else if (p[i] !== a[i]) return null;
  }
  return params;
}

/**
 * Only same-origin paths are accepted as a post-login destination (no `//host`, no `/\host`,
 * no scheme), so `next` cannot be used as an open redirect.
 */
export function safeNext(next: string | null | undefined): string | null {
  if (!next) return null;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  if (/[\u0000-\u001f]/.test(next)) return null;
  if (next === '/login' || next.startsWith('/login?')) return null;
  return next;
}

export function loginPathFor(next: string): string {
  const safe = safeNext(next);
  return safe && safe !== '/' ? `/login?next=${encodeURIComponent(safe)}` : '/login';
}

export function useQuery(): URLSearchParams {
  const loc = useLocation();
  return new URLSearchParams(loc.search);
}

/** Builds `path?query` dropping empty values and values equal to their defaults. */
export function withQuery(path: string, values: Record<string, string | number | null | undefined>, defaults: Record<string, string | number> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === null || v === '') continue;
    if (defaults[k] !== undefined && String(defaults[k]) === String(v)) continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** Reads a positive integer query value, falling back to `def`. */
export function intParam(q: URLSearchParams, name: string, def: number, allowed?: readonly number[]): number {
  const raw = q.get(name);
  const n = raw ? parseInt(raw, 10) : NaN;
  if (!Number.isFinite(n) || n < 1) return def;
  if (allowed && !allowed.includes(n)) return def;
  return n;
}
