// The GitHub repository browser of a github-repo profile: a tree whose directories are listed
// when first opened (paged, "load more"), keyboard navigation as in the ARIA tree pattern, a
// filtered search (type / keyword over a recursive listing), the selected file's details, and
// the upsert dialog (create or overwrite a file; expected sha guards against overwriting a
// version you have not seen; 409 conflicts explained).

import { useEffect, useRef, useState } from 'preact/hooks';
import { isApiError } from '../api/client';
import { API } from '../api/endpoints';
import type { GithubBrowseItem, GithubUpsertResult, StorageProfile } from '../api/types';
import { errorMessage } from '../lib/errors';
import {
  beginLoad,
  browseQuery,
  DEFAULT_PAGE_SIZE,
  initialTree,
  isSearch,
  joinPath,
  moveFocus,
  nextPage,
  PAGE_SIZES,
  parentOf,
  receiveError,
  receivePage,
  ROOT,
  rowIndexOf,
  toggle,
  visibleRows,
  type EntryType,
  type Row,
  type SearchFilters,
  type TreeState,
} from '../lib/githubTree';
import { bytesToBase64, profileLabel } from '../lib/storage';
import { formatBytes, formatNumber, t } from '../i18n';
import { Dialog } from '../ui/Dialog';
import { TextAreaField, TextField } from '../ui/fields';
import { Empty, ErrorState, Loading } from '../ui/states';
import { toast } from '../ui/toast';

/** The key under which the filtered search's listing is kept in the tree state. */
const SEARCH = '\u0000search';

export function BrowsePanel({ profile, canUpload, onClose }: { profile: StorageProfile; canUpload: boolean; onClose: () => void }) {
  const [tree, setTree] = useState<TreeState>(initialTree);
  const treeRef = useRef(tree);
  treeRef.current = tree;
  const [filters, setFilters] = useState<SearchFilters>({ type: 'all', keyword: '', maxDepth: 2, pageSize: DEFAULT_PAGE_SIZE });
  const [applied, setApplied] = useState<SearchFilters>(filters);
  const [selected, setSelected] = useState<GithubBrowseItem | null>(null);
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const [upsert, setUpsert] = useState<{ path: string; sha: string } | null>(null);
  const [info, setInfo] = useState<{ visibilityPolicy: string; usesControlledRead: boolean } | null>(null);
  const treeEl = useRef<HTMLUListElement>(null);
  const searching = isSearch(applied);

  const load = async (path: string, more: boolean, f: SearchFilters = applied) => {
    const key = isSearch(f) ? SEARCH : path;
    const page = nextPage(treeRef.current, key, more);
    setTree((s) => beginLoad(s, key, page));
    try {
      const result = await API.githubBrowse(profile.id, browseQuery(isSearch(f) ? '' : path, page, f));
      setInfo({ visibilityPolicy: result.visibilityPolicy, usesControlledRead: result.usesControlledRead });
      setTree((s) => receivePage(s, key, result));
    } catch (err) {
      setTree((s) => receiveError(s, key, page, err));
    }
  };

  useEffect(() => {
    void load(ROOT, false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [profile.id]);

  const applyFilters = (e?: Event) => {
    e?.preventDefault();
    const f = { ...filters, keyword: filters.keyword.trim() };
    setApplied(f);
    setSelected(null);
    if (isSearch(f)) void load('', false, f);
    else {
      setTree(initialTree());
      treeRef.current = initialTree();
      void load(ROOT, false, f);
    }
  };
  const resetFilters = () => {
    const f: SearchFilters = { type: 'all', keyword: '', maxDepth: 2, pageSize: filters.pageSize };
    setFilters(f);
    setApplied(f);
    setTree(initialTree());
    treeRef.current = initialTree();
    void load(ROOT, false, f);
  };

  const openDir = (path: string, open?: boolean) => {
    const r = toggle(treeRef.current, path, open);
    setTree(r.state);
    treeRef.current = r.state;
    if (r.load) void load(path, false);
  };

  // Re-list what shows `path`: the search, or the folder it is in (the top when that folder
  // was never listed).
  const reloadAround = (path: string) => {
    if (searching) {
      void load('', false);
      return;
    }
    const folder = parentOf(path);
    void load(folder !== ROOT && treeRef.current.dirs[folder] ? folder : ROOT, false);
  };

  // The selected entry follows its listing: a reload brings its current sha and size.
  useEffect(() => {
    if (!selected) return;
    for (const listing of Object.values(tree.dirs)) {
      const fresh = listing.items.find((i) => i.path === selected.path);
      if (fresh) {
        if (fresh.sha !== selected.sha || fresh.size !== selected.size) setSelected(fresh);
        return;
      }
    }
  }, [tree]);

  const rows = visibleRows(tree);
  const rootListing = tree.dirs[ROOT];
  const searchListing = tree.dirs[SEARCH];

  // Focus lost because its row went away (a "load more" row after the last page): give it to
  // the row that took that place, so the keyboard user stays in the tree. Only when nothing has
  // the focus: an effect of an earlier render must not pull it back from where a key moved it.
  const lastIndex = useRef(0);
  useEffect(() => {
    const i = rows.findIndex((r) => r.key === focusKey);
    if (i >= 0) {
      lastIndex.current = i;
      return;
    }
    if (!focusKey || !treeEl.current || (document.activeElement && document.activeElement !== document.body)) return;
    const next = rows[Math.min(lastIndex.current, rows.length - 1)];
    if (!next) return;
    setFocusKey(next.key);
    treeEl.current.querySelector<HTMLElement>(`[data-row-key="${CSS.escape(next.key)}"]`)?.focus();
  }, [focusKey, rows.length]);

  const activate = (row: Row) => {
    if (row.kind === 'more') {
      void load(row.path, true);
      return;
    }
    if (row.item.type === 'dir') openDir(row.item.path);
    else setSelected(row.item);
  };

  const onKeyDown = (e: KeyboardEvent, index: number) => {
    const row = rows[index];
    if (!row) return;
    const focusAt = (i: number) => {
      const r = rows[i];
      if (!r) return;
      setFocusKey(r.key);
      treeEl.current?.querySelector<HTMLElement>(`[data-row-key="${CSS.escape(r.key)}"]`)?.focus();
    };
    const moved = moveFocus(rows, index, e.key);
    if (moved !== null) {
      e.preventDefault();
      focusAt(moved);
      return;
    }
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      activate(row);
    } else if (e.key === 'ArrowRight' && row.kind === 'item' && row.item.type === 'dir') {
      e.preventDefault();
      if (!row.expanded) openDir(row.item.path, true);
      else if (rows[index + 1] && rows[index + 1].depth > row.depth) focusAt(index + 1);
    } else if (e.key === 'ArrowLeft') {
      e.preventDefault();
      if (row.kind === 'item' && row.item.type === 'dir' && row.expanded) openDir(row.item.path, false);
      else {
        // Back to the directory this row is listed in.
        const owner = row.kind === 'item' ? row.parent : row.path;
        const i = owner === ROOT ? -1 : rowIndexOf(rows, owner);
        if (i >= 0) focusAt(i);
      }
    }
  };

  // The folder an upload goes to: the selected file's folder, else the top.
  const uploadFolder = selected ? parentOf(selected.path) : '';
  const tabbableKey = focusKey && rows.some((r) => r.key === focusKey) ? focusKey : rows[0]?.key;

  return (
    <section class="card browse-panel" aria-labelledby="browse-title" data-testid="storage-browse" data-profile-id={profile.id}>
      <div class="page-head">
        <h2 id="browse-title">{t('storage.browse.title', { name: profileLabel(profile) })}</h2>
        <div class="button-row">
          {canUpload && (
            <button type="button" class="btn btn-primary btn-small" onClick={() => setUpsert({ path: joinPath(uploadFolder, ''), sha: '' })} data-testid="storage-browse-upload">
              {t('storage.upsert.button')}
            </button>
          )}
          <button type="button" class="btn btn-small" onClick={onClose} data-testid="storage-browse-close">
            {t('common.close')}
          </button>
        </div>
      </div>
      <p class="hint">
        {t('storage.browse.intro', {
          repo: `${profile.configurationSummary.owner ?? '?'}/${profile.configurationSummary.repository ?? '?'}`,
          ref: profile.configurationSummary.reference ?? 'main',
          base: profile.configurationSummary.basePath || '/',
        })}
        {info && ' ' + (info.usesControlledRead ? t('storage.browse.private') : t('storage.browse.public'))}
      </p>

      <form class="toolbar" role="search" onSubmit={applyFilters} aria-label={t('storage.browse.filters')}>
        <div class="field">
          <label for="browse-keyword">{t('storage.browse.keyword')}</label>
          <input
            id="browse-keyword"
            type="search"
            value={filters.keyword}
            onInput={(e) => setFilters({ ...filters, keyword: (e.target as HTMLInputElement).value })}
            data-testid="storage-browse-keyword"
          />
        </div>
        <div class="field">
          <label for="browse-type">{t('storage.browse.type')}</label>
          <select id="browse-type" value={filters.type} onChange={(e) => setFilters({ ...filters, type: (e.target as HTMLSelectElement).value as EntryType })} data-testid="storage-browse-type">
            <option value="all">{t('storage.browse.typeAll')}</option>
            <option value="file">{t('storage.browse.typeFile')}</option>
            <option value="dir">{t('storage.browse.typeDir')}</option>
          </select>
        </div>
        <div class="field">
          <label for="browse-depth">{t('storage.browse.depth')}</label>
          <input
            id="browse-depth"
            type="number"
            min={1}
            max={10}
            value={filters.maxDepth}
            onInput={(e) => setFilters({ ...filters, maxDepth: Number((e.target as HTMLInputElement).value) || 1 })}
            aria-describedby="browse-depth-hint"
            data-testid="storage-browse-depth"
          />
          <p id="browse-depth-hint" class="hint">
            {t('storage.browse.depthHint')}
          </p>
        </div>
        <div class="field">
          <label for="browse-page-size">{t('pager.pageSize')}</label>
          <select
            id="browse-page-size"
            value={String(filters.pageSize)}
            onChange={(e) => setFilters({ ...filters, pageSize: Number((e.target as HTMLSelectElement).value) })}
            data-testid="storage-browse-page-size"
          >
            {PAGE_SIZES.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div class="toolbar-actions">
          <button type="submit" class="btn" data-testid="storage-browse-apply">
            {t('common.apply')}
          </button>
          <button type="button" class="btn" onClick={resetFilters} data-testid="storage-browse-reset">
            {t('common.reset')}
          </button>
        </div>
      </form>

      <div class="browse-body">
        <div class="browse-list">
          {searching ? (
            <SearchResults listing={searchListing} onSelect={setSelected} selected={selected} onMore={() => void load('', true)} onRetry={() => void load('', false)} />
          ) : !rootListing || (rootListing.status === 'loading' && !rootListing.items.length) ? (
            <Loading />
          ) : rootListing.status === 'error' ? (
            <ErrorState error={rootListing.error} onRetry={() => void load(ROOT, false)} />
          ) : rootListing.items.length === 0 ? (
            <Empty>{t('storage.browse.empty')}</Empty>
          ) : (
            <ul class="tree" role="tree" aria-label={t('storage.browse.treeLabel')} ref={treeEl} data-testid="storage-browse-tree">
              {rows.map((row, i) => (
                <TreeRow
                  key={row.key}
                  row={row}
                  tree={tree}
                  selected={row.kind === 'item' && selected?.path === row.item.path}
                  tabbable={row.key === tabbableKey}
                  onFocus={() => setFocusKey(row.key)}
                  onActivate={() => activate(row)}
                  onKeyDown={(e) => onKeyDown(e, i)}
                />
              ))}
            </ul>
          )}
        </div>
        <aside class="browse-detail" aria-labelledby="browse-detail-title" data-testid="storage-browse-detail">
          <h3 id="browse-detail-title">{t('storage.browse.selected')}</h3>
          {selected ? (
            <>
              <dl class="kv">
                <dt>{t('storage.browse.path')}</dt>
                <dd class="break">
                  <code data-testid="storage-browse-selected-path">{selected.path}</code>
                </dd>
                <dt>{t('asset.size')}</dt>
                <dd>{selected.size === null || selected.size === undefined ? t('common.none') : formatBytes(selected.size)}</dd>
                <dt>{t('storage.browse.sha')}</dt>
                <dd class="break">
                  <code data-testid="storage-browse-selected-sha">{selected.sha ?? t('common.none')}</code>
                </dd>
                <dt>{t('asset.publicUrl')}</dt>
                <dd class="break">
                  {selected.publicUrl ? (
                    <a href={selected.publicUrl} target="_blank" rel="noopener">
                      {selected.publicUrl}
                    </a>
                  ) : (
                    t('storage.browse.noPublicUrl')
                  )}
                </dd>
              </dl>
              {canUpload && selected.type === 'file' && (
                <button type="button" class="btn btn-small" onClick={() => setUpsert({ path: selected.path, sha: selected.sha ?? '' })} data-testid="storage-browse-replace">
                  {t('storage.upsert.replace')}
                </button>
              )}
            </>
          ) : (
            <p class="muted">{t('storage.browse.noneSelected')}</p>
          )}
        </aside>
      </div>

      {upsert && (
        <UpsertDialog
          profile={profile}
          initialPath={upsert.path}
          initialSha={upsert.sha}
          onClose={() => setUpsert(null)}
          onDone={(r) => {
            setUpsert(null);
            // Show the new version: re-list the folder (or the search) it landed in.
            setSelected((s) => (s && s.path === r.path ? { ...s, sha: r.sha, size: r.size, publicUrl: r.publicUrl } : s));
            reloadAround(r.path);
          }}
          onReload={(path) => {
            setUpsert(null);
            reloadAround(path);
          }}
        />
      )}
    </section>
  );
}

function TreeRow({ row, tree, selected, tabbable, onFocus, onActivate, onKeyDown }: {
  row: Row;
  tree: TreeState;
  selected: boolean;
  tabbable: boolean;
  onFocus: () => void;
  onActivate: () => void;
  onKeyDown: (e: KeyboardEvent) => void;
}) {
  const indent = `tree-depth-${Math.min(row.depth, 8)}`;
  if (row.kind === 'more') {
    return (
      <li
        role="treeitem"
        aria-level={row.depth}
        class={`tree-row tree-more ${indent}`}
        tabIndex={tabbable ? 0 : -1}
        data-row-key={row.key}
        aria-busy={row.loading ? 'true' : undefined}
        onFocus={onFocus}
        onClick={onActivate}
        onKeyDown={onKeyDown}
        data-testid="storage-browse-more"
      >
        {row.loading ? t('common.loading') : t('storage.browse.more', { count: formatNumber(row.remaining) })}
      </li>
    );
  }
  const { item } = row;
  const isDir = item.type === 'dir';
  const listing = isDir ? tree.dirs[item.path] : undefined;
  const loading = isDir && row.expanded && listing?.status === 'loading';
  const failed = isDir && row.expanded && listing?.status === 'error';
  const empty = isDir && row.expanded && listing?.status === 'loaded' && listing.items.length === 0;
  return (
    <li
      role="treeitem"
      aria-level={row.depth}
      aria-setsize={row.setSize}
      aria-posinset={row.posInSet}
      aria-expanded={isDir ? (row.expanded ? 'true' : 'false') : undefined}
      aria-selected={isDir ? undefined : selected ? 'true' : 'false'}
      aria-busy={loading ? 'true' : undefined}
      class={`tree-row ${indent}${selected ? ' selected' : ''}`}
      tabIndex={tabbable ? 0 : -1}
      data-row-key={row.key}
      data-path={item.path}
      data-type={item.type}
      onFocus={onFocus}
      onClick={onActivate}
      onKeyDown={onKeyDown}
      data-testid="storage-browse-item"
    >
      <span class="tree-icon" aria-hidden="true">
        {isDir ? (row.expanded ? '▾' : '▸') : '·'}
      </span>
      <span class="tree-name">{item.name}</span>
      {!isDir && item.size !== null && item.size !== undefined && <span class="muted small"> {formatBytes(item.size)}</span>}
      {loading && <span class="muted small"> {t('common.loading')}</span>}
      {failed && <span class="field-error small"> {errorMessage(listing?.error)}</span>}
      {empty && <span class="muted small"> {t('storage.browse.emptyFolder')}</span>}
    </li>
  );
}

function SearchResults({ listing, onSelect, selected, onMore, onRetry }: {
  listing: TreeState['dirs'][string] | undefined;
  onSelect: (i: GithubBrowseItem) => void;
  selected: GithubBrowseItem | null;
  onMore: () => void;
  onRetry: () => void;
}) {
  if (!listing || (listing.status === 'loading' && !listing.items.length)) return <Loading />;
  if (listing.status === 'error') return <ErrorState error={listing.error} onRetry={onRetry} />;
  if (!listing.items.length) return <Empty>{t('storage.browse.noMatch')}</Empty>;
  return (
    <>
      <p class="muted small" aria-live="polite" data-testid="storage-browse-count">
        {t('storage.browse.count', { shown: formatNumber(listing.items.length), total: formatNumber(listing.total) })}
      </p>
      <div class="table-wrap" role="region" aria-label={t('storage.browse.results')} tabIndex={0}>
        <table class="table" data-testid="storage-browse-results">
          <thead>
            <tr>
              <th scope="col">{t('storage.browse.path')}</th>
              <th scope="col">{t('storage.browse.type')}</th>
              <th scope="col">{t('asset.size')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {listing.items.map((i) => (
              <tr key={i.path} data-path={i.path} class={selected?.path === i.path ? 'selected' : undefined}>
                <th scope="row" class="break">
                  <code>{i.path}</code>
                </th>
                <td>{i.type === 'dir' ? t('storage.browse.typeDir') : t('storage.browse.typeFile')}</td>
                <td>{i.size === null || i.size === undefined ? t('common.none') : formatBytes(i.size)}</td>
                <td>
                  <button type="button" class="btn btn-small" onClick={() => onSelect(i)} aria-label={t('storage.browse.selectLabel', { path: i.path })}>
                    {t('storage.browse.select')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {listing.error !== null && <p class="field-error">{errorMessage(listing.error)}</p>}
      {listing.hasMore && (
        <button type="button" class="btn" onClick={onMore} disabled={listing.pending !== null} data-testid="storage-browse-more">
          {listing.pending !== null ? t('common.loading') : t('storage.browse.more', { count: formatNumber(Math.max(0, listing.total - listing.items.length)) })}
        </button>
      )}
    </>
  );
}

function UpsertDialog({ profile, initialPath, initialSha, onClose, onDone, onReload }: {
  profile: StorageProfile;
  initialPath: string;
  initialSha: string;
  onClose: () => void;
  onDone: (r: GithubUpsertResult) => void;
  onReload: (path: string) => void;
}) {
  const [path, setPath] = useState(initialPath);
  const [file, setFile] = useState<File | null>(null);
  const [message, setMessage] = useState('');
  const [sha, setSha] = useState(initialSha);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [pathServerError, setPathServerError] = useState<string | null>(null);
  const [fileServerError, setFileServerError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<{ code: string; message: string } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const trimmed = path.trim().replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
  const badPath = !!trimmed && trimmed.split('/').some((s) => !s.trim() || s === '.' || s === '..');
  const pathError = pathServerError ?? (tried && !trimmed ? t('storage.upsert.pathRequired') : tried && badPath ? t('storage.upsert.pathInvalid') : null);
  const fileError = fileServerError ?? (tried && !file ? t('storage.upsert.fileRequired') : tried && file && file.size === 0 ? t('storage.upsert.fileEmpty') : null);

  const pick = (f: File | null) => {
    setFile(f);
    setFileServerError(null);
    // A file picked into a folder path ("docs/") takes its own name.
    if (f && (!trimmed || path.endsWith('/'))) setPath(joinPath(trimmed, f.name));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setConflict(null);
    setFailure(null);
    if (!trimmed || badPath || !file || file.size === 0) return;
    setBusy(true);
    try {
      const contentBase64 = bytesToBase64(new Uint8Array(await file.arrayBuffer()));
      const r = await API.githubUpsert(profile.id, {
        path: trimmed,
        contentBase64,
        ...(message.trim() ? { commitMessage: message.trim() } : {}),
        ...(sha.trim() ? { expectedSha: sha.trim() } : {}),
      });
      toast.success(t(r.operation === 'created' ? 'storage.upsert.created' : 'storage.upsert.updated', { path: r.path }));
      onDone(r);
    } catch (err) {
      if (isApiError(err) && err.status === 409) setConflict({ code: err.code, message: err.message });
      else if (isApiError(err) && /upsert_path|relative_path|storage_key/.test(err.code)) setPathServerError(err.message);
      else if (isApiError(err) && /upsert_content/.test(err.code)) setFileServerError(err.message);
      else setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const conflictText = conflict
    ? conflict.code === 'storage_provider_upsert_expected_sha_target_missing'
      ? t('storage.upsert.conflictMissing')
      : conflict.code === 'storage_provider_upsert_expected_sha_conflict'
        ? t('storage.upsert.conflictSha')
        : t('storage.upsert.conflictOther')
    : '';

  return (
    <Dialog title={t('storage.upsert.title', { name: profile.name })} onClose={onClose} busy={busy} testid="storage-upsert-dialog">
      <form onSubmit={submit} noValidate data-testid="storage-upsert-form">
        <div class="dialog-body">
          {conflict && (
            <div class="form-error" role="alert" data-testid="storage-upsert-conflict" data-code={conflict.code}>
              <p>
                <strong>{t('storage.upsert.conflictTitle')}</strong> {conflictText}
              </p>
              <p class="small">{conflict.message}</p>
              <button type="button" class="btn btn-small" onClick={() => onReload(trimmed)} data-testid="storage-upsert-reload">
                {t('storage.upsert.reload')}
              </button>
            </div>
          )}
          {failure && (
            <p class="form-error" role="alert" data-testid="storage-upsert-error">
              {failure}
            </p>
          )}
          <fieldset class="plain-fieldset" disabled={busy}>
            <TextField
              id="upsert-path"
              label={`${t('storage.upsert.path')} (${t('common.required').toLowerCase()})`}
              value={path}
              onValue={(v) => {
                setPath(v);
                setPathServerError(null);
              }}
              hint={t('storage.upsert.pathHint', { base: profile.configurationSummary.basePath || '/' })}
              error={pathError}
              spellcheck={false}
              autocomplete="off"
              testid="storage-upsert-path"
            />
            <div class="field">
              <label for="upsert-file">{`${t('storage.upsert.file')} (${t('common.required').toLowerCase()})`}</label>
              <input
                id="upsert-file"
                type="file"
                onChange={(e) => pick((e.target as HTMLInputElement).files?.[0] ?? null)}
                aria-invalid={fileError ? 'true' : undefined}
                aria-describedby={fileError ? 'upsert-file-error' : undefined}
                data-testid="storage-upsert-file"
              />
              {file && <p class="hint">{t('storage.upsert.fileChosen', { name: file.name, size: formatBytes(file.size) })}</p>}
              {fileError && (
                <p id="upsert-file-error" class="field-error">
                  {fileError}
                </p>
              )}
            </div>
            <TextAreaField id="upsert-message" label={t('storage.upsert.message')} value={message} onValue={setMessage} rows={2} maxLength={500} testid="storage-upsert-message" />
            <p class="hint">{t('storage.upsert.messageHint')}</p>
            <TextField
              id="upsert-sha"
              label={t('storage.upsert.expectedSha')}
              value={sha}
              onValue={setSha}
              hint={t('storage.upsert.expectedShaHint')}
              spellcheck={false}
              autocomplete="off"
              testid="storage-upsert-sha"
            />
          </fieldset>
        </div>
        <div class="dialog-footer">
          <button type="button" class="btn" onClick={onClose} disabled={busy} data-testid="storage-upsert-cancel">
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="storage-upsert-submit">
            {busy ? t('common.saving') : t('storage.upsert.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
