/**
 * Cursor -> timeline highlight (client/src/highlight.ts): what the editor's cursor is on, read
 * from the run the timeline tab shows. Checked on real runs of the examples (the same run JSON the
 * server sends), for every position of every line: the target is the innermost task or VM whose
 * source range holds the cursor, and nothing outside them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { highlightTargets, sameTargets } from '../../client/src/highlight';
import { LineIndex } from '../../server/src/core/text';
import { analyzeDocument } from '../../server/src/model/analyze';
import { toRunJson } from '../../server/src/report/simulation';
import { simulateAll } from '../../server/src/sim/run';
import { VIEW_SCHEMA, type ViewDocument } from '../../server/src/shared/view';

const root = join(__dirname, '..', '..');
const EXAMPLE = 'openhcl-blocking-syscall.vps';

interface P {
  line: number;
  character: number;
}
interface R {
  start: P;
  end: P;
}

function viewOf(file: string, durationMs = 5): { doc: ViewDocument; text: string } {
  // A short run: the highlight reads only names and ranges, which do not depend on the duration.
  const text = readFileSync(join(root, 'examples', file), 'utf8').replace(/^(\s*duration)\s+\S+/m, `$1 ${durationMs}ms`);
  const a = analyzeDocument(text, { uri: file });
  assert.ok(a.scenario, `${file} lowers`);
  const results = simulateAll(a.scenario, { variants: 'base', timeline: false });
  const run = toRunJson(file, text, new LineIndex(text), a.scenario.settings.seed, results, a.diagnostics, false);
  const doc: ViewDocument = { schema: VIEW_SCHEMA, kind: 'simulation', title: file, source: file, run: run as unknown as ViewDocument['run'], timelines: [] };
  return { doc, text };
}

const le = (a: P, b: P) => a.line < b.line || (a.line === b.line && a.character <= b.character);
const inside = (r: R, p: P) => le(r.start, p) && le(p, r.end);

test('on a task line: that task and its VM; on a VM line outside tasks: the VM; elsewhere nothing', () => {
  const { doc, text } = viewOf(EXAMPLE);
  const v = doc.run!.variants[0] as unknown as { tasks: { name: string; vm?: string; range?: R }[]; vms: { name: string; range?: R }[] };
  const lines = text.split('\n');
  const withRange = v.tasks.filter((t) => t.range);
  assert.ok(withRange.length >= 2, 'the example has tasks with source ranges');
  for (const t of withRange) {
    const got = highlightTargets(doc, t.range!.start, lines[t.range!.start.line]);
    assert.deepEqual(got.map((g) => [g.task, g.vm]), [[t.name, t.vm]], `cursor on task ${t.name}`);
  }
  const vm = v.vms.find((m) => m.range)!;
  assert.ok(vm, 'a VM with a range');
  // The VM's own line (its `vm NAME {`) is in no task.
  assert.deepEqual(highlightTargets(doc, vm.range!.start, lines[vm.range!.start.line]), [{ vm: vm.name }]);
  // Line 0 is before every statement that has a range (a comment or the scenario line).
  const first = Math.min(...[...v.tasks, ...v.vms].filter((x) => x.range).map((x) => x.range!.start.line));
  if (first > 0) assert.deepEqual(highlightTargets(doc, { line: 0, character: 0 }, lines[0]), []);
});

test('every position of every example: each target is the innermost task (else VM) whose range holds the cursor', () => {
  const files = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.vps')).sort();
  for (const file of files) {
    const { doc, text } = viewOf(file);
    const v = doc.run!.variants[0] as unknown as { tasks: { name: string; vm?: string; range?: R }[]; vms: { name: string; range?: R }[] };
    const lines = text.split('\n');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: lines.length + 2 }), fc.integer({ min: 0, max: 120 }), (line, character) => {
        const pos = { line, character };
        const got = highlightTargets(doc, pos, lines[line] ?? '');
        const tasks = v.tasks.filter((t) => t.range && inside(t.range, pos));
        const vms = v.vms.filter((m) => m.range && inside(m.range, pos));
        if (tasks.length === 0 && vms.length === 0) return got.length === 0;
        assert.equal(got.length, 1, `${file} ${line}:${character}: ${JSON.stringify(got)}`);
        if (tasks.length) return tasks.some((t) => t.name === got[0].task && t.vm === got[0].vm);
        return got[0].task === undefined && vms.some((m) => m.name === got[0].vm);
      }),
      { numRuns: 300, seed: 7 },
    );
  }
});

test('a `vp N` on the cursor line adds the VP; a document without a run or with junk gives nothing', () => {
  const { doc, text } = viewOf(EXAMPLE);
  const v = doc.run!.variants[0] as unknown as { tasks: { name: string; vm?: string; range?: R }[] };
  const t = v.tasks.find((x) => x.range && x.vm)!;
  assert.deepEqual(highlightTargets(doc, t.range!.start, '    task x { target_vp 3 }'), [{ task: t.name, vm: t.vm, vp: 3 }]);
  assert.deepEqual(highlightTargets(undefined, { line: 0, character: 0 }), []);
  const junk = { ...doc, run: { ...doc.run!, variants: [{ name: 'base', tasks: [{ name: 1, range: 'x' }, null], vms: 'no' }] } } as unknown as ViewDocument;
  assert.deepEqual(highlightTargets(junk, { line: 1, character: 1 }, text), []);
  assert.ok(sameTargets([{ vm: 'a', task: 'b' }], [{ vm: 'a', task: 'b' }]));
  assert.ok(!sameTargets([{ vm: 'a' }], [{ vm: 'a', vp: 1 }]));
});
