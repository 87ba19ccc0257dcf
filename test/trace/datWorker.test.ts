/**
 * The editor's "Analyze Trace…" runs the trace worker, which imports through the same
 * `loadTraceFile` entry point as the CLI: a `.dat` file (v7, zlib) loads there too, bundled as the
 * extension ships it (fzstd and the dat reader inside the worker bundle).
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { repoRoot } from './helpers';
import { buildDat, pages, switchRec } from './datWriter';
import type { TraceWorkerMessage } from '../../server/src/lsp/traceWorker';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vpscope-datworker-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

it('the trace worker bundle analyses a .dat file', async () => {
  const bundle = join(dir, 'traceWorker.js');
  await esbuild.build({ entryPoints: [join(repoRoot, 'server/src/lsp/traceWorker.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
  const ev = [
    { ts: 1e9, data: switchRec(0, 'swapper/0', 0, 0, 'CPU 0/KVM', 100) },
    { ts: 1.002e9, data: switchRec(100, 'CPU 0/KVM', 100, 0x100, 'hog', 200) },
    { ts: 1.005e9, data: switchRec(200, 'hog', 200, 0, 'CPU 0/KVM', 100) },
    { ts: 1.006e9, data: switchRec(100, 'CPU 0/KVM', 100, 1, 'swapper/0', 0) },
  ];
  const file = join(dir, 'host.dat');
  writeFileSync(file, buildDat({ version: 7, compression: 'zlib', cpus: [pages(ev)] }));
  const w = new Worker(bundle);
  const msgs: TraceWorkerMessage[] = [];
  const done = new Promise<void>((res, rej) => {
    w.on('message', (m: TraceWorkerMessage) => {
      msgs.push(m);
      if (m.type === 'result' || m.type === 'error') res();
    });
    w.on('error', rej);
  });
  w.postMessage({ type: 'analyze', path: file, inlineLimit: 1e9 });
  await done;
  await w.terminate();
  const r = msgs.at(-1)!;
  assert.equal(r.type, 'result', JSON.stringify(r));
  if (r.type !== 'result') return;
  assert.match(r.summary, /format: {3}trace-cmd-dat \(v7, zlib/);
  const t = r.document!.threads.find((x) => x.tid === 100)!;
  assert.equal(t.runningNs, 3e6);
  assert.equal(t.preemptions, 1);
  assert.ok(msgs.some((m) => m.type === 'progress'));
});
