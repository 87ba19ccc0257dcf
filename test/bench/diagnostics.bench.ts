/**
 * What the language server does after the diagnostics debounce, step by step, in process: a space
 * typed before a seeded `task` line of a generated scenario, then deleted again (the edit of the
 * LSP bench's "diagnostics after the debounce" rows); the incremental parse and the lowering (which
 * the server runs half-way through the debounce) are not timed; then, each timed on its own:
 *
 * - `hazards + finish`: `analyzeFull`, the static hazards (analysis/static) then suppressions,
 *   severities, clamping and sorting of every diagnostic (model/analyze.ts);
 * - `convert`: every diagnostic to an LSP one (lsp/convert.ts, VS Code's capabilities: related
 *   information, code description links);
 * - `serialise`: the `publishDiagnostics` notification to JSON and UTF-8 bytes, as vscode-jsonrpc
 *   writes it (`Buffer.from(JSON.stringify(msg))`).
 *
 * Three ways, edit by edit in turn: *reused* (the server: an `AnalysisReuse` kept across versions,
 * the base's hazards of the VMs an edit did not affect taken from the last analysis,
 * analysis/static/reuse.ts), *whole* (the same analysis, the hazards of the whole scenario checked
 * at once, as before that reuse) and *first* (VM by VM with nothing to reuse: what the first
 * analysis of a document costs). Wall time per step and CPU time of the process per way.
 * Run: node --expose-gc --import tsx test/bench/diagnostics.bench.ts [LINES...] [--samples=N]
 */
import { performance } from 'node:perf_hooks';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { toLsp, defaultConvertCaps, type ConvertCaps } from '../../server/src/lsp/convert';
import { analyzeChecked, analyzeFull, analyzeSyntax } from '../../server/src/model/analyze';
import { AnalysisReuse } from '../../server/src/model/reuse';
import { parseState, reparse } from '../../server/src/syntax/incremental';
import { genScenario, rng } from './genScenario';

const WAYS = ['reused', 'whole', 'first'] as const;
type Way = (typeof WAYS)[number];
const STEPS = ['hazards + finish', 'convert', 'serialise'] as const;
const URI = 'file:///bench/generated.vps';
const CAPS: ConvertCaps = { ...defaultConvertCaps, relatedInformation: true, codeDescriptionBase: 'file:///bench/docs/codes.md' };

const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const fmt = (x: number) => (x < 0.1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1));

function measure(lines: number, samples: number): string[] {
  const text = genScenario({ lines, seed: 1 });
  const starts = [...text.matchAll(/^ {4}task t\d+ \{/gm)].map((m) => m.index! + 4);
  let cur = text;
  let ps = parseState(cur);
  const reuse = new AnalysisReuse();
  analyzeFull(analyzeChecked(analyzeSyntax(ps, {}, reuse)));
  const times: Record<Way, Record<string, number[]>> = { reused: {}, whole: {}, first: {} };
  const cpu: Record<Way, number> = { reused: 0, whole: 0, first: 0 };
  const r = rng(23);
  let at = 0;
  let count = 0;
  let reusedVms = 0;
  let vms = 0;
  for (let k = 0; k < samples * WAYS.length * 2; k++) {
    // Typed, then deleted: two versions per way, the ways in turn.
    if (k % 2 === 0) {
      at = starts[Math.floor(r() * starts.length)];
      cur = cur.slice(0, at) + ' ' + cur.slice(at);
    } else cur = cur.slice(0, at) + cur.slice(at + 1);
    const way = WAYS[Math.floor(k / 2) % WAYS.length];
    ps = reparse(ps, cur);
    const syntax = analyzeSyntax(ps, {}, reuse);
    // `whole`: no reuse object for the hazards; `first`: a new one (nothing in it yet).
    const stage = way === 'reused' ? syntax : way === 'whole' ? { ...syntax, reuse: undefined } : { ...syntax, reuse: new AnalysisReuse() };
    const checked = analyzeChecked(stage);
    const c0 = process.cpuUsage();
    let t = performance.now();
    const lap = (step: string) => {
      const n = performance.now();
      (times[way][step] ??= []).push(n - t);
      t = n;
    };
    const full = analyzeFull(checked).analysis;
    lap('hazards + finish');
    const doc = TextDocument.create(URI, 'vpscope', k, cur);
    const list = full.diagnostics.map((d) => toLsp.diagnostic(doc, URI, d, CAPS));
    lap('convert');
    const bytes = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/publishDiagnostics', params: { uri: URI, version: k, diagnostics: list } }), 'utf8');
    lap('serialise');
    const c = process.cpuUsage(c0);
    cpu[way] += (c.user + c.system) / 1000;
    if (way === 'reused') {
      const stats = (reuse.hazards as { stats?: { reused: number; checked: number } } | undefined)?.stats;
      reusedVms += stats?.reused ?? 0;
      vms += (stats?.reused ?? 0) + (stats?.checked ?? 0);
    }
    if (k === 0) count = bytes.length;
  }
  const out = [
    `### ${lines.toLocaleString('en-US')} lines`,
    '',
    '| step (ms) | reused p50 | reused p95 | reused min | whole p50 | whole p95 | whole min | first p50 | first min |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const total = (way: Way) => times[way][STEPS[0]].map((_, i) => STEPS.reduce((s, st) => s + times[way][st][i], 0));
  for (const st of STEPS) {
    const [a, b, c] = WAYS.map((w) => times[w][st]);
    out.push(`| ${st} | ${fmt(q(a, 0.5))} | ${fmt(q(a, 0.95))} | ${fmt(q(a, 0))} | ${fmt(q(b, 0.5))} | ${fmt(q(b, 0.95))} | ${fmt(q(b, 0))} | ${fmt(q(c, 0.5))} | ${fmt(q(c, 0))} |`);
  }
  const [ta, tb, tc] = WAYS.map(total);
  out.push(`| **all** | ${fmt(q(ta, 0.5))} | ${fmt(q(ta, 0.95))} | ${fmt(q(ta, 0))} | ${fmt(q(tb, 0.5))} | ${fmt(q(tb, 0.95))} | ${fmt(q(tb, 0))} | ${fmt(q(tc, 0.5))} | ${fmt(q(tc, 0))} |`, '');
  const per = (w: Way) => fmt(cpu[w] / (samples * 2));
  out.push(
    `${samples * 2} versions each way, in turn; ${count.toLocaleString('en-US')} bytes of JSON per publication; CPU time of these steps per version: reused ${per('reused')} ms, whole ${per('whole')} ms, first ${per('first')} ms; VMs whose hazards were reused: ${reusedVms} of ${vms}. Node ${process.version}.`,
    '',
  );
  return out;
}

const args = process.argv.slice(2);
const samples = Number(args.find((a) => a.startsWith('--samples='))?.slice(10) ?? 100);
const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
const out: string[] = [];
for (const n of sizes.length ? sizes : [5_000, 10_000]) out.push(...measure(n, samples));
console.log(out.join('\n'));
