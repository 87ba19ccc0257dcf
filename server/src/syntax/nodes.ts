/**
 * The two node shapes the parser makes most often after statements, as classes whose derived
 * ranges are computed on demand instead of stored: a file of 10k lines has some 8k numbers and
 * 3k blocks, and every stored range is one more object to allocate and to keep. Anything that
 * builds such nodes elsewhere (the variant merge) uses these too, so that every node of a kind
 * has one shape.
 *
 * Invariant: imports nothing outside `syntax/` and `core/`.
 */
import type { TextRange } from '../core/text';
import type { Body, NumberArg, Statement } from './tree';

/** `42`, `10us`: the unit is the end of the token, so its range is derived. */
export class NumberNode implements NumberArg {
  readonly type: 'number';
  value: number;
  unit: string;
  start: number;
  end: number;
  missing: true | undefined;
  constructor(value: number, unit: string, start: number, end: number, missing: true | undefined) {
    this.type = 'number';
    this.value = value;
    this.unit = unit;
    this.start = start;
    this.end = end;
    this.missing = missing;
  }
  get unitRange(): TextRange {
    return { start: this.end - this.unit.length, end: this.end };
  }
}

/**
 * `{ ... }`: its `{` is its first character, and its `}` its last one (an empty range at its end
 * when the `}` is missing), so both ranges are derived.
 */
export class BodyNode implements Body {
  readonly type: 'body';
  statements: Statement[];
  start: number;
  end: number;
  /** The `}` is absent. */
  missing: true | undefined;
  constructor(start: number, end: number, statements: Statement[], missing: true | undefined) {
    this.type = 'body';
    this.statements = statements;
    this.start = start;
    this.end = end;
    this.missing = missing;
  }
  get open(): TextRange {
    return { start: this.start, end: this.start + 1 };
  }
  get close(): TextRange {
    return this.missing ? { start: this.end, end: this.end } : { start: this.end - 1, end: this.end };
  }
}
