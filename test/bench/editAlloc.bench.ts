/**
 * Garbage per keystroke: what the language server's path from an edit to a completion allocates,
 * in process, on a generated scenario. Allocation is what the tail of "completion right after an
 * edit" follows (scavenges every few edits), and unlike wall time it does not depend on the load
 * of a shared machine.
 *
 * Two edits, as in the LSP bench (test/bench/lsp.bench.ts), each made and undone, with an
 * `AnalysisReuse` kept across versions as the server does: *keyword* (a space typed before a
 * seeded `task` line, a completion after it) and *name* (a seeded VM's `pool NAME` deleted, a
 * completion where it was, the name typed again with a completion after it). Per edit pair
 * (two versions):
 *
 * - *allocated*: bytes allocated, from V8's sampling heap profiler with the objects later
 *   collected by minor and major GCs kept (sampling interval 1 KiB, so an estimate); it includes
 *   the flattening of the edited text (made by string concatenation, as the server's documents
 *   are), which no analysis change removes;
 * - *GC pauses* (count, per 100 pairs) and *CPU* (process user + system time, all threads).
 *
 * Run: node --import tsx test/bench/editAlloc.bench.ts [LINES] [PAIRS]   (prints markdown)
 */
import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import { completions } from '../../server/src/ide/completion';
import { analyzeSyntax } from '../../server/src/model/analyze';
import { AnalysisReuse } from '../../server/src/model/reuse';
import { parseState, reparse } from '../../server/src/syntax/incremental';
import { genScenario, rng } from './genScenario';

type Mode = 'keyword' | 'name';

function editor(lines: number, mode: Mode): (n: number) => void {
  const text = genScenario({ lines, seed: 1 });
  const pools = [...text.matchAll(/^ {2}pool (\S+)$/gm)].map((m) => ({ at: m.index! + 7, name: m[1] }));
  const starts = [...text.matchAll(/^ {4}task t\d+ \{/gm)].map((m) => m.index! + 4);
  let cur = text;
  let ps = parseState(cur);
  const reuse = new AnalysisReuse();
  void ps.result.significant;
  void analyzeSyntax(ps, {}, reuse).analysis.symbols;
  const r = rng(29);
  const step = (next: string, at: number) => {
    cur = next;
    ps = reparse(ps, cur);
    return completions({ text: cur, analysis: analyzeSyntax(ps, {}, reuse).analysis }, at, { snippets: true }).length;
  };
  return (n) => {
    for (let k = 0; k < n; k++) {
      if (mode === 'name') {
        const { at, name } = pools[Math.floor(r() * pools.length)];
        if (step(cur.slice(0, at) + cur.slice(at + name.length), at) < 2) throw new Error(`no pools offered at ${at}`);
        step(cur.slice(0, at) + name + cur.slice(at), at + name.length);
      } else {
        const at = starts[Math.floor(r() * starts.length)];
        step(cur.slice(0, at) + ' ' + cur.slice(at), at + 1);
        step(cur.slice(0, at) + cur.slice(at + 1), at);
      }
    }
  };
}

async function measure(lines: number, pairs: number, mode: Mode): Promise<string> {
  const run = editor(lines, mode);
  run(50); // warm-up (JIT, caches)
  const s = new Session();
  s.connect();
  const post = (m: string, p: object = {}) => new Promise<any>((res, rej) => s.post(m, p, (e, r) => (e ? rej(e) : res(r))));
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  run(pairs);
  const { profile } = await post('HeapProfiler.stopSampling');
  s.disconnect();
  let bytes = 0;
  const walk = (n: { selfSize: number; children: unknown[] }) => {
    bytes += n.selfSize;
    for (const c of n.children) walk(c as typeof n);
  };
  walk(profile.head);
  // GC pauses and CPU over as many pairs again, without the profiler.
  let pauses = 0;
  const obs = new PerformanceObserver((l) => (pauses += l.getEntries().length));
  obs.observe({ entryTypes: ['gc'] });
  const c0 = process.cpuUsage();
  run(pairs);
  const c = process.cpuUsage(c0);
  await new Promise((r) => setTimeout(r, 20));
  obs.disconnect();
  return `| ${mode} | ${pairs} | ${Math.round(bytes / 1024 / pairs)} | ${((100 * pauses) / pairs).toFixed(1)} | ${((c.user + c.system) / 1000 / pairs).toFixed(2)} |`;
}

const args = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const lines = args[0] ?? 5_000;
const pairs = args[1] ?? 400;
void (async () => {
  const out = [`### ${lines.toLocaleString('en-US')} lines, edit + completion pairs`, '', '| edit | pairs | allocated (KB / pair) | GC pauses / 100 pairs | CPU (ms / pair) |', '|---|---:|---:|---:|---:|'];
  for (const mode of ['keyword', 'name'] as const) out.push(await measure(lines, pairs, mode));
  out.push('', `Node ${process.version}.`);
  console.log(out.join('\n'));
})();
