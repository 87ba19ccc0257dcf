/**
 * `vpscope analyze -` reads standard input through a pipe (before, a pipe failed with ESPIPE):
 * text, gzip-compressed text (`zcat`-less: detected by magic) and trace-cmd .dat, each giving the
 * same summary as the file on disk.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot, sw, tf, tracesDir, wk } from './helpers';
import { buildDat, pages, switchRec } from './datWriter';

const cli = (args: string[], input?: Uint8Array | string) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'server/src/cli/main.ts'), 'analyze', ...args], {
    cwd: repoRoot,
    input,
    encoding: 'utf8',
    stdio: input === undefined ? ['ignore', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
  });

const TEXT = [
  '# tracer: nop',
  tf('swapper/0', 0, 0, '1.000000', 'sched_switch', sw('swapper/0', 0, 'R', 'CPU 0/KVM', 100)),
  tf('CPU 0/KVM', 100, 0, '1.001000', 'sched_switch', sw('CPU 0/KVM', 100, 'R', 'hog', 200)),
  tf('hog', 200, 0, '1.004000', 'sched_switch', sw('hog', 200, 'R', 'CPU 0/KVM', 100)),
  tf('CPU 0/KVM', 100, 0, '1.005000', 'sched_switch', sw('CPU 0/KVM', 100, 'S', 'swapper/0', 0)),
  tf('swapper/0', 0, 0, '1.006000', 'sched_waking', wk('x', 9, 0)),
].join('\n') + '\n';

/** The summary without its first line (which names the input). */
const body = (s: string) => s.split('\n').slice(1).join('\n').replace(/; [\d.]+ MB/, '');

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vpscope-stdin-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('vpscope analyze - (stdin through a pipe)', () => {
  it('text and gzip-compressed text on stdin give the summary of the file', () => {
    const file = join(dir, 't.txt');
    writeFileSync(file, TEXT);
    const ref = cli([file]);
    assert.equal(ref.status, 0, ref.stderr);
    for (const input of [TEXT, gzipSync(TEXT)]) {
      const r = cli(['-'], input);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^vpscope analyze: -\n/);
      assert.equal(body(r.stdout), body(ref.stdout));
    }
  });

  it('a .dat file on stdin is read like the file', () => {
    const run = 'r1_1x_n2';
    const shared = resolve(tracesDir, run, `${run}.dat`);
    const dat = existsSync(shared)
      ? readFileSync(shared)
      : buildDat({ version: 7, compression: 'zlib', cpus: [pages([{ ts: 1e9, data: switchRec(0, 'swapper/0', 0, 0, 'a', 5) }, { ts: 1.001e9, data: switchRec(5, 'a', 5, 1, 'swapper/0', 0) }])] });
    const file = join(dir, 't.dat');
    writeFileSync(file, dat);
    const ref = cli([file]);
    assert.equal(ref.status, 0, ref.stderr);
    assert.match(ref.stdout, /format: {3}trace-cmd-dat/);
    const r = cli(['-'], dat);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(body(r.stdout), body(ref.stdout));
  });

  it('empty stdin is exit code 2 with a reason', () => {
    const r = cli(['-'], '');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /nothing could be read from -: the file is empty/);
  });
});
