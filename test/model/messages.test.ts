/**
 * Messages quote what the user wrote (names, unexpected characters, numbers): an attack input's
 * 100,000-character name or run of NUL bytes made one diagnostic of 100-600 KB. Long quotes are
 * now shortened (their start and their length kept), and no message passes MAX_MESSAGE.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { clipMessage, MAX_MESSAGE, MAX_QUOTE } from '../../server/src/model/util';
import { QUOTE_KEEP } from '../../server/src/core/text';

const BASE = 'host { pcpus 2 }\nvm a { vcpus 2 }\n';
const N = 100_000;
const CASES: [string, string, RegExp][] = [
  ['a 100k-character unknown variant name', `${BASE}variant v { based_on ${'m'.repeat(N)} }\n`, /Unknown variant `m{60}\.\.\.` \(100,000 characters\)/],
  ['100k NUL bytes', `${BASE}${'\0'.repeat(N)}\n`, /Unexpected characters '\u0000{60}\.\.\.' \(100,000 characters\)/],
  ['a 5,000-digit number', `host { pcpus ${'9'.repeat(5000)} }\nvm a { vcpus 2 }\n`, /`9{60}\.\.\.` \(5,000 characters\) is out of range/],
  ['a 100k-character duplicate VM name', `host { pcpus 2 }\nvm ${'n'.repeat(N)} { vcpus 2 }\nvm ${'n'.repeat(N)} { vcpus 2 }\n`, /`n{60}\.\.\.` \(100,000 characters\) is already declared/],
];

for (const [name, text, expected] of CASES) {
  test(`${name}: the message quotes its start and its length, a few hundred bytes in all`, () => {
    const a = analyzeDocument(text);
    assert.ok(a.diagnostics.some((d) => expected.test(d.message)), a.diagnostics.map((d) => d.message.slice(0, 200)).join('\n'));
    for (const d of a.diagnostics) {
      assert.ok(d.message.length <= MAX_MESSAGE + 60, `${d.code}: ${d.message.length} characters`);
      for (const r of d.related ?? []) assert.ok(r.message.length <= MAX_MESSAGE + 60);
    }
    assert.ok(JSON.stringify(a.diagnostics).length < 10_000, `${JSON.stringify(a.diagnostics).length} bytes of diagnostics`);
  });
}

test('property: clipMessage keeps short messages, is idempotent and bounded', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ maxLength: 300 }).map((s) => '`' + s.replace(/`/g, '') + '`')), { maxLength: 30 }), (parts) => {
      const m = parts.join(' ');
      const c = clipMessage(m);
      const quotes = m.match(/`[^`]*`/g) ?? [];
      if (quotes.every((q) => q.length <= MAX_QUOTE + 2) && m.length <= MAX_MESSAGE) assert.equal(c, m);
      assert.equal(clipMessage(c), c);
      assert.ok(c.length <= MAX_MESSAGE + 60);
      assert.ok(MAX_QUOTE >= 80);
    }),
  );
});

test('property: clipMessage equals its definition (every backtick pair, from the start, longer than MAX_QUOTE shortened; then the cut)', () => {
  const reference = (message: string) => {
    if (message.length <= MAX_QUOTE) return message;
    let m = message.replace(/`([^`]*)`/g, (all, inner: string) => (inner.length <= MAX_QUOTE ? all : `\`${inner.slice(0, QUOTE_KEEP)}...\` (${inner.length.toLocaleString('en-US')} characters)`));
    if (m.length > MAX_MESSAGE) m = `${m.slice(0, MAX_MESSAGE)}... (message cut at ${MAX_MESSAGE.toLocaleString('en-US')} characters)`;
    return m;
  };
  const piece = fc.oneof(
    fc.constantFrom('`', '``', ' '),
    fc.string({ maxLength: 90 }),
    fc.nat({ max: 2100 }).map((n) => 'x'.repeat(n)),
    // Quotes at the bound.
    fc.integer({ min: MAX_QUOTE - 2, max: MAX_QUOTE + 2 }).map((n) => `\`${'y'.repeat(n)}\``),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
      const m = parts.join('');
      assert.equal(clipMessage(m), reference(m));
    }),
    { numRuns: 500 },
  );
});

test('VPS107 quotes the number as written: `99999999999999999999 s` is not suggested as 100000000000000000000s', () => {
  for (const [unit, joined] of [['s', '99999999999999999999s'], ['sec', '99999999999999999999s']]) {
    const a = analyzeDocument(`${BASE}scenario { duration 99999999999999999999 ${unit} }\n`);
    const d = a.diagnostics.find((x) => x.code === 'VPS107');
    assert.ok(d, JSON.stringify(a.diagnostics.map((x) => x.message)));
    assert.ok(d.message.includes(`\`${joined}\``), d.message);
    assert.ok(d.fixes?.[0].title.includes(joined), d.fixes?.[0].title);
    assert.ok(!/1000000000000000000000?s/.test(d.message + d.fixes![0].title));
  }
});

test('a number is quoted as written in VPS103/VPS104 (99999999999999999999 printed as 100000000000000000000, 1e308ms as 1e+308ms)', () => {
  const msgs = (t: string) => analyzeDocument(`host { pcpus 2 }\n${t}`).diagnostics.map((d) => `${d.code} ${d.message}`);
  assert.ok(msgs('vm a { vcpus 1 99999999999999999999 }\n').some((m) => m.includes('VPS103') && m.includes('remove the number `99999999999999999999`')));
  assert.ok(msgs('vm a { vcpus 1; guest { thread t { every 1ms; cpu 1ms 1e308ms } } }\n').some((m) => m.includes('remove the number `1e308ms`')));
  assert.ok(msgs('vm a { vcpus 1; boost 1e308 }\n').some((m) => /found the number `1e308`/.test(m)), msgs('vm a { vcpus 1; boost 1e308 }\n').join('\n'));
});
