// The Jobs page (settings.read): the processing queue by state, with counts, each job's asset,
// skill, attempts and last error; retry (failed, cancelled) and cancel (queued, running) for
// holders of settings.update. Refreshes by itself while anything is queued or running.

import { useRef } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { Job, JobCounts, JobState } from '../api/types';
import { can } from '../lib/permissions';
import { intParam, navigate, useLocation, withQuery } from '../lib/router';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { usePoll } from '../lib/usePoll';
import { formatDateTime, formatNumber, t, tMaybe, type MessageKey } from '../i18n';
import { confirmDialog } from '../ui/confirm';
import { Link } from '../ui/Link';
import { Pager } from '../ui/Pager';
import { Empty, ErrorState, Loading } from '../ui/states';
import { toast } from '../ui/toast';
import { useTitle } from '../ui/useTitle';
import { skillLabel } from './AssetProcessing';

export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'failed', 'succeeded', 'cancelled'];
const TABS: readonly ('' | JobState)[] = ['', ...JOB_STATES];
const PAGE_SIZES = [20, 50, 100] as const;

export function parseJobsQuery(search: string): { state: '' | JobState; page: number; pageSize: number } {
  const q = new URLSearchParams(search);
  const raw = q.get('state') ?? '';
  return {
    state: (JOB_STATES as readonly string[]).includes(raw) ? (raw as JobState) : '',
    page: intParam(q, 'page', 1),
    pageSize: intParam(q, 'pageSize', 20, PAGE_SIZES),
  };
}

export function totalOf(counts: JobCounts | undefined): number {
  if (!counts) return 0;
  return JOB_STATES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
}

/** What a job does: its skill, else its kind ("asset.process" → "Processing after upload"). */
export function jobLabel(j: Pick<Job, 'skillName' | 'kind'>): string {
  return j.skillName ? skillLabel(j.skillName) : (tMaybe(`jobs.kind.${j.kind}`) ?? j.kind);
}

/** Ids are UUIDv7 (time first), so jobs of one minute share their start: show both ends. */
export function shortId(id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

export const canRetry = (j: Job) => j.state === 'failed' || j.state === 'cancelled';
export const canCancel = (j: Job) => j.state === 'queued' || (j.state === 'running' && !j.cancelRequested);

function JobStateCell({ job }: { job: Job }) {
  return (
    <>
      <span class={`badge badge-job-${job.state}`} data-testid="job-state" data-state={job.state}>
        {t(`jobs.state.${job.state}` as MessageKey)}
      </span>
      {job.cancelRequested && job.state === 'running' && <span class="badge badge-warn">{t('jobs.cancelRequested')}</span>}
      {job.state === 'queued' && job.attempts > 0 && job.runAfterUtc && (
        <span class="muted small block">{t('jobs.retryAt', { time: formatDateTime(job.runAfterUtc) })}</span>
      )}
    </>
  );
}

export function JobsPage() {
  useTitle(t('jobs.title'));
  const { user } = useSession();
  const loc = useLocation();
  const { state, page, pageSize } = parseJobsQuery(loc.search);
  const mayUpdate = can(user, 'settings.update');
  const go = (values: { state?: '' | JobState; page?: number; pageSize?: number }, replace = false) =>
    navigate(withQuery('/jobs', { state, page, pageSize, ...values }, { page: 1, pageSize: 20 }), { replace });

  const key = `${state}|${page}|${pageSize}`;
  const list = useAsync((signal) => API.jobs({ state, page, pageSize }, signal), [key]);
  const currentKey = useRef(key);
  currentKey.current = key;
  const counts = list.data?.counts;
  const active = !!counts && (counts.queued > 0 || counts.running > 0);
  usePoll(
    active,
    async () => {
      const k = key;
      const fresh = await API.jobs({ state, page, pageSize });
      if (currentKey.current === k) list.setData(() => fresh);
    },
    { first: 1500, factor: 1.4, max: 6000, resetKey: key },
  );

  const act = async (job: Job, action: 'retry' | 'cancel') => {
    const ok = await confirmDialog({
      title: t(action === 'retry' ? 'jobs.retryTitle' : 'jobs.cancelTitle', { skill: jobLabel(job) }),
      body: t(action === 'retry' ? 'jobs.retryBody' : job.state === 'running' ? 'jobs.cancelRunningBody' : 'jobs.cancelBody'),
      confirmLabel: t(action === 'retry' ? 'jobs.retry' : 'jobs.cancel'),
      danger: action === 'cancel',
    });
    if (!ok) return;
    try {
      const updated = action === 'retry' ? await API.retryJob(job.id) : await API.cancelJob(job.id);
      toast.success(t(action === 'retry' ? 'jobs.retried' : updated.state === 'cancelled' ? 'jobs.cancelled' : 'jobs.cancelRequestedToast'));
    } catch (err) {
      toast.error(err);
    }
    list.reload();
  };

  // Arrow keys move between the tabs (ARIA tabs pattern); choosing one filters at once.
  const onTabKey = (e: KeyboardEvent, index: number) => {
    let next = -1;
    if (e.key === 'ArrowRight') next = (index + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') next = (index - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = TABS.length - 1;
    if (next < 0) return;
    e.preventDefault();
    go({ state: TABS[next], page: 1 });
    setTimeout(() => document.getElementById(`jobs-tab-${TABS[next] || 'all'}`)?.focus(), 0);
  };

  const items = list.data?.items ?? [];

  return (
    <section class="stack">
      <div class="page-head">
        <h1 id="jobs-title">{t('jobs.title')}</h1>
        {active && (
          <span class="muted small" role="status" data-testid="jobs-auto-refresh">
            <span class="spinner inline" aria-hidden="true" /> {t('jobs.autoRefresh')}
          </span>
        )}
      </div>
      <p class="muted">{t('jobs.intro')}</p>

      <div class="tabs" role="tablist" aria-label={t('jobs.filter')} data-testid="jobs-tabs">
        {TABS.map((s, i) => {
          const selected = s === state;
          const count = s ? (counts?.[s] ?? null) : counts ? totalOf(counts) : null;
          return (
            <button
              key={s || 'all'}
              id={`jobs-tab-${s || 'all'}`}
              type="button"
              role="tab"
              class="tab"
              aria-selected={selected ? 'true' : 'false'}
              aria-controls="jobs-panel"
              tabIndex={selected ? 0 : -1}
              onClick={() => go({ state: s, page: 1 })}
              onKeyDown={(e) => onTabKey(e as unknown as KeyboardEvent, i)}
              data-testid={`jobs-tab-${s || 'all'}`}
              data-count={count ?? ''}
            >
              {s ? t(`jobs.state.${s}` as MessageKey) : t('jobs.all')}
              {count !== null && <span class="tab-count">{formatNumber(count)}</span>}
            </button>
          );
        })}
      </div>

      <div id="jobs-panel" role="tabpanel" aria-labelledby={`jobs-tab-${state || 'all'}`} tabIndex={-1}>
        {list.loading && !list.data ? (
          <Loading />
        ) : list.error && !list.data ? (
          <ErrorState error={list.error} onRetry={list.reload} />
        ) : items.length === 0 ? (
          <Empty>{state ? t(`jobs.empty.${state}` as MessageKey) : t('jobs.empty')}</Empty>
        ) : (
          <div class="table-wrap" role="region" aria-labelledby="jobs-title" tabIndex={0}>
            <table class="table" data-testid="jobs-table" aria-busy={list.loading ? 'true' : undefined}>
              <thead>
                <tr>
                  <th scope="col">{t('jobs.col.asset')}</th>
                  <th scope="col">{t('jobs.col.skill')}</th>
                  <th scope="col">{t('jobs.col.state')}</th>
                  <th scope="col">{t('jobs.col.attempts')}</th>
                  <th scope="col">{t('jobs.col.lastError')}</th>
                  <th scope="col">{t('jobs.col.created')}</th>
                  <th scope="col">{t('jobs.col.started')}</th>
                  <th scope="col">{t('jobs.col.finished')}</th>
                  {mayUpdate && <th scope="col">{t('common.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {items.map((j) => (
                  <tr key={j.id} data-testid="job-row" data-job-id={j.id} data-state={j.state} data-asset-id={j.assetId ?? ''} data-skill={j.skillName ?? ''}>
                    <td>
                      {j.assetId ? (
                        <Link href={`/assets/${j.assetId}`} data-testid="job-asset-link" title={j.assetId} aria-label={`${t('jobs.assetLink')} ${shortId(j.assetId)}`}>
                          <code class="nowrap">{shortId(j.assetId)}</code>
                        </Link>
                      ) : (
                        t('common.none')
                      )}
                    </td>
                    <th scope="row">
                      {j.skillName ? <code>{j.skillName}</code> : <span>{jobLabel(j)}</span>}
                      <span class="muted small block">
                        {t('exec.trigger', { trigger: tMaybe(`exec.trigger.${j.triggerSource}`) ?? j.triggerSource ?? t('common.none') })}
                      </span>
                    </th>
                    <td>
                      <JobStateCell job={j} />
                    </td>
                    <td data-testid="job-attempts">{t('jobs.attempts', { attempts: formatNumber(j.attempts), max: formatNumber(j.maxAttempts) })}</td>
                    <td class="break job-error" data-testid="job-error">
                      {j.lastError ? <span title={j.lastError}>{j.lastError}</span> : t('common.none')}
                    </td>
                    <td>{formatDateTime(j.createdAtUtc)}</td>
                    <td>{formatDateTime(j.startedAtUtc)}</td>
                    <td>{formatDateTime(j.finishedAtUtc)}</td>
                    {mayUpdate && (
                      <td>
                        <div class="row-actions">
                          {canRetry(j) && (
                            <button type="button" class="btn btn-small" onClick={() => act(j, 'retry')} data-testid="job-retry" aria-label={t('jobs.retryLabel', { id: j.id })}>
                              {t('jobs.retry')}
                            </button>
                          )}
                          {canCancel(j) && (
                            <button type="button" class="btn btn-small btn-danger" onClick={() => act(j, 'cancel')} data-testid="job-cancel" aria-label={t('jobs.cancelLabel', { id: j.id })}>
                              {t('jobs.cancel')}
                            </button>
                          )}
                        </div>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      {list.data && list.data.total > 0 && (
        <Pager page={list.data.page} pageSize={list.data.pageSize} total={list.data.total} onPage={(p) => go({ page: p })} pageSizes={PAGE_SIZES} onPageSize={(s) => go({ pageSize: s, page: 1 })} />
      )}
    </section>
  );
}
