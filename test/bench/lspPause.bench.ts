/**
 * Completion right after a keystroke that ends a pause in typing, over the protocol (the bundled
 * server over stdio, like test/bench/lsp.bench.ts): a space typed before a seeded `task` line of
 * the generated 5k-line scenario, a pause of 40-160 ms (13 values 10 ms apart, in turn), the space
 * deleted and a completion asked at once; then 200 ms of quiet (the diagnostics of that version
 * are published). A keystroke after a pause of about 75 ms or more may arrive while the server
 * prepares the diagnostics during the 150 ms debounce (the `light` stage half-way, then the
 * `full` stage: lsp/documents.ts) or publishes them, and then waits for that step: this bench
 * measures what that costs the completion. `VPSCOPE_SERVER=<bundle>` measures another server.
 * Run: node --import tsx test/bench/lspPause.bench.ts [PAIRS]   (prints one markdown table)
 */
import { performance } from 'node:perf_hooks';
import type { CompletionList } from 'vscode-languageserver-protocol';
import { LineIndex } from '../../server/src/core/text';
import { startClient } from '../lsp/harness';
import { genScenario, rng } from './genScenario';
const N = Number(process.argv[2] ?? 120);
(async () => {
  const text = genScenario({ lines: 5000, seed: 1 });
  const index = new LineIndex(text);
  const client = await startClient();
  const uri = 'file:///bench/generated.vps';
  client.open(uri, text, 1);
  await client.diagnostics(uri, (_d, v) => v === 1, 60_000);
  const rand = rng(5);
  const taskLines: number[] = [];
  for (const m of text.matchAll(/^ {4}task t\d+ \{/gm)) taskLines.push(index.positionAt(m.index! + 4).line);
  const lat: { pause: number; ms: number }[] = [];
  let v = 2;
  for (let k = 0; k < N; k++) {
    const line = taskLines[Math.floor(rand() * taskLines.length)];
    client.change(uri, v++, [{ range: { start: { line, character: 4 }, end: { line, character: 4 } }, text: ' ' }]);
    const pause = 40 + (k % 13) * 10; // 40..160 ms, evenly
    await new Promise((r) => setTimeout(r, pause));
    client.change(uri, v++, [{ range: { start: { line, character: 4 }, end: { line, character: 5 } }, text: '' }]);
    const a = performance.now();
    await client.request<CompletionList>('textDocument/completion', { textDocument: { uri }, position: { line, character: 4 } });
    lat.push({ pause, ms: performance.now() - a });
    await new Promise((r) => setTimeout(r, 200));
  }
  await client.shutdown();
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const all = lat.map((x) => x.ms);
  const win = lat.filter((x) => x.pause >= 80 && x.pause <= 140).map((x) => x.ms);
  const f = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  const row = (what: string, xs: number[]) => `| ${what} | ${xs.length} | ${f(q(xs, 0.5))} | ${f(q(xs, 0.95))} | ${f(q(xs, 1))} |`;
  console.log(
    [
      '### Completion after a pause in typing, 5,000 lines',
      '',
      '| keystroke after a pause of | samples | p50 (ms) | p95 (ms) | max (ms) |',
      '|---|---:|---:|---:|---:|',
      row('40-160 ms', all),
      row('80-140 ms (while diagnostics are prepared or published)', win),
      '',
      `Node ${process.version}.`,
    ].join('\n'),
  );
})();
