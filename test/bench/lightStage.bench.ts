/**
 * The `light` stage (arguments, lowering, variants: `analyzeChecked`) and the `full` stage (static
 * hazards, suppressions, sorting: `analyzeFull`) after an edit, in process, as the language server
 * runs them in the quiet time after a keystroke: a space typed before a seeded `task` line of the
 * generated scenario, then deleted (the edits of the LSP bench's diagnostics row), each version
 * through `reparse` and `analyzeSyntax` with one `AnalysisReuse` kept across versions (untimed),
 * then the two stages, each timed. Prints p50 / min / p95 of each (ms).
 * Run: node --expose-gc --import tsx test/bench/lightStage.bench.ts [LINES] [EDITS]
 */
import { performance } from 'node:perf_hooks';
import { analyzeChecked, analyzeFull, analyzeSyntax } from '../../server/src/model/analyze';
import { AnalysisReuse } from '../../server/src/model/reuse';
import { parseState, reparse } from '../../server/src/syntax/incremental';
import { genScenario, rng } from './genScenario';

const lines = Number(process.argv[2] ?? 5000);
const samples = Number(process.argv[3] ?? 150);
const text = genScenario({ lines, seed: 1 });
const starts = [...text.matchAll(/^ {4}task t\d+ \{/gm)].map((m) => m.index! + 4);
let cur = text;
let ps = parseState(cur);
const reuse = new AnalysisReuse();
analyzeFull(analyzeChecked(analyzeSyntax(ps, {}, reuse), {}), {});
const r = rng(23);
let at = 0;
const light: number[] = [];
const full: number[] = [];
for (let k = 0; k < samples; k++) {
  if (k % 2 === 0) {
    at = starts[Math.floor(r() * starts.length)];
    cur = cur.slice(0, at) + ' ' + cur.slice(at);
  } else cur = cur.slice(0, at) + cur.slice(at + 1);
  ps = reparse(ps, cur);
  const s = analyzeSyntax(ps, {}, reuse);
  void s.analysis.symbols;
  const t0 = performance.now();
  const c = analyzeChecked(s, {});
  const t1 = performance.now();
  analyzeFull(c, {});
  const t2 = performance.now();
  light.push(t1 - t0);
  full.push(t2 - t1);
}
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const f = (x: number) => x.toFixed(2);
console.log(`${lines} lines, ${samples} edits: light p50 ${f(q(light, 0.5))} min ${f(q(light, 0))} p95 ${f(q(light, 0.95))}; full p50 ${f(q(full, 0.5))} min ${f(q(full, 0))} p95 ${f(q(full, 0.95))} ms`);
