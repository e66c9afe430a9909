// Processing helpers shared by the asset pages, the upload list, the Jobs page and the gallery:
// which derivative to show (never the original), srcset, whether an asset is still being
// processed, the polling back-off, execution and step outcomes, and the run-skill form model
// built from a skill's parameter descriptors (values, client checks, request body, and which
// field a server code belongs to).

import type {
  Derivative,
  Execution,
  ExecutionState,
  ExecutionStep,
  JobState,
  Processing,
  Skill,
  SkillParameter,
  StepStatus,
} from '../api/types';

export const THUMBNAIL_KIND = 'thumbnail_256';
export const PREVIEW_KIND = 'preview_1024';

type WithDerivatives = { derivatives?: Derivative[] | null };

export function derivativeOf(asset: WithDerivatives, kind: string): Derivative | null {
  return asset.derivatives?.find((d) => d.kind === kind) ?? null;
}

/** The small image of a grid card: the thumbnail, else the preview (never the original). */
export function gridDerivative(asset: WithDerivatives): Derivative | null {
  return derivativeOf(asset, THUMBNAIL_KIND) ?? derivativeOf(asset, PREVIEW_KIND);
}

/** The large image of a detail view or lightbox: the preview, else the thumbnail. */
export function largeDerivative(asset: WithDerivatives): Derivative | null {
  return derivativeOf(asset, PREVIEW_KIND) ?? derivativeOf(asset, THUMBNAIL_KIND);
}

export interface ImageSources {
  src: string;
  /** `thumb 256w, preview 1024w` when both have public URLs and widths; else undefined. */
  srcset?: string;
  width?: number;
  height?: number;
}

/**
 * `src`/`srcset` from the derivatives' public URLs (the public gallery, public assets in the
 * console). Small (grids): the thumbnail as `src`, with the preview in `srcset` for wide cards
 * and dense screens. Large (detail views, lightbox): the preview alone (the largest size there
 * is; the thumbnail only when there is no preview). Null when no derivative has a public URL.
 */
export function publicImageSources(asset: WithDerivatives, prefer: 'small' | 'large' = 'small'): ImageSources | null {
  const thumb = derivativeOf(asset, THUMBNAIL_KIND);
  const preview = derivativeOf(asset, PREVIEW_KIND);
  const ordered = (prefer === 'small' ? [thumb, preview] : [preview, thumb]).filter((d): d is Derivative => !!d?.publicUrl);
  if (!ordered.length) return null;
  const main = ordered[0];
  const withWidths = prefer === 'small' ? [thumb, preview].filter((d): d is Derivative => !!d?.publicUrl && !!d.width) : [];
  return {
    src: main.publicUrl!,
    srcset: withWidths.length > 1 ? withWidths.map((d) => `${d.publicUrl} ${d.width}w`).join(', ') : undefined,
    width: main.width ?? undefined,
    height: main.height ?? undefined,
  };
}

/** Width / height of an asset for layout: from a derivative (same shape), else the asset, else 1. */
export function aspectRatio(asset: WithDerivatives & { width?: number | null; height?: number | null }): number {
  const d = largeDerivative(asset);
  const w = d?.width || asset.width;
  const h = d?.height || asset.height;
  if (!w || !h) return 1;
  // Keep panoramas and slivers from taking over (or vanishing from) a justified row.
  return Math.min(4, Math.max(0.25, w / h));
}

// ---- processing state and polling ------------------------------------------------------------

export function isProcessing(p: Processing | null | undefined): boolean {
  return !!p && (p.state === 'queued' || p.state === 'running');
}

/**
 * Polling delays: starts at `first` ms and grows by `factor` up to `max` (1 s, 1.6 s, 2.6 s, …
 * 10 s by default), so a long queue costs few requests and a quick thumbnail shows quickly.
 */
export function backoffDelay(attempt: number, { first = 1000, factor = 1.6, max = 10_000 } = {}): number {
  return Math.round(Math.min(max, first * Math.pow(factor, Math.max(0, attempt))));
}

export const FINISHED_STATES: readonly (ExecutionState | JobState)[] = ['succeeded', 'failed', 'cancelled'];

export function isFinished(state: ExecutionState | JobState | null | undefined): boolean {
  return !!state && FINISHED_STATES.includes(state);
}

/** A step's outcome: `status` when the server sends it, else from `succeeded`. */
export function stepStatus(step: Pick<ExecutionStep, 'status' | 'succeeded'>): StepStatus {
  if (step.status === 'succeeded' || step.status === 'failed' || step.status === 'skipped') return step.status;
  return step.succeeded ? 'succeeded' : 'failed';
}

/** Milliseconds between two ISO times, or null when either is missing or unreadable. */
export function durationMs(start: string | null | undefined, end: string | null | undefined): number | null {
  if (!start || !end) return null;
  const a = Date.parse(start);
  const b = Date.parse(end);
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return Math.max(0, b - a);
}

/** An execution's state, also for servers that send only `succeeded`. */
export function executionState(e: Pick<Execution, 'state' | 'succeeded' | 'completedAtUtc'>): ExecutionState {
  if (e.state) return e.state;
  if (e.succeeded === true) return 'succeeded';
  if (e.succeeded === false) return 'failed';
  return e.completedAtUtc ? 'succeeded' : 'running';
}

/** `payloadJson` pretty-printed (two spaces), or the text as it is when it is not JSON. */
export function prettyJson(text: string | null | undefined): string {
  if (!text) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// ---- run-skill form --------------------------------------------------------------------------

/** The built-in skills that replace the stored original (asked to confirm first). */
const REWRITING_SKILLS = new Set(['exif-strip', 'format-convert', 'watermark']);

export function rewritesOriginal(skill: Pick<Skill, 'skillName' | 'rewritesOriginal'>): boolean {
  if (typeof skill.rewritesOriginal === 'boolean') return skill.rewritesOriginal;
  return REWRITING_SKILLS.has(skill.skillName);
}

/** Form values are kept as the inputs hold them: text for text/number fields, booleans for checkboxes. */
export type FormValues = Record<string, string | boolean>;

export function initialValues(params: readonly SkillParameter[]): FormValues {
  const values: FormValues = {};
  for (const p of params) {
    if (p.type === 'boolean') values[p.name] = p.default === true || p.default === 'true';
    else if (p.default !== null && p.default !== undefined) values[p.name] = String(p.default);
    else if (p.values && p.values.length && p.required) values[p.name] = String(p.values[0]);
    else values[p.name] = '';
  }
  return values;
}

export type FieldProblem =
  | { kind: 'required' }
  | { kind: 'number' }
  | { kind: 'integer' }
  | { kind: 'min'; min: number }
  | { kind: 'max'; max: number }
  | { kind: 'range'; min: number; max: number }
  | { kind: 'choice' }
  | { kind: 'tooLong'; max: number };

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** What the server would refuse that the descriptors let the console see first. */
export function validateValue(p: SkillParameter, raw: string | boolean | undefined): FieldProblem | null {
  if (p.type === 'boolean') return null;
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!text) return p.required ? { kind: 'required' } : null;
  if (p.type === 'number' || p.type === 'integer') {
    const n = Number(text);
    if (!Number.isFinite(n)) return { kind: 'number' };
    if (p.type === 'integer' && !Number.isInteger(n)) return { kind: 'integer' };
    const min = p.minimum ?? null;
    const max = p.maximum ?? null;
    if ((min !== null && n < min) || (max !== null && n > max)) {
      if (min !== null && max !== null) return { kind: 'range', min, max };
      return min !== null && n < min ? { kind: 'min', min } : { kind: 'max', max: max! };
    }
  }
  if (p.values && p.values.length && !p.values.some((v) => String(v).toLowerCase() === text.toLowerCase())) return { kind: 'choice' };
  if (p.type === 'string' && p.maxLength && utf8Length(typeof raw === 'string' ? raw : '') > p.maxLength) return { kind: 'tooLong', max: p.maxLength };
  return null;
}

export function validateValues(params: readonly SkillParameter[], values: FormValues): Record<string, FieldProblem> {
  const problems: Record<string, FieldProblem> = {};
  for (const p of params) {
    const problem = validateValue(p, values[p.name]);
    if (problem) problems[p.name] = problem;
  }
  return problems;
}

/**
 * The `parameters` object to send: numbers as numbers, booleans as booleans, text as typed
 * (not trimmed: a watermark's spaces are the user's). Empty optional fields are left out, so
 * the server applies its default. Null when the skill takes no parameters.
 */
export function parametersBody(params: readonly SkillParameter[], values: FormValues): Record<string, unknown> | null {
  if (!params.length) return null;
  const body: Record<string, unknown> = {};
  for (const p of params) {
    const v = values[p.name];
    if (p.type === 'boolean') {
      body[p.name] = v === true;
      continue;
    }
    const text = typeof v === 'string' ? v : '';
    if (!text.trim()) continue;
    body[p.name] = p.type === 'number' || p.type === 'integer' ? Number(text.trim()) : p.type === 'string' && p.values ? text.trim() : text;
  }
  return body;
}

/** `TargetFormat` → `target_format`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toLowerCase();
}

/**
 * The parameter a server code is about (`watermark_font_size_out_of_range` → `FontSize` of
 * `watermark`; `format_convert_target_format_invalid` → `TargetFormat`), or null for codes that
 * concern the run as a whole (e.g. `storage_provider_profile_disabled`).
 */
export function fieldForCode(skillName: string, params: readonly SkillParameter[], code: string): string | null {
  const prefix = snakeCase(skillName) + '_';
  if (!code.startsWith(prefix)) return null;
  const rest = code.slice(prefix.length);
  // Longest name first: `font_size` must win over a hypothetical `font`.
  const sorted = [...params].sort((a, b) => snakeCase(b.name).length - snakeCase(a.name).length);
  return sorted.find((p) => rest.startsWith(snakeCase(p.name) + '_'))?.name ?? null;
}

/** Whether a run would replace the original (format-convert with KeepOriginal still replaces the
 * asset's bytes; only the old object is kept). */
export function keepsOldObject(values: FormValues): boolean {
  return Object.entries(values).some(([k, v]) => k.toLowerCase() === 'keeporiginal' && v === true);
}
