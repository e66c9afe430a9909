// "Run skill" on an asset: choose a skill from GET /assets/skills, fill the form generated from
// its parameter descriptors (checked in the browser, and the server's 400 codes shown next to
// their field), confirm when the skill rewrites the original, then wait: the server answers
// 200 with the result when the run finished within its wait, else 202 with the queued
// execution, which is then polled until it finishes.

import { useEffect, useState } from 'preact/hooks';
import { API } from '../api/endpoints';
import { isApiError } from '../api/client';
import type { AssetDetail, Execution, RunStep, Skill, SkillParameter } from '../api/types';
import { errorMessage } from '../lib/errors';
import {
  fieldForCode,
  initialValues,
  isFinished,
  keepsOldObject,
  parametersBody,
  rewritesOriginal,
  validateValues,
  type FieldProblem,
  type FormValues,
} from '../lib/processing';
import { useAsync } from '../lib/useAsync';
import { usePoll } from '../lib/usePoll';
import { formatNumber, t, tMaybe } from '../i18n';
import { CodedError } from '../ui/CodedError';
import { Dialog } from '../ui/Dialog';
import { ErrorState, Loading } from '../ui/states';
import { ExecutionStateBadge, skillLabel, StepsTable, StepStatusBadge } from './AssetProcessing';

type Phase = 'form' | 'confirm' | 'running' | 'queued' | 'done';

export interface ServerProblem {
  code: string;
  message: string;
}

export function paramLabel(p: SkillParameter): string {
  return tMaybe(`skill.param.${p.name.toLowerCase()}`) ?? p.name;
}

function valueLabel(p: SkillParameter, v: string | number): string {
  return tMaybe(`skill.value.${p.name.toLowerCase()}.${String(v).toLowerCase()}`) ?? String(v);
}

export function problemText(p: SkillParameter, problem: FieldProblem): string {
  switch (problem.kind) {
    case 'required':
      return t('run.err.required');
    case 'number':
      return t('run.err.number');
    case 'integer':
      return t('run.err.integer');
    case 'min':
      return t('run.err.min', { min: formatNumber(problem.min) });
    case 'max':
      return t('run.err.max', { max: formatNumber(problem.max) });
    case 'range':
      return t('run.err.range', { min: formatNumber(problem.min), max: formatNumber(problem.max) });
    case 'choice':
      return t('run.err.choice', { values: (p.values ?? []).map((v) => valueLabel(p, v)).join(', ') });
    case 'tooLong':
      return t('run.err.tooLong', { max: formatNumber(problem.max) });
  }
}

function hintFor(p: SkillParameter): string | null {
  const parts: string[] = [];
  if (p.minimum !== null && p.maximum !== null && p.minimum !== undefined && p.maximum !== undefined)
    parts.push(t('run.hint.range', { min: formatNumber(p.minimum), max: formatNumber(p.maximum) }));
  else if (p.minimum !== null && p.minimum !== undefined) parts.push(t('run.hint.min', { min: formatNumber(p.minimum) }));
  if (p.default !== null && p.default !== undefined && p.type !== 'boolean' && !p.values)
    parts.push(t('run.hint.default', { value: String(p.default) }));
  const own = tMaybe(`skill.paramHint.${p.name.toLowerCase()}`);
  if (own) parts.push(own);
  return parts.length ? parts.join(' ') : null;
}

export interface ParamFieldProps {
  p: SkillParameter;
  /** Prefix of the field's id and test id (one form per workflow step). */
  idPrefix?: string;
  value: string | boolean;
  onValue: (v: string | boolean) => void;
  clientError: string | null;
  server: ServerProblem | null;
}

/** One generated field: checkbox, select, slider + number, number, or text. */
export function ParamField({ p, idPrefix = 'run-skill-param', value, onValue, clientError, server }: ParamFieldProps) {
  const id = `${idPrefix}-${p.name}`;
  const hint = hintFor(p);
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = clientError || server ? `${id}-error` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  const invalid = clientError || server ? 'true' : undefined;
  const text = typeof value === 'string' ? value : '';
  const error = (clientError || server) && (
    <p id={errId} class="field-error" data-testid={`${id}-error`} data-code={server?.code ?? ''}>
      {clientError ?? server!.message}
      {server && !clientError && (
        <>
          {' '}
          <code class="error-code">{server.code}</code>
        </>
      )}
    </p>
  );
  const hintEl = hint && (
    <p id={hintId} class="hint">
      {hint}
    </p>
  );

  if (p.type === 'boolean') {
    return (
      <div class="field">
        <div class="check">
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onValue((e.target as HTMLInputElement).checked)} aria-describedby={describedBy} data-testid={id} />
          <label for={id}>{paramLabel(p)}</label>
        </div>
        {hintEl}
        {error}
      </div>
    );
  }
  if (p.values && p.values.length) {
    return (
      <div class="field">
        <label for={id}>{paramLabel(p)}</label>
        <select id={id} value={text} onChange={(e) => onValue((e.target as HTMLSelectElement).value)} aria-describedby={describedBy} aria-invalid={invalid} data-testid={id}>
          {!p.required && (p.default === null || p.default === undefined) && <option value="">{t('run.defaultChoice', { value: p.default === null ? t('common.none') : valueLabel(p, String(p.default)) })}</option>}
          {p.values.map((v) => (
            <option key={String(v)} value={String(v)}>
              {valueLabel(p, v)}
            </option>
          ))}
        </select>
        {hintEl}
        {error}
      </div>
    );
  }
  if (p.type === 'number' || p.type === 'integer') {
    const slider = p.type === 'number' && p.minimum !== null && p.maximum !== null && p.minimum !== undefined && p.maximum !== undefined;
    const step = p.type === 'integer' ? 1 : slider ? (p.maximum! - p.minimum!) / 100 : 'any';
    const n = Number(text);
    return (
      <div class="field">
        <label for={id}>{paramLabel(p)}</label>
        <div class={slider ? 'slider-row' : undefined}>
          {slider && (
            <input
              type="range"
              min={p.minimum!}
              max={p.maximum!}
              step={step}
              value={Number.isFinite(n) && text.trim() ? String(n) : String(p.default ?? p.minimum)}
              onInput={(e) => onValue((e.target as HTMLInputElement).value)}
              aria-label={t('run.slider', { name: paramLabel(p) })}
              aria-describedby={describedBy}
              data-testid={`${id}-slider`}
            />
          )}
          <input
            id={id}
            type="number"
            inputMode={p.type === 'integer' ? 'numeric' : 'decimal'}
            min={p.minimum ?? undefined}
            max={p.maximum ?? undefined}
            step={step}
            value={text}
            onInput={(e) => onValue((e.target as HTMLInputElement).value)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            required={p.required}
            data-testid={id}
          />
        </div>
        {hintEl}
        {error}
      </div>
    );
  }
  return (
    <div class="field">
      <label for={id}>{paramLabel(p)}</label>
      <input id={id} type="text" value={text} onInput={(e) => onValue((e.target as HTMLInputElement).value)} aria-describedby={describedBy} aria-invalid={invalid} required={p.required} data-testid={id} />
      {hintEl}
      {error}
    </div>
  );
}

function RunSteps({ steps }: { steps: RunStep[] }) {
  return (
    <ul class="plain run-steps">
      {steps.map((s, i) => (
        <li key={`${s.name}|${i}`} data-testid="run-result-step" data-step={s.name}>
          <code>{s.name}</code> <StepStatusBadge step={s} /> {s.errorMessage ?? s.message ?? ''}
        </li>
      ))}
    </ul>
  );
}

export interface RunSkillDialogProps {
  asset: AssetDetail;
  onClose: () => void;
  /** A run finished (with the asset as it is now when the server sent it). */
  onFinished: (asset: AssetDetail | null) => void;
  /** A run was queued (202): the page re-reads the asset, whose processing is now queued. */
  onQueued: () => void;
}

export function RunSkillDialog({ asset, onClose, onFinished, onQueued }: RunSkillDialogProps) {
  const skills = useAsync((signal) => API.skills(signal), []);
  const [skillName, setSkillName] = useState('');
  const [values, setValues] = useState<FormValues>({});
  const [tried, setTried] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, ServerProblem>>({});
  const [formError, setFormError] = useState<{ message: string; code: string | null } | null>(null);
  const [phase, setPhase] = useState<Phase>('form');
  const [elapsed, setElapsed] = useState(0);
  const [result, setResult] = useState<{ succeeded: boolean; skillName: string; steps: RunStep[] } | null>(null);
  const [pending, setPending] = useState<Execution | null>(null);
  /** The field to focus when the form shows again (the one the server refused). */
  const [focusField, setFocusField] = useState<string | null>(null);

  const list = skills.data ?? [];
  const skill: Skill | null = list.find((s) => s.skillName === skillName) ?? null;
  const params = skill?.parameters ?? [];

  // The first skill is chosen once the list is there.
  useEffect(() => {
    if (!skillName && list.length) choose(list[0].skillName);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [list.length]);

  // Focus follows the step: the skill menu on the form, the main button of a confirmation or result.
  const loaded = !!skills.data;
  useEffect(() => {
    if (!loaded) return;
    const dlg = document.querySelector('[data-testid=run-skill-dialog]');
    const target =
      phase === 'form'
        ? dlg?.querySelector<HTMLElement>(focusField ? `#run-skill-param-${focusField}` : '#run-skill-select')
        : (dlg?.querySelector<HTMLElement>('[data-autofocus]') ?? dlg?.querySelector<HTMLElement>('[data-testid=run-skill-progress]'));
    target?.focus();
  }, [phase, loaded, focusField]);

  // Seconds spent waiting, shown while running or queued.
  useEffect(() => {
    if (phase !== 'running' && phase !== 'queued') return;
    setElapsed(0);
    const started = Date.now();
    const timer = setInterval(() => setElapsed(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [phase === 'running' || phase === 'queued']);

  // A queued run: its execution is read again (growing delays) until it finishes.
  usePoll(
    phase === 'queued' && !!pending,
    async () => {
      const e = await API.execution(asset.id, pending!.executionId);
      setPending(e);
      if (isFinished(e.state)) {
        setResult({
          succeeded: e.state === 'succeeded',
          skillName: e.skillName,
          steps: e.steps.map((s) => ({ name: s.stepName, succeeded: s.succeeded, errorMessage: s.errorMessage, status: s.status, message: s.message })),
        });
        setPhase('done');
        onFinished(null);
      }
    },
    { first: 1000, max: 5000 },
  );

  const choose = (name: string) => {
    setSkillName(name);
    const s = list.find((x) => x.skillName === name);
    setValues(initialValues(s?.parameters ?? []));
    setTried(false);
    setServerErrors({});
    setFormError(null);
  };

  const setValue = (name: string, v: string | boolean) => {
    setValues((prev) => ({ ...prev, [name]: v }));
    // The server's word on a field holds until that field changes.
    setServerErrors((prev) => {
      if (!prev[name]) return prev;
      const next = { ...prev };
      delete next[name];
      return next;
    });
  };

  const problems = validateValues(params, values);
  const clientErrors = tried ? problems : {};

  const submit = (e: Event) => {
    e.preventDefault();
    setTried(true);
    setFormError(null);
    if (!skill) return;
    if (Object.keys(problems).length) {
      const first = params.find((p) => problems[p.name]);
      if (first) document.getElementById(`run-skill-param-${first.name}`)?.focus();
      return;
    }
    if (rewritesOriginal(skill)) setPhase('confirm');
    else void run();
  };

  const run = async () => {
    if (!skill) return;
    setPhase('running');
    setFocusField(null);
    setServerErrors({});
    setFormError(null);
    try {
      const outcome = await API.runSkill(asset.id, skill.skillName, parametersBody(params, values));
      if (outcome.kind === 'finished') {
        setResult({ succeeded: outcome.result.succeeded, skillName: outcome.result.skillName, steps: outcome.result.steps });
        setPhase('done');
        onFinished(outcome.result.asset ?? null);
      } else {
        setPending(outcome.execution);
        setPhase('queued');
        onQueued();
      }
    } catch (err) {
      setPhase('form');
      const field = isApiError(err) && err.status === 400 ? fieldForCode(skill.skillName, params, err.code) : null;
      if (field && isApiError(err)) {
        setServerErrors({ [field]: { code: err.code, message: err.message } });
        setFocusField(field);
      } else {
        setFormError({ message: errorMessage(err), code: isApiError(err) && err.status > 0 ? err.code : null });
      }
    }
  };

  const busy = phase === 'running';
  const title = t('run.title', { name: asset.originalFileName || t('assets.untitled') });

  let body;
  if (skills.loading && !skills.data) body = <Loading />;
  else if (skills.error && !skills.data) body = <ErrorState error={skills.error} onRetry={skills.reload} />;
  else if (phase === 'confirm' && skill) {
    body = (
      <>
        <div class="dialog-body" data-testid="run-skill-confirm-step">
          <p class="notice notice-warn" id="run-skill-confirm-text">
            {t('run.confirmRewrite', { skill: skillLabel(skill.skillName) })} {keepsOldObject(values) ? t('run.confirmKeep') : t('run.confirmDelete')}
          </p>
        </div>
        <div class="dialog-footer">
          <button type="button" class="btn" onClick={() => setPhase('form')} data-testid="run-skill-back">
            {t('common.back')}
          </button>
          <button type="button" class="btn btn-danger" onClick={() => void run()} aria-describedby="run-skill-confirm-text" data-autofocus data-testid="run-skill-confirm">
            {t('run.confirmButton')}
          </button>
        </div>
      </>
    );
  } else if (phase === 'running' || phase === 'queued') {
    body = (
      <>
        <div class="dialog-body" data-testid="run-skill-progress" data-phase={phase} tabIndex={-1}>
          <div class="state state-loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true" />
            <span>
              {phase === 'running'
                ? t('run.running', { skill: skillLabel(skillName), seconds: formatNumber(elapsed) })
                : t('run.queued', { seconds: formatNumber(elapsed) })}
            </span>
          </div>
          <progress class="run-progress" aria-label={t('run.progressLabel')} />
          {phase === 'queued' && pending && (
            <p class="muted small" data-testid="run-skill-queued">
              {t('run.queuedHint')} <ExecutionStateBadge execution={pending} />
            </p>
          )}
        </div>
        {phase === 'queued' && (
          <div class="dialog-footer">
            <button type="button" class="btn" onClick={onClose} data-testid="run-skill-close">
              {t('common.close')}
            </button>
          </div>
        )}
      </>
    );
  } else if (phase === 'done' && result) {
    body = (
      <>
        <div class="dialog-body" data-testid="run-skill-result" data-succeeded={result.succeeded ? 'true' : 'false'}>
          <p class={`notice ${result.succeeded ? 'notice-success' : 'notice-warn'}`} role="status">
            {result.succeeded ? t('run.succeeded', { skill: skillLabel(result.skillName) }) : t('run.failed', { skill: skillLabel(result.skillName) })}
          </p>
          {pending ? <StepsTable steps={pending.steps} label={t('run.steps')} /> : <RunSteps steps={result.steps} />}
        </div>
        <div class="dialog-footer">
          <button
            type="button"
            class="btn"
            onClick={() => {
              choose(skillName);
              setPending(null);
              setResult(null);
              setPhase('form');
            }}
            data-testid="run-skill-again"
          >
            {t('run.again')}
          </button>
          <button type="button" class="btn btn-primary" onClick={onClose} data-autofocus data-testid="run-skill-done">
            {t('common.close')}
          </button>
        </div>
      </>
    );
  } else {
    body = (
      <form onSubmit={submit} noValidate data-testid="run-skill-form" data-skill={skillName}>
        <div class="dialog-body">
          <div class="field">
            <label for="run-skill-select">{t('run.skill')}</label>
            <select id="run-skill-select" value={skillName} onChange={(e) => choose((e.target as HTMLSelectElement).value)} aria-describedby="run-skill-description" data-testid="run-skill-select">
              {list.map((s) => (
                <option key={s.skillName} value={s.skillName}>
                  {skillLabel(s.skillName)}
                </option>
              ))}
            </select>
            <p id="run-skill-description" class="hint" data-testid="run-skill-description">
              {skill ? (tMaybe(`skill.desc.${skill.skillName}`) ?? skill.description) : ''}
              {skill && rewritesOriginal(skill) && <span class="badge badge-warn">{t('run.rewrites')}</span>}
            </p>
          </div>
          {params.length > 0 && (
            <fieldset class="plain-fieldset run-params" data-testid="run-skill-params">
              <legend class="field-label">{t('run.parameters')}</legend>
              {params.map((p) => (
                <ParamField
                  key={`${skillName}|${p.name}`}
                  p={p}
                  value={values[p.name] ?? ''}
                  onValue={(v) => setValue(p.name, v)}
                  clientError={clientErrors[p.name] ? problemText(p, clientErrors[p.name]) : null}
                  server={serverErrors[p.name] ?? null}
                />
              ))}
            </fieldset>
          )}
          <CodedError error={formError} testid="run-skill-error" />
        </div>
        <div class="dialog-footer">
          <button type="button" class="btn" onClick={onClose} data-testid="run-skill-cancel">
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={!skill} data-testid="run-skill-submit">
            {t('run.submit')}
          </button>
        </div>
      </form>
    );
  }

  return (
    <Dialog title={title} onClose={onClose} busy={busy} testid="run-skill-dialog" size="medium" initialFocus="#run-skill-select">
      {body}
    </Dialog>
  );
}
