// The Workflows page (/workflows, settings.read; changes need settings.update): pick a saved
// workflow or start a new draft, edit its name, description and auto-run switch and its steps
// (WorkflowSteps.tsx), save (POST or PUT with the graph in the original editor's format), delete,
// "Set as auto-run". Unsaved changes are tracked: switching, leaving or reloading asks first.
// Client checks run before saving; the server's 400s land on their field, step or parameter.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { isApiError } from '../api/client';
import { API } from '../api/endpoints';
import type { Skill, Workflow } from '../api/types';
import { can } from '../lib/permissions';
import { setLeaveGuard, useQuery } from '../lib/router';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import {
  descriptorsFrom,
  formSignature,
  hasProblems,
  LIMITS,
  saveBody,
  serverErrorTarget,
  stepsFromGraph,
  validateWorkflow,
  type DescriptorsOf,
  type WorkflowForm,
  type WorkflowProblems,
} from '../lib/workflows';
import { formatDateTime, formatNumber, t } from '../i18n';
import { confirmDialog } from '../ui/confirm';
import { GatedButton } from '../ui/GatedButton';
import { Link } from '../ui/Link';
import { ErrorState, Loading } from '../ui/states';
import { Switch } from '../ui/Switch';
import { toast } from '../ui/toast';
import { useTitle } from '../ui/useTitle';
import { JsonView, StepsEditor, type StepServerError } from './WorkflowSteps';

const NEW = 'new';

interface Loaded {
  /** The saved workflow edited, or null for a new draft. */
  saved: Workflow | null;
  form: WorkflowForm;
  /** The signature of the form as saved (dirty = the form's differs). */
  baseline: string;
  /** The stored text when it is not a graph object (shown in the JSON view to be fixed). */
  unreadable: string | null;
}

function emptyForm(): WorkflowForm {
  return { name: '', description: '', isAutoRun: false, steps: [] };
}

function load(saved: Workflow | null, descriptorsOf: DescriptorsOf): Loaded {
  if (!saved) {
    const form = emptyForm();
    return { saved: null, form, baseline: formSignature(form, descriptorsOf), unreadable: null };
  }
  const read = stepsFromGraph(saved.graphJson, descriptorsOf);
  const form: WorkflowForm = { name: saved.name, description: saved.description ?? '', isAutoRun: saved.isAutoRun, steps: read.ok ? read.steps : [] };
  return { saved, form, baseline: formSignature(form, descriptorsOf), unreadable: read.ok ? null : saved.graphJson };
}

interface ServerErrors {
  name?: string;
  description?: string;
  steps?: { message: string; code: string | null };
  perStep: Record<string, StepServerError>;
}

const NO_SERVER_ERRORS: ServerErrors = { perStep: {} };

export function WorkflowsPage() {
  useTitle(t('wf.title'));
  const { user } = useSession();
  const query = useQuery();
  const list = useAsync((signal) => API.workflows(signal), []);
  const skills = useAsync<Skill[]>((signal) => API.skills(signal), []);
  const canChange = can(user, 'settings.update');

  if ((list.loading && !list.data) || (skills.loading && !skills.data)) return <Loading />;
  if (list.error && !list.data) return <ErrorState error={list.error} onRetry={list.reload} />;
  if (skills.error && !skills.data) return <ErrorState error={skills.error} onRetry={skills.reload} />;
  return (
    <WorkflowsEditor
      workflows={list.data ?? []}
      skills={skills.data ?? []}
      initialId={query.get('id')}
      canChange={canChange}
      setList={(fn) => list.setData((l) => fn(l ?? []))}
    />
  );
}

interface EditorProps {
  workflows: Workflow[];
  skills: Skill[];
  initialId: string | null;
  canChange: boolean;
  setList: (fn: (list: Workflow[]) => Workflow[]) => void;
}

function WorkflowsEditor({ workflows, skills, initialId, canChange, setList }: EditorProps) {
  const descriptorsOf = useMemo(() => descriptorsFrom(skills), [skills]);
  const [state, setState] = useState<Loaded>(() => {
    const first = workflows.find((w) => w.id === initialId) ?? (initialId === NEW ? null : workflows[0]) ?? null;
    return load(first, descriptorsOf);
  });
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState<'save' | 'delete' | 'autorun' | null>(null);
  const [server, setServer] = useState<ServerErrors>(NO_SERVER_ERRORS);

  const { form, saved } = state;
  const dirty = formSignature(form, descriptorsOf) !== state.baseline;
  const problems: WorkflowProblems = validateWorkflow(form, descriptorsOf);
  const shownProblems = tried ? problems : { perStep: {} };
  const readOnly = !canChange;

  // Unsaved changes: in-app navigation asks, a reload or closing the tab is warned by the browser.
  useEffect(() => {
    if (!dirty) return;
    const removeGuard = setLeaveGuard((proceed) => {
      void confirmDiscard().then((ok) => ok && proceed());
      return true;
    });
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      removeGuard();
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [dirty]);

  const confirmDiscard = () =>
    confirmDialog({
      title: t('wf.discard.title'),
      body: t('wf.discard.body', { name: form.name.trim() || t('wf.untitled') }),
      confirmLabel: t('wf.discard.confirm'),
      danger: true,
    });

  const switchTo = async (next: Workflow | null) => {
    if (dirty && !(await confirmDiscard())) return false;
    setState(load(next, descriptorsOf));
    setTried(false);
    setServer(NO_SERVER_ERRORS);
    return true;
  };

  const select = (el: HTMLSelectElement) => {
    const current = saved?.id ?? NEW;
    if (el.value === current) return;
    // Kept changes: the menu shows the workflow still edited (Preact leaves the DOM as chosen).
    void switchTo(el.value === NEW ? null : (workflows.find((w) => w.id === el.value) ?? null)).then((switched) => {
      if (!switched) el.value = current;
    });
  };

  const setForm = (patch: Partial<WorkflowForm>) => setState((s) => ({ ...s, form: { ...s.form, ...patch } }));
  const clearServer = (key: 'name' | 'description' | 'steps') =>
    setServer((s) => {
      if (!s[key]) return s;
      const next = { ...s };
      delete next[key];
      return next;
    });

  const focusFirstProblem = () =>
    requestAnimationFrame(() => {
      const el = document.querySelector<HTMLElement>(
        '[data-testid=wf-form] [aria-invalid=true], [data-testid=wf-steps-error], [data-testid=wf-step][data-invalid=true] .wf-step-title',
      );
      if (el) {
        if (!el.hasAttribute('tabindex') && !/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(el.tagName)) el.setAttribute('tabindex', '-1');
        el.focus();
      }
    });

  const save = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (readOnly) return;
    if (hasProblems(problems)) {
      focusFirstProblem();
      return;
    }
    setBusy('save');
    setServer(NO_SERVER_ERRORS);
    try {
      const body = saveBody(form, descriptorsOf);
      const result = saved ? await API.updateWorkflow(saved.id, body) : await API.createWorkflow(body);
      const normalized: WorkflowForm = { ...form, name: body.name, description: body.description ?? '' };
      setState({ saved: result, form: normalized, baseline: formSignature(normalized, descriptorsOf), unreadable: null });
      setTried(false);
      setList((l) => upsert(l, result));
      toast.success(t(saved ? 'wf.saved' : 'wf.created', { name: result.name }));
    } catch (err) {
      if (isApiError(err) && err.status === 400) {
        const target = serverErrorTarget(err.code, err.message, form.steps, descriptorsOf);
        if (target.field === 'name') setServer({ perStep: {}, name: err.message });
        else if (target.field === 'description') setServer({ perStep: {}, description: err.message });
        else if (target.stepIndex !== null && !target.field) {
          const step = form.steps[target.stepIndex];
          setServer({ perStep: { [step.key]: { param: target.param, problem: { code: err.code, message: err.message } } } });
        } else {
          const perStep: Record<string, StepServerError> = {};
          if (target.stepIndex !== null) perStep[form.steps[target.stepIndex].key] = { param: null, problem: { code: err.code, message: err.message } };
          setServer({ perStep, steps: { message: err.message, code: err.code } });
        }
        focusFirstServerError();
      } else toast.error(err);
    } finally {
      setBusy(null);
    }
  };

  const focusFirstServerError = () =>
    requestAnimationFrame(() => {
      const el =
        document.querySelector<HTMLElement>('[data-testid=wf-form] [aria-invalid=true]') ??
        document.querySelector<HTMLElement>('[data-testid=wf-steps-error]') ??
        document.querySelector<HTMLElement>('[data-testid=wf-step-server-error]');
      if (!el) return;
      if (!/^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) el.setAttribute('tabindex', '-1');
      el.focus();
    });

  const discard = async () => {
    if (!(await confirmDiscard())) return;
    setState(load(saved, descriptorsOf));
    setTried(false);
    setServer(NO_SERVER_ERRORS);
  };

  const remove = async () => {
    if (!saved) return;
    const ok = await confirmDialog({
      title: t('wf.delete.title', { name: saved.name }),
      body: t('wf.delete.body') + (saved.isAutoRun ? ' ' + t('wf.delete.bodyAutoRun') : ''),
      confirmLabel: t('common.delete'),
      danger: true,
    });
    if (!ok) return;
    setBusy('delete');
    try {
      await API.deleteWorkflow(saved.id);
      toast.success(t('wf.deleted', { name: saved.name }));
      const rest = workflows.filter((w) => w.id !== saved.id);
      setList(() => rest);
      setState(load(rest[0] ?? null, descriptorsOf));
      setTried(false);
      setServer(NO_SERVER_ERRORS);
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(null);
    }
  };

  const makeAutoRun = async () => {
    if (!saved) return;
    const current = workflows.find((w) => w.isAutoRun && w.id !== saved.id);
    const ok = await confirmDialog({
      title: t('wf.autorun.title', { name: saved.name }),
      body: t('wf.autorun.body') + (current ? ' ' + t('wf.autorun.replaces', { name: current.name }) : ''),
      confirmLabel: t('wf.autorun.confirm'),
    });
    if (!ok) return;
    setBusy('autorun');
    try {
      const result = await API.setAutoRunWorkflow(saved.id);
      setList((l) => upsert(l.map((w) => ({ ...w, isAutoRun: false })), result));
      setState(load(result, descriptorsOf));
      toast.success(t('wf.autorun.done', { name: result.name }));
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(null);
    }
  };

  const nameError = server.name ?? (shownProblems.name ? t(`wf.problem.name.${shownProblems.name}`, { max: formatNumber(LIMITS.name) }) : null);
  const descriptionError =
    server.description ?? (shownProblems.description ? t('wf.problem.description.tooLong', { max: formatNumber(LIMITS.description) }) : null);
  const listError = server.steps ?? (shownProblems.steps ? { message: t(`wf.problem.steps.${shownProblems.steps}`, { max: formatNumber(LIMITS.nodes) }), code: null } : null);
  const changeReason = canChange ? null : t('wf.needPermission', { permission: 'settings.update' });
  const sorted = [...workflows].sort((a, b) => Number(b.isAutoRun) - Number(a.isAutoRun) || a.name.localeCompare(b.name));
  const nameChars = [...form.name.trim()].length;
  const descriptionChars = [...form.description.trim()].length;

  return (
    <section class="stack" data-testid="wf-page">
      <div class="page-head">
        <h1 id="wf-title">{t('wf.title')}</h1>
        <GatedButton onClick={() => void switchTo(null)} reason={changeReason} class="btn btn-primary" testid="wf-new">
          {t('wf.new')}
        </GatedButton>
      </div>
      <p class="hint">{t('wf.intro')}</p>
      {readOnly && <p class="notice">{t('wf.readOnly', { permission: 'settings.update' })}</p>}

      <div class="card wf-select-card">
        <div class="field">
          <label for="wf-select">{t('wf.select')}</label>
          <select id="wf-select" value={saved?.id ?? NEW} onChange={(e) => select(e.target as HTMLSelectElement)} data-testid="wf-select">
            {sorted.map((w) => (
              <option key={w.id} value={w.id}>
                {w.isAutoRun ? t('wf.optionAutoRun', { name: w.name }) : w.name}
              </option>
            ))}
            {(!saved || canChange) && <option value={NEW}>{t('wf.newDraft')}</option>}
          </select>
          {workflows.length === 0 && <p class="hint">{t('wf.none')}</p>}
        </div>
        {saved && (
          <p class="muted small" data-testid="wf-meta">
            {saved.isAutoRun && (
              <span class="badge badge-ready" data-testid="wf-autorun-badge">
                {t('wf.autoRunBadge')}
              </span>
            )}{' '}
            {t('wf.updated', { time: formatDateTime(saved.updatedAtUtc) })}
          </p>
        )}
        {dirty && (
          <p class="notice notice-warn small" role="status" data-testid="wf-dirty">
            {t('wf.dirty')}
          </p>
        )}
      </div>

      {state.unreadable !== null && (
        <p class="notice notice-warn" role="alert" data-testid="wf-unreadable">
          {t('wf.unreadable')}
        </p>
      )}

      <form onSubmit={save} noValidate data-testid="wf-form" data-workflow-id={saved?.id ?? ''} aria-labelledby="wf-title" class="stack">
        <section class="card" aria-labelledby="wf-details-title">
          <h2 id="wf-details-title">{saved ? t('wf.details', { name: saved.name }) : t('wf.newDraft')}</h2>
          <fieldset class="plain-fieldset" disabled={readOnly || !!busy}>
            <div class="field">
              <label for="wf-name">
                {t('wf.name')} ({t('common.required').toLowerCase()})
              </label>
              <input
                id="wf-name"
                value={form.name}
                onInput={(e) => {
                  setForm({ name: (e.target as HTMLInputElement).value });
                  clearServer('name');
                }}
                aria-describedby={['wf-name-count', nameError ? 'wf-name-error' : ''].filter(Boolean).join(' ')}
                aria-invalid={nameError ? 'true' : undefined}
                autocomplete="off"
                data-testid="wf-name"
              />
              <p id="wf-name-count" class={`hint${nameChars > LIMITS.name ? ' over' : ''}`}>
                {t('wf.count', { n: formatNumber(nameChars), max: formatNumber(LIMITS.name) })}
              </p>
              {nameError && (
                <p id="wf-name-error" class="field-error" data-testid="wf-name-error">
                  {nameError}
                </p>
              )}
            </div>
            <div class="field">
              <label for="wf-description">{t('wf.description')}</label>
              <textarea
                id="wf-description"
                rows={3}
                value={form.description}
                onInput={(e) => {
                  setForm({ description: (e.target as HTMLTextAreaElement).value });
                  clearServer('description');
                }}
                aria-describedby={['wf-description-count', descriptionError ? 'wf-description-error' : ''].filter(Boolean).join(' ')}
                aria-invalid={descriptionError ? 'true' : undefined}
                data-testid="wf-description"
              />
              <p id="wf-description-count" class={`hint${descriptionChars > LIMITS.description ? ' over' : ''}`}>
                {t('wf.count', { n: formatNumber(descriptionChars), max: formatNumber(LIMITS.description) })}
              </p>
              {descriptionError && (
                <p id="wf-description-error" class="field-error" data-testid="wf-description-error">
                  {descriptionError}
                </p>
              )}
            </div>
            <div class="field">
              <span class="field-label" aria-hidden="true">
                {t('wf.autoRun')}
              </span>
              <Switch
                checked={form.isAutoRun}
                onChange={(v) => setForm({ isAutoRun: v })}
                label={t('wf.autoRun')}
                text={form.isAutoRun ? t('wf.autoRunOn') : t('wf.autoRunOff')}
                disabled={readOnly}
                reason={changeReason}
                testid="wf-autorun"
              />
              <p class="hint">{t('wf.autoRunHint')}</p>
            </div>
          </fieldset>
        </section>

        <StepsEditor
          steps={form.steps}
          onSteps={(steps) => {
            setForm({ steps });
            clearServer('steps');
          }}
          descriptorsOf={descriptorsOf}
          readOnly={readOnly}
          checks={shownProblems.perStep}
          serverErrors={server.perStep}
          onStepEdited={(key) =>
            setServer((s) => {
              if (!s.perStep[key]) return s;
              const perStep = { ...s.perStep };
              delete perStep[key];
              return { ...s, perStep };
            })
          }
          listError={listError}
        />

        <JsonView
          key={saved?.id ?? NEW}
          steps={form.steps}
          descriptorsOf={descriptorsOf}
          readOnly={readOnly}
          unreadable={state.unreadable !== null && form.steps.length === 0 ? state.unreadable : null}
          onApply={(steps) => {
            setForm({ steps });
            setServer(NO_SERVER_ERRORS);
          }}
        />

        <div class="card form-actions wf-actions" data-testid="wf-actions">
          <GatedButton type="submit" onClick={() => undefined} reason={changeReason} busy={busy === 'save'} class="btn btn-primary" testid="wf-save">
            {busy === 'save' ? t('common.saving') : saved ? t('wf.save') : t('wf.create')}
          </GatedButton>
          {dirty && (
            <button type="button" class="btn" onClick={() => void discard()} disabled={!!busy} data-testid="wf-discard">
              {t('wf.discard.button')}
            </button>
          )}
          {saved && !saved.isAutoRun && (
            <GatedButton
              onClick={() => void makeAutoRun()}
              reason={changeReason ?? (dirty ? t('wf.autorun.saveFirst') : null)}
              busy={busy === 'autorun'}
              testid="wf-set-autorun"
            >
              {t('wf.autorun.button')}
            </GatedButton>
          )}
          {saved && (
            <GatedButton onClick={() => void remove()} reason={changeReason} busy={busy === 'delete'} class="btn btn-small btn-danger" testid="wf-delete">
              {t('common.delete')}
            </GatedButton>
          )}
          {saved && !saved.isAutoRun && dirty && canChange && <p class="hint small">{t('wf.autorun.saveFirst')}</p>}
        </div>
      </form>
      <p class="muted small">
        <Link href="/jobs">{t('wf.jobsLink')}</Link>
      </p>
    </section>
  );
}

function upsert(list: Workflow[], w: Workflow): Workflow[] {
  const others = w.isAutoRun ? list.map((x) => (x.id === w.id ? x : { ...x, isAutoRun: false })) : list;
  return others.some((x) => x.id === w.id) ? others.map((x) => (x.id === w.id ? w : x)) : [...others, w];
}
