/**
 * The `light` stage kept per top-level block across versions (issue 9): the diagnostics of each
 * block's arguments (`AnalysisReuse.args`) and the lowering of each base VM (`AnalysisReuse.lowering`,
 * model/lower.ts `VmLowerEntry`) are taken from an earlier version when the block is the same object
 * and its inputs are the same. After random edit sequences (some versions skipped: what is reused
 * may be several edits old) the incremental `analyzeChecked` / `analyzeFull` give what a
 * from-scratch analysis of the final text gives: every diagnostic (fixes included) and the whole
 * IR, ranges included. Texts: the examples, the checker's data files (test/model/data: errors,
 * variants, `based_on`, removals), scenarios from the simulator's generator (test/sim/fidelity)
 * and a generated 300-line scenario. Edits: test/syntax/editArb.ts, plus edits aimed at what a
 * VM's lowering reads outside its block (the host's pools, the line break, the text on the VM's
 * first line).
 *
 * VPSCOPE_FUZZ_RUNS=N sets the number of runs; VPSCOPE_FUZZ_SEED=S replays a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { fraction } from '../arb';
import { analyzeChecked, analyzeDocument, analyzeFull, analyzeSyntax } from '../../server/src/model/analyze';
import { AnalysisReuse } from '../../server/src/model/reuse';
import { parseState, reparse, type ParseState } from '../../server/src/syntax/incremental';
import { applyEdit, editArb, fuzzParams, seedTexts, type Edit } from '../syntax/editArb';
import { genArb, scenarioText } from '../sim/fidelity/scenarioGen';
import { genScenario } from '../bench/genScenario';

const URI = 'file:///w/lowered.vps';
const dataDir = join(__dirname, 'data');
const TEXTS = [
  ...seedTexts({ lines: 300, seed: 11 }),
  ...readdirSync(dataDir)
    .filter((f) => f.endsWith('.vps'))
    .sort()
    .map((f) => readFileSync(join(dataDir, f), 'utf8')),
  ...fc.sample(genArb, { numRuns: 6, seed: 8 }).map((g) => scenarioText(g, { variant: true })),
];

const json = (x: unknown) => JSON.parse(JSON.stringify(x ?? null));

/** Edits aimed at the inputs of a VM's lowering that lie outside its block. */
const aimed: fc.Arbitrary<Edit> = fc.oneof(
  // The host's pools (names, CPUs, schedulers) and its loads.
  fc.record({ kind: fc.constant('renameWord' as const), at: fraction(), text: fc.constantFrom('Pool-0', 'fast', 'slow', 'batch', 'p1') }),
  fc.record({ kind: fc.constant('insert' as const), at: fraction(), text: fc.constantFrom(' pool slow { cpus 1 }', ' sched fair', ' cpus 0-1', '\r\n', ' ', '# c\n', 'x; ', '}', 'pool fast') }),
  fc.record({ kind: fc.constant('replace' as const), at: fraction(), len: fc.integer({ min: 1, max: 4 }), text: fc.constantFrom('3', '64', 'credit', '\r\n', 'vm z {}') }),
);

const asked = fc.constantFrom('none', 'light', 'full', 'full');

function check(texts: string[], runs: number): void {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: texts.length - 1 }),
      fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: editArb }, { weight: 2, arbitrary: aimed }), asked), { minLength: 1, maxLength: 10 }),
      (k, edits) => {
        let text = texts[k];
        let ps: ParseState = parseState(text);
        const reuse = new AnalysisReuse();
        analyzeFull(analyzeChecked(analyzeSyntax(ps, { uri: URI }, reuse), { uri: URI }), { uri: URI });
        const history: Edit[] = [];
        for (const [e, depth] of edits) {
          text = applyEdit(text, e);
          history.push(e);
          ps = reparse(ps, text);
          const syntax = analyzeSyntax(ps, { uri: URI }, reuse);
          if (depth === 'none') continue;
          const what = `text ${k} after ${JSON.stringify(history)} (${ps.how}, ${depth})`;
          const checked = analyzeChecked(syntax, { uri: URI });
          const light = analyzeDocument(text, { uri: URI, hazards: false });
          assert.deepEqual(json(checked.analysis.diagnostics), json(light.diagnostics), `${what}: light diagnostics differ`);
          assert.deepEqual(json(checked.analysis.scenario), json(light.scenario), `${what}: IR differs`);
          if (depth === 'light') continue;
          const full = analyzeFull(checked, { uri: URI });
          const scratch = analyzeDocument(text, { uri: URI });
          assert.deepEqual(json(full.analysis.diagnostics), json(scratch.diagnostics), `${what}: diagnostics differ`);
          assert.deepEqual(json(full.analysis.scenario), json(scratch.scenario), `${what}: IR after the hazards differs`);
        }
      },
    ),
    fuzzParams(runs),
  );
}

test('arguments and VM lowerings kept per block: incremental equals from scratch after random edits', () => {
  check(TEXTS, 80);
});

test('on a larger generated scenario (1,000 lines, every VM a candidate for reuse)', () => {
  check([genScenario({ lines: 1000, seed: 5 })], 12);
});

test('an edit in one VM keeps the other VMs lowered (same objects before it, moved copies after it)', () => {
  const text = genScenario({ lines: 600, seed: 2 });
  const reuse = new AnalysisReuse();
  let ps = parseState(text);
  const first = analyzeChecked(analyzeSyntax(ps, { uri: URI }, reuse), { uri: URI }).analysis.scenario!;
  assert.ok(first.vms.length >= 6);
  // A space typed at the start of a line inside the fourth VM.
  const vm3 = first.vms[3].range;
  const at = text.indexOf('\n', vm3.start) + 1;
  const edited = text.slice(0, at) + ' ' + text.slice(at);
  ps = reparse(ps, edited);
  const second = analyzeChecked(analyzeSyntax(ps, { uri: URI }, reuse), { uri: URI }).analysis.scenario!;
  for (let v = 0; v < 3; v++) assert.equal(second.vms[v], first.vms[v], `VM ${v} (before the edit) is the same object`);
  assert.notEqual(second.vms[3], first.vms[3], 'the edited VM is lowered again');
  for (let v = 4; v < first.vms.length; v++) {
    assert.notEqual(second.vms[v], first.vms[v]);
    assert.equal(second.vms[v].range.start, first.vms[v].range.start + 1, `VM ${v} moved by the typed space`);
  }
  assert.deepEqual(json(second), json(analyzeDocument(edited, { uri: URI, hazards: false }).scenario));
});

test('a kept VM lowering follows the line break of the document (its fixes insert lines)', () => {
  // VPS130's fix inserts `target_vp 0` on a line of its own, with the document's line break.
  const text = 'host { pcpus 4 }\nvm a {\n  vcpus 2\n  openhcl {\n    task t {\n      run_on_target on\n      cpu 10us\n    }\n  }\n}\nvm b {\n  vcpus 2\n}\n';
  const reuse = new AnalysisReuse();
  let ps = parseState(text);
  const before = analyzeFull(analyzeChecked(analyzeSyntax(ps, { uri: URI }, reuse), { uri: URI }), { uri: URI }).analysis;
  assert.ok(before.diagnostics.some((d) => d.code === 'VPS130' && d.fixes?.some((f) => f.edits.some((e) => e.newText.includes('\n')))));
  // A CRLF typed in VM b: VM a's block is kept, the document's line break is now CRLF.
  const at = text.indexOf('vcpus 2\n}\n', text.indexOf('vm b')) + 'vcpus 2'.length;
  const edited = text.slice(0, at) + '\r\n  cap 50%' + text.slice(at);
  ps = reparse(ps, edited);
  const after = analyzeFull(analyzeChecked(analyzeSyntax(ps, { uri: URI }, reuse), { uri: URI }), { uri: URI }).analysis;
  const scratch = analyzeDocument(edited, { uri: URI });
  assert.ok(scratch.diagnostics.some((d) => d.code === 'VPS130' && d.fixes?.some((f) => f.edits.some((e) => e.newText.includes('\r\n')))));
  assert.deepEqual(json(after.diagnostics), json(scratch.diagnostics));
  assert.deepEqual(json(after.scenario), json(scratch.scenario));
});
