/**
 * `sweep { ... }` and `scenario { seeds N }` in the language (issue 11): a valid sweep statement
 * reads to the same plan as the equivalent `--sweep 'PATH=VALUES'` (and so to the same point
 * texts); an invalid one is a diagnostic whose range is inside the statement, never a crash; the
 * messages point at the step, name or value at fault; several swept settings are crossed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { crossPoints, crossProblem, fileRunPlan, parseSweep, sweepBlockNames, sweepPointText, type SweepSpec } from '../../server/src/model/sweep';

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
  const list = fc.uniqueArray(t.value, { minLength: 1, maxLength: 6 }).map((v) => v.join(', '));
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
        assert.equal(plan.sweeps?.length, 1, 'the file has one swept setting');
        const sw = plan.sweeps![0];
        assert.deepEqual(strip(sw), strip(cli));
        // Each value's range is inside the statement and, for a list, covers that value's text.
        for (const [i, r] of sw.valueRanges.entries()) {
          assert.ok(sw.range.start <= r.start && r.end <= sw.range.end);
          if (!values.includes('..')) assert.equal(text.slice(r.start, r.end), sw.values[i]);
        }
        const v = sw.values[0];
        assert.equal(sweepPointText(text, [sw], [v], 'big'), sweepPointText(text, [cli], [v], 'big'));
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
        if (plan.sweeps) assert.deepEqual(inside.map((d) => d.message), [], `${sw}: a plan, so no error`);
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
    // `boost` is an unnamed block the base lacks: added, as a variant would.
    assert.deepEqual(errorsOf('sweep { vm web { boost { ratio 2, 4 } } }').filter((e) => e.code !== 'VPS100'), []);
  });

  test('crossed sweeps: several settings in one block or in several statements read to the plan of repeated --sweep; one point text writes them all', () => {
    const pair = fc.uniqueArray(fc.constantFrom(...TARGETS), { minLength: 2, maxLength: 2, selector: (t) => t.path });
    const arb = pair.chain((ts) => fc.tuple(fc.constant(ts), fc.tuple(...ts.map(valuesArb)), fc.boolean()));
    fc.assert(
      fc.property(arb, ([ts, values, oneBlock]) => {
        const body = ts.map((t, k) => `${t.open}${t.keyword} ${values[k]}${t.close}`);
        const sw = oneBlock ? `sweep {\n  ${body.join('\n  ')}\n}` : body.map((x) => `sweep { ${x} }`).join('\n');
        const text = `${BASE}${sw}\n`;
        const a = analyzeDocument(text);
        const plan = fileRunPlan(a, text);
        const cli = ts.map((t, k) => parseSweep(`${t.path}=${values[k]}`) as SweepSpec);
        const points = cli[0].values.length * cli[1].values.length;
        const errors = a.diagnostics.filter((d) => d.severity === 'error');
        if (points > 1000) {
          assert.deepEqual(errors.map((d) => d.code), ['VPS147'], text);
          assert.match(errors[0].message, new RegExp(`cross to ${points} points \\(${cli[0].values.length} x ${cli[1].values.length}\\): at most 1000`));
          return;
        }
        assert.deepEqual(errors.map((d) => `${d.code} ${d.message}`), [], text);
        assert.deepEqual(plan.sweeps?.map(strip), cli.map(strip));
        // The last point, written as one variant: both values in effect, for base and `big`.
        const last = cli.map((c) => c.values[c.values.length - 1]);
        for (const v of ['base', 'big']) {
          const pt = analyzeDocument(sweepPointText(text, plan.sweeps!, last, v));
          assert.deepEqual(pt.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], `${v} ${last}`);
        }
      }),
      { numRuns: 80 },
    );
  });

  test('crossed point text: settings under the same blocks share them; the points in order, the first varying slowest', () => {
    const sweeps = [parseSweep('vm web.vcpus=2,4') as SweepSpec, parseSweep('vm web.guest.thread t.count=1,3') as SweepSpec, parseSweep('host.pcpus=8') as SweepSpec];
    const t = sweepPointText(BASE, sweeps, ['4', '3', '8'], 'big');
    assert.equal(t.slice(BASE.length), `\nvariant vpscope_sweep_point {\n  based_on big\n  vm web {\n    vcpus 4\n    guest {\n      thread t {\n        count 3\n      }\n    }\n  }\n  host {\n    pcpus 8\n  }\n}\n`);
    const sc = analyzeDocument(t).scenario!.variants.find((v) => v.name === 'vpscope_sweep_point')!.scenario;
    assert.equal(sc.vms.find((v) => v.name === 'web')!.vcpus, 4);
    assert.equal(sc.host.pcpus, 8);
    assert.deepEqual(crossPoints(sweeps), [['2', '1', '8'], ['2', '3', '8'], ['4', '1', '8'], ['4', '3', '8']]);
    assert.equal(crossProblem([...sweeps, parseSweep('vm web.vcpus=1') as SweepSpec]), '--sweep: `vm web.vcpus` is swept twice; give it one list of values.');
    assert.match(crossProblem([parseSweep('vm web.vcpus=1..40') as SweepSpec, parseSweep('host.pcpus=1..30') as SweepSpec])!, /cross to 1200 points \(40 x 30\); at most 1000/);
  });

  test('every sweep statement is checked (not only the first); a setting swept twice is an error on the second', () => {
    const e = errorsOf('sweep { vm web { vcpus 2, 4 } }\nsweep { host { pcpuss 4, 8 } }\nsweep { vm wbe { vcpus 1 } }');
    assert.deepEqual(e.map((x) => [x.code, x.at]), [['VPS100', 'pcpuss'], ['VPS112', 'wbe']]);
    const twice = `${BASE}sweep { vm web { vcpus 2, 4 } }\nsweep { vm web { vcpus 1, 3 } }\n`;
    const d = analyzeDocument(twice).diagnostics.filter((x) => x.severity === 'error');
    assert.deepEqual(d.map((x) => [x.code, twice.slice(x.range.start, x.range.end)]), [['VPS147', 'vcpus 1, 3']]);
    assert.match(d[0].message, /`vm web\.vcpus` is swept twice/);
    assert.equal(twice.slice(d[0].related![0].range.start, d[0].related![0].range.end), 'vcpus 2, 4');
    // Errors in several settings of one block: each reported.
    assert.deepEqual(errorsOf('sweep { vm web { vcpus 0, 2; guest { thread t { count x } } } }').map((x) => [x.code, x.at]), [['VPS108', '0'], ['VPS104', 'x']]);
    // Too many points: on the values of the setting that goes past the bound, naming the product.
    const big = errorsOf('sweep { vm web { vcpus 1..40 } }\nsweep { host { pcpus 1..30 } }');
    assert.deepEqual(big.map((x) => [x.code, x.at]), [['VPS147', '1..30']]);
    assert.match(big[0].message, /cross to 1200 points \(40 x 30\): at most 1000/);
    assert.deepEqual(errorsOf('variant v { sweep { vm web { vcpus 2, 4 } } }').map((x) => x.code), ['VPS101']);
  });

  test('ranges of absurd numbers and repeated values: an error on the values, never a crash, an empty or a repeating list', () => {
    // 101 decimals: toFixed(101) threw a RangeError out of the check (the editor's analysis of the file failed).
    const many = `1.${'0'.repeat(101)}`;
    assert.deepEqual(parseSweep(`host.pcpus=${many}..3`), { path: 'host.pcpus', steps: [{ keyword: 'host' }, { keyword: 'pcpus' }], values: ['1', '2', '3'] });
    assert.deepEqual(errorsOf(`sweep { host { pcpus ${many}..3 } }`), []);
    // 400 digits are Infinity: the range made no value at all (a sweep of 0 points ran the base once).
    const inf = '9'.repeat(400);
    const e = parseSweep(`host.pcpus=${inf}..${inf}`);
    assert.equal(typeof e, 'string');
    assert.match(e as string, /is too large \(a number of a range is at most about 1\.8e308/);
    assert.ok((e as string).length < 400, 'the number is quoted clipped');
    assert.deepEqual(errorsOf(`sweep { host { pcpus ${inf}..${inf} } }`).map((x) => [x.code, x.at]), [['VPS147', `${inf}..${inf}`]]);
    // Past 2^53 (or a step below the numbers' precision) the values repeated: 9007199254740992 twice.
    for (const r of ['9007199254740993..9007199254741000', '1..1.0000000000000002 step 0.0000000000000000001', `0..1 step 0.${'0'.repeat(100)}1`]) {
      const m = parseSweep(`host.pcpus=${r}`);
      assert.equal(typeof m, 'string', r);
      assert.match(m as string, /below the precision of its numbers \(values repeat|makes \d+(e\+\d+)? values/, r);
    }
    // A value listed twice: its point was aggregated with itself (each row twice, n = 2 for one seed).
    assert.match(parseSweep('host.pcpus=2, 4, 2') as string, /the value '2' is listed twice/);
    assert.deepEqual(errorsOf('sweep { host { pcpus 2, 4, 2 } }').map((x) => [x.code, x.at]), [['VPS147', '2, 4, 2']]);
    assert.deepEqual((parseSweep('host.pcpus=2, 2.0') as SweepSpec).values, ['2', '2.0'], 'different texts are different points');
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,400}(\.\d{1,120})?$/), fc.stringMatching(/^\d{1,400}(\.\d{1,120})?$/), fc.option(fc.stringMatching(/^\d{1,30}(\.\d{1,120})?$/), { nil: undefined }), (a, b, st) => {
        const r = parseSweep(`host.pcpus=${a}..${b}${st !== undefined ? ` step ${st}` : ''}`);
        if (typeof r === 'string') return;
        assert.ok(r.values.length >= 1 && r.values.length <= 1000);
        assert.equal(new Set(r.values).size, r.values.length, 'no value twice');
        assert.ok(r.values.every((v) => Number.isFinite(Number(v))));
      }),
      { numRuns: 300 },
    );
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
