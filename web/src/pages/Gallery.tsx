import { useEffect, useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { PublicAsset } from '../api/types';
import { displayName } from '../lib/assets';
import { aspectRatio, publicImageSources } from '../lib/processing';
import { intParam, navigate, useLocation, withQuery } from '../lib/router';
import { useAsync } from '../lib/useAsync';
import { formatBytes, formatDateTime, t, tn } from '../i18n';
import { Link, OpenLink } from '../ui/Link';
import { Pager } from '../ui/Pager';
import { Empty, ErrorState, Loading } from '../ui/states';
import { useTitle } from '../ui/useTitle';
import { dims } from './Assets';
import { Lightbox } from './Lightbox';

/** Target height of a justified row (CSS `--row`); the `sizes` of a card follow from it. */
const ROW_HEIGHT = 220;

export const GALLERY_PAGE_SIZE = 24;

/** Where "Back to the gallery" returns (search and page kept). */
let lastListUrl = '/gallery';

export function titleOf(a: PublicAsset): string {
  return displayName(a, t('gallery.untitled'));
}

export function GalleryPage() {
  useTitle(t('gallery.title'));
  const loc = useLocation();
  const q = new URLSearchParams(loc.search);
  const query = q.get('query') ?? '';
  const page = intParam(q, 'page', 1);
  const [draft, setDraft] = useState(query);
  /** The index (on this page) of the image shown in the lightbox, or null. */
  const [open, setOpen] = useState<number | null>(null);
  useEffect(() => setDraft(query), [query]);
  useEffect(() => setOpen(null), [query, page]);
  useEffect(() => {
    lastListUrl = loc.path + loc.search;
  }, [loc.search]);

  const list = useAsync((signal) => API.publicAssets({ page, pageSize: GALLERY_PAGE_SIZE, query: query || undefined }, signal), [query, page]);

  const go = (values: { query?: string; page?: number }) =>
    navigate(withQuery('/gallery', { query, page, ...values }, { page: 1 }));

  return (
    <section class="stack">
      <div class="page-head">
        <div>
          <h1 id="gallery-title">{t('gallery.title')}</h1>
          <p class="muted">{t('gallery.intro')}</p>
        </div>
      </div>
      <form
        role="search"
        class="gallery-search"
        onSubmit={(e) => {
          e.preventDefault();
          go({ query: draft.trim(), page: 1 });
        }}
      >
        <label for="gallery-search" class="sr-only">
          {t('gallery.search')}
        </label>
        <input
          id="gallery-search"
          type="search"
          placeholder={t('gallery.searchPlaceholder')}
          value={draft}
          onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          data-testid="gallery-search"
        />
        <button type="submit" class="btn btn-primary" data-testid="gallery-search-submit">
          {t('common.search')}
        </button>
        {query && (
          <button type="button" class="btn" onClick={() => go({ query: '', page: 1 })} data-testid="gallery-search-clear">
            {t('gallery.clear')}
          </button>
        )}
      </form>

      {list.loading && !list.data ? (
        <Loading />
      ) : list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.data || list.data.items.length === 0 ? (
        <Empty>{query ? t('gallery.emptySearch', { query }) : t('gallery.empty')}</Empty>
      ) : (
        <>
          <p class="muted small" aria-live="polite" data-testid="gallery-count">
            {tn('gallery.count', list.data.total)}
          </p>
          <ul class="gallery-grid justified" data-testid="gallery-grid" aria-busy={list.loading ? 'true' : undefined}>
            {list.data.items.map((a, index) => {
              const img = publicImageSources(a, 'small');
              const title = titleOf(a);
              const ar = aspectRatio(a);
              return (
                <li key={a.id} class="gallery-card" style={{ '--ar': String(ar) }} data-testid={`gallery-card-${a.id}`} data-asset-id={a.id}>
                  <Link
                    href={`/gallery/${a.id}`}
                    class="gallery-link"
                    aria-haspopup="dialog"
                    onClick={(e) => {
                      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                      e.preventDefault();
                      setOpen(index);
                    }}
                  >
                    <span class="gallery-thumb">
                      {img ? (
                        <img
                          src={img.src}
                          srcset={img.srcset}
                          sizes={img.srcset ? `(max-width: 600px) 100vw, ${Math.round(ar * ROW_HEIGHT * 1.4)}px` : undefined}
                          alt={a.altText || a.description || title}
                          loading="lazy"
                          decoding="async"
                          width={img.width}
                          height={img.height}
                        />
                      ) : (
                        <span class="thumb-placeholder">{t('assets.noPreview')}</span>
                      )}
                    </span>
                    <span class="gallery-caption">
                      <span class="gallery-title">{title}</span>
                      <span class="small">{dims(a.width, a.height)}</span>
                    </span>
                  </Link>
                </li>
              );
            })}
          </ul>
          {open !== null && list.data.items[open] && (
            <Lightbox items={list.data.items} index={open} onIndex={setOpen} onClose={() => setOpen(null)} titleOf={titleOf} />
          )}
          {list.data.total > GALLERY_PAGE_SIZE && (
            <Pager page={list.data.page} pageSize={list.data.pageSize} total={list.data.total} onPage={(p) => go({ page: p })} />
          )}
        </>
      )}
    </section>
  );
}

export function GalleryDetailPage({ id }: { id: string }) {
  const item = useAsync((signal) => API.publicAsset(id, signal), [id]);
  const a = item.data;
  useTitle(a ? titleOf(a) : t('gallery.title'));

  if (item.loading && !a) return <Loading />;
  if (item.error || !a) {
    const notFound = (item.error as { status?: number } | null)?.status === 404;
    return (
      <section class="stack">
        <Link href={lastListUrl} class="back-link">
          ‹ {t('gallery.back')}
        </Link>
        {notFound ? <Empty>{t('gallery.notFound')}</Empty> : <ErrorState error={item.error} onRetry={item.reload} />}
      </section>
    );
  }
  const title = titleOf(a);
  const derivatives = a.derivatives ?? [];
  // The preview derivative, never the original (which is one click away).
  const large = publicImageSources(a, 'large');
  return (
    <article aria-labelledby="gallery-detail-title" class="stack" data-testid="gallery-detail" data-asset-id={a.id}>
      <Link href={lastListUrl} class="back-link" data-testid="gallery-back">
        ‹ {t('gallery.back')}
      </Link>
      <h1 id="gallery-detail-title" class="break">
        {title}
      </h1>
      <figure class="gallery-figure">
        {large ? (
          <img
            src={large.src}
            srcset={large.srcset}
            sizes={large.srcset ? '(max-width: 1100px) 100vw, 1024px' : undefined}
            alt={a.altText || a.description || title}
            decoding="async"
            width={large.width}
            height={large.height}
            data-testid="gallery-preview"
          />
        ) : (
          <span class="thumb-placeholder">{t('assets.noPreview')}</span>
        )}
        {a.description && <figcaption>{a.description}</figcaption>}
      </figure>
      {a.publicUrl && (
        <p>
          <a href={a.publicUrl} target="_blank" rel="noopener" class="btn" data-testid="gallery-open-original">
            {t('gallery.openOriginal')}
          </a>
        </p>
      )}
      <section class="card" aria-labelledby="gd-details">
        <h2 id="gd-details">{t('gallery.details')}</h2>
        <dl class="kv">
          <dt>{t('asset.fileName')}</dt>
          <dd class="break">{a.originalFileName ?? t('common.none')}</dd>
          <dt>{t('asset.contentType')}</dt>
          <dd>
            <code>{a.contentType}</code>
          </dd>
          <dt>{t('asset.size')}</dt>
          <dd>{formatBytes(a.size)}</dd>
          <dt>{t('asset.dimensions')}</dt>
          <dd>{dims(a.width, a.height)}</dd>
          <dt>{t('asset.altText')}</dt>
          <dd>{a.altText ?? t('common.none')}</dd>
          <dt>{t('asset.created')}</dt>
          <dd>{formatDateTime(a.createdAtUtc)}</dd>
          <dt>{t('asset.updated')}</dt>
          <dd>{formatDateTime(a.updatedAtUtc)}</dd>
        </dl>
      </section>
      <section class="card">
        <h2 id="gd-sizes">{t('gallery.sizes')}</h2>
        <div class="table-wrap" role="region" aria-labelledby="gd-sizes" tabIndex={0}>
          <table class="table" data-testid="gallery-derivatives">
            <thead>
              <tr>
                <th scope="col">{t('asset.der.kind')}</th>
                <th scope="col">{t('asset.dimensions')}</th>
                <th scope="col">{t('asset.size')}</th>
                <th scope="col">{t('asset.contentType')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">{t('gallery.original')}</th>
                <td>{dims(a.width, a.height)}</td>
                <td>{formatBytes(a.size)}</td>
                <td>
                  <code>{a.contentType}</code>
                </td>
                <td>
                  <OpenLink url={a.publicUrl} />
                </td>
              </tr>
              {derivatives.map((d) => (
                <tr key={d.kind}>
                  <th scope="row">{d.kind}</th>
                  <td>{dims(d.width, d.height)}</td>
                  <td>{formatBytes(d.size)}</td>
                  <td>
                    <code>{d.contentType}</code>
                  </td>
                  <td>
                    <OpenLink url={d.publicUrl} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </article>
  );
}
