/**
 * `exit REASON DIST vmm`: a VMM-side blocking exit (issue 8, language additions). The vCPU exits to
 * userspace and waits there blocked: it uses no CPU and is not runnable, unlike a hypervisor-served
 * exit (`hv`, the default) that spends its duration on the vCPU's pCPU. On an OpenHCL VP the VMM is
 * VTL2: the VP thread is blocked, so the VP's VTL2 tasks wait too (stall cause `vmm-exit`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulateAllWithFindings } from '../../server/src/analysis/run';

function runs(text: string) {
  const a = analyzeDocument(text);
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  return Object.fromEntries(simulateAllWithFindings(a.scenario!).map((r) => [r.name, r]));
}

test('a vmm exit blocks the vCPU thread (no CPU, not runnable); an hv exit burns the pCPU (generated: exit 100us-2ms, work 10-500us)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 100, max: 2000 }), fc.integer({ min: 10, max: 500 }), (exitUs, workUs) => {
      const text = `scenario "vmm" { duration 60ms }
host { pcpus 1; load hog { cpu 10ms } }
vm a { vcpus 1; guest { thread t { exit dev ${exitUs}us vmm; cpu ${workUs}us } } }
variant hv { vm a { guest { thread t { exit dev ${exitUs}us hv; cpu ${workUs}us } } } }
`;
      const r = runs(text);
      const hog = (name: string) => r[name].hostThreads.find((h) => h.name === 'hog')!.states.running ?? 0;
      const vcpuShare = workUs / (exitUs + workUs);
      // vmm: the vCPU competes only while it computes; hv: also during every exit.
      assert.ok(hog('base') > hog('hv'), `host load runs more beside vmm exits (${hog('base')} vs ${hog('hv')})`);
      assert.ok(hog('base') >= 0.9 * (1 - vcpuShare) * r.base.durationNs * 0.9, `hog ${hog('base')} of ${r.base.durationNs}, vCPU share ${vcpuShare.toFixed(2)}`);
      assert.ok((r.base.counters['exits.vmm'] ?? 0) > 0 && !r.base.counters['exits.exit']);
      assert.ok((r.hv.counters['exits.exit'] ?? 0) > 0 && !r.hv.counters['exits.vmm']);
    }),
    { numRuns: 8, seed: 9 },
  );
});

test('on an OpenHCL VP a vmm exit blocks the VP thread: a VTL2 task on that VP waits for it (stall cause vmm-exit)', () => {
  const r = runs(`scenario "vmm-openhcl" { duration 50ms; stall_threshold 500us }
host { pcpus 2 }
vm a {
  vcpus 2
  openhcl { task tick { target_vp 0; run_on_target on; every 1ms; cpu 10us } }
  guest { thread t { vcpus 0; exit dev 2ms vmm; cpu 100us } }
}
variant hv { vm a { guest { thread t { exit dev 2ms hv } } } }
`);
  const tick = (n: string) => r[n].tasks.find((t) => t.name === 'tick')!.latency!;
  assert.ok(tick('base').max >= 1_500_000, `tick waits for the blocked VP thread (max ${tick('base').max} ns)`);
  assert.ok(r.base.stalls.some((s) => s.cause === 'vmm-exit'), 'stall attributed to the vmm exit');
  assert.ok(!r.hv.stalls.some((s) => s.cause === 'vmm-exit'));
});
