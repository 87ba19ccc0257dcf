/**
 * Golden outputs of the simulator: for every bundled example and the three real-trace replays
 * (test/sim/fidelity/*.vps), the `vpscope simulate FILE --all-variants --json` document (without
 * timelines) must stay byte-identical, and the timeline document (`--json --timeline`) must keep
 * its sha256. Refactors (e.g. the split of sim/guest/) must not change a byte.
 *
 * A change that alters simulated behaviour ON PURPOSE regenerates the files with
 *   UPDATE_GOLDEN=1 node scripts/test.mjs test/sim/golden.test.ts
 * and says in its commit message (and docs/sim.md when the model changed) WHICH outputs changed
 * and why, so a reviewer can tell an intended model change from an accident (issue 11).
 *
 * The run here is the one the CLI makes (same analysis, same `simulateAllWithFindings`, same
 * JSON rendering), minus the wall-clock budget (which would make the output depend on the
 * machine's speed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineIndex } from '../../server/src/core/text';
import { analyzeDocument } from '../../server/src/model/analyze';
import { toRunJson } from '../../server/src/report/simulation';
import { simulateAllWithFindings } from '../../server/src/analysis/run';

const root = join(__dirname, '..', '..');
const goldenDir = join(__dirname, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

const files = [
  ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.vps')).sort().map((f) => `examples/${f}`),
  ...readdirSync(join(root, 'test/sim/fidelity')).filter((f) => f.endsWith('.vps')).sort().map((f) => `test/sim/fidelity/${f}`),
];

interface Golden {
  file: string;
  /** sha256 of the `--json --timeline` output (the timeline document is megabytes). */
  timelineSha256: string;
  /** The `--json` output, parsed. */
  run: unknown;
}

/** The stdout of `vpscope simulate FILE --all-variants --json [--timeline]`, both in one run. */
function simulateLikeCli(file: string): { json: string; timeline: string } {
  const text = readFileSync(join(root, file), 'utf8');
  const analysis = analyzeDocument(text, { uri: file });
  assert.ok(analysis.scenario, `${file}: nothing to simulate`);
  const scenario = analysis.scenario;
  const results = simulateAllWithFindings(scenario, { variants: 'all', timeline: true });
  const lines = new LineIndex(text);
  const render = (timeline: boolean) => JSON.stringify(toRunJson(file, text, lines, scenario.settings.seed, results, analysis.diagnostics, timeline), null, 1) + '\n';
  // The timeline rendering first: toRunJson drops the timelines from the results it is given.
  const timeline = render(true);
  return { json: render(false), timeline };
}

for (const file of files) {
  const name = file.split('/').pop()!.replace(/\.vps$/, '');
  const path = join(goldenDir, `${name}.json`);
  test(`golden: ${file} simulates to the same bytes`, () => {
    const out = simulateLikeCli(file);
    const now: Golden = { file, timelineSha256: createHash('sha256').update(out.timeline).digest('hex'), run: JSON.parse(out.json) };
    if (update || !existsSync(path)) {
      writeFileSync(path, JSON.stringify(now) + '\n');
      if (!update) assert.fail(`${path} was missing and has been written: check it in`);
      return;
    }
    const want = JSON.parse(readFileSync(path, 'utf8')) as Golden;
    // Compare the rendered CLI text (key order and number formatting included).
    assert.equal(out.json, JSON.stringify(want.run, null, 1) + '\n', `${file}: --json output changed (UPDATE_GOLDEN=1 if on purpose, and say which outputs changed)`);
    assert.equal(now.timelineSha256, want.timelineSha256, `${file}: --json --timeline output changed (UPDATE_GOLDEN=1 if on purpose, and say which outputs changed)`);
  });
}
