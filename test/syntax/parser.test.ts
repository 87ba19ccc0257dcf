/**
 * Parser data tests: every `data/ok/*.vps` and `data/err/*.vps` is parsed and its tree dump
 * (`dumpTree`, errors listed at the end) compared with the snapshot next to it (`*.tree.txt`).
 * `ok` files must parse without errors, `err` files with at least one. Run with
 * UPDATE_SNAPSHOTS=1 to (re)write the snapshots, then review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../../server/src/syntax/parser';
import { dumpTree } from '../../server/src/syntax/walk';
import { checkParseInvariants } from './invariants';

const update = process.env.UPDATE_SNAPSHOTS === '1';

for (const kind of ['ok', 'err'] as const) {
  const dir = join(__dirname, 'data', kind);
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.vps')).sort()) {
    test(`parser ${kind}/${name}`, () => {
      const text = readFileSync(join(dir, name), 'utf8');
      const r = parse(text);
      checkParseInvariants(text, r);
      if (kind === 'ok') assert.deepEqual(r.errors.map((e) => `${e.code} ${e.message}`), [], 'an ok file must parse without errors');
      else assert.ok(r.errors.length > 0, 'an err file must have at least one error');
      const actual = dumpTree(r.file, r.errors);
      const snap = join(dir, name.replace(/\.vps$/, '.tree.txt'));
      if (update || !existsSync(snap)) {
        writeFileSync(snap, actual);
        if (!update) assert.fail(`snapshot ${snap} was missing and has been written; review it and re-run`);
        return;
      }
      assert.equal(actual, readFileSync(snap, 'utf8'), `tree of ${kind}/${name} differs from its snapshot (UPDATE_SNAPSHOTS=1 to accept)`);
    });
  }
}
