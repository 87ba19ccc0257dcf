/**
 * A trace in a FIFO (`mkfifo p; trace-cmd report > p & vpscope analyze p`, or bash's
 * `<(zcat t.gz)`) is read once, as a stream. Before, the loader opened the path to look for the
 * `.dat` magic, closed it, and opened it again to read: the writer, which had met the first
 * reader, died of SIGPIPE when it closed, and the second open waited for a writer forever
 * (`vpscope analyze` hung; found by attack9).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadTraceFile } from '../../server/src/io/traceFile';
import type { ImportOutcome } from '../../server/src/trace';
import { sw, tf, tracesDir } from './helpers';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vpscope-fifo-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const TEXT = [tf('a', 1, 0, '100.000000', 'sched_switch', sw('a', 1, 'S', 'b', 2)), tf('b', 2, 0, '100.000500', 'sched_switch', sw('b', 2, 'S', 'a', 1))].join('\n') + '\n';

const events = (o: ImportOutcome) => (o.status === 'ok' ? o.trace.stats.events : -1);

/** Loads `file` through a FIFO fed by a `cat` child; fails (not hangs) after 20 s. */
async function throughFifo(file: string, name: string): Promise<ImportOutcome> {
  const fifo = join(dir, name);
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const writer = spawn('sh', ['-c', `cat '${file}' > '${fifo}'`], { stdio: 'ignore' });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      loadTraceFile(fifo),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${name} did not end in 20 s`)), 20_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    writer.kill();
  }
}

describe('a trace in a FIFO', { skip: spawnSync('mkfifo', ['--version']).status !== 0 && 'no mkfifo' }, () => {
  it('text and gzip text give the events the file gives', async () => {
    const plain = join(dir, 't.txt');
    writeFileSync(plain, TEXT);
    const gz = join(dir, 't.txt.gz');
    writeFileSync(gz, gzipSync(TEXT));
    const want = events(await loadTraceFile(plain));
    assert.ok(want > 0);
    assert.equal(events(await throughFifo(plain, 'p1')), want);
    assert.equal(events(await throughFifo(gz, 'p2')), want);
  });
  it('a .dat gives the events the file gives', { skip: !existsSync(join(tracesDir, 'r1_1x_n2', 'r1_1x_n2.dat')) && 'no shared traces' }, async () => {
    const dat = join(tracesDir, 'r1_1x_n2', 'r1_1x_n2.dat');
    const want = events(await loadTraceFile(dat));
    assert.ok(want > 0);
    assert.equal(events(await throughFifo(dat, 'p3')), want);
  });
});
