/**
 * What survives the young generation's collections while typing: the language server's path from
 * an edit to a completion (the two edits of test/bench/editAlloc.bench.ts, keyword and name, each
 * made and undone, with an `AnalysisReuse` kept across versions), run in a child process under
 * V8's `--trace-gc-nvp`; per scavenge, the bytes it copied (`new_space_survived`: everything
 * young still reachable, which a scavenge copies, and promotes the second time) and its pause.
 * Bytes do not depend on the load of the machine; pauses do. A version's structures that the
 * next version replaces should not survive: what does is what the p95 of completion right after
 * an edit follows (BENCHMARKS.md, "What survives the scavenges").
 *
 * Run: node --import tsx test/bench/editSurvivors.bench.ts [LINES] [PAIRS]   (prints markdown)
 */
import { execFileSync } from 'node:child_process';
import { completions } from '../../server/src/ide/completion';
import { analyzeSyntax } from '../../server/src/model/analyze';
import { AnalysisReuse } from '../../server/src/model/reuse';
import { parseState, reparse } from '../../server/src/syntax/incremental';
import { genScenario, rng } from './genScenario';

type Mode = 'keyword' | 'name';

function child(lines: number, pairs: number, mode: Mode): void {
  const text = genScenario({ lines, seed: 1 });
  const pools = [...text.matchAll(/^ {2}pool (\S+)$/gm)].map((m) => ({ at: m.index! + 7, name: m[1] }));
  const starts = [...text.matchAll(/^ {4}task t\d+ \{/gm)].map((m) => m.index! + 4);
  let cur = text;
  let ps = parseState(cur);
  const reuse = new AnalysisReuse();
  void analyzeSyntax(ps, {}, reuse).analysis.symbols;
  const r = rng(29);
  const step = (next: string, at: number) => {
    cur = next;
    ps = reparse(ps, cur);
    return completions({ text: cur, analysis: analyzeSyntax(ps, {}, reuse).analysis }, at, { snippets: true }).length;
  };
  const run = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (mode === 'name') {
        const { at, name } = pools[Math.floor(r() * pools.length)];
        step(cur.slice(0, at) + cur.slice(at + name.length), at);
        step(cur.slice(0, at) + name + cur.slice(at), at + name.length);
      } else {
        const at = starts[Math.floor(r() * starts.length)];
        step(cur.slice(0, at) + ' ' + cur.slice(at), at + 1);
        step(cur.slice(0, at) + cur.slice(at + 1), at);
      }
    }
  };
  run(50); // warm-up (JIT, caches)
  (globalThis as { gc?: () => void }).gc?.();
  console.log('--- start');
  run(pairs);
  console.log('--- end');
}

function measure(lines: number, pairs: number, mode: Mode): string {
  const out = execFileSync(process.execPath, ['--expose-gc', '--trace-gc-nvp', '--import', 'tsx', __filename, '--child', String(lines), String(pairs), mode], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const body = out.slice(out.indexOf('--- start'), out.indexOf('--- end'));
  let scavenges = 0;
  let survived = 0;
  let promoted = 0;
  let pause = 0;
  let maxPause = 0;
  let full = 0;
  for (const line of body.split('\n')) {
    const f = Object.fromEntries(line.split(/\s+/).filter((x) => x.includes('=')).map((x) => x.split('=')));
    if (f.gc === 's') {
      scavenges++;
      survived += Number(f.new_space_survived ?? 0);
      promoted += Number(f.promoted ?? 0);
      pause += Number(f.pause ?? 0);
      maxPause = Math.max(maxPause, Number(f.pause ?? 0));
    } else if (f.gc === 'mc' || f.gc === 'mmc') full++;
  }
  const per = (x: number) => (scavenges ? x / scavenges : 0);
  return `| ${mode} | ${((scavenges * 100) / pairs).toFixed(1)} | ${(per(survived) / 1e6).toFixed(2)} | ${(per(promoted) / 1e6).toFixed(2)} | ${full} | ${((pause * 100) / pairs).toFixed(1)} | ${maxPause.toFixed(1)} |`;
}

const args = process.argv.slice(2);
if (args[0] === '--child') child(Number(args[1]), Number(args[2]), args[3] as Mode);
else {
  const lines = Number(args[0] ?? 5000);
  const pairs = Number(args[1] ?? 400);
  console.log(`${lines} lines, ${pairs} edit + completion pairs after 50 of warm-up (Node ${process.version}):\n`);
  console.log('| edit | scavenges per 100 pairs | copied per scavenge (MB) | promoted per scavenge (MB) | full GCs | scavenge pause per 100 pairs (ms) | longest (ms) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const mode of ['keyword', 'name'] as const) console.log(measure(lines, pairs, mode));
}
