/**
 * Quick fixes of findings raised in a variant edit that variant: applied, the finding is gone,
 * the text is valid, the base scenario (and every other variant) is left as written.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quickFixes } from '../../server/src/ide/codeActions';
import type { IdeDocument } from '../../server/src/ide/document';
import { analyze, applyEdits } from './fixture';

const SCENARIO = `host { pcpus 4 }
vm web {
  vcpus 4
  openhcl {
    task vmgs { target_vp 2; every 20ms; cpu 50us; io 2ms }
    task nvme { target_vp 2; run_on_target on; rate 5k/s; cpu 4us; io exp 40us; cpu 2us }
  }
}
variant sync {
  vm web { openhcl { task vmgs { syscall 2ms } } }
}
variant small {
  vm web { vcpus 3 }
}
`;

/** The variant blocks of a document, by name: start/end offsets. */
function variantRanges(doc: IdeDocument): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  for (const s of doc.analysis.parse.file.statements) {
    const a = s.args[0];
    if (s.keyword.name === 'variant' && a?.type === 'ident') out.set(a.name, { start: s.start, end: s.end });
  }
  return out;
}

function variantOf(message: string): string | undefined {
  return /^In variant `([^`]+)`:/.exec(message)?.[1];
}

/** Every fix of every diagnostic raised in one variant: its edits stay inside that variant. */
function checkVariantFixesStayInVariant(text: string, label: string): number {
  const doc = analyze(text);
  const variants = variantRanges(doc);
  let n = 0;
  for (const d of doc.analysis.diagnostics) {
    const v = variantOf(d.message);
    if (v === undefined) continue;
    const r = variants.get(v)!;
    for (const q of quickFixes(doc, d.range)) {
      if (q.diagnostic !== d) continue;
      n++;
      for (const e of q.edits) assert.ok(e.range.start > r.start && e.range.end < r.end, `${label}: fix "${q.title}" of ${d.code} in variant ${v} edits outside it`);
    }
  }
  return n;
}

describe('quick fixes of findings raised in a variant', () => {
  test('VPS201 raised by a variant: both fixes edit the variant, the finding goes, the base stays', () => {
    const doc = analyze(SCENARIO);
    const d = doc.analysis.diagnostics.find((x) => x.code === 'VPS201')!;
    assert.match(d.message, /^In variant `sync`/);
    const fixes = quickFixes(doc, d.range).filter((q) => q.diagnostic === d);
    assert.ok(fixes.length >= 2, fixes.map((f) => f.title).join(' | '));
    const baseEnd = SCENARIO.indexOf('variant sync');
    for (const f of fixes) {
      const after = applyEdits(SCENARIO, f.edits);
      assert.equal(after.slice(0, baseEnd), SCENARIO.slice(0, baseEnd), `${f.title} edited the base`);
      assert.ok(after.endsWith(SCENARIO.slice(SCENARIO.indexOf('variant small'))), `${f.title} edited another variant`);
      const again = analyze(after).analysis.diagnostics;
      assert.ok(!again.some((x) => x.code === 'VPS201'), `${f.title}: VPS201 still there`);
      assert.ok(!again.some((x) => x.severity === 'error'), `${f.title}: ${again.filter((x) => x.severity === 'error').map((x) => x.message).join('; ')}`);
    }
  });

  test('VPS206 raised in a variant that changes vcpus: the fix adds the override to the variant', () => {
    const text = SCENARIO.replace('task vmgs { target_vp 2;', 'task vmgs {').replace('task nvme { target_vp 2; run_on_target on;', 'task nvme {');
    const doc = analyze(text);
    const inSmall = doc.analysis.diagnostics.filter((x) => x.code === 'VPS206' && variantOf(x.message) === 'small');
    for (const d of inSmall) {
      for (const f of quickFixes(doc, d.range).filter((q) => q.diagnostic === d)) {
        const after = applyEdits(text, f.edits);
        const small = after.slice(after.indexOf('variant small'));
        assert.notEqual(small, text.slice(text.indexOf('variant small')), 'the variant changes');
        assert.equal(after.slice(0, after.indexOf('variant small')), text.slice(0, text.indexOf('variant small')));
      }
    }
    assert.ok(checkVariantFixesStayInVariant(text, 'VPS206 case') >= 0);
  });

  test('a checker fix at a base statement becomes the variant override: `boost off` (VPS138)', () => {
    const text = 'host { pcpus 4 }\nvm web {\n  vcpus 2\n  boost dynamic\n}\nvariant hcl {\n  vm web { openhcl { task a { every 1ms; cpu 1us } } }\n}\n';
    const doc = analyze(text);
    const d = doc.analysis.diagnostics.find((x) => x.code === 'VPS138')!;
    assert.match(d.message, /^In variant `hcl`/);
    const [fix] = quickFixes(doc, d.range);
    const after = applyEdits(text, fix.edits);
    assert.equal(after, text.replace('task a { every 1ms; cpu 1us } } }', 'task a { every 1ms; cpu 1us } }; boost off }'));
    assert.deepEqual(analyze(after).analysis.diagnostics.map((x) => x.code), []);
  });

  test('a checker fix inserting a setting becomes a nested override: `target_vp 0` (VPS130)', () => {
    const text = `host { pcpus 4 }
vm web {
  vcpus 2
  openhcl {
    backend thread
    task a {
      run_on_target on
      every 1ms; cpu 1us
    }
  }
}
variant pool {
  vm web {
    openhcl {
      backend threadpool
    }
  }
}
`;
    const doc = analyze(text);
    const d = doc.analysis.diagnostics.find((x) => x.code === 'VPS130')!;
    assert.match(d.message, /^In variant `pool`/);
    const [fix] = quickFixes(doc, d.range).filter((q) => q.diagnostic === d);
    const after = applyEdits(text, fix.edits);
    assert.equal(after, text.replace('      backend threadpool\n', '      backend threadpool\n      task a { target_vp 0 }\n'));
    assert.ok(!analyze(after).analysis.diagnostics.some((x) => x.code === 'VPS130'));
    // The variant already overriding the task: the setting joins its block.
    const text2 = text.replace('      backend threadpool\n', '      backend threadpool\n      task a { every 2ms }\n');
    const doc2 = analyze(text2);
    const d2 = doc2.analysis.diagnostics.find((x) => x.code === 'VPS130')!;
    const after2 = applyEdits(text2, quickFixes(doc2, d2.range).filter((q) => q.diagnostic === d2)[0].edits);
    assert.equal(after2, text2.replace('task a { every 2ms }', 'task a { every 2ms; target_vp 0 }'));
  });

  test('every example: fixes of variant findings stay inside their variant', () => {
    const dir = join(__dirname, '../../examples');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.vps'))) checkVariantFixesStayInVariant(readFileSync(join(dir, f), 'utf8'), f);
    assert.ok(checkVariantFixesStayInVariant(SCENARIO, 'scenario') >= 2);
  });
});
