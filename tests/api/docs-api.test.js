// docs-api.test.js - docs/api.md lists every route the server has: each method and path of the
// OpenAPI document (generated from the route table) must appear in a row of the routes table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, repoRoot } from './lib/server.js';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); server.cleanup(); });

// Rows of the markdown table under "## Routes": [{ methods: Set, paths: Set }].
function documentedRoutes() {
  const text = readFileSync(join(repoRoot, 'docs/api.md'), 'utf8');
  const section = text.split('\n## Routes')[1].split('\n## ')[0];
  const rows = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !cells[2].includes('`')) continue;
    const methods = new Set(cells[1].split(',').map((m) => m.trim()));
    const paths = new Set([...cells[2].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    rows.push({ methods, paths });
  }
  return rows;
}

// OpenAPI writes {id} for the route table's {id:guid} and {storageKey} for {*storageKey}.
test('docs/api.md lists every route of the route table with its method', async () => {
  const response = await server.request('GET', '/openapi/v1.json');
  assert.equal(response.status, 200);
  const rows = documentedRoutes();
  assert.ok(rows.length > 10, 'the routes table was found');
  const missing = [];
  for (const [path, operations] of Object.entries(response.body.paths)) {
    for (const method of Object.keys(operations)) {
      const verb = method.toUpperCase();
      if (verb === 'HEAD') continue;
      const listed = rows.some((row) => row.methods.has(verb) && row.paths.has(path));
      if (!listed) missing.push(`${verb} ${path}`);
    }
  }
  assert.deepEqual(missing, [], `routes missing from docs/api.md: ${missing.join(', ')}`);
});
