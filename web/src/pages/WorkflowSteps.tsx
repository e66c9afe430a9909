// The workflow editor's steps: an ordered list of skill steps, each with the form of its
// parameters (generated from the skill's descriptors), moved by dragging its handle or with
// Move up / Move down (the move is announced and focus stays with the step), removed, added from
// the palette; and the graph as JSON (the original editor's format), read-only or edited and
// applied after it is checked.

import { useEffect, useState } from 'preact/hooks';
import { formatNumber, t, tMaybe } from '../i18n';
import {
  canonicalSkill,
  graphText,
  moveStep,
  newStep,
  PALETTE,
  stepsFromGraph,
  type DescriptorsOf,
  type PaletteSkill,
  type StepCheck,
  type WorkflowStep,
} from '../lib/workflows';
import { rewritesOriginal } from '../lib/processing';
import { CodedError } from '../ui/CodedError';
import { skillLabel } from './AssetProcessing';
import { ParamField, problemText, type ServerProblem } from './RunSkillDialog';

/** A server error placed on one step: on a parameter, or on the step as a whole. */
export interface StepServerError {
  param: string | null;
  problem: ServerProblem;
}

interface StepsEditorProps {
  steps: WorkflowStep[];
  onSteps: (steps: WorkflowStep[]) => void;
  descriptorsOf: DescriptorsOf;
  readOnly: boolean;
  /** Client checks to show (after a first save attempt), by step key. */
  checks: Record<string, StepCheck>;
  serverErrors: Record<string, StepServerError>;
  /** Clears the server's word on a step once it is edited. */
  onStepEdited: (key: string) => void;
  /** A problem of the list as a whole (none, too many, the server's graph error). */
  listError: { message: string; code: string | null } | null;
}

const stepName = (s: WorkflowStep) => (canonicalSkill(s.skillId) ? skillLabel(canonicalSkill(s.skillId)!) : s.skillId);

function focusSoon(selector: string) {
  requestAnimationFrame(() => document.querySelector<HTMLElement>(selector)?.focus());
}

export function StepsEditor({ steps, onSteps, descriptorsOf, readOnly, checks, serverErrors, onStepEdited, listError }: StepsEditorProps) {
  const [announcement, setAnnouncement] = useState('');
  const [dragKey, setDragKey] = useState<string | null>(null);
  const [overKey, setOverKey] = useState<string | null>(null);

  const announce = (text: string) => {
    // The same text twice in a row must be read again: clear first.
    setAnnouncement('');
    requestAnimationFrame(() => setAnnouncement(text));
  };

  const move = (index: number, to: number, via: 'keyboard' | 'drag', focusButton?: 'up' | 'down') => {
    if (to < 0 || to >= steps.length || to === index) return;
    const step = steps[index];
    onSteps(moveStep(steps, index, to));
    announce(t('wf.moved', { step: stepName(step), position: formatNumber(to + 1), count: formatNumber(steps.length) }));
    if (via === 'keyboard' && focusButton) {
      // Focus stays on the button pressed, unless the step reached the end where it is disabled.
      const atEdge = (focusButton === 'up' && to === 0) || (focusButton === 'down' && to === steps.length - 1);
      focusSoon(`#wf-${step.key}-${atEdge ? (focusButton === 'up' ? 'down' : 'up') : focusButton}`);
    }
  };

  const remove = (index: number) => {
    const step = steps[index];
    const next = steps.filter((_, i) => i !== index);
    onSteps(next);
    announce(t('wf.removed', { step: stepName(step) }));
    // Focus goes to the step now in its place, else the one before, else the palette.
    const neighbour = next[index] ?? next[index - 1];
    focusSoon(neighbour ? `#wf-${neighbour.key}-title` : '#wf-palette-title');
  };

  const add = (skill: PaletteSkill) => {
    const step = newStep(skill, descriptorsOf, steps);
    onSteps([...steps, step]);
    announce(t('wf.added', { step: skillLabel(skill), position: formatNumber(steps.length + 1) }));
    focusSoon(`#wf-${step.key}-title`);
  };

  const setValue = (index: number, name: string, value: string | boolean) => {
    const step = steps[index];
    onSteps(steps.map((s, i) => (i === index ? { ...s, values: { ...s.values, [name]: value } } : s)));
    onStepEdited(step.key);
  };

  const onDrop = (targetIndex: number) => {
    const from = steps.findIndex((s) => s.key === dragKey);
    setDragKey(null);
    setOverKey(null);
    if (from >= 0) move(from, targetIndex, 'drag');
  };

  return (
    <section class="card wf-steps-card" aria-labelledby="wf-steps-title" data-testid="wf-steps-editor">
      <h2 id="wf-steps-title">
        {t('wf.steps')} <span class="muted small">({formatNumber(steps.length)})</span>
      </h2>
      <p class="hint" id="wf-steps-hint">
        {readOnly ? t('wf.stepsHintReadOnly') : t('wf.stepsHint')}
      </p>
      <p class="sr-only" role="status" aria-live="polite" data-testid="wf-announce">
        {announcement}
      </p>
      <CodedError error={listError} testid="wf-steps-error" />
      {steps.length === 0 ? (
        <p class="muted wf-empty" data-testid="wf-no-steps">
          {t('wf.noSteps')}
        </p>
      ) : (
        <ol class="wf-steps" data-testid="wf-steps" aria-describedby="wf-steps-hint">
          {steps.map((s, i) => {
            const canonical = canonicalSkill(s.skillId);
            const params = canonical ? descriptorsOf(canonical) : [];
            const check = checks[s.key];
            const server = serverErrors[s.key];
            const titleId = `wf-${s.key}-title`;
            const rewrites = canonical ? rewritesOriginal({ skillName: canonical }) : false;
            const invalid = !!check || !!server;
            const context = t('wf.stepContext', { step: stepName(s), n: formatNumber(i + 1) });
            return (
              <li
                key={s.key}
                class={`wf-step${dragKey === s.key ? ' dragging' : ''}${overKey === s.key && dragKey !== s.key ? ' drop-target' : ''}${invalid ? ' invalid' : ''}`}
                aria-labelledby={titleId}
                data-testid="wf-step"
                data-skill={s.skillId}
                data-index={i}
                data-invalid={invalid ? 'true' : 'false'}
                onDragOver={(e) => {
                  if (!dragKey) return;
                  e.preventDefault();
                  if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
                  if (overKey !== s.key) setOverKey(s.key);
                }}
                onDragLeave={() => overKey === s.key && setOverKey(null)}
                onDrop={(e) => {
                  e.preventDefault();
                  onDrop(i);
                }}
              >
                <div class="wf-step-head">
                  {!readOnly && (
                    <span
                      class="wf-handle"
                      draggable
                      title={t('wf.dragHandle')}
                      aria-hidden="true"
                      data-testid="wf-step-handle"
                      onDragStart={(e) => {
                        setDragKey(s.key);
                        if (e.dataTransfer) {
                          e.dataTransfer.effectAllowed = 'move';
                          e.dataTransfer.setData('text/plain', s.nodeId);
                          const li = (e.currentTarget as HTMLElement).closest('li');
                          if (li) e.dataTransfer.setDragImage(li, 16, 16);
                        }
                      }}
                      onDragEnd={() => {
                        setDragKey(null);
                        setOverKey(null);
                      }}
                    >
                      ⠿
                    </span>
                  )}
                  <h3 id={titleId} tabIndex={-1} class="wf-step-title">
                    <span class="wf-step-number">{t('wf.stepNumber', { n: formatNumber(i + 1) })}</span> {stepName(s)}
                  </h3>
                  {rewrites && <span class="badge badge-warn">{t('run.rewrites')}</span>}
                  {!readOnly && (
                    <div class="row-actions wf-step-actions">
                      <button
                        type="button"
                        id={`wf-${s.key}-up`}
                        class="btn btn-small"
                        onClick={() => move(i, i - 1, 'keyboard', 'up')}
                        disabled={i === 0}
                        data-testid="wf-step-up"
                      >
                        <span aria-hidden="true">↑</span>
                        {t('wf.moveUp')}
                        <span class="sr-only"> {context}</span>
                      </button>
                      <button
                        type="button"
                        id={`wf-${s.key}-down`}
                        class="btn btn-small"
                        onClick={() => move(i, i + 1, 'keyboard', 'down')}
                        disabled={i === steps.length - 1}
                        data-testid="wf-step-down"
                      >
                        <span aria-hidden="true">↓</span>
                        {t('wf.moveDown')}
                        <span class="sr-only"> {context}</span>
                      </button>
                      <button
                        type="button"
                        class="btn btn-small btn-danger"
                        onClick={() => remove(i)}
                        data-testid="wf-step-remove"
                      >
                        {t('wf.remove')}
                        <span class="sr-only"> {context}</span>
                      </button>
                    </div>
                  )}
                </div>
                {!canonical ? (
                  <div class="notice notice-warn" data-testid="wf-step-unsupported">
                    <p>{t('wf.unsupported', { id: s.skillId })}</p>
                    {s.raw && <code class="break">{JSON.stringify(s.raw)}</code>}
                  </div>
                ) : params.length === 0 ? (
                  <p class="muted small">{tMaybe(`wf.skillNote.${canonical}`) ?? t('wf.noParameters')}</p>
                ) : (
                  <fieldset class="plain-fieldset wf-params" disabled={readOnly} data-testid="wf-step-params">
                    <legend class="sr-only">{t('wf.paramsOf', { step: stepName(s), n: formatNumber(i + 1) })}</legend>
                    {params.map((p) => (
                      <ParamField
                        key={`${s.key}|${p.name}`}
                        p={p}
                        idPrefix={`wf-${s.key}-param`}
                        value={s.values[p.name] ?? ''}
                        onValue={(v) => setValue(i, p.name, v)}
                        clientError={check?.fields[p.name] ? problemText(p, check.fields[p.name]) : null}
                        server={server && server.param === p.name ? server.problem : null}
                      />
                    ))}
                  </fieldset>
                )}
                {server && (server.param === null || !params.some((p) => p.name === server.param)) && (
                  <CodedError error={server.problem} testid="wf-step-server-error" alert={false} />
                )}
              </li>
            );
          })}
        </ol>
      )}
      {!readOnly && (
        <div class="wf-palette" role="group" aria-labelledby="wf-palette-title" data-testid="wf-palette">
          <h3 id="wf-palette-title" tabIndex={-1}>
            {t('wf.palette')}
          </h3>
          <ul class="plain wf-palette-list">
            {PALETTE.map((skill) => (
              <li key={skill}>
                <button type="button" class="btn" onClick={() => add(skill)} aria-describedby={`wf-palette-${skill}-desc`} data-testid={`wf-add-${skill}`}>
                  + {skillLabel(skill)}
                </button>
                <span id={`wf-palette-${skill}-desc`} class="hint small">
                  {t(`wf.palette.${skill}` as 'wf.palette.thumbnail')}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

interface JsonViewProps {
  steps: WorkflowStep[];
  descriptorsOf: DescriptorsOf;
  readOnly: boolean;
  /** The stored text, when it could not be read as a graph (shown so it can be fixed). */
  unreadable: string | null;
  onApply: (steps: WorkflowStep[]) => void;
}

/** The graph as JSON: read-only, or edited and applied once it parses. */
export function JsonView({ steps, descriptorsOf, readOnly, unreadable, onApply }: JsonViewProps) {
  const current = unreadable ?? graphText(steps, descriptorsOf, true);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(current);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!editing) setDraft(current);
  }, [current, editing]);

  const apply = () => {
    const read = stepsFromGraph(draft, descriptorsOf);
    if (!read.ok) {
      setError(read.problem === 'notJson' ? t('wf.json.notJson') : t('wf.json.notObject'));
      focusSoon('#wf-json-text');
      return;
    }
    setError(null);
    setEditing(false);
    onApply(read.steps);
  };

  return (
    <details
      class="card wf-json"
      data-testid="wf-json"
      open={unreadable !== null || undefined}
    >
      <summary>{t('wf.json.title')}</summary>
      <p class="hint" id="wf-json-hint">
        {t('wf.json.hint')}
      </p>
      <div class="field">
        <label for="wf-json-text">{editing ? t('wf.json.editLabel') : t('wf.json.label')}</label>
        <textarea
          id="wf-json-text"
          class="code"
          rows={14}
          spellcheck={false}
          readOnly={!editing}
          value={editing ? draft : current}
          onInput={(e) => {
            setDraft((e.target as HTMLTextAreaElement).value);
            setError(null);
          }}
          aria-describedby={['wf-json-hint', error ? 'wf-json-error' : ''].filter(Boolean).join(' ')}
          aria-invalid={error ? 'true' : undefined}
          data-testid="wf-json-text"
        />
        {error && (
          <p id="wf-json-error" class="field-error" data-testid="wf-json-error">
            {error}
          </p>
        )}
      </div>
      {!readOnly && (
        <div class="button-row">
          {editing ? (
            <>
              <button type="button" class="btn btn-primary" onClick={apply} data-testid="wf-json-apply">
                {t('wf.json.apply')}
              </button>
              <button
                type="button"
                class="btn"
                onClick={() => {
                  setEditing(false);
                  setError(null);
                }}
                data-testid="wf-json-cancel"
              >
                {t('common.cancel')}
              </button>
            </>
          ) : (
            <button
              type="button"
              class="btn"
              onClick={() => {
                setDraft(current);
                setEditing(true);
                focusSoon('#wf-json-text');
              }}
              data-testid="wf-json-edit"
            >
              {t('wf.json.edit')}
            </button>
          )}
        </div>
      )}
    </details>
  );
}
