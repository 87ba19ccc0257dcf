/**
 * Tree utilities for the checker and the language server: child enumeration, a pre-order walk,
 * the chain of nodes at an offset, and a compact text dump used by the parser snapshot tests.
 *
 * Invariant: imports nothing outside `syntax/` and `core/`.
 */
import type { Arg, Node, SourceFile, Statement, SyntaxError } from './tree';

/** Direct children of a node, in document order. */
export function childrenOf(node: Node): Node[] {
  switch (node.type) {
    case 'file':
      return node.statements;
    case 'statement': {
      const out: Node[] = [node.keyword, ...node.args];
      if (node.body) out.push(node.body);
      return out;
    }
    case 'body':
      return node.statements;
    case 'list':
      return node.items;
    case 'range':
    case 'span':
      return [node.lo, node.hi];
    case 'not':
      return [node.operand];
    default:
      return [];
  }
}

/**
 * Pre-order walk. The visitor returns `false` to skip a node's children. `parent` is undefined
 * for the root.
 */
export function walk(root: Node, visit: (node: Node, parent: Node | undefined) => boolean | void): void {
  const stack: [Node, Node | undefined][] = [[root, undefined]];
  while (stack.length) {
    const [node, parent] = stack.pop()!;
    if (visit(node, parent) === false) continue;
    const kids = childrenOf(node);
    for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k], node]);
  }
}

/** Every statement in document order with the chain of enclosing statements (outermost first). */
export function forEachStatement(file: SourceFile, visit: (stmt: Statement, parents: readonly Statement[]) => void): void {
  forEachStatementIn(file.statements, visit);
}

/** `forEachStatement` over some top-level statements (and their descendants) only. */
export function forEachStatementIn(top: readonly Statement[], visit: (stmt: Statement, parents: readonly Statement[]) => void): void {
  const parents: Statement[] = [];
  const rec = (list: readonly Statement[]) => {
    for (const s of list) {
      visit(s, parents);
      if (s.body) {
        parents.push(s);
        rec(s.body.statements);
        parents.pop();
      }
    }
  };
  rec(top);
}

/**
 * The chain of nodes that contain `offset`, from the file down to the innermost node. A node
 * contains an offset when `start <= offset <= end`, so a cursor right after a word is still "in"
 * it (what completion and hover want). Where two siblings touch (`a,b` at the comma), the later
 * one (starting at the offset) wins. Missing nodes have empty ranges and are found at their offset
 * (a cursor after `0,` is in the missing list item). O(depth x log siblings).
 */
export function nodeAt(file: SourceFile, offset: number): Node[] {
  const path: Node[] = [file];
  let node: Node = file;
  for (;;) {
    const kids = childrenOf(node);
    const hit = pick(kids, offset);
    if (!hit) return path;
    path.push(hit);
    node = hit;
  }
}

/**
 * Index of the last item of `list` (in document order, starts ascending) starting at or before
 * `offset`, by binary search; -1 when none does.
 */
export function lastStartingAt(list: readonly { start: number }[], offset: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].start <= offset) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

function pick(kids: Node[], offset: number): Node | undefined {
  const best = lastStartingAt(kids, offset);
  // Siblings never overlap; when two touch at the offset, the later one (starting there) wins.
  if (best >= 0 && offset <= kids[best].end) return kids[best];
  return undefined;
}

/** The innermost statement containing the offset, with its enclosing statements (outermost first). */
export function statementAt(file: SourceFile, offset: number): { statement?: Statement; parents: Statement[] } {
  const path = nodeAt(file, offset).filter((n): n is Statement => n.type === 'statement');
  return { statement: path[path.length - 1], parents: path.slice(0, -1) };
}

// ---- dump (snapshot tests, debugging) ---------------------------------------------------------

function argText(a: Arg): string {
  const m = a.missing ? '!missing ' : '';
  switch (a.type) {
    case 'number':
      return `${m}num ${a.value}${a.unit ? ` unit=${a.unit}` : ''} ${a.start}..${a.end}`;
    case 'ident':
      return `${m}ident ${JSON.stringify(a.name)} ${a.start}..${a.end}`;
    case 'string':
      return `${m}string ${JSON.stringify(a.value)} ${a.start}..${a.end}`;
    default:
      return `${m}${a.type} ${a.start}..${a.end}`;
  }
}

/** A compact, stable, indented text form of the tree followed by the errors. */
export function dumpTree(file: SourceFile, errors: readonly SyntaxError[]): string {
  const lines: string[] = [`file ${file.start}..${file.end}`];
  const dumpArg = (a: Arg, indent: string) => {
    lines.push(indent + argText(a));
    for (const c of childrenOf(a)) dumpArg(c as Arg, indent + '  ');
  };
  const dumpStmt = (s: Statement, indent: string) => {
    lines.push(`${indent}stmt ${s.keyword.missing ? '!missing-keyword' : s.keyword.name} ${s.start}..${s.end}`);
    for (const a of s.args) dumpArg(a, indent + '  ');
    if (s.body) {
      const b = s.body;
      lines.push(`${indent}  ${b.missing ? '!unclosed ' : ''}body ${b.start}..${b.end} close=${b.close.start}..${b.close.end}`);
      for (const c of b.statements) dumpStmt(c, indent + '    ');
    }
  };
  for (const s of file.statements) dumpStmt(s, '  ');
  if (file.comments.length) lines.push(`comments: ${file.comments.map((c) => `${c.start}..${c.end}`).join(' ')}`);
  lines.push(errors.length ? 'errors:' : 'errors: none');
  for (const e of errors) {
    lines.push(`  ${e.range.start}..${e.range.end} ${e.code} ${e.message}`);
    for (const r of e.related ?? []) lines.push(`    related ${r.range.start}..${r.range.end} ${r.message}`);
  }
  return lines.join('\n') + '\n';
}
