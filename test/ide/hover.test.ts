/**
 * Hover: every keyword, setting and value explains itself; settings show the value in effect in
 * the base and each variant; names show their declaration.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hoverAt } from '../../server/src/ide/hover';
import { allSpecs, childSpecs } from '../../server/src/model/schema';
import { checkHover } from './check';
import { analyze, cursor, fixture } from './fixture';

const RESIDENCE = `host { pcpus 4 }
vm web {
  vcpus 4
  openhcl {
    io_uring_cancel off
  }
}
variant cancel_on {
  vm web { openhcl { io_uring_cancel on } }
}
variant other {
  vm web { guest { slice 1ms } }
}
`;

describe('hover', () => {
  test('a setting: meaning, values, default, source, and the effective value per variant', () => {
    const src = RESIDENCE.replace('io_uring_cancel off', 'io_uring_$0cancel off');
    checkHover(src, 'io_uring_cancel VALUE', 'VTL0', '`VALUE`: on | off', 'Default: `on`', 'Source: OpenHCL guide', '**Effective value**', '- base: `off` (line 5) ← here', '- variant `cancel_on`: `on` (line 9)');
  });

  test('hovering the override in the variant marks it', () => {
    const src = RESIDENCE.replace('io_uring_cancel on', 'io_uring_cancel o$0n');
    checkHover(src, '**on** — `io_uring_cancel` on (default: on)', '- base: `off`', '- variant `cancel_on`: `on` (line 9) ← here');
  });

  test('a setting the base does not write shows its default as the base value', () => {
    checkHover(RESIDENCE.replace('slice 1ms', 'sli$0ce 1ms'), 'Default: `3ms` — *an assumption of vpscope', '- base: `3ms` (default, an assumption)', '- variant `other`: `1ms`');
  });

  test('a setting no variant changes says so', () => {
    checkHover(RESIDENCE.replace('vcpus 4', 'vc$0pus 4'), '- base: `4` (line 3) ← here', '- not changed by any of the 2 variants');
  });

  test('an enum value explains itself and its setting', () => {
    checkHover('host { pcpus 4; sched cre$0dit }', '**credit** — Xen credit scheduler', '*sched VALUE*');
  });

  test('numbers in canonical units', () => {
    checkHover('vm web { vcpus 4; guest { thread t { every 1ms; cpu uniform 10us..2$0.5ms } } }', '`2.5ms` = 2,500,000 ns', 'uniform parameter 1');
    checkHover('vm web { vcpus 4; guest { irq x { rate 2$0k/s } } }', '`2k/s` = 2,000 per second (mean interval 500 us)');
    checkHover('scenario { max_events 10$0M }', '`10M` = 10,000,000');
  });

  test('distribution kinds', () => {
    checkHover('vm web { vcpus 4; guest { thread t { cpu bimo$0dal 100us 20ms 1% } } }', '**bimodal** distribution', 'slow tail');
  });

  test('names show their declaration and overrides; references too', () => {
    checkHover(RESIDENCE.replace('vm web {\n  vcpus', 'vm w$0eb {\n  vcpus'), '```vpscope\nvm web {\n```', '**VM** `web` — declared at line 2', 'Overridden in variant `cancel_on` (line 9), variant `other` (line 12)');
    checkHover('vm a {\n  vcpus 2\n  guest {\n    lock big { kind spin }\n    thread t { lock b$0ig 1us }\n  }\n}', '**guest lock** `big` — declared at line 4', 'Referenced 1 time.');
    checkHover('host { pcpus 2 }\nvm a { vcpus 1; pool Po$0ol-0 }', '`Pool-0` — the boot pool');
  });

  test('a keyword in the wrong block says where it belongs', () => {
    checkHover('vm web { vcpus 4; openhcl { vcp$0us 4 } }', '`vcpus` is not allowed here; it belongs in `vm`, `vm > guest > thread`');
  });

  test('works in unfinished code', () => {
    checkHover('vm web {\n  vcpus 4\n  openhcl {\n    task t {\n      target_v$0p', 'target_vp VP', 'io_uring');
    checkHover('vm web {\n  boost dyn$0amic {', 'Boost on guest request');
  });

  test('nothing on whitespace, braces or comments', () => {
    for (const src of ['vm web {$0 }', 'vm web { # c$0omment\n}', '  $0  vm a {}']) {
      const f = fixture(src);
      assert.equal(hoverAt(f.doc, cursor(f)), undefined, src);
    }
  });

  test('every keyword of the schema has a hover with its documentation where it is valid', () => {
    // Write every statement in a block where it is allowed and hover its keyword.
    let missing = 0;
    for (const spec of allSpecs) {
      const path = spec.id.split('.');
      let text = '';
      let close = '';
      let parent = 'file';
      for (let i = 0; i < path.length - 1; i++) {
        const kw = path[i];
        const s = childSpecs(parent).find((c) => c.keyword === kw)!;
        const nameArg = s.args[0]?.type.kind === 'name' ? ' x' : s.keyword === 'boost' ? ' dynamic' : '';
        text += `${kw}${nameArg} { `;
        close += ' }';
        parent = s.id;
      }
      text += spec.keyword;
      const offset = text.length - 1;
      text += close;
      const h = hoverAt(analyze(text), offset);
      if (!h || !h.markdown.includes(spec.doc.slice(0, 30))) {
        missing++;
        assert.fail(`no hover for ${spec.id} in: ${text}`);
      }
    }
    assert.equal(missing, 0);
  });
});
