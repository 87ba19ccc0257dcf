/**
 * Suppression comments (`# vpscope-allow CODE: reason`, model/suppress.ts): honoured by the
 * checker (so the editor and `vpscope check`) and by run diagnostics; unused ones are reported
 * (VPS150), invalid ones warned about (VPS151). The rules per position are in
 * test/model/data/suppress.vps; here: the property that a suppression changes nothing but the
 * named code's diagnostics where it is written, and the run side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { allCodeDocs } from '../../server/src/analysis/catalog';
import { simulateAllWithFindings } from '../../server/src/analysis/run/index';
import { runDiagnostics } from '../../server/src/report/runDiagnostics';
import type { Diagnostic } from '../../server/src/core/diagnostic';

const root = join(__dirname, '..', '..');
const corpus = [
  ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.vps')).map((f) => readFileSync(join(root, 'examples', f), 'utf8')),
  ...['valid.vps', 'variants.vps', 'xen.vps', 'context.vps'].map((f) => readFileSync(join(__dirname, 'data', f), 'utf8')),
];
const SUPPRESSION_CODES = new Set(['VPS150', 'VPS151']);
const lineOf = (text: string, o: number) => text.slice(0, o).split('\n').length - 1;
const keys = (text: string, ds: Diagnostic[]) => ds.filter((d) => !SUPPRESSION_CODES.has(d.code)).map((d) => `${d.code}|${d.severity}|${lineOf(text, d.range.start)}`);
const catalog = allCodeDocs().map((d) => d.code);

/** Multiset difference a \ b. */
function minus(a: string[], b: string[]): string[] {
  const left = new Map<string, number>();
  for (const k of b) left.set(k, (left.get(k) ?? 0) + 1);
  const out: string[] = [];
  for (const k of a) {
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    else out.push(k);
  }
  return out;
}

const before = corpus.map((t) => analyzeDocument(t).diagnostics);

test('a trailing suppression removes only the named code\'s diagnostics on its line, nothing else changes', () => {
  fc.assert(
    fc.property(fc.nat(corpus.length - 1), fc.nat(10_000), fc.nat(10_000), fc.boolean(), (fi, li, ci, reason) => {
      const text = corpus[fi];
      const lines = text.split('\n');
      const i = li % lines.length;
      // A string, a comment already there (the directive must start its comment) or an empty line.
      if (/["#]/.test(lines[i]) || lines[i].trim() === '') return;
      const old = before[fi];
      // Half the time a code present in the file, else any catalogued code.
      const present = old.map((d) => d.code);
      const code = present.length && ci % 2 === 0 ? present[ci % present.length] : catalog[ci % catalog.length];
      lines[i] += `  # vpscope-allow ${code}${reason ? ': checked by hand' : ''}`;
      const text2 = lines.join('\n');
      const now = analyzeDocument(text2).diagnostics;
      const oldK = keys(text, old);
      const newK = keys(text2, now);
      assert.deepEqual(minus(newK, oldK), [], 'a suppression added a diagnostic');
      const removed = minus(oldK, newK);
      for (const k of removed) {
        const [c, , line] = k.split('|');
        assert.equal(c, code, `removed ${k}`);
        assert.equal(Number(line), i, `removed ${k} not on line ${i}`);
      }
      const unused = now.filter((d) => d.code === 'VPS150');
      const wasOnLine = old.some((d) => d.code === code && lineOf(text, d.range.start) === i && !(d.severity === 'error' && code < 'VPS200'));
      if (code >= 'VPS300') assert.equal(unused.length, 0, 'run codes are not judged by the checker');
      else if (!now.some((d) => d.code === 'VPS151')) assert.equal(unused.length, wasOnLine ? 0 : 1, `unused report for ${code} on line ${i}`);
    }),
    { numRuns: 150, seed: 150 },
  );
});

test('a suppression on its own line removes only the named code, and only after it', () => {
  fc.assert(
    fc.property(fc.nat(corpus.length - 1), fc.nat(10_000), fc.nat(10_000), (fi, li, ci) => {
      const text = corpus[fi];
      const lines = text.split('\n');
      const i = li % (lines.length + 1);
      const old = before[fi];
      const present = old.map((d) => d.code);
      const code = present.length && ci % 2 === 0 ? present[ci % present.length] : catalog[ci % catalog.length];
      const indent = /^\s*/.exec(lines[i] ?? '')![0];
      lines.splice(i, 0, `${indent}# vpscope-allow ${code}: reviewed`);
      const text2 = lines.join('\n');
      // Lines at and after the comment moved down by one.
      const oldK = keys(text, old).map((k) => {
        const [c, s, l] = k.split('|');
        return `${c}|${s}|${Number(l) >= i ? Number(l) + 1 : l}`;
      });
      const newK = keys(text2, analyzeDocument(text2).diagnostics);
      assert.deepEqual(minus(newK, oldK), []);
      for (const k of minus(oldK, newK)) {
        const [c, , line] = k.split('|');
        assert.equal(c, code);
        assert.ok(Number(line) > i, `removed ${k} above the comment on line ${i}`);
      }
    }),
    { numRuns: 100, seed: 151 },
  );
});

test('the checker honours a suppression before a block for every hazard in it; errors stay', () => {
  const text = readFileSync(join(root, 'examples', 'storvsp-head-of-line.vps'), 'utf8');
  assert.ok(analyzeDocument(text).diagnostics.some((d) => d.code === 'VPS210'));
  const sup = text.replace('vm db {', '# vpscope-allow VPS210: the "before" case\nvm db {');
  const a = analyzeDocument(sup);
  assert.deepEqual(a.diagnostics.map((d) => d.code), []);
  assert.equal(a.suppressions?.length, 1);
  assert.equal(a.suppressions?.[0].reason, 'the "before" case');
  // An error is never suppressed, and naming its code is itself a warning.
  const bad = text.replace('  vcpus 4', '  vcpus 4ms # vpscope-allow VPS106');
  const b = analyzeDocument(bad);
  assert.ok(b.diagnostics.some((d) => d.code === 'VPS106' && d.severity === 'error'));
  assert.ok(b.diagnostics.some((d) => d.code === 'VPS151'));
});

test('run diagnostics honour suppressions and report unused run-code suppressions', () => {
  const text = readFileSync(join(root, 'examples', 'openhcl-blocking-syscall.vps'), 'utf8');
  const a = analyzeDocument(text);
  const rs = simulateAllWithFindings(a.scenario!, { variants: 'base' });
  const plain = runDiagnostics(rs);
  const target = plain.find((d) => d.code === 'VPS301');
  assert.ok(target, 'the example stalls on a blocking syscall');
  // Same text with a suppression on the stall's line: offsets before it are unchanged.
  // (A directive starts its comment: the line's own comment makes way for it.)
  const lineEnd = text.indexOf('\n', target.range.start);
  const hash = text.lastIndexOf('#', lineEnd);
  const cut = hash > target.range.start ? hash : lineEnd;
  const sup = `${text.slice(0, cut)}# vpscope-allow VPS301, VPS320: the case the example shows${text.slice(lineEnd)}`;
  const a2 = analyzeDocument(sup);
  const rs2 = simulateAllWithFindings(a2.scenario!, { variants: 'base' });
  const ds = runDiagnostics(rs2, { suppressions: a2.suppressions });
  assert.ok(!ds.some((d) => d.code === 'VPS301'), 'VPS301 suppressed');
  const unused = ds.filter((d) => d.code === 'VPS150');
  assert.equal(unused.length, 1);
  assert.match(unused[0].message, /VPS320/);
  assert.deepEqual(unused[0].tags, ['unnecessary']);
  // The checker does not judge run codes: no VPS150 from it for either.
  assert.ok(!a2.diagnostics.some((d) => d.code === 'VPS150'));
});

test('severity per code: only the named codes change (or go, with off); the checker\'s errors stay', () => {
  const sev = fc.constantFrom('error', 'warning', 'info', 'hint', 'off') as fc.Arbitrary<'error' | 'warning' | 'info' | 'hint' | 'off'>;
  fc.assert(
    fc.property(fc.nat(corpus.length - 1), fc.nat(10_000), sev, (fi, ci, level) => {
      const text = corpus[fi];
      const old = before[fi];
      const present = old.map((d) => d.code);
      const code = present.length ? present[ci % present.length] : catalog[ci % catalog.length];
      const now = analyzeDocument(text, { severities: { [code]: level } }).diagnostics;
      const other = (ds: Diagnostic[]) => ds.filter((d) => d.code !== code).map((d) => `${d.code}|${d.severity}|${d.range.start}`);
      assert.deepEqual(other(now), other(old));
      const was = old.filter((d) => d.code === code);
      const is = now.filter((d) => d.code === code);
      const locked = was.filter((d) => d.severity === 'error' && code < 'VPS200');
      if (level === 'off') assert.equal(is.length, locked.length);
      else {
        assert.equal(is.length, was.length);
        for (const d of is) assert.ok(d.severity === level || locked.length > 0, `${code} ${d.severity}`);
      }
    }),
    { numRuns: 60, seed: 152 },
  );
  // Run diagnostics too.
  const text = readFileSync(join(root, 'examples', 'openhcl-blocking-syscall.vps'), 'utf8');
  const rs = simulateAllWithFindings(analyzeDocument(text).scenario!, { variants: 'base' });
  assert.ok(runDiagnostics(rs).some((d) => d.code === 'VPS301'));
  assert.ok(!runDiagnostics(rs, { severities: { VPS301: 'off' } }).some((d) => d.code === 'VPS301'));
  assert.ok(runDiagnostics(rs, { severities: { VPS301: 'hint' } }).filter((d) => d.code === 'VPS301').every((d) => d.severity === 'hint'));
});
