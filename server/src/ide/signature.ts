/**
 * Signature help for positional arguments: `cpu lognormal MEAN SD`, `disk CONTROLLER DISK`,
 * `retarget_vp VP at TIME`, `remove KEYWORD NAME`... with the parameter under the cursor.
 *
 * A distribution argument expands once its kind is written (`lognormal 1ms |` shows `cpu
 * lognormal MEAN SD` with `SD` active); before that, one signature per form is listed (a plain
 * duration first, then `fixed`, `uniform`, `exp`, `normal`, `lognormal`, `bimodal`), so the editor
 * can page through them. Statements without arguments (blocks like `openhcl`) and blocks that
 * only declare a name (`vm NAME`) have none.
 */
import { DIST_KINDS } from '../model/schema';
import type { ArgSpec, StatementSpec } from '../model/schemaTypes';
import type { Arg } from '../syntax/tree';
import { cursorContext } from './context';
import type { IdeDocument } from './document';
import { describeType, matchArgs, type ArgRole } from './schemaInfo';

export interface ParameterInfo {
  /** Offsets into the signature's label, [start, end). */
  label: [number, number];
  /** Markdown. */
  documentation?: string;
}

export interface SignatureInfo {
  /** `cpu lognormal MEAN SD` */
  label: string;
  /** Markdown. */
  documentation?: string;
  parameters: ParameterInfo[];
  /** The parameter the cursor is on; -1 when past the last one (extra arguments). */
  activeParameter: number;
}

export interface SignatureHelpResult {
  signatures: SignatureInfo[];
  activeSignature: number;
}

/** Names of the parameters of each distribution kind (docs/language.md, *Values*). */
const DIST_PARAMS: Record<string, { name: string; doc: string }[]> = {
  fixed: [{ name: 'VALUE', doc: 'the duration, every time' }],
  uniform: [{ name: 'LO..HI', doc: 'the bounds, as a range (`10us..30us`)' }],
  exp: [{ name: 'MEAN', doc: 'the mean of the exponential distribution' }],
  normal: [
    { name: 'MEAN', doc: 'the mean' },
    { name: 'SD', doc: 'the standard deviation (samples are clamped at 0)' },
  ],
  lognormal: [
    { name: 'MEAN', doc: 'the mean (of the values, not of their logarithm)' },
    { name: 'SD', doc: 'the standard deviation (of the values)' },
  ],
  bimodal: [
    { name: 'FIRST', doc: 'the usual value' },
    { name: 'SECOND', doc: 'the other value (the slow tail)' },
    { name: 'PROBABILITY', doc: 'how often the second value is taken (a percentage: `1%`)' },
  ],
};

interface Part {
  text: string;
  doc?: string;
}

function argPart(spec: StatementSpec, a: ArgSpec): Part {
  const word = a.type.kind === 'literal' ? a.type.word : a.name.toUpperCase();
  const what = a.type.kind === 'literal' ? `the word \`${a.type.word}\`` : describeType(a.type);
  let doc = `\`${word}\`: ${what}${a.doc ? ` — ${a.doc}` : ''}`;
  if (a.refKinds) doc = `\`${word}\`: the name of the block to remove (its kind follows the keyword before it)`;
  if (spec.default !== undefined && spec.args.length === 1) doc += `. Default: \`${spec.default}\`${spec.assumption ? ' (an assumption of vpscope)' : ''}`;
  return { text: a.optional ? `[${word}]` : word, doc };
}

/** The parts of one signature; `distKind` expands the distribution argument `distArg`. */
function parts(spec: StatementSpec, distArg?: ArgSpec, distKind?: string): Part[] {
  const out: Part[] = [{ text: spec.keyword }];
  for (const a of spec.args) {
    if (a === distArg && distKind !== undefined && DIST_KINDS[distKind]) {
      out.push({ text: distKind, doc: `\`${distKind}\`: ${DIST_KINDS[distKind].doc}` });
      for (const p of DIST_PARAMS[distKind] ?? []) out.push({ text: p.name, doc: `\`${p.name}\`: ${p.doc}` });
    } else out.push(argPart(spec, a));
  }
  return out;
}

function build(spec: StatementSpec, ps: Part[], active: number): SignatureInfo {
  let label = '';
  const parameters: ParameterInfo[] = [];
  ps.forEach((p, i) => {
    if (i > 0) label += ' ';
    // The keyword is not a parameter: it is already written.
    if (i > 0) parameters.push({ label: [label.length, label.length + p.text.length], ...(p.doc ? { documentation: p.doc } : {}) });
    label += p.text;
  });
  if (spec.body === 'required') label += ' { ... }';
  else if (spec.body === 'optional') label += ' [{ ... }]';
  return { label, documentation: spec.doc.split(/(?<=\.)\s/)[0], parameters, activeParameter: active };
}

/** Index (among parameters, i.e. parts after the keyword) of the part a role fills. */
function activeIndex(spec: StatementSpec, role: ArgRole | undefined, expanded: { arg?: ArgSpec; kind?: string }): number {
  if (!role) return -1;
  let idx = 0;
  for (const a of spec.args) {
    if (a === role.spec) {
      if (role.part === 'distKind') return idx;
      if (role.part === 'distParam') return idx + 1 + (role.paramIndex ?? 0);
      return idx;
    }
    idx += a === expanded.arg && expanded.kind ? 1 + (DIST_PARAMS[expanded.kind]?.length ?? 0) : 1;
  }
  return -1;
}

export function signatureHelpAt(doc: IdeDocument, offset: number): SignatureHelpResult | undefined {
  offset = Math.max(0, Math.min(offset, doc.text.length));
  const ctx = cursorContext(doc, offset);
  const s = ctx.statement;
  const spec = ctx.spec;
  if (!s || !spec || spec.args.length === 0) return undefined;
  // A block that only declares a name (`vm NAME`, `task NAME`): nothing positional to explain, and
  // a widget popping up after every `task ` would be noise.
  if (spec.args.length === 1 && spec.args[0].type.kind === 'name') return undefined;
  // On the keyword itself (still typing it): no argument yet. A space after it is enough.
  if (offset <= s.keyword.end) return undefined;
  // After the statement's terminator (`cpu 1ms;|`): a new statement starts there.
  const lastEnd = s.args.filter((a) => a.end <= offset).reduce((m, a) => Math.max(m, a.end), s.keyword.end);
  if (/[;{}\r\n]/.test(doc.text.slice(lastEnd, offset))) return undefined;
  // Inside a comment or a string: nothing.
  for (const t of doc.analysis.parse.tokens) {
    if (t.start >= offset) break;
    // A comment runs to the end of its line: the cursor at its end is still in it.
    if (t.kind === 'comment' && t.start < offset && offset <= t.end) return undefined;
    if (t.kind === 'string' && t.start < offset && offset < t.end) return undefined;
  }
  const current: Arg | undefined = s.args.find((a) => a.start <= offset && offset <= a.end);
  const before = s.args.filter((a) => a !== current && a.end <= offset);
  const written = current ? [...before, current] : before;
  const match = matchArgs(spec.args, written);
  const role = current ? match.roles[before.length] : match.next;
  // The distribution argument and its kind, when written.
  let distArg: ArgSpec | undefined;
  let distKind: string | undefined;
  for (const r of match.roles) {
    if (r?.part === 'distKind') {
      distArg = r.spec;
      distKind = r.distKind;
    }
  }
  if (!distKind && match.next?.part === 'distParam') {
    distArg = match.next.spec;
    distKind = match.next.distKind;
  }
  const active = activeIndex(spec, role, { arg: distArg, kind: distKind });
  const main = build(spec, parts(spec, distArg, distKind), active);
  const signatures = [main];
  // Before the kind of a distribution is written: every form it can take.
  if (role && role.part === 'value' && role.spec.type.kind === 'dist' && !distKind) {
    for (const kind of Object.keys(DIST_KINDS)) {
      const alt = build(spec, parts(spec, role.spec, kind), activeIndex(spec, role, { arg: role.spec, kind }));
      alt.documentation = DIST_KINDS[kind].doc;
      signatures.push(alt);
    }
  }
  return { signatures, activeSignature: 0 };
}
