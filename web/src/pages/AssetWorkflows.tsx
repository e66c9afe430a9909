// "Run a workflow" on the asset page: the saved workflows (GET /system/workflows, settings.read),
// one picked and queued on this asset (POST /assets/{id}/workflows/{wid}/run, assets.update, 202);
// the page then follows the asset's processing as for a skill run, and this card follows the
// queued job until it finishes.

import { useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import type { Job, Workflow, WorkflowRunResult } from '../api/types';
import { errorMessage } from '../lib/errors';
import { can } from '../lib/permissions';
import { isFinished } from '../lib/processing';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { usePoll } from '../lib/usePoll';
import { isApiError } from '../api/client';
import { t, tMaybe } from '../i18n';
import { CodedError } from '../ui/CodedError';
import { GatedButton } from '../ui/GatedButton';
import { Link } from '../ui/Link';
import { ErrorState, Loading } from '../ui/states';
import { skillLabel } from './AssetProcessing';
import { canonicalSkill } from '../lib/workflows';

interface Props {
  assetId: string;
  /** Called once the run is queued and again when its job finishes (the page re-reads the asset). */
  onQueued: () => void;
}

export function RunWorkflowCard({ assetId, onQueued }: Props) {
  const { user } = useSession();
  const canList = can(user, 'settings.read');
  const canRun = can(user, 'assets.update');
  if (!canList) return null;
  return <RunWorkflowInner assetId={assetId} onQueued={onQueued} canRun={canRun} />;
}

function RunWorkflowInner({ assetId, onQueued, canRun }: Props & { canRun: boolean }) {
  const list = useAsync<Workflow[]>((signal) => API.workflows(signal), []);
  const [chosen, setChosen] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; code: string | null } | null>(null);
  const [queued, setQueued] = useState<{ run: WorkflowRunResult; name: string; job: Job | null } | null>(null);

  const workflows = [...(list.data ?? [])].sort((a, b) => Number(b.isAutoRun) - Number(a.isAutoRun) || a.name.localeCompare(b.name));
  const selected = workflows.find((w) => w.id === chosen) ?? workflows[0] ?? null;

  // The queued job, read again (growing delays) until it finishes; then the asset once more.
  const jobId = queued?.run.jobId ?? null;
  usePoll(
    !!jobId && !isFinished(queued?.job?.state),
    async () => {
      const job = await API.job(jobId!);
      setQueued((q) => (q && q.run.jobId === job.id ? { ...q, job } : q));
      if (isFinished(job.state)) onQueued();
    },
    { first: 1000, max: 5000, resetKey: jobId },
  );

  const run = async () => {
    if (!selected) return;
    setBusy(true);
    setError(null);
    try {
      const result = await API.runWorkflow(assetId, selected.id);
      setQueued({ run: result, name: selected.name, job: null });
      onQueued();
    } catch (err) {
      setError({ message: errorMessage(err), code: isApiError(err) && err.status > 0 ? err.code : null });
    } finally {
      setBusy(false);
    }
  };

  const runReason = !canRun ? t('assets.needUpdate', { permission: 'assets.update' }) : null;
  const state = queued?.job?.state ?? (queued ? 'queued' : null);

  return (
    <section class="card" aria-labelledby="asset-wf-title" data-testid="asset-workflows">
      <div class="page-head">
        <h2 id="asset-wf-title">{t('asset.wf.title')}</h2>
        <Link href={selected ? `/workflows?id=${encodeURIComponent(selected.id)}` : '/workflows'} data-testid="asset-wf-editor-link">
          {t('asset.wf.editorLink')}
        </Link>
      </div>
      {list.loading && !list.data ? (
        <Loading />
      ) : list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : workflows.length === 0 ? (
        <p class="muted" data-testid="asset-wf-none">
          {t('asset.wf.none')}
        </p>
      ) : (
        <>
          <div class="inline-form">
            <div class="field">
              <label for="asset-wf-select">{t('asset.wf.select')}</label>
              <select id="asset-wf-select" value={selected?.id ?? ''} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)} data-testid="asset-wf-select">
                {workflows.map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.isAutoRun ? t('wf.optionAutoRun', { name: w.name }) : w.name}
                  </option>
                ))}
              </select>
            </div>
            <GatedButton onClick={() => void run()} reason={runReason} busy={busy} class="btn btn-primary" testid="asset-wf-run">
              {busy ? t('asset.wf.queuing') : t('asset.wf.run')}
            </GatedButton>
          </div>
          {selected?.description && <p class="hint">{selected.description}</p>}
          {runReason && <p class="hint">{runReason}</p>}
        </>
      )}
      <CodedError error={error} testid="asset-wf-error" />
      {queued && (
        <p class="notice notice-result" role="status" data-testid="asset-wf-queued" data-state={state ?? ''} data-job-id={queued.run.jobId ?? ''}>
          {t('asset.wf.queued', { name: queued.name, skills: queued.run.skillIds.map((id) => skillLabel(canonicalSkill(id) ?? id)).join(' → ') })}{' '}
          {state && <span class={`badge badge-exec-${state}`}>{tMaybe(`exec.state.${state}`) ?? state}</span>}
          {queued.job?.lastError && <span class="field-error break"> {queued.job.lastError}</span>}
        </p>
      )}
    </section>
  );
}
