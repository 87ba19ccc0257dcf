/**
 * Completion: what may be written at the cursor, from the schema and the document.
 *
 * - At the start of a statement: the keywords the enclosing block allows, minus settings the
 *   block already has (unless repeatable) and minus a second trigger, with snippets for blocks.
 * - On an argument: what that argument accepts: enum values, `on`/`off`, the literal word of
 *   `retarget_vp VP at TIME`, names of the right kind declared where the reference can see them
 *   (pools; disks of the controller named before; locks of the same VM...), VP indices below the
 *   VM's `vcpus`, CPU indices below the host's `pcpus`, distribution kinds.
 * - Right after a number: the units its value takes (`10|` -> ns, us, ms, s).
 *
 * Every answer carries the range it replaces (the word being typed), so editors filter and
 * insert consistently in half-written lines.
 */
import { DIST_KINDS, childSpecs, isTriggerSpec, resolveStatement } from '../model/schema';
import { analysisMemo, type SymbolDecl } from '../model/analysisTypes';
import type { StatementSpec, SymbolKind } from '../model/schemaTypes';
import type { Arg, NumberArg, Statement, Token } from '../syntax/tree';
import { cursorContext, type CursorContext } from './context';
import { sweepBlockNames } from '../model/sweep';
import { docIndex, tokenIndexBefore, type IdeDocument } from './document';
import { pcpusOf, placementOf, statementFacts, vcpusOf, visibleDecls } from './facts';
import { argName, describeType, matchArgs, signature, specMarkdown, unitClassOf, UNITS, type ArgRole } from './schemaInfo';
import type { CompletionCandidate, CompletionOptions, TextRange } from './types';

/** More indices than this are not listed (a 1024-vCPU VM): the first ones show the pattern. */
const MAX_INDEX_ITEMS = 64;

export function completions(doc: IdeDocument, offset: number, options: CompletionOptions): CompletionCandidate[] {
  offset = Math.max(0, Math.min(offset, doc.text.length));
  if (insideCommentOrString(doc, offset)) return [];
  const ctx = cursorContext(doc, offset);
  const s = ctx.statement;
  if (!s || ctx.inKeyword) {
    const range = s && ctx.inKeyword ? { start: s.keyword.start, end: s.keyword.end } : { start: offset, end: offset };
    // Typing the keyword of a line that already has arguments: insert the word only.
    const bare = !!s && (s.args.length > 0 || !!s.body);
    return keywordItems(doc, ctx, range, options, bare);
  }
  if (!ctx.spec) return [];
  if (ctx.chain[0]?.keyword.name === 'sweep' && ctx.specs[0]?.id === 'sweep') {
    const names = sweepNameItems(doc, ctx, s, ctx.spec, offset);
    if (names) return names;
  }
  return argumentItems(doc, ctx, s, ctx.spec, offset, options);
}

/**
 * Inside `sweep { ... }`: the name of a block on the path is one of the base's blocks there
 * (`vm |` -> the VMs, `load |` in `host` -> the loads), not a new declaration.
 */
function sweepNameItems(doc: IdeDocument, ctx: CursorContext, s: Statement, spec: StatementSpec, offset: number): CompletionCandidate[] | undefined {
  if (spec.args[0]?.type.kind !== 'name') return undefined;
  const first = s.args[0];
  if (s.args.length > 1 || (first && !(first.start <= offset && offset <= first.end))) return [];
  const range = first && first.type === 'ident' && !first.missing ? { start: first.start, end: first.end } : { start: offset, end: offset };
  const steps = ctx.chain.slice(1).map((c) => ({ keyword: c.keyword.name, name: argName(c.args[0]) }));
  return sweepBlockNames(doc.analysis, steps, s.keyword.name).map((n) => ({ label: n, kind: 'name' as const, detail: `${s.keyword.name} of the base scenario`, insertText: n, range }));
}

function insideCommentOrString(doc: IdeDocument, offset: number): boolean {
  // A comment containing the offset (or ending at it): the last one starting before it.
  const comments = doc.analysis.parse.file.comments;
  let lo = 0;
  let hi = comments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comments[mid].start < offset) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && offset <= comments[lo - 1].end) return true;
  // A string around the offset: strings never span lines, so the tokens of the cursor's line
  // are enough (no need to build the file's token array right after an edit).
  const tokens = docIndex(doc).tokensNear(offset);
  const i = tokenIndexBefore(tokens, offset);
  for (let k = Math.max(0, i - 1); k <= i + 1 && k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === 'string' && t.start < offset && (offset < t.end || (offset === t.end && !isClosedString(t)))) return true;
  }
  return false;
}

function isClosedString(t: Token): boolean {
  return t.text.length >= 2 && t.text.endsWith('"') && !t.text.endsWith('\\"');
}

// ---- keywords -------------------------------------------------------------------------------

function keywordItems(doc: IdeDocument, ctx: CursorContext, range: TextRange, options: CompletionOptions, bare: boolean): CompletionCandidate[] {
  if (ctx.parentId === undefined) return [];
  const present = new Set<string>();
  let hasTrigger = false;
  for (const sib of ctx.siblings) {
    if (sib === ctx.statement || sib.keyword.missing) continue;
    present.add(sib.keyword.name);
    const sibSpec = resolveStatement(sib.keyword.name, ctx.parentId);
    if (sibSpec && isTriggerSpec(sibSpec.id)) hasTrigger = true;
  }
  const specs = childSpecs(ctx.parentId);
  const rank = contextRanker(doc, ctx);
  const out: CompletionCandidate[] = [];
  specs.forEach((spec, i) => {
    if (!spec.repeatable && present.has(spec.keyword)) return;
    // `remove` and friends only mean something inside a variant (VPS142 in the base).
    if (spec.variantOnly && ctx.variant === undefined) return;
    // One trigger per program (`every`, `rate`, `once`); `rate` of an irq or ioload is a setting.
    if (hasTrigger && isTriggerSpec(spec.id)) return;
    // In a variant every block is a partial override: nothing is required there.
    const missingRequired = spec.required && ctx.variant === undefined && !present.has(spec.keyword);
    const item: CompletionCandidate = {
      label: spec.keyword,
      kind: spec.body !== 'none' ? 'block' : spec.step ? 'step' : 'setting',
      detail: signature(spec),
      documentation: specMarkdown(spec, { signature: false }),
      insertText: spec.keyword,
      range,
      sortText: `${missingRequired ? '0' : String(1 + rank(spec))}${String(i).padStart(3, '0')}`,
    };
    if (!bare) {
      // In a variant every statement overrides the base: a snippet's example values would
      // silently replace the base's (`vcpus 4`, `backend threadpool`), so blocks come bare and
      // settings with empty placeholders.
      const snippet = !options.snippets ? undefined : ctx.variant !== undefined ? variantSnippet(spec) : spec.snippet ?? generatedSnippet(spec);
      if (snippet) {
        item.insertText = snippet;
        item.snippet = true;
      } else if (spec.args.length > 0 || spec.body === 'required') item.insertText = spec.keyword + ' ';
    }
    out.push(item);
  });
  return out;
}

/** Settings only a Linux (KVM) host scheduler reads, and only a Xen one (docs/language.md, `vm`). */
const LINUX_ONLY: ReadonlySet<string> = new Set(['nice', 'policy', 'rt_priority', 'boost']);
const XEN_ONLY: ReadonlySet<string> = new Set(['cpu_weight', 'cap', 'dom0']);

/**
 * Ranking by context, 0 (first) to 2 (last), for the keywords of a `vm` body: in a VM with
 * `openhcl` (in the base or the variant), the `openhcl` block comes first (in a variant: the
 * block to override) and the settings that mean nothing for it come last (`boost`, `dom0`);
 * settings of the other hypervisor than the VM's pool scheduler come last (Xen weights under a
 * Linux scheduler, Linux nice/policy/boost under credit/credit2: VPS13x warnings).
 */
function contextRanker(doc: IdeDocument, ctx: CursorContext): (spec: StatementSpec) => number {
  if (ctx.parentId !== 'vm' || ctx.vm === undefined) return () => 1;
  const ctxOf = vmContext(doc, ctx.vm, ctx.variant);
  return (spec) => {
    if (ctxOf.openhcl && spec.keyword === 'openhcl') return 0;
    if (ctxOf.openhcl && (spec.keyword === 'boost' || spec.keyword === 'dom0')) return 2;
    if (ctxOf.xen ? LINUX_ONLY.has(spec.keyword) : XEN_ONLY.has(spec.keyword)) return 2;
    return 1;
  };
}

/**
 * A `vm` setting that means nothing for this VM as written: Xen settings under a Linux pool
 * scheduler and Linux ones under Xen (VPS13x), `rt_priority` without `policy fifo|rr`, `boost`
 * and `dom0` in an OpenHCL VM.
 */
export function meaninglessInVm(doc: IdeDocument, vm: string | undefined, variant: string | undefined, keyword: string): boolean {
  if (vm === undefined) return false;
  const c = vmContext(doc, vm, variant);
  if (c.openhcl && (keyword === 'boost' || keyword === 'dom0')) return true;
  if (keyword === 'rt_priority' && c.policy !== 'fifo' && c.policy !== 'rr') return true;
  return c.xen ? LINUX_ONLY.has(keyword) : XEN_ONLY.has(keyword);
}

function vmContext(doc: IdeDocument, vm: string, variant: string | undefined): { openhcl: boolean; xen: boolean; policy?: string } {
  const ctx = { vm, variant };
  const facts = statementFacts(doc);
  /** The value word of the statement at `key`, in this variant if it writes it, else in the base. */
  const valueAt = (key: string): string | undefined => {
    const list = facts.byKey.get(key) ?? [];
    const hit = list.find((e) => ctx.variant !== undefined && e.variant === ctx.variant) ?? list.find((e) => e.variant === undefined);
    return hit ? argName(hit.statement.args[0]) : undefined;
  };
  const vmKey = `vm ${ctx.vm}`;
  const openhcl = (facts.byKey.get(`${vmKey}/openhcl`) ?? []).some((e) => e.variant === undefined || e.variant === ctx.variant);
  const pool = valueAt(`${vmKey}/pool`);
  const sched = (pool !== undefined && pool !== 'Pool-0' ? valueAt(`host/pool ${pool}/sched`) : undefined) ?? valueAt('host/sched') ?? 'fair';
  return { openhcl, xen: sched === 'credit' || sched === 'credit2', policy: valueAt(`${vmKey}/policy`) };
}

/**
 * The placeholders of a statement's required arguments, in order (`${1|a,b|}`, `${2:name}`...):
 * a literal as it is, choices for enums and bools, the argument's name for names. `other` gives
 * the placeholder of any other kind (numbers, durations, text), numbered `n`.
 */
function argPlaceholders(spec: StatementSpec, refs: boolean, other: (n: number) => string): string[] {
  const parts: string[] = [];
  let n = 1;
  for (const a of spec.args) {
    if (a.optional) break;
    const t = a.type;
    if (t.kind === 'literal') parts.push(t.word);
    else if (t.kind === 'enum') parts.push(`\${${n++}|${t.values.map((v) => v.name).join(',')}|}`);
    else if (t.kind === 'bool') parts.push(`\${${n++}|on,off|}`);
    else if (t.kind === 'name' || (refs && t.kind === 'ref')) parts.push(`\${${n++}:${a.name}}`);
    else if (t.kind === 'string') parts.push(`"\${${n++}}"`);
    else if (refs && t.kind === 'text' && spec.args[1]?.refKinds) parts.push(`\${${n++}|${Object.keys(spec.args[1].refKinds.kinds).join(',')}|}`);
    else parts.push(other(n++));
  }
  return parts;
}

/**
 * The snippet of a statement inside a variant: the keyword, placeholders for its required
 * arguments without example values (choices for enums and bools), and an empty body for a block.
 */
export function variantSnippet(spec: StatementSpec): string | undefined {
  const parts = [spec.keyword, ...argPlaceholders(spec, true, (n) => `\${${n}}`)];
  if (spec.body !== 'none' && spec.children?.length) return parts.join(' ') + ' {\n\t$0\n}';
  if (parts.length === 1) return undefined;
  return parts.join(' ');
}

/** A snippet from the argument specs when the schema gives none: `target_vp ${1}`, `pin ${1|shared,one_to_one|}`. */
function generatedSnippet(spec: StatementSpec): string | undefined {
  if (spec.args.length === 0 && spec.body !== 'required') return undefined;
  // A lone numeric argument shows its default as the placeholder's text.
  const d = spec.args.length === 1 && spec.default && /^-?[\w.%/]+$/.test(spec.default) && spec.default !== 'unset' && spec.default !== 'none' ? spec.default : '';
  let s = [spec.keyword, ...argPlaceholders(spec, false, (n) => (d ? `\${${n}:${d}}` : `\${${n}}`))].join(' ');
  if (spec.body === 'required') s += ' {\n\t$0\n}';
  return s;
}

// ---- arguments ------------------------------------------------------------------------------

/** The innermost number or word of an argument that contains the offset. */
function leafAt(a: Arg, offset: number): Arg {
  switch (a.type) {
    case 'list': {
      for (let i = a.items.length - 1; i >= 0; i--) {
        const it = a.items[i];
        if (it.start <= offset && offset <= it.end) return leafAt(it, offset);
      }
      return a;
    }
    case 'range':
    case 'span':
      if (a.hi.start <= offset && offset <= a.hi.end && !a.hi.missing) return a.hi;
      if (a.lo.start <= offset && offset <= a.lo.end) return a.lo;
      return a.hi.missing && offset >= a.hi.start ? a.hi : a;
    case 'not':
      return offset >= a.operand.start ? leafAt(a.operand, offset) : a;
    default:
      return a;
  }
}

function argumentItems(doc: IdeDocument, ctx: CursorContext, s: Statement, spec: StatementSpec, offset: number, options: CompletionOptions): CompletionCandidate[] {
  const current = s.args.find((a) => a.start <= offset && offset <= a.end);
  const before = s.args.filter((a) => a !== current && a.end <= offset);
  const match = matchArgs(spec.args, current ? [...before, current] : before);
  const role = current ? match.roles[before.length] : match.next;
  if (!role) return [];
  const leaf = current ? leafAt(current, offset) : undefined;

  if (leaf?.type === 'string') return [];
  if (leaf?.type === 'number' && !leaf.missing) {
    // After the digits: units. Inside the digits: indices (a VP typed as `1|`).
    if (offset >= leaf.unitRange.start) {
      const units = unitItems(leaf, offset, role);
      if (units.length > 0) return units;
    }
    if (leaf.unit === '') return valueItems(doc, ctx, s, spec, role, current, { start: leaf.start, end: leaf.end }, options);
    return [];
  }
  if (leaf && leaf.type !== 'ident') {
    // A range, span or `^` with the cursor on punctuation: nothing sensible to propose.
    if (!(leaf.type === 'number' && leaf.missing)) return [];
  }
  const range = leaf && leaf.type === 'ident' && !leaf.missing ? { start: leaf.start, end: leaf.end } : { start: offset, end: offset };
  return valueItems(doc, ctx, s, spec, role, current, range, options);
}

function unitItems(n: NumberArg, offset: number, role: ArgRole): CompletionCandidate[] {
  const cls = unitClassOf(role);
  if (!cls) return [];
  // Multipliers make no sense for small bounded counts (`vcpus 4k`).
  const t = role.spec.type;
  if (cls === 'count' && t.kind === 'count' && t.max !== undefined && t.max < 10_000) return [];
  const digits = n.unitRange.start > n.start ? String(n.value) : '';
  const range = { start: n.unitRange.start, end: Math.max(offset, n.end) };
  return UNITS[cls].map((u, i) => ({
    label: u.unit,
    kind: 'unit' as const,
    detail: u.doc,
    documentation: `\`${digits}${u.unit}\`: ${u.doc}.`,
    insertText: u.unit,
    range,
    sortText: String(i).padStart(2, '0'),
  }));
}

function describeRole(spec: StatementSpec, role: ArgRole): string {
  if (role.part === 'distParam') {
    const p = DIST_KINDS[role.distKind!]?.params[role.paramIndex!];
    return `${role.distKind} parameter ${role.paramIndex! + 1}: ${p === 'range' ? 'lo..hi' : p}`;
  }
  return `${spec.keyword} ${role.spec.name.toUpperCase()}: ${describeType(role.spec.type)}`;
}

function valueItems(
  doc: IdeDocument,
  ctx: CursorContext,
  s: Statement,
  spec: StatementSpec,
  role: ArgRole,
  current: Arg | undefined,
  range: TextRange,
  options: CompletionOptions,
): CompletionCandidate[] {
  const t = role.spec.type;
  const detail = describeRole(spec, role);
  if (role.part === 'distParam') return [];
  const word = (label: string, kind: CompletionCandidate['kind'], documentation?: string, extra: Partial<CompletionCandidate> = {}): CompletionCandidate => ({
    label,
    kind,
    detail,
    ...(documentation ? { documentation } : {}),
    insertText: label,
    range,
    ...extra,
  });
  switch (t.kind) {
    case 'enum':
    case 'enumList': {
      const taken = new Set<string>();
      if (t.kind === 'enumList' && current?.type === 'list') for (const it of current.items) if (it.type === 'ident' && !(it.start <= range.start && range.end <= it.end)) taken.add(it.name);
      return t.values
        .filter((v) => !taken.has(v.name))
        .map((v, i) => word(v.name, 'enum', `${v.doc}\n\n*${spec.keyword}*: ${spec.doc.split('. ')[0]}.`, { sortText: String(i).padStart(3, '0'), ...(spec.default === v.name ? { preselect: true } : {}) }));
    }
    case 'bool':
      return [
        word('on', 'enum', `Turn \`${spec.keyword}\` on.${spec.default === 'on' ? ' (the default)' : ''}`, { sortText: '0' }),
        word('off', 'enum', `Turn \`${spec.keyword}\` off.${spec.default === 'off' ? ' (the default)' : ''}`, { sortText: '1' }),
      ];
    case 'literal':
      return [word(t.word, 'enum', `The word \`${t.word}\` of \`${signature(spec)}\`.`)];
    case 'ref':
      if (role.spec.refKinds) return removeNameItems(doc, ctx, s, role.spec.refKinds, range);
      if (t.to === 'variant') return basedOnItems(doc, ctx, range);
      return refItems(doc, ctx, s, t.to, range);
    case 'text':
      // `remove KEYWORD NAME`: the keywords this block can remove.
      if (spec.args[1]?.refKinds) return removeKeywordItems(doc, ctx, spec.args[1].refKinds.kinds, range);
      return [];
    case 'vp':
    case 'vplist': {
      const n = vcpusOf(doc, ctx.vm, ctx.variant);
      if (n === undefined) return [];
      const items = indexItems(n, range, detail, (i) => `VP ${i} of VM \`${ctx.vm}\` (${n} vCPUs).`);
      // A whole VP list (not an item after a comma): `all` and the range of every VP, where the
      // statement takes a set of VPs (not a per-VP map such as `vp_cpu_map` or `channel_vps`).
      if (t.kind === 'vplist' && SET_OF_VPS.has(spec.keyword) && current?.type !== 'list') {
        const whole: CompletionCandidate[] = [word('all', 'enum', `Every VP of VM \`${ctx.vm}\` (${n} vCPUs).`, { sortText: '00000' })];
        if (n > 1) whole.push(word(`0-${n - 1}`, 'number', `VPs 0 to ${n - 1}: every VP of VM \`${ctx.vm}\`, as a range.`, { sortText: '00000a' }));
        items.unshift(...whole);
      }
      return items;
    }
    case 'cpulist': {
      const n = pcpusOf(doc, ctx.variant);
      const items = [word('all', 'enum', 'Every pCPU of the host.', { sortText: '000' })];
      if (n !== undefined) items.push(...indexItems(n, range, detail, (i) => `pCPU ${i} of ${n}.`));
      return items;
    }
    case 'dist':
      return Object.entries(DIST_KINDS).map(([kind, info], i) => {
        const example = /`([^`]+)`/.exec(info.doc)?.[1] ?? kind;
        const snippet = options.snippets ? distSnippet(kind, info.params) : undefined;
        return word(kind, 'dist', `${info.doc}\n\nA plain duration (\`20us\`) is a fixed value.`, {
          detail: `distribution: ${example}`,
          sortText: String(i).padStart(3, '0'),
          ...(snippet ? { insertText: snippet, snippet: true } : {}),
        });
      });
    case 'name': {
      // In a variant, naming an existing block overrides it: offer the names the base declares
      // where this block is (the same VM for VM-local kinds).
      if (ctx.variant === undefined) return [];
      return visibleDecls(doc, t.declares, { vm: ctx.vm })
        .filter((d) => placementOf(doc, d).variant === undefined)
        .map((d) => word(d.name, 'name', `Override \`${spec.keyword} ${d.name}\` of the base scenario in this variant.`));
    }
    default:
      return [];
  }
}

function distSnippet(kind: string, params: readonly string[]): string {
  const ex: Record<string, string> = { duration: '100us', percent: '1%', range: '10us..30us' };
  const defaults: Record<string, string[]> = { normal: ['1ms', '100us'], lognormal: ['1ms', '500us'], bimodal: ['100us', '20ms', '1%'] };
  const vals = defaults[kind] ?? params.map((p) => ex[p] ?? '');
  return [kind, ...vals.map((v, i) => `\${${i + 1}:${v}}`)].join(' ');
}

function indexItems(n: number, range: TextRange, detail: string, doc: (i: number) => string): CompletionCandidate[] {
  const out: CompletionCandidate[] = [];
  for (let i = 0; i < Math.min(n, MAX_INDEX_ITEMS); i++) {
    out.push({ label: String(i), kind: 'number', detail, documentation: doc(i), insertText: String(i), range, sortText: String(i + 1).padStart(5, '0') });
  }
  return out;
}

/** VP-list settings that name a set of VPs (so `all` and ranges make sense). */
const SET_OF_VPS: ReadonlySet<string> = new Set(['linux_vps', 'vcpus']);


/** The variants a variant builds on (its `based_on` chain, nearest first; stops at a cycle). */
export function basedOnChain(doc: IdeDocument, variant: string): string[] {
  // `variant -> the variant it names in based_on`, per analysis.
  const memo = analysisMemo(doc.analysis);
  let parentOf = memo.basedOn as Map<string, string> | undefined;
  if (!parentOf) {
    parentOf = new Map<string, string>();
    for (const v of doc.analysis.parse.file.statements) {
      if (v.keyword.name !== 'variant' || !v.body) continue;
      const name = argName(v.args[0]);
      const b = v.body.statements.find((x) => x.keyword.name === 'based_on');
      const target = argName(b?.args[0]);
      if (name !== undefined && target !== undefined && !parentOf.has(name)) parentOf.set(name, target);
    }
    memo.basedOn = parentOf;
  }
  const out: string[] = [];
  for (let cur = parentOf.get(variant); cur !== undefined && cur !== variant && !out.includes(cur); cur = parentOf.get(cur)) out.push(cur);
  return out;
}

/** `based_on |`: the other variants, minus those built on this one (a cycle, VPS144). */
function basedOnItems(doc: IdeDocument, ctx: CursorContext, range: TextRange): CompletionCandidate[] {
  const out: CompletionCandidate[] = [];
  for (const d of doc.analysis.symbols.decls) {
    if (d.kind !== 'variant' || d.name === ctx.variant || out.some((o) => o.label === d.name)) continue;
    if (ctx.variant !== undefined && basedOnChain(doc, d.name).includes(ctx.variant)) continue;
    const line = docIndex(doc).lineOf(d.range.start);
    out.push({
      label: d.name,
      kind: 'name',
      detail: `variant (line ${line + 1})`,
      documentation: `Build on variant \`${d.name}\`: this variant is the base scenario plus \`${d.name}\`'s overrides plus its own.\n\n` + '```vpscope\n' + firstLine(doc.text, d.range) + '\n```',
      insertText: needsQuotes(d.name) ? JSON.stringify(d.name) : d.name,
      range,
    });
  }
  return out;
}

/** The StorVSP controller whose body holds the cursor, if any. */
function enclosingController(ctx: CursorContext): string | undefined {
  for (let i = ctx.chain.length - 1; i >= 0; i--) if (ctx.chain[i].keyword.name === 'storvsp') return argName(ctx.chain[i].args[0]);
  return undefined;
}

/** `remove |`: the keywords of the named blocks this block can take out. */
function removeKeywordItems(doc: IdeDocument, ctx: CursorContext, kinds: Readonly<Record<string, SymbolKind>>, range: TextRange): CompletionCandidate[] {
  return Object.entries(kinds).map(([kw, kind], i) => {
    const n = removableDecls(doc, ctx, kind).length;
    return {
      label: kw,
      kind: 'block' as const,
      detail: `remove ${kw} NAME: ${n} ${KIND_NOUN[kind]}${n === 1 ? '' : 's'} to remove here`,
      documentation: `Take a \`${kw}\` block of the base scenario (or of the variant this one is \`based_on\`) out of this variant.`,
      insertText: kw,
      range,
      // Keywords with something to remove first.
      sortText: `${n > 0 ? '0' : '1'}${String(i).padStart(3, '0')}`,
    };
  });
}

/**
 * Declarations of `kind` a `remove` at the cursor can take out: those of the base scenario and of
 * the variants this one builds on, in the same VM (and controller for disks), not removed already
 * by another `remove` of the same block.
 */
function removableDecls(doc: IdeDocument, ctx: CursorContext, kind: SymbolKind, self?: Statement): SymbolDecl[] {
  const chain = ctx.variant !== undefined ? basedOnChain(doc, ctx.variant) : [];
  const controller = kind === 'disk' ? enclosingController(ctx) : undefined;
  const removed = new Set<string>();
  for (const sib of ctx.siblings) {
    if (sib === self || sib.keyword.name !== 'remove') continue;
    const kw = argName(sib.args[0]);
    const name = argName(sib.args[1]);
    if (kw !== undefined && name !== undefined) removed.add(`${kw}\u0000${name}`);
  }
  const seen = new Set<string>();
  const out: SymbolDecl[] = [];
  for (const d of doc.analysis.symbols.decls) {
    if (d.kind !== kind || seen.has(d.name)) continue;
    const p = placementOf(doc, d);
    if (p.variant !== undefined && !chain.includes(p.variant)) continue;
    if (kind !== 'vm' && kind !== 'pool' && kind !== 'load' && p.vm !== ctx.vm) continue;
    if (controller !== undefined && p.controller !== controller) continue;
    seen.add(d.name);
    out.push(d);
  }
  const kw = Object.entries(KEYWORD_OF).find(([, k]) => k === kind)?.[0] ?? kind;
  return out.filter((d) => !removed.has(`${kw}\u0000${d.name}`));
}

const KEYWORD_OF: Record<string, SymbolKind> = { vm: 'vm', pool: 'pool', load: 'load', task: 'task', storvsp: 'controller', netvsp: 'nic', disk: 'disk', lock: 'lock', thread: 'thread', parallel: 'parallel', ioload: 'ioload', intercept: 'intercept', irq: 'irq' };

/** `remove KEYWORD |`: names of that kind the block can remove. */
function removeNameItems(doc: IdeDocument, ctx: CursorContext, s: Statement, refKinds: { arg: number; kinds: Readonly<Record<string, SymbolKind>> }, range: TextRange): CompletionCandidate[] {
  const kw = argName(s.args[refKinds.arg]);
  if (kw === undefined || !Object.prototype.hasOwnProperty.call(refKinds.kinds, kw)) return [];
  const kind = refKinds.kinds[kw];
  return removableDecls(doc, ctx, kind, s).map((d) => {
    const p = placementOf(doc, d);
    const line = docIndex(doc).lineOf(d.range.start);
    return {
      label: d.name,
      kind: 'name' as const,
      detail: `${KIND_NOUN[kind]} of ${p.variant !== undefined ? `variant \`${p.variant}\`` : 'the base'} (line ${line + 1})`,
      documentation: `Removes this ${KIND_NOUN[kind]} from the variant:\n\n` + '```vpscope\n' + firstLine(doc.text, d.range) + '\n```',
      insertText: needsQuotes(d.name) ? JSON.stringify(d.name) : d.name,
      range,
    };
  });
}

const KIND_NOUN: Record<SymbolKind, string> = {
  pool: 'cpupool',
  load: 'host load',
  vm: 'VM',
  task: 'VTL2 task',
  controller: 'StorVSP controller',
  disk: 'disk',
  nic: 'NIC',
  lock: 'guest lock',
  thread: 'guest thread',
  parallel: 'parallel region',
  ioload: 'IO load',
  intercept: 'intercept source',
  irq: 'interrupt source',
  variant: 'variant',
};

function refItems(doc: IdeDocument, ctx: CursorContext, s: Statement, kind: SymbolKind, range: TextRange): CompletionCandidate[] {
  const at = { vm: ctx.vm, variant: ctx.variant };
  // `disk_io CONTROLLER DISK`, `disk CONTROLLER DISK`: the disk belongs to the controller named before.
  let controller: string | undefined;
  if (kind === 'disk') {
    controller = argName(s.args.filter((a) => a.end < range.start).at(-1));
  }
  const out: CompletionCandidate[] = [];
  for (const d of visibleDecls(doc, kind, at, controller)) {
    const line = docIndex(doc).lineOf(d.range.start);
    out.push({
      label: d.name,
      kind: 'name',
      detail: `${KIND_NOUN[kind]} (line ${line + 1})`,
      documentation: '```vpscope\n' + firstLine(doc.text, d.range) + '\n```',
      insertText: needsQuotes(d.name) ? JSON.stringify(d.name) : d.name,
      range,
    });
  }
  // The boot pool exists even when nobody writes it (Xen: Pool-0 holds dom0 and CPU 0).
  if (kind === 'pool' && !out.some((o) => o.label === 'Pool-0')) {
    out.push({ label: 'Pool-0', kind: 'name', detail: 'cpupool (implicit boot pool)', documentation: 'The boot pool: holds dom0 and every pCPU no other pool has.', insertText: 'Pool-0', range });
  }
  return out;
}

function needsQuotes(name: string): boolean {
  return !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) || name.endsWith('-');
}

/** The first line of a statement's text, trimmed (for documentation of a declaration). */
export function firstLine(text: string, r: TextRange): string {
  const slice = text.slice(r.start, Math.min(r.end, r.start + 200));
  const nl = slice.search(/\r|\n/);
  return (nl >= 0 ? slice.slice(0, nl) : slice).trim();
}
