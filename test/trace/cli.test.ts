/**
 * `vpscope analyze` end to end, and the Node file layer: gzip detected by magic bytes, progress,
 * cancellation, exit codes, and the files the command writes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadTraceFile, openTraceFile } from '../../server/src/io/traceFile';
import { importTrace } from '../../server/src/trace';
import { runAnalyze, sw, tf, tracesDir, wk } from './helpers';

let dir = '';
const SMALL = [
  '# tracer: nop',
  tf('swapper/0', 0, 0, '1.000000', 'sched_switch', sw('swapper/0', 0, 'R', 'CPU 0/KVM', 100)),
  tf('CPU 0/KVM', 100, 0, '1.001000', 'sched_switch', sw('CPU 0/KVM', 100, 'R', 'hog', 200)),
  tf('hog', 200, 0, '1.004000', 'sched_switch', sw('hog', 200, 'R', 'CPU 0/KVM', 100)),
  tf('CPU 0/KVM', 100, 0, '1.005000', 'sched_switch', sw('CPU 0/KVM', 100, 'S', 'swapper/0', 0)),
  tf('swapper/0', 0, 0, '1.006000', 'sched_waking', wk('x', 9, 0)),
].join('\n') + '\n';

const run = runAnalyze;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vpscope-trace-test-'));
  writeFileSync(join(dir, 'small.txt'), SMALL);
  // Compressed, with a name that does not say so: detection is by magic bytes.
  writeFileSync(join(dir, 'small.trace'), gzipSync(SMALL));
  writeFileSync(join(dir, 'empty.txt'), '');
  writeFileSync(join(dir, 'garbage.txt'), 'nothing\nhere\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('io/traceFile', () => {
  it('reads plain and gzip files to the same trace, with progress up to the file size', async () => {
    for (const name of ['small.txt', 'small.trace']) {
      const seen: number[] = [];
      const o = await loadTraceFile(join(dir, name), { onProgress: (done, total) => { seen.push(done); assert.ok(total! > 0); } });
      assert.equal(o.status, 'ok');
      if (o.status !== 'ok') return;
      assert.equal(o.trace.stats.events, 5);
      assert.equal(o.trace.stats.bytes, SMALL.length);
      assert.equal(seen.at(-1), readFileSync(join(dir, name)).length);
    }
    const src = await openTraceFile(join(dir, 'small.trace'));
    assert.equal(src.compressed, true);
    for await (const _ of src.chunks) { /* drain */ }
  });

  it('a truncated gzip file keeps what was decompressed and says so', async () => {
    const gz = gzipSync(Buffer.from(SMALL.repeat(2000)));
    writeFileSync(join(dir, 'cut.gz'), gz.subarray(0, gz.length - 100));
    const o = await loadTraceFile(join(dir, 'cut.gz'));
    assert.equal(o.status, 'ok');
    if (o.status !== 'ok') return;
    assert.ok(o.trace.stats.events > 1000);
    assert.equal(o.trace.stats.counters.input_error, 1);
  });

  it('cancellation between chunks', async () => {
    const signal = { aborted: false };
    const chunks = function* () {
      yield new TextEncoder().encode(SMALL);
      signal.aborted = true;
      yield new TextEncoder().encode(SMALL);
    };
    const o = await importTrace(chunks(), { signal });
    assert.deepEqual(o, { status: 'cancelled', bytesDone: SMALL.length });
  });
});

describe('vpscope analyze', () => {
  it('prints the summary and exits 0', async () => {
    const r = await run([join(dir, 'small.trace')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /format: {3}tracefs \(5-char flags column\)/);
    assert.match(r.out, /parsed: {3}6 lines, 5 events, 1 header\/blank lines, 0 malformed/);
    assert.match(r.out, /vcpu\s+tid\s+comm\s+running\s+runnable\(steal\)/);
    assert.match(r.out, /warning VPS332 vCPU runnable but not running \(preempted\) \[pid:100\]/);
    assert.match(r.out, /fix: /);
  });

  it('--json prints vpscope.trace/1 with the contract fields; --out and --chrome-trace write files', async () => {
    const out = join(dir, 'o.json');
    const chrome = join(dir, 'c.json');
    const r = await run([join(dir, 'small.txt'), '--json', '--out', out, '--chrome-trace', chrome]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), doc);
    assert.equal(doc.schema, 'vpscope.trace/1');
    assert.equal(doc.format, 'tracefs');
    for (const k of ['lines', 'events', 'bytes', 'warnings', 'warningCount', 'unknownEvents', 'inferred']) assert.ok(k in doc.stats, k);
    const t = doc.threads.find((x: { tid: number }) => x.tid === 100);
    for (const k of ['pid', 'comm', 'vcpu', 'runningNs', 'runnableNs', 'sleepingNs', 'preemptions', 'migrations', 'exits', 'wakeLatency']) assert.ok(k in t, k);
    assert.deepEqual(Object.keys(t.wakeLatency), ['count', 'p50', 'p90', 'p99', 'max', 'mean']);
    assert.equal(t.pid, 100);
    assert.equal(t.vcpu, 0);
    assert.ok(Array.isArray(doc.findings) && doc.findings.every((f: { code: string }) => /^VPS3\d\d$/.test(f.code)));
    assert.ok(doc.timeline.lanes.length > 0);
    const ct = JSON.parse(readFileSync(chrome, 'utf8'));
    assert.ok(ct.traceEvents.some((e: { ph: string; name: string }) => e.ph === 'X' && e.name === 'runnable: hog (200)'));
    assert.ok(ct.traceEvents.some((e: { ph: string; name: string }) => e.ph === 'i' && e.name.startsWith('VPS332')));
  });

  it('--threshold-us changes what counts as a long preemption', async () => {
    const r = await run([join(dir, 'small.txt'), '--json', '--threshold-us', '5000']);
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.out).findings.filter((f: { code: string }) => f.code === 'VPS332').length, 0);
  });

  it('exit code 2: bad arguments, unreadable file, nothing readable', async () => {
    for (const args of [[], ['a', 'b', 'c'], ['--bogus', 'x'], [join(dir, 'small.txt'), '--threshold-us', 'abc'], [join(dir, 'small.txt'), '--format', 'xml']]) {
      const r = await run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /Usage: vpscope analyze/);
    }
    for (const f of ['does-not-exist.txt', 'empty.txt', 'garbage.txt']) {
      const r = await run([join(dir, f)]);
      assert.equal(r.code, 2, f);
      assert.match(r.err, /vpscope analyze: (cannot read|nothing could be read)/);
    }
    const r = await run([dir]);
    assert.equal(r.code, 2);
  });

  it('--help', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /--chrome-trace/);
  });

  it('the real r2 report loads with the trace-cmd dialect', async () => {
    const r = await run([resolve(tracesDir, 'r2_2x_n4', 'r2_2x_n4.report.txt.gz')]);
    assert.equal(r.code, 0);
    assert.match(r.out, /VM kvmbar \(1833\): 4 vCPUs \(grouped by creator\)/);
    assert.match(r.out, /inferred: 942 switch-ins/);
  });
});
