/**
 * Values that used to give wrong results without a word: `variant base`, `duration 1e400s`
 * (durationNs null in JSON), `warmup` >= `duration` (every statistic 0), seeds above 2^53
 * (silently rounded). Each is now an error at the value, with a precise range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { renameAt } from '../../server/src/ide/navigation';
import { analyze as ideDocument } from '../ide/fixture';

const errorsOf = (text: string) => analyzeDocument(text).diagnostics.filter((d) => d.severity === 'error');
const at = (text: string, d: { range: { start: number; end: number } }) => text.slice(d.range.start, d.range.end);

test('variant base is rejected at its name and not run', () => {
  const t = 'host { pcpus 2 }\nvm a { vcpus 1 }\nvariant base { vm a { vcpus 2 } }\nvariant other { vm a { vcpus 2 } }\n';
  const a = analyzeDocument(t);
  const e = a.diagnostics.filter((d) => d.code === 'VPS145');
  assert.equal(e.length, 1);
  assert.equal(at(t, e[0]), 'base');
  assert.deepEqual(a.scenario!.variants.map((v) => v.name), ['other']);
});

test('renaming a variant to base is refused', () => {
  const t = 'host { pcpus 2 }\nvm a { vcpus 1 }\nvariant other { vm a { vcpus 2 } }\n';
  const doc = ideDocument(t);
  const r = renameAt(doc, t.indexOf('other') + 1, 'base');
  assert.equal(r.ok, false);
  const ok = renameAt(doc, t.indexOf('other') + 1, 'based');
  assert.equal(ok.ok, true);
});

test('duration 1e400s and durations beyond 2^53 ns are errors at the value', () => {
  for (const v of ['1e400s', '1e400ns', '1e7s', '9007199254740993ns']) {
    const t = `scenario "x" { duration ${v} }\nhost { pcpus 2 }\n`;
    const e = errorsOf(t);
    assert.equal(e.length, 1, v);
    assert.equal(e[0].code, 'VPS108');
    assert.equal(at(t, e[0]), v);
    assert.ok(Number.isFinite(analyzeDocument(t).scenario!.settings.durationNs));
  }
});

test('property: a seed is accepted exactly when it is a whole number up to 2^53 - 1, and then kept exactly', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 70n }), (seed) => {
      const t = `scenario "x" { seed ${seed} }\nhost { pcpus 2 }\n`;
      const a = analyzeDocument(t);
      const e = a.diagnostics.filter((d) => d.severity === 'error');
      if (seed <= BigInt(Number.MAX_SAFE_INTEGER)) {
        assert.deepEqual(e, []);
        assert.equal(BigInt(a.scenario!.settings.seed), seed);
      } else {
        assert.equal(e.length, 1);
        assert.equal(at(t, e[0]), String(seed));
      }
    }),
    { numRuns: 300 },
  );
});

test('property: warmup at or beyond duration is an error at the warmup, with the duration as related', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 6000 }), (dur, warm) => {
      const t = `scenario "x" { duration ${dur}ms; warmup ${warm}us }\nhost { pcpus 2 }\n`;
      const e = errorsOf(t);
      if (warm > 0 && warm * 1e3 >= dur * 1e6) {
        assert.equal(e.length, 1);
        assert.equal(at(t, e[0]), `${warm}us`);
        assert.equal(at(t, e[0].related![0]), `${dur}ms`);
      } else assert.deepEqual(e, []);
    }),
    { numRuns: 200 },
  );
});

test('a variant whose duration is at or below the base warmup is an error of that variant', () => {
  const t = 'scenario "x" { duration 10ms; warmup 5ms }\nhost { pcpus 2 }\nvariant short { scenario { duration 4ms } }\n';
  const e = errorsOf(t);
  assert.equal(e.length, 1);
  assert.match(e[0].message, /^In variant `short`: `warmup`/);
});

test('simulate --seed refuses fractions and whole numbers above 2^53 - 1 (exit 2) instead of rounding them', async () => {
  const { main } = await import('../../server/src/cli/simulate');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'vps-seed-'));
  const f = join(dir, 's.vps');
  writeFileSync(f, 'scenario "x" { duration 1ms }\nhost { pcpus 1 }\n');
  const err: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  (process.stderr as { write: unknown }).write = (s: string) => (err.push(String(s)), true);
  try {
    for (const seed of ['1.5', '9007199254740993', '1e3']) {
      err.length = 0;
      assert.equal(await main([f, '--seed', seed]), 2, seed);
      assert.match(err.join(''), /--seed/);
    }
  } finally {
    (process.stderr as { write: unknown }).write = orig;
  }
});
