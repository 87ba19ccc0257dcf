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
import type { Scenario, Vm } from '../../model/ir';
import type { Statement } from '../../syntax/tree';
import { hazardCodeDocs, type HazardCode } from './codes';
import { nestText, statementKeys, type Path, type SourceIndex } from './source';
import { capRelated } from '../../model/util';

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

/** `code@start:end`: a diagnostic's identity when variants' diagnostics are merged. */
export const diagnosticKey = (code: string, range: TextRange): string => `${code}@${range.start}:${range.end}`;

export class HazardContext {
  readonly diagnostics: Diagnostic[] = [];
  /**
   * The VMs whose own hazards (those that depend on the VM alone, and on the run settings) are
   * checked. All of them for the base; for a variant, the VMs it changes: a VM the variant leaves
   * alone is the base's very object and raises exactly the base's diagnostics, which a variant
   * never repeats. Checks that compare VMs with each other (oversubscription, cpupools) look at
   * every VM of `scenario`.
   */
  readonly localVms: readonly Vm[];
  /**
   * The VMs whose hazards that depend on the other VMs and host loads on their pCPUs
   * (oversubscription) are checked: all of them for the base; for a variant, those it changes and
   * those whose pCPUs it changes the demand on. For every other VM the variant sees the base's
   * contenders with the base's demand, and raises exactly the base's diagnostics.
   */
  readonly crossVms: readonly Vm[];
  /**
   * The scenarios an edit in this scope changes too, and which a fix must leave valid: for the
   * base, every variant's; for a variant, those of the variants based on it (directly or through
   * others). A base fix that targets VP 3 is no fix if a variant shrinks the VM to 2 VPs.
   */
  get dependents(): readonly Scenario[] {
    return (this.dependentList ??= this.makeDependents?.() ?? []);
  }
  private dependentList: readonly Scenario[] | undefined;
  private readonly makeDependents: (() => readonly Scenario[]) | undefined;
  /** Variants: the keys (see {@link diagnosticKey}) this variant raised, in order. */
  readonly raised: string[] = [];
  /** Variants: the diagnostics built for keys nobody raised before, by key. */
  readonly built = new Map<string, Diagnostic>();
  private readonly relCache: Map<object, RelatedInfo>;

  constructor(
    readonly scenario: Scenario,
    readonly src: SourceIndex,
    /** Set when checking a variant (its merged scenario is `scenario`). */
    readonly variant?: string,
    opts: {
      /** Keys of diagnostics already raised (the base's, earlier variants'): not built again. */
      known?: { has(key: string): boolean };
      localVms?: readonly Vm[];
      crossVms?: readonly Vm[];
      /** Computes {@link dependents}, on first use (most checks never ask). */
      dependents?: () => readonly Scenario[];
      /**
       * The cache of {@link relOnce}, shared by contexts of the same scope and scenario (the base
       * checked VM by VM, analysis/static/reuse.ts), so that a contender's related information
       * is made once, not once per VM.
       */
      relCache?: Map<object, RelatedInfo>;
    } = {},
  ) {
    this.relCache = opts.relCache ?? new Map();
    this.known = opts.known;
    this.makeDependents = opts.dependents;
    this.localVms = opts.localVms ?? scenario.vms;
    this.crossVms = opts.crossVms ?? scenario.vms;
  }

  private readonly known: { has(key: string): boolean } | undefined;

  /**
   * Whether a diagnostic at (`code`, `range`) is worth building. In a variant, one that the base or
   * an earlier variant already raised is only recorded (the variant's name joins it), not built:
   * checks call this before they compose messages, related information and fixes.
   */
  wants(code: HazardCode, range: TextRange): boolean {
    if (this.variant === undefined) return true;
    const k = diagnosticKey(code, range);
    if (this.known?.has(k) || this.built.has(k)) {
      this.raised.push(k);
      return false;
    }
    return true;
  }

  report(code: HazardCode, r: HazardReport): void {
    if (this.variant !== undefined) {
      // A check that did not ask `wants` first: the same rule, after the fact.
      if (!this.wants(code, r.range)) return;
      const k = diagnosticKey(code, r.range);
      this.raised.push(k);
      this.built.set(k, this.make(code, r));
      return;
    }
    this.diagnostics.push(this.make(code, r));
  }

  private make(code: HazardCode, r: HazardReport): Diagnostic {
    const fixes = (r.fixes ?? []).filter((f): f is Fix => f !== undefined && f.edits.length > 0 && this.inScope(f.edits));
    const d: Diagnostic = {
      severity: r.severity ?? hazardCodeDocs[code].severity,
      code,
      message: r.message,
      range: r.range,
    };
    // Implicit defaults have empty ranges: nothing to point at. (The list is copied only when
    // something is left out: diagnostics may share one, like the rest of their data, read-only.)
    const rel = r.related;
    const related = rel && rel.every((x) => x.range.end > x.range.start) ? rel : (rel ?? []).filter((x) => x.range.end > x.range.start);
    if (related.length) d.related = capRelated(related);
    if (fixes.length) d.fixes = fixes;
    if (r.tags?.length) d.tags = r.tags;
    return d;
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

  /**
   * Related information about `key` (an IR object or a shared analysis result), made once per
   * context: the same object may then appear in many diagnostics (read-only, like all of them).
   */
  relOnce(key: object, make: () => RelatedInfo): RelatedInfo {
    const r = this.relCache.get(key);
    if (r) return r;
    const made = make();
    this.relCache.set(key, made);
    return made;
  }

  /** The related information `relOnce` made for `key`, if any. */
  cachedRel(key: object): RelatedInfo | undefined {
    return this.relCache.get(key);
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
    const existing = this.src.find(owner.concat({ kw }), this.variant);
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
      const existing = this.src.find(owner.concat({ kw }), this.variant);
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
    const list = mergeInsertions(edits as TextEdit[]);
    // Two edits on the same spot that could not be merged (say, two overrides of the same block
    // created in one variant) would produce a block declared twice; such a fix is not mechanical
    // enough to offer.
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

/** Text an insertion before a block's first statement ends with (`insertChild`): `; ` or a line break and indentation. */
const BEFORE_FIRST = /(?:; |\r?\n[ \t]*)$/;

/**
 * Merges insertions at one offset before a block's first statement into one edit, in order, when
 * no two of them write the same statement (in a variant: `host { pool ... }` and `vm b { ... }`,
 * both new). The editor then applies one insertion instead of several at the same spot, whose
 * order clients may not keep. Anything else at one offset is left alone (and refused by `fix`).
 */
function mergeInsertions(edits: TextEdit[]): TextEdit[] {
  if (edits.length < 2) return edits;
  const out: TextEdit[] = [];
  const keys: (Set<string> | undefined)[] = [];
  for (const e of edits) {
    const mine = e.range.start === e.range.end && BEFORE_FIRST.test(e.newText) ? statementKeys(e.newText) : undefined;
    const k = mine ? out.findIndex((o, j) => keys[j] !== undefined && o.range.start === e.range.start) : -1;
    if (k >= 0 && mine && ![...mine].some((x) => keys[k]!.has(x))) {
      out[k] = { range: out[k].range, newText: out[k].newText + e.newText };
      for (const x of mine) keys[k]!.add(x);
    } else {
      out.push(e);
      keys.push(mine);
    }
  }
  return out;
}
