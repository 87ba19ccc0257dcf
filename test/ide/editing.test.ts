/**
 * Signature help, inlay hints and on-type formatting, fourslash style (`$0` is the cursor), plus
 * the semantic-token delta the language server sends (`lsp/editing.ts`, pure).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { onTypeFormatEdits } from '../../server/src/ide/onType';
import { inlayHints } from '../../server/src/ide/inlayHints';
import { inlayHintSettings, tokenDelta } from '../../server/src/lsp/editing';
import { checkSignature, renderInlayHints, renderSignature } from './check';
import { analyze, applyEdits, cursor, fixture } from './fixture';

const TASK = (line: string) => `host { pcpus 4 }\nvm web {\n  vcpus 2\n  openhcl {\n    task t {\n      ${line}`;

describe('signature help', () => {
  test('a distribution: every form before its kind, then the chosen one with the parameter under the cursor', () => {
    checkSignature(TASK('cpu lognormal $0'), '> cpu lognormal [MEAN] SD');
    checkSignature(TASK('cpu lognormal 1ms $0'), '> cpu lognormal MEAN [SD]');
    checkSignature(TASK('cpu lognormal 1ms 5$0'), '> cpu lognormal MEAN [SD]');
    checkSignature(TASK('io bimodal 100us 20ms $0'), '> io bimodal FIRST SECOND [PROBABILITY]');
    checkSignature(TASK('io exp$0'), '> io [exp] MEAN');
    const all = fixture(TASK('sleep $0'));
    assert.equal(renderSignature(all, cursor(all)).split('\n').length, 7, 'a plain duration and the six kinds');
  });

  test('disk CONTROLLER DISK, in an ioload, and the literal of retarget_vp', () => {
    checkSignature('vm web {\n  vcpus 2\n  guest {\n    ioload x { disk $0', '> disk [CONTROLLER] DISK');
    checkSignature('vm web {\n  vcpus 2\n  guest {\n    ioload x { disk scsi0 $0', '> disk CONTROLLER [DISK]');
    checkSignature(TASK('retarget_vp 1 $0'), '> retarget_vp VP [at] TIME');
  });

  test('in a variant: `remove KEYWORD NAME` and `based_on VARIANT`', () => {
    checkSignature('host { pcpus 4 }\nvariant v {\n  remove vm $0\n}', '> remove KEYWORD [NAME]');
    checkSignature('host { pcpus 4 }\nvariant v {\n  based_on $0\n}', '> based_on [VARIANT]');
  });

  test('none on a keyword, on a block without arguments, after a terminator, or in a comment', () => {
    checkSignature(TASK('cp$0'), '(none)');
    checkSignature('vm web {\n  vcpus 2\n  openhcl $0', '(none)');
    checkSignature(TASK('cpu 1ms;$0'), '(none)');
    checkSignature(TASK('cpu 1ms # lognormal $0'), '(none)');
  });

  test('past the last argument: no parameter is active', () => {
    checkSignature(TASK('cpu 1ms 2ms $0'), '> cpu TIME');
  });
});


describe('inlay hints', () => {
  const SRC = 'host { pcpus 8 }\nvm db {\n  vcpus 4\n  openhcl {\n    storvsp s { sub_channels 9; disk d { latency 1ms } }\n  }\n}\nvariant one {\n  vm db { openhcl { storvsp s { sub_channels 1 } } }\n}\n';

  test('the channel map is clamped to the VPs (OpenHCL: one channel per VP)', () => {
    const out = renderInlayHints(SRC, { channelMap: true, variantValues: false, defaults: false });
    assert.match(out, /storvsp s \{ sub_channels 9; disk d \{ latency 1ms \} \} ⟨channel→VP 0→0 1→1 2→2 3→3⟩/);
    assert.match(out, /storvsp s \{ sub_channels 1 \} ⟨channel→VP 0→0 1→2⟩/);
  });

  test('each kind can be turned off on its own', () => {
    const doc = analyze(SRC);
    const all = { start: 0, end: SRC.length };
    const kinds = (o: Parameters<typeof inlayHints>[2]) => [...new Set(inlayHints(doc, all, o).map((h) => h.kind))].sort().join(' ');
    assert.equal(kinds({ channelMap: true, variantValues: true, defaults: true }), 'channelMap defaults variantValue');
    assert.equal(kinds({ channelMap: false, variantValues: true, defaults: true }), 'defaults variantValue');
    assert.equal(kinds({ channelMap: true, variantValues: false, defaults: true }), 'channelMap defaults');
    assert.equal(kinds({ channelMap: true, variantValues: true, defaults: false }), 'channelMap variantValue');
    assert.equal(kinds({ channelMap: false, variantValues: false, defaults: false }), '');
  });

  test('the value a variant replaces: the base, the variant it is based_on, or the default', () => {
    const src = 'host { pcpus 4 }\nvm a {\n  vcpus 2\n  nice 5\n}\nvariant x { vm a { nice 1; pin one_to_one } }\nvariant y { based_on x; vm a { nice 2 } }\n';
    const out = renderInlayHints(src, { channelMap: false, variantValues: true, defaults: false });
    assert.match(out, /nice 1 ⟨base: 5⟩; pin one_to_one ⟨base: shared \(default\)⟩/);
    assert.match(out, /nice 2 ⟨x: 1⟩/);
  });

  test('a block a variant adds replaces nothing: no hint inside it', () => {
    const src = 'host { pcpus 4 }\nvm a { vcpus 2 }\nvariant x { vm b { vcpus 1; nice 3 } }\n';
    assert.doesNotMatch(renderInlayHints(src, { channelMap: false, variantValues: true, defaults: false }), /⟨/);
  });

  test('defaults leave out what is written and what means nothing for the VM (Linux settings and boost in a credit pool)', () => {
    const out = renderInlayHints('host { pcpus 4; sched credit }\nvm a {\n  vcpus 2\n  cap 50%\n}\n', { channelMap: false, variantValues: false, defaults: true });
    assert.match(out, /vm a \{ ⟨defaults: pool Pool-0, pin shared, cpu_weight 256, dom0 off⟩/);
  });

  test('the settings parser keeps booleans only; enabled switches every kind', () => {
    assert.deepEqual(inlayHintSettings({ variantValues: false, channelMap: 'no' }), { channelMap: true, variantValues: false, defaults: false });
    assert.deepEqual(inlayHintSettings({ enabled: false }), { channelMap: false, variantValues: false, defaults: false });
    assert.deepEqual(inlayHintSettings({ enabled: false, channelMap: true }), { channelMap: true, variantValues: false, defaults: false });
    assert.deepEqual(inlayHintSettings(null), { channelMap: true, variantValues: true, defaults: false }, 'defaults are opt-in');
  });
});

describe('on-type formatting of `}`', () => {
  const typed = (src: string) => {
    const f = fixture(src);
    return applyEdits(f.text, onTypeFormatEdits(f.doc, cursor(f), '}'));
  };
  test('re-indents the block the `}` closes, its statement line included', () => {
    assert.equal(typed('vm web {\n      vcpus 2\n   openhcl {\n  task a { cpu 1us }\n        }$0\n}\n'), 'vm web {\n      vcpus 2\n  openhcl {\n    task a { cpu 1us }\n  }\n}\n');
    assert.equal(typed('vm web {\n      vcpus 2\n   openhcl {\n  task a { cpu 1us }\n  }\n    }$0\n'), 'vm web {\n  vcpus 2\n  openhcl {\n    task a { cpu 1us }\n  }\n}\n');
  });
  test('leaves spacing inside lines, one-line blocks and other characters alone', () => {
    assert.equal(typed('vm web {\n    vcpus   2\n    }$0\n'), 'vm web {\n  vcpus   2\n}\n');
    assert.equal(typed('  vm web { vcpus 2 }$0\n'), '  vm web { vcpus 2 }\n');
    const f = fixture('vm web {\n    vcpus 2\n}$0\n');
    assert.deepEqual(onTypeFormatEdits(f.doc, cursor(f), ';'), []);
  });
});

describe('semantic tokens delta', () => {
  test('property: the splice turns the previous data into the new one, on whole tokens', () => {
    const tokens = fc.array(fc.tuple(fc.nat(3), fc.nat(9), fc.nat(9), fc.nat(9), fc.nat(3)), { maxLength: 30 }).map((ts) => ts.flat());
    fc.assert(
      fc.property(tokens, tokens, (prev, next) => {
        const edits = tokenDelta(prev, next);
        const out = [...prev];
        for (const e of [...edits].reverse()) out.splice(e.start, e.deleteCount, ...e.data);
        assert.deepEqual(out, next);
        for (const e of edits) assert.equal(e.start % 5, 0);
        if (prev.join() === next.join()) assert.deepEqual(edits, []);
      }),
      { numRuns: 500 },
    );
  });
});
