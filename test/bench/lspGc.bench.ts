/**
 * What survives the scavenges in the language server itself: the server bundle started as the
 * VS Code client starts it (`--node-ipc`, so its stdout is free for V8's `--trace-gc-nvp`), the
 * LSP bench's two edits (a space typed before a seeded `task` line, or a VM's `pool NAME` deleted
 * and typed again; test/bench/lsp.bench.ts), each `didChange` followed at once by a completion at
 * the edit, 50 pairs of warm-up then PAIRS; per scavenge, the bytes it copied and its pause. The
 * bytes do not depend on the machine's load (BENCHMARKS.md, "What survives the scavenges").
 *
 * Run: node --import tsx test/bench/lspGc.bench.ts [keyword|name] [PAIRS]
 *      (`VPSCOPE_SERVER=<bundle>` for another server, as test/lsp/harness.ts)
 */
import { fork } from 'node:child_process';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { serverBundle } from '../lsp/harness';
import { genScenario, rng } from './genScenario';

/** Line and character of `offset` (the bench's text has `\n` line ends only). */
function positionOf(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart };
}

async function main(): Promise<void> {
  const [mode = 'keyword', pairsArg = '300'] = process.argv.slice(2);
  const pairs = Number(pairsArg);
  const bundle = await serverBundle();
  const child = fork(bundle, ['--node-ipc'], { execArgv: ['--trace-gc-nvp'], stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  const conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification(() => undefined);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { textDocument: { completion: { completionItem: { snippetSupport: true } } } },
    initializationOptions: { backgroundSimulation: { enabled: false } },
  });
  conn.sendNotification('initialized', {});
  const text = genScenario({ lines: 5000, seed: 1 });
  const uri = 'file:///work/gc.vps';
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'vps', version: 1, text } });
  let cur = text;
  let version = 1;
  const pools = [...text.matchAll(/^ {2}pool (\S+)$/gm)].map((m) => ({ at: m.index! + 7, name: m[1] }));
  const starts = [...text.matchAll(/^ {4}task t\d+ \{/gm)].map((m) => m.index! + 4);
  const r = rng(29);
  const edit = async (at: number, del: number, ins: string, cursor: number) => {
    const range = { start: positionOf(cur, at), end: positionOf(cur, at + del) };
    cur = cur.slice(0, at) + ins + cur.slice(at + del);
    conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ range, text: ins }] });
    await conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: positionOf(cur, cursor) });
  };
  const run = async (n: number) => {
    for (let k = 0; k < n; k++) {
      if (mode === 'name') {
        const { at, name } = pools[Math.floor(r() * pools.length)];
        await edit(at, name.length, '', at);
        await edit(at, 0, name, at + name.length);
      } else {
        const at = starts[Math.floor(r() * starts.length)];
        await edit(at, 0, ' ', at + 1);
        await edit(at, 1, '', at);
      }
    }
  };
  await run(50); // warm-up (JIT, caches)
  const mark = out.length;
  await run(pairs);
  let scavenges = 0;
  let copied = 0;
  let pause = 0;
  let longest = 0;
  let full = 0;
  for (const line of out.slice(mark).split('\n')) {
    const f = Object.fromEntries(line.split(/\s+/).filter((x) => x.includes('=')).map((x) => x.split('=')));
    if (f.gc === 's') {
      scavenges++;
      copied += Number(f.new_space_survived);
      pause += Number(f.pause);
      longest = Math.max(longest, Number(f.pause));
    } else if (f.gc === 'mc') full++;
  }
  console.log(
    `${mode}: scavenges/100 pairs ${((scavenges * 100) / pairs).toFixed(1)}, copied/scavenge ${(copied / Math.max(1, scavenges) / 1e6).toFixed(2)} MB, full GCs ${full}, ` +
      `scavenge pause/100 pairs ${((pause * 100) / pairs).toFixed(1)} ms, longest ${longest.toFixed(1)} ms`,
  );
  await conn.sendRequest('shutdown');
  conn.sendNotification('exit');
  setTimeout(() => process.exit(0), 500);
}

void main();
