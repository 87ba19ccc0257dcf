/**
 * `vpscope analyze HOST GUEST` end to end: a real shared host trace (.dat) with a guest trace
 * generated from its vCPU threads (linkGen.ts) at a known offset; the text summary, the JSON and
 * the Chrome trace show the linked view; option and argument errors are clear.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyzeTraceParts } from '../../server/src/trace';
import { importBytes, realTrace, runAnalyze, tracesDir } from './helpers';
import { guestTrace, hostTrace, realHostSegs } from './linkGen';
import { analyzeDocument } from '../../server/src/model/analyze';

let dir = '';
const OFFSET = 987_654_321_000; // host = guest + OFFSET
let guestStalls = 0;

const run = runAnalyze;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vpscope-link-test-'));
  // The guest follows the vCPU threads of the real r2 host trace (4 vCPUs on 2 pCPUs).
  const g = guestTrace(realHostSegs(importBytes(realTrace('r2_2x_n4', 'tracefs_trace'))), OFFSET);
  guestStalls = g.stalls.filter((s) => s.durationNs >= 1e6).length;
  writeFileSync(join(dir, 'guest.txt'), g.text);
  writeFileSync(join(dir, 'host-small.txt'), hostTrace([[{ run: 800, gap: 1500, kind: 0 }]]).text);
  writeFileSync(join(dir, 'wakeups.txt'), '# tracer: nop\n          <idle>-0     [000] d..2.   100.000100: sched_wakeup: comm=a pid=5 prio=120 target_cpu=000\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const hostDat = resolve(tracesDir, 'r2_2x_n4', 'r2_2x_n4.dat');

describe('vpscope analyze HOST GUEST', () => {
  it('prints the Host and guest section: mapping, estimated offset, consistency, stalls', async () => {
    const r = await run([hostDat, join(dir, 'guest.txt')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Host and guest: .*guest\.txt \(tracefs\)/);
    assert.match(r.out, /guest CPU 0 -> CPU 0\/KVM \(\d+\), guest CPU 1 -> CPU 1\/KVM/);
    const m = /time: {5}host = guest \+ ([\d,]+) ns \(\+\/- [^)]+\), estimated/.exec(r.out);
    assert.ok(m, r.out.split('\n').filter((l) => /time:|check:|warning/.test(l)).join('\n'));
    assert.ok(Math.abs(Number(m[1].replace(/,/g, '')) - OFFSET) <= 20_000, m[1]);
    assert.match(r.out, new RegExp(`stalls: {3}${guestStalls.toLocaleString('en-US')} preemptions froze`));
    assert.match(r.out, /VPS340/);
  });

  it('with --guest-offset-ns and --guest-vcpus: the JSON says what was used, and the Chrome trace has the guest lanes', async () => {
    const chrome = join(dir, 'linked.chrome.json');
    const host = analyzeTraceParts(importBytes(realTrace('r2_2x_n4', 'tracefs_trace')), {}, { timeline: false }).document;
    const tids = host.threads.filter((t) => t.vcpu !== null).sort((a, b) => a.vcpu! - b.vcpu!).map((t) => t.tid);
    const map = tids.map((tid, i) => `${i}=${tid}`).join(',');
    const scenario = join(dir, 'linked.vps');
    const r = await run([hostDat, join(dir, 'guest.txt'), '--json', '--guest-offset-ns', String(OFFSET), '--guest-vcpus', map, '--chrome-trace', chrome, '--scenario', scenario]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    const h = doc.hostGuest[0];
    assert.equal(h.status, 'linked');
    assert.equal(h.mapping.method, 'option');
    assert.equal(h.time.method, 'option');
    assert.equal(h.time.confidence, 'exact');
    assert.equal(h.check.outside, 0);
    assert.equal(h.stalls.count, guestStalls);
    assert.ok(doc.timeline.lanes.some((l: { id: string }) => l.id === 'link:guest/vcpu:0'));
    const c = readFileSync(chrome, 'utf8');
    assert.match(c, /guest CPU 0 on CPU 0\/KVM/);
    assert.match(c, /guest worker \(301\)/);
    JSON.parse(c);
    // The skeleton's guest work is the guest's own threads, and it checks without errors.
    const vps = readFileSync(scenario, 'utf8');
    assert.match(vps, /# guest threads from the linked guest trace guest\.txt \(time option, confidence exact\)/);
    assert.match(vps, /thread worker \{ vcpus 0,1,2,3; count 8; cpu [\d.]+(us|ms)/);
    const a = analyzeDocument(vps, { uri: 'linked.vps' });
    assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  });

  it('rejects bad link options and three files with a usage error', async () => {
    assert.equal((await run([hostDat, join(dir, 'guest.txt'), '--guest-offset-ns', '1.5'])).code, 2);
    assert.equal((await run([hostDat, join(dir, 'guest.txt'), '--guest-vcpus', 'zero=1'])).code, 2);
    const twice = await run([hostDat, join(dir, 'guest.txt'), '--guest-vcpus', '0=1834,1=1835,0=1836']);
    assert.equal(twice.code, 2);
    assert.match(twice.err, /--guest-vcpus maps guest CPU 0 twice/);
    const shared = await run([hostDat, join(dir, 'guest.txt'), '--guest-vcpus', '0=1834,1=1834']);
    assert.equal(shared.code, 2);
    assert.match(shared.err, /maps guest CPUs 0 and 1 to the same host thread 1834/);
    // Past the bounds: a usage error naming the bound (was accepted, the number rounded).
    const hugeTid = await run([hostDat, join(dir, 'guest.txt'), '--guest-vcpus', '0=99999999999999999999']);
    assert.equal(hugeTid.code, 2);
    assert.match(hugeTid.err, /host thread id 99999999999999999999 out of range \(at most 2147483647/);
    assert.equal((await run([hostDat, join(dir, 'guest.txt'), '--guest-vcpus', '0=2147483648'])).code, 2);
    const hugeCpu = await run([hostDat, join(dir, 'guest.txt'), '--guest-vcpus', '8192=1834']);
    assert.equal(hugeCpu.code, 2);
    assert.match(hugeCpu.err, /guest CPU 8192 out of range \(guest CPUs are 0-8191/);
    const three = await run([hostDat, join(dir, 'guest.txt'), join(dir, 'guest.txt')]);
    assert.equal(three.code, 2);
    assert.match(three.err, /at most one GUEST_TRACE/);
  });

  it('a guest that cannot be linked still prints the host analysis and says why', async () => {
    const r = await run([join(dir, 'host-small.txt'), join(dir, 'wakeups.txt')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /VM .*1 vCPUs/);
    assert.match(r.out, /not linked: the guest trace has no sched_switch events/);
    assert.match(r.out, /VPS344/);
    // Both traces of hosts (a copy: the same file twice is a usage error): linked, with a warning.
    copyFileSync(join(dir, 'host-small.txt'), join(dir, 'host-copy.txt'));
    const both = await run([join(dir, 'host-small.txt'), join(dir, 'host-copy.txt')]);
    assert.equal(both.code, 0, both.err);
    assert.match(both.out, /warning: {2}the guest trace has vCPU threads itself/);
    assert.ok(existsSync(hostDat));
  });
});
