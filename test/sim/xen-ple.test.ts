/**
 * A pause-loop exit under Xen yields without a target: xen/arch/x86/hvm/vmx/vmx.c
 * (`vmx_vmexit_handler`, EXIT_REASON_PAUSE_INSTRUCTION) calls `vcpu_yield()`, where KVM's
 * `kvm_vcpu_on_spin` picks a preempted sibling and `yield_to`s it. So a VM in a credit or credit2
 * pool takes pause-loop exits but no directed yield, and `directed_yield on` there is flagged as
 * ignored (VPS132).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulateAll } from '../../server/src/sim/run';

function text(sched: string, opts: { pcpus: number; vcpus: number; workUs: number; explicit: boolean; seed: number }): string {
  return `scenario { duration 300ms; seed ${opts.seed} }
host {
  pcpus ${opts.pcpus}
  sched ${sched}
}
vm v {
  vcpus ${opts.vcpus}
  guest {
${opts.explicit ? '    ple { directed_yield on }\n' : ''}    parallel p { threads ${opts.vcpus}; rounds 100; work ${opts.workUs}us; spin_mode kernel }
  }
}
`;
}

function run(src: string) {
  const a = analyzeDocument(src, { uri: 'xen-ple.vps' });
  assert.ok(a.scenario, 'the scenario lowers');
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), []);
  return { a, r: simulateAll(a.scenario!)[0] };
}

test('property: oversubscribed kernel spinners take PLE exits in every pool, directed yields only under KVM', () => {
  fc.assert(
    fc.property(
      fc.record({ pcpus: fc.integer({ min: 1, max: 3 }), extra: fc.integer({ min: 1, max: 3 }), workUs: fc.integer({ min: 100, max: 400 }), explicit: fc.boolean(), seed: fc.integer({ min: 1, max: 1000 }) }),
      ({ pcpus, extra, workUs, explicit, seed }) => {
        const o = { pcpus, vcpus: pcpus + extra, workUs, explicit, seed };
        const kvm = run(text('fair', o)).r;
        assert.ok(kvm.counters['ple.directed_yields'] > 0, `KVM: ${JSON.stringify(kvm.counters)}`);
        for (const sched of ['credit', 'credit2']) {
          const { a, r } = run(text(sched, o));
          assert.ok(r.counters['exits.ple'] > 0, `${sched}: ${JSON.stringify(r.counters)}`);
          assert.equal(r.counters['ple.directed_yields'] ?? 0, 0, sched);
          assert.equal(a.scenario!.vms[0].guest.ple.directedYield, false);
          const flagged = a.diagnostics.filter((d) => d.code === 'VPS132' && /directed_yield/.test(d.message));
          assert.equal(flagged.length, explicit ? 1 : 0, sched);
          if (explicit) assert.equal(text(sched, o).slice(flagged[0].range.start, flagged[0].range.end), 'directed_yield');
        }
      },
    ),
    { numRuns: 12, seed: 7 },
  );
});

test('the static lock hazard (VPS229) counts on no directed yield in a Xen pool', () => {
  const src = (sched: string) => `host { pcpus 2; sched ${sched} }
vm v {
  vcpus 4
  guest {
    lock L { kind spin }
    thread w { count 4; vcpus 0-3; lock L 20us; cpu 20us }
  }
}
`;
  const raised = (sched: string) => analyzeDocument(src(sched), { uri: 'x.vps', hazards: true }).diagnostics.filter((d) => d.code === 'VPS229').map((d) => src(sched).slice(d.range.start, d.range.end));
  // KVM: PLE with directed yield hands the pCPU to the preempted holder, so no warning.
  assert.deepEqual(raised('fair'), []);
  assert.deepEqual(raised('credit'), ['kind spin']);
  assert.deepEqual(raised('credit2'), ['kind spin']);
});
