/**
 * Where the first request after an edit spends its time, step by step, in process: a VM's pool
 * name deleted on a generated scenario (the edit of the LSP bench's "name completion" rows), then
 * the steps a completion of that name takes, each timed on its own:
 *
 * - `reparse`: the incremental parse (syntax/incremental.ts);
 * - `resolve`, `symbols`: the statement resolution and the symbol table (model/);
 * - `facts`: the editor's statement facts (ide/facts.ts);
 * - `lines`: the line index (the items show the line of each declaration);
 * - `completion`: the completion itself, everything above being built.
 *
 * Two ways, alternating edit by edit: *reused*, as the language server does (the parse reused and
 * an `AnalysisReuse` kept across versions), and *from scratch* (a new parse and no reuse: every
 * step over the whole file, the cost each of them had before they were kept per top-level block).
 * Run: node --expose-gc --import tsx test/bench/edit.bench.ts [LINES...]   (prints markdown)
 */
import { performance } from 'node:perf_hooks';
import { completions } from '../../server/src/ide/completion';
import { docIndex } from '../../server/src/ide/document';
import { statementFacts } from '../../server/src/ide/facts';
import { analyzeSyntax } from '../../server/src/model/analyze';
import { AnalysisReuse } from '../../server/src/model/reuse';
import { parseState, reparse, type ParseState } from '../../server/src/syntax/incremental';
import { genScenario, rng } from './genScenario';

const SAMPLES = 300;
const STEPS = ['reparse', 'resolve', 'symbols', 'facts', 'lines', 'completion'] as const;

const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const fmt = (x: number) => (x < 0.1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1));

function measure(lines: number): string[] {
  const text = genScenario({ lines, seed: 1 });
  const pools = [...text.matchAll(/^ {2}pool (\S+)$/gm)].map((m) => ({ at: m.index! + 7, name: m[1] }));
  const times: Record<'reused' | 'scratch', Record<string, number[]>> = { reused: {}, scratch: {} };
  let cur = text;
  let ps: ParseState = parseState(cur);
  const reuse = new AnalysisReuse();
  void analyzeSyntax(ps, {}, reuse).analysis.symbols;
  const r = rng(29);
  for (let k = 0; k < SAMPLES * 2; k++) {
    const way = k % 2 === 0 ? 'reused' : 'scratch';
    const { at, name } = pools[Math.floor(r() * pools.length)];
    cur = cur.slice(0, at) + cur.slice(at + name.length);
    let t = performance.now();
    const lap = (step: string) => {
      const n = performance.now();
      (times[way][step] ??= []).push(n - t);
      t = n;
    };
    const state = way === 'reused' ? reparse(ps, cur) : parseState(cur);
    lap('reparse');
    const a = analyzeSyntax(state, {}, way === 'reused' ? reuse : undefined).analysis;
    const doc = { text: cur, analysis: a };
    void a.statements;
    lap('resolve');
    void a.symbols;
    lap('symbols');
    statementFacts(doc);
    lap('facts');
    void docIndex(doc).lines;
    lap('lines');
    const n = completions(doc, at, { snippets: true }).length;
    lap('completion');
    if (n < 2) throw new Error(`no pools offered at ${at}`);
    // Typed again (the reused side carries on from its own state).
    cur = cur.slice(0, at) + name + cur.slice(at);
    if (way === 'reused') {
      ps = reparse(state, cur);
      void analyzeSyntax(ps, {}, reuse).analysis.symbols;
    } else ps = reparse(ps, cur); // the text `ps` was made for (this side did not consume it)
  }
  const out = [`### ${lines.toLocaleString('en-US')} lines`, '', '| step (ms) | reused p50 | reused p95 | reused min | from scratch p50 | from scratch p95 | from scratch min |', '|---|---:|---:|---:|---:|---:|---:|'];
  const total = (way: 'reused' | 'scratch') => times[way].reparse.map((_, i) => STEPS.reduce((s, st) => s + times[way][st][i], 0));
  for (const st of STEPS) {
    const a = times.reused[st];
    const b = times.scratch[st];
    out.push(`| ${st} | ${fmt(q(a, 0.5))} | ${fmt(q(a, 0.95))} | ${fmt(q(a, 0))} | ${fmt(q(b, 0.5))} | ${fmt(q(b, 0.95))} | ${fmt(q(b, 0))} |`);
  }
  const ta = total('reused');
  const tb = total('scratch');
  out.push(`| **all** | ${fmt(q(ta, 0.5))} | ${fmt(q(ta, 0.95))} | ${fmt(q(ta, 0))} | ${fmt(q(tb, 0.5))} | ${fmt(q(tb, 0.95))} | ${fmt(q(tb, 0))} |`, '');
  out.push(`${SAMPLES} edits each way, alternating; Node ${process.version}.`, '');
  return out;
}

const sizes = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const out: string[] = [];
for (const n of sizes.length ? sizes : [5_000, 10_000]) out.push(...measure(n));
console.log(out.join('\n'));
