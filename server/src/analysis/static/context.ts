/**
 * What every hazard check gets: the scenario it checks (the base or one variant, already merged),
 * the source index for ranges and edits, and `report` to emit a diagnostic.
 *
 * Checks never decide where a fix goes in a variant: they say "set `barrier paravirt` on
 * `vm web / guest / parallel omp`", and the context writes that into the base, or, when checking
 * a variant, into that variant's block (creating the nested override if needed). A fix whose edits
 * would leave its scope (a variant fix touching the base, a base fix touching a variant) is
 * dropped: fixing the base from a variant's diagnostic would change every variant's comparison.
 */
import type { Diagnostic, Fix, RelatedInfo, Severity, TextEdit } from '../../core/diagnostic';
import type { TextRange } from '../../core/text';
import type { Scenario } from '../../model/ir';
import type { Statement } from '../../syntax/tree';
import { hazardCodeDocs, type HazardCode } from './codes';
import { nestText, type Path, type SourceIndex } from './source';

export interface HazardReport {
  range: TextRange;
  /** Lower-case sentence(s): what stalls -> why -> what to do. The variant prefix is added later. */
  message: string;
  related?: RelatedInfo[];
  fixes?: (Fix | undefined)[];
  /** Overrides the code's default severity. */
  severity?: Severity;
  tags?: Diagnostic['tags'];
}

export class HazardContext {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly scenario: Scenario,
    readonly src: SourceIndex,
    /** Set when checking a variant (its merged scenario is `scenario`). */
    readonly variant?: string,
  ) {}

  report(code: HazardCode, r: HazardReport): void {
    const fixes = (r.fixes ?? []).filter((f): f is Fix => f !== undefined && f.edits.length > 0 && this.inScope(f.edits));
    const d: Diagnostic = {
      severity: r.severity ?? hazardCodeDocs[code].severity,
      code,
      message: r.message,
      range: r.range,
    };
    // Implicit defaults have empty ranges: nothing to point at.
    const related = (r.related ?? []).filter((x) => x.range.end > x.range.start);
    if (related.length) d.related = related;
    if (fixes.length) d.fixes = fixes;
    if (r.tags?.length) d.tags = r.tags;
    this.diagnostics.push(d);
  }

  /** A variant's edits must stay in its block; the base's must stay out of every variant. */
  private inScope(edits: readonly TextEdit[]): boolean {
    if (this.variant === undefined) return edits.every((e) => !this.src.inAnyVariant(e.range));
    const v = this.src.variant(this.variant);
    if (!v) return false;
    return edits.every((e) => e.range.start > v.start && e.range.end < v.end);
  }

  // ---- ranges ------------------------------------------------------------------------------

  /**
   * Where a diagnostic about an IR object goes: the head (keyword and arguments) of the statement
   * its range starts at, or the range itself when no statement starts there.
   */
  head(range: TextRange): TextRange {
    const s = this.src.statementAt(range.start);
    return s ? this.src.head(s) : range;
  }

  /** The first non-empty range (IR objects made from defaults have empty ranges). */
  firstRange(...ranges: (TextRange | undefined)[]): TextRange {
    for (const r of ranges) if (r && r.end > r.start) return r;
    return ranges.find((r) => r !== undefined) ?? { start: 0, end: 0 };
  }

  /** The statement at `path` as this scenario sees it (the variant's override first). */
  stmt(path: Path): Statement | undefined {
    return this.src.findEffective(path, this.variant);
  }

  /** The head of the statement at `path`, or `fallback` when it is not written. */
  rangeOf(path: Path, fallback: TextRange): TextRange {
    const s = this.stmt(path);
    return s ? this.src.head(s) : this.head(fallback);
  }

  /** Related information pointing at an IR object's statement head. */
  rel(range: TextRange, message: string): RelatedInfo {
    return { range: this.head(range), message };
  }

  // ---- fixes -------------------------------------------------------------------------------

  /**
   * A fix that sets `kw value` in the block at `owner`: replaces the arguments when the setting is
   * written in this scope, otherwise adds it to the block (in a variant: to the variant's override
   * of the block, created as nested one-line blocks when the variant does not have it yet).
   */
  setSetting(owner: Path, kw: string, value: string, title: string, preferred = false): Fix | undefined {
    return this.fix(title, [this.settingEdit(owner, kw, value)], preferred);
  }

  settingEdit(owner: Path, kw: string, value: string): TextEdit | undefined {
    const existing = this.src.find([...owner, { kw }], this.variant);
    if (existing) return this.src.replaceArgs(existing, value);
    return this.addChildEdit(owner, `${kw} ${value}`);
  }

  /**
   * An edit that adds a new statement (`text`, possibly a block) to the block at `owner`, in this
   * scope: in a variant, inside the variant's override of `owner` (created when missing).
   */
  addChildEdit(owner: Path, text: string): TextEdit | undefined {
    if (this.variant === undefined) {
      const o = this.src.find(owner);
      return o ? this.src.insertChild(o, text) : undefined;
    }
    const v = this.src.variant(this.variant);
    if (!v) return undefined;
    const { stmt, depth } = this.src.deepest(owner, this.variant);
    return this.src.insertChild(stmt ?? v, nestText(owner.slice(depth), text));
  }

  /**
   * Edits that set several settings of one block at once: written ones get new arguments, the
   * others are added together as one statement list, so a variant gets one override block.
   */
  settingsEdits(owner: Path, pairs: readonly (readonly [string, string])[]): (TextEdit | undefined)[] {
    const edits: (TextEdit | undefined)[] = [];
    const added: string[] = [];
    for (const [kw, value] of pairs) {
      const existing = this.src.find([...owner, { kw }], this.variant);
      if (!existing) added.push(`${kw} ${value}`);
      // Already what the fix wants: leave it alone.
      else if (this.src.slice(this.src.head(existing)) !== `${kw} ${value}`) edits.push(this.src.replaceArgs(existing, value));
    }
    if (added.length) edits.push(this.addChildEdit(owner, added.join('; ')));
    return edits;
  }

  /** An edit that removes the statement at `path` if this scope writes it. */
  deleteEdit(path: Path): TextEdit | undefined {
    const s = this.src.find(path, this.variant);
    return s ? this.src.deleteStatement(s) : undefined;
  }

  /** A fix made of edits computed by the check; dropped later if it leaves its scope. */
  fix(title: string, edits: (TextEdit | undefined)[], preferred = false): Fix | undefined {
    if (edits.length === 0 || edits.some((e) => e === undefined)) return undefined;
    const list = edits as TextEdit[];
    // Two edits on the same spot (say, two overrides created in one variant) would produce a
    // block declared twice; such a fix is not mechanical enough to offer.
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i].range;
        const b = list[j].range;
        if ((a.start < b.end && b.start < a.end) || a.start === b.start) return undefined;
      }
    }
    const f: Fix = { title, edits: list };
    if (preferred) f.preferred = true;
    return f;
  }
}
