/**
 * The clipping of echoed user text (core/text.ts clipRuns/clipLabel/clipQuote): bounded output for
 * any input, linear on runs of millions of characters. A run of 10 M characters without a space
 * threw "Maximum call stack size exceeded" out of the regular expression (`{81,}` backtracks with a
 * stack entry per character), so every answer quoting such a name or path failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { clipLabel, clipMarkdown, clipQuote, clipRuns, MAX_LABEL, MAX_MESSAGE, MAX_QUOTE } from '../../server/src/core/text';

test('a run of 10 M characters is clipped, not a stack overflow', () => {
  for (const s of ['a'.repeat(10_000_000), `file:///${'a'.repeat(10_000_000)} is not a file URI`, `x ${'é'.repeat(5_000_000)}🦀${'b'.repeat(5_000_000)} y`]) {
    const t0 = performance.now();
    const out = clipRuns(s, MAX_MESSAGE);
    assert.ok(out.length <= MAX_MESSAGE + 60, `${out.length} characters`);
    assert.match(out, /\.\.\. \(10,0\d\d,\d\d\d characters\)/);
    assert.ok(performance.now() - t0 < 5000);
    assert.ok(clipLabel(s).length <= MAX_LABEL + 60);
    assert.ok(clipMarkdown(s).length < 200);
  }
});

test('clipRuns: short runs kept as they are, long runs quoted by clipQuote, the whole at most max (+ the note)', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.nat({ max: 300 }).map((n) => 'x'.repeat(n)), fc.constantFrom(' ', '`', '\n', '\t', '\u00a0')), { maxLength: 30 }), fc.integer({ min: 1, max: 3000 }), (parts, max) => {
      const s = parts.join('');
      const out = clipRuns(s, max);
      assert.ok(out.length <= max + 40);
      const longest = Math.max(0, ...out.split(/[\s`]/).map((w) => w.length));
      if (out.length <= max) assert.ok(longest <= MAX_QUOTE, `a run of ${longest} left in ${JSON.stringify(out)}`);
      if (s.length <= MAX_QUOTE && s.length <= max) assert.equal(out, s);
    }),
    { numRuns: 300 },
  );
  assert.equal(clipQuote('y'.repeat(81)), `${'y'.repeat(60)}... (81 characters)`);
  assert.equal(clipRuns(`a ${'z'.repeat(81)} b`, 2000), `a ${'z'.repeat(60)}... (81 characters) b`);
  assert.equal(clipRuns(`a ${'z'.repeat(80)} b`, 2000), `a ${'z'.repeat(80)} b`);
});

test('showControls: control and bidi characters escaped, everything else as is; the terminal shows the same', async () => {
  const { showControls } = await import('../../server/src/core/text');
  const { terminalSafe } = await import('../../server/src/cli/common');
  assert.equal(showControls('\u202eevil\u202c (2)'), '\\u{202e}evil\\u{202c} (2)');
  // Line and paragraph separators: invisible in a lane label, a line break in some terminals.
  assert.equal(showControls('a\u2028b\u2029c'), 'a\\u{2028}b\\u{2029}c');
  assert.equal(showControls('a\x1b[31mb\x07\x7f\x9b\n\tc\u2066d\u2069\u200e\u061c'), 'a\\x1b[31mb\\x07\\x7f\\x9b\n\tc\\u{2066}d\\u{2069}\\u{200e}\\u{61c}');
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const out = showControls(s);
      assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(out));
      assert.equal(terminalSafe(s), out);
    }),
  );
});
