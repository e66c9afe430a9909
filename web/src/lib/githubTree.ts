// The GitHub repository browser's state: directories listed lazily (one browse call per
// directory, when it is first opened), each listing paged ("load more" asks for the next page
// and appends it), and the flat order of the visible rows that keyboard navigation follows.
// Also the query of a filtered search (type / keyword over a recursive listing). Pure: the
// component (pages/StorageBrowse.tsx) holds a TreeState and calls the API.

import type { GithubBrowseItem, GithubBrowseResult } from '../api/types';

export interface DirListing {
  status: 'loading' | 'loaded' | 'error';
  items: GithubBrowseItem[];
  /** The last page merged into items (0 before the first). */
  page: number;
  /** The page a request is out for (null when none). */
  pending: number | null;
  total: number;
  hasMore: boolean;
  error: unknown;
}

export interface TreeState {
  /** Listings by directory path relative to the profile's basePath ('' = its root). */
  dirs: Record<string, DirListing>;
  expanded: Record<string, boolean>;
}

export const ROOT = '';
export const DEFAULT_PAGE_SIZE = 50;
export const PAGE_SIZES = [20, 50, 100, 200] as const;

export function initialTree(): TreeState {
  return { dirs: {}, expanded: { [ROOT]: true } };
}

function emptyListing(): DirListing {
  return { status: 'loading', items: [], page: 0, pending: null, total: 0, hasMore: false, error: null };
}

/** The page to ask for: 1 for a fresh listing, the next one for "load more". */
export function nextPage(state: TreeState, path: string, more: boolean): number {
  const d = state.dirs[path];
  return more && d ? d.page + 1 : 1;
}

/** Marks a request for `page` of `path` as out. A fresh listing (page 1) drops what was there. */
export function beginLoad(state: TreeState, path: string, page: number): TreeState {
  const prev = state.dirs[path];
  const listing: DirListing =
    page <= 1 || !prev ? { ...emptyListing(), pending: page } : { ...prev, pending: page, error: null };
  return { ...state, dirs: { ...state.dirs, [path]: listing } };
}

/**
 * Merges a page. A page that is not the one asked for (a stale answer after a reload or a
 * newer request) is ignored; page 1 replaces the items, later pages append the entries not
 * already listed (an entry added upstream between two pages shifts the window by one).
 */
export function receivePage(state: TreeState, path: string, result: Pick<GithubBrowseResult, 'page' | 'items' | 'total' | 'hasMore'>): TreeState {
  const prev = state.dirs[path];
  if (!prev || prev.pending !== result.page) return state;
  const base = result.page <= 1 ? [] : prev.items;
  const seen = new Set(base.map((i) => i.path));
  const items = [...base, ...result.items.filter((i) => !seen.has(i.path))];
  const listing: DirListing = {
    status: 'loaded',
    items,
    page: result.page,
    pending: null,
    total: result.total,
    hasMore: result.hasMore,
    error: null,
  };
  return { ...state, dirs: { ...state.dirs, [path]: listing } };
}

/** A failed request: a first page shows the error in place of the listing; a later page keeps
 * what is listed and reports the error next to "load more". */
export function receiveError(state: TreeState, path: string, page: number, error: unknown): TreeState {
  const prev = state.dirs[path];
  if (!prev || prev.pending !== page) return state;
  const listing: DirListing = page <= 1 ? { ...prev, status: 'error', pending: null, error } : { ...prev, pending: null, error };
  return { ...state, dirs: { ...state.dirs, [path]: listing } };
}

/** Opens or closes a directory. `load` says whether it has never been listed (so list it now). */
export function toggle(state: TreeState, path: string, open?: boolean): { state: TreeState; load: boolean } {
  const next = open ?? !state.expanded[path];
  const s = { ...state, expanded: { ...state.expanded, [path]: next } };
  const d = state.dirs[path];
  return { state: s, load: next && (!d || (d.status === 'error' && d.pending === null)) };
}

export type Row =
  | { kind: 'item'; key: string; item: GithubBrowseItem; depth: number; parent: string; expanded: boolean; setSize: number; posInSet: number }
  | { kind: 'more'; key: string; path: string; depth: number; loading: boolean; remaining: number };

/** The visible rows in display order (depth-first), with "load more" rows where pages remain. */
export function visibleRows(state: TreeState, path: string = ROOT, depth = 1): Row[] {
  const d = state.dirs[path];
  if (!d || !state.expanded[path]) return [];
  const rows: Row[] = [];
  const size = d.items.length + (d.hasMore ? 1 : 0);
  d.items.forEach((item, i) => {
    const expanded = item.type === 'dir' && !!state.expanded[item.path];
    rows.push({ kind: 'item', key: `i:${item.path}`, item, depth, parent: path, expanded, setSize: size, posInSet: i + 1 });
    if (expanded) rows.push(...visibleRows(state, item.path, depth + 1));
  });
  if (d.hasMore) rows.push({ kind: 'more', key: `m:${path}`, path, depth, loading: d.pending !== null, remaining: Math.max(0, d.total - d.items.length) });
  return rows;
}

/** Row index after a key press (ArrowUp/Down, Home, End); null when the key does not move. */
export function moveFocus(rows: readonly Row[], current: number, key: string): number | null {
  if (!rows.length) return null;
  switch (key) {
    case 'ArrowDown':
      return Math.min(rows.length - 1, current + 1);
    case 'ArrowUp':
      return Math.max(0, current - 1);
    case 'Home':
      return 0;
    case 'End':
      return rows.length - 1;
    default:
      return null;
  }
}

/** The index of the row of the directory `path` (for ArrowLeft: back to the parent). */
export function rowIndexOf(rows: readonly Row[], path: string): number {
  return rows.findIndex((r) => r.kind === 'item' && r.item.path === path);
}

// ---- filtered search ----------------------------------------------------------------------------

export type EntryType = 'all' | 'file' | 'dir';

export interface SearchFilters {
  type: EntryType;
  keyword: string;
  maxDepth: number;
  pageSize: number;
}

/** Filters turn the tree into a flat search over a recursive listing (a type filter would hide
 * the directories a tree needs to descend). */
export function isSearch(f: Pick<SearchFilters, 'type' | 'keyword'>): boolean {
  return f.type !== 'all' || f.keyword.trim() !== '';
}

/** The browse query for a listing: a tree level (not recursive) or the filtered search. */
export function browseQuery(path: string, page: number, f: SearchFilters): Record<string, string | number | boolean> {
  const q: Record<string, string | number | boolean> = { page, pageSize: f.pageSize };
  if (path) q.path = path;
  if (isSearch(f)) {
    q.recursive = true;
    q.maxDepth = Math.max(1, Math.floor(f.maxDepth) || 1);
    q.type = f.type;
    if (f.keyword.trim()) q.keyword = f.keyword.trim();
  }
  return q;
}

/** Parent directory of a relative path ('' at the top). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The target path of an upload into a folder: `folder/fileName` (or the name at the top). */
export function joinPath(folder: string, name: string): string {
  const f = folder.replace(/\/+$/, '');
  return f ? `${f}/${name}` : name;
}
