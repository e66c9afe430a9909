import { t, tn } from '../i18n';

export interface PagerProps {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
  pageSizes?: readonly number[];
  onPageSize?: (size: number) => void;
}

export function Pager({ page, pageSize, total, onPage, pageSizes, onPageSize }: PagerProps) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <nav class="pager" aria-label={t('pager.label')}>
      <span class="pager-total muted">{tn('pager.total', total)}</span>
      {pageSizes && onPageSize && (
        <label class="pager-size">
          <span>{t('pager.pageSize')}</span>
          <select value={String(pageSize)} onChange={(e) => onPageSize(parseInt((e.target as HTMLSelectElement).value, 10))} data-testid="page-size">
            {pageSizes.map((s) => (
              <option key={s} value={String(s)}>
                {s}
              </option>
            ))}
          </select>
        </label>
      )}
      <div class="pager-buttons">
        <button type="button" class="btn" disabled={page <= 1} onClick={() => onPage(page - 1)} data-testid="pager-prev">
          <span aria-hidden="true">‹ </span>
          {t('pager.prev')}
        </button>
        <span class="pager-info" data-testid="pager-info" aria-live="polite">
          {t('pager.info', { page, pages })}
        </span>
        <button type="button" class="btn" disabled={page >= pages} onClick={() => onPage(page + 1)} data-testid="pager-next">
          {t('pager.next')}
          <span aria-hidden="true"> ›</span>
        </button>
      </div>
    </nav>
  );
}
