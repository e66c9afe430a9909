// workflows.js - helpers for the workflow suites (tests/api/workflows-*.test.js): graphs in the
// original console's format, and profiles created through the API.
import assert from 'node:assert/strict';

export const WORKFLOWS = '/api/v1/system/workflows';

let counter = 0;
// A name nobody used yet on this server.
export const uniqueName = (prefix = 'wf') => `${prefix}-${process.pid}-${++counter}`;

// A graph as the original editor saves it: nodes of type "skill" with data {skillId,
// parameters?} in order, edges chaining them, a viewport. skills: 'thumbnail' or
// ['format-convert', {targetFormat: 'webp'}].
export function graph(...skills) {
  const nodes = skills.map((skill, index) => {
    const [skillId, parameters] = Array.isArray(skill) ? skill : [skill, undefined];
    const data = parameters === undefined ? { skillId } : { skillId, parameters };
    return { id: `node-${index}`, type: 'skill', position: { x: index * 200, y: 80 }, data };
  });
  const edges = nodes.slice(1).map((node, index) => ({ id: `e${index}`, source: nodes[index].id,
    target: node.id }));
  return JSON.stringify({ nodes, edges, viewport: { x: 0, y: 0, zoom: 1 } });
}

// POST a profile (a unique name and a one-thumbnail graph unless body says otherwise); asserts
// 201, returns the profile.
export async function createWorkflow(server, token, body = {}) {
  const response = await server.request('POST', WORKFLOWS, { token,
    json: { name: uniqueName(), graphJson: graph('thumbnail'), ...body } });
  assert.equal(response.status, 201, response.text);
  return response.body.data;
}
