/**
 * The Chrome trace export as Perfetto reads it: every event has ph/ts/pid/tid, slices of a track do
 * not overlap and come in time order, every wake-up flow has one start on a running slice of the
 * waker and one end (`bp:"e"`) inside a slice of the wakee, counters move forward in time and the
 * summed steal equals the vCPUs' runnable time, imported threads keep their real pids/tids,
 * simulated runs keep synthetic ids, findings and stalls carry code, message and size.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { SYNTHETIC_ID_BASE, chromeTraceStream, toChromeTrace } from '../../server/src/core/chromeTrace';
import { analyzeTrace, analyzeTraceParts, type TraceDocument } from '../../server/src/trace';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../server/src/sim/run';
import { analyzeDocument } from '../../server/src/model/analyze';
import { timelineSourceOf } from '../../server/src/core/timeline';
import { importBytes, realTrace, repoRoot, sw, tf, tracesDir, wk } from './helpers';

const haveShared = existsSync(tracesDir);

interface Ev {
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  id?: number;
  bp?: string;
  name?: string;
  cat?: string;
  s?: string;
  args?: Record<string, unknown>;
}

/** Checks what Perfetto / chrome://tracing need; returns the events by phase. */
function validate(text: string): { events: Ev[]; by: Record<string, Ev[]> } {
  const doc = JSON.parse(text) as { traceEvents: Ev[]; displayTimeUnit: string };
  assert.ok(Array.isArray(doc.traceEvents));
  const by: Record<string, Ev[]> = {};
  for (const e of doc.traceEvents) {
    assert.equal(typeof e.ph, 'string');
    for (const k of ['ts', 'pid', 'tid'] as const) assert.ok(Number.isFinite(e[k]), `${k} of ${JSON.stringify(e)}`);
    assert.ok(Number.isInteger(e.pid) && Number.isInteger(e.tid));
    (by[e.ph] ??= []).push(e);
  }
  // Complete slices: per track in time order, not overlapping (ts are rounded to 1 ns).
  const tracks = new Map<string, Ev[]>();
  for (const e of by.X ?? []) {
    assert.ok(e.dur! >= 0);
    const k = `${e.pid}/${e.tid}`;
    (tracks.get(k) ?? tracks.set(k, []).get(k)!).push(e);
  }
  for (const [k, xs] of tracks) for (let i = 1; i < xs.length; i++) assert.ok(xs[i].ts >= xs[i - 1].ts + xs[i - 1].dur! - 0.0011, `overlap on ${k} at ${xs[i].ts}`);
  // Every track named once.
  const named = new Set((by.M ?? []).filter((e) => e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
  for (const k of tracks.keys()) assert.ok(named.has(k), `unnamed track ${k}`);
  // Flows pair up and bind to slices.
  const enclosing = (e: Ev): boolean => (tracks.get(`${e.pid}/${e.tid}`) ?? []).some((x) => x.ts <= e.ts + 0.0011 && e.ts <= x.ts + x.dur! + 0.0011);
  const flows = new Map<number, Ev[]>();
  for (const e of [...(by.s ?? []), ...(by.f ?? [])]) (flows.get(e.id!) ?? flows.set(e.id!, []).get(e.id!)!).push(e);
  for (const [id, pair] of flows) {
    assert.deepEqual(pair.map((e) => e.ph).sort(), ['f', 's'], `flow ${id}`);
    const s = pair.find((e) => e.ph === 's')!;
    const f = pair.find((e) => e.ph === 'f')!;
    assert.equal(f.bp, 'e');
    assert.equal(s.cat, f.cat);
    assert.equal(s.name, f.name);
    assert.ok(s.ts <= f.ts, `flow ${id} goes back in time`);
    assert.ok(enclosing(s), `flow ${id} start is on no slice of ${s.pid}/${s.tid} at ${s.ts}`);
    assert.ok(enclosing(f), `flow ${id} end is on no slice of ${f.pid}/${f.tid} at ${f.ts}`);
  }
  // Counters: per process and name in time order, never negative.
  const series = new Map<string, Ev[]>();
  for (const e of by.C ?? []) (series.get(`${e.pid}/${e.name}`) ?? series.set(`${e.pid}/${e.name}`, []).get(`${e.pid}/${e.name}`)!).push(e);
  for (const [k, cs] of series) {
    for (let i = 0; i < cs.length; i++) {
      for (const v of Object.values(cs[i].args!)) assert.ok(typeof v === 'number' && v >= 0, k);
      if (i) assert.ok(cs[i].ts >= cs[i - 1].ts, `${k} goes back in time`);
    }
  }
  for (const e of by.i ?? []) for (const k of ['code', 'message', 'size']) assert.ok(k in e.args!, `${k} in ${JSON.stringify(e)}`);
  return { events: doc.traceEvents, by };
}

/** The last value of a counter (its args summed: running + waiting for `runnable vCPUs`). */
const total = (e: Ev): number => Object.values(e.args!).reduce((x: number, v) => x + (v as number), 0);
const last = (by: Record<string, Ev[]>, pid: number, name: string): number => {
  const cs = (by.C ?? []).filter((e) => e.pid === pid && e.name === name);
  return cs.length ? total(cs[cs.length - 1]) : 0;
};

function exportTrace(input: string | Uint8Array): { doc: TraceDocument; text: string } {
  const doc = analyzeTrace(importBytes(input));
  const parts = analyzeTraceParts(importBytes(input), {}, { timeline: true });
  const opts = { omitStates: ['sleeping', 'idle', 'unknown'], findings: doc.findings };
  const text = [...chromeTraceStream(parts.timeline!, opts)].join('');
  // The materialised timeline (what the language server exports) gives the same text.
  assert.equal(toChromeTrace(doc.timeline, opts), text);
  return { doc, text };
}

describe('Chrome export of imported traces', { skip: !haveShared && 'shared traces not present' }, () => {
  for (const run of ['r1_1x_n2', 'r2_2x_n4', 'r3_1x_n2_2hogs']) {
    it(`${run}: valid, real ids, wake-up arrows, steal counters that add up`, () => {
      const { doc, text } = exportTrace(realTrace(run, 'report'));
      const { by } = validate(text);
      // Real ids: every thread lane is on its own tid; CPU lanes are synthetic, above 2^22.
      const names = (by.M ?? []).filter((e) => e.name === 'thread_name');
      for (const t of doc.threads) {
        const m = names.find((e) => e.args!.name === `${t.comm} (${t.tid})`);
        if (m) assert.equal(m.tid, t.tid, t.comm);
      }
      assert.ok(names.filter((e) => /^CPU \d+$/.test(e.args!.name as string)).every((e) => e.tid > SYNTHETIC_ID_BASE && e.pid > SYNTHETIC_ID_BASE));
      // vCPU threads sit in their VMM's process.
      for (const vm of doc.vms) {
        for (const t of doc.threads.filter((x) => x.vm === vm.id && x.vcpu !== null)) {
          assert.equal(names.find((e) => e.tid === t.tid)!.pid, vm.pid, `vCPU ${t.tid} of ${vm.id}`);
        }
      }
      // Arrows: hundreds of wake-ups with their waker (each validated above).
      assert.ok((by.s ?? []).length > 500, `${(by.s ?? []).length} flows`);
      // Steal: the summed steal of each VM is its vCPUs' runnable time (to the us of the counter).
      for (const vm of doc.vms) {
        assert.ok(vm.pid !== null);
        const pid = vm.pid!;
        const runnable = doc.threads.filter((t) => t.vm === vm.id && t.vcpu !== null).reduce((x, t) => x + t.runnableNs, 0);
        assert.ok(Math.abs(last(by, pid, 'steal ms') - runnable / 1e6) < 0.002, `${vm.id}: ${last(by, pid, 'steal ms')} ms vs ${runnable / 1e6} ms`);
        const peak = Math.max(...(by.C ?? []).filter((e) => e.pid === pid && e.name === 'runnable vCPUs').map(total));
        assert.equal(peak, Math.max(...Object.keys(doc.load[0].nsByRunnableVcpus).map(Number)));
      }
      assert.ok((by.i ?? []).length > 0);
    });
  }
});

describe('Chrome export of a Chrome trace', { skip: !haveShared && 'shared traces not present' }, () => {
  it('keeps the ids of its input: the export of the export lines up with it', () => {
    const { text } = exportTrace(realTrace('r1_1x_n2', 'report'));
    const again = validate(exportTrace(text).text);
    const first = validate(text);
    const ids = (v: { by: Record<string, Ev[]> }) => new Set((v.by.X ?? []).map((e) => `${e.pid}/${e.tid}`));
    const a = ids(first);
    const b = ids(again);
    assert.ok(a.size > 10);
    for (const k of a) assert.ok(b.has(k), k);
  });
});

describe('Chrome export: hand-made traces', () => {
  // CPU 0/KVM (100, process 90) is woken by the VMM thread (90), preempted by hog (200).
  const text = [
    '# tracer: nop',
    tf('vmm', 90, 1, '1.000000', 'sched_waking', wk('CPU 0/KVM', 100, 0)),
    tf('vmm', 90, 1, '1.000002', 'sched_wakeup', wk('CPU 0/KVM', 100, 0)),
    tf('<idle>', 0, 0, '1.000010', 'sched_switch', sw('swapper/0', 0, 'R', 'CPU 0/KVM', 100)),
    tf('CPU 0/KVM', 100, 0, '1.000500', 'sched_switch', sw('CPU 0/KVM', 100, 'R+', 'hog', 200)),
    tf('hog', 200, 0, '1.001500', 'sched_switch', sw('hog', 200, 'S', 'CPU 0/KVM', 100)),
    tf('CPU 0/KVM', 100, 0, '1.002000', 'sched_switch', sw('CPU 0/KVM', 100, 'S', 'swapper/0', 0)),
    tf('vmm', 90, 1, '1.003000', 'sched_switch', sw('vmm', 90, 'S', 'swapper/1', 0)),
  ].join('\n');

  it('the wake-up goes from the waker at sched_waking to the wakee at sched_wakeup', () => {
    const { by } = validate(exportTrace(text).text);
    assert.equal((by.s ?? []).length, 1);
    const [s] = by.s;
    const [f] = by.f;
    assert.deepEqual([s.tid, s.ts, f.tid, f.ts], [90, 1000000, 100, 1000002]);
    // runnable 1.000002-1.000010 (woken) and 1.000500-1.001500 (preempted): steal 1.008 ms in total.
    const vmPid = (by.M ?? []).find((e) => e.name === 'thread_name' && e.tid === 100)!.pid;
    assert.equal(last(by, vmPid, 'steal ms'), 1.008);
    assert.equal(last(by, vmPid, 'runnable vCPUs'), 0);
  });

  it('perf script with PID/TID: pid is the process, tid the thread', () => {
    const perf = [
      '         swapper     0/0     [000] 1.000000: sched:sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=CPU 0/KVM next_pid=1835 next_prio=120',
      '       CPU 0/KVM  1834/1835  [000] 1.000400: sched:sched_switch: prev_comm=CPU 0/KVM prev_pid=1835 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120',
      '',
    ].join('\n');
    const { by } = validate(exportTrace(perf).text);
    const m = (by.M ?? []).find((e) => e.name === 'thread_name' && e.args!.name === 'CPU 0/KVM (1835)')!;
    assert.deepEqual([m.pid, m.tid], [1834, 1835]);
    assert.ok((by.X ?? []).some((e) => e.pid === 1834 && e.tid === 1835 && e.dur === 400));
  });

  it('random small traces always export valid, paired, bound events', () => {
    const thread = fc.constantFrom([100, 'CPU 0/KVM'], [101, 'CPU 1/KVM'], [200, 'hog'], [300, 'io'], [0, 'swapper']) as fc.Arbitrary<[number, string]>;
    const step = fc.record({ dt: fc.integer({ min: 1, max: 500 }), cpu: fc.integer({ min: 0, max: 1 }), a: thread, b: thread, kind: fc.constantFrom('switchR', 'switchS', 'wakeup', 'waking') });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let t = 1_000_000;
        const lines = steps.map((s) => {
          t += s.dt;
          const ts = (t / 1e6).toFixed(6);
          const [pa, ca] = s.a;
          const [pb, cb] = s.b;
          if (s.kind === 'switchR' || s.kind === 'switchS') return tf(ca, pa, s.cpu, ts, 'sched_switch', sw(ca, pa, s.kind === 'switchR' ? 'R' : 'S', cb, pb));
          return tf(ca, pa, s.cpu, ts, s.kind === 'wakeup' ? 'sched_wakeup' : 'sched_waking', wk(cb, pb, s.cpu));
        });
        validate(exportTrace(lines.join('\n') + '\n').text);
      }),
      { numRuns: 200, seed: 61206 },
    );
  });
});

describe('Chrome export of simulated runs', () => {
  it('synthetic ids, runnable-vCPU counters, stalls as instant events', () => {
    const a = analyzeDocument(readFileSync(join(repoRoot, 'examples', 'kvm-pvsched-boost.vps'), 'utf8'), { uri: 'kvm-pvsched-boost.vps' });
    const r = simulate(a.scenario!, { timeline: true });
    const text = [...chromeTraceStream(timelineSourceOf(r.timeline!), { omitStates: ['idle'], stalls: r.stalls, findings: r.findings })].join('');
    const { by } = validate(text);
    const ids = [...(by.X ?? []), ...(by.M ?? [])].flatMap((e) => [e.pid, e.tid]);
    assert.ok(ids.every((x) => x < 1000), 'synthetic ids stay small');
    const runnable = (by.C ?? []).filter((e) => e.name === 'runnable vCPUs');
    assert.ok(runnable.length > 0);
    assert.ok(runnable.some((e) => total(e) === 2));
    assert.ok(runnable.some((e) => (e.args!.waiting as number) > 0), 'some steal');
    assert.ok(r.stalls.length > 0, 'the scenario stalls');
    const stalls = (by.i ?? []).filter((e) => e.cat === 'stall');
    assert.equal(stalls.length, r.stalls.length);
    assert.equal(stalls[0].args!.size, r.stalls[0].durationNs);
    assert.equal(stalls[0].args!.code, r.stalls[0].cause);
  });
});

describe('Chrome trace export of hostile names', () => {
  it('names with </script>, quotes, U+2028/2029, lone surrogates, bidi and NUL: valid UTF-8 JSON whose names read back exactly', async () => {
    const { main: analyzeCli } = await import('../../server/src/cli/analyze');
    const { mkdtempSync, writeFileSync: write } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const names = ['</script><img src=x onerror=alert(1)>', '"\\\'${x}', 'a\u2028b\u2029c', 'lone\ud800x', 'tail\udc00', '\u202eevil\u202c', 'nul\u0000x', 'x'.repeat(100_000)];
    const ev: object[] = [];
    names.forEach((n, i) => {
      const pid = 10 + i;
      ev.push({ ph: 'M', name: 'process_name', pid, tid: 0, args: { name: n } });
      ev.push({ ph: 'M', name: 'thread_name', pid, tid: pid * 10, args: { name: `CPU 0/KVM ${n}` } });
      for (let k = 0; k < 5; k++) ev.push({ ph: 'X', pid, tid: pid * 10, ts: k * 100, dur: 50, name: 'running', cat: 'running' }, { ph: 'X', pid, tid: pid * 10, ts: k * 100 + 50, dur: 40, name: `runnable: ${n} (5)`, cat: 'runnable' });
    });
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-chrome-hostile-'));
    const input = join(dir, 'in.json');
    write(input, JSON.stringify({ traceEvents: ev }));
    const out = join(dir, 'out.json');
    const code = await analyzeCli([input, '--chrome-trace', out], { stdout: { write: () => true }, stderr: { write: () => true } });
    assert.equal(code, 0);
    const bytes = readFileSync(out);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // throws on invalid UTF-8
    const parsed = JSON.parse(text) as { traceEvents: { ph: string; name: string; args?: { name?: string } }[] };
    const threadNames = new Set(parsed.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.name));
    for (const n of names) assert.ok(threadNames.has(`CPU 0/KVM ${n}`), `thread name ${JSON.stringify(n.slice(0, 40))} lost or changed`);
  });
});
