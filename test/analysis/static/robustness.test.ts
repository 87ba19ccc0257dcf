/**
 * Hazard checks run on every keystroke, over scenarios that are half written. The checker catches
 * an exception from a check and turns it into VPS199 (internal error); this makes sure there is
 * none: every example cut at every line, and with every single line removed, checks cleanly.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeDocument } from '../../../server/src/model/analyze';

const dir = join(__dirname, '..', '..', '..', 'examples');

test('no internal error on truncated or edited examples', () => {
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.vps'))) {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n');
    const texts: string[] = [];
    for (let i = 1; i <= lines.length; i++) texts.push(lines.slice(0, i).join('\n'));
    for (let i = 0; i < lines.length; i++) texts.push([...lines.slice(0, i), ...lines.slice(i + 1)].join('\n'));
    for (const t of texts) {
      const internal = analyzeDocument(t).diagnostics.filter((d) => d.code === 'VPS199');
      assert.deepEqual(internal.map((d) => d.message), [], `${f}:\n${t}`);
    }
  }
});
