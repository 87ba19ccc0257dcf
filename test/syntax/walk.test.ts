/**
 * Tree utilities the language server relies on: `nodeAt` (the chain of nodes under a cursor),
 * `statementAt`, `walk`, `forEachStatement`; and scanner details (units, tokens).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../server/src/syntax/parser';
import { scan } from '../../server/src/syntax/scanner';
import { forEachStatement, nodeAt, statementAt, walk } from '../../server/src/syntax/walk';
import type { Node } from '../../server/src/syntax/tree';

const TEXT = 'vm web {\n  vcpus 4\n  cpus 0-3,^1\n  openhcl { task t { cpu exp 20us; rate 1,\n  } }\n}\n';

function describe(n: Node): string {
  switch (n.type) {
    case 'statement':
      return `stmt:${n.keyword.name}`;
    case 'ident':
      return `ident:${n.name}${n.missing ? '!' : ''}`;
    case 'number':
      return `num:${n.value}${n.unit}${n.missing ? '!' : ''}`;
    default:
      return n.type;
  }
}

const chainAt = (needle: string, delta = 0) => nodeAt(parse(TEXT).file, TEXT.indexOf(needle) + delta).map(describe).join(' > ');

test('nodeAt: keyword, argument, list items, spans, nested bodies', () => {
  assert.equal(chainAt('vcpus'), 'file > stmt:vm > body > stmt:vcpus > ident:vcpus');
  assert.equal(chainAt('vcpus', 5), 'file > stmt:vm > body > stmt:vcpus > ident:vcpus', 'a cursor right after a word is still in it');
  assert.equal(chainAt('4'), 'file > stmt:vm > body > stmt:vcpus > num:4');
  assert.equal(chainAt('^1', 1), 'file > stmt:vm > body > stmt:cpus > list > not > num:1');
  assert.equal(chainAt('0-3', 2), 'file > stmt:vm > body > stmt:cpus > list > span > num:3');
  assert.equal(chainAt('20us', 2), 'file > stmt:vm > body > stmt:openhcl > body > stmt:task > body > stmt:cpu > num:20us');
  // After `rate 1,` the missing list item is where completion happens.
  assert.equal(chainAt('1,', 2), 'file > stmt:vm > body > stmt:openhcl > body > stmt:task > body > stmt:rate > list > ident:!');
  // Between statements, inside a body: the body is the innermost node.
  assert.equal(chainAt('\n  cpus', 1), 'file > stmt:vm > body');
  assert.equal(nodeAt(parse(TEXT).file, TEXT.length).map(describe).join(' > '), 'file');
  assert.equal(nodeAt(parse('').file, 0).length, 1);
});

test('statementAt gives the innermost statement and its parents', () => {
  const file = parse(TEXT).file;
  const r = statementAt(file, TEXT.indexOf('exp'));
  assert.equal(r.statement?.keyword.name, 'cpu');
  assert.deepEqual(r.parents.map((p) => p.keyword.name), ['vm', 'openhcl', 'task']);
  assert.equal(statementAt(file, TEXT.length).statement, undefined);
});

test('walk visits every node once in document order; forEachStatement gives parents', () => {
  const file = parse(TEXT).file;
  const starts: number[] = [];
  let count = 0;
  walk(file, (n) => {
    count++;
    if (n.type === 'statement') starts.push(n.start);
  });
  assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
  assert.ok(count > 20);
  const seen: string[] = [];
  forEachStatement(file, (s, parents) => seen.push([...parents.map((p) => p.keyword.name), s.keyword.name].join('/')));
  assert.deepEqual(seen, ['vm', 'vm/vcpus', 'vm/cpus', 'vm/openhcl', 'vm/openhcl/task', 'vm/openhcl/task/cpu', 'vm/openhcl/task/rate']);
  let skipped = 0;
  walk(file, (n) => {
    skipped++;
    return n.type !== 'body';
  });
  assert.ok(skipped < count, 'returning false skips children');
});

test('scanner: numbers with units, exponents, and what is not a unit', () => {
  const toks = scan('10us 2.5ms 50% 20k/s 500/s 10M 1e3 2e-3s 1e 1..3 .5 10µs', () => {}).filter((t) => t.kind !== 'eof');
  assert.deepEqual(
    toks.map((t) => (t.kind === 'number' ? `${t.value}|${t.unit}` : t.kind)),
    ['10|us', '2.5|ms', '50|%', '20|k/s', '500|/s', '10|M', '1000|', '0.002|s', '1|e', '1|', 'dotdot', '3|', '0.5|', '10|µs'],
  );
});

test('scanner: strings, escapes, comments, line ends, stray characters', () => {
  const errors: string[] = [];
  const toks = scan('"a\\"b\\\\c" # note\r\nx "open\n@@ y', (code) => errors.push(code));
  assert.deepEqual(
    toks.map((t) => [t.kind, t.kind === 'string' ? t.value : t.text]),
    [['string', 'a"b\\c'], ['comment', '# note'], ['newline', '\r\n'], ['ident', 'x'], ['string', 'open'], ['newline', '\n'], ['error', '@@'], ['ident', 'y'], ['eof', '']],
  );
  assert.deepEqual(errors, ['VPS002', 'VPS001']);
});

test('identifiers keep inner dashes and drop a trailing one', () => {
  const toks = scan('Pool-0 sub-0 a- b--c', () => {});
  assert.deepEqual(toks.map((t) => `${t.kind}:${t.text}`), ['ident:Pool-0', 'ident:sub-0', 'ident:a', 'dash:-', 'ident:b--c', 'eof:']);
});

test('negative numbers and spans', () => {
  const s = parse('x -5 0-3 1 -2 -20..19 ^-1').file.statements[0];
  assert.deepEqual(
    s.args.map((a) => (a.type === 'number' ? a.value : a.type)),
    [-5, 'span', 1, -2, 'range', 'not'],
  );
});

test('parsing is linear: 8x the text takes far less than 64x the time', () => {
  const unit = 'vm a { vcpus 2; guest { thread t { every 1ms; cpu exp 10us } } }\n';
  const time = (n: number) => {
    const t = unit.repeat(n);
    parse(t);
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) parse(t);
    return performance.now() - t0;
  };
  const small = time(500);
  const big = time(4000);
  assert.ok(big < small * 32, `500 units ${small.toFixed(1)} ms, 4000 units ${big.toFixed(1)} ms`);
});
