/**
 * Runnable-vCPU and steal counters per CPU pool in the Chrome export: at every counter event of a
 * pool, `running` and `waiting` are the number of the pool's vCPU lanes in a running or a runnable
 * interval at that time, and the summed steal is their runnable time; a simulated scenario with
 * cpupools gets one `pool NAME` process per pool; a real trace (no pools) keeps per-VM counters
 * and says so; without pools the export is unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { chromePools, chromeTraceStream, type ChromePool } from '../../server/src/core/chromeTrace';
import { TimelineBuilder } from '../../server/src/core/timeline';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulateAll } from '../../server/src/sim/run';
import { mergedTimelineSource } from '../../server/src/report/simulation';
import { main as analyzeMain } from '../../server/src/cli/analyze';
import { repoRoot, tracesDir } from './helpers';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

interface Ev {
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  name?: string;
  args?: Record<string, number | string>;
}
const STATES = ['running', 'runnable', 'sleeping', 'inferred'];

const parse = (chunks: Iterable<string>): { traceEvents: Ev[]; otherData: Record<string, unknown> } => JSON.parse([...chunks].join(''));
const processNamed = (evs: Ev[], name: string): number | undefined => evs.find((e) => e.ph === 'M' && e.name === 'process_name' && e.args!.name === name)?.pid;

describe('Chrome export: counters per CPU pool', () => {
  it('a pool counts, at each of its counter events, the running and runnable vCPU lanes of its VMs (property)', () => {
    // Lanes: per VM a few vCPUs, each a run of back-to-back intervals in random states.
    const lane = fc.array(fc.record({ len: fc.integer({ min: 1, max: 50 }), st: fc.integer({ min: 0, max: 3 }), gap: fc.integer({ min: 0, max: 20 }) }), { maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.array(lane, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(3), { minLength: 4, maxLength: 4 }), (vms, poolOfVm) => {
        const tb = new TimelineBuilder(STATES);
        const spans: { vm: number; st: number; a: number; b: number }[] = [];
        vms.forEach((vcpus, v) => {
          vcpus.forEach((ivs, c) => {
            const l = tb.lane(`vm:${v}/vcpu:${c}`, `vCPU ${c}`, `vm:${v}`, 'vcpu');
            let t = 1000;
            for (const iv of ivs) {
              t += iv.gap * 1000;
              l.push(t, t + iv.len * 1000, iv.st);
              spans.push({ vm: v, st: iv.st, a: t, b: t + iv.len * 1000 });
              t += iv.len * 1000;
            }
          });
        });
        const pools: ChromePool[] = [0, 1, 2].map((p) => ({ name: `p${p}`, groups: vms.map((_, v) => v).filter((v) => poolOfVm[v] % 3 === p).map((v) => `vm:${v}`) }));
        const src = tb.source(0, 1e9);
        const doc = parse(chromeTraceStream(src, { pools }));
        pools.forEach((p, k) => {
          const pid = processNamed(doc.traceEvents, `pool ${p.name}`);
          assert.ok(pid !== undefined, `process of ${p.name}`);
          const mine = spans.filter((s) => p.groups.includes(`vm:${s.vm}`));
          const cs = doc.traceEvents.filter((e) => e.ph === 'C' && e.pid === pid && e.name === 'runnable vCPUs');
          if (!mine.some((s) => s.st !== 2)) return assert.equal(cs.length, 0, `${k}: no vCPU time, no counter`);
          for (const e of cs) {
            const t = Math.round(e.ts * 1000);
            const at = (st: (x: number) => boolean) => mine.filter((s) => st(s.st) && s.a <= t && t < s.b).length;
            assert.equal(e.args!.running, at((x) => x === 0 || x === 3), `running at ${t}`);
            assert.equal(e.args!.waiting, at((x) => x === 1), `waiting at ${t}`);
          }
          // The summed steal of a pool is its vCPUs' runnable time.
          const steal = doc.traceEvents.filter((e) => e.ph === 'C' && e.pid === pid && e.name === 'steal ms');
          const runnableMs = mine.filter((s) => s.st === 1).reduce((x, s) => x + s.b - s.a, 0) / 1e6;
          assert.ok(Math.abs(((steal.at(-1)?.args!.value as number) ?? 0) - runnableMs) < 0.002);
        });
        // Adding pools changes nothing else: the export without them is the same minus the pools.
        const plain = parse(chromeTraceStream(src, {}));
        const poolPids = new Set(pools.map((p) => processNamed(doc.traceEvents, `pool ${p.name}`)));
        assert.deepEqual(doc.traceEvents.filter((e) => !poolPids.has(e.pid)), plain.traceEvents);
      }),
      { numRuns: 150 },
    );
  });

  it('a simulated scenario with cpupools: one pool process per pool of the variant that has them', () => {
    const a = analyzeDocument(readFileSync(join(repoRoot, 'examples', 'xen-cpupool-bs2000.vps'), 'utf8'), { uri: 'xen-cpupool-bs2000.vps' });
    const results = simulateAll(a.scenario!, { timeline: true });
    assert.deepEqual(results.map((r) => r.name), ['base', 'own_pool']);
    const pools = chromePools(results);
    // base has Pool-0 only (no pool counters); own_pool has Pool-0 (6 pCPUs) and bs2000 (2).
    assert.deepEqual(
      pools.map((p) => [p.name, p.pcpus, p.groups]),
      [
        ['own_pool:Pool-0', 6, ['own_pool:vm:dom0', 'own_pool:vm:web']],
        ['own_pool:bs2000', 2, ['own_pool:vm:bs2000a', 'own_pool:vm:bs2000b']],
      ],
    );
    const doc = parse(chromeTraceStream(mergedTimelineSource(results as never), { omitStates: ['idle'], pools }));
    const pid = processNamed(doc.traceEvents, 'pool own_pool:bs2000 (2 pCPUs)')!;
    assert.ok(pid !== undefined);
    // Four CPU-bound vCPUs on the pool's two pCPUs: two run, two wait.
    const cs = doc.traceEvents.filter((e) => e.ph === 'C' && e.pid === pid && e.name === 'runnable vCPUs');
    assert.ok(cs.some((e) => e.args!.running === 2 && e.args!.waiting === 2), JSON.stringify(cs.slice(0, 3)));
    assert.ok(cs.every((e) => (e.args!.running as number) <= 2), 'never more running than the pool has pCPUs');
  });

  it('a real trace defines no pools: per-VM counters, and the export says so', { skip: !existsSync(tracesDir) && 'shared traces not present' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-pools-'));
    try {
      const out = join(dir, 'c.json');
      const sink = { write: () => true } as unknown as NodeJS.WriteStream;
      const code = await analyzeMain([join(tracesDir, 'r2_2x_n4', 'r2_2x_n4.report.txt.gz'), '--chrome-trace', out], { stdout: sink, stderr: sink });
      assert.equal(code, 0);
      const doc = parse([readFileSync(out, 'utf8')]);
      assert.equal(doc.otherData.counters, 'per VM: the trace defines no CPU pools');
      const names = doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => String(e.args!.name));
      assert.ok(!names.some((n) => n.startsWith('pool ')));
      assert.ok(doc.traceEvents.some((e) => e.ph === 'C' && e.name === 'runnable vCPUs'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
