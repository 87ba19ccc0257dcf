/**
 * Diagnostics data tests: each `data/*.vps` carries its expected diagnostics as annotations under
 * the code (see `check.ts`). UPDATE_SNAPSHOTS=1 rewrites the annotations from the actual output;
 * review the diff before committing.
 */
import { test } from 'node:test';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../../server/src/model/analyze';
import { check, renderAnnotated } from './check';

const dir = join(__dirname, 'data');
const update = process.env.UPDATE_SNAPSHOTS === '1';

for (const name of readdirSync(dir).filter((f) => f.endsWith('.vps')).sort()) {
  test(`diagnostics ${name}`, () => {
    const path = join(dir, name);
    const text = readFileSync(path, 'utf8');
    if (update) {
      const hazards = /^#\s*hazards:\s*on\s*$/m.test(text);
      const out = renderAnnotated(text, analyzeDocument(text, { uri: name }), hazards);
      if (out !== text) writeFileSync(path, out);
      check(out, { uri: name });
      return;
    }
    check(text, { uri: name });
  });
}
