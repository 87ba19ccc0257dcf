/**
 * Codes of syntax errors (VPS0xx). They live next to the parser because the syntax layer may not
 * import the model; `model/codes.ts` re-exports them in the one catalog of every code, with their
 * descriptions. Never reuse a retired code for another meaning.
 */
export const SyntaxCodes = {
  /** A character the language does not use (`@`, `!`, a lone `.`). */
  unexpectedChar: 'VPS001',
  /** A string without its closing quote on the same line. */
  unterminatedString: 'VPS002',
  /** A statement that does not start with a keyword (`4 vcpus`, `{` alone). */
  expectedKeyword: 'VPS003',
  /** A token that cannot be an argument (`..` alone, a stray `-` or `,`). */
  unexpectedToken: 'VPS004',
  /** A `{` without its `}`. */
  unclosedBrace: 'VPS005',
  /** A `}` that closes nothing. */
  strayBrace: 'VPS006',
  /** A `{` on the line after its statement. */
  braceOnNextLine: 'VPS007',
  /** More text after a block's `}` on the same line. */
  expectedEndOfStatement: 'VPS008',
  /** A comma with no item after it (`0,1,`). */
  missingListItem: 'VPS009',
  /** `^` with no CPU number or span after it. */
  missingExcluded: 'VPS010',
  /** `..` with no upper bound (`10us..`). */
  missingRangeEnd: 'VPS011',
  /** Blocks nested deeper than the parser's limit. */
  tooDeep: 'VPS012',
  /** More syntax errors than a document lists (`MAX_SYNTAX_ERRORS`); the rest are counted. */
  tooManyErrors: 'VPS013',
  /** More statements than the parser reads (`MAX_PARSED_STATEMENTS`); the rest of the text is not parsed. */
  tooLong: 'VPS014',
} as const;

/**
 * Syntax errors listed per document. 1 MB of `}` used to give a million diagnostics; past this
 * many, one VPS013 at the first error left out counts the rest.
 */
export const MAX_SYNTAX_ERRORS = 1000;

/**
 * Statements (at any depth) the parser reads; past this, one VPS014 at the first statement left
 * out and the rest of the text is not parsed. The checker already stops at 200,000 statements
 * (`MAX_STATEMENTS`, model/limits.ts: only the syntax is checked past it); the parse itself kept
 * every statement of any file: 3,000,000 statements (a 60 MB file) took 28.5 s and 2.1 GB in
 * `vpscope check`, 4,800,000 (52 MB) 27 s and 1.7 GB (measured here, load 1-3). 1,000,000
 * statements cost 4-6 s and 310-430 MB (docs/language.md, *Limits of a scenario*).
 */
export const MAX_PARSED_STATEMENTS = 1_000_000;

export type SyntaxCode = (typeof SyntaxCodes)[keyof typeof SyntaxCodes];

/** One-line descriptions for help texts and SARIF rules. */
export const syntaxCodeDocs: Record<SyntaxCode, { title: string; help: string }> = {
  VPS001: { title: 'Unexpected character', help: 'Remove the character; the language uses words, numbers, "strings", braces, `,` `;` `-` `^` `..` and `#` comments.' },
  VPS002: { title: 'Unterminated string', help: 'Close the string with `"` on the same line; escape quotes inside as `\\"`.' },
  VPS003: { title: 'Statement without a keyword', help: 'Every statement starts with a keyword such as `vcpus` or `task`; write the keyword first.' },
  VPS004: { title: 'Unexpected token', help: 'The token cannot be an argument here; remove it or join it to its neighbour (spans `0-3`, ranges `10us..20us`).' },
  VPS005: { title: 'Unclosed block', help: 'Add the `}` that closes the block.' },
  VPS006: { title: 'Unmatched `}`', help: 'Remove the `}` or add the `{` it should close.' },
  VPS007: { title: 'Block on the next line', help: 'Open the block with `{` on the same line as its statement.' },
  VPS008: { title: 'Text after a block', help: 'Start the next statement on a new line or after `;`.' },
  VPS009: { title: 'Missing list item', help: 'Remove the trailing comma or add the missing item.' },
  VPS010: { title: 'Missing excluded CPU', help: 'Write the CPU or span to exclude right after `^`, e.g. `^1` or `^4-7`.' },
  VPS011: { title: 'Missing range end', help: 'Write the upper bound after `..`, e.g. `10us..30us`.' },
  VPS012: { title: 'Blocks nested too deeply', help: 'The language nests a few levels (vm > openhcl > task); remove the extra braces.' },
  VPS013: { title: 'Too many syntax errors', help: 'A document lists at most 1,000 syntax errors; this one counts the rest. Fix the errors above (often one missing or extra brace) and the rest are checked again.' },
  VPS014: { title: 'Document too long to parse', help: 'A document is read up to its 1,000,000th statement; the text after it is not parsed (and such a document is not formatted). Split it into several files.' },
};
