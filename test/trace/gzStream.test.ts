/**
 * A damaged gzip trace read as a stream (`cat t.gz | vpscope analyze -`) gives the same events and
 * the same counted, located warning as the same bytes read from a file. Before, zlib dropped the
 * output of the write in which it met a bad CRC or length: on r1 the last 378 lines were lost on
 * stdin while the file recovered them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { loadTraceFile, loadTraceStream } from '../../server/src/io/traceFile';
import type { ImportOutcome } from '../../server/src/trace';
import { sw, tf, tracesDir, wk } from './helpers';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vpscope-gzstream-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** What a user sees of an import: events, lines, counters and the warnings with their place. */
function seen(o: ImportOutcome): unknown {
  assert.equal(o.status, 'ok');
  if (o.status !== 'ok') return undefined;
  const s = o.trace.stats;
  return { events: s.events, lines: s.lines, bytes: s.bytes, input_error: s.counters.input_error ?? 0, warnings: s.warnings.map((w) => ({ ...w })) };
}

/** The bytes as a stream cut into the given chunk sizes (the rest in one chunk). */
function streamOf(b: Uint8Array, sizes: number[]): Readable {
  const parts: Buffer[] = [];
  let at = 0;
  for (const n of sizes) {
    if (at >= b.length) break;
    parts.push(Buffer.from(b.subarray(at, Math.min(b.length, at + n))));
    at += n;
  }
  if (at < b.length) parts.push(Buffer.from(b.subarray(at)));
  return Readable.from(parts, { objectMode: false });
}

type Damage = 'none' | 'crc' | 'length' | 'cut-trailer' | 'cut-data';
function damage(gz: Buffer, how: Damage, cut: number): Buffer {
  const b = Buffer.from(gz);
  switch (how) {
    case 'crc':
      b[b.length - 8] ^= 0xff;
      return b;
    case 'length':
      b[b.length - 2] ^= 0xff;
      return b;
    case 'cut-trailer':
      return b.subarray(0, b.length - 1 - (cut % 8));
    case 'cut-data':
      return b.subarray(0, b.length - 9 - (cut % 200));
    default:
      return b;
  }
}

async function both(bytes: Buffer, sizes: number[]): Promise<{ file: unknown; stream: unknown }> {
  const path = join(dir, 't.gz');
  writeFileSync(path, bytes);
  const file = seen(await loadTraceFile(path));
  const stream = seen(await loadTraceStream(streamOf(bytes, sizes), path));
  return { file, stream };
}

describe('gzip on a stream, damaged at its end', () => {
  it('r1 with a bad CRC, a bad length or a cut tail: stdin keeps every line the file keeps', async (t) => {
    const shared = resolve(tracesDir, 'r1_1x_n2', 'r1_1x_n2.report.txt.gz');
    if (!existsSync(shared)) return t.skip('shared traces not present');
    const gz = readFileSync(shared);
    const clean = seen(await loadTraceFile(shared)) as { events: number; lines: number };
    for (const how of ['crc', 'length', 'cut-trailer', 'cut-data'] as const) {
      const { file, stream } = await both(damage(gz, how, 3), [64 * 1024]);
      assert.deepEqual(stream, file, how);
      const f = file as { events: number; lines: number; input_error: number; warnings: { reason: string; line: number }[] };
      assert.equal(f.input_error, 1, how);
      assert.match(f.warnings.at(-1)!.reason, /^input ends early: /, how);
      // A bad check value loses nothing at all: the data itself is whole.
      if (how === 'crc' || how === 'length') assert.deepEqual([f.events, f.lines], [clean.events, clean.lines], how);
    }
  });

  it('any chunking, any damage: the stream gives what the file gives (property)', async () => {
    const lines = ['# tracer: nop'];
    for (let i = 0; i < 3000; i++) {
      const us = String(i * 7).padStart(6, '0');
      lines.push(tf('CPU 0/KVM', 100, 0, `1.${us}`, 'sched_switch', sw('CPU 0/KVM', 100, 'R', 'hog', 200)));
      lines.push(tf('hog', 200, 0, `1.${us}`, 'sched_waking', wk('CPU 0/KVM', 100, 0)));
    }
    const gz = gzipSync(lines.join('\n') + '\n');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Damage>('none', 'crc', 'length', 'cut-trailer', 'cut-data'),
        fc.nat(1000),
        fc.array(fc.integer({ min: 1, max: 9000 }), { maxLength: 12 }),
        async (how, cut, sizes) => {
          const { file, stream } = await both(damage(gz, how, cut), sizes);
          assert.deepEqual(stream, file);
        },
      ),
      { numRuns: 60 },
    );
  });
});
