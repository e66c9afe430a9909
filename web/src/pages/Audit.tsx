import { useEffect, useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { AuditEntry } from '../api/types';
import { intParam, navigate, useLocation, withQuery } from '../lib/router';
import { useAsync } from '../lib/useAsync';
import { formatDateTime, t, tMaybe, tn } from '../i18n';
import { Pager } from '../ui/Pager';
import { Empty, ErrorState, Loading } from '../ui/states';
import { useTitle } from '../ui/useTitle';

export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.change_password',
  'user.create',
  'user.update',
  'user.status',
  'user.reset_password',
  'user.permissions',
  'api_key.create',
  'api_key.revoke',
  'asset.delete',
  'asset.visibility',
  'job.retry',
  'job.cancel',
  'ai_provider.created',
  'ai_provider.updated',
  'ai_provider.deleted',
  'ai_provider.activated',
  'workflow.created',
  'workflow.updated',
  'workflow.deleted',
  'workflow.autorun',
];

const PAGE_SIZES = [20, 50, 100] as const;
const DEFAULTS = { page: 1, pageSize: 50 };

/** `datetime-local` value (local time) → UTC ISO, or undefined. */
export function localToUtc(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function actionLabel(action: string): string {
  return tMaybe(`audit.act.${action}`) ?? action;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function Changes({ changes }: { changes: AuditEntry['changes'] }) {
  if (!changes || !Object.keys(changes).length) return <span class="muted">{t('common.none')}</span>;
  const entries = Object.entries(changes);
  return (
    <details class="changes">
      <summary>{tn('audit.changes', entries.length)}</summary>
      <ul>
        {entries.map(([field, c]) => (
          <li key={field}>
            <code>{field}</code>: {show(c?.before)} → {show(c?.after)}
          </li>
        ))}
      </ul>
    </details>
  );
}

export function AuditPage() {
  useTitle(t('audit.title'));
  const loc = useLocation();
  const q = new URLSearchParams(loc.search);
  const filters = {
    actor: q.get('actor') ?? '',
    action: q.get('action') ?? '',
    target: q.get('target') ?? '',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
  };
  const page = intParam(q, 'page', DEFAULTS.page);
  const pageSize = intParam(q, 'pageSize', DEFAULTS.pageSize, PAGE_SIZES);
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [loc.search]);

  const go = (values: Partial<typeof filters & { page: number; pageSize: number }>) =>
    navigate(withQuery('/audit', { ...filters, page, pageSize, ...values }, DEFAULTS));

  const log = useAsync(
    (signal) =>
      API.auditLog(
        {
          page,
          pageSize,
          actor: filters.actor || undefined,
          action: filters.action || undefined,
          target: filters.target || undefined,
          fromUtc: localToUtc(filters.from),
          toUtc: localToUtc(filters.to),
        },
        signal,
      ),
    [loc.search],
  );

  const field = (key: keyof typeof filters) => ({
    value: draft[key],
    onInput: (e: Event) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value }),
  });

  const filtered = Object.values(filters).some(Boolean);

  return (
    <section>
      <h1 id="audit-title">{t('audit.title')}</h1>
      <form
        class="toolbar"
        role="search"
        aria-label={t('audit.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          go({ ...draft, page: 1 });
        }}
      >
        <div class="field">
          <label for="audit-actor">{t('audit.actor')}</label>
          <input id="audit-actor" type="search" placeholder={t('audit.actorPlaceholder')} {...field('actor')} data-testid="audit-filter-actor" />
        </div>
        <div class="field">
          <label for="audit-action">{t('audit.action')}</label>
          <select
            id="audit-action"
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: (e.target as HTMLSelectElement).value })}
            data-testid="audit-filter-action"
          >
            <option value="">{t('audit.anyAction')}</option>
            {(AUDIT_ACTIONS.includes(draft.action) || !draft.action ? AUDIT_ACTIONS : [draft.action, ...AUDIT_ACTIONS]).map((a) => (
              <option key={a} value={a}>
                {actionLabel(a)} ({a})
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="audit-target">{t('audit.target')}</label>
          <input id="audit-target" type="search" placeholder={t('audit.targetPlaceholder')} {...field('target')} data-testid="audit-filter-target" />
        </div>
        <div class="field">
          <label for="audit-from">{t('audit.from')}</label>
          <input id="audit-from" type="datetime-local" {...field('from')} data-testid="audit-filter-from" />
        </div>
        <div class="field">
          <label for="audit-to">{t('audit.to')}</label>
          <input id="audit-to" type="datetime-local" {...field('to')} data-testid="audit-filter-to" />
        </div>
        <div class="toolbar-actions">
          <button type="submit" class="btn btn-primary" data-testid="audit-filter-apply">
            {t('common.apply')}
          </button>
          <button type="button" class="btn" disabled={!filtered} onClick={() => navigate('/audit')} data-testid="audit-filter-reset">
            {t('common.reset')}
          </button>
        </div>
      </form>

      {log.loading && !log.data ? (
        <Loading />
      ) : log.error ? (
        <ErrorState error={log.error} onRetry={log.reload} />
      ) : !log.data || log.data.items.length === 0 ? (
        <Empty>{t('audit.empty')}</Empty>
      ) : (
        <>
          <div class="table-wrap" role="region" aria-labelledby="audit-title" tabIndex={0} aria-busy={log.loading ? 'true' : undefined}>
            <table class="table" data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col">{t('audit.col.when')}</th>
                  <th scope="col">{t('audit.col.who')}</th>
                  <th scope="col">{t('audit.col.what')}</th>
                  <th scope="col">{t('audit.col.target')}</th>
                  <th scope="col">{t('audit.col.where')}</th>
                  <th scope="col">{t('audit.col.changes')}</th>
                </tr>
              </thead>
              <tbody>
                {log.data.items.map((e) => (
                  <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                    <td>
                      <time dateTime={e.occurredAtUtc}>{formatDateTime(e.occurredAtUtc)}</time>
                    </td>
                    <td>
                      <div>{e.actorName ?? e.actorId ?? t('common.none')}</div>
                      <div class="muted small">{tMaybe(`audit.actorType.${e.actorType}`) ?? e.actorType}</div>
                    </td>
                    <td>
                      <div>{actionLabel(e.action)}</div>
                      <code class="muted small">{e.action}</code>
                    </td>
                    <td>
                      {e.targetType || e.targetName || e.targetId ? (
                        <>
                          <div>{e.targetName ?? e.targetId}</div>
                          {e.targetType && <div class="muted small">{e.targetType}</div>}
                        </>
                      ) : (
                        t('common.none')
                      )}
                    </td>
                    <td>
                      <div>{e.clientAddress ?? t('common.none')}</div>
                      {e.userAgent && (
                        <div class="muted small ua" title={e.userAgent}>
                          {e.userAgent}
                        </div>
                      )}
                    </td>
                    <td>
                      <Changes changes={e.changes} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={log.data.page}
            pageSize={log.data.pageSize}
            total={log.data.total}
            onPage={(p) => go({ page: p })}
            pageSizes={PAGE_SIZES}
            onPageSize={(s) => go({ pageSize: s, page: 1 })}
          />
        </>
      )}
    </section>
  );
}

