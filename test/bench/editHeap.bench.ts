/**
 * Heap kept by an editing session: the language server's path from an edit to its analysis
 * (incremental parse, syntax stage with an `AnalysisReuse`, the symbol table), repeated on
 * random top-level blocks of a generated scenario, then a full GC: how much more the heap holds
 * than before the edits. Load-independent (a count of bytes, not a time).
 *
 * Run: node --expose-gc --import tsx test/bench/editHeap.bench.ts [LINES] [PAIRS]   (prints markdown)
 */
import { analyzeSyntax } from '../../server/src/model/analyze';
import { AnalysisReuse } from '../../server/src/model/reuse';
import { parseState, reparse } from '../../server/src/syntax/incremental';
import { genScenario, rng } from './genScenario';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const args = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const lines = args[0] ?? 20_000;
const pairs = args[1] ?? 300;
const text = genScenario({ lines, seed: 1 });
const pools = [...text.matchAll(/^ {2}pool (\S+)$/gm)].map((m) => ({ at: m.index! + 7, name: m[1] }));
let cur = text;
let ps = parseState(cur);
const reuse = new AnalysisReuse();
void analyzeSyntax(ps, {}, reuse).analysis.symbols;
const r = rng(29);
const step = (next: string) => {
  cur = next;
  ps = reparse(ps, cur);
  void analyzeSyntax(ps, {}, reuse).analysis.symbols;
};
gc();
gc();
const before = process.memoryUsage().heapUsed;
for (let k = 0; k < pairs; k++) {
  const { at, name } = pools[Math.floor(r() * pools.length)];
  step(cur.slice(0, at) + cur.slice(at + name.length));
  step(cur.slice(0, at) + name + cur.slice(at));
}
gc();
gc();
const after = process.memoryUsage().heapUsed;
console.log(`| ${lines.toLocaleString('en-US')} lines (${(text.length / 1024).toFixed(0)} KB, ${pools.length} blocks) | ${2 * pairs} versions | heap ${(before / 1e6).toFixed(1)} -> ${(after / 1e6).toFixed(1)} MB (+${((after - before) / 1e6).toFixed(1)} MB) |`);
