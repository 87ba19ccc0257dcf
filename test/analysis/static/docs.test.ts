/**
 * docs/hazards.md documents every static hazard code, and each section's example raises the code
 * it documents (so the documentation cannot drift from the checks).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hazardCodeDocs } from '../../../server/src/analysis/static/codes';
import { analyzeDocument } from '../../../server/src/model/analyze';

const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'hazards.md'), 'utf8');

/** `### VPS201 — title` sections and the first ```vps block of each. */
function sections(): { code: string; title: string; example?: string }[] {
  const out: { code: string; title: string; example?: string }[] = [];
  const parts = doc.split(/^### /m).slice(1);
  for (const p of parts) {
    const m = /^(VPS2\d\d) — ([^\n(]+)/.exec(p);
    if (!m) continue;
    const ex = /```vps\n([\s\S]*?)```/.exec(p);
    out.push({ code: m[1], title: m[2].trim(), example: ex?.[1] });
  }
  return out;
}

test('every hazard code has a section, with the catalog title, and no section documents an unknown code', () => {
  const got = sections();
  assert.deepEqual(got.map((s) => s.code).sort(), Object.keys(hazardCodeDocs).sort());
  for (const s of got) assert.equal(s.title, hazardCodeDocs[s.code as keyof typeof hazardCodeDocs].title.replace(/ \(info\)$/, ''), s.code);
});

test('each section\'s example is valid and raises the code it documents', () => {
  for (const s of sections()) {
    assert.ok(s.example, `${s.code} has an example`);
    const a = analyzeDocument(s.example, { uri: `${s.code}.vps` });
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((d) => d.message), [], `${s.code} example is valid`);
    assert.ok(a.diagnostics.some((d) => d.code === s.code), `${s.code} example raises it; got ${a.diagnostics.map((d) => d.code).join(' ') || 'nothing'}`);
  }
});

test('the shells can describe every hazard code (SARIF rules, hovers)', async () => {
  const { describeCode } = await import('../../../server/src/model/codes');
  await import('../../../server/src/analysis/static/index');
  for (const [code, d] of Object.entries(hazardCodeDocs)) {
    const got = describeCode(code);
    assert.ok(got, `${code} is registered`);
    assert.equal(got.title, d.title);
    assert.equal(got.severity, d.severity);
    assert.ok(/^VPS2\d\d$/.test(code) && Number(code.slice(4)) === d.hazard, `${code} is hazard ${d.hazard}`);
  }
});
