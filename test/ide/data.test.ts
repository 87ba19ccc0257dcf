/**
 * Data-driven tests: scenario files under `test/ide/data/<feature>/` with `/*name*\/` markers, and
 * the answer at every marker in `<file>.expected.json` beside them (formatting: the expected
 * output in `<file>.expected.vps`). Refresh with `UPDATE_SNAPSHOTS=1 node scripts/test.mjs ide`
 * and review the diff.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { foldingRegions } from '../../server/src/ide/folding';
import { outline } from '../../server/src/ide/outline';
import { format, renderAt, renderInlayHints, renderOutline, renderTokens, type Feature } from './check';
import { expectFile, fixture } from './fixture';

const DATA = join(__dirname, 'data');

function cases(dir: string, filter: (f: string) => boolean = (f) => f.endsWith('.vps') && !f.endsWith('.expected.vps')): string[] {
  return readdirSync(join(DATA, dir)).filter(filter).sort();
}

function snapshotAtMarkers(dir: string, features: Feature[]): void {
  describe(`data/${dir}`, () => {
    for (const file of cases(dir)) {
      test(file, () => {
        const f = fixture(readFileSync(join(DATA, dir, file), 'utf8'));
        assert.ok(f.markers.length > 0, 'a data file needs markers');
        const out: Record<string, unknown> = {};
        for (const m of f.markers) {
          out[m.name] = features.length === 1 ? renderAt(f, features[0], m.offset) : Object.fromEntries(features.map((ft) => [ft, renderAt(f, ft, m.offset)]));
        }
        expectFile(join(DATA, dir, file.replace(/\.vps$/, '.expected.json')), JSON.stringify(out, null, 2) + '\n');
      });
    }
  });
}

snapshotAtMarkers('completion', ['completion']);
snapshotAtMarkers('hover', ['hover']);
snapshotAtMarkers('navigation', ['definition', 'references', 'highlight']);
snapshotAtMarkers('signature', ['signature']);

// Inlay hints: the file with every hint written in (` ⟨label⟩`) in `<file>.expected.vps`.
describe('data/inlay', () => {
  for (const file of cases('inlay')) {
    test(file, () => {
      const text = readFileSync(join(DATA, 'inlay', file), 'utf8');
      expectFile(join(DATA, 'inlay', file.replace(/\.vps$/, '.expected.vps')), renderInlayHints(text));
    });
  }
});

describe('data/structure', () => {
  for (const file of cases('structure')) {
    test(file, () => {
      const text = readFileSync(join(DATA, 'structure', file), 'utf8');
      const f = fixture(text);
      const snapshot = {
        outline: renderOutline(outline(f.doc)).trimEnd().split('\n'),
        folding: foldingRegions(f.doc).map((r) => `${r.startLine + 1}-${r.endLine + 1}${r.kind ? ' ' + r.kind : ''}`),
        semanticTokens: renderTokens(f.text, '\n').split('\n'),
      };
      expectFile(join(DATA, 'structure', file.replace(/\.vps$/, '.expected.json')), JSON.stringify(snapshot, null, 2) + '\n');
    });
  }
});

describe('data/format', () => {
  for (const file of cases('format')) {
    test(file, () => {
      const input = readFileSync(join(DATA, 'format', file), 'utf8');
      const once = format(input);
      expectFile(join(DATA, 'format', file.replace(/\.vps$/, '.expected.vps')), once);
      assert.equal(format(once), once, 'formatting twice differs from once');
    });
  }
});
