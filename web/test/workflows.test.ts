import { describe, expect, it } from 'vitest';
import type { Skill, SkillParameter } from '../src/api/types';
import { ApiClient } from '../src/api/client';
import { endpoints } from '../src/api/endpoints';
import {
  canonicalSkill,
  descriptorsFrom,
  formSignature,
  freshNodeId,
  graphText,
  hasProblems,
  moveStep,
  newStep,
  parseGraph,
  saveBody,
  serverErrorTarget,
  stepIndexFromMessage,
  stepsFromGraph,
  stepsToGraph,
  validateWorkflow,
  type WorkflowForm,
  type WorkflowStep,
} from '../src/lib/workflows';
import { authResult, envelopeError, fakeFetch, json } from './fakeFetch';

// What GET /assets/skills lists (the server's descriptors; thumbnail and ai-caption are not listed).
const FORMAT_CONVERT: SkillParameter[] = [
  { name: 'targetFormat', type: 'string', required: true, default: null, values: ['webp', 'jpg', 'jpeg', 'png', 'gif'], minimum: null, maximum: null },
  { name: 'keepOriginal', type: 'boolean', required: false, default: false, values: null, minimum: null, maximum: null },
];
const WATERMARK: SkillParameter[] = [
  { name: 'text', type: 'string', required: false, default: 'NekoHub', values: null, minimum: null, maximum: null },
  { name: 'opacity', type: 'number', required: false, default: 0.5, values: null, minimum: 0, maximum: 1 },
  { name: 'fontSize', type: 'integer', required: false, default: 36, values: null, minimum: 1, maximum: 1000 },
  { name: 'position', type: 'string', required: false, default: 'BottomRight', values: ['BottomRight', 'BottomLeft', 'Center', 'TopRight', 'TopLeft'], minimum: null, maximum: null },
];
const SKILLS: Skill[] = [
  { skillName: 'basic_image_enrich', description: '', steps: ['generate_thumbnail', 'generate_basic_caption'], parameters: [] },
  { skillName: 'exif-strip', description: '', steps: ['strip_exif_metadata'], parameters: [] },
  { skillName: 'format-convert', description: '', steps: ['convert_image_format'], parameters: FORMAT_CONVERT },
  { skillName: 'watermark', description: '', steps: ['draw_watermark'], parameters: WATERMARK },
];
const of = descriptorsFrom(SKILLS);

function build(...skills: ('thumbnail' | 'ai-caption' | 'exif-strip' | 'format-convert' | 'watermark')[]): WorkflowStep[] {
  const steps: WorkflowStep[] = [];
  for (const s of skills) steps.push(newStep(s, of, steps));
  return steps;
}

const sortLikeTheOriginal = <T extends { id: string; position: { x: number; y: number } }>(nodes: T[]) =>
  [...nodes].sort((a, b) => a.position.x - b.position.x || a.position.y - b.position.y || a.id.localeCompare(b.id));

describe('our steps → the original editor\'s graph', () => {
  it('writes skill nodes with data {skillId, parameters}, left to right, chained by edges, with a viewport', () => {
    const steps = build('thumbnail', 'ai-caption', 'watermark');
    steps[2].values = { ...steps[2].values, text: '© Neko', opacity: '0.25' };
    const g = stepsToGraph(steps, of);
    expect(g.nodes.map((n) => [n.id, n.type, n.data.skillId])).toEqual([
      ['step-1', 'skill', 'thumbnail'],
      ['step-2', 'skill', 'ai-caption'],
      ['step-3', 'skill', 'watermark'],
    ]);
    expect(g.nodes[0].data.parameters).toEqual({});
    expect(g.nodes[1].data.parameters).toEqual({});
    // Typed values; the defaults the form started with are written out too.
    expect(g.nodes[2].data.parameters).toEqual({ text: '© Neko', opacity: 0.25, fontSize: 36, position: 'BottomRight' });
    expect(g.edges).toEqual([
      { id: 'edge-step-1-step-2', source: 'step-1', target: 'step-2' },
      { id: 'edge-step-2-step-3', source: 'step-2', target: 'step-3' },
    ]);
    expect(g.viewport).toEqual({ x: 0, y: 0, zoom: 1 });
    const xs = g.nodes.map((n) => n.position.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(new Set(xs).size).toBe(3);
  });

  it('keeps the order when the original editor sorts by x, y, id (even with ids that sort the other way)', () => {
    let steps = build('watermark', 'thumbnail', 'format-convert', 'ai-caption');
    steps = steps.map((s, i) => ({ ...s, nodeId: `z-${9 - i}` }));
    steps = moveStep(steps, 3, 0);
    const g = stepsToGraph(steps, of);
    expect(sortLikeTheOriginal(g.nodes).map((n) => n.data.skillId)).toEqual(['ai-caption', 'watermark', 'thumbnail', 'format-convert']);
    expect(g.nodes.map((n) => n.data.skillId)).toEqual(['ai-caption', 'watermark', 'thumbnail', 'format-convert']);
  });

  it('reads back what it wrote: same skills, values and node ids, in order', () => {
    const steps = build('format-convert', 'exif-strip', 'watermark');
    steps[0].values = { targetFormat: 'png', keepOriginal: true };
    steps[2].values = { text: 'x', opacity: '1', fontSize: '48', position: 'TopLeft' };
    const text = graphText(steps, of);
    const back = stepsFromGraph(text, of);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.steps.map((s) => [s.nodeId, s.skillId, s.values])).toEqual(steps.map((s) => [s.nodeId, s.skillId, s.values]));
    expect(graphText(back.steps, of)).toBe(text);
  });
});

describe('the original editor\'s graphs → our steps', () => {
  // As the React Flow editor of the original saves them: nodes sorted by x, extra fields,
  // PascalCase parameters, handles on the edges.
  const original = JSON.stringify({
    nodes: [
      { id: 'node_1712', type: 'skill', position: { x: 40, y: 200 }, positionAbsolute: { x: 40, y: 200 }, width: 180, height: 64, selected: false, dragging: false, data: { skillId: 'thumbnail', label: 'Thumbnail', parameters: {} } },
      { id: 'node_1713', type: 'skill', position: { x: 300, y: 120 }, data: { skillId: 'format-convert', label: 'Format', parameters: { TargetFormat: 'png', KeepOriginal: true } } },
      { id: 'node_1714', type: 'skill', position: { x: 560, y: 260 }, measured: { width: 180, height: 64 }, data: { skillId: 'watermark', parameters: { Text: 'Neko', Opacity: 0.3, FontSize: 24, Position: 'TopLeft' } } },
      { id: 'node_1715', type: 'skill', position: { x: 800, y: 200 }, data: { skillId: 'ai-caption' } },
    ],
    edges: [{ id: 'reactflow__edge-node_1712-node_1713', source: 'node_1712', sourceHandle: null, target: 'node_1713', targetHandle: null }],
    viewport: { x: -12.5, y: 33, zoom: 0.87 },
  });

  it('takes the nodes in array order, data.skillId, parameters in any case', () => {
    const read = stepsFromGraph(original, of);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.steps.map((s) => s.skillId)).toEqual(['thumbnail', 'format-convert', 'watermark', 'ai-caption']);
    expect(read.steps.map((s) => s.nodeId)).toEqual(['node_1712', 'node_1713', 'node_1714', 'node_1715']);
    expect(read.steps[1].values).toEqual({ targetFormat: 'png', keepOriginal: true });
    expect(read.steps[2].values).toEqual({ text: 'Neko', opacity: '0.3', fontSize: '24', position: 'TopLeft' });
    expect(hasProblems(validateWorkflow({ name: 'x', description: '', isAutoRun: false, steps: read.steps }, of))).toBe(false);
    // Saved again in the same order with our parameter names.
    const g = stepsToGraph(read.steps, of);
    expect(g.nodes[1].data.parameters).toEqual({ targetFormat: 'png', keepOriginal: true });
    expect(g.nodes[2].data.parameters).toEqual({ text: 'Neko', opacity: 0.3, fontSize: 24, position: 'TopLeft' });
  });

  it('follows the server\'s rules: type when there is no skillId, data without skillId as parameters, odd nodes skipped', () => {
    const parsed = parseGraph(
      JSON.stringify({
        nodes: [
          'not a node',
          { id: 'a', type: 'watermark', data: { Text: 'hi', Opacity: 0.4 } },
          { id: 'b', type: 'skill', data: { skillId: '  generate_thumbnail  ' } },
          { id: 'c', type: 'skill', data: { skillId: '   ' } },
          { id: 'd', data: { label: 'nothing runnable' } },
          { id: 'e', type: 'ai_caption' },
          null,
          { id: 'f', type: 'format-convert', data: { skillId: 'convert_image_format', parameters: 'not an object', targetFormat: 'gif' } },
        ],
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      nodes: [
        { nodeId: 'a', skillId: 'watermark', parameters: { Text: 'hi', Opacity: 0.4 } },
        { nodeId: 'b', skillId: 'generate_thumbnail', parameters: null },
        // blank skillId: `type` ("skill") is the id, which names no skill
        { nodeId: 'c', skillId: 'skill', parameters: null },
        { nodeId: 'e', skillId: 'ai_caption', parameters: null },
        { nodeId: 'f', skillId: 'convert_image_format', parameters: { parameters: 'not an object', targetFormat: 'gif' } },
      ],
    });
    if (!parsed.ok) return;
    const read = stepsFromGraph(JSON.stringify({ nodes: [{ id: 'a', type: 'watermark', data: { Text: 'hi' } }, { id: 'e', type: 'ai_caption' }] }), of);
    expect(read.ok && read.steps.map((s) => [s.skillId, s.values.text ?? null])).toEqual([
      ['watermark', 'hi'],
      ['ai-caption', null],
    ]);
  });

  it('reads a graph without nodes as empty and refuses what is not a JSON object', () => {
    expect(parseGraph('{"nodes": {}}')).toEqual({ ok: true, nodes: [] });
    expect(parseGraph('{}')).toEqual({ ok: true, nodes: [] });
    expect(parseGraph('[]')).toEqual({ ok: false, problem: 'notObject' });
    expect(parseGraph('"x"')).toEqual({ ok: false, problem: 'notObject' });
    expect(parseGraph('{nodes: []}')).toEqual({ ok: false, problem: 'notJson' });
  });

  it('keeps a skill it does not know (flagged, parameters kept) and makes node ids unique', () => {
    const read = stepsFromGraph(
      JSON.stringify({ nodes: [{ id: 'x', type: 'skill', data: { skillId: 'resize', parameters: { Width: 100 } } }, { id: 'x', type: 'thumbnail' }, { type: 'exif-strip' }] }),
      of,
    );
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.steps.map((s) => s.nodeId)).toEqual(['x', 'step-1', 'step-2']);
    expect(read.steps[0]).toMatchObject({ skillId: 'resize', raw: { Width: 100 } });
    const problems = validateWorkflow({ name: 'w', description: '', isAutoRun: false, steps: read.steps }, of);
    expect(problems.perStep[read.steps[0].key]).toEqual({ unsupported: true, fields: {} });
    expect(stepsToGraph(read.steps, of).nodes[0].data).toEqual({ skillId: 'resize', parameters: { Width: 100 } });
  });

  it('knows the skills by every accepted name', () => {
    expect(canonicalSkill(' Generate_Thumbnail ')).toBe('thumbnail');
    expect(canonicalSkill('basic_caption')).toBe('ai-caption');
    expect(canonicalSkill('strip-exif-metadata')).toBe('exif-strip');
    expect(canonicalSkill('CONVERT_IMAGE_FORMAT')).toBe('format-convert');
    expect(canonicalSkill('draw_watermark')).toBe('watermark');
    expect(canonicalSkill('basic_image_enrich')).toBeNull();
    expect(canonicalSkill('skill')).toBeNull();
  });
});

describe('editing the steps', () => {
  it('adds steps with the descriptors\' defaults and fresh ids', () => {
    const steps = build('format-convert', 'watermark', 'thumbnail');
    expect(steps[0].values).toEqual({ targetFormat: 'webp', keepOriginal: false });
    expect(steps[1].values).toEqual({ text: 'NekoHub', opacity: '0.5', fontSize: '36', position: 'BottomRight' });
    expect(steps[2].values).toEqual({});
    expect(steps.map((s) => s.nodeId)).toEqual(['step-1', 'step-2', 'step-3']);
    expect(new Set(steps.map((s) => s.key)).size).toBe(3);
    expect(freshNodeId(['step-1', 'step-3'])).toBe('step-2');
  });

  it('moves a step (clamped, a new array)', () => {
    const list = ['a', 'b', 'c'];
    expect(moveStep(list, 2, 1)).toEqual(['a', 'c', 'b']);
    expect(moveStep(list, 0, 5)).toEqual(['b', 'c', 'a']);
    expect(moveStep(list, 1, -3)).toEqual(['b', 'a', 'c']);
    expect(moveStep(list, 7, 0)).toEqual(['a', 'b', 'c']);
    expect(list).toEqual(['a', 'b', 'c']);
  });

  it('tracks changes: reorder and edits are changes, the same content is not', () => {
    const steps = build('thumbnail', 'watermark');
    const f: WorkflowForm = { name: 'W', description: '', isAutoRun: false, steps };
    const base = formSignature(f, of);
    expect(formSignature({ ...f, steps: [...steps] }, of)).toBe(base);
    expect(formSignature({ ...f, steps: moveStep(steps, 1, 0) }, of)).not.toBe(base);
    expect(formSignature({ ...f, steps: [steps[0], { ...steps[1], values: { ...steps[1].values, text: 'x' } }] }, of)).not.toBe(base);
    expect(formSignature({ ...f, isAutoRun: true }, of)).not.toBe(base);
    expect(formSignature({ ...f, name: 'W2' }, of)).not.toBe(base);
  });
});

describe('checks before saving', () => {
  const ok: WorkflowForm = { name: 'Publish', description: '', isAutoRun: false, steps: build('thumbnail') };

  it('checks name, description and the number of steps', () => {
    expect(hasProblems(validateWorkflow(ok, of))).toBe(false);
    expect(validateWorkflow({ ...ok, name: '  ' }, of).name).toBe('required');
    expect(validateWorkflow({ ...ok, name: '猫'.repeat(100) }, of).name).toBeUndefined();
    expect(validateWorkflow({ ...ok, name: '猫'.repeat(101) }, of).name).toBe('tooLong');
    expect(validateWorkflow({ ...ok, description: 'd'.repeat(1000) }, of).description).toBeUndefined();
    expect(validateWorkflow({ ...ok, description: 'd'.repeat(1001) }, of).description).toBe('tooLong');
    expect(validateWorkflow({ ...ok, steps: [] }, of).steps).toBe('none');
    const many = build(...Array.from({ length: 51 }, () => 'thumbnail' as const));
    expect(validateWorkflow({ ...ok, steps: many }, of).steps).toBe('tooMany');
    expect(validateWorkflow({ ...ok, steps: many.slice(0, 50) }, of).steps).toBeUndefined();
  });

  it('checks each step\'s parameters against its descriptors', () => {
    const steps = build('watermark', 'format-convert');
    steps[0].values = { ...steps[0].values, opacity: '1.5', fontSize: '2.5' };
    steps[1].values = { ...steps[1].values, targetFormat: 'bmp' };
    const p = validateWorkflow({ ...ok, steps }, of);
    expect(p.perStep[steps[0].key].fields).toEqual({ opacity: { kind: 'range', min: 0, max: 1 }, fontSize: { kind: 'integer' } });
    expect(p.perStep[steps[1].key].fields).toEqual({ targetFormat: { kind: 'choice' } });
  });

  it('saves a trimmed name, a null blank description, the auto-run flag and the graph text', () => {
    const body = saveBody({ ...ok, name: '  Publish ', description: '   ', isAutoRun: true }, of);
    expect(body).toEqual({ name: 'Publish', description: null, isAutoRun: true, graphJson: graphText(ok.steps, of) });
    expect(JSON.parse(body.graphJson).nodes[0].data).toEqual({ skillId: 'thumbnail', parameters: {} });
  });
});

describe('where the server\'s 400 goes', () => {
  const steps = build('thumbnail', 'watermark', 'watermark');

  it('finds the step a message names (0- or 1-based, checked against the skill named)', () => {
    // The server's wording: the 0-based index in the nodes array.
    expect(stepIndexFromMessage('nodes[1] (watermark): The opacity must be between 0 and 1.', steps)).toBe(1);
    expect(stepIndexFromMessage('nodes[0] (thumbnail): …', steps)).toBe(0);
    expect(stepIndexFromMessage("The workflow has unsupported skills: 'resize' (nodes[2]).", steps)).toBe(2);
    expect(stepIndexFromMessage('nodes[7] (watermark): …', steps)).toBeNull();
    // Other wordings, checked against the skill named.
    expect(stepIndexFromMessage('Node 2 (watermark): opacity must be between 0 and 1.', steps)).toBe(2);
    expect(stepIndexFromMessage('node 1 (watermark): …', steps)).toBe(1);
    expect(stepIndexFromMessage('node 3 (watermark)', steps)).toBe(2);
    expect(stepIndexFromMessage('No node named here.', steps)).toBeNull();
  });

  it('puts field codes on fields, parameter codes on the step\'s parameter, graph codes on the list', () => {
    expect(serverErrorTarget('workflow_profile_name_conflict', 'A workflow named x already exists.', steps, of)).toEqual({ field: 'name', stepIndex: null, param: null });
    expect(serverErrorTarget('workflow_profile_description_too_long', '…', steps, of).field).toBe('description');
    expect(serverErrorTarget('watermark_opacity_out_of_range', 'nodes[2] (watermark): The opacity must be between 0 and 1.', steps, of)).toEqual({ field: null, stepIndex: 2, param: 'opacity' });
    expect(serverErrorTarget('watermark_font_size_invalid', 'nodes[1] (watermark): The font size must be a whole number.', steps, of)).toEqual({ field: null, stepIndex: 1, param: 'fontSize' });
    expect(serverErrorTarget('workflow_profile_contains_unsupported_skills', "The workflow has unsupported skills: 'resize' (nodes[0]).", steps, of)).toEqual({ field: 'steps', stepIndex: 0, param: null });
    expect(serverErrorTarget('workflow_profile_has_no_skills', 'The workflow has no runnable skill node.', steps, of)).toEqual({ field: 'steps', stepIndex: null, param: null });
  });

  it('finds the only step a parameter code can belong to when the message names none', () => {
    const one = build('thumbnail', 'format-convert');
    expect(serverErrorTarget('format_convert_target_format_invalid', 'The target format is not supported.', one, of)).toEqual({ field: null, stepIndex: 1, param: 'targetFormat' });
    // Two watermark steps and no node named: the list as a whole.
    expect(serverErrorTarget('watermark_text_too_long', 'The text is too long.', steps, of)).toEqual({ field: 'steps', stepIndex: null, param: null });
  });
});

describe('the workflow endpoints', () => {
  const signedIn = (handler: Parameters<typeof fakeFetch>[0]) => {
    const ff = fakeFetch(handler);
    const client = new ApiClient({ fetch: ff.fetch, timeoutMs: 2000, sessionHint: null });
    client.setSession(authResult('tok').data);
    return { api: endpoints(client), calls: ff.calls };
  };

  it('PUTs a full replacement, DELETEs to 204, PATCHes autorun, runs with 202', async () => {
    const wf = { id: 'w1', name: 'n', description: null, isAutoRun: true, graphJson: '{}', createdAtUtc: '', updatedAtUtc: '' };
    const { api, calls } = signedIn((call) => {
      if (call.method === 'DELETE') return new Response(null, { status: 204 });
      if (call.url.endsWith('/run')) return json(202, { data: { assetId: 'a', workflowId: 'w1', skillIds: ['thumbnail'], jobId: 'j1' } }, { Location: '/api/v1/assets/a' });
      return json(200, { data: wf });
    });
    const body = saveBody({ name: 'n', description: '', isAutoRun: true, steps: build('thumbnail') }, of);
    await api.updateWorkflow('w1', body);
    expect([calls[0].method, calls[0].url]).toEqual(['PUT', '/api/v1/system/workflows/w1']);
    expect(JSON.parse(calls[0].body!)).toEqual(body);
    await api.deleteWorkflow('w1');
    expect([calls[1].method, calls[1].url]).toEqual(['DELETE', '/api/v1/system/workflows/w1']);
    await api.setAutoRunWorkflow('w1');
    expect([calls[2].method, calls[2].url]).toEqual(['PATCH', '/api/v1/system/workflows/w1/autorun']);
    const run = await api.runWorkflow('a', 'w1');
    expect([calls[3].method, calls[3].url]).toEqual(['POST', '/api/v1/assets/a/workflows/w1/run']);
    expect(run).toEqual({ assetId: 'a', workflowId: 'w1', skillIds: ['thumbnail'], jobId: 'j1' });
  });

  it('surfaces a validation error with its code and message', async () => {
    const { api } = signedIn(() => envelopeError(400, 'watermark_opacity_out_of_range', 'Node 1 (watermark): The opacity must be between 0 and 1.'));
    await expect(api.createWorkflow({ name: 'n', graphJson: '{}' })).rejects.toMatchObject({ status: 400, code: 'watermark_opacity_out_of_range' });
  });
});
