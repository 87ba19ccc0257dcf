/**
 * The syntax side of the hazard checks: finding statements by path (in the base and in variants)
 * and the edits quick fixes are made of, in every body style the language allows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from '../../../server/src/syntax/parser';
import { applyEdits, nestText, SourceIndex, type Path } from '../../../server/src/analysis/static/source';
import { distMean, distTail, fmtCpuList, fmtDist, fmtNames, fmtRate } from '../../../server/src/analysis/static/format';
import { fmtNsShort as fmtNs } from '../../../server/src/core/format';
import { dedent } from './check';

const index = (text: string) => new SourceIndex(parse(text));
const task: Path = [{ kw: 'vm', name: 'web' }, { kw: 'openhcl' }, { kw: 'task', name: 'nvme' }];

describe('SourceIndex', () => {
  test('rebuilds the text from the tokens, offsets intact', () => {
    const text = 'vm web {  # comment\r\n  vcpus 4; cpus 0-3,^1\n  task "a b" { cpu uniform 1us..2us }\n}\n';
    assert.equal(index(text).text, text);
  });

  test('finds statements by path, in the base and in a variant, the variant first', () => {
    const text = dedent(`
      vm web { openhcl { task nvme { target_vp 1 } } }
      variant v { vm web { openhcl { task nvme { target_vp 2 } } } }
    `);
    const src = index(text);
    const base = src.find([...task, { kw: 'target_vp' }])!;
    const inV = src.find([...task, { kw: 'target_vp' }], 'v')!;
    assert.equal(src.slice(base), 'target_vp 1');
    assert.equal(src.slice(inV), 'target_vp 2');
    assert.equal(src.findEffective([...task, { kw: 'target_vp' }], 'v'), inV);
    assert.equal(src.findEffective([...task, { kw: 'run_on_target' }], 'v'), undefined);
    assert.equal(src.find([{ kw: 'vm', name: 'other' }]), undefined);
    assert.deepEqual(src.deepest([...task, { kw: 'sleep' }], 'v').depth, 3);
    assert.equal(src.slice(src.head(src.find(task)!)), 'task nvme');
  });

  test('nestText builds one-line overrides, quoting names that need it', () => {
    assert.equal(nestText(task, 'runs_on dedicated'), 'vm web { openhcl { task nvme { runs_on dedicated } } }');
    assert.equal(nestText([{ kw: 'vm', name: 'my vm' }], 'boost dynamic'), 'vm "my vm" { boost dynamic }');
  });
});

describe('edits', () => {
  const insert = (text: string, path: Path, what: string) => {
    const src = index(text);
    return applyEdits(text, [src.insertChild(src.find(path)!, what)]);
  };

  test('insertChild follows the body style', () => {
    const t = [{ kw: 'task', name: 't' }];
    assert.equal(insert('task t { cpu 1us; io 2us }\n', t, 'runs_on dedicated'), 'task t { runs_on dedicated; cpu 1us; io 2us }\n');
    assert.equal(insert('task t {\n    cpu 1us\n}\n', t, 'runs_on dedicated'), 'task t {\n    runs_on dedicated\n    cpu 1us\n}\n');
    assert.equal(insert('task t {}\n', t, 'x 1'), 'task t { x 1 }\n');
    assert.equal(insert('  task t {\n  }\n', t, 'x 1'), '  task t {\n    x 1\n  }\n');
    assert.equal(insert('lock l\n', [{ kw: 'lock', name: 'l' }], 'kind mutex'), 'lock l { kind mutex }\n');
    // CRLF documents get CRLF.
    assert.equal(insert('task t {\r\n  cpu 1us\r\n}\r\n', t, 'x 1'), 'task t {\r\n  x 1\r\n  cpu 1us\r\n}\r\n');
  });

  test('insertAfter: a new line when the statement ends its line, `;` otherwise', () => {
    const src1 = index('host {\n  pool a { cpus 1 }\n}\n');
    const a = src1.find([{ kw: 'host' }, { kw: 'pool', name: 'a' }])!;
    assert.equal(applyEdits(src1.text, [src1.insertAfter(a, 'pool b { cpus 2 }')]), 'host {\n  pool a { cpus 1 }\n  pool b { cpus 2 }\n}\n');
    const src2 = index('host { pool a { cpus 1 }; pcpus 4 }\n');
    const a2 = src2.find([{ kw: 'host' }, { kw: 'pool', name: 'a' }])!;
    assert.equal(applyEdits(src2.text, [src2.insertAfter(a2, 'pool b { cpus 2 }')]), 'host { pool a { cpus 1 }; pool b { cpus 2 }; pcpus 4 }\n');
  });

  test('deleteStatement removes the line, or the statement and its separator', () => {
    const del = (text: string, kw: string) => {
      const src = index(text);
      return applyEdits(text, [src.deleteStatement(src.find([{ kw: 'vm', name: 'a' }, { kw }])!)]);
    };
    assert.equal(del('vm a {\n  vcpus 2\n  pin shared  # why\n  cap 0\n}\n', 'pin'), 'vm a {\n  vcpus 2\n  cap 0\n}\n');
    assert.equal(del('vm a { vcpus 2; pin shared; cap 0 }\n', 'pin'), 'vm a { vcpus 2; cap 0 }\n');
    assert.equal(del('vm a { vcpus 2; pin shared }\n', 'pin'), 'vm a { vcpus 2 }\n');
  });

  test('replaceArgs and replaceKeyword touch only what they name', () => {
    const src = index('task t { syscall 2ms; sleep 1ms }\n');
    const s = src.find([{ kw: 'task', name: 't' }, { kw: 'syscall' }])!;
    assert.equal(applyEdits(src.text, [src.replaceKeyword(s, 'io')]), 'task t { io 2ms; sleep 1ms }\n');
    assert.equal(applyEdits(src.text, [src.replaceArgs(s, 'exp 1ms')]), 'task t { syscall exp 1ms; sleep 1ms }\n');
  });
});

describe('format', () => {
  test('durations, rates, lists and names', () => {
    assert.equal(fmtNs(250), '250 ns');
    assert.equal(fmtNs(20_000), '20 us');
    assert.equal(fmtNs(2_500_000), '2.5 ms');
    assert.equal(fmtNs(1_577_000), '1.58 ms');
    assert.equal(fmtNs(2e9), '2 s');
    assert.equal(fmtRate(20_000), '20k/s');
    assert.equal(fmtRate(500), '500/s');
    assert.equal(fmtRate(1e300), '1e300/s', 'huge rates in the exponent form the language reads (was 1e+294M/s)');
    assert.equal(fmtRate(2.5e12), '2.5e12/s');
    assert.equal(fmtCpuList([5, 0, 1, 2, 3, 7, 3]), '0-3,5,7');
    assert.equal(fmtNames(['a']), '`a`');
    assert.equal(fmtNames(['a', 'b', 'c']), '`a`, `b` and `c`');
    assert.equal(fmtNames(['a', 'b', 'c', 'd', 'e']), '`a`, `b`, `c` and 2 more');
  });

  test('typical and tail values of distributions', () => {
    assert.equal(distMean({ kind: 'uniform', lo: 10, hi: 30 }), 20);
    assert.equal(distMean({ kind: 'bimodal', a: 100, b: 20_000, p: 0.01 }), 299);
    assert.ok(Math.abs(distTail({ kind: 'exp', mean: 1000 }) - 4605) < 1);
    // A rare slow mode is the tail, however rare.
    assert.equal(distTail({ kind: 'bimodal', a: 100, b: 20_000, p: 0.001 }), 20_000);
    const ln = distTail({ kind: 'lognormal', mean: 1e6, sd: 5e5 });
    assert.ok(ln > 2e6 && ln < 3e6, `lognormal tail ${ln}`);
    assert.equal(fmtDist({ kind: 'bimodal', a: 100_000, b: 20_000_000, p: 0.01 }), '100 us, or 20 ms 1% of the time');
  });
});
