// Helpers shared by the asset pages and the gallery.

import type { AssetDetail, AssetPatch } from '../api/types';

export const ASSET_PAGE_SIZES = [10, 20, 50, 100] as const;
export const SORTS = {
  newest: { orderBy: 'createdAt', orderDirection: 'desc' },
  oldest: { orderBy: 'createdAt', orderDirection: 'asc' },
  largest: { orderBy: 'size', orderDirection: 'desc' },
  smallest: { orderBy: 'size', orderDirection: 'asc' },
} as const;
export type SortKey = keyof typeof SORTS;
export const CONTENT_TYPES = ['image/*', 'image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export const STATUSES = ['pending', 'ready', 'failed'] as const;

export interface AssetListState {
  page: number;
  pageSize: number;
  query: string;
  contentType: string;
  status: string;
  visibility: '' | 'public' | 'private';
  sort: SortKey;
  view: 'grid' | 'table';
}

export const ASSET_LIST_DEFAULTS: AssetListState = {
  page: 1,
  pageSize: 20,
  query: '',
  contentType: '',
  status: '',
  visibility: '',
  sort: 'newest',
  view: 'grid',
};

function posInt(v: string | null, def: number): number {
  const n = v ? parseInt(v, 10) : NaN;
  return Number.isFinite(n) && n >= 1 ? n : def;
}

/** URL query of /assets → list state (unknown values fall back to defaults). */
export function parseAssetListState(search: string): AssetListState {
  const q = new URLSearchParams(search);
  const pageSize = posInt(q.get('pageSize'), ASSET_LIST_DEFAULTS.pageSize);
  const sort = q.get('sort') as SortKey | null;
  const visibility = q.get('visibility');
  const view = q.get('view');
  return {
    page: posInt(q.get('page'), 1),
    pageSize: (ASSET_PAGE_SIZES as readonly number[]).includes(pageSize) ? pageSize : ASSET_LIST_DEFAULTS.pageSize,
    query: q.get('query') ?? '',
    contentType: q.get('contentType') ?? '',
    status: q.get('status') ?? '',
    visibility: visibility === 'public' || visibility === 'private' ? visibility : '',
    sort: sort && sort in SORTS ? sort : 'newest',
    view: view === 'table' ? 'table' : 'grid',
  };
}

/** List state → URL (defaults omitted). */
export function assetListUrl(state: AssetListState): string {
  const params = new URLSearchParams();
  const d = ASSET_LIST_DEFAULTS;
  (Object.keys(d) as (keyof AssetListState)[]).forEach((k) => {
    const v = state[k];
    if (v !== '' && String(v) !== String(d[k])) params.set(k, String(v));
  });
  const s = params.toString();
  return s ? `/assets?${s}` : '/assets';
}

/** List state → query of GET /api/v1/assets. */
export function assetListApiQuery(state: AssetListState): Record<string, string | number | boolean | undefined> {
  const sort = SORTS[state.sort];
  return {
    page: state.page,
    pageSize: state.pageSize,
    query: state.query.trim() || undefined,
    contentType: state.contentType || undefined,
    status: state.status || undefined,
    isPublic: state.visibility === 'public' ? true : state.visibility === 'private' ? false : undefined,
    orderBy: sort.orderBy,
    orderDirection: sort.orderDirection,
  };
}

export function displayName(asset: { originalFileName?: string | null; altText?: string | null; description?: string | null }, untitled: string): string {
  return asset.originalFileName || asset.altText || asset.description || untitled;
}

/** Only the fields that differ from the asset (cleared text → null). */
export function metadataPatch(
  asset: Pick<AssetDetail, 'originalFileName' | 'description' | 'altText'>,
  form: { originalFileName: string; description: string; altText: string },
): AssetPatch {
  const patch: AssetPatch = {};
  const name = form.originalFileName.trim();
  if (name !== (asset.originalFileName ?? '')) patch.originalFileName = name;
  if (form.description !== (asset.description ?? '')) patch.description = form.description === '' ? null : form.description;
  if (form.altText !== (asset.altText ?? '')) patch.altText = form.altText === '' ? null : form.altText;
  return patch;
}
