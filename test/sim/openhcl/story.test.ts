/**
 * Static hazards and the simulator tell one causal story (issue 8, item 8): what a static message
 * says will happen is what the run shows, over generated scenarios (fast-check), not the examples.
 *
 * - VPS210 (head-of-line): a warning says a channel's queue fills; then the simulated
 *   `openhcl.queue_full` is > 0. When the scenario keeps clearly fewer slow IOs pending per channel
 *   than the queue holds, the static hazard is information ("may") and the run never fills.
 * - VPS211 (poll mode): the message speaks of masked interrupts and waiting requests, not of a
 *   CPU-burning poll; the run charges no polling CPU: VTL2 time on the channel VPs stays at the
 *   per-request / per-completion costs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { simulateAllWithFindings } from '../../../server/src/analysis/run';

function hol(vcpus: number, queue: number, depth: number): string {
  return `scenario "hol" { duration 60ms }
host { pcpus ${vcpus} }
vm db {
  vcpus ${vcpus}
  openhcl {
    scsi_sub_channels ${vcpus - 1}
    storvsp scsi0 {
      io_queue_depth ${queue}
      poll_mode_queue_depth 65536
      disk data { latency exp 150us }
      disk archive { latency 10ms }
    }
  }
  guest {
    ioload oltp { disk scsi0 data; rate 2k/s }
    ioload backup { disk scsi0 archive; depth ${depth} }
  }
}
`;
}

test('VPS210 warning <=> the simulated queue fills (generated: 2-4 VPs, queue 4-32, slow depth 1-4 x queue x channels)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 4, max: 32 }), fc.double({ min: 0.05, max: 4, noNaN: true }), (vcpus, queue, f) => {
      const depth = Math.max(1, Math.round(f * queue * vcpus));
      const text = hol(vcpus, queue, depth);
      const a = analyzeDocument(text);
      const d = a.diagnostics.find((x) => x.code === 'VPS210');
      assert.ok(d, 'VPS210 is reported (slow disk shares the controller)');
      const [r] = simulateAllWithFindings(a.scenario!, { variants: 'base' });
      const fills = (r.counters['openhcl.queue_full'] ?? 0) > 0;
      const perChannel = depth / vcpus;
      if (d.severity === 'warning') assert.ok(fills, `static says the queue fills (${perChannel} per channel, queue ${queue}); the run must show it\n${text}`);
      if (perChannel <= queue - 2) {
        assert.equal(d.severity, 'info', 'below the queue: "may"');
        assert.ok(!fills, `${perChannel} per channel never fill a queue of ${queue}`);
      }
    }),
    { numRuns: 12, seed: 210 },
  );
});

test('VPS211 wording matches the model: poll mode masks the doorbell, it does not burn CPU', () => {
  const text = `scenario "poll" { duration 100ms }
host { pcpus 2 }
vm db {
  vcpus 2
  openhcl { storvsp scsi { sub_channels 1; disk archive { latency 20ms } } }
  guest { ioload backup { disk scsi archive; depth 16 } }
}
`;
  const a = analyzeDocument(text);
  const d = a.diagnostics.find((x) => x.code === 'VPS211');
  assert.ok(d);
  assert.match(d.message, /interrupt masked/);
  assert.match(d.message, /not a CPU-burning spin/);
  assert.doesNotMatch(d.message, /polling on their VP threads/);
  const [r] = simulateAllWithFindings(a.scenario!, { variants: 'base' });
  // ~16 IOs per 20 ms, each 2 us to read + 1 us to complete: tens of us of VTL2 time per VP, not a spin.
  for (const vp of r.vps) {
    const vtl2 = (vp.views?.openhcl as Record<string, number> | undefined)?.vtl2 ?? 0;
    assert.ok(vtl2 < 0.01 * r.durationNs, `VP ${vp.vp}: VTL2 ${vtl2} ns of ${r.durationNs}: no CPU-burning poll`);
  }
  assert.ok((r.counters['openhcl.polls'] ?? 0) > 0, 'poll mode engaged (ring checks in poll mode)');
});
