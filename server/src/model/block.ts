/**
 * A block's statements with their specs and typed values, for the lowering and the context
 * checks: "the first `cpus` of this pool", "its value as a number or the default".
 */
import type { Statement } from '../syntax/tree';
import type { Dist } from './ir';
import type { StatementSpec } from './schemaTypes';
import type { IndexList, ParsedArgs, Value } from './args';
import { nameOf } from './resolve';

/** Where a block finds each statement's spec and parsed arguments. */
export interface BlockSource {
  spec(stmt: Statement): StatementSpec | undefined;
  args(stmt: Statement): ParsedArgs | undefined;
}

const NO_STATEMENTS: readonly Statement[] = [];

/**
 * The statements of one block with their specs. Blocks are small (a handful of statements), so
 * lookups scan an array: cheaper than building a map for every block on every keystroke.
 */
export class Block {
  /** Spec of each statement (aligned with `stmts`). */
  readonly specs: (StatementSpec | undefined)[];
  constructor(
    private readonly ctx: BlockSource,
    readonly stmts: readonly Statement[],
  ) {
    const specs: (StatementSpec | undefined)[] = new Array(stmts.length);
    for (let k = 0; k < stmts.length; k++) specs[k] = ctx.spec(stmts[k]);
    this.specs = specs;
  }

  static of(ctx: BlockSource, stmt: Statement | undefined): Block {
    return new Block(ctx, stmt?.body?.statements ?? NO_STATEMENTS);
  }

  /** Index of the first statement whose keyword is `kw`, -1 when none. */
  private indexOf(kw: string): number {
    const specs = this.specs;
    for (let k = 0; k < specs.length; k++) if (specs[k]?.keyword === kw) return k;
    return -1;
  }

  first(kw: string): Statement | undefined {
    const k = this.indexOf(kw);
    return k < 0 ? undefined : this.stmts[k];
  }

  all(kw: string): Statement[] {
    const out: Statement[] = [];
    for (let k = 0; k < this.stmts.length; k++) if (this.specs[k]?.keyword === kw) out.push(this.stmts[k]);
    return out;
  }

  /**
   * Named blocks of one keyword, the first of each name only: a second declaration of the same
   * name is an error (VPS111) and must not become a second object in the IR.
   */
  named(kw: string): Statement[] {
    const out: Statement[] = [];
    // Names kept so far: a short list is scanned, a long one (the file's VMs) gets a set.
    const names: string[] = [];
    let set: Set<string> | undefined;
    for (let k = 0; k < this.stmts.length; k++) {
      if (this.specs[k]?.keyword !== kw) continue;
      const s = this.stmts[k];
      const n = nameOf(s);
      if (n === undefined) continue;
      if (set ? set.has(n) : names.includes(n)) continue;
      out.push(s);
      if (set) set.add(n);
      else if (names.push(n) > 8) set = new Set(names);
    }
    return out;
  }

  /** The k-th parsed value of the first `kw` statement. */
  value(kw: string, k = 0): Value | undefined {
    const s = this.first(kw);
    return s ? this.ctx.args(s)?.values[k] : undefined;
  }

  num(kw: string, def: number): number {
    const v = this.value(kw);
    return v?.kind === 'number' ? v.value : def;
  }

  optNum(kw: string): number | undefined {
    const v = this.value(kw);
    return v?.kind === 'number' ? v.value : undefined;
  }

  bool(kw: string, def: boolean): boolean {
    const v = this.value(kw);
    return v?.kind === 'bool' ? v.value : def;
  }

  word<T extends string>(kw: string, def: T): T {
    const v = this.value(kw);
    return v?.kind === 'word' ? (v.value as T) : def;
  }

  dist(kw: string, def: Dist): Dist {
    const v = this.value(kw);
    return v?.kind === 'dist' ? v.value : def;
  }

  list(kw: string): { list: IndexList; stmt: Statement } | undefined {
    const v = this.value(kw);
    return v?.kind === 'list' ? { list: v.value, stmt: this.first(kw)! } : undefined;
  }
}
