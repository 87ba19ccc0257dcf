/**
 * Property tests: whatever the text, the parser and the checker terminate without throwing, and
 * every range they produce lies inside the document. Inputs are random token soups and random
 * edits (delete / insert / duplicate / swap characters and lines) of real scenarios: the
 * examples in examples/*.vps, the test data, and a generated scenario.
 *
 * VPSCOPE_FUZZ_RUNS=N sets the number of runs per property (default keeps this file under ~20 s
 * in CI); VPSCOPE_FUZZ_SEED=S replays a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from '../../server/src/syntax/parser';
import { nodeAt } from '../../server/src/syntax/walk';
import { analyzeDocument } from '../../server/src/model/analyze';
import type { DocumentAnalysis } from '../../server/src/model/analysisTypes';
import { checkParseInvariants } from './invariants';
import { genScenario } from '../bench/genScenario';

const RUNS = Number(process.env.VPSCOPE_FUZZ_RUNS ?? 2000);
const SEED = process.env.VPSCOPE_FUZZ_SEED ? Number(process.env.VPSCOPE_FUZZ_SEED) : undefined;
const params = (runs: number) => ({ numRuns: runs, ...(SEED !== undefined ? { seed: SEED } : {}) });

const root = join(__dirname, '..', '..');

function seeds(): string[] {
  const out: string[] = [];
  const dirs = [join(root, 'examples'), join(__dirname, 'data', 'ok'), join(__dirname, 'data', 'err'), join(__dirname, '..', 'model', 'data')];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (f.endsWith('.vps')) out.push(readFileSync(join(d, f), 'utf8'));
  }
  out.push(genScenario({ lines: 300, seed: 3 }));
  return out;
}

const SEEDS = seeds();

function checkAnalysis(text: string, a: DocumentAnalysis): void {
  const n = text.length;
  const inDoc = (r: { start: number; end: number }, what: string) => assert.ok(r.start >= 0 && r.start <= r.end && r.end <= n, `${what} ${r.start}..${r.end} outside 0..${n}`);
  for (const d of a.diagnostics) {
    inDoc(d.range, `${d.code} range`);
    assert.notEqual(d.code, 'VPS199', `internal error: ${d.message}`);
    for (const r of d.related ?? []) inDoc(r.range, `${d.code} related`);
    for (const f of d.fixes ?? []) for (const e of f.edits) inDoc(e.range, `${d.code} fix edit`);
  }
  for (const s of a.symbols.decls) {
    inDoc(s.nameRange, 'decl name');
    inDoc(s.range, 'decl');
  }
  for (const r of a.symbols.refs) {
    inDoc(r.range, 'ref');
    if (r.target !== undefined) assert.ok(a.symbols.decls[r.target], 'ref target exists');
  }
  assert.equal(a.statements.length, countStatements(a), 'every statement is resolved once');
}

function countStatements(a: DocumentAnalysis): number {
  let k = 0;
  const rec = (l: { body?: { statements: unknown[] } }[]) => {
    for (const s of l) {
      k++;
      if (s.body) rec(s.body.statements as never);
    }
  };
  rec(a.parse.file.statements);
  return k;
}

function checkAll(text: string): void {
  const r = parse(text);
  checkParseInvariants(text, r);
  // nodeAt answers for every offset class (start, middle, end).
  for (const o of [0, text.length >> 1, text.length]) {
    const path = nodeAt(r.file, o);
    assert.equal(path[0], r.file);
  }
  checkAnalysis(text, analyzeDocument(text, { uri: 'fuzz.vps' }));
}

const VOCAB = [
  'host', 'vm', 'variant', 'scenario', 'pool', 'load', 'vcpus', 'pcpus', 'cpus', 'sched', 'credit', 'fair', 'openhcl', 'guest', 'task', 'thread',
  'storvsp', 'disk', 'latency', 'target_vp', 'run_on_target', 'retarget_vp', 'at', 'cpu', 'io', 'sleep', 'every', 'rate', 'lock', 'disk_io', 'boost',
  'dynamic', 'exp', 'uniform', 'bimodal', 'on', 'off', 'Pool-0', 'web', 'x', 'count', 'passes', 'dom0', 'description',
  '0', '1', '4', '10us', '2.5ms', '50%', '20k/s', '10M', '1e3', '-5', '0-3', '^1', '1,2', '10us..20us', '1..', '..', '-', '^', ',',
  '{', '}', '{', '}', ';', '\n', '\n', '\r\n', '\r', '"str"', '"unterminated', '"esc\\"aped"', '# comment', '@', '!', '.', 'µ', '🚀', '\t', '\u0000',
];

test('token soups never break the parser or the checker', () => {
  const soup = fc.array(fc.tuple(fc.constantFrom(...VOCAB), fc.constantFrom('', ' ', ' ', '  ', '\t')), { maxLength: 80 }).map((xs) => xs.map(([t, ws]) => t + ws).join(''));
  fc.assert(fc.property(soup, (text) => checkAll(text)), params(RUNS));
});

type Edit =
  | { op: 'delete'; at: number; len: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'dupChars'; at: number; len: number }
  | { op: 'swapChars'; at: number }
  | { op: 'deleteLine'; line: number }
  | { op: 'dupLine'; line: number }
  | { op: 'swapLines'; a: number; b: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...VOCAB), fc.string({ maxLength: 6 })) }),
  fc.record({ op: fc.constant('dupChars' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('swapChars' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('deleteLine' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('dupLine' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
);

function applyEdit(text: string, e: Edit): string {
  const n = text.length;
  switch (e.op) {
    case 'delete': {
      const at = n ? e.at % n : 0;
      return text.slice(0, at) + text.slice(at + e.len);
    }
    case 'insert': {
      const at = n ? e.at % (n + 1) : 0;
      return text.slice(0, at) + e.text + text.slice(at);
    }
    case 'dupChars': {
      const at = n ? e.at % n : 0;
      return text.slice(0, at + e.len) + text.slice(at, at + e.len) + text.slice(at + e.len);
    }
    case 'swapChars': {
      if (n < 2) return text;
      const at = e.at % (n - 1);
      return text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2);
    }
    default: {
      const lines = text.split('\n');
      const m = lines.length;
      if (e.op === 'deleteLine') lines.splice(e.line % m, 1);
      else if (e.op === 'dupLine') lines.splice(e.line % m, 0, lines[e.line % m]);
      else {
        const a = e.a % m;
        const b = e.b % m;
        [lines[a], lines[b]] = [lines[b], lines[a]];
      }
      return lines.join('\n');
    }
  }
}

test('random edits of real scenarios never break the parser or the checker', () => {
  assert.ok(SEEDS.length > 5, 'seed scenarios found');
  const arb = fc.tuple(fc.integer({ min: 0, max: SEEDS.length - 1 }), fc.array(editArb, { minLength: 1, maxLength: 6 }));
  fc.assert(
    fc.property(arb, ([k, edits]) => {
      let text = SEEDS[k];
      for (const e of edits) text = applyEdit(text, e);
      checkAll(text);
    }),
    params(RUNS),
  );
});

test('every prefix of a scenario (typing it from the top) is handled', () => {
  // Typing produces every prefix; check a stride of them on each seed.
  for (const s of SEEDS.slice(0, 40)) {
    const step = Math.max(1, Math.floor(s.length / 60));
    for (let i = 0; i <= s.length; i += step) checkAll(s.slice(0, i));
  }
});

test('pathological inputs: deep nesting, long lines, many braces', () => {
  checkAll('a {'.repeat(3000));
  checkAll('}'.repeat(3000));
  checkAll('vm x { '.repeat(500) + '}'.repeat(200));
  checkAll('cpus ' + Array.from({ length: 5000 }, (_, i) => i).join(','));
  checkAll('x ' + '"'.repeat(1001));
  checkAll('#'.repeat(10000));
  checkAll('\r\n'.repeat(1000) + 'host { pcpus 99999999999999999999 }');
  checkAll('host { pcpus 4 }\nvm a { vcpus 4; cpus 0-999999999 }');
});
