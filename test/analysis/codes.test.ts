/**
 * The code catalog and its documentation: every code has a section in docs/codes.md whose anchor
 * is `codeHref(code)`, the file is what the catalog generates, and every code the checker,
 * static hazards or a simulation emits on the bundled examples is in the catalog.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allCodeDocs, isKnownCode, renderCodesDoc } from '../../server/src/analysis/catalog';
import { codeHref } from '../../server/src/model/codes';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulateAllWithFindings } from '../../server/src/analysis/run/index';
import { runDiagnostics } from '../../server/src/report/runDiagnostics';

const root = join(__dirname, '..', '..');
const docPath = join(root, 'docs', 'codes.md');

test('docs/codes.md is generated from the catalog (UPDATE_DOCS=1 rewrites it)', () => {
  const want = renderCodesDoc();
  if (process.env.UPDATE_DOCS === '1') writeFileSync(docPath, want);
  assert.equal(readFileSync(docPath, 'utf8'), want, 'docs/codes.md is stale: run UPDATE_DOCS=1 node scripts/test.mjs test/analysis/codes.test.ts');
});

test('every catalogued code has a docs/codes.md section at the anchor codeHref gives', () => {
  const doc = readFileSync(docPath, 'utf8');
  // GitHub-style anchors of the `## ` headings.
  const anchors = new Set([...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1].trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
  const codes = allCodeDocs();
  assert.ok(codes.length > 100, `catalog has ${codes.length} codes`);
  for (const d of codes) {
    const href = codeHref(d.code);
    assert.match(href, /^docs\/codes\.md#vps\d{3}$/);
    assert.ok(anchors.has(href.split('#')[1]), `${d.code}: no section ${href}`);
    assert.ok(d.title.trim().length > 0, `${d.code}: no title`);
  }
  assert.equal(new Set(codes.map((d) => d.code)).size, codes.length, 'each code once');
});

test('every code emitted on the examples (static and simulated) is catalogued', () => {
  const dir = join(root, 'examples');
  const seen = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.vps'))) {
    const a = analyzeDocument(readFileSync(join(dir, f), 'utf8'), { uri: f });
    for (const d of a.diagnostics) seen.add(d.code);
    if (!a.scenario || a.diagnostics.some((d) => d.severity === 'error')) continue;
    const rs = simulateAllWithFindings(a.scenario, { durationNs: 100_000_000 });
    for (const d of runDiagnostics(rs)) seen.add(d.code);
    for (const r of rs) for (const x of r.findings) seen.add(x.code);
  }
  assert.ok(seen.size > 5);
  for (const c of seen) assert.ok(isKnownCode(c), `${c} is not in the catalog`);
});
