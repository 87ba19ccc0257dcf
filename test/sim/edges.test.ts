/**
 * Property test: scenarios at the edges of every range the language accepts (docs/language.md):
 * durations of 0, 1 ns and 2^53 - 1 ns, rates from 1e-300/s to 1e12/ns, lognormal and normal
 * with a huge deviation, 1 and 4096 pCPUs, 1 and 1024 vCPUs, queue depth 1, pools without
 * pCPUs, every scheduler and OpenHCL backend, everything pinned to pCPU 0, variants removing the
 * VMs. Every run ends at a bound, gives schema-valid vpscope.run/1 JSON with no NaN, Infinity or
 * negative time, and its text summary renders. (A generated scenario the checker refuses is
 * skipped: this tests the simulator, the checker has its own fuzz tests.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulateAllWithFindings } from '../../server/src/analysis/run';
import { renderSummary, runJsonChunks, toRunJson } from '../../server/src/report/simulation';
import { LineIndex } from '../../server/src/core/text';
import { validator } from '../schemas/validate';

const MAXNS = '9007199254740991ns';

/** A scenario text from a stream of choices (`pick` returns one of its arguments). */
function scenarioText(pick: <T>(xs: readonly T[]) => T): string {
  const dur = () => pick(['0', '1ns', '2ns', '1us', '1ms', '1s', MAXNS, '9007199s']);
  const posdur = () => pick(['1ns', '3ns', '1us', '1ms', '1s', MAXNS]);
  const cost = () => pick(['0', '1ns', '1s']);
  const dist = () =>
    pick([
      () => dur(),
      () => `exp ${posdur()}`,
      () => `uniform ${pick(['0', '1ns'])}..${posdur()}`,
      () => `normal ${posdur()} ${posdur()}`,
      () => `lognormal ${posdur()} ${posdur()}`,
      () => `bimodal ${posdur()} ${posdur()} ${pick(['0%', '1%', '100%'])}`,
    ])();
  const rate = () => pick(['1e-300/s', '0.000001/s', '1/s', '20k/s', '1/ns', '1G/ns', '1000G/ns', '1e300/s']);
  const trigger = () =>
    pick([() => '', () => `every ${dist()}`, () => `rate ${rate()}`, () => `once at ${dur()}`, () => `every ${dist()}; start ${dur()}`, () => `passes ${pick(['1', '9007199254740991'])}`])();
  const steps = (kinds: readonly string[]) => [1, 2, 3].slice(0, 1 + pick([0, 1, 2])).map(() => `${pick(kinds)} ${dist()}`).join('; ');
  const sched = () => pick(['credit', 'credit2', 'fair', 'fifo', 'rr']);
  const pc = pick([1, 2, 3, 64, 4096]);
  const L: string[] = [];
  L.push(`scenario { duration ${pick(['1ns', '1ms', '10ms', MAXNS])}; seed ${pick(['0', '1', '9007199254740991'])}; stall_threshold ${posdur()} }`);
  const host: string[] = [`pcpus ${pc}`, `sched ${sched()}`, `hz ${pick([100, 250, 1000])}`];
  const pool = pick([false, true]);
  if (pool) {
    const ps = sched();
    const extra =
      ps === 'credit'
        ? `timeslice ${pick(['1ms', '1s'])}; tick ${pick(['1us', '1s'])}; ratelimit ${pick(['0', '1s'])}`
        : ps === 'credit2'
          ? `min_slice ${pick(['1us', '1s'])}; reset_credit ${pick(['1us', '1s'])}; cap_period ${pick(['1us', '1s'])}`
          : '';
    // Without `cpus` the pool is empty (a warning while no VM uses it).
    host.push(`pool P1 { ${pc > 1 && pick([true, false]) ? 'cpus 1; ' : ''}sched ${ps}; ${extra} }`);
  }
  if (pick([true, false])) host.push(`costs { halt_exit ${cost()}; wake_exit ${cost()}; ipi ${cost()}; wake_latency ${cost()}; entry ${cost()}; halt_poll ${cost()} }`);
  if (pick([true, false])) host.push(`load hog { threads ${pick([1, 2, 100])}; cpus ${pick(['0', 'all'])}; policy ${pick(['normal', 'fifo', 'rr'])}; ${trigger()}; ${steps(['cpu', 'sleep'])} }`);
  L.push(`host {\n${host.join('\n')}\n}`);
  const vms = pick([1, 2]);
  for (let v = 0; v < vms; v++) {
    const vc = pick([1, 2, 4, 1024]);
    const b: string[] = [`vcpus ${vc}`];
    if (pool && pick([true, false])) b.push('pool P1');
    if (pick([true, false])) b.push('cpus 0');
    if (pick([true, false])) b.push('pin one_to_one');
    if (pick([true, false])) b.push(`cap ${pick(['0', '1%', '100%', '10000%'])}`);
    if (pick([true, false])) b.push(`cpu_weight ${pick([1, 65535])}`);
    if (pick([true, false])) b.push(`policy ${pick(['normal', 'fifo', 'rr'])}`);
    if (pick([true, false])) b.push(`boost ${pick(['off', 'static_rt', 'dynamic'])} { trigger ${pick(['injection', 'pending'])}; preempt_limit ${dur()}; unboost_cost ${dur()} }`);
    const ohcl = pick([true, false]);
    const storvsp = ohcl && pick([true, false]);
    if (ohcl) {
      const o = [`backend ${pick(['threadpool', 'thread', 'single'])}`, `io_uring_cancel ${pick(['on', 'off'])}`, `io_ring_size ${pick([1, 256, 65536])}`, `scsi_sub_channels ${pick([0, 1, 1000])}`];
      if (pick([true, false])) o.push(`sidecar { hotplug ${pick(['on', 'off'])}; online_cost ${dist()}; blackout ${dist()} }`);
      if (pick([true, false]))
        o.push(
          `task t { target_vp ${pick([0, vc - 1])}; run_on_target ${pick(['on', 'off'])}; runs_on ${pick(['vp', 'dedicated', 'get_worker'])}; ${trigger()}; ${steps(['cpu', 'sleep', 'io', 'syscall', 'intercept', 'get'])}${pick(['', '; wait_vp_ready', '; is_vp_ready'])}${pick(['', `; retarget_vp ${vc - 1} at ${dur()}`])} }`,
        );
      if (storvsp)
        o.push(
          `storvsp s { sub_channels ${pick([0, 1, 1000])}; io_queue_depth ${pick([1, 65536])}; poll_mode_queue_depth ${pick([0, 1, 1000])}; interrupts ${pick(['on', 'off'])}; disk d { latency ${dist()}; backend ${pick(['disk_blockdevice', 'disk_nvme'])} } }`,
        );
      b.push(`openhcl {\n${o.join('\n')}\n}`);
    }
    const g: string[] = [];
    if (pick([true, false])) g.push(`residence ${dist()}`);
    if (pick([true, false])) g.push(`slice ${pick(['1us', '1s', MAXNS])}`);
    if (pick([true, false])) g.push(`ple { window ${posdur()}; max_window ${posdur()}; grow ${pick([1, 64])} }`);
    const lock = pick([true, false]);
    if (lock) g.push(`lock L { kind ${pick(['spin', 'ticket', 'mutex'])}; mode ${pick(['kernel', 'user'])} }`);
    if (pick([true, false]))
      g.push(`thread th { count ${pick([1, 2, 100])}; vcpus ${pick(['0', 'all'])}; rt ${pick(['on', 'off'])}; ${trigger()}; ${steps(['cpu', 'sleep'])}${lock ? `; lock L ${dist()}` : ''}${pick(['', `; exit pio ${dist()} ${pick(['hv', 'vmm'])}`])} }`);
    if (pick([true, false])) g.push(`parallel p { threads ${pick([1, vc])}; work ${dist()}; rounds ${pick([1, 2, 1000000])}; barrier ${pick(['spin', 'block', 'paravirt'])}; spin_limit ${dur()}; dop ${pick(['fixed', 'adaptive'])} }`);
    if (pick([true, false])) g.push(`intercept i { rate ${rate()}; duration ${dist()} }`);
    if (pick([true, false])) g.push(`irq q { rate ${rate()}; kind ${pick(['timer', 'nmi', 'device', 'ipi'])}; masked ${pick(['0%', '50%', '100%'])}; masked_window ${dist()} }`);
    if (storvsp && pick([true, false])) g.push(`ioload io { disk s d; ${pick([`rate ${rate()}`, `depth ${pick([1, 1000, 65536])}`])} }`);
    if (g.length) b.push(`guest {\n${g.join('\n')}\n}`);
    L.push(`vm v${v} {\n${b.join('\n')}\n}`);
  }
  if (pick([true, false])) L.push('variant gone { remove vm v0 }');
  if (pick([true, false])) L.push('variant onecpu { host { pcpus 1 } }');
  return L.join('\n') + '\n';
}

/** Paths of numbers that may be negative: sentinels (-1: not finished, no VP) and signed settings. */
const SIGNED = /\/(finishedAtNs|vp)$|nice/;

function badNumbers(x: unknown, path: string, out: string[]): void {
  if (typeof x === 'number') {
    if (!Number.isFinite(x) || (x < 0 && !SIGNED.test(path))) out.push(`${path} = ${x}`);
  } else if (x === null) out.push(`${path} = null`);
  else if (Array.isArray(x)) x.forEach((y, i) => badNumbers(y, `${path}/${i}`, out));
  else if (typeof x === 'object') for (const [k, v] of Object.entries(x as object)) badNumbers(v, `${path}/${k}`, out);
}

test('scenarios at the edges of every accepted range: bounded runs, valid JSON, no NaN, Infinity or negative time', () => {
  const valid = validator('vpscope.run-1.schema.json');
  let simulated = 0;
  fc.assert(
    fc.property(fc.infiniteStream(fc.nat()), (choices) => {
      const it = choices[Symbol.iterator]();
      const pick = <T>(xs: readonly T[]): T => xs[(it.next().value as number) % xs.length];
      const text = scenarioText(pick);
      const a = analyzeDocument(text, { uri: 'edge.vps' });
      if (!a.scenario || a.diagnostics.some((d) => d.severity === 'error')) return;
      simulated++;
      const t0 = performance.now();
      // The engine's own bounds: max_events, and the shell's wall budget through shouldStop.
      const results = simulateAllWithFindings(a.scenario, { maxEvents: 20_000, shouldStop: () => (performance.now() - t0 > 20_000 ? 'wall_limit' : undefined) });
      for (const r of results) assert.ok(['completed', 'max_events'].includes(r.stop.reason), `${r.name} stopped by ${r.stop.reason}:\n${text}`);
      const lines = new LineIndex(text);
      const doc = JSON.parse([...runJsonChunks(toRunJson('edge.vps', text, lines, a.scenario.settings.seed, results, a.diagnostics, false))].join(''));
      assert.ok(valid(doc), `not vpscope.run/1: ${JSON.stringify(valid.errors?.slice(0, 3))}\n${text}`);
      const bad: string[] = [];
      badNumbers(doc, '', bad);
      assert.deepEqual(bad.slice(0, 5), [], text);
      assert.ok(renderSummary('edge.vps', a.scenario.title, results, lines, a.diagnostics).length > 0);
    }),
    { numRuns: 25, seed: 5, endOnFailure: true },
  );
  // Most generated scenarios are valid: the property is not vacuous.
  assert.ok(simulated >= 12, `only ${simulated} of 25 generated scenarios were valid`);
});
