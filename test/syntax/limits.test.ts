/**
 * A document lists at most MAX_SYNTAX_ERRORS syntax errors (1 MB of `}` used to give a million
 * diagnostics, 16 MB of JSON per keystroke); one VPS013 at the first error left out counts the rest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from '../../server/src/syntax/parser';
import { MAX_SYNTAX_ERRORS } from '../../server/src/syntax/syntaxCodes';
import { analyzeDocument } from '../../server/src/model/analyze';

test('1 MB of } gives MAX_SYNTAX_ERRORS errors and one summary counting the rest', () => {
  const n = 1 << 20;
  const a = analyzeDocument('}'.repeat(n));
  const syntax = a.diagnostics.filter((d) => d.code < 'VPS100');
  assert.equal(syntax.length, MAX_SYNTAX_ERRORS + 1);
  const s = syntax.filter((d) => d.code === 'VPS013');
  assert.equal(s.length, 1);
  assert.equal(s[0].range.start, MAX_SYNTAX_ERRORS); // the first `}` left out
  assert.match(s[0].message, new RegExp(`^${n - MAX_SYNTAX_ERRORS} more syntax errors from here on are not listed`));
  assert.ok(a.diagnostics.length < MAX_SYNTAX_ERRORS + 10);
});

test('property: below the cap nothing changes; above it, the listed errors are a prefix of what the parser finds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3 * MAX_SYNTAX_ERRORS }), fc.constantFrom('}', '@', '}\n', 'vm {\n', '4 x\n'), (k, unit) => {
      const r = parse(unit.repeat(k));
      const listed = r.errors.filter((e) => e.code !== 'VPS013');
      const summary = r.errors.filter((e) => e.code === 'VPS013');
      assert.ok(listed.length <= MAX_SYNTAX_ERRORS);
      if (listed.length < MAX_SYNTAX_ERRORS) assert.equal(summary.length, 0);
      if (summary.length) {
        const more = Number(/^(\d+) more/.exec(summary[0].message)![1]);
        assert.ok(more > 0);
        // the summary sits after every listed error of the same kind of line
        assert.ok(listed.every((e) => e.range.start <= summary[0].range.start || unit === 'vm {\n'));
      }
    }),
    { numRuns: 60 },
  );
});
