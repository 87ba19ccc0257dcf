/**
 * The schema against itself and against the hand-written reference (docs/language.md), and the
 * code catalog.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allKeywords, allSpecs, childSpecs, DIST_KINDS, resolveStatement, specById, FILE_CHILDREN, allEnumWords } from '../../server/src/model/schema';
import { checkerCodes, Codes, describeCode, SyntaxCodes } from '../../server/src/model/codes';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'language.md'), 'utf8');

/** Every word of the reference (keywords appear in code spans, tables and examples). */
function codeWords(md: string): Set<string> {
  return new Set(md.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
}

test('every keyword of the schema appears in docs/language.md', () => {
  const words = codeWords(doc);
  const missing = allKeywords().filter((k) => !words.has(k));
  assert.deepEqual(missing, [], 'document these keywords in docs/language.md');
});

test('every statement documented in the tables of docs/language.md exists in the schema', () => {
  // First column of statement tables: | `keyword` | ... (and `keyword ARG { ... }` forms).
  const documented = new Set<string>();
  let inStatementTable = false;
  for (const line of doc.split('\n')) {
    if (/^\| (statement|step) \|/.test(line)) inStatementTable = true;
    else if (!line.startsWith('|')) inStatementTable = false;
    else if (inStatementTable) {
      const m = /^\| `([a-z_0-9]+)/.exec(line);
      if (m) documented.add(m[1]);
    }
  }
  for (const m of doc.matchAll(/^### `([a-z_]+)/gm)) documented.add(m[1]);
  const known = new Set(allKeywords());
  const unknown = [...documented].filter((w) => !known.has(w));
  assert.deepEqual(unknown, [], 'docs/language.md documents statements the schema lacks');
  assert.ok(documented.size > 60, `parsed ${documented.size} documented statements`);
});

test('every enum value and distribution appears in docs/language.md', () => {
  const words = codeWords(doc);
  const missing = [...allEnumWords(), ...Object.keys(DIST_KINDS)].filter((w) => !words.has(w));
  assert.deepEqual(missing, []);
});

test('specs are well formed: unique ids, children exist, docs and sources everywhere', () => {
  const ids = new Set<string>();
  for (const s of allSpecs) {
    assert.ok(!ids.has(s.id), `duplicate id ${s.id}`);
    ids.add(s.id);
    assert.ok(s.doc.length > 15, `${s.id} has a doc`);
    assert.ok(s.source, `${s.id} names its source`);
    assert.equal(s.keyword, s.id.split('.').pop());
    if (s.body !== 'none') assert.ok(s.children?.length, `${s.id} has children`);
    if (s.body === 'required' || (s.body === 'optional' && s.children?.length)) assert.ok(s.snippet, `${s.id} has a snippet`);
    for (const c of s.children ?? []) assert.ok(specById(c), `${s.id} -> ${c}`);
    for (const a of s.args) if (a.type.kind === 'enum') for (const v of a.type.values) assert.ok(v.doc, `${s.id} ${v.name} doc`);
  }
  for (const id of FILE_CHILDREN) assert.ok(specById(id));
});

test('lookups: top level, blocks, variants resolve to the same specs as the base', () => {
  assert.equal(resolveStatement('vm', 'file')?.id, 'vm');
  assert.equal(resolveStatement('vcpus', 'file'), undefined);
  assert.equal(resolveStatement('target_vp', 'vm.openhcl.task')?.id, 'vm.openhcl.task.target_vp');
  assert.equal(resolveStatement('vm', 'variant')?.id, 'vm');
  assert.equal(resolveStatement('description', 'variant')?.id, 'variant.description');
  assert.equal(resolveStatement('variant', 'variant'), undefined);
  assert.equal(resolveStatement('vcpus', 'variant:vm')?.id, 'vm.vcpus');
  assert.deepEqual(childSpecs('variant:vm.openhcl').map((s) => s.id), childSpecs('vm.openhcl').map((s) => s.id));
  assert.deepEqual(childSpecs('file').map((s) => s.keyword), ['scenario', 'host', 'vm', 'variant', 'sweep']);
  // `count` means threads in a guest thread, passes in a task.
  assert.match(resolveStatement('count', 'vm.guest.thread')!.doc, /threads/);
  assert.match(resolveStatement('count', 'vm.openhcl.task')!.doc, /passes/);
});

test('code catalog: unique codes, every code the checker uses is documented', () => {
  const codes = checkerCodes.map((c) => c.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const c of [...Object.values(Codes), ...Object.values(SyntaxCodes)]) {
    const d = describeCode(c);
    assert.ok(d && d.title && d.help, `${c} documented`);
    assert.match(c, /^VPS[01]\d\d$/);
  }
});
