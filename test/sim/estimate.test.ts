/**
 * The static event estimate that orders a sweep's runs longest first (sim/estimate.ts): on
 * generated scenarios spanning the settings a sweep varies (vCPUs, pCPUs, duration, host load,
 * guest thread periods and counts, IO rates and depths, OpenHCL task rates, parallel regions),
 * its ranking of the runs agrees with the events the engine actually dispatched (Spearman's rank
 * correlation), and much better than the former estimate (simulated time x threads).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import type { Scenario } from '../../server/src/model/ir';
import { simulate } from '../../server/src/sim/run';
import { estimateEvents } from '../../server/src/sim/estimate';
import { rng } from '../bench/genScenario';

/** The former estimate: simulated time x the threads the host schedules (vCPUs and host load threads). */
function workEstimate(sc: Scenario): number {
  let threads = 0;
  for (const v of sc.vms) threads += v.vcpus;
  for (const l of sc.host.loads) threads += l.threads;
  return sc.settings.durationNs * Math.max(1, threads);
}

/** A small scenario whose work comes from a random mix of sources. */
export function genWork(seed: number): string {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pcpus = int(1, 8);
  const vcpus = int(1, 8);
  const out = [`scenario "w${seed}" { duration ${int(5, 60)}ms; seed ${seed} }`, `host {`, `  pcpus ${pcpus}`];
  if (r() < 0.5) out.push(`  load noise { threads ${int(1, 4)}; every ${int(1, 20)}ms; cpu exp ${int(100, 3000)}us }`);
  out.push('}', `vm v {`, `  vcpus ${vcpus}`);
  const openhcl = r() < 0.6;
  if (openhcl) {
    out.push('  openhcl {');
    if (r() < 0.7) out.push(`    task t { target_vp ${int(0, vcpus - 1)}; run_on_target on; rate ${int(1, 40)}k/s; cpu exp ${int(2, 30)}us; io exp ${int(20, 200)}us; cpu 2us }`);
    out.push(`    storvsp scsi0 { sub_channels ${Math.max(0, Math.min(vcpus, 4) - 1)}; disk d { latency exp ${int(30, 400)}us } }`, '  }');
  }
  out.push('  guest {');
  if (r() < 0.7) out.push(`    thread app { count ${int(1, 4)}; every ${int(50, 5000)}us; cpu exp ${int(10, 400)}us }`);
  if (r() < 0.3) out.push(`    thread spin { cpu ${int(100, 2000)}us; sleep ${int(10, 500)}us }`);
  if (openhcl && r() < 0.7) out.push(r() < 0.5 ? `    ioload io { disk scsi0 d; rate ${int(1, 40)}k/s }` : `    ioload io { disk scsi0 d; depth ${int(1, 32)} }`);
  if (r() < 0.25) out.push(`    parallel p { threads ${vcpus}; work uniform 50us..150us; rounds ${int(10, 300)}; barrier ${r() < 0.5 ? 'spin' : 'block'} }`);
  out.push('  }', '}');
  return out.join('\n') + '\n';
}

/** Spearman's rank correlation (average ranks for ties). */
function spearman(a: number[], b: number[]): number {
  const rank = (x: number[]) => {
    const idx = x.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(x.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
      for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const m = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i] - m) * (rb[i] - m);
    da += (ra[i] - m) ** 2;
    db += (rb[i] - m) ** 2;
  }
  return num / Math.sqrt(da * db);
}

test('the event estimate ranks generated runs as the engine does (Spearman >= 0.8, and above the former estimate)', () => {
  const events: number[] = [];
  const est: number[] = [];
  const old: number[] = [];
  for (let seed = 1; seed <= 60; seed++) {
    const a = analyzeDocument(genWork(seed), { uri: `w${seed}.vps` });
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((d) => d.message), [], `scenario ${seed} is valid`);
    const sc = a.scenario!;
    const r = simulate(sc, {});
    assert.equal(r.stop?.reason ?? 'completed', 'completed');
    events.push(r.counters.events);
    est.push(estimateEvents(sc));
    old.push(workEstimate(sc));
  }
  const now = spearman(est, events);
  const before = spearman(old, events);
  console.log(`# Spearman rank correlation with measured events over 60 runs: estimateEvents ${now.toFixed(3)}, simulated time x threads ${before.toFixed(3)}`);
  assert.ok(now >= 0.8, `estimate ranks runs as measured: ${now}`);
  assert.ok(now > before + 0.1, `better than the former estimate: ${now} vs ${before}`);
});

test('the estimate is finite and at least 1 for any accepted scenario, and grows with a swept rate', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100_000 }), (seed) => {
      const sc = analyzeDocument(genWork(seed)).scenario!;
      const e = estimateEvents(sc);
      return Number.isFinite(e) && e >= 1;
    }),
    { numRuns: 200 },
  );
  const at = (rate: number) => estimateEvents(analyzeDocument(`host { pcpus 2 }\nvm v { vcpus 2\n openhcl { storvsp s { disk d { latency exp 100us } } }\n guest { ioload io { disk s d; rate ${rate}k/s } } }\n`).scenario!);
  assert.ok(at(1) < at(10) && at(10) < at(40), 'a sweep of an IO rate is ranked by the rate');
});
