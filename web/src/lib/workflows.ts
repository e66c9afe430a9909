// Workflows: the editor's model (an ordered list of skill steps, each with the form values of its
// parameters) and its conversion to and from the saved graph, which is the original console's
// format so that either editor opens the other's workflows (spec processing.md §12.4):
//
//   {"nodes":[{"id","type":"skill","position":{x,y},"data":{"skillId","parameters"}}…],
//    "edges":[{"id","source","target"}…], "viewport":{"x","y","zoom"}}
//
// Nodes run in array order; the original editor sorts them by x (then y, then id) before saving,
// so ours lays them out left to right (x strictly growing) and chains them with edges. Reading
// follows the server's rules: array order, `data.skillId` else `type`, `data.parameters` else
// `data` without `skillId`. Also: the checks the console makes before saving (name, description,
// steps, each step's parameters) and where a server error belongs (field, step, parameter).
// Pure functions: pages/Workflows*.tsx render, this decides.

import type { Skill, SkillParameter, WorkflowSave } from '../api/types';
import { fieldForCode, initialValues, parametersBody, validateValues, type FieldProblem, type FormValues } from './processing';

/** The skills a workflow step can run, in the palette's order. */
export const PALETTE = ['thumbnail', 'ai-caption', 'exif-strip', 'format-convert', 'watermark'] as const;
export type PaletteSkill = (typeof PALETTE)[number];

/** The server's accepted names of the five skills (spec §5.2), lower case. */
const ALIASES: Record<string, PaletteSkill> = {
  thumbnail: 'thumbnail',
  generate_thumbnail: 'thumbnail',
  'ai-caption': 'ai-caption',
  ai_caption: 'ai-caption',
  basic_caption: 'ai-caption',
  generate_basic_caption: 'ai-caption',
  'exif-strip': 'exif-strip',
  exif_strip: 'exif-strip',
  strip_exif_metadata: 'exif-strip',
  'strip-exif-metadata': 'exif-strip',
  'format-convert': 'format-convert',
  format_convert: 'format-convert',
  convert_image_format: 'format-convert',
  'convert-image-format': 'format-convert',
  watermark: 'watermark',
  draw_watermark: 'watermark',
  'draw-watermark': 'watermark',
};

export const LIMITS = { name: 100, description: 1000, nodes: 50, graphBytes: 256 * 1024 } as const;

/** The palette skill a node's id names (any accepted alias, any case), or null. */
export function canonicalSkill(skillId: string): PaletteSkill | null {
  return ALIASES[skillId.trim().toLowerCase()] ?? null;
}

// ---- reading a graph ---------------------------------------------------------------------------

/** One runnable node as the server reads it. */
export interface GraphNode {
  /** The node's own id in the graph (null when it has none). */
  nodeId: string | null;
  skillId: string;
  parameters: Record<string, unknown> | null;
}

export type GraphParse = { ok: true; nodes: GraphNode[] } | { ok: false; problem: 'notJson' | 'notObject' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonBlank = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** The nodes of a graph text, in array order, by the server's rules (§12.4). */
export function parseGraph(text: string): GraphParse {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'notJson' };
  }
  if (!isObject(root)) return { ok: false, problem: 'notObject' };
  const nodes = Array.isArray(root.nodes) ? root.nodes : [];
  const out: GraphNode[] = [];
  for (const node of nodes) {
    if (!isObject(node)) continue;
    const data = isObject(node.data) ? node.data : null;
    let skillId: string | null = null;
    if (data && nonBlank(data.skillId)) skillId = data.skillId.trim();
    else if (nonBlank(node.type)) skillId = node.type;
    if (skillId === null) continue;
    let parameters: Record<string, unknown> | null = null;
    if (data) {
      if (isObject(data.parameters)) parameters = structuredClone(data.parameters);
      else {
        const rest = { ...data };
        delete rest.skillId;
        parameters = Object.keys(rest).length ? structuredClone(rest) : null;
      }
    }
    const id = node.id;
    out.push({ nodeId: typeof id === 'string' && id ? id : typeof id === 'number' ? String(id) : null, skillId, parameters });
  }
  return { ok: true, nodes: out };
}

// ---- the editor's steps ------------------------------------------------------------------------

export interface WorkflowStep {
  /** A local key for the list (stable while editing). */
  key: string;
  /** The node id written to the graph (kept from a graph read, so ids survive a round trip). */
  nodeId: string;
  /** The palette skill, or the id as the graph had it when no skill answers to it. */
  skillId: string;
  /** Form values of the skill's parameters (known skills). */
  values: FormValues;
  /** The parameters as read, kept for a skill the console does not know. */
  raw: Record<string, unknown> | null;
}

export type DescriptorsOf = (skillId: string) => readonly SkillParameter[];

/** The parameter descriptors of a skill from GET /assets/skills (thumbnail and ai-caption have none). */
export function descriptorsFrom(skills: readonly Skill[] | null | undefined): DescriptorsOf {
  return (skillId) => {
    const canonical = canonicalSkill(skillId);
    if (!canonical) return [];
    return skills?.find((s) => s.skillName === canonical)?.parameters ?? [];
  };
}

/** Form values from a node's parameters: names matched in any case (the original wrote `TargetFormat`). */
export function valuesFromParameters(params: readonly SkillParameter[], parameters: Record<string, unknown> | null): FormValues {
  const values = initialValues(params);
  if (!parameters) return values;
  const byLower = new Map(Object.entries(parameters).map(([k, v]) => [k.toLowerCase(), v]));
  for (const p of params) {
    const v = byLower.get(p.name.toLowerCase());
    if (v === undefined || v === null) continue;
    if (p.type === 'boolean') values[p.name] = v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') values[p.name] = String(v);
  }
  return values;
}

let keySeq = 0;
const newKey = () => `s${++keySeq}`;

/** A node id not used by any step: `step-1`, `step-2`, … */
export function freshNodeId(taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1; ; n++) {
    const id = `step-${n}`;
    if (!used.has(id)) return id;
  }
}

/** A new step of a palette skill with its default values. */
export function newStep(skillId: PaletteSkill, descriptorsOf: DescriptorsOf, existing: readonly WorkflowStep[]): WorkflowStep {
  return {
    key: newKey(),
    nodeId: freshNodeId(existing.map((s) => s.nodeId)),
    skillId,
    values: initialValues(descriptorsOf(skillId)),
    raw: null,
  };
}

/** The steps of a graph's nodes (ids made unique where a graph repeats or lacks them). */
export function stepsFromNodes(nodes: readonly GraphNode[], descriptorsOf: DescriptorsOf): WorkflowStep[] {
  const steps: WorkflowStep[] = [];
  const ids = new Set<string>();
  for (const n of nodes) {
    const canonical = canonicalSkill(n.skillId);
    const nodeId = n.nodeId && !ids.has(n.nodeId) ? n.nodeId : freshNodeId([...ids, ...nodes.map((x) => x.nodeId ?? '')]);
    ids.add(nodeId);
    steps.push({
      key: newKey(),
      nodeId,
      skillId: canonical ?? n.skillId,
      values: canonical ? valuesFromParameters(descriptorsOf(canonical), n.parameters) : {},
      raw: canonical ? null : n.parameters,
    });
  }
  return steps;
}

/** The steps of a saved graph text, or the reason it cannot be read. */
export function stepsFromGraph(text: string, descriptorsOf: DescriptorsOf): { ok: true; steps: WorkflowStep[] } | { ok: false; problem: 'notJson' | 'notObject' } {
  const parsed = parseGraph(text);
  if (!parsed.ok) return parsed;
  return { ok: true, steps: stepsFromNodes(parsed.nodes, descriptorsOf) };
}

// ---- writing a graph ---------------------------------------------------------------------------

/** Where the nodes go on the original editor's canvas: one row, left to right. */
export const LAYOUT = { x0: 0, y: 0, dx: 280 } as const;

export interface GraphJson {
  nodes: { id: string; type: 'skill'; position: { x: number; y: number }; data: { skillId: string; parameters: Record<string, unknown> } }[];
  edges: { id: string; source: string; target: string }[];
  viewport: { x: number; y: number; zoom: number };
}

/** A step's parameters as saved: typed values of the form, or what was read for an unknown skill. */
export function stepParameters(step: WorkflowStep, descriptorsOf: DescriptorsOf): Record<string, unknown> {
  if (!canonicalSkill(step.skillId)) return step.raw ? structuredClone(step.raw) : {};
  return parametersBody(descriptorsOf(step.skillId), step.values) ?? {};
}

/** The graph of the steps, in the original editor's format. */
export function stepsToGraph(steps: readonly WorkflowStep[], descriptorsOf: DescriptorsOf): GraphJson {
  const nodes = steps.map((s, i) => ({
    id: s.nodeId,
    type: 'skill' as const,
    position: { x: LAYOUT.x0 + i * LAYOUT.dx, y: LAYOUT.y },
    data: { skillId: s.skillId, parameters: stepParameters(s, descriptorsOf) },
  }));
  const edges = nodes.slice(1).map((n, i) => ({ id: `edge-${nodes[i].id}-${n.id}`, source: nodes[i].id, target: n.id }));
  return { nodes, edges, viewport: { x: 0, y: 0, zoom: 1 } };
}

export function graphText(steps: readonly WorkflowStep[], descriptorsOf: DescriptorsOf, pretty = false): string {
  return JSON.stringify(stepsToGraph(steps, descriptorsOf), null, pretty ? 2 : undefined);
}

/** Moves the step at `from` to `to` (both clamped); a new array. */
export function moveStep<T>(steps: readonly T[], from: number, to: number): T[] {
  const list = [...steps];
  if (from < 0 || from >= list.length) return list;
  const target = Math.max(0, Math.min(list.length - 1, to));
  const [item] = list.splice(from, 1);
  list.splice(target, 0, item);
  return list;
}

// ---- the form and its checks -------------------------------------------------------------------

export interface WorkflowForm {
  name: string;
  description: string;
  isAutoRun: boolean;
  steps: WorkflowStep[];
}

export interface StepCheck {
  /** No skill answers to the step's id. */
  unsupported: boolean;
  fields: Record<string, FieldProblem>;
}

export interface WorkflowProblems {
  name?: 'required' | 'tooLong';
  description?: 'tooLong';
  steps?: 'none' | 'tooMany' | 'tooLarge';
  /** By step key; only steps with a problem. */
  perStep: Record<string, StepCheck>;
}

const chars = (s: string) => [...s].length;

export function validateWorkflow(f: WorkflowForm, descriptorsOf: DescriptorsOf): WorkflowProblems {
  const p: WorkflowProblems = { perStep: {} };
  const name = f.name.trim();
  if (!name) p.name = 'required';
  else if (chars(name) > LIMITS.name) p.name = 'tooLong';
  if (chars(f.description.trim()) > LIMITS.description) p.description = 'tooLong';
  if (f.steps.length === 0) p.steps = 'none';
  else if (f.steps.length > LIMITS.nodes) p.steps = 'tooMany';
  else if (new TextEncoder().encode(graphText(f.steps, descriptorsOf)).length > LIMITS.graphBytes) p.steps = 'tooLarge';
  for (const s of f.steps) {
    const unsupported = !canonicalSkill(s.skillId);
    const fields = unsupported ? {} : validateValues(descriptorsOf(s.skillId), s.values);
    if (unsupported || Object.keys(fields).length) p.perStep[s.key] = { unsupported, fields };
  }
  return p;
}

export function hasProblems(p: WorkflowProblems): boolean {
  return !!(p.name || p.description || p.steps || Object.keys(p.perStep).length);
}

/** POST/PUT body: trimmed name, blank description → null, the graph text. */
export function saveBody(f: WorkflowForm, descriptorsOf: DescriptorsOf): WorkflowSave {
  const description = f.description.trim();
  return { name: f.name.trim(), description: description ? description : null, isAutoRun: f.isAutoRun, graphJson: graphText(f.steps, descriptorsOf) };
}

/** What the form holds, as text: two equal signatures mean nothing to save (dirty tracking). */
export function formSignature(f: WorkflowForm, descriptorsOf: DescriptorsOf): string {
  return JSON.stringify([f.name, f.description, f.isAutoRun, stepsToGraph(f.steps, descriptorsOf)]);
}

// ---- where a server error belongs --------------------------------------------------------------

export interface ServerErrorTarget {
  field: 'name' | 'description' | 'steps' | null;
  /** Index of the step the message names, when it names one that exists. */
  stepIndex: number | null;
  /** The parameter of that step the code is about. */
  param: string | null;
}

/**
 * The step a message names. The server writes `nodes[N] (skill)`: N is the 0-based index in the
 * graph's nodes array, which is the step's index in a graph this editor wrote (every node runs).
 * Other wordings ("node 2 (watermark)") are read as 0- or 1-based, whichever step runs the skill
 * named beside it.
 */
export function stepIndexFromMessage(message: string, steps: readonly Pick<WorkflowStep, 'skillId'>[]): number | null {
  const exact = /nodes\[(\d+)\]/.exec(message);
  if (exact) {
    const n = parseInt(exact[1], 10);
    return n < steps.length ? n : null;
  }
  const m = /\bnode\s*(?:#\s*|index\s*)?(\d+)/i.exec(message);
  if (!m) return null;
  const n = parseInt(m[1], 10);
  const named = PALETTE.filter((id) => message.toLowerCase().includes(id));
  const candidates = [n, n - 1].filter((i) => i >= 0 && i < steps.length);
  if (named.length) {
    const hit = candidates.find((i) => named.includes(canonicalSkill(steps[i].skillId) as PaletteSkill));
    if (hit !== undefined) return hit;
  }
  return candidates.length ? candidates[0] : null;
}

/** Where a 400 of the workflow routes goes in the editor. */
export function serverErrorTarget(code: string, message: string, steps: readonly WorkflowStep[], descriptorsOf: DescriptorsOf): ServerErrorTarget {
  if (code.startsWith('workflow_profile_name_')) return { field: 'name', stepIndex: null, param: null };
  if (code.startsWith('workflow_profile_description_')) return { field: 'description', stepIndex: null, param: null };
  const stepIndex = stepIndexFromMessage(message, steps);
  if (code.startsWith('workflow_profile_')) return { field: 'steps', stepIndex, param: null };
  // A skill parameter code (format_convert_target_format_invalid, watermark_opacity_out_of_range…).
  let index = stepIndex;
  if (index === null) {
    const owners = steps.map((s, i) => [s, i] as const).filter(([s]) => fieldForCode(s.skillId, descriptorsOf(s.skillId), code) !== null);
    if (owners.length === 1) index = owners[0][1];
  }
  if (index === null) return { field: 'steps', stepIndex: null, param: null };
  const step = steps[index];
  return { field: null, stepIndex: index, param: fieldForCode(step.skillId, descriptorsOf(step.skillId), code) };
}
