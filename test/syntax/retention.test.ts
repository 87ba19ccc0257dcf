/**
 * An editing session must not keep every earlier version of the text alive. The incremental
 * parse keeps the nodes of the blocks an edit did not touch and parses the edited block again,
 * from a slice of the new text; names and strings in its nodes are slices of that slice. In V8 a
 * slice of 13 or more characters is a view that keeps its whole parent string alive, so each edited
 * block kept the whole text of the version it was parsed in: 600 edits of a 20,000-line file
 * (432 KB) grew the heap by 100 MB, bounded only by the number of blocks times the file's size.
 * Measured here with a forced full GC before and after the edits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeSyntax } from '../../server/src/model/analyze';
import { AnalysisReuse } from '../../server/src/model/reuse';
import { parseState, reparse } from '../../server/src/syntax/incremental';
import { genScenario, rng } from '../bench/genScenario';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('400 edits of a 10,000-line scenario keep no earlier text alive (heap growth under 8 MB; 29 MB when each edited block kept the text of its version)', () => {
  const text = genScenario({ lines: 10_000, seed: 3 });
  const pools = [...text.matchAll(/^ {2}pool (\S+)$/gm)].map((m) => ({ at: m.index! + 7, name: m[1] }));
  assert.ok(pools.length > 150, `${pools.length} blocks to edit`);
  let cur = text;
  let ps = parseState(cur);
  const reuse = new AnalysisReuse();
  void analyzeSyntax(ps, {}, reuse).analysis.symbols;
  const r = rng(5);
  const step = (next: string) => {
    cur = next;
    ps = reparse(ps, cur);
    assert.equal(ps.how, 'spliced');
    void analyzeSyntax(ps, {}, reuse).analysis.symbols;
  };
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let k = 0; k < 200; k++) {
    const { at, name } = pools[Math.floor(r() * pools.length)];
    step(cur.slice(0, at) + cur.slice(at + name.length));
    step(cur.slice(0, at) + name + cur.slice(at));
  }
  gc();
  gc();
  const grown = (process.memoryUsage().heapUsed - before) / 1e6;
  assert.equal(cur, text);
  assert.ok(grown < 8, `heap grew by ${grown.toFixed(1)} MB over 400 versions of a ${(text.length / 1024).toFixed(0)} KB text`);
});
