/**
 * Diagnostics after the debounce, alone: the LSP bench's diagnostics row (a space typed before a
 * seeded `task` line of the generated scenario, the next edit deletes it; from the end of the
 * 150 ms debounce to the publication of that version), with more samples, so that its p95 is not
 * the largest of 20. Optionally profiles the server (`VPSCOPE_SERVER_PROF=DIR`: the server is
 * started with `--cpu-prof --cpu-prof-dir=DIR`).
 * Run: VPSCOPE_SERVER=dist/server.js node --import tsx test/bench/lspDiag.bench.ts [LINES] [SAMPLES]
 */
import { performance } from 'node:perf_hooks';
import { LineIndex } from '../../server/src/core/text';
import { DIAGNOSTICS_DEBOUNCE_MS } from '../../server/src/lsp/session';
import { startClient } from '../lsp/harness';
import { genScenario, rng } from './genScenario';

const lines = Number(process.argv[2] ?? 5000);
const samples = Number(process.argv[3] ?? 60);

function q(s: number[], p: number): number {
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

async function main(): Promise<void> {
  const text = genScenario({ lines, seed: 1 });
  const index = new LineIndex(text);
  const client = await startClient();
  const uri = 'file:///bench/generated.vps';
  client.open(uri, text, 1);
  await client.diagnostics(uri, (_d, v) => v === 1, 60_000);
  const taskLines: number[] = [];
  for (const m of text.matchAll(/^ {4}task t\d+ \{/gm)) taskLines.push(index.positionAt(m.index! + 4).line);
  const rand = rng(17);
  const after: number[] = [];
  let count = 0;
  let v = 2;
  let line = 0;
  for (let k = 0; k < samples + 4; k++, v++) {
    if (k % 2 === 0) line = taskLines[Math.floor(rand() * taskLines.length)];
    const at = { line, character: 4 };
    const edit = k % 2 === 0 ? { range: { start: at, end: at }, text: ' ' } : { range: { start: at, end: { line, character: 5 } }, text: '' };
    const version = v;
    const done = client.diagnostics(uri, (_d, ver) => ver === version, 60_000);
    const a = performance.now();
    client.change(uri, version, [edit]);
    const d = await done;
    count = d.length;
    if (k >= 4) after.push(performance.now() - a - DIAGNOSTICS_DEBOUNCE_MS);
    await new Promise((r) => setTimeout(r, 50));
  }
  await client.shutdown();
  const s = [...after].sort((x, y) => x - y);
  const mean = s.reduce((x, y) => x + y, 0) / s.length;
  console.log(`diagnostics after the debounce, ${lines} lines, ${s.length} samples, ${count} diagnostics: p50 ${q(s, 0.5).toFixed(1)} p95 ${q(s, 0.95).toFixed(1)} max ${s[s.length - 1].toFixed(1)} mean ${mean.toFixed(1)} min ${s[0].toFixed(1)} ms`);
}

void main();
