// The processing panels of the asset page: processing state, derivatives (with their images),
// structured results, and the execution history with each step's outcome.

import { useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { AssetDetail, Derivative, Execution, ExecutionStep, Processing } from '../api/types';
import { durationMs, executionState, prettyJson, stepStatus } from '../lib/processing';
import { useAsync } from '../lib/useAsync';
import { formatBytes, formatDateTime, formatNumber, t, tMaybe, tn, type MessageKey } from '../i18n';
import { openDerivative, useDerivativeUrl } from '../ui/AssetImage';
import { Pager } from '../ui/Pager';
import { Empty, ErrorState, Loading } from '../ui/states';
import { TagChips } from '../ui/TagChips';
import { toast } from '../ui/toast';
import { dims } from './Assets';

/** "1.2 s" / "350 ms" for a duration, or "—". */
export function formatMs(ms: number | null): string {
  if (ms === null) return t('common.none');
  if (ms < 1000) return t('exec.ms', { ms: formatNumber(ms) });
  return t('exec.seconds', { s: formatNumber(Math.round(ms / 100) / 10) });
}

export function skillLabel(name: string): string {
  return tMaybe(`skill.name.${name}`) ?? name;
}

export function ProcessingPanel({ processing, onRun }: { processing: Processing | null | undefined; onRun: (() => void) | null }) {
  const state = processing?.state ?? 'idle';
  return (
    <section class="card" aria-labelledby="proc-title" data-testid="asset-processing" data-state={state}>
      <div class="page-head">
        <h2 id="proc-title">{t('processing.title')}</h2>
        {onRun && (
          <button type="button" class="btn btn-primary" onClick={onRun} data-testid="asset-run-skill">
            {t('run.open')}
          </button>
        )}
      </div>
      <p class="processing-line" role="status">
        {(state === 'queued' || state === 'running') && <span class="spinner inline" aria-hidden="true" />}
        <span class={`badge badge-proc-${state}`} data-testid="asset-processing-state">
          {t(`processing.state.${state}` as MessageKey)}
        </span>{' '}
        <span class="muted">
          {state === 'idle' ? t('processing.idleHint') : state === 'failed' ? t('processing.failedHint') : tn('processing.pendingJobs', processing?.pendingJobs ?? 0)}
        </span>
      </p>
      {processing?.lastError && (
        <p class="field-error break" data-testid="asset-processing-error">
          {t('processing.lastError', { error: processing.lastError })}
        </p>
      )}
    </section>
  );
}

function DerivativeCard({ d, alt }: { d: Derivative; alt: string }) {
  const { url, error } = useDerivativeUrl(d);
  const open = () => openDerivative(d).catch((err) => toast.error(err));
  return (
    <li class="derivative-card" data-testid="asset-derivative" data-kind={d.kind}>
      <div class="derivative-image">
        {url ? (
          <img src={url} alt={t('der.imageAlt', { kind: d.kind, alt })} loading="lazy" decoding="async" width={d.width ?? undefined} height={d.height ?? undefined} />
        ) : error ? (
          <span class="thumb-placeholder">{t('thumb.loadFailed')}</span>
        ) : (
          <span class="thumb-placeholder">
            <span class="spinner" aria-hidden="true" />
            <span class="sr-only">{t('common.loading')}</span>
          </span>
        )}
      </div>
      <dl class="kv kv-compact">
        <dt>{t('asset.der.kind')}</dt>
        <dd>
          <code>{d.kind}</code>
        </dd>
        <dt>{t('asset.contentType')}</dt>
        <dd>
          <code>{d.contentType}</code>
        </dd>
        <dt>{t('asset.size')}</dt>
        <dd>{formatBytes(d.size)}</dd>
        <dt>{t('asset.dimensions')}</dt>
        <dd data-testid="derivative-dimensions">{dims(d.width, d.height)}</dd>
        <dt>{t('asset.created')}</dt>
        <dd>{formatDateTime(d.createdAtUtc)}</dd>
      </dl>
      {(d.publicUrl || d.contentUrl) && (
        <button type="button" class="btn btn-small" onClick={open} aria-label={t('der.openLabel', { kind: d.kind })}>
          {t('common.open')}
        </button>
      )}
    </li>
  );
}

export function DerivativesPanel({ asset, alt }: { asset: AssetDetail; alt: string }) {
  return (
    <section class="card" aria-labelledby="der-title">
      <h2 id="der-title">{t('asset.derivatives')}</h2>
      {asset.derivatives.length === 0 ? (
        <p class="muted" data-testid="asset-no-derivatives">
          {t('asset.noDerivatives')}
        </p>
      ) : (
        <ul class="derivative-grid" data-testid="asset-derivatives">
          {asset.derivatives.map((d) => (
            <DerivativeCard key={`${d.kind}|${d.createdAtUtc}|${d.size}`} d={d} alt={alt} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function ResultsPanel({ asset }: { asset: AssetDetail }) {
  const caption = asset.structuredResults
    .map((r) => {
      try {
        const p = JSON.parse(r.payloadJson) as { caption?: string; altText?: string; tags?: unknown; generator?: string };
        if (!p.caption) return null;
        const tags = Array.isArray(p.tags) ? p.tags.filter((x): x is string => typeof x === 'string') : [];
        return { caption: p.caption, altText: p.altText ?? null, tags, generator: p.generator ?? null };
      } catch {
        return null;
      }
    })
    .find(Boolean);
  return (
    <section class="card" aria-labelledby="results-title" data-testid="asset-structured-results">
      <h2 id="results-title">{t('asset.results')}</h2>
      {caption && (
        <blockquote class="caption" data-testid="asset-caption">
          <p data-testid="asset-caption-text">{caption.caption}</p>
          {caption.altText && (
            <p class="small" data-testid="asset-caption-alt">
              {t('asset.captionAlt', { alt: caption.altText })}
            </p>
          )}
          {caption.tags.length > 0 && <TagChips tags={caption.tags} testid="asset-caption-tags" />}
          {caption.generator && <footer class="muted small">{t('asset.generator', { generator: caption.generator })}</footer>}
        </blockquote>
      )}
      {asset.structuredResults.length === 0 ? (
        <p class="muted">{t('results.none')}</p>
      ) : (
        asset.structuredResults.map((r) => (
          <div key={r.kind} class="result-block" data-testid="structured-result" data-kind={r.kind}>
            <h3>
              <code>{r.kind}</code> <span class="muted small">{formatDateTime(r.createdAtUtc)}</span>
            </h3>
            <pre class="json" tabIndex={0} aria-label={t('results.payload', { kind: r.kind })}>
              {prettyJson(r.payloadJson)}
            </pre>
          </div>
        ))
      )}
    </section>
  );
}

export function StepStatusBadge({ step }: { step: Pick<ExecutionStep, 'status' | 'succeeded'> }) {
  const status = stepStatus(step);
  return (
    <span class={`badge badge-step-${status}`} data-testid="step-status" data-status={status}>
      {t(`step.status.${status}` as MessageKey)}
    </span>
  );
}

export function ExecutionStateBadge({ execution }: { execution: Pick<Execution, 'state' | 'succeeded' | 'completedAtUtc'> }) {
  const state = executionState(execution);
  return (
    <span class={`badge badge-exec-${state}`} data-testid="execution-state" data-state={state}>
      {t(`exec.state.${state}` as MessageKey)}
    </span>
  );
}

export function StepsTable({ steps, label }: { steps: ExecutionStep[]; label: string }) {
  if (!steps.length) return <p class="muted small">{t('exec.noSteps')}</p>;
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      <table class="table table-compact">
        <thead>
          <tr>
            <th scope="col">{t('asset.exec.step')}</th>
            <th scope="col">{t('asset.exec.result')}</th>
            <th scope="col">{t('exec.message')}</th>
            <th scope="col">{t('exec.duration')}</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s, i) => (
            <tr key={`${s.stepName}|${i}`} data-testid="execution-step" data-step={s.stepName} data-status={stepStatus(s)}>
              <th scope="row">
                <code>{s.stepName}</code>
              </th>
              <td>
                <StepStatusBadge step={s} />
              </td>
              <td class="break">{s.errorMessage ?? s.message ?? t('common.none')}</td>
              <td>{formatMs(durationMs(s.startedAtUtc, s.completedAtUtc))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ExecutionItem({ e }: { e: Execution }) {
  const label = t('exec.itemLabel', { skill: skillLabel(e.skillName), time: formatDateTime(e.startedAtUtc) });
  return (
    <li class="execution" data-testid="execution-item" data-execution-id={e.executionId} data-skill={e.skillName} data-state={executionState(e)}>
      <div class="execution-head">
        <code class="execution-skill">{e.skillName}</code>
        <ExecutionStateBadge execution={e} />
        <span class="muted small">
          {t('exec.trigger', { trigger: tMaybe(`exec.trigger.${e.triggerSource}`) ?? e.triggerSource })}
          {e.attempt ? ` · ${t('exec.attempt', { attempt: e.attempt })}` : ''}
        </span>
      </div>
      <p class="muted small">
        {t('exec.times', {
          started: formatDateTime(e.startedAtUtc),
          duration: formatMs(durationMs(e.startedAtUtc, e.completedAtUtc)),
        })}
      </p>
      {e.parametersJson && e.parametersJson !== '{}' && (
        <p class="small">
          {t('exec.parameters')} <code class="break">{e.parametersJson}</code>
        </p>
      )}
      {e.lastError && <p class="field-error break">{e.lastError}</p>}
      <StepsTable steps={e.steps} label={label} />
    </li>
  );
}

const HISTORY_PAGE_SIZE = 5;

/** GET /assets/{id}/executions, newest first, paged; `version` re-reads it (after a run). */
export function ExecutionHistory({ assetId, version }: { assetId: string; version: string }) {
  const [page, setPage] = useState(1);
  const list = useAsync((signal) => API.executions(assetId, { page, pageSize: HISTORY_PAGE_SIZE }, signal), [assetId, page, version]);
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">{t('exec.history')}</h2>
      {list.loading && !list.data ? (
        <Loading />
      ) : list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.data || list.data.items.length === 0 ? (
        <Empty>{t('exec.none')}</Empty>
      ) : (
        <>
          <ol class="execution-list" data-testid="execution-history" aria-busy={list.loading ? 'true' : undefined}>
            {list.data.items.map((e) => (
              <ExecutionItem key={e.executionId} e={e} />
            ))}
          </ol>
          {list.data.total > HISTORY_PAGE_SIZE && <Pager page={list.data.page} pageSize={list.data.pageSize} total={list.data.total} onPage={setPage} />}
        </>
      )}
    </section>
  );
}
