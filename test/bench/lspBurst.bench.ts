/**
 * A burst of rapid incremental edits to a huge document, over stdio (issue 9, robustness): opens a
 * generated scenario of about SIZE MB, sends N small `didChange` notifications as fast as the
 * pipe takes them (each a space typed at the start of a random line, the next one deleting it,
 * so that the text is the opened one again after an even N), then a hover and a completion, and
 * reports how long each phase took and the server's peak RSS (`VmHWM`).
 *
 * Run: VPSCOPE_SERVER=dist/server.js node --import tsx test/bench/lspBurst.bench.ts [SIZE_MB...] [--edits N] [--timeout S]
 *      (defaults: 2 and 20 MB, 10,000 edits, 300 s per size)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startClient, type TestClient } from '../lsp/harness';
import { genScenario, rng } from './genScenario';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
};
const EDITS = opt('--edits', 10_000);
const TIMEOUT_S = opt('--timeout', 300);
const SIZES = args.length > 0 ? args.map(Number) : [2, 20];

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function scenarioOf(mb: number): string {
  // About 22 bytes a line in the generated scenario; generated in pieces and joined (one VM
  // block's names repeat between pieces: duplicate names are diagnostics, not a problem here).
  const piece = genScenario({ lines: 20_000, seed: 3 });
  const want = mb * 1024 * 1024;
  const parts: string[] = [];
  let n = 0;
  while (n < want) {
    parts.push(piece);
    n += piece.length;
  }
  return parts.join('');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
    p.then(
      (v) => (clearTimeout(t), res(v)),
      (e) => (clearTimeout(t), rej(e)),
    );
  });
}

async function one(mb: number): Promise<void> {
  const text = scenarioOf(mb);
  const lines = text.split('\n').length;
  const uri = `file:///burst-${mb}.vps`;
  const client: TestClient = await startClient();
  const pid = client.process.pid!;
  const deadline = performance.now() + TIMEOUT_S * 1000;
  const left = () => Math.max(1, deadline - performance.now());
  const row: string[] = [`${(text.length / 1024 / 1024).toFixed(1)} MB, ${lines.toLocaleString('en-US')} lines`];
  try {
    let t0 = performance.now();
    const opened = client.diagnostics(uri, (_d, v) => v === 1, left());
    client.open(uri, text, 1);
    await withTimeout(opened, left(), 'open');
    row.push(`${(performance.now() - t0).toFixed(0)} ms`);
    const rand = rng(11);
    t0 = performance.now();
    let pendingLine = -1;
    for (let v = 2; v < 2 + EDITS; v++) {
      if (pendingLine < 0) {
        pendingLine = Math.floor(rand() * (lines - 1));
        client.change(uri, v, [{ range: { start: { line: pendingLine, character: 0 }, end: { line: pendingLine, character: 0 } }, text: ' ' }]);
      } else {
        client.change(uri, v, [{ range: { start: { line: pendingLine, character: 0 }, end: { line: pendingLine, character: 1 } }, text: '' }]);
        pendingLine = -1;
      }
    }
    const sent = performance.now();
    row.push(`${(sent - t0).toFixed(0)} ms`);
    // Hover and completion at the start of the scenario's `duration` line.
    const at = { textDocument: { uri }, position: { line: 2, character: 4 } };
    await withTimeout(client.request('textDocument/hover', at), left(), 'hover');
    const hovered = performance.now();
    row.push(`${(hovered - sent).toFixed(0)} ms`);
    await withTimeout(client.request('textDocument/completion', at), left(), 'completion');
    row.push(`${(performance.now() - hovered).toFixed(0)} ms`);
  } catch (e) {
    row.push(`**${(e as Error).message}**`);
  }
  while (row.length < 5) row.push('');
  row.push(`${peakRss(pid).toFixed(0)} MB`);
  console.log(`| ${row.join(' | ')} |`);
  client.process.kill('SIGKILL');
  client.connection.dispose();
}

async function main(): Promise<void> {
  console.log(`${EDITS.toLocaleString('en-US')} incremental edits, then a hover and a completion (timeout ${TIMEOUT_S} s per size)\n`);
  console.log('| document | open (diagnostics published) | edits sent | hover answered after the last edit | completion after the hover | server peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const mb of SIZES) await one(mb);
  process.exit(0);
}

void main();
