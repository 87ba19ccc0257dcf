/**
 * Hover: what the word under the cursor means.
 *
 * - A keyword: its signature, what it means in OpenHCL / Xen / KVM / Linux terms, its values and
 *   units, its default (marked when it is vpscope's assumption), its source, and the value in
 *   effect in the base scenario and in each variant that changes it.
 * - An enum value or `on`/`off`: the value's meaning, then the setting's.
 * - A number: the value in canonical units (`2.5ms` = 2,500,000 ns) and what the argument takes.
 * - A distribution kind: its parameters.
 * - A name: its declaration (and where variants override it), and how often it is referenced.
 */
import { DIST_KINDS, specsWithKeyword } from '../model/schema';
import type { SymbolDecl } from '../model/analysisTypes';
import type { StatementSpec } from '../model/schemaTypes';
import type { Statement, Token } from '../syntax/tree';
import { nodeAt } from '../syntax/walk';
import { docIndex, tokenAt, type IdeDocument } from './document';
import { boolWord, statementFacts } from './facts';
import { symbolAt } from './navigation';
import { describeQuantity, describeType, matchArgs, resolveChain, signature, specMarkdown, specPath, type ArgRole } from './schemaInfo';
import type { HoverResult } from './types';
import { fileRunPlan } from '../model/sweep';

export function hoverAt(doc: IdeDocument, offset: number): HoverResult | undefined {
  offset = Math.max(0, Math.min(offset, doc.text.length));
  const ix = docIndex(doc);
  const token = tokenAt(ix.tokensNear(offset), offset);
  if (!token || (token.kind !== 'ident' && token.kind !== 'number' && token.kind !== 'string')) return undefined;
  const range = { start: token.start, end: token.end };

  const path = nodeAt(doc.analysis.parse.file, token.start);
  const statements = path.filter((n): n is Statement => n.type === 'statement');
  const stmt = statements[statements.length - 1];
  if (!stmt) return undefined;
  const specs = resolveChain(statements);
  const spec = specs[specs.length - 1];

  if (!stmt.keyword.missing && token.start === stmt.keyword.start) {
    if (spec) return { range, markdown: keywordMarkdown(doc, stmt, spec) };
    return unknownKeyword(stmt, range);
  }
  if (!spec) return undefined;

  // Names first: the symbol table knows declarations and references exactly.
  const sym = symbolAt(doc, offset);
  if (sym) return { range: sym.range, markdown: symbolMarkdown(doc, sym.decls, sym.refKind, sym.unresolvedName) };

  const argIndex = stmt.args.findIndex((a) => a.start <= token.start && token.end <= a.end);
  if (argIndex < 0) return undefined;
  const role = matchArgs(spec.args, stmt.args).roles[argIndex];
  if (!role) return undefined;
  const md = valueMarkdown(doc, stmt, spec, role, token);
  return md ? { range, markdown: md } : undefined;
}

function unknownKeyword(stmt: Statement, range: HoverResult['range']): HoverResult | undefined {
  const elsewhere = specsWithKeyword(stmt.keyword.name);
  if (elsewhere.length === 0) return undefined;
  const places = [...new Set(elsewhere.map((s) => (s.id.includes('.') ? specPath(s).replace(/ > [^>]*$/, '') : 'the top level')))]
    .map((p) => (p === 'the top level' ? p : `\`${p}\``))
    .join(', ');
  return { range, markdown: `\`${stmt.keyword.name}\` is not allowed here; it belongs in ${places}.\n\n${specMarkdown(elsewhere[0])}` };
}

function keywordMarkdown(doc: IdeDocument, stmt: Statement, spec: StatementSpec): string {
  const parts = [specMarkdown(spec)];
  if (spec.id === 'sweep') {
    const sweep = sweepMarkdown(doc, stmt);
    if (sweep) parts.push(sweep);
  }
  const effective = effectiveMarkdown(doc, stmt, spec);
  if (effective) parts.push(effective);
  return parts.join('\n\n---\n\n');
}

/**
 * What a valid `sweep` statement runs: each setting and its values, the points (crossed with the
 * file's other swept settings) and the runs per variant.
 */
function sweepMarkdown(doc: IdeDocument, stmt: Statement): string | undefined {
  const plan = fileRunPlan(doc.analysis, doc.text);
  const all = plan.sweeps ?? [];
  const here = all.filter((s) => s.range.start === stmt.start);
  if (here.length === 0) return undefined;
  const SHOWN = 12;
  const list = (values: string[]) => (values.length > SHOWN ? `${values.slice(0, SHOWN - 1).map((v) => `\`${v}\``).join(', ')}, ..., \`${values[values.length - 1]}\`` : values.map((v) => `\`${v}\``).join(', '));
  const seeds = plan.seeds ?? 1;
  const n = all.reduce((p, s) => p * s.values.length, 1);
  const lines = here.map((sw) => `\`${sw.path}\` takes ${sw.values.length} value${sw.values.length === 1 ? '' : 's'}: ${list(sw.values)}.`);
  const crossed = all.length > 1 ? ` Crossed${here.length < all.length ? ' with the file\'s other sweeps' : ''}: ${all.map((s) => s.values.length).join(' x ')} = ${n} points (every combination; the first setting varies slowest).` : '';
  return `**This sweep:** ${lines.join(' ')}${crossed} \`vpscope simulate\` runs ${n} x ${seeds} seed${seeds === 1 ? '' : 's'}${plan.seeds === undefined ? ' (no `seeds` in the file: `--seeds` or the `vpscope.simulation.seeds` setting add more)' : ''} = ${n * seeds} run${n * seeds === 1 ? '' : 's'} per selected variant.`;
}

function argsText(doc: IdeDocument, s: Statement): string {
  if (s.args.length === 0) return '';
  return doc.text.slice(s.args[0].start, s.args[s.args.length - 1].end);
}

/**
 * The value in effect in the base and in each variant that writes the same setting (same path of
 * keywords and names). Repeatable statements (steps, named blocks) have no single value.
 */
function effectiveMarkdown(doc: IdeDocument, stmt: Statement, spec: StatementSpec): string | undefined {
  const facts = statementFacts(doc);
  const key = facts.keyOf.get(stmt);
  // Without variants there is one value, the one written or the default the doc already names.
  if (key === undefined || countVariants(doc) === 0) return undefined;
  const entries = facts.byKey.get(key) ?? [];
  const line = (s: Statement) => docIndex(doc).lines.positionAt(s.start).line + 1;
  const variantEntries = entries.filter((e) => e.variant !== undefined);
  const isSetting = spec.body === 'none' && !spec.repeatable && spec.args.length > 0;
  if (isSetting) {
    const base = entries.find((e) => e.variant === undefined);
    const rows: string[] = [];
    if (base) rows.push(`- base: \`${argsText(doc, base.statement)}\` (line ${line(base.statement)})${base.statement === stmt ? ' ← here' : ''}`);
    else rows.push(`- base: ${spec.default !== undefined ? `\`${spec.default}\` (default${spec.assumption ? ', an assumption' : ''})` : spec.required ? 'not set (required)' : 'not set'}`);
    for (const e of variantEntries) rows.push(`- variant \`${e.variant}\`: \`${argsText(doc, e.statement)}\` (line ${line(e.statement)})${e.statement === stmt ? ' ← here' : ''}`);
    const variantCount = countVariants(doc);
    if (variantEntries.length === 0 && variantCount > 0) rows.push(`- not changed by ${variantCount === 1 ? 'the variant' : `any of the ${variantCount} variants`}`);
    return `**Effective value**\n\n${rows.join('\n')}`;
  }
  if (spec.body !== 'none' && variantEntries.length > 0 && !(stmt.keyword.name === 'variant')) {
    const names = [...new Set(variantEntries.map((e) => e.variant))].map((v) => `\`${v}\``).join(', ');
    return `Changed by variant${variantEntries.length > 1 ? 's' : ''} ${names}.`;
  }
  return undefined;
}

function countVariants(doc: IdeDocument): number {
  let n = 0;
  for (const s of doc.analysis.parse.file.statements) if (s.keyword.name === 'variant') n++;
  return n;
}

function settingLine(spec: StatementSpec): string {
  return `*${signature(spec)}* — ${firstSentence(spec.doc)}`;
}

/** The first sentence of a doc string; periods inside `code` or parentheses do not end it. */
function firstSentence(s: string): string {
  let tick = false;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '`') tick = !tick;
    else if (tick) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if ((c === '.' || c === '!' || c === '?') && depth === 0 && (i + 1 === s.length || /\s/.test(s[i + 1]))) return s.slice(0, i + 1);
  }
  return s;
}

function valueMarkdown(doc: IdeDocument, stmt: Statement, spec: StatementSpec, role: ArgRole, token: Token): string | undefined {
  const t = role.spec.type;
  if (role.part === 'distKind') {
    const info = DIST_KINDS[role.distKind!];
    return `**${role.distKind}** distribution\n\n${info.doc}\n\n${settingLine(spec)}`;
  }
  if (token.kind === 'number') {
    const n = Number(token.value);
    const q = describeQuantity(n, token.unit ?? '');
    const what =
      role.part === 'distParam'
        ? `${role.distKind} parameter ${role.paramIndex! + 1} (${DIST_KINDS[role.distKind!].params[role.paramIndex!]})`
        : `\`${role.spec.name.toUpperCase()}\`: ${describeType(t)}`;
    // Indices name what they index: `pCPU 7`, `VP 2`.
    const index = t.kind === 'cpulist' ? `pCPU ${n}` : t.kind === 'vp' || t.kind === 'vplist' ? `VP ${n}` : undefined;
    return [`\`${token.text}\`${q ? ` = ${q}` : index ? ` — ${index}` : ''}`, what, settingLine(spec)].join('\n\n');
  }
  if (token.kind === 'ident') {
    const word = token.text;
    if (t.kind === 'enum' || t.kind === 'enumList') {
      const v = t.values.find((x) => x.name === word);
      if (!v) return undefined;
      const parts = [`**${word}** — ${v.doc}`, settingLine(spec)];
      if (spec.default === word) parts.push('This is the default.');
      const eff = effectiveMarkdown(doc, stmt, spec);
      if (eff) parts.push(eff);
      return parts.join('\n\n');
    }
    if (t.kind === 'bool') {
      const b = boolWord(word);
      if (b === undefined) return undefined;
      const parts = [`**${word}** — \`${spec.keyword}\` ${b ? 'on' : 'off'}${spec.default !== undefined ? ` (default: ${spec.default})` : ''}`, settingLine(spec)];
      const eff = effectiveMarkdown(doc, stmt, spec);
      if (eff) parts.push(eff);
      return parts.join('\n\n');
    }
    if (t.kind === 'cpulist' && word === 'all') return `**all** — every pCPU of the host.\n\n${settingLine(spec)}`;
    if (t.kind === 'literal') return settingLine(spec);
  }
  return settingLine(spec);
}

const KIND_TITLE: Record<string, string> = {
  pool: 'cpupool',
  load: 'host load',
  vm: 'VM',
  task: 'VTL2 task',
  controller: 'StorVSP controller',
  disk: 'disk',
  nic: 'NetVSP NIC',
  lock: 'guest lock',
  thread: 'guest thread',
  parallel: 'parallel region',
  ioload: 'IO load',
  intercept: 'intercept source',
  irq: 'interrupt source',
  variant: 'variant',
};

function symbolMarkdown(doc: IdeDocument, decls: SymbolDecl[], refKind: string | undefined, unresolvedName: string | undefined): string {
  const ix = docIndex(doc);
  if (decls.length === 0) {
    if (unresolvedName === 'Pool-0' && refKind === 'pool') return '**cpupool** `Pool-0` — the boot pool. It exists without being written: it holds dom0 and every pCPU no other pool has (CPU 0 can never leave it).';
    return `**${KIND_TITLE[refKind ?? ''] ?? refKind}** \`${unresolvedName}\` — not declared.`;
  }
  const base = decls.find((d) => d.variant === undefined) ?? decls[0];
  const line = (d: SymbolDecl) => ix.lines.positionAt(d.range.start).line + 1;
  const first = doc.text.slice(base.range.start, Math.min(base.range.end, base.range.start + 300)).split(/\r?\n|\r/)[0].trim();
  const parts = ['```vpscope\n' + first + '\n```', `**${KIND_TITLE[base.kind] ?? base.kind}** \`${base.name}\` — declared at line ${line(base)}${base.variant !== undefined ? ` in variant \`${base.variant}\`` : ''}.`];
  const overrides = decls.filter((d) => d !== base);
  if (overrides.length) parts.push(`Overridden in ${overrides.map((d) => `variant \`${d.variant ?? 'base'}\` (line ${line(d)})`).join(', ')}.`);
  let refs = 0;
  for (const i of decls.map((d) => doc.analysis.symbols.decls.indexOf(d))) refs += ix.refsByDecl.get(i)?.length ?? 0;
  parts.push(refs === 0 ? 'Not referenced.' : `Referenced ${refs} time${refs === 1 ? '' : 's'}.`);
  return parts.join('\n\n');
}
