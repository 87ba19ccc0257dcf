/**
 * The base scenario's hazards reused per VM across edits (analysis/static/reuse.ts) equal the
 * checks run over the whole scenario from scratch: after every edit of random edit sequences, the
 * hazard list (before suppressions and sorting: every diagnostic, same order) of an incremental
 * analysis that keeps an `AnalysisReuse` across versions, as the language server does, is deep-equal
 * to `staticHazards` on a from-scratch analysis of the same text. Some versions are skipped (not
 * analysed to the hazards), so what is reused may be several edits old.
 *
 * The edits are the incremental parse's random edits plus edits aimed at what the hazards of one
 * VM read of the others and of the host: words replaced by numbers, pool names, lock and barrier
 * kinds, policies, and whole VM lines duplicated or deleted. The test also checks that VMs were
 * in fact reused (it would otherwise prove nothing).
 *
 * VPSCOPE_FUZZ_RUNS=N sets the number of runs; VPSCOPE_FUZZ_SEED=S replays a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fraction } from '../../arb';
import { analyzeChecked, analyzeDocument, analyzeSyntax } from '../../../server/src/model/analyze';
import { staticHazards } from '../../../server/src/analysis/static/index';
import type { HazardMemo } from '../../../server/src/analysis/static/reuse';
import { AnalysisReuse } from '../../../server/src/model/reuse';
import { parseState, reparse, type ParseState } from '../../../server/src/syntax/incremental';
import { applyEdit, editArb, fuzzParams, seedTexts, type Edit } from '../../syntax/editArb';
import { genScenario } from '../../bench/genScenario';

/**
 * Two VMs and a host load sharing four pCPUs just short of oversubscription: more threads or CPU
 * time in `b` or in the load makes `a`'s spinlock a hazard (VPS229) although `a` was not edited,
 * and `a` had no diagnostic that pointed at `b` or the load.
 */
const NEAR_THRESHOLD = `scenario "small" {
  duration 1s
  seed 1
  stall_threshold 500us
}
host {
  pcpus 8
  sched credit2
  pool Pool-0 { cpus 0-3 }
  pool q { cpus 4-7 }
  load noise { threads 1; cpus 0-3; every 1ms; cpu 100us }
}
vm a {
  vcpus 2
  pool Pool-0
  guest {
    lock l { kind ticket }
    thread app { count 2; vcpus 0-1; every 1ms; cpu 500us; lock l 5us }
  }
}
vm b {
  vcpus 4
  pool Pool-0
  guest {
    thread w { count 2; vcpus 0-3; every 1ms; cpu 900us }
  }
}
vm c {
  vcpus 4
  pool q
  guest {
    parallel omp { work 100us; rounds 100; barrier spin }
    thread x { count 4; vcpus 0-3; every 1ms; cpu 900us }
  }
}
`;
const SEEDS = [...seedTexts({ lines: 200, seed: 4 }), genScenario({ lines: 400, seed: 9 }), NEAR_THRESHOLD];
const json = (x: unknown) => JSON.parse(JSON.stringify(x ?? null));

/** A position as a fraction of the text, spread over it. */
const spread = fraction(0.9999, 9999);

/** A word near a position replaced by one that changes a hazard input (demand, pCPUs, kinds...). */
const inputEdit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constant('renameWord' as const),
  at: spread,
  text: fc.constantFrom('spin', 'ticket', 'mutex', 'block', 'adaptive', 'paravirt', 'kernel', 'user', 'fifo', 'normal', 'static_rt', 'off', 'on', 'fast', 'slow', 'batch', 'Pool-0', 'vm0', 'vm1', 'vm2', 'periodic', 'every'),
});
const numberEdit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constant('replace' as const),
  at: spread,
  len: fc.integer({ min: 1, max: 2 }),
  text: fc.constantFrom('1', '2', '8', '16', '64', '0-3', '5ms', '50us'),
});
/**
 * A setting a VM's hazards or its neighbours' read, given another value: the first line at or after
 * a position that sets one of these keywords gets the value `pick` chooses from the keyword's list.
 */
const SETTINGS: Record<string, readonly string[]> = {
  vcpus: ['1', '2', '4', '16', '64'],
  pool: ['Pool-0', 'fast', 'slow', 'batch', 'nosuch'],
  cpus: ['0-3', '0-63', '64-127', '200'],
  count: ['1', '4', '12'],
  every: ['100us', '1ms', '20ms'],
  cpu: ['5us', '900us', 'exp 3ms'],
  kind: ['ticket', 'spin', 'mutex'],
  barrier: ['spin', 'block', 'paravirt'],
  threads: ['1', '8', '32'],
  steal_time: ['on', 'off'],
  policy: ['normal', 'fifo'],
  sched: ['credit', 'credit2', 'fair', 'fifo'],
};
const SETTING_AT = new RegExp(`(^[ \\t]*|[{;] *)(${Object.keys(SETTINGS).join('|')}) ([^;{}\\n]+?)(?= *(?:[;}]|$))`, 'gm');
type Setting = { kind: 'setting'; at: number; pick: number };
const settingEdit: fc.Arbitrary<Setting> = fc.record({ kind: fc.constant('setting' as const), at: spread, pick: fc.nat(99) });
function applySetting(text: string, e: Setting): string {
  SETTING_AT.lastIndex = Math.floor(e.at * text.length);
  const m = SETTING_AT.exec(text) ?? ((SETTING_AT.lastIndex = 0), SETTING_AT.exec(text));
  if (!m) return text;
  const values = SETTINGS[m[2]];
  const at = m.index + m[1].length + m[2].length + 1;
  return text.slice(0, at) + values[e.pick % values.length] + text.slice(at + m[3].length);
}

function hazardsFromScratch(text: string) {
  const a = analyzeDocument(text, { hazards: false });
  return a.scenario ? json(staticHazards(a.scenario, { ...a, diagnostics: [] }, text)) : null;
}

/** Random edit sequences from `seeds`; every analysed version's hazards compared with a from-scratch run. */
function property(seeds: readonly string[], edit: fc.Arbitrary<Edit | Setting>, runs: number): void {
  let reused = 0;
  let checked = 0;
  fc.assert(
    fc.property(fc.constantFrom(...seeds.keys()), fc.array(fc.tuple(edit, fc.boolean()), { minLength: 1, maxLength: 10 }), (k, list) => {
      let text = seeds[k];
      let ps: ParseState = parseState(text);
      const reuse = new AnalysisReuse();
      const hazards = (t: string, p: ParseState) => {
        const a = analyzeChecked(analyzeSyntax(p, {}, reuse)).analysis;
        return a.scenario ? json(staticHazards(a.scenario, { ...a, diagnostics: [] }, t, reuse)) : null;
      };
      hazards(text, ps);
      const history: (Edit | Setting)[] = [];
      for (const [e, analysed] of list) {
        text = e.kind === 'setting' ? applySetting(text, e) : applyEdit(text, e);
        history.push(e);
        ps = reparse(ps, text);
        // A version typed past: analysed to the syntax only (the reuse of the names moves on).
        if (!analysed) {
          void analyzeSyntax(ps, {}, reuse).analysis.symbols;
          continue;
        }
        const got = hazards(text, ps);
        const stats = (reuse.hazards as HazardMemo | undefined)?.stats;
        if (got) {
          reused += stats?.reused ?? 0;
          checked += stats?.checked ?? 0;
        }
        assert.deepEqual(got, hazardsFromScratch(text), `seed ${k} after ${JSON.stringify(history)}`);
      }
    }),
    fuzzParams(runs),
  );
  // Not vacuous: VMs were taken from earlier analyses, and some were checked again.
  assert.ok(reused >= 20 && checked > 0, `reused ${reused} VMs, checked ${checked}`);
}

test('hazards reused per VM equal the hazards from scratch after every edit', () => {
  property(SEEDS, fc.oneof(editArb, inputEdit, numberEdit, settingEdit), 60);
});

test('... after edits of the settings one VM\'s hazards read of the others and of the host', () => {
  property([NEAR_THRESHOLD, genScenario({ lines: 400, seed: 9 })], fc.oneof(settingEdit, settingEdit, settingEdit, inputEdit), 80);
});

test('an edit inside one VM reuses the others, a change of its demand checks its pCPUs again', () => {
  const text = genScenario({ lines: 400, seed: 9 });
  const reuse = new AnalysisReuse();
  let ps = parseState(text);
  const run = (t: string) => {
    ps = reparse(ps, t);
    const a = analyzeChecked(analyzeSyntax(ps, {}, reuse)).analysis;
    const got = json(staticHazards(a.scenario!, { ...a, diagnostics: [] }, t, reuse));
    assert.deepEqual(got, hazardsFromScratch(t));
    return { ...(reuse.hazards as HazardMemo).stats, vms: a.scenario!.vms.length };
  };
  const first = run(text);
  assert.equal(first.reused, 0);
  // A space typed before a task: the VM is parsed again, nobody else is checked again.
  const at = text.search(/^ {4}task t\d+ \{/m) + 4;
  const typed = text.slice(0, at) + ' ' + text.slice(at);
  assert.deepEqual(run(typed), { reused: first.vms - 1, checked: 1, vms: first.vms });
  // The first VM's vCPUs changed: its demand on its pool changes, so the VMs of that pool are checked again.
  const vcpus = /^ {2}vcpus (\d+)$/m.exec(typed)!;
  const more = typed.slice(0, vcpus.index) + `  vcpus ${Number(vcpus[1]) * 2}` + typed.slice(vcpus.index + vcpus[0].length);
  const after = run(more);
  assert.ok(after.checked > 1 && after.reused > 0, JSON.stringify(after));
});
