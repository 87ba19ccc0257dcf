/**
 * `sweep { ... }` and `scenario { seeds N }` in the language (issue 11): a valid sweep statement
 * reads to the same plan as the equivalent `--sweep 'PATH=VALUES'` (and so to the same point
 * texts); an invalid one is a diagnostic whose range is inside the statement, never a crash; the
 * messages point at the step, name or value at fault; one sweep per file.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { fileRunPlan, parseSweep, sweepBlockNames, sweepPointText, type SweepSpec } from '../../server/src/model/sweep';

const BASE = `scenario { duration 20ms; seed 3 }
host {
  pcpus 4
  load noise { threads 2; cpu 1ms; sleep 1ms }
}
vm web {
  vcpus 2
  guest { thread t { count 2; every 1ms; cpu exp 100us } }
}
vm db {
  vcpus 1
  openhcl { task nvme { rate 10k/s; cpu 10us } }
}
variant big { vm web { vcpus 4 } }
`;

/** A setting the base can take, the way to write it as blocks, and values it accepts. */
interface Target {
  path: string;
  /** `open` + `KEYWORD VALUES` + `close`. */
  open: string;
  keyword: string;
  close: string;
  value: fc.Arbitrary<string>;
  range?: { lo: number; hi: number; unit: string };
}

const TARGETS: Target[] = [
  { path: 'vm web.vcpus', open: 'vm web { ', keyword: 'vcpus', close: ' }', value: fc.integer({ min: 1, max: 64 }).map(String), range: { lo: 1, hi: 64, unit: '' } },
  { path: 'host.pcpus', open: 'host { ', keyword: 'pcpus', close: ' }', value: fc.integer({ min: 2, max: 64 }).map(String), range: { lo: 2, hi: 64, unit: '' } },
  { path: 'host.load noise.threads', open: 'host { load noise { ', keyword: 'threads', close: ' } }', value: fc.integer({ min: 1, max: 16 }).map(String), range: { lo: 1, hi: 16, unit: '' } },
  { path: 'vm db.openhcl.task nvme.rate', open: 'vm db { openhcl { task nvme { ', keyword: 'rate', close: ' } } }', value: fc.integer({ min: 1, max: 90 }).map((k) => `${k}k/s`) },
  { path: 'scenario.duration', open: 'scenario { ', keyword: 'duration', close: ' }', value: fc.integer({ min: 1, max: 50 }).map((ms) => `${ms}ms`), range: { lo: 1, hi: 50, unit: 'ms' } },
  { path: 'vm web.guest.thread t.every', open: 'vm web { guest { thread t { ', keyword: 'every', close: ' } } }', value: fc.constantFrom('500us', 'exp 1ms', 'uniform 1ms..2ms', '2ms') },
];

/** Values as written in the statement and in `--sweep`: a list, or a range with an optional step. */
const valuesArb = (t: Target): fc.Arbitrary<string> => {
  const list = fc.array(t.value, { minLength: 1, maxLength: 6 }).map((v) => v.join(', '));
  if (!t.range) return list;
  const { lo, hi, unit } = t.range;
  const rng = fc
    .tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }), fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }))
    .map(([a, b, step]) => `${Math.min(a, b)}${unit}..${Math.max(a, b)}${unit}${step === undefined ? '' : ` step ${step}${unit}`}`);
  return fc.oneof(list, rng);
};

const strip = (s: SweepSpec) => ({ path: s.path, steps: s.steps, values: s.values });

describe('sweep statements', () => {
  test('a valid sweep statement reads to the plan of the equivalent --sweep, and to the same point texts', () => {
    const arb = fc.constantFrom(...TARGETS).chain((t) => fc.tuple(fc.constant(t), valuesArb(t), fc.constantFrom(' ', '\n  ')));
    fc.assert(
      fc.property(arb, ([t, values, sep]) => {
        const text = `${BASE}sweep {${sep}${t.open}${t.keyword} ${values}${t.close}${sep}}\n`;
        const a = analyzeDocument(text);
        const errors = a.diagnostics.filter((d) => d.severity === 'error');
        assert.deepEqual(errors.map((d) => `${d.code} ${d.message}`), [], text);
        const plan = fileRunPlan(a, text);
        const cli = parseSweep(`${t.path}=${values}`);
        assert.ok(typeof cli !== 'string', String(cli));
        assert.ok(plan.sweep, 'the file has a sweep');
        assert.deepEqual(strip(plan.sweep), strip(cli));
        // Each value's range is inside the statement and, for a list, covers that value's text.
        for (const [i, r] of plan.sweep.valueRanges.entries()) {
          assert.ok(plan.sweep.range.start <= r.start && r.end <= plan.sweep.range.end);
          if (!values.includes('..')) assert.equal(text.slice(r.start, r.end), plan.sweep.values[i]);
        }
        const v = plan.sweep.values[0];
        assert.equal(sweepPointText(text, plan.sweep, v, 'big'), sweepPointText(text, cli, v, 'big'));
      }),
      { numRuns: 150 },
    );
  });

  test('an invalid sweep statement gives an error inside the statement, never a crash', () => {
    const word = fc.constantFrom('vm', 'web', 'wbe', 'db', 'host', 'hots', 'load', 'noise', 'vcpus', 'vcpu', 'pcpus', 'threads', 'openhcl', 'task', 'nvme', 'rate', 'scenario', 'seed', 'seeds', 'duration', 'guest', 'thread', 't', 'every', 'step', 'exp', 'variant', 'sweep', 'boost');
    const val = fc.constantFrom('0', '1', '4', '2..8', '8..2', '1..5000', '1..3 step 0', '2, x', 'x', '10k/s', '5ms', '-', '..', '1,,2', 'exp 1ms', '4..8 step 2ms', '"s"', '');
    const stmt: fc.Arbitrary<string> = fc.letrec<{ s: string }>((tie) => ({
      s: fc.oneof(
        { depthSize: 'small' },
        fc.tuple(word, val).map(([k, v]) => `${k} ${v}`),
        fc.tuple(word, fc.option(word, { nil: undefined }), fc.array(tie('s'), { maxLength: 2 })).map(([k, n, body]) => `${k}${n ? ' ' + n : ''} { ${body.join('; ')} }`),
      ),
    })).s;
    fc.assert(
      fc.property(fc.array(stmt, { maxLength: 2 }), (body) => {
        const sw = `sweep { ${body.join('\n')} }`;
        const text = `${BASE}${sw}\n`;
        const start = BASE.length;
        const end = start + sw.length;
        const a = analyzeDocument(text);
        const plan = fileRunPlan(a, text);
        const inside = a.diagnostics.filter((d) => d.severity === 'error' && d.range.start >= start && d.range.end <= end);
        const outside = a.diagnostics.filter((d) => d.severity === 'error' && !(d.range.start >= start && d.range.end <= end));
        assert.deepEqual(outside.map((d) => d.message), [], 'no error outside the sweep');
        if (plan.sweep) assert.deepEqual(inside.map((d) => d.message), [], `${sw}: a plan, so no error`);
        else assert.ok(inside.length > 0, `${sw}: no plan, so an error inside it`);
      }),
      { numRuns: 300 },
    );
  });

  const errorsOf = (sw: string) => {
    const text = `${BASE}${sw}\n`;
    return analyzeDocument(text)
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => ({ code: d.code, at: text.slice(d.range.start, d.range.end), message: d.message }));
  };

  test('messages point at the step, the name or the value at fault', () => {
    assert.deepEqual(errorsOf('sweep { vm web { vcpuss 2, 4 } }').map((e) => [e.code, e.at]), [['VPS100', 'vcpuss']]);
    assert.match(errorsOf('sweep { vm web { vcpuss 2, 4 } }')[0].message, /Did you mean `vcpus`.*Known there: vcpus/);
    assert.deepEqual(errorsOf('sweep { vm wbe { vcpus 2, 4 } }').map((e) => [e.code, e.at]), [['VPS112', 'wbe']]);
    assert.match(errorsOf('sweep { vm wbe { vcpus 2, 4 } }')[0].message, /Did you mean `web`/);
    assert.deepEqual(errorsOf('sweep { vm web { vcpus 2, 0, 4 } }').map((e) => [e.code, e.at]), [['VPS108', '0']]);
    assert.deepEqual(errorsOf('sweep { vm web { vcpus 2, many } }').map((e) => [e.code, e.at]), [['VPS104', 'many']]);
    assert.deepEqual(errorsOf('sweep { vm web { vcpus 1..5000 } }').map((e) => [e.code, e.at]), [['VPS147', '1..5000']]);
    assert.deepEqual(errorsOf('sweep { vm web { vcpus } }').map((e) => e.code), ['VPS102']);
    assert.deepEqual(errorsOf('sweep { scenario { seed 1, 2 } }').map((e) => [e.code, e.at]), [['VPS147', 'seed']]);
    assert.deepEqual(errorsOf('sweep { vm web }').map((e) => [e.code, e.at]), [['VPS147', 'vm']]);
    assert.deepEqual(errorsOf('sweep { vm web { vcpus 2 }; host { pcpus 8 } }').map((e) => [e.code, e.at]), [['VPS147', 'host']]);
    // `boost` is an unnamed block the base lacks: added, as a variant would.
    assert.deepEqual(errorsOf('sweep { vm web { boost { ratio 2, 4 } } }').filter((e) => e.code !== 'VPS100'), []);
  });

  test('one sweep per file: the second is an error (a cross product is not run); none inside a variant', () => {
    const e = errorsOf('sweep { vm web { vcpus 2, 4 } }\nsweep { host { pcpus 4, 8 } }');
    assert.deepEqual(e.map((x) => [x.code, x.at]), [['VPS147', 'sweep']]);
    assert.match(e[0].message, /One `sweep` per file.*cross product/);
    assert.deepEqual(errorsOf('variant v { sweep { vm web { vcpus 2, 4 } } }').map((x) => x.code), ['VPS101']);
  });

  test('seeds N in scenario: read for the shells, checked like a count', () => {
    const text = BASE.replace('seed 3', 'seed 3; seeds 5');
    assert.equal(fileRunPlan(analyzeDocument(text), text).seeds, 5);
    assert.equal(fileRunPlan(analyzeDocument(BASE), BASE).seeds, undefined);
    const bad = BASE.replace('seed 3', 'seeds 0');
    assert.deepEqual(analyzeDocument(bad).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['VPS108']);
    assert.equal(fileRunPlan(analyzeDocument(bad), bad).seeds, undefined);
  });

  test('names on the path: the base blocks there', () => {
    const a = analyzeDocument(BASE);
    assert.deepEqual(sweepBlockNames(a, [], 'vm'), ['web', 'db']);
    assert.deepEqual(sweepBlockNames(a, [{ keyword: 'host' }], 'load'), ['noise']);
    assert.deepEqual(sweepBlockNames(a, [{ keyword: 'vm', name: 'db' }, { keyword: 'openhcl' }], 'task'), ['nvme']);
    assert.deepEqual(sweepBlockNames(a, [{ keyword: 'vm', name: 'nope' }], 'guest'), []);
  });
});
