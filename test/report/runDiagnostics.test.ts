/**
 * Run diagnostics (report/runDiagnostics.ts): one diagnostic per cause per line over all
 * variants, with counts; severity follows size (model/findingSettings.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { fraction } from '../arb';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulateAllWithFindings } from '../../server/src/analysis/run/index';
import { runDiagnostics } from '../../server/src/report/runDiagnostics';
import { withStallRelated } from '../../server/src/report/runRelated';
import { DEFAULT_THRESHOLDS, resolveThresholds, severityOfSize } from '../../server/src/model/findingSettings';
import { severityRank } from '../../server/src/core/diagnostic';
import type { Stall } from '../../server/src/core/findings';
import type { VariantResult } from '../../server/src/sim/result';

const root = join(__dirname, '..', '..');
const load = (name: string, durationNs = 200_000_000) => {
  const a = analyzeDocument(readFileSync(join(root, 'examples', `${name}.vps`), 'utf8'));
  return simulateAllWithFindings(a.scenario!, { durationNs });
};

test('one diagnostic per (line, cause) over all variants, with counts', () => {
  for (const name of ['openhcl-sidecar', 'kvm-pvsched-boost', 'storvsp-head-of-line']) {
    const rs = load(name);
    const ds = runDiagnostics(rs);
    const keys = ds.map((d) => `${d.range.start}:${d.range.end}:${d.code}:${/\(([a-z-]+)[:)]/.exec(d.message.replace(/^simulated[^:]*: /, ''))?.[1] ?? ''}`);
    // Findings: one per (range, code); stalls: one per (range, cause).
    const findingKeys = ds.filter((d) => !/stalled/.test(d.message)).map((d) => `${d.range.start}:${d.range.end}:${d.code}`);
    assert.equal(new Set(findingKeys).size, findingKeys.length, `${name}: a finding code twice on one range`);
    assert.equal(new Set(keys).size, keys.length, `${name}: ${keys.join(' ')}`);
    const stallGroups = new Set(rs.flatMap((r) => r.stalls.filter((s) => s.range).map((s) => `${s.range!.start}:${s.range!.end}:${s.cause}`)));
    assert.equal(ds.filter((d) => /stalled/.test(d.message)).length, stallGroups.size, `${name}: one per stall group`);
  }
  // Two VPS310 findings on one controller are one diagnostic that counts the other.
  const hol = runDiagnostics(load('storvsp-head-of-line')).filter((d) => d.code === 'VPS310');
  assert.equal(hol.length, 1);
  assert.match(hol[0].message, /1 more VPS310 finding here/);
  assert.equal(hol[0].related?.length, 1);
});

/** A result with the given stalls on one range (everything else from a real run). */
function withStalls(base: VariantResult, stalls: Stall[]): VariantResult {
  return { ...base, findings: [], stalls };
}

test('severity follows size: a 10 us stall once a second is a hint, 2 ms every 20 ms a warning', () => {
  const [r0] = load('openhcl-blocking-syscall', 1_000_000_000).filter((r) => r.name === 'base');
  const span = r0.stop.simulatedNs - r0.warmupNs;
  const range = { start: 10, end: 20 };
  const stall = (durationNs: number, i: number): Stall => ({ task: 'vmgs', vp: 2, startNs: i * 1000, durationNs, cause: 'blocking-syscall', range });
  const rare = runDiagnostics([withStalls(r0, Array.from({ length: Math.max(1, Math.floor(span / 1e9)) }, (_, i) => stall(10_000, i)))]);
  assert.equal(rare.length, 1);
  assert.equal(rare[0].severity, 'hint');
  const often = runDiagnostics([withStalls(r0, Array.from({ length: Math.floor(span / 20e6) }, (_, i) => stall(2_000_000, i)))]);
  assert.equal(often[0].severity, 'warning');
  assert.match(often[0].message, /x\d+, [\d.]+ ms in total/);
  const mid = runDiagnostics([withStalls(r0, [stall(200_000, 0)])]);
  assert.equal(mid[0].severity, 'info');
  // The thresholds are settings: lowered, the same stall is a warning.
  const strict = runDiagnostics([withStalls(r0, [stall(200_000, 0)])], { thresholds: { warnLongestNs: 100_000 } });
  assert.equal(strict[0].severity, 'warning');
});

test('severity is monotone in the size and invalid thresholds fall back to the defaults', () => {
  fc.assert(
    fc.property(fc.nat(1e8), fc.nat(1e8), fraction(), fraction(), (a, b, s1, s2) => {
      const t = resolveThresholds(undefined);
      const small = severityOfSize(Math.min(a, b), Math.min(s1, s2), t);
      const big = severityOfSize(Math.max(a, b), Math.max(s1, s2), t);
      assert.ok(severityRank[big] <= severityRank[small], `${small} -> ${big}`);
    }),
    { numRuns: 300, seed: 3 },
  );
  assert.deepEqual(resolveThresholds({ warnLongestNs: -1, warnShare: Number.NaN, hintShare: 5 }), { ...DEFAULT_THRESHOLDS, hintShare: 1 });
});

// Found by attack11: the note pointed at the first task of that name in any VM (or the host), so
// in xen-cpupool-bs2000.vps the stall of bs2000b's `batch` linked to bs2000a's `batch`, and a host
// load named like a guest thread linked to the thread.
test('a stall diagnostic\'s notes point at the declaration of the task that stalled, in its own VM (names shared across VMs and the host)', () => {
  const dup = `host {
  pcpus 1
  load foo { threads 1; cpu 1ms; sleep 1ms }
  load bar { threads 1; cpu 1ms; sleep 1ms }
}
vm v {
  vcpus 1
  guest { thread foo { vcpus 0; count 1; cpu 1ms; sleep 1ms } }
}
vm w {
  vcpus 1
  guest { thread foo { vcpus 0; count 1; cpu 1ms; sleep 1ms } }
}
`;
  const cases = [readFileSync(join(root, 'examples', 'xen-cpupool-bs2000.vps'), 'utf8'), dup];
  let checked = 0;
  for (const text of cases) {
    const rs = simulateAllWithFindings(analyzeDocument(text).scenario!, { durationNs: 200_000_000 });
    for (const d of withStallRelated(runDiagnostics(rs), rs)) {
      if (!/stalled/.test(d.message)) continue;
      for (const rel of d.related ?? []) {
        const task = /^`([^`]*)`/.exec(rel.message)![1];
        const decl = rs.flatMap((r) => r.tasks).find((t) => t.range && t.range.start === rel.range.start && t.range.end === rel.range.end && t.name.replace(/#\d+$/, '') === task);
        assert.ok(decl, `${rel.message}: no task ${task} declared there`);
        const stalls = rs.flatMap((r) => r.stalls).filter((s) => s.range?.start === d.range.start && s.range.end === d.range.end && s.task.replace(/#\d+$/, '') === task);
        assert.ok(stalls.some((s) => s.vm === decl.vm), `${rel.message}: declared in ${decl.vm ?? 'the host'}, stalled in ${[...new Set(stalls.map((s) => s.vm ?? 'the host'))].join(', ')}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 4, `${checked} notes checked`);
});
