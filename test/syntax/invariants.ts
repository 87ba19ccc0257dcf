/**
 * Structural invariants every parse result must satisfy, whatever the input: used by the data
 * tests and the fuzz test.
 */
import assert from 'node:assert/strict';
import type { ParseResult, Node } from '../../server/src/syntax/tree';
import { walk } from '../../server/src/syntax/walk';

export function checkParseInvariants(text: string, r: ParseResult): void {
  const n = text.length;
  const starts = new Set<number>();
  for (const e of r.errors) {
    assert.ok(e.range.start >= 0 && e.range.start <= e.range.end && e.range.end <= n, `error range ${e.range.start}..${e.range.end} outside 0..${n}: ${e.message}`);
    assert.ok(!starts.has(e.range.start), `two errors start at ${e.range.start}`);
    starts.add(e.range.start);
    for (const rel of e.related ?? []) assert.ok(rel.range.start >= 0 && rel.range.start <= rel.range.end && rel.range.end <= n, 'related range outside the document');
  }
  walk(r.file, (node: Node, parent: Node | undefined) => {
    assert.ok(node.start >= 0 && node.start <= node.end && node.end <= n, `${node.type} range ${node.start}..${node.end} outside 0..${n}`);
    // On a body, `missing` means its `}` is absent (the close range is then empty); on any
    // other node, the node itself is absent and has an empty range.
    if (node.type === 'body') {
      assert.ok(node.open.end <= node.close.start && node.close.start <= node.close.end && node.close.end === node.end, 'body open/close ranges');
      if (node.missing) assert.equal(node.close.start, node.close.end, 'an unclosed body has an empty close range');
    } else if (node.missing) assert.equal(node.start, node.end, `missing ${node.type} must have an empty range`);
    if (parent && parent.type !== 'file') assert.ok(parent.start <= node.start && node.end <= parent.end, `${node.type} ${node.start}..${node.end} not inside its parent ${parent.type} ${parent.start}..${parent.end}`);
  });
  // Statements of one list are in order and do not overlap.
  const lists: { start: number; end: number }[][] = [r.file.statements];
  walk(r.file, (node) => {
    if (node.type === 'body') lists.push(node.statements);
  });
  for (const l of lists) for (let k = 1; k < l.length; k++) assert.ok(l[k - 1].end <= l[k].start, `statements overlap at ${l[k].start}`);
  // Tokens cover the text in order.
  let prev = 0;
  for (const t of r.tokens) {
    assert.ok(t.start >= prev && t.end >= t.start && t.end <= n, `token ${t.kind} ${t.start}..${t.end} out of order`);
    prev = t.end;
  }
}
