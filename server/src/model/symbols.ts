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
import type { Statement } from '../syntax/tree';
import type { SymbolDecl, SymbolRef, SymbolTable } from './analysisTypes';
import type { StatementSpec, SymbolKind } from './schemaTypes';
import { Codes } from './codes';
import type { Resolution } from './resolve';
import { DEFAULT_POOL } from './schema';
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

function argName(stmt: Statement, index: number): { name: string; range: TextRange } | undefined {
  const a = stmt.args[index];
  if (!a || a.missing) return undefined;
  if (a.type === 'ident') return { name: a.name, range: { start: a.start, end: a.end } };
  if (a.type === 'string') return { name: a.value, range: { start: a.start, end: a.end } };
  return undefined;
}

/**
 * Builds the table and reports duplicate declarations and unresolved references. Unknown pools
 * are left to the lowering, which knows the host and can offer "create pool X".
 */
export function buildSymbols(res: Resolution, diags: DiagSink): SymbolTable {
  const decls: SymbolDecl[] = [];
  const refs: SymbolRef[] = [];
  // key: variant \0 kind \0 scope \0 name -> decl index
  const index = new Map<string, number>();
  const key = (variant: string | undefined, kind: SymbolKind, scope: string, name: string) => `${variant ?? ''}\u0000${kind}\u0000${scope}\u0000${name}`;
  // Names per (variant, kind, scope), for suggestions.
  const namesIn = new Map<string, string[]>();

  // Pass 1: declarations, in document order.
  for (const rs of res.statements) {
    const spec = rs.spec;
    if (!spec) continue;
    const shape = shapeOf(spec);
    if (shape.name < 0) continue;
    const kind = shape.declares!;
    const n = argName(rs.node, shape.name);
    if (!n) continue;
    const scope = scopeOf(res, rs.node, kind);
    if (scope === undefined) continue;
    const decl: SymbolDecl = { kind, name: n.name, nameRange: n.range, range: { start: rs.node.start, end: rs.node.end }, scope };
    // A variant's own name is a file-level declaration, not an override.
    const variant = kind === 'variant' ? undefined : rs.variant;
    if (variant !== undefined) decl.variant = variant;
    const k = key(variant, decl.kind, scope, decl.name);
    const first = index.get(k);
    if (first !== undefined) {
      const f = decls[first];
      diags.error(Codes.duplicateName, `${cap(kindLabel(decl.kind))} \`${decl.name}\` is already declared${scope ? ` in ${scopeLabel(scope)}` : ''}; rename one of them.`, n.range, {
        related: [{ range: f.nameRange, message: `first declaration of \`${f.name}\`` }],
      });
    } else index.set(k, decls.length);
    decls.push(decl);
    const nk = `${variant ?? ''}\u0000${decl.kind}\u0000${scope}`;
    const list = namesIn.get(nk);
    if (list) list.push(decl.name);
    else namesIn.set(nk, [decl.name]);
  }

  // Pass 2: references.
  for (const rs of res.statements) {
    const spec = rs.spec;
    if (!spec) continue;
    const shape = shapeOf(spec);
    if (shape.refs.length === 0) continue;
    let controller: string | undefined;
    let controllerResolved = false;
    shape.refs.forEach((k) => {
      const as = spec.args[k];
      if (as.type.kind !== 'ref') return;
      const n = argName(rs.node, k);
      if (!n) return;
      const kind = as.type.to;
      let scope = scopeOf(res, rs.node, kind);
      if (kind === 'disk') {
        if (controller === undefined || !controllerResolved) return; // reported on the controller
        scope = `${scope}/storvsp:${controller}`;
      }
      if (scope === undefined) return;
      const variant = rs.variant;
      let target = variant !== undefined ? index.get(key(variant, kind, scope, n.name)) : undefined;
      if (target === undefined) target = index.get(key(undefined, kind, scope, n.name));
      const ref: SymbolRef = { kind, name: n.name, range: n.range, scope };
      if (target !== undefined) ref.target = target;
      refs.push(ref);
      if (kind === 'controller') {
        controller = n.name;
        controllerResolved = target !== undefined;
      }
      if (target === undefined && kind !== 'pool') {
        const candidates = [...(namesIn.get(`\u0000${kind}\u0000${scope}`) ?? []), ...(variant !== undefined ? namesIn.get(`${variant}\u0000${kind}\u0000${scope}`) ?? [] : [])];
        const m = closeMatches(n.name, candidates);
        const none = candidates.length === 0 ? ` No ${kindLabel(kind)} is declared${scope ? ` in ${scopeLabel(scope)}` : ''}${declareHint(kind)}.` : '';
        diags.error(Codes.unknownName, `Unknown ${kindLabel(kind)} \`${n.name}\`${scope ? ` in ${scopeLabel(scope)}` : ''}.${didYouMean(m)}${none}`, n.range, { fixes: replaceFixes(n.range, m) });
      }
    });
  }
  return { decls, refs };
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
  if (FILE_SCOPED.has(kind)) return '';
  const info = res.info.get(stmt);
  if (!info) return undefined;
  const { vm, ctrl } = enclosing(res, info.parentNodes);
  if (vm === undefined) return undefined;
  if (kind === 'disk' && res.info.get(stmt)?.spec?.id === 'vm.openhcl.storvsp.disk') {
    if (ctrl === undefined) return undefined;
    return `vm:${vm}/storvsp:${ctrl}`;
  }
  return `vm:${vm}`;
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

/**
 * The enclosing VM and StorVSP controller names of a chain of parents. Siblings share their
 * parents array (see `resolve`), so the answer is cached by that array.
 */
const enclosingCache = new WeakMap<readonly Statement[], { vm?: string; ctrl?: string }>();
function enclosing(res: Resolution, parents: readonly Statement[]): { vm?: string; ctrl?: string } {
  let e = enclosingCache.get(parents);
  if (e) return e;
  e = {};
  for (const p of parents) {
    const ps = res.info.get(p)?.spec;
    if (!ps) continue;
    if (ps.id === 'vm') e.vm = argName(p, 0)?.name;
    else if (ps.id === 'vm.openhcl.storvsp') e.ctrl = argName(p, 0)?.name;
  }
  enclosingCache.set(parents, e);
  return e;
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
