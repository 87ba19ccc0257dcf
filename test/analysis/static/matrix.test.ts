/**
 * The raise / no-raise matrix of the static hazards (test/analysis/static/matrix/, docs/hazards.md
 * "Tests"). For every code in `HazardCodes`:
 *
 * - `VPS2NN.raise.vps` raises exactly its caret-annotated hazards (code, severity, range, message
 *   prefix; see ./check.ts), at least one of them of that code;
 * - `VPS2NN.quiet.vps` is the raise case with one or two lines changed (its top comment says which
 *   and cites the rule of docs/hazards.md) and does not raise the code;
 * - `VPS2NN.variant.vps` raises the code only inside a `variant`, and its fixes edit that variant;
 * - every quick fix of every diagnostic of the code is applied and the text re-analysed: no errors,
 *   that diagnostic gone, the variants and their `based_on` chains unchanged, no new diagnostic
 *   codes, and the same fix not offered again on the same spot.
 *
 * Then generated near-misses (fast-check) on both sides of each numeric threshold: the code is
 * raised iff the rule docs/hazards.md states says so.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Diagnostic, Fix, TextEdit } from '../../../server/src/core/diagnostic';
import type { TextRange } from '../../../server/src/core/text';
import { HazardCodes } from '../../../server/src/analysis/static/codes';
import { analyzeDocument } from '../../../server/src/model/analyze';
import type { DocumentAnalysis } from '../../../server/src/model/analysisTypes';
import { applyEdits, check, checkFix, dedent, fixTitles } from './check';

const DIR = join(__dirname, 'matrix');
const KINDS = ['raise', 'quiet', 'variant'] as const;
type Kind = (typeof KINDS)[number];
const CODES: string[] = Object.values(HazardCodes);

/**
 * Codes that cannot be raised inside a variant, with the reason. Empty: every static hazard can
 * be, since a variant can change any setting of the base.
 */
const NO_VARIANT: Record<string, string> = {};

/**
 * Variant cases whose finding has no fix although the code has fixes in the base, with the reason
 * (a fix offered in a variant must edit that variant only).
 */
const NO_VARIANT_FIX: Record<string, string> = {
  VPS210: 'docs/hazards.md VPS210: the move to a new controller is offered in the base scenario only',
};

/** docs/hazards.md, by code: the text of each `### VPS2NN` section. */
const hazardDocs = new Map(
  readFileSync(join(__dirname, '..', '..', '..', 'docs', 'hazards.md'), 'utf8')
    .split(/^### /m)
    .slice(1)
    .map((p) => [p.slice(0, 6), p] as const),
);

const files = readdirSync(DIR).filter((f) => f.endsWith('.vps'));
const read = (code: string, kind: Kind): string | undefined => {
  const f = `${code}.${kind}.vps`;
  return files.includes(f) ? readFileSync(join(DIR, f), 'utf8') : undefined;
};

const analyze = (text: string): DocumentAnalysis => analyzeDocument(text, { uri: 'case.vps' });
const errorsOf = (a: DocumentAnalysis) => a.diagnostics.filter((d) => d.severity === 'error');
const fmt = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.severity} ${d.code} @${d.range.start}-${d.range.end}: ${d.message.slice(0, 120)}`).join('\n') || '(none)';

/** The lines that matter for "near-identical": no comments (header, caret annotations), no blanks. */
function codeLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

/** How many lines one list changes, adds or drops against the other. */
function changedLines(a: string[], b: string[]): number {
  // Longest common subsequence of lines: changed = the larger side minus the common part.
  const n = a.length;
  const m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  return Math.max(n, m) - dp[0][0];
}

/** Where an offset of the old text lands in the new one after `edits` (`end`: an insertion at it stays after it). */
function mapOffset(x: number, edits: readonly TextEdit[], side: 'start' | 'end'): number {
  let shift = 0;
  for (const e of edits) {
    const { start, end } = e.range;
    const delta = e.newText.length - (end - start);
    if (end < x || (end === x && (side === 'start' || start < x))) shift += delta;
    else if (start < x && x < end) return start + shift + (side === 'end' ? e.newText.length : 0);
  }
  return x + shift;
}

function mapRange(r: TextRange, edits: readonly TextEdit[]): TextRange {
  const sorted = [...edits].sort((a, b) => a.range.start - b.range.start);
  return { start: mapOffset(r.start, sorted, 'start'), end: mapOffset(r.end, sorted, 'end') };
}

const overlaps = (a: TextRange, b: TextRange) => (a.start < b.end && b.start < a.end) || (a.start === b.start && a.end === b.end);

const variantChain = (a: DocumentAnalysis) => (a.scenario?.variants ?? []).map((v) => ({ name: v.name, basedOn: v.basedOn }));

/** Applies `fix` of diagnostic `d` to `text` (analysed as `before`) and checks what the matrix promises. */
function checkFixApplied(text: string, before: DocumentAnalysis, d: Diagnostic, fix: Fix): string {
  const what = `${d.code} fix "${fix.title}"`;
  const out = applyEdits(text, fix.edits);
  assert.notEqual(out, text, `${what} changes the text`);
  const after = analyze(out);
  assert.equal(errorsOf(after).length, 0, `${what} leaves a valid scenario:\n${fmt(errorsOf(after))}\n--- text:\n${out}`);
  assert.ok(after.scenario, `${what}: the fixed text lowers to a scenario`);
  const where = mapRange(d.range, fix.edits);
  const left = after.diagnostics.filter((x) => x.code === d.code && overlaps(x.range, where));
  assert.equal(left.length, 0, `${what} removes the finding at ${where.start}-${where.end}; still there:\n${fmt(left)}\n--- text:\n${out}`);
  assert.deepEqual(variantChain(after), variantChain(before), `${what} keeps the variants and their based_on chains`);
  const had = new Set(before.diagnostics.map((x) => x.code));
  const fresh = after.diagnostics.filter((x) => !had.has(x.code));
  assert.equal(fresh.length, 0, `${what} adds no new diagnostic codes:\n${fmt(fresh)}\n--- text:\n${out}`);
  // Idempotent-safe: analysing again gives the same answer, and the same fix is not offered again there.
  assert.deepEqual(analyze(out).diagnostics, after.diagnostics, `${what}: re-analysis is deterministic`);
  const again = after.diagnostics.filter((x) => x.code === d.code && (x.fixes ?? []).some((f) => f.title === fix.title && f.edits.some((e) => overlaps(e.range, where))));
  assert.equal(again.length, 0, `${what} is not offered again on the fixed spot:\n${fmt(again)}`);
  return out;
}

describe('hazard matrix: the cases exist', () => {
  test('every code in HazardCodes has a raise and a quiet case, and a variant case unless exempted', () => {
    const missing: string[] = [];
    for (const code of CODES) {
      for (const kind of KINDS) {
        if (kind === 'variant' && NO_VARIANT[code]) continue;
        if (read(code, kind) === undefined) missing.push(`${code}.${kind}.vps`);
      }
    }
    assert.deepEqual(missing, [], 'a new hazard code needs its matrix cases in test/analysis/static/matrix/');
  });

  test('every file in the folder is a case of a known code', () => {
    const stray = files.filter((f) => {
      const m = /^(VPS2\d\d)\.(raise|quiet|variant)\.vps$/.exec(f);
      return !m || !CODES.includes(m[1]) || (m[2] === 'variant' && NO_VARIANT[m[1]] !== undefined);
    });
    assert.deepEqual(stray, []);
    assert.ok(CODES.length >= 20, 'the catalog is read');
  });
});

for (const code of CODES) {
  describe(`hazard matrix: ${code}`, () => {
    const raise = read(code, 'raise');
    const quiet = read(code, 'quiet');
    const variant = read(code, 'variant');

    test('raise: exactly the annotated hazards, at least one of this code', () => {
      assert.ok(raise, `${code}.raise.vps exists`);
      const { hazards } = check(raise);
      assert.ok(hazards.some((d) => d.code === code), `${code}.raise.vps raises ${code}`);
    });

    test('quiet: valid, does not raise it, and differs from the raise case in one or two lines', () => {
      assert.ok(raise && quiet, `${code}.raise.vps and ${code}.quiet.vps exist`);
      const a = analyze(quiet);
      assert.equal(errorsOf(a).length, 0, `the quiet case is valid:\n${fmt(errorsOf(a))}`);
      const hit = a.diagnostics.filter((d) => d.code === code);
      assert.equal(hit.length, 0, `the quiet case does not raise ${code}:\n${fmt(hit)}`);
      const n = changedLines(codeLines(raise), codeLines(quiet));
      assert.ok(n >= 1 && n <= 2, `the quiet case differs minimally from the raise case (${n} lines changed)`);
      const header = quiet.split('\n').filter((l) => l.startsWith('#')).join('\n');
      assert.match(header, new RegExp(`^# ${code} quiet: `), 'the top comment says what changed');
      assert.match(header, /docs\/hazards\.md/, 'the top comment cites the rule in docs/hazards.md');
    });

    test('raise: every quick fix removes its finding and keeps the text valid; a fix exists unless the docs say none', () => {
      assert.ok(raise);
      const { text, analysis } = check(raise);
      const noFix = /No quick fix\./.test(hazardDocs.get(code) ?? '');
      const withFix = analysis.diagnostics.filter((x) => x.code === code && x.fixes?.length);
      assert.equal(withFix.length > 0, !noFix, `docs/hazards.md ${code} says ${noFix ? '"No quick fix"' : 'there is a quick fix'}`);
      for (const d of analysis.diagnostics.filter((x) => x.code === code)) for (const f of d.fixes ?? []) checkFixApplied(text, analysis, d, f);
    });

    if (NO_VARIANT[code]) return;
    test('variant: raised only in the variant, and its fixes edit that variant, not the base', () => {
      assert.ok(variant, `${code}.variant.vps exists`);
      const { text, analysis, hazards } = check(variant);
      const mine = hazards.filter((d) => d.code === code);
      assert.ok(mine.length > 0, `${code}.variant.vps raises ${code}`);
      const variants = analysis.scenario!.variants;
      const noFix = /No quick fix\./.test(hazardDocs.get(code) ?? '') || NO_VARIANT_FIX[code] !== undefined;
      assert.equal(mine.some((d) => d.fixes?.length), !noFix, `${code} in a variant ${noFix ? 'has no fix' : 'has a fix that edits the variant'}`);
      for (const d of mine) {
        const m = /^In variant `([^`]+)`: /.exec(d.message);
        assert.ok(m, `${code} is raised by a variant, not the base: ${d.message.slice(0, 80)}`);
        const v = variants.find((x) => x.name === m[1]);
        assert.ok(v, `variant ${m[1]} is in the IR`);
        for (const f of d.fixes ?? []) {
          for (const e of f.edits) {
            assert.ok(e.range.start > v.range.start && e.range.end < v.range.end, `${code} fix "${f.title}" edits inside variant \`${v.name}\` (${v.range.start}-${v.range.end}), not at ${e.range.start}-${e.range.end}`);
          }
          checkFixApplied(text, analysis, d, f);
        }
      }
    });
  });
}

describe('hazard matrix: fixes applied one after another', () => {
  test('taking the first, second or third fix each time ends with no fixable finding of the code, in a few steps, never invalid', () => {
    for (const code of CODES) {
      for (const kind of ['raise', 'variant'] as const) {
        const original = read(code, kind);
        if (original === undefined) continue;
        const chain = variantChain(analyze(original));
        for (const choice of [0, 1, 2]) {
          let text: string = original;
          for (let step = 0; ; step++) {
            const a = analyze(text);
            assert.equal(errorsOf(a).length, 0, `${code}.${kind}.vps, fix #${choice + 1} ${step} times: valid\n${fmt(errorsOf(a))}\n${text}`);
            assert.deepEqual(variantChain(a), chain, `${code}.${kind}.vps: the variants are intact`);
            const d = a.diagnostics.find((x) => x.code === code && x.fixes?.length);
            if (!d) break;
            assert.ok(step < 8, `${code}.${kind}.vps: fixes converge (still ${d.message.slice(0, 80)})`);
            text = applyEdits(text, d.fixes![Math.min(choice, d.fixes!.length - 1)].edits);
          }
        }
      }
    }
  });
});

describe('hazard matrix: fixes keep the document\'s line breaks and indentation', () => {
  const styles: Record<string, { to: (t: string) => string; bad: RegExp; what: string }> = {
    crlf: { to: (t) => t.replace(/\n/g, '\r\n'), bad: /(^|[^\r])\n/, what: 'a bare \\n line break' },
    tabs: { to: (t) => t.replace(/^( +)/gm, (m) => '\t'.repeat(m.length / 2)), bad: /\n +/, what: 'a line indented with spaces' },
  };
  for (const [style, { to, bad, what }] of Object.entries(styles)) {
    test(`${style}: the same hazards, and every fix applies without ${what}`, () => {
      let applied = 0;
      for (const code of CODES) {
        for (const kind of ['raise', 'variant'] as const) {
          const original = read(code, kind);
          if (original === undefined) continue;
          const text = to(original);
          const a = analyze(text);
          const key = (d: Diagnostic) => `${d.severity} ${d.code}: ${d.message}`;
          const hazards = (x: DocumentAnalysis) => x.diagnostics.filter((d) => /^VPS2\d\d$/.test(d.code)).map(key);
          assert.deepEqual(hazards(a), hazards(analyze(original)), `${code}.${kind}.vps as ${style}: the same hazards`);
          for (const d of a.diagnostics.filter((x) => x.code === code)) {
            for (const f of d.fixes ?? []) {
              for (const e of f.edits) assert.doesNotMatch(e.newText, bad, `${code}.${kind}.vps as ${style}: fix "${f.title}" inserts ${what}: ${JSON.stringify(e.newText)}`);
              checkFixApplied(text, a, d, f);
              applied++;
            }
          }
        }
      }
      assert.ok(applied >= 30, `fixes applied: ${applied}`);
    });
  }
});

describe('hazard matrix: a base fix never leaves a variant pointing at what it moved', () => {
  const BASE = `
    host { pcpus 2 }
    vm db {
      vcpus 2
      openhcl { storvsp scsi { sub_channels 1; disk os { latency 100us }; disk archive { latency 20ms } } }
      guest { ioload boot { disk scsi os; rate 1k/s }; ioload backup { disk scsi archive; rate 10/s } }
    }
  `;
  test('VPS210: no move to a new controller while a variant sends IO to the disk or overrides it', () => {
    for (const v of [
      'variant more_backup { vm db { guest { ioload backup { disk scsi archive; rate 20/s } } } }',
      'variant dump { vm db { guest { thread t { every 10ms; disk_io scsi archive } } } }',
      'variant slower { vm db { openhcl { storvsp scsi { disk archive { latency 30ms } } } } }',
      'variant gone { vm db { openhcl { storvsp scsi { remove disk archive } }; guest { remove ioload backup } } }',
    ]) {
      const src = dedent(BASE) + v + '\n';
      const a = analyze(src);
      assert.equal(errorsOf(a).length, 0, `${v}: valid\n${fmt(errorsOf(a))}`);
      assert.deepEqual(fixTitles(src, 'VPS210').filter((t) => t.length), [], `${v}: no fix`);
    }
  });

  test('VPS210: a variant that does not name the disk keeps the fix, and stays valid after it', () => {
    const src = dedent(BASE) + 'variant faster { vm db { guest { ioload backup { rate 20/s } } } }\n';
    const a = analyze(src);
    const d = a.diagnostics.find((x) => x.code === 'VPS210')!;
    assert.equal(d.fixes?.length, 1);
    checkFixApplied(src, a, d, d.fixes![0]);
  });
});

describe('hazard matrix: a base fix stays valid in every variant', () => {
  const UNTARGETED = `
    host { pcpus 4 }
    vm web { vcpus 4; openhcl { task a { rate 1k/s; io 50us }; task b { rate 1k/s; io 50us } } }
  `;
  test('VPS206: the VPs targeted exist in every variant; none to target when a variant has one VP', () => {
    assert.deepEqual(fixTitles(dedent(UNTARGETED) + 'variant two { vm web { vcpus 2 } }\n', 'VPS206'), [['Target VP 1 (`target_vp 1`)'], ['Target VP 1 (`target_vp 1`)']]);
    assert.deepEqual(fixTitles(dedent(UNTARGETED) + 'variant one { vm web { vcpus 1 } }\n', 'VPS206'), [[], []]);
    // A variant based on the one that grows the VM sees the fix made there: `narrow` (2 VPs, `b`
    // on a dedicated thread, so nothing raised there) keeps the targets of `wide`'s fixes.
    const src =
      dedent(UNTARGETED).replace('vcpus 4', 'vcpus 1') +
      'variant wide { vm web { vcpus 4 } }\nvariant narrow { based_on wide; vm web { vcpus 2; openhcl { task b { runs_on dedicated } } } }\n';
    const a = analyze(src);
    const d = a.diagnostics.filter((x) => x.code === 'VPS206');
    assert.deepEqual(d.map((x) => (x.fixes ?? []).map((f) => f.title)), [['Target VP 1 (`target_vp 1`)'], ['Target VP 1 (`target_vp 1`)']]);
    for (const x of d) checkFixApplied(src, a, x, x.fixes![0]);
  });

  const PINNED = `
    host { pcpus 8; sched credit }
    vm a { vcpus 2; cpus 4-5; cpu_weight 512 }
    vm b { vcpus 2; cpus 4-5 }
  `;
  test('VPS223: no new cpupool on pCPUs a variant gives to another pool; a name no variant uses', () => {
    assert.deepEqual(fixTitles(dedent(PINNED) + 'variant lic { host { pool extra { cpus 3-4 } } }\n', 'VPS223'), [[], []]);
    const src = dedent(PINNED) + 'variant mine { host { pool a-pool { cpus 6-7 } } }\n';
    const a = analyze(src);
    const d = a.diagnostics.find((x) => x.code === 'VPS223')!;
    assert.match(d.fixes![0].title, /`a-pool2`/);
    checkFixApplied(src, a, d, d.fixes![0]);
  });
});

describe('hazard matrix: every base fix of every raise case keeps added variants valid', () => {
  test('variants that shrink a VM, add a pool, or change its sidecar: still no errors after each fix', () => {
    let checked = 0;
    for (const code of CODES) {
      const raise = read(code, 'raise');
      if (raise === undefined) continue;
      const vms = [...raise.matchAll(/^vm (\w+)/gm)].map((m) => m[1]);
      const extras = [
        'variant pools { host { pool extra { cpus 3-4 } } }',
        'variant strict { scenario { stall_threshold 100us } }',
        ...vms.flatMap((n) => [
          `variant one_${n} { vm ${n} { vcpus 1 } }`,
          `variant two_${n} { vm ${n} { vcpus 2 } }`,
          `variant sidecar_${n} { vm ${n} { openhcl { sidecar { hotplug off } } } }`,
          `variant no_sidecar_${n} { vm ${n} { openhcl { remove sidecar } } }`,
        ]),
      ];
      for (const v of extras) {
        const text = raise + v + '\n';
        const a = analyze(text);
        if (errorsOf(a).length) continue; // this variant does not apply to the case
        for (const d of a.diagnostics.filter((x) => x.code === code && !x.message.startsWith('In variant'))) {
          for (const f of d.fixes ?? []) {
            const after = analyze(applyEdits(text, f.edits));
            assert.equal(errorsOf(after).length, 0, `${code}.raise.vps + \`${v}\`: fix "${f.title}" keeps the variant valid:\n${fmt(errorsOf(after))}`);
            checked++;
          }
        }
      }
    }
    assert.ok(checked >= 100, `fixes checked: ${checked}`);
  });
});

describe('hazard matrix: fixes that name a new block quote the name when it needs quotes', () => {
  test('VPS210: the new controller of a quoted controller and disk', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm db {
        vcpus 2
        openhcl {
          storvsp "scsi 0" { sub_channels 1; disk os { latency 100us }; disk "old archive" { latency 20ms } }
        }
        guest { ioload boot { disk "scsi 0" os; rate 1k/s }; ioload backup { disk "scsi 0" "old archive"; rate 10/s } }
      }
      `,
      'VPS210',
      `
      host { pcpus 2 }
      vm db {
        vcpus 2
        openhcl {
          storvsp "scsi 0" { sub_channels 1; disk os { latency 100us } }
          storvsp "scsi 0_old archive" {
            sub_channels 1
            disk "old archive" { latency 20ms }
          }
        }
        guest { ioload boot { disk "scsi 0" os; rate 1k/s }; ioload backup { disk "scsi 0_old archive" "old archive"; rate 10/s } }
      }
      `,
    );
  });

  test('VPS223: the new cpupool of a quoted domain', () => {
    checkFix(
      `
      host { pcpus 8; sched credit }
      vm "lic a" { vcpus 2; cpus 4-5; cpu_weight 512 }
      vm b { vcpus 2; cpus 4-5 }
      `,
      'VPS223',
      `
      host { pool "lic a-pool" { cpus 4-5; sched credit }; pcpus 8; sched credit }
      vm "lic a" { pool "lic a-pool"; vcpus 2; cpus 4-5; cpu_weight 512 }
      vm b { pool "lic a-pool"; vcpus 2; cpus 4-5 }
      `,
    );
  });
});

// ---- generated near-misses ----------------------------------------------------------------------

const raised = (text: string, code: string): Diagnostic[] => {
  const a = analyze(text);
  assert.equal(errorsOf(a).length, 0, `generated case is valid:\n${fmt(errorsOf(a))}\n${text}`);
  return a.diagnostics.filter((d) => d.code === code);
};

/** Runs per property; `examples` pin the cases right at each threshold (fast-check runs them first). */
const RUNS = { numRuns: 120 };
const at = <T>(...examples: T[]) => ({ ...RUNS, examples });

describe('hazard matrix: near-misses around the documented thresholds', () => {
  test('VPS201 on every blocking syscall; VPS202 iff one pass (cpu + syscall) is at least the period', () => {
    // docs/hazards.md VPS201: any `syscall` on a VP thread; VPS202: an `every` period no longer
    // than one pass's busy time (compute plus blocking waits) keeps the task always ready.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 900 }), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 50, max: 3000 }), (cpu, sys, period) => {
        const text = `host { pcpus 2 }\nvm web { vcpus 2; openhcl { task t { target_vp 1; every ${period}us; cpu ${cpu}us; syscall ${sys}us } } }\n`;
        assert.equal(raised(text, 'VPS201').length, 1, text);
        assert.equal(raised(text, 'VPS202').length > 0, cpu + sys >= period, text);
      }),
      at<[number, number, number]>([500, 500, 1000], [500, 499, 1000], [900, 100, 1001]),
    );
  });

  test('VPS202 iff a cpu step exceeds the stall threshold', () => {
    // docs/hazards.md (thresholds): a compute step whose tail exceeds `stall_threshold` is long.
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 3000 }), fc.integer({ min: 100, max: 3000 }), (cpu, threshold) => {
        const text = `scenario { stall_threshold ${threshold}us }\nhost { pcpus 2 }\nvm web { vcpus 2; openhcl { task t { target_vp 1; every 100ms; cpu ${cpu}us } } }\n`;
        assert.equal(raised(text, 'VPS202').length > 0, cpu > threshold, text);
      }),
      at<[number, number]>([1000, 1000], [1001, 1000], [999, 1000]),
    );
  });

  test('VPS208 iff StorVSP subchannels exceed VPs - 1, or NetVSP subchannels exceed min(32, VPs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 48 }), fc.integer({ min: 0, max: 48 }), (vps, scsi, nic) => {
        const text = `host { pcpus 40 }\nvm a { vcpus ${vps}; openhcl { storvsp s { sub_channels ${scsi} }; netvsp n { sub_channels ${nic} } } }\n`;
        const ds = raised(text, 'VPS208');
        assert.equal(ds.some((d) => d.message.includes('controller `s`')), scsi > vps - 1, text);
        assert.equal(ds.some((d) => d.message.includes('NIC `n`')), nic > Math.min(32, vps), text);
      }),
      at<[number, number, number]>([4, 3, 4], [4, 4, 5], [32, 31, 32], [40, 39, 33], [40, 40, 32]),
    );
  });

  test('VPS210 iff a disk with IO is at least 10 times slower (mean) than another disk with IO', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 500 }), fc.integer({ min: 10, max: 200 }), (fast, tenths) => {
        const slow = Math.round((fast * tenths) / 10);
        const text =
          'host { pcpus 2 }\n' +
          `vm db { vcpus 2; openhcl { storvsp c { sub_channels 1; disk f { latency ${fast}us }; disk s { latency ${slow}us } } }\n` +
          '  guest { ioload a { disk c f; rate 1k/s }; ioload b { disk c s; rate 10/s } } }\n';
        assert.equal(raised(text, 'VPS210').length > 0, slow >= 10 * fast, text);
      }),
      at<[number, number]>([100, 100], [100, 99], [37, 100], [20, 101]),
    );
  });

  test('VPS211 iff a backend of 1 ms or more keeps at least poll_mode_queue_depth IOs pending per channel', () => {
    // docs/hazards.md VPS211: pending per channel = closed-loop depth over the channels the
    // submitting vCPUs use (here 2 vCPUs, 2 channels).
    fc.assert(
      fc.property(fc.constantFrom(500, 999, 1000, 2000, 20000), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 16 }), (latUs, depth, poll) => {
        const text = `host { pcpus 2 }\nvm db { vcpus 2; openhcl { storvsp c { sub_channels 1; poll_mode_queue_depth ${poll}; disk s { latency ${latUs}us } } }; guest { ioload l { disk c s; depth ${depth} } } }\n`;
        assert.equal(raised(text, 'VPS211').length > 0, latUs >= 1000 && depth / 2 >= poll, text);
      }),
      at<[number, number, number]>([1000, 8, 4], [999, 64, 1], [1000, 7, 4], [20000, 32, 16], [20000, 30, 16]),
    );
  });

  test('VPS214 iff exits from sidecar VPs reach 1000 per second', () => {
    // 4 VPs, `linux_vps` 0: VPs 1-3 are sidecar VPs, each taking the intercept's rate.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), (rate) => {
        const text = `host { pcpus 4 }\nvm big { vcpus 4; openhcl { sidecar { hotplug off } }; guest { intercept pio { rate ${rate}/s; duration 20us } } }\n`;
        assert.equal(raised(text, 'VPS214').length > 0, 3 * rate >= 1000, text);
      }),
      at<[number]>([333], [334]),
    );
  });

  test('VPS217 iff RTC reads happen more often than once a second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 3000 }), (periodMs) => {
        const text = `host { pcpus 2 }\nvm web { vcpus 2; openhcl { }; guest { thread poll { every ${periodMs}ms; rtc_read } } }\n`;
        assert.equal(raised(text, 'VPS217').length > 0, periodMs < 1000, text);
      }),
      at<[number]>([1000], [999]),
    );
  });

  test('VPS219 iff inspect_every is under a second or under ten times the pass', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 5000 }), fc.integer({ min: 1, max: 400 }), (everyMs, ioMs) => {
        const text = `host { pcpus 2 }\nvm web { vcpus 2; openhcl { task t { target_vp 1; inspect_every ${everyMs}ms; cpu 10us; io ${ioMs}ms } } }\n`;
        const pass = ioMs + 0.01;
        assert.equal(raised(text, 'VPS219').length > 0, everyMs < 1000 || everyMs < 10 * pass, text);
      }),
      at<[number, number]>([1000, 1], [999, 1], [1000, 100], [1011, 101], [1010, 101]),
    );
  });

  test('VPS228 iff the VM peak plus the other demand reaches pCPUs + 0.5', () => {
    // docs/hazards.md (thresholds): peak = one vCPU per computing guest thread (capped at the
    // VM's vCPUs); a host load that never waits wants one CPU per thread.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }), (pcpus, vcpus, count, hog) => {
        const load = hog ? `; load hog { threads ${hog}; cpu 10ms }` : '';
        const text = `host { pcpus ${pcpus}${load} }\nvm rt { vcpus ${vcpus}; guest { thread cyclic { count ${count}; rt on; every 1ms; cpu 10us } } }\n`;
        assert.equal(raised(text, 'VPS228').length > 0, Math.min(vcpus, count) + hog >= pcpus + 0.5, text);
      }),
      at<[number, number, number, number]>([2, 2, 1, 1], [2, 2, 1, 2], [4, 8, 4, 0], [4, 8, 5, 0], [1, 1, 1, 0]),
    );
  });

  test('VPS229 iff a spinning team needs more vCPUs at once than there are pCPUs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 2, max: 16 }), (pcpus, vcpus, threads) => {
        const text = `host { pcpus ${pcpus} }\nvm omp { vcpus ${vcpus}; guest { parallel ua { threads ${threads}; work 100us; barrier spin } } }\n`;
        assert.equal(raised(text, 'VPS229').length > 0, Math.min(vcpus, threads) >= pcpus + 0.5, text);
      }),
      at<[number, number, number]>([8, 8, 8], [8, 9, 9], [8, 16, 8], [4, 8, 2]),
    );
  });
});
