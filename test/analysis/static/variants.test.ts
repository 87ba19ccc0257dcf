/**
 * How hazards of variants join the document's diagnostics: said once, said where they differ,
 * fixed in the variant that raises them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { applyEdits, check, dedent } from './check';

describe('hazards of variants', () => {
  test('a hazard the base already reports at the same place is not repeated for the variant', () => {
    check(`
      host { pcpus 2 }
      vm web { vcpus 2; openhcl { task t { target_vp 1; every 10ms; syscall 2ms } } }
      #                                                             ^^^^^^^^^^^ warning VPS201: task \`t\` on VP 1
      variant longer { scenario { duration 2s } }
      variant other_seed { scenario { seed 9 } }
    `);
  });

  test('a hazard only a variant has says so, and its fix edits that variant', () => {
    const { text, hazards } = check(`
      host { pcpus 2 }
      vm web { vcpus 2; openhcl { task t { target_vp 1; rate 1k/s; io 50us } } }
      variant no_cancel {
        vm web { openhcl { io_uring_cancel off } }
      #                    ^^^^^^^^^^^^^^^^^^^ warning VPS205: In variant \`no_cancel\`: io_uring cancel is off
      }
    `);
    const d = hazards[0];
    assert.ok(d.related?.some((r) => r.message === 'variant `no_cancel`'));
    const fixed = applyEdits(text, d.fixes![0].edits);
    assert.match(fixed, /variant no_cancel \{\n {2}vm web \{ openhcl \{ io_uring_cancel on \} \}/);
  });

  test('two variants raising the same hazard at the same place share one diagnostic, without fixes', () => {
    const { hazards } = check(`
      host { pcpus 8 }
      vm omp { vcpus 8; guest { parallel ua { threads 8; work 200us; barrier spin } } }
      #                                                              ^^^^^^^^^^^^ warning VPS229: In variants \`noisy\` and \`noisier\`: parallel region \`ua\`
      variant noisy { host { load n { threads 8; cpu 4ms; sleep 4ms } } }
      variant noisier { host { load n { threads 8; cpu 8ms } } }
    `);
    assert.equal(hazards[0].fixes, undefined);
    assert.deepEqual(
      hazards[0].related?.filter((r) => r.message.startsWith('variant')).map((r) => r.message),
      ['variant `noisy`', 'variant `noisier`'],
    );
  });

  test('a fix for a variant never edits the base, and a base fix never edits a variant', () => {
    const text = dedent(`
      host { pcpus 8 }
      vm omp { vcpus 8; guest { parallel ua { threads 8; work 200us } } }
      variant noisy { host { load n { threads 8; cpu 8ms } } }
      variant cancel_off {
        vm omp { openhcl { io_uring_cancel off; task t { target_vp 1; rate 1k/s; io 50us } } }
      }
    `);
    const a = analyzeDocument(text);
    const starts = (name: string) => text.indexOf(`variant ${name}`);
    const ends = (name: string) => {
      const from = starts(name);
      const next = text.indexOf('\nvariant', from + 1);
      return next < 0 ? text.length : next;
    };
    for (const d of a.diagnostics.filter((x) => x.code.startsWith('VPS2'))) {
      const m = /^In variant `([^`]+)`/.exec(d.message);
      for (const f of d.fixes ?? []) {
        for (const e of f.edits) {
          if (m) assert.ok(e.range.start > starts(m[1]) && e.range.end < ends(m[1]), `${d.code} fix stays in variant ${m[1]}`);
          else assert.ok(e.range.end <= starts('noisy'), `${d.code} base fix stays in the base`);
        }
      }
    }
    assert.ok(a.diagnostics.some((d) => d.code === 'VPS229' && d.fixes?.length));
    assert.ok(a.diagnostics.some((d) => d.code === 'VPS205' && d.fixes?.length));
  });
});
