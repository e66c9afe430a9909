import { useEffect, useRef, useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { AssetListItem, BatchDeleteResult, StorageOverview } from '../api/types';
import {
  ASSET_PAGE_SIZES,
  assetListApiQuery,
  assetListUrl,
  CONTENT_TYPES,
  parseAssetListState,
  SORTS,
  STATUSES,
  type AssetListState,
  type SortKey,
} from '../lib/assets';
import { can } from '../lib/permissions';
import { isProcessing } from '../lib/processing';
import { usePoll } from '../lib/usePoll';
import { profileLabel } from '../lib/storage';
import { navigate, useLocation } from '../lib/router';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { formatBytes, formatDateTime, formatNumber, t, tn, type MessageKey } from '../i18n';
import { confirmDialog } from '../ui/confirm';
import { Link } from '../ui/Link';
import { Pager } from '../ui/Pager';
import { Empty, ErrorState, Loading } from '../ui/states';
import { Switch } from '../ui/Switch';
import { AssetThumb, ProcessingBadge } from '../ui/AssetImage';
import { toast } from '../ui/toast';
import { useTitle } from '../ui/useTitle';

export const assetName = (a: { originalFileName: string | null }) => a.originalFileName || t('assets.untitled');

export function dims(w: number | null, h: number | null): string {
  return w && h ? t('common.dimensions', { width: w, height: h }) : t('common.none');
}

/** `version` changes whenever the stored assets did (after a delete): the totals are re-read. */
function UsagePanel({ version }: { version: number }) {
  const stats = useAsync(() => API.usageStats(), [version]);
  return (
    <section class="card usage" aria-labelledby="usage-title" data-testid="usage-panel">
      <h2 id="usage-title">{t('usage.title')}</h2>
      {stats.loading && !stats.data ? (
        <Loading />
      ) : stats.error ? (
        <ErrorState error={stats.error} onRetry={stats.reload} />
      ) : stats.data ? (
        <dl class="stats">
          <div class="stat">
            <dt>{t('usage.totalAssets')}</dt>
            <dd data-testid="usage-total-assets">{formatNumber(stats.data.totalAssets)}</dd>
          </div>
          <div class="stat">
            <dt>{t('usage.totalBytes')}</dt>
            <dd data-testid="usage-total-bytes">{formatBytes(stats.data.totalBytes)}</dd>
          </div>
          <div class="stat">
            <dt>{t('usage.totalDerivatives')}</dt>
            <dd>{formatNumber(stats.data.totalDerivatives)}</dd>
          </div>
          <div class="stat">
            <dt>{t('usage.topTypes')}</dt>
            <dd>
              {stats.data.contentTypeBreakdown.length ? (
                <ul class="plain">
                  {stats.data.contentTypeBreakdown.slice(0, 3).map((c) => (
                    <li key={c.contentType}>
                      <code>{c.contentType}</code> {t('usage.typeLine', { count: formatNumber(c.count), size: formatBytes(c.totalBytes) })}
                    </li>
                  ))}
                </ul>
              ) : (
                t('usage.none')
              )}
            </dd>
          </div>
          <div class="stat">
            <dt>{t('usage.mostActiveSkill')}</dt>
            <dd>
              {stats.data.mostActiveSkill ? (
                <>
                  <code>{stats.data.mostActiveSkill.skillName}</code> <span class="runs">{tn('usage.runs', stats.data.mostActiveSkill.runCount)}</span>
                </>
              ) : (
                t('usage.none')
              )}
            </dd>
          </div>
        </dl>
      ) : null}
    </section>
  );
}

export function AssetsPage() {
  useTitle(t('assets.title'));
  const { user } = useSession();
  const loc = useLocation();
  const state = parseAssetListState(loc.search);
  const [queryDraft, setQueryDraft] = useState(state.query);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState<Set<string>>(new Set());
  const [result, setResult] = useState<BatchDeleteResult | null>(null);
  const [usageVersion, setUsageVersion] = useState(0);
  const canDelete = can(user, 'assets.delete');
  const canUpdate = can(user, 'assets.update');

  useEffect(() => setQueryDraft(state.query), [state.query]);

  const go = (patch: Partial<AssetListState>, replace = false) => {
    const resetPage = Object.keys(patch).some((k) => k !== 'page' && k !== 'view');
    navigate(assetListUrl({ ...state, ...(resetPage ? { page: 1 } : {}), ...patch }), { replace });
  };

  const apiKey = JSON.stringify(assetListApiQuery(state));
  const list = useAsync((signal) => API.listAssets(assetListApiQuery(state), signal), [apiKey]);
  useEffect(() => setSelected(new Set()), [apiKey]);
  // Storage without the visibility capability (e.g. GitHub) refuses a visibility change: the
  // switch says so up front for holders of providers.read (the profiles come from the overview).
  const readsProfiles = can(user, 'providers.read') && !!list.data?.items.some((a) => a.storageProviderProfileId);
  const storage = useAsync<StorageOverview | null>((signal) => (readsProfiles ? API.storageOverview(signal) : Promise.resolve(null)), [readsProfiles]);
  const visibilityFixedBy = (a: AssetListItem) => {
    const p = a.storageProviderProfileId ? storage.data?.profiles.find((x) => x.id === a.storageProviderProfileId) : undefined;
    return p && p.capabilities?.supportsVisibilityToggle === false ? p : null;
  };

  // Refresh by itself while anything on the page is still being processed.
  const pending = list.data?.items.some((a) => a.status === 'pending');
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(list.reload, 5000);
    return () => clearTimeout(timer);
  }, [pending, list.data]);
  // Thumbnails fill in by themselves: while any card's processing is queued or running, the
  // page is re-read quietly (growing delays), and polling stops once every card is idle or failed.
  const processing = !!list.data?.items.some((a) => isProcessing(a.processing));
  const currentKey = useRef(apiKey);
  currentKey.current = apiKey;
  usePoll(processing, async () => {
    const key = apiKey;
    const fresh = await API.listAssets(assetListApiQuery(state));
    if (currentKey.current === key) list.setData(() => fresh);
  }, { resetKey: apiKey });

  const items = list.data?.items ?? [];
  const allSelected = items.length > 0 && items.every((a) => selected.has(a.id));

  const toggleSelect = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };

  const setVisibility = async (a: AssetListItem, isPublic: boolean) => {
    setBusy((b) => new Set(b).add(a.id));
    try {
      const updated = await API.patchAsset(a.id, { isPublic });
      list.setData((d) =>
        d && { ...d, items: d.items.map((x) => (x.id === a.id ? { ...x, isPublic: updated.isPublic, publicUrl: updated.publicUrl } : x)) },
      );
      toast.success(t(updated.isPublic ? 'assets.nowPublic' : 'assets.nowPrivate', { name: assetName(a) }));
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy((b) => {
        const n = new Set(b);
        n.delete(a.id);
        return n;
      });
    }
  };

  const batchDelete = async () => {
    const ids = [...selected];
    if (!ids.length) return;
    const ok = await confirmDialog({
      title: tn('assets.batchConfirmTitle', ids.length),
      body: t('assets.batchConfirmBody'),
      confirmLabel: t('common.delete'),
      danger: true,
    });
    if (!ok) return;
    setBusy(new Set(ids));
    try {
      const res = await API.batchDelete(ids);
      setResult(res);
      toast.success(t('assets.batchResult', { deleted: res.deletedCount, requested: res.requestedCount }));
      setSelected(new Set());
      list.reload();
    } catch (err) {
      toast.error(err);
      list.reload();
    } finally {
      setBusy(new Set());
      // Some or all of the selection is gone (an aborted batch may still have deleted a part).
      setUsageVersion((v) => v + 1);
    }
  };

  const filtered = !!(state.query || state.contentType || state.status || state.visibility);

  const visibilitySwitch = (a: AssetListItem) => {
    const fixedBy = visibilityFixedBy(a);
    return (
      <Switch
        checked={a.isPublic}
        onChange={(v) => setVisibility(a, v)}
        label={t('assets.publicToggle', { name: assetName(a) })}
        text={a.isPublic ? t('assets.vis.public') : t('assets.vis.private')}
        disabled={!canUpdate || !!fixedBy}
        busy={busy.has(a.id)}
        reason={!canUpdate ? t('assets.needUpdate', { permission: 'assets.update' }) : fixedBy ? t('asset.visibilityFixed', { name: profileLabel(fixedBy) }) : null}
        testid="asset-visibility-toggle"
      />
    );
  };

  const selectBox = (a: AssetListItem) =>
    canDelete && (
      <input
        type="checkbox"
        class="select-box"
        checked={selected.has(a.id)}
        onChange={(e) => toggleSelect(a.id, (e.target as HTMLInputElement).checked)}
        aria-label={t('assets.select', { name: assetName(a) })}
        data-testid="asset-select"
      />
    );

  return (
    <section class="stack">
      <div class="page-head">
        <h1 id="assets-title">{t('assets.title')}</h1>
        {can(user, 'assets.create') && (
          <Link href="/assets/upload" class="btn btn-primary" data-testid="assets-upload-link">
            {t('assets.upload')}
          </Link>
        )}
      </div>

      <UsagePanel version={usageVersion} />

      <div class="toolbar" role="search" aria-label={t('assets.filters')}>
        <form
          class="field search-field"
          onSubmit={(e) => {
            e.preventDefault();
            go({ query: queryDraft.trim() });
          }}
        >
          <label for="assets-search">{t('assets.search')}</label>
          <div class="input-group">
            <input
              id="assets-search"
              type="search"
              placeholder={t('assets.searchPlaceholder')}
              value={queryDraft}
              onInput={(e) => setQueryDraft((e.target as HTMLInputElement).value)}
              data-testid="assets-search"
            />
            <button type="submit" class="btn" data-testid="assets-search-submit">
              {t('common.search')}
            </button>
          </div>
        </form>
        <div class="field">
          <label for="assets-ct">{t('assets.contentType')}</label>
          <select id="assets-ct" value={state.contentType} onChange={(e) => go({ contentType: (e.target as HTMLSelectElement).value })} data-testid="assets-filter-content-type">
            <option value="">{t('assets.ct.all')}</option>
            {CONTENT_TYPES.map((c) => (
              <option key={c} value={c}>
                {c === 'image/*' ? t('assets.ct.image') : c}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="assets-status">{t('assets.status')}</label>
          <select id="assets-status" value={state.status} onChange={(e) => go({ status: (e.target as HTMLSelectElement).value })} data-testid="assets-filter-status">
            <option value="">{t('assets.status.all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`assets.status.${s}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="assets-vis">{t('assets.visibility')}</label>
          <select
            id="assets-vis"
            value={state.visibility}
            onChange={(e) => go({ visibility: (e.target as HTMLSelectElement).value as AssetListState['visibility'] })}
            data-testid="assets-filter-visibility"
          >
            <option value="">{t('assets.vis.all')}</option>
            <option value="public">{t('assets.vis.public')}</option>
            <option value="private">{t('assets.vis.private')}</option>
          </select>
        </div>
        <div class="field">
          <label for="assets-sort">{t('assets.sort')}</label>
          <select id="assets-sort" value={state.sort} onChange={(e) => go({ sort: (e.target as HTMLSelectElement).value as SortKey })} data-testid="assets-sort">
            {(Object.keys(SORTS) as SortKey[]).map((s) => (
              <option key={s} value={s}>
                {t(`assets.sort.${s}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <span class="label" id="assets-view-label">
            {t('assets.view')}
          </span>
          <div class="segmented" role="group" aria-labelledby="assets-view-label">
            <button type="button" class="btn" aria-pressed={state.view === 'grid' ? 'true' : 'false'} onClick={() => go({ view: 'grid' }, true)} data-testid="assets-view-grid">
              {t('assets.view.grid')}
            </button>
            <button type="button" class="btn" aria-pressed={state.view === 'table' ? 'true' : 'false'} onClick={() => go({ view: 'table' }, true)} data-testid="assets-view-table">
              {t('assets.view.table')}
            </button>
          </div>
        </div>
      </div>

      {result && (
        <div class="notice notice-result" role="status" data-testid="batch-delete-result">
          <p>{t('assets.batchResult', { deleted: result.deletedCount, requested: result.requestedCount })}</p>
          {result.notFoundIds.length > 0 && <p class="small">{t('assets.batchNotFound', { ids: result.notFoundIds.join(', ') })}</p>}
          <button type="button" class="btn btn-small" onClick={() => setResult(null)}>
            {t('common.dismiss')}
          </button>
        </div>
      )}

      {canDelete && items.length > 0 && (
        <div class="selection-bar">
          <span class="check">
            <input
              id="assets-select-all"
              type="checkbox"
              checked={allSelected}
              onChange={(e) => setSelected((e.target as HTMLInputElement).checked ? new Set(items.map((a) => a.id)) : new Set())}
              data-testid="assets-select-all"
            />
            <label for="assets-select-all">{t('assets.selectAll')}</label>
          </span>
          <span class="muted" aria-live="polite" data-testid="assets-selected-count">
            {tn('assets.selected', selected.size)}
          </span>
          <button type="button" class="btn btn-danger" disabled={selected.size === 0} onClick={batchDelete} data-testid="assets-batch-delete">
            {t('assets.batchDelete')}
          </button>
          {selected.size > 0 && (
            <button type="button" class="btn" onClick={() => setSelected(new Set())}>
              {t('assets.clearSelection')}
            </button>
          )}
        </div>
      )}

      {list.loading && !list.data ? (
        <Loading />
      ) : list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : items.length === 0 ? (
        <Empty>
          {filtered || state.page > 1 ? t('assets.emptyFiltered') : t('assets.empty')}{' '}
          {!filtered && can(user, 'assets.create') && <Link href="/assets/upload">{t('assets.upload')}</Link>}
        </Empty>
      ) : state.view === 'grid' ? (
        <ul class="asset-grid" data-testid="assets-grid" aria-busy={list.loading ? 'true' : undefined}>
          {items.map((a) => {
            return (
              <li
                key={a.id}
                class={`asset-card${selected.has(a.id) ? ' selected' : ''}`}
                data-testid={`asset-card-${a.id}`}
                data-asset-id={a.id}
                data-processing={a.processing?.state ?? ''}
              >
                <Link href={`/assets/${a.id}`} class="asset-thumb" data-testid="asset-link" tabIndex={-1} aria-hidden="true">
                  <AssetThumb asset={a} sizes="(max-width: 420px) 50vw, 14rem" />
                </Link>
                <div class="asset-card-body">
                  <div class="asset-card-title">
                    {selectBox(a)}
                    <Link href={`/assets/${a.id}`} class="asset-name" title={assetName(a)}>
                      {assetName(a)}
                    </Link>
                  </div>
                  <p class="muted small">
                    {formatBytes(a.size)} · {dims(a.width, a.height)}
                    {a.status !== 'ready' && <span class={`badge badge-${a.status}`}>{t(`assets.status.${a.status}` as MessageKey)}</span>}
                    <ProcessingBadge processing={a.processing} />
                  </p>
                  {visibilitySwitch(a)}
                </div>
              </li>
            );
          })}
        </ul>
      ) : (
        <div class="table-wrap" role="region" aria-labelledby="assets-title" tabIndex={0}>
          <table class="table" data-testid="assets-table" aria-busy={list.loading ? 'true' : undefined}>
            <thead>
              <tr>
                {canDelete && (
                  <th scope="col">
                    <span class="sr-only">{t('assets.selectAll')}</span>
                  </th>
                )}
                <th scope="col">{t('assets.col.preview')}</th>
                <th scope="col">{t('assets.col.name')}</th>
                <th scope="col">{t('assets.col.type')}</th>
                <th scope="col">{t('assets.col.size')}</th>
                <th scope="col">{t('assets.col.dimensions')}</th>
                <th scope="col">{t('assets.col.status')}</th>
                <th scope="col">{t('assets.col.public')}</th>
                <th scope="col">{t('assets.col.created')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => {
                return (
                  <tr
                    key={a.id}
                    class={selected.has(a.id) ? 'selected' : undefined}
                    data-testid={`asset-row-${a.id}`}
                    data-asset-id={a.id}
                    data-processing={a.processing?.state ?? ''}
                  >
                    {canDelete && <td>{selectBox(a)}</td>}
                    <td>
                      <AssetThumb asset={a} sizes="3rem" class="table-thumb" small />
                    </td>
                    <th scope="row">
                      <Link href={`/assets/${a.id}`} data-testid="asset-link">
                        {assetName(a)}
                      </Link>
                    </th>
                    <td>
                      <code>{a.contentType}</code>
                    </td>
                    <td>{formatBytes(a.size)}</td>
                    <td>{dims(a.width, a.height)}</td>
                    <td>
                      <span class={`badge badge-${a.status}`}>{t(`assets.status.${a.status}` as MessageKey)}</span>
                      <ProcessingBadge processing={a.processing} />
                    </td>
                    <td>{visibilitySwitch(a)}</td>
                    <td>{formatDateTime(a.createdAtUtc)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {list.data && list.data.total > 0 && (
        <Pager
          page={list.data.page}
          pageSize={list.data.pageSize}
          total={list.data.total}
          onPage={(p) => go({ page: p })}
          pageSizes={ASSET_PAGE_SIZES}
          onPageSize={(s) => go({ pageSize: s })}
        />
      )}
    </section>
  );
}
