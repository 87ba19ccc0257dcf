/**
 * The committed JSON Schemas (schemas/) are what the TypeScript types generate, document every
 * field, compile under ajv's strict mode, and reject what the contracts do not allow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error: an .mjs script without type declarations
import { CONTRACTS, generateSchemas } from '../../scripts/schemaGen.mjs';
import { CHECK_SCHEMA_FILE } from '../../server/src/cli/format';
import { RUN_SCHEMA_FILE } from '../../server/src/report/simulation';
import { SEEDS_SCHEMA_FILE } from '../../server/src/report/seeds';
import { TRACE_SCHEMA_FILE } from '../../server/src/trace/schema';
import { assertValid, root, SCHEMA_FILES, validator } from './validate';

const committed = (f: string) => readFileSync(join(root, 'schemas', f), 'utf8');

test('schemas/ equals what the TypeScript types generate (run `npm run schemas` after changing an output type)', () => {
  const fresh: Map<string, string> = generateSchemas(root);
  assert.deepEqual([...fresh.keys()].sort(), [...SCHEMA_FILES].sort());
  for (const [file, text] of fresh) assert.equal(committed(file), text, `schemas/${file} is stale: run npm run schemas`);
});

test('every output names its schema file in $schema, and each schema says so in $id', () => {
  assert.deepEqual([CHECK_SCHEMA_FILE, RUN_SCHEMA_FILE, TRACE_SCHEMA_FILE, SEEDS_SCHEMA_FILE], [...SCHEMA_FILES]);
  for (const c of CONTRACTS as { file: string; id: string }[]) {
    const s = JSON.parse(committed(c.file));
    assert.equal(s.$id, c.file);
    assert.equal(s.title, c.id);
    assert.equal(s.properties.$schema.const, c.file);
    assert.equal(s.properties.schema.const, c.id);
    assert.equal(s.additionalProperties, false);
  }
});

test('every property of every schema has a description (from the type\'s JSDoc)', () => {
  const missing: string[] = [];
  const walk = (n: unknown, path: string) => {
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.properties) {
      for (const [k, v] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
        if (typeof v.description !== 'string' || !v.description.trim()) missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
    }
    walk(o.items, `${path}[]`);
    walk(o.additionalProperties, `${path}{}`);
    for (const x of (o.anyOf as unknown[]) ?? []) walk(x, path);
  };
  for (const f of SCHEMA_FILES) {
    const s = JSON.parse(committed(f));
    walk(s, f);
    for (const [k, v] of Object.entries(s.$defs ?? {})) walk(v, `${f}#${k}`);
  }
  assert.deepEqual(missing, []);
});

test('the schemas reject a wrong type, a missing field and a field the type does not declare', () => {
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
  const good = { $schema: CHECK_SCHEMA_FILE, schema: 'vpscope.check/1', files: [{ file: 'a.vps', diagnostics: [{ severity: 'error', code: 'VPS001', message: 'm', range }] }], summary: { files: 1, errors: 1, warnings: 0, notes: 0 } };
  assertValid(CHECK_SCHEMA_FILE, good, 'a minimal check document');
  const v = validator(CHECK_SCHEMA_FILE);
  const bad = (f: (d: typeof good) => void) => {
    const d = structuredClone(good);
    f(d);
    return v(d);
  };
  assert.equal(bad((d) => ((d.files[0].diagnostics[0] as { severity: string }).severity = 'fatal')), false, 'unknown severity');
  assert.equal(bad((d) => delete (d.summary as Partial<typeof d.summary>).errors), false, 'missing summary.errors');
  assert.equal(bad((d) => ((d.files[0] as Record<string, unknown>).extra = 1)), false, 'undeclared field');
  assert.equal(bad((d) => ((d.files[0].diagnostics[0].range.start as Record<string, unknown>).line = '0')), false, 'line as a string');
  assert.equal(bad((d) => ((d as Record<string, unknown>).$schema = 'https://example.com/x.json')), false, 'another $schema');
  const run = validator(RUN_SCHEMA_FILE);
  assert.equal(run({ $schema: RUN_SCHEMA_FILE, schema: 'vpscope.run/1', file: 'x', seed: 1, variants: [{ name: 'base' }], diagnostics: [] }), false, 'a variant without its results');
});

test('package.json contributes jsonValidation: *.vpscope-check.json, *.vpscope-run.json, *.vpscope-trace.json, *.vpscope-seeds.json to the shipped schemas', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const jv = pkg.contributes.jsonValidation as { fileMatch: string[]; url: string }[];
  const byFile = new Map(jv.map((j) => [j.url.replace(/^\.\//, ''), j.fileMatch]));
  assert.deepEqual([...byFile.keys()].sort(), SCHEMA_FILES.map((f) => `schemas/${f}`).sort());
  for (const f of SCHEMA_FILES) {
    const kind = f.split('.')[1].replace(/-1\.schema$/, '').replace(/-1$/, '');
    assert.deepEqual(byFile.get(`schemas/${f}`), [`*.vpscope-${kind}.json`]);
  }
  const vscodeignore = readFileSync(join(root, '.vscodeignore'), 'utf8');
  assert.match(vscodeignore, /^!schemas\/\*\.schema\.json$/m, 'the schemas are in the .vsix');
  const npmignore = readFileSync(join(root, '.npmignore'), 'utf8');
  assert.match(npmignore, /^!\/schemas\/\*\.schema\.json$/m, 'the schemas are in the npm package');
});
