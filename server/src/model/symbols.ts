/**
 * The symbol table: every declared name and every reference, with exact ranges, for the
 * checker (unknown and duplicate names) and for go-to-definition, references and rename.
 *
 * Scopes (the `scope` string of a declaration or reference):
 * - `''` (file-wide): pools, host loads, VMs, variants.
 * - `vm:NAME`: what lives inside one VM: tasks, StorVSP controllers, NetVSP NICs, guest locks,
 *   threads, parallel regions, ioloads, intercepts and irqs. Two VMs may reuse a name.
 * - `vm:NAME/storvsp:CTRL`: disks, per controller (`disk_io scsi0 os` names the controller and
 *   then a disk of that controller).
 * Names are unique per (kind, scope): a `task x` and a `thread x` in one VM do not clash.
 *
 * Variants: a named block written inside `variant V` is a declaration with `variant: V`. When the
 * base has a declaration of the same (kind, scope, name), the variant's one is an *override* of
 * it, the same entity: rename changes both (see {@link occurrencesOf}). References inside a
 * variant resolve to the variant's own declarations first, then to the base. The implicit pool
 * `Pool-0` has no declaration: references to it are valid and have no target.
 */
import type { TextRange } from '../core/text';
import type { SourceFile, Statement } from '../syntax/tree';
import type { SymbolDecl, SymbolRef, SymbolTable } from './analysisTypes';
import type { StatementSpec, SymbolKind } from './schemaTypes';
import { Codes } from './codes';
import { resolve, type Place, type Resolution } from './resolve';
import { DEFAULT_POOL } from './schema';
import type { AnalysisReuse } from './reuse';
import { closeMatches, DiagSink, didYouMean, replaceFixes } from './util';

/** Kinds whose scope is the whole file. */
const FILE_SCOPED: ReadonlySet<SymbolKind> = new Set(['pool', 'load', 'vm', 'variant']);

const KIND_LABEL: Record<SymbolKind, string> = {
  pool: 'pool',
  load: 'host load',
  vm: 'VM',
  task: 'task',
  controller: 'StorVSP controller',
  disk: 'disk',
  nic: 'NIC',
  lock: 'lock',
  thread: 'thread',
  parallel: 'parallel region',
  ioload: 'ioload',
  intercept: 'intercept',
  irq: 'irq',
  variant: 'variant',
};

export function kindLabel(k: SymbolKind): string {
  return KIND_LABEL[k];
}

/** The name an argument gives, if any. */
function argText(stmt: Statement, index: number): string | undefined {
  const a = stmt.args[index];
  if (!a || a.missing) return undefined;
  if (a.type === 'ident') return a.name;
  if (a.type === 'string') return a.value;
  return undefined;
}

/** The key of a name in its namespace (kind, scope and variant; the base is `''`). */
function nsKey(variant: string | undefined, kind: SymbolKind, scope: string, name: string): string {
  return `${variant === undefined || variant === '' ? kind : `${kind}\u0000${variant}`}\u0000${scope}\u0000${name}`;
}

/** The key of a name whatever the variant (kind, scope, name). */
function anyVariantKey(kind: SymbolKind, scope: string, name: string): string {
  return `${kind}\u0000${scope}\u0000${name}`;
}

/**
 * The first declaration of each name, per kind, scope and variant, in one map. The keys of the
 * declarations and references of a top-level statement are made once with its `BlockSymbols`
 * and kept with them.
 */
class Namespaces {
  private readonly first = new Map<string, number>();
  /** Names (kind, scope, name) that at least one variant declares. */
  private readonly overridden = new Set<string>();

  /** Whether some variant declares the name of `anyKey` (`anyVariantKey`; otherwise only the base can). */
  inSomeVariant(anyKey: string): boolean {
    return this.overridden.has(anyKey);
  }

  /** Index of the first declaration of the name of `key` (`nsKey`) in its namespace. */
  get(key: string): number | undefined {
    return this.first.get(key);
  }

  /** Records a declaration (`anyKey` given when in a variant); the index of the first one of the same name, if there was one. */
  add(key: string, anyKey: string | undefined, decl: number): number | undefined {
    if (anyKey !== undefined) this.overridden.add(anyKey);
    const first = this.first.get(key);
    if (first === undefined) this.first.set(key, decl);
    return first;
  }
}

/** The names declared in a namespace, in order (for suggestions; only unknown names need them). */
function namesIn(decls: readonly SymbolDecl[], variant: string | undefined, kind: SymbolKind, scope: string): string[] {
  const v = variant ?? '';
  const out: string[] = [];
  for (const d of decls) if (d.kind === kind && d.scope === scope && (d.variant ?? '') === v) out.push(d.name);
  return out;
}

/** A reference as one top-level statement makes it, before the file's names are known. */
interface RawRef {
  kind: SymbolKind;
  name: string;
  range: TextRange;
  scope: string;
  variant: string | undefined;
  /** `remove KEYWORD NAME`: removing what does not exist is the merge's error, not this one's. */
  remove: boolean;
  /** `nsKey` in the base, and `anyVariantKey` (for references in a variant). */
  key: string;
  anyKey: string;
  /** The table's entry (its `target` set by each version's pass, its range moved in place). */
  ref: SymbolRef;
  /**
   * A disk named after its controller (`disk_io scsi0 os`): the index, among its block's
   * references, of that controller's reference; the disk counts only when the controller
   * resolves (otherwise the controller's error says it all). -1 for every other reference.
   */
  needs: number;
}

/**
 * What one top-level statement declares and refers to (kept for the next version of the
 * document, model/reuse.ts): everything about a name but what it resolves to, which depends on
 * the whole file. Offsets are those of `at`, the statement's start when this was made.
 */
interface BlockSymbols {
  /**
   * Where the statement started when its declarations' and references' ranges were last moved:
   * those range objects are the ones the tables hand out, shifted in place to the statement's
   * new start when a later version reuses them (no new objects per version; an older version's
   * table is stale anyway, its tree having been shifted by the incremental parse).
   */
  at: number;
  /** `[variant, the variant its based_on names]`, in document order. */
  basedOn: [string, string][];
  decls: RawDecl[];
  refs: RawRef[];
}

/** A declaration as one top-level statement makes it, with its keys (`nsKey`, and `anyVariantKey` in a variant). */
interface RawDecl {
  decl: SymbolDecl;
  key: string;
  anyKey: string | undefined;
}

/** The names of the statements `res.statements[from, to)` (one top-level statement and its descendants). */
function blockSymbols(res: Resolution, scopes: ScopeCache, from: number, to: number): BlockSymbols {
  const resolved = res.statements;
  const out: BlockSymbols = { at: resolved[from].node.start, basedOn: [], decls: [], refs: [] };
  // (Index loops: this runs over every statement of a new block, often before it is optimized,
  // where `for...of` allocates an iterator result per element.)
  for (let i = from; i < to; i++) {
    const rs = resolved[i];
    const spec = rs.spec;
    if (!spec) continue;
    if (spec.id === 'variant.based_on' && rs.variant !== undefined) {
      const parent = argText(rs.node, 0);
      if (parent !== undefined) out.basedOn.push([rs.variant, parent]);
    }
    const shape = shapeOf(spec);
    if (shape.name >= 0) {
      const kind = shape.declares!;
      const name = argText(rs.node, shape.name);
      const scope = name === undefined ? undefined : scopes.scopeOf(rs.node, kind);
      if (name !== undefined && scope !== undefined) {
        const a = rs.node.args[shape.name];
        const decl: SymbolDecl = { kind, name, nameRange: { start: a.start, end: a.end }, range: { start: rs.node.start, end: rs.node.end }, scope };
        // A variant's own name is a file-level declaration, not an override.
        const variant = kind === 'variant' ? undefined : rs.variant;
        if (variant !== undefined) decl.variant = variant;
        out.decls.push({ decl, key: nsKey(variant, kind, scope, name), anyKey: variant !== undefined && variant !== '' ? anyVariantKey(kind, scope, name) : undefined });
      }
    }
    if (shape.refs.length === 0) continue;
    let controller: string | undefined;
    let controllerRef = -1;
    for (const k of shape.refs) {
      const as = spec.args[k];
      if (as.type.kind !== 'ref') continue;
      const name = argText(rs.node, k);
      if (name === undefined) continue;
      let kind = as.type.to;
      // `remove KEYWORD NAME`: the keyword says what kind of name it is.
      if (as.refKinds) {
        const kw = argText(rs.node, as.refKinds.arg);
        const byKw = kw === undefined ? undefined : as.refKinds.kinds[kw];
        if (byKw === undefined) continue;
        kind = byKw;
      }
      let scope = scopes.scopeOf(rs.node, kind);
      let needs = -1;
      if (kind === 'disk' && !as.refKinds) {
        if (controller === undefined) continue; // reported on the controller
        scope = scopes.controllerScope(scope!, controller);
        needs = controllerRef;
      }
      if (scope === undefined) continue;
      const a = rs.node.args[k];
      if (kind === 'controller') {
        controller = name;
        controllerRef = out.refs.length;
      }
      const range = { start: a.start, end: a.end };
      out.refs.push({ kind, name, range, scope, variant: rs.variant, remove: !!as.refKinds, needs, key: nsKey(undefined, kind, scope, name), anyKey: anyVariantKey(kind, scope, name), ref: { kind, name, range, scope } });
    }
  }
  return out;
}

/** Moves the ranges of a block's declarations and references to where the statement starts now. */
function moveBlock(b: BlockSymbols, start: number): void {
  const delta = start - b.at;
  if (delta === 0) return;
  for (let i = 0; i < b.decls.length; i++) {
    const d = b.decls[i].decl;
    moveRange(d.nameRange, delta);
    moveRange(d.range, delta);
  }
  for (let i = 0; i < b.refs.length; i++) moveRange(b.refs[i].range, delta);
  b.at = start;
}

function moveRange(r: TextRange, delta: number): void {
  r.start += delta;
  r.end += delta;
}

/**
 * Calls `fn` with every declaration of the file, in the order of the symbol table's `decls` (the
 * same objects), without making the table: each top-level statement's names are those kept for
 * it in `reuse` (model/reuse.ts), made for the ones an edit parsed again from their resolution
 * alone (kept too, for the table when something asks for it). A completion of a name right after
 * a keystroke needs the declarations only: the table would resolve every statement of the file
 * and make its declaration and reference lists again (about 100 KB per version at 5,000 lines,
 * BENCHMARKS.md, "Name completion after an edit").
 */
export function forEachDeclaration(file: SourceFile, reuse: AnalysisReuse, fn: (d: SymbolDecl) => void): void {
  const cache = reuse.symbols as WeakMap<Statement, BlockSymbols>;
  const top = file.statements;
  for (let k = 0; k < top.length; k++) {
    const stmt = top[k];
    let b = cache.get(stmt);
    if (!b) {
      b = topLevelSymbols(stmt, k + 1 < top.length ? top[k + 1].id : file.statementCount, reuse);
      cache.set(stmt, b);
    } else moveBlock(b, stmt.start);
    for (let i = 0; i < b.decls.length; i++) fn(b.decls[i].decl);
  }
}

/**
 * The names of one top-level statement from its resolution alone (that of a file holding only
 * it: a top-level block's resolution and names depend on nothing outside it, model/reuse.ts;
 * the resolution is kept in `reuse` as a whole file's resolution would keep it). `endId`: the id
 * of the next top-level statement (statement ids are in pre-order, so the block's are
 * `[stmt.id, endId)`).
 */
function topLevelSymbols(stmt: Statement, endId: number, reuse: AnalysisReuse): BlockSymbols {
  const one: SourceFile = { type: 'file', start: stmt.start, end: stmt.end, statements: [stmt], statementCount: Math.max(1, endId - stmt.id), comments: [] };
  const res = resolve(one, new DiagSink(), reuse);
  return blockSymbols(res, new ScopeCache(res), 0, res.statements.length);
}

const copy = (r: TextRange): TextRange => ({ start: r.start, end: r.end });

/**
 * What the declarations pass of the last version gave (kept in `AnalysisReuse.names`): the blocks
 * in order, the first declaration of each name, and the duplicates (`[index, index of the
 * first]`). A version whose blocks declare the same keys in the same order (an edit that
 * changed no declaration) has the same indexes, so these are its own.
 */
interface DeclPass {
  blocks: BlockSymbols[];
  spaces: Namespaces;
  dups: [number, number][];
}

/** Whether the blocks declare the same keys, in the same order, as those of `prev`. */
function sameDeclarations(prev: readonly BlockSymbols[], blocks: readonly BlockSymbols[]): boolean {
  if (prev.length !== blocks.length) return false;
  for (let k = 0; k < blocks.length; k++) {
    const a = prev[k].decls;
    const b = blocks[k].decls;
    if (a === b) continue;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i].key !== b[i].key || a[i].anyKey !== b[i].anyKey) return false;
  }
  return true;
}

/**
 * Builds the table and reports duplicate declarations and unresolved references. Unknown pools
 * are left to the lowering, which knows the host and can offer "create pool X". With `reuse`
 * (one object per document), what each top-level statement declares and refers to is taken from
 * an earlier version's analysis when the statement is unchanged (model/reuse.ts); the names are
 * resolved across the file every time.
 */
export function buildSymbols(res: Resolution, diags: DiagSink, reuse?: AnalysisReuse): SymbolTable {
  const scopes = new ScopeCache(res);
  const cache = reuse?.symbols as WeakMap<Statement, BlockSymbols> | undefined;

  // The parts of every top-level statement, their ranges moved to where it is now.
  const blocks: BlockSymbols[] = [];
  let nDecls = 0;
  let nRefs = 0;
  const tops = res.tops;
  for (let k = 0; k + 1 < tops.length; k++) {
    const stmt = res.statements[tops[k]].node;
    let b = cache?.get(stmt);
    if (!b) {
      b = blockSymbols(res, scopes, tops[k], tops[k + 1]);
      cache?.set(stmt, b);
    } else moveBlock(b, stmt.start);
    blocks.push(b);
    nDecls += b.decls.length;
    nRefs += b.refs.length;
  }
  // Made at their size (not grown by pushes: less garbage per keystroke).
  const decls: SymbolDecl[] = new Array(nDecls);
  const refs: SymbolRef[] = new Array(nRefs);
  let di = 0;
  let ri = 0;
  // What each variant is `based_on`, to resolve its references through the chain.
  const basedOn = new Map<string, string>();
  for (const b of blocks) for (const [v, parent] of b.basedOn) if (!basedOn.has(v)) basedOn.set(v, parent);
  /**
   * A variant and those it builds on, nearest first (a cycle is cut where it closes), at most
   * `max` of them (the names offered when a reference is unknown).
   */
  const variantChain = (variant: string, max = 50): string[] => {
    const out = [variant];
    const seen = new Set(out);
    for (let p = basedOn.get(variant); p !== undefined && !seen.has(p) && out.length < max; p = basedOn.get(p)) {
      out.push(p);
      seen.add(p);
    }
    return out;
  };
  /**
   * The declaration a variant's reference resolves to through its `based_on` chain (its own
   * first, then those it builds on), memoized per variant and name: a chain of N variants that
   * each refer to a name costs O(N), not O(N^2).
   */
  const resolved1 = new Map<string, number>();
  const lookupInChain = (variant: string, kind: SymbolKind, scope: string, name: string, anyKey: string): number | undefined => {
    if (!spaces.inSomeVariant(anyKey)) return undefined;
    const path: string[] = [];
    const seen = new Set<string>();
    let found = -1;
    for (let v: string | undefined = variant; v !== undefined && !seen.has(v); v = basedOn.get(v)) {
      const key = `${v}\u0000${kind}\u0000${scope}\u0000${name}`;
      const m = resolved1.get(key);
      if (m !== undefined) {
        found = m;
        break;
      }
      seen.add(v);
      path.push(key);
      const t = spaces.get(nsKey(v, kind, scope, name));
      if (t !== undefined) {
        found = t;
        break;
      }
    }
    for (const k of path) resolved1.set(k, found);
    return found < 0 ? undefined : found;
  };
  // Pass 1: declarations, in document order (the last version's namespaces when the same keys
  // are declared in the same order: then every index is the same).
  const prev = reuse?.names as DeclPass | undefined;
  const again = prev !== undefined && sameDeclarations(prev.blocks, blocks);
  const spaces = again ? prev.spaces : new Namespaces();
  const dups: [number, number][] = again ? prev.dups : [];
  for (let bi = 0; bi < blocks.length; bi++) {
    const list = blocks[bi].decls;
    for (let i = 0; i < list.length; i++) {
      const raw = list[i];
      if (!again) {
        const first = spaces.add(raw.key, raw.anyKey, di);
        if (first !== undefined) dups.push([di, first]);
      }
      decls[di++] = raw.decl;
    }
  }
  if (reuse) reuse.names = { blocks, spaces, dups } satisfies DeclPass;
  for (const [i, first] of dups) {
    const decl = decls[i];
    const f = decls[first];
    diags.error(Codes.duplicateName, `${cap(kindLabel(decl.kind))} \`${decl.name}\` is already declared${decl.scope ? ` in ${scopeLabel(decl.scope)}` : ''}; rename one of them.`, copy(decl.nameRange), {
      related: [{ range: copy(f.nameRange), message: `first declaration of \`${f.name}\`` }],
    });
  }

  // Pass 2: references.
  const found: boolean[] = [];
  for (let bi = 0; bi < blocks.length; bi++) {
    const list = blocks[bi].refs;
    found.length = 0;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      found.push(false);
      if (r.needs >= 0 && !found[r.needs]) continue; // a disk of an unknown controller: reported on the controller
      const { kind, name, scope, variant } = r;
      // The variant's own declarations first, then those of the variants it is based on, then the base.
      let target: number | undefined;
      if (variant !== undefined) target = lookupInChain(variant, kind, scope, name, r.anyKey);
      if (target === undefined) target = spaces.get(r.key);
      const ref = r.ref;
      ref.target = target;
      refs[ri++] = ref;
      found[i] = target !== undefined;
      // Removing what does not exist is the merge's error (it knows what each variant builds on).
      if (target === undefined && r.remove) continue;
      const range = copy(r.range);
      if (target === undefined && kind === 'variant') {
        unknownVariant(diags, decls, name, range, variant);
        continue;
      }
      if (target === undefined && kind !== 'pool') {
        const chain = variant !== undefined ? variantChain(variant) : [];
        const candidates = [...namesIn(decls, undefined, kind, scope), ...chain.flatMap((v) => namesIn(decls, v, kind, scope))];
        const m = closeMatches(name, candidates);
        const none = candidates.length === 0 ? ` No ${kindLabel(kind)} is declared${scope ? ` in ${scopeLabel(scope)}` : ''}${declareHint(kind)}.` : '';
        diags.error(Codes.unknownName, `Unknown ${kindLabel(kind)} \`${name}\`${scope ? ` in ${scopeLabel(scope)}` : ''}.${didYouMean(m)}${none}`, range, { fixes: replaceFixes(range, m) });
      }
    }
  }
  // (Disks of an unknown controller have no entry.)
  if (ri !== nRefs) refs.length = ri;
  return { decls, refs };
}

/** `based_on NAME` where no variant has that name: say which variants there are. */
function unknownVariant(diags: DiagSink, decls: readonly SymbolDecl[], name: string, range: TextRange, self: string | undefined): void {
  const names = decls.filter((d) => d.kind === 'variant' && d.name !== self).map((d) => d.name);
  const m = closeMatches(name, names);
  const listed = names.length ? ` The variants of this file: ${names.slice(0, 8).map((n) => `\`${n}\``).join(', ')}${names.length > 8 ? ', ...' : ''}.` : ' This file has no other variant.';
  diags.error(Codes.unknownName, `Unknown variant \`${name}\`: \`based_on\` names another variant of this file.${didYouMean(m)}${listed}`, range, {
    fixes: replaceFixes(range, m.length ? m : [...new Set(names)].slice(0, 5), 'the variant'),
  });
}

function declareHint(kind: SymbolKind): string {
  switch (kind) {
    case 'controller':
      return ' (declare one with `openhcl { storvsp NAME { disk NAME { latency ... } } }`)';
    case 'disk':
      return ' (declare one with `disk NAME { latency ... }` in the controller)';
    case 'lock':
      return ' (declare one with `lock NAME` in `guest`)';
    default:
      return '';
  }
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

/** `vm:web/storvsp:scsi0` -> "controller `scsi0` of VM `web`". */
export function scopeLabel(scope: string): string {
  const parts = scope.split('/');
  const vm = parts[0]?.startsWith('vm:') ? parts[0].slice(3) : undefined;
  const ctrl = parts[1]?.startsWith('storvsp:') ? parts[1].slice(8) : undefined;
  if (ctrl !== undefined) return `controller \`${ctrl}\` of VM \`${vm}\``;
  return `VM \`${vm}\``;
}

/**
 * Scope of a declaration or reference of `kind` made by `stmt` (see the module comment), or
 * undefined when the enclosing VM / controller has no usable name.
 */
export function scopeOf(res: Resolution, stmt: Statement, kind: SymbolKind): string | undefined {
  return new ScopeCache(res).scopeOf(stmt, kind);
}

/** Where a chain of enclosing statements puts names: its VM and controller, and their scopes. */
interface Enclosing {
  vm?: string;
  ctrl?: string;
  /** `vm:NAME`. */
  vmScope?: string;
  /** `vm:NAME/storvsp:CTRL`. */
  ctrlScope?: string;
}

/**
 * Scopes of statements. Siblings share their place (see `Place` in resolve.ts), so the
 * enclosing names and the scope strings are worked out once per chain, not per statement.
 */
class ScopeCache {
  private readonly byPlace = new Map<Place, Enclosing>();
  /** `scope/storvsp:CTRL` strings of disk references, by scope and controller. */
  private readonly ctrlScopes = new Map<string, Map<string, string>>();
  constructor(private readonly res: Resolution) {}

  scopeOf(stmt: Statement, kind: SymbolKind): string | undefined {
    if (FILE_SCOPED.has(kind)) return '';
    const info = this.res.info.get(stmt);
    if (!info) return undefined;
    const e = this.enclosing(info.place);
    if (e.vm === undefined) return undefined;
    // A disk declared, or removed, in a controller's block belongs to that controller.
    if (kind === 'disk' && (info.spec?.id === 'vm.openhcl.storvsp.disk' || info.spec?.id === 'vm.openhcl.storvsp.remove')) {
      if (e.ctrl === undefined) return undefined;
      return (e.ctrlScope ??= `vm:${e.vm}/storvsp:${e.ctrl}`);
    }
    return (e.vmScope ??= `vm:${e.vm}`);
  }

  /** `${scope}/storvsp:${controller}`, one string per pair. */
  controllerScope(scope: string, controller: string): string {
    let m = this.ctrlScopes.get(scope);
    if (!m) this.ctrlScopes.set(scope, (m = new Map()));
    let s = m.get(controller);
    if (s === undefined) m.set(controller, (s = `${scope}/storvsp:${controller}`));
    return s;
  }

  private enclosing(place: Place): Enclosing {
    let e = this.byPlace.get(place);
    if (e) return e;
    e = {};
    // Outermost first, like the chain of parents: the innermost VM and controller win.
    const chain: Statement[] = [];
    for (let p: Place | undefined = place; p?.node; p = p.up) chain.push(p.node);
    for (let k = chain.length - 1; k >= 0; k--) {
      const p = chain[k];
      const ps = this.res.info.get(p)?.spec;
      if (!ps) continue;
      if (ps.id === 'vm') e.vm = argText(p, 0);
      else if (ps.id === 'vm.openhcl.storvsp') e.ctrl = argText(p, 0);
    }
    this.byPlace.set(place, e);
    return e;
  }
}

/** Per-spec facts the symbol passes need, computed once. */
interface SpecShape {
  /** Index of the argument that declares a name, -1 when none. */
  name: number;
  declares?: SymbolKind;
  /** Indices of arguments that reference names. */
  refs: number[];
}

const shapes = new Map<StatementSpec, SpecShape>();
function shapeOf(spec: StatementSpec): SpecShape {
  let sh = shapes.get(spec);
  if (!sh) {
    const name = spec.args.findIndex((a) => a.type.kind === 'name');
    const t = name >= 0 ? spec.args[name].type : undefined;
    sh = { name, declares: t?.kind === 'name' ? t.declares : undefined, refs: spec.args.flatMap((a, k) => (a.type.kind === 'ref' ? [k] : [])) };
    shapes.set(spec, sh);
  }
  return sh;
}

// ---- queries for the language server ----------------------------------------------------------

export type SymbolHit = { decl: number } | { ref: number };

/** The declaration name or reference under the offset (inclusive of the end, for cursors). */
export function symbolAt(table: SymbolTable, offset: number): SymbolHit | undefined {
  for (let k = 0; k < table.refs.length; k++) {
    const r = table.refs[k].range;
    if (r.start <= offset && offset <= r.end) return { ref: k };
  }
  for (let k = 0; k < table.decls.length; k++) {
    const r = table.decls[k].nameRange;
    if (r.start <= offset && offset <= r.end) return { decl: k };
  }
  return undefined;
}

/**
 * The base declaration an occurrence stands for: a reference's target, a variant override's
 * base declaration, or the declaration itself. Undefined for unresolved references (and the
 * implicit Pool-0).
 */
export function canonicalDecl(table: SymbolTable, hit: SymbolHit): number | undefined {
  const d = 'ref' in hit ? table.refs[hit.ref].target : hit.decl;
  if (d === undefined) return undefined;
  const decl = table.decls[d];
  if (decl.variant === undefined) return d;
  const base = table.decls.findIndex((x) => x.variant === undefined && x.kind === decl.kind && x.scope === decl.scope && x.name === decl.name);
  return base >= 0 ? base : d;
}

/**
 * Every range that names the same entity as `declIndex`: its name, the names of variant
 * overrides of it (or, for a variant-only declaration, that declaration), and every reference
 * resolving to any of them. What rename edits and "find references" lists.
 */
export function occurrencesOf(table: SymbolTable, declIndex: number): { decls: number[]; refs: number[] } {
  const d = table.decls[declIndex];
  const same = new Set<number>();
  table.decls.forEach((x, k) => {
    if (x.kind === d.kind && x.scope === d.scope && x.name === d.name && (d.variant === undefined || x.variant === undefined || x.variant === d.variant)) same.add(k);
  });
  const refs: number[] = [];
  table.refs.forEach((r, k) => {
    if (r.target !== undefined && same.has(r.target)) refs.push(k);
  });
  return { decls: [...same], refs };
}

/** Every declaration and reference naming the implicit pool, for hovers. */
export function isImplicitPoolRef(ref: SymbolRef): boolean {
  return ref.kind === 'pool' && ref.name === DEFAULT_POOL && ref.target === undefined;
}
