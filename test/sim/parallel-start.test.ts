/**
 * `start` of a parallel region (issue 8, language additions): the first round begins after the
 * delay, so the region finishes that much later on an otherwise idle host (generated: 2-4 vCPUs,
 * start 0-20 ms, 10-200 rounds of 50-500 us).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulate } from '../../server/src/sim/run';

test('a region with `start S` finishes S later than the same region starting at 0', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 10, max: 200 }), fc.integer({ min: 50, max: 500 }), (v, startMs, rounds, workUs) => {
      const text = (start: string) => `scenario "p" { duration 200ms }
host { pcpus ${v} }
vm a { vcpus ${v}; guest { parallel omp { work ${workUs}us; rounds ${rounds}; barrier spin${start} } } }
`;
      const fin = (t: string) => {
        const a = analyzeDocument(t);
        assert.equal(a.diagnostics.filter((d) => d.severity === 'error').length, 0);
        const r = simulate(a.scenario!);
        return r.regions[0].finishedAtNs;
      };
      const f0 = fin(text(''));
      const fs = fin(text(`; start ${startMs}ms`));
      assert.ok(f0 > 0 && fs > 0, 'both finish');
      assert.equal(fs - f0, startMs * 1_000_000, `start ${startMs} ms: ${f0} -> ${fs}`);
    }),
    { numRuns: 10, seed: 5 },
  );
});
