/**
 * The example scenarios (examples/*.vps): each checks without errors or checker warnings, raises
 * exactly the hazards its comments promise in the base and in each variant (the mitigation
 * variants raise none of the base's), mentions in its comments every code it raises, and stays
 * short enough for the simulator's fidelity tests.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { staticHazards } from '../../../server/src/analysis/static/index';
import { analyzeDocument } from '../../../server/src/model/analyze';
import type { Scenario } from '../../../server/src/model/ir';

const dir = join(__dirname, '..', '..', '..', 'examples');

/** Hazard codes per scenario: `base`, then each variant by name (sorted, with repeats). */
const expected: Record<string, Record<string, string[]>> = {
  'openhcl-vtl0-residence.vps': { base: ['VPS205'], cancel_on: [], intercept_heavy: [] },
  'openhcl-blocking-syscall.vps': { base: ['VPS201'], dedicated_thread: [], async_io: [] },
  'openhcl-sidecar.vps': { base: ['VPS212', 'VPS212', 'VPS212', 'VPS212'], base_vps: [], late_start: [] },
  'storvsp-head-of-line.vps': { base: ['VPS210'], separate_controllers: [] },
  'xen-cpupool-bs2000.vps': { base: ['VPS223', 'VPS223'], own_pool: [] },
  'kvm-pvsched-boost.vps': { base: ['VPS228'], dynamic_boost: [], static_rt: ['VPS226'] },
  'dual-level-barriers.vps': {
    base: [],
    block: [],
    oversubscribed_spin: ['VPS229'],
    oversubscribed_block: [],
    oversubscribed_adaptive: [],
    oversubscribed_paravirt: [],
  },
};

/** The longest simulated time an example may ask for (the fidelity tests simulate them all). */
const MAX_DURATION_NS = 1e9;

test('every example file has expectations, and every expectation a file', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.vps')).sort();
  assert.deepEqual(files, Object.keys(expected).sort());
});

describe('examples', () => {
  for (const [file, want] of Object.entries(expected)) {
    test(file, () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const a = analyzeDocument(text, { uri: file });
      const noisy = a.diagnostics.filter((d) => d.severity === 'error' || (d.severity === 'warning' && !d.code.startsWith('VPS2')));
      assert.deepEqual(noisy.map((d) => `${d.code} ${d.message}`), [], 'no errors, no checker warnings');
      assert.ok(a.scenario);
      const codes = (s: Scenario) => staticHazards({ ...s, variants: [] }, a).map((d) => d.code).sort();
      const got: Record<string, string[]> = { base: codes(a.scenario) };
      for (const v of a.scenario.variants) got[v.name] = codes(v.scenario);
      assert.deepEqual(got, want);

      // The comments promise what the checks find: every raised code is named there, and no other.
      const comments = text.split('\n').filter((l) => l.trimStart().startsWith('#')).join('\n');
      const promised = new Set([...comments.matchAll(/VPS2\d\d/g)].map((m) => m[0]));
      const raised = new Set(Object.values(want).flat());
      assert.deepEqual([...promised].sort(), [...raised].sort(), 'codes named in the comments');

      for (const s of [a.scenario, ...a.scenario.variants.map((v) => v.scenario)]) {
        assert.ok(s.settings.durationNs <= MAX_DURATION_NS, `${file}: duration ${s.settings.durationNs} ns`);
      }
    });
  }
});
