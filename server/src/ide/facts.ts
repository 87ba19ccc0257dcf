/**
 * Facts about the scenario that completion and hover need and the analysis does not hand out
 * directly: how many vCPUs a VM has (in the base or a variant), how many pCPUs the host has, in
 * which VM / controller / variant a declaration sits, and which statements configure the same
 * thing across the base and the variants. Computed from the tree once per analysis.
 */
import { BOOL_WORDS, resolveStatement } from '../model/schema';
import { analysisMemo, forEachDecl, type SymbolDecl } from '../model/analysisTypes';
import type { SymbolKind } from '../model/schemaTypes';
import type { Statement } from '../syntax/tree';
import { forEachStatementIn, lastStartingAt } from '../syntax/walk';
import type { IdeDocument } from './document';
import { argName } from './schemaInfo';

/** Where a statement sits: the VM, StorVSP controller and variant around it. */
export interface Placement {
  vm?: string;
  controller?: string;
  variant?: string;
}

export interface StatementFacts {
  /** Placement of every statement, by the statement's start offset. */
  placement: { get(start: number): Placement | undefined };
  /**
   * Statements by override key: the path of keywords and names without the `variant NAME`
   * wrapper (`vm web/openhcl/io_uring_cancel`), in document order. A variant statement shares
   * its key with the base statement it overrides.
   */
  byKey: { get(key: string): { statement: Statement; variant?: string }[] | undefined };
  /** The key of each statement, by the statement object. */
  keyOf: { get(stmt: Statement): string | undefined };
  /** vCPUs per VM name: `base` and per variant override. */
  vcpus: Map<string, { base?: number; variants: Map<string, number> }>;
  pcpus: { base?: number; variants: Map<string, number> };
}

/**
 * The facts of one top-level statement and its descendants. They depend on nothing outside it, so
 * they are kept per statement object: the incremental parse keeps the object of a top-level
 * statement an edit did not touch (its offsets shifted in place), and a new version's facts are
 * those of its top-level statements, most of them already made. Offsets are relative to the
 * statement's start.
 */
interface BlockFacts {
  /** Placement by start offset minus the top-level statement's start. */
  placement: Map<number, Placement>;
  byKey: Map<string, { statement: Statement; variant?: string }[]>;
  keyOf: Map<Statement, string>;
  /** `vcpus N` of a `vm` block: [vm, variant, N], in document order. */
  vcpus: [string, string | undefined, number][];
  /** `pcpus N` of a `host` block: [variant, N], in document order. */
  pcpus: [string | undefined, number][];
  /**
   * The keys of statements whose key is not under another's (a top-level statement, a block of a
   * variant, the child of a statement with an empty key): every key of the block starts with one
   * of them.
   */
  roots: Set<string>;
}

const blockCache = new WeakMap<Statement, BlockFacts>();

function firstNumber(s: Statement): number | undefined {
  const a = s.args[0];
  return a?.type === 'number' && !a.missing && Number.isFinite(a.value) ? a.value : undefined;
}

function blockFacts(top: Statement): BlockFacts {
  const hit = blockCache.get(top);
  if (hit) return hit;
  const facts: BlockFacts = { placement: new Map(), byKey: new Map(), keyOf: new Map(), vcpus: [], pcpus: [], roots: new Set() };
  const origin = top.start;
  // Per depth, kept in step with `parents`: the spec id, the override key and the placement of
  // the statement at that depth (so each statement costs O(1), not O(depth)).
  const specIds: (string | undefined)[] = [];
  const keys: string[] = [];
  const places: Placement[] = [];
  forEachStatementIn([top], (s, parents) => {
    const d = parents.length;
    const parentId = d === 0 ? 'file' : specIds[d - 1];
    const spec = parentId !== undefined && !s.keyword.missing ? resolveStatement(s.keyword.name, parentId) : undefined;
    specIds[d] = spec?.id;
    const up = d === 0 ? {} : places[d - 1];
    const name = argName(s.args[0]);
    let p: Placement = up;
    if (d === 0 && s.keyword.name === 'variant') p = { variant: name };
    else if (s.keyword.name === 'vm' && s.body) p = { ...up, vm: name };
    else if (s.keyword.name === 'storvsp' && s.body) p = { ...up, controller: name };
    places[d] = p;
    facts.placement.set(s.start - origin, up);
    // Named blocks are told apart by name (`vm web`); a mode argument (`boost dynamic`) is a
    // value that a variant may change, not part of the path. The key drops the variant wrapper,
    // so `variant v { vm a { x } }` matches `vm a { x }`.
    const part = spec?.args[0]?.type.kind === 'name' && name !== undefined ? `${s.keyword.name} ${name}` : s.keyword.name;
    const parentKey = d === 0 || (d === 1 && parents[0].keyword.name === 'variant') ? '' : keys[d - 1];
    const key = parentKey ? `${parentKey}/${part}` : part;
    keys[d] = key;
    if (!(s.keyword.name === 'variant' && d === 0)) {
      if (!parentKey) facts.roots.add(key);
      facts.keyOf.set(s, key);
      const list = facts.byKey.get(key);
      if (list) list.push({ statement: s, variant: up.variant });
      else facts.byKey.set(key, [{ statement: s, variant: up.variant }]);
    }
    if (s.keyword.name === 'vcpus' && d > 0 && parents[d - 1].keyword.name === 'vm' && up.vm !== undefined) {
      const n = firstNumber(s);
      if (n !== undefined) facts.vcpus.push([up.vm, up.variant, n]);
    }
    if (s.keyword.name === 'pcpus' && d > 0 && parents[d - 1].keyword.name === 'host') {
      const n = firstNumber(s);
      if (n !== undefined) facts.pcpus.push([up.variant, n]);
    }
  });
  blockCache.set(top, facts);
  return facts;
}

/**
 * The facts of a document: those of its top-level statements (each made once per statement
 * object, see `BlockFacts`), looked up per statement or key; only the vCPU and pCPU counts are
 * gathered across them, in document order.
 */
export function statementFacts(doc: IdeDocument): StatementFacts {
  const memo = analysisMemo(doc.analysis);
  return (memo.facts ??= new DocFacts(doc.analysis.parse.file.statements)) as StatementFacts;
}

/**
 * `StatementFacts` over the top-level statements' `BlockFacts`. A class, not an object literal
 * with getters: see `LazyParseResult` in syntax/incremental.ts for why.
 */
class DocFacts implements StatementFacts {
  readonly placement: { get(start: number): Placement | undefined };
  readonly byKey: { get(key: string): { statement: Statement; variant?: string }[] | undefined };
  readonly keyOf: { get(stmt: Statement): string | undefined };
  private readonly top: readonly Statement[];
  /** The facts of each top-level statement, made on first use (`block`). */
  private readonly blocks: (BlockFacts | undefined)[];
  private counts: Pick<StatementFacts, 'vcpus' | 'pcpus'> | undefined;
  private byPartMap: Map<string, number[]> | undefined;

  constructor(top: readonly Statement[]) {
    this.top = top;
    // Made per block on first use: a completion of a pool's name right after an edit of a VM
    // reads the host's facts only, and the edited VM's would be made (and kept) for nothing.
    this.blocks = new Array(top.length);
    this.counts = undefined;
    this.byPartMap = undefined;
    this.placement = new PlacementView(this);
    this.byKey = new ByKeyView(this);
    this.keyOf = new KeyOfView(this);
  }

  get vcpus(): StatementFacts['vcpus'] {
    return this.gather().vcpus;
  }

  get pcpus(): StatementFacts['pcpus'] {
    return this.gather().pcpus;
  }

  /** The facts of the `k`th top-level statement. */
  private block(k: number): BlockFacts {
    return (this.blocks[k] ??= blockFacts(this.top[k]));
  }

  /** The counts across blocks, made on first use (a completion of a name needs none). */
  private gather(): Pick<StatementFacts, 'vcpus' | 'pcpus'> {
    if (this.counts) return this.counts;
    const vcpus = new Map<string, { base?: number; variants: Map<string, number> }>();
    const pcpus: StatementFacts['pcpus'] = { variants: new Map() };
    for (let k = 0; k < this.top.length; k++) {
      const b = this.block(k);
      for (const [vm, variant, n] of b.vcpus) {
        const v = vcpus.get(vm) ?? { base: undefined, variants: new Map<string, number>() };
        if (variant !== undefined) v.variants.set(variant, n);
        else v.base ??= n;
        vcpus.set(vm, v);
      }
      for (const [variant, n] of b.pcpus) {
        if (variant !== undefined) pcpus.variants.set(variant, n);
        else pcpus.base ??= n;
      }
    }
    return (this.counts = { vcpus, pcpus });
  }

  /** The top-level statement holding `offset` (by start: top-level statements do not overlap). */
  private blockAt(offset: number): number {
    return lastStartingAt(this.top, offset);
  }

  /**
   * Which blocks can hold a key: every key starts with one of its block's roots (`vm web`,
   * `host`; inside a variant, the variant's blocks). Blocks by their roots, so that a lookup
   * reads only the blocks it can hit. Made on the first lookup by key (a completion of a name
   * right after an edit makes none).
   */
  private byPart(): Map<string, number[]> {
    if (this.byPartMap) return this.byPartMap;
    const m = new Map<string, number[]>();
    for (let k = 0; k < this.top.length; k++) {
      for (const part of this.block(k).roots) {
        const list = m.get(part);
        if (!list) m.set(part, [k]);
        else if (list[list.length - 1] !== k) list.push(k);
      }
    }
    return (this.byPartMap = m);
  }

  placementAt(start: number): Placement | undefined {
    const k = this.blockAt(start);
    return k < 0 ? undefined : this.block(k).placement.get(start - this.top[k].start);
  }

  statementsWithKey(key: string): { statement: Statement; variant?: string }[] | undefined {
    // The blocks registered under a prefix of the key that ends at a `/` (a name may hold
    // one, so every such prefix is tried), or under the key itself; in document order.
    const parts = this.byPart();
    let ks: number[] = parts.get(key) ?? [];
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      const more = parts.get(key.slice(0, i));
      if (more) ks = ks.concat(more);
    }
    if (ks.length > 1) ks = [...new Set(ks)].sort((a, b) => a - b);
    let out: { statement: Statement; variant?: string }[] | undefined;
    for (const k of ks) {
      const list = this.block(k).byKey.get(key);
      if (list) out = out ? out.concat(list) : list;
    }
    return out;
  }

  keyOfStatement(stmt: Statement): string | undefined {
    const k = this.blockAt(stmt.start);
    return k < 0 ? undefined : this.block(k).keyOf.get(stmt);
  }
}

class PlacementView {
  constructor(private readonly facts: DocFacts) {}
  get(start: number): Placement | undefined {
    return this.facts.placementAt(start);
  }
}

class ByKeyView {
  constructor(private readonly facts: DocFacts) {}
  get(key: string): { statement: Statement; variant?: string }[] | undefined {
    return this.facts.statementsWithKey(key);
  }
}

class KeyOfView {
  constructor(private readonly facts: DocFacts) {}
  get(stmt: Statement): string | undefined {
    return this.facts.keyOfStatement(stmt);
  }
}

/** vCPUs of VM `vm` as seen from `variant` (the variant's override, else the base). */
export function vcpusOf(doc: IdeDocument, vm: string | undefined, variant?: string): number | undefined {
  if (vm === undefined) return undefined;
  const v = statementFacts(doc).vcpus.get(vm);
  if (!v) return undefined;
  return (variant !== undefined ? v.variants.get(variant) : undefined) ?? v.base;
}

export function pcpusOf(doc: IdeDocument, variant?: string): number | undefined {
  const p = statementFacts(doc).pcpus;
  return (variant !== undefined ? p.variants.get(variant) : undefined) ?? p.base;
}

export function placementOf(doc: IdeDocument, decl: Pick<SymbolDecl, 'range'>): Placement {
  return statementFacts(doc).placement.get(decl.range.start) ?? {};
}

/** Kinds declared inside a VM (visible only within the same VM). */
const VM_LOCAL: ReadonlySet<SymbolKind> = new Set(['task', 'controller', 'disk', 'nic', 'lock', 'thread', 'parallel', 'ioload', 'intercept', 'irq']);

/**
 * Declarations a reference of `kind` written at a place may name: file-level kinds anywhere;
 * VM-local kinds in the same VM; disks of the given controller. The base's declarations are
 * visible in every variant, a variant's own additions only in that variant. One per name.
 */
export function visibleDecls(doc: IdeDocument, kind: SymbolKind, at: Placement, controller?: string): SymbolDecl[] {
  const seen = new Set<string>();
  const out: SymbolDecl[] = [];
  // Without the symbol table when it is not made yet (right after a keystroke): the names kept
  // per top-level statement (model/symbols.ts, `forEachDeclaration`).
  forEachDecl(doc.analysis, (d) => {
    if (d.kind !== kind || seen.has(d.name)) return;
    const p = placementOf(doc, d);
    if (p.variant !== undefined && p.variant !== at.variant) return;
    if (VM_LOCAL.has(kind) && p.vm !== at.vm) return;
    if (kind === 'disk' && controller !== undefined && p.controller !== controller) return;
    seen.add(d.name);
    out.push(d);
  });
  return out;
}

/** The value of a bool word, or undefined. */
export function boolWord(word: string): boolean | undefined {
  return Object.prototype.hasOwnProperty.call(BOOL_WORDS, word) ? BOOL_WORDS[word] : undefined;
}
