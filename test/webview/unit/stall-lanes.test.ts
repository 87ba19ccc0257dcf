/**
 * Which lane a click on a stall selects, over every stall of every example (all variants): the
 * simulator names each stall's lane (`Stall.lane`), the lane exists in the run's timeline, and the
 * stall list selects exactly it. StorVSP worker stalls (`storvsp scsi0 ch3`) land on the worker's
 * lane (`vm:VM/task:storvsp:scsi0/ch:3`), not the VP's. And the stall list's headline counts every
 * stall of the run (`stallSummary`), not only the listed longest ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { fmtCount, fmtNs } from '../../../server/src/core/format';
import { LineIndex } from '../../../server/src/core/text';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { toRunJson } from '../../../server/src/report/simulation';
import { buildSimulationView } from '../../../server/src/report/view';
import { simulateAll } from '../../../server/src/sim/run';
import type { ViewDocument } from '../../../server/src/shared/view';
import { stallLane, stallSummaryText } from '../../../webview/src/panels/logic';
import { simulationData } from '../../../webview/src/panels/source';

const root = join(__dirname, '..', '..', '..');
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.vps')).sort();

/** The view document the editor's timeline tab gets for an example (every variant, with timelines). */
function viewOf(file: string): ViewDocument {
  const text = readFileSync(join(root, 'examples', file), 'utf8');
  const a = analyzeDocument(text, { uri: file });
  assert.ok(a.scenario, `${file} has errors`);
  const results = simulateAll(a.scenario, { variants: 'all', timeline: true });
  const run = toRunJson(file, text, new LineIndex(text), a.scenario.settings.seed, results, a.diagnostics, true);
  return buildSimulationView({ title: a.scenario.title, source: file, run });
}

const views = new Map(examples.map((f) => [f, viewOf(f)]));

test('every stall of every example names a lane of its timeline, and a click selects that lane', () => {
  let checked = 0;
  for (const [file, doc] of views) {
    doc.run!.variants.forEach((v, i) => {
      const lanes = new Set(doc.timelines[i].lanes.map((l) => l.id));
      for (const s of simulationData(v, v.name).stalls) {
        const what = `${file} ${v.name}: stall of ${s.task} on VP ${s.vp} (${s.cause})`;
        assert.ok(s.lane, `${what} names its lane`);
        assert.ok(lanes.has(s.lane), `${what}: its lane ${s.lane} is in the timeline`);
        assert.equal(stallLane(s, (id) => lanes.has(id)), s.lane, `${what}: the click selects its own lane`);
        checked++;
      }
    });
  }
  assert.ok(checked > 100, `stalls checked: ${checked}`);
});

test('StorVSP worker stalls land on the worker\'s lane, not the VP\'s', () => {
  const doc = views.get('storvsp-head-of-line.vps');
  assert.ok(doc, 'the StorVSP example exists');
  let workers = 0;
  doc.run!.variants.forEach((v, i) => {
    const lanes = new Set(doc.timelines[i].lanes.map((l) => l.id));
    for (const s of simulationData(v, v.name).stalls) {
      const m = /^storvsp (\S+) ch(\d+)$/.exec(s.task ?? '');
      if (!m) continue;
      workers++;
      const want = `vm:${s.vm}/task:storvsp:${m[1]}/ch:${m[2]}`;
      assert.ok(lanes.has(want), `the worker lane ${want} exists`);
      assert.equal(stallLane(s, (id) => lanes.has(id)), want);
    }
  });
  assert.ok(workers > 0, 'the StorVSP example has worker stalls');
});

test('documents without `lane` (older runs) still map each stall to a lane of its VM', () => {
  for (const [file, doc] of views) {
    doc.run!.variants.forEach((v, i) => {
      const lanes = new Set(doc.timelines[i].lanes.map((l) => l.id));
      for (const s of simulationData(v, v.name).stalls) {
        if (s.vm === undefined) continue;
        const lane = stallLane({ ...s, lane: undefined }, (id) => lanes.has(id));
        assert.ok(lane?.startsWith(`vm:${s.vm}/`), `${file} ${v.name}: ${s.task} -> ${lane}`);
      }
      // A lane the timeline does not have is not selected (a stale or foreign name).
      for (const s of simulationData(v, v.name).stalls.slice(0, 3)) assert.notEqual(stallLane({ ...s, lane: 'vm:nowhere/task:x' }, (id) => lanes.has(id)), 'vm:nowhere/task:x');
    });
  }
});

test('the stall list counts every stall of the run, not only the listed longest', () => {
  let capped = 0;
  for (const [file, doc] of views) {
    for (const v of doc.run!.variants) {
      const d = simulationData(v, v.name);
      const sum = v.stallSummary as { count: number; byCause: Record<string, { count: number }> };
      assert.equal(d.stallTotals?.count, sum.count, `${file} ${v.name}: total read from stallSummary`);
      const text = stallSummaryText([{ name: v.name, listed: d.stalls, totals: d.stallTotals }], fmtNs, fmtCount);
      if (sum.count > d.stalls.length) {
        capped++;
        assert.match(text, new RegExp(`^${d.stalls.length} longest of ${fmtCount(sum.count)} stalls`), `${file} ${v.name}: ${text}`);
      } else if (sum.count > 0) assert.match(text, new RegExp(`^${fmtCount(sum.count)} stalls?,`), `${file} ${v.name}: ${text}`);
      for (const [cause, c] of Object.entries(sum.byCause)) assert.ok(text.includes(`${cause} ${fmtCount(c.count)} (`), `${file} ${v.name}: ${cause} ${c.count} in ${text}`);
    }
  }
  assert.ok(capped > 0, 'some example has more stalls than the 200 listed');
});

test('stall headline: the counts it states add up, for any listed/total split', () => {
  const cause = fc.constantFrom('blocking-syscall', 'vcpu-preempted', 'channel-queue-full', '');
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          listed: fc.array(fc.record({ cause, durationNs: fc.integer({ min: 1, max: 1e9 }) }), { maxLength: 20 }),
          extra: fc.array(fc.tuple(cause, fc.integer({ min: 0, max: 5000 })), { maxLength: 4 }),
          withTotals: fc.boolean(),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      (vs) => {
        const input = vs.map((v, i) => {
          const byCause = new Map<string, { count: number; totalNs: number }>();
          for (const r of v.listed) {
            const e = byCause.get(r.cause) ?? { count: 0, totalNs: 0 };
            e.count++;
            e.totalNs += r.durationNs;
            byCause.set(r.cause, e);
          }
          for (const [c, n] of v.extra) {
            const e = byCause.get(c) ?? { count: 0, totalNs: 0 };
            e.count += n;
            e.totalNs += n * 1000;
            byCause.set(c, e);
          }
          const count = [...byCause.values()].reduce((a, c) => a + c.count, 0);
          return { name: `v${i}`, listed: v.listed, totals: v.withTotals ? { count, byCause: [...byCause].map(([c, e]) => ({ cause: c, ...e })) } : undefined };
        });
        const all = input.reduce((a, v) => a + (v.totals?.count ?? v.listed.length), 0);
        const text = stallSummaryText(input, fmtNs, String);
        if (all === 0) return assert.equal(text, 'No stalls in this run.');
        assert.ok(text.startsWith(input.length > 1 ? `${all} stall` : input[0].listed.length < all ? `${input[0].listed.length} longest of ${all} stall` : `${all} stall`), text);
        // The per-cause counts it lists sum to the total it states.
        const per = [...text.slice(text.indexOf(' in all: ')).matchAll(/(\S+) (\d+) \(/g)].reduce((a, m) => a + Number(m[2]), 0);
        assert.equal(per, all, text);
      },
    ),
  );
});
