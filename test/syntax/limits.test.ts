/**
 * A document lists at most MAX_SYNTAX_ERRORS syntax errors (1 MB of `}` used to give a million
 * diagnostics, 16 MB of JSON per keystroke); one VPS013 at the first error left out counts the rest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from '../../server/src/syntax/parser';
import { MAX_PARSED_STATEMENTS, MAX_SYNTAX_ERRORS } from '../../server/src/syntax/syntaxCodes';
import { parseState, reparse } from '../../server/src/syntax/incremental';
import type { ParseResult } from '../../server/src/syntax/tree';
import { analyzeDocument } from '../../server/src/model/analyze';
import { formatEdits } from '../../server/src/ide/format';

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

/**
 * The parser reads at most MAX_PARSED_STATEMENTS statements: past them one VPS014 at the first
 * statement left out, and the rest of the text is not parsed. 3,000,000 statements (60 MB) took
 * 28.5 s and 2.1 GB in `vpscope check` before; the checker had stopped at 200,000 already.
 */
test('past MAX_PARSED_STATEMENTS: one VPS014 at the first statement left out, nested blocks end there without VPS005', () => {
  const M = MAX_PARSED_STATEMENTS;
  const at = parse('x\n'.repeat(M));
  assert.equal(at.file.statementCount, M);
  assert.ok(!at.errors.some((e) => e.code === 'VPS014'));
  const past = 'x\n'.repeat(M) + 'y\n'.repeat(5) + '@ }';
  const r = parse(past);
  assert.equal(r.file.statementCount, M);
  assert.equal(r.file.end, past.length);
  const cut = r.errors.filter((e) => e.code === 'VPS014');
  assert.equal(cut.length, 1);
  assert.deepEqual(cut[0].range, { start: 2 * M, end: 2 * M + 1 });
  assert.deepEqual(r.errors.map((e) => e.code), ['VPS014']); // nothing after the cut is read (the `@` and `}`)
  // Inside blocks: the open blocks end at the cut, no unclosed-brace error.
  const nested = 'vm a {\n  guest {\n' + '    x\n'.repeat(M) + '  }\n}\nvm b { vcpus 1 }\n';
  const n = parse(nested);
  assert.deepEqual(n.errors.map((e) => e.code), ['VPS014']);
  assert.equal(n.file.statementCount, M);
  assert.equal(n.file.statements.length, 1);
  // The checker reports its own bound (VPS146) and the parser's; nothing else.
  const a = analyzeDocument(past);
  assert.deepEqual(a.diagnostics.map((d) => d.code).sort(), ['VPS014', 'VPS146']);
});

test('incremental parse across MAX_PARSED_STATEMENTS equals a fresh parse; a cut document is not formatted', () => {
  const M = MAX_PARSED_STATEMENTS;
  const summary = (r: ParseResult) => ({ n: r.file.statementCount, top: r.file.statements.length, errors: r.errors.map((e) => `${e.code}@${e.range.start}-${e.range.end}`) });
  const below = 'x\n'.repeat(M - 2);
  let state = parseState(below);
  // Crossing the bound by an edit at the end, then at the start, then back below it.
  for (const text of [below + 'y\n'.repeat(4), below + 'y\n']) {
    state = reparse(state, text);
    assert.deepEqual(summary(state.result), summary(parse(text)));
  }
  const messy = '   x\n'.repeat(M + 3);
  const t = parse(messy).tokens;
  assert.deepEqual(formatEdits(messy, t), []);
});
