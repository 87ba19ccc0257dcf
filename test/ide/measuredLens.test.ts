/**
 * The measured code lenses (summary of the last background simulation): one per summarised
 * variant that the document declares, above its statement; the base above `scenario`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { measuredLenses, type MeasuredSummary } from '../../server/src/ide/codeLens';
import { analyze } from './fixture';

const TEXT = 'host { pcpus 2 }\nscenario "s" { duration 10ms }\nvm a { vcpus 1 }\nvariant two { vm a { vcpus 2 } }\nvariant "three" { vm a { vcpus 3 } }\n';

const summary = fc.record({
  variant: fc.constantFrom('base', 'two', 'three', 'gone', ''),
  worstP99Ns: fc.nat(),
  worstTask: fc.option(fc.constantFrom('t', 'nvme'), { nil: undefined }),
  stalls: fc.nat(),
  simulatedNs: fc.nat(),
  bound: fc.option(fc.constantFrom('simulated time', 'wall time', 'max_events'), { nil: undefined }),
}) satisfies fc.Arbitrary<MeasuredSummary>;

describe('measured code lenses', () => {
  test('one lens per summary of a declared variant, on its keyword; none for unknown names', () => {
    const doc = analyze(TEXT);
    fc.assert(
      fc.property(fc.array(summary, { maxLength: 6 }), fc.boolean(), (summaries, stale) => {
        const lenses = measuredLenses(doc, summaries, stale);
        const known = summaries.filter((s) => ['base', 'two', 'three'].includes(s.variant));
        assert.equal(lenses.length, known.length);
        lenses.forEach((l, i) => {
          const s = known[i];
          const keyword = s.variant === 'base' ? 'scenario' : 'variant';
          assert.equal(TEXT.slice(l.range.start, l.range.end), keyword);
          if (s.variant !== 'base') assert.ok(TEXT.slice(l.range.start).split('\n')[0].includes(s.variant));
          assert.equal(l.action, 'measured');
          assert.ok(l.title.startsWith(stale ? 'measured before the last edit: ' : 'measured: '));
          assert.ok(l.title.includes(`${s.stalls} stall`));
          assert.equal(l.title.includes('bound hit'), s.bound !== undefined);
        });
      }),
    );
  });

  test('an empty document has none', () => {
    assert.deepEqual(measuredLenses(analyze(''), [{ variant: 'base', worstP99Ns: 1, stalls: 0, simulatedNs: 1 }], false), []);
  });
});
