/**
 * Document structure: outline, folding, selection ranges and semantic tokens, including in
 * unfinished code.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { selectionChain } from '../../server/src/ide/selection';
import { semanticTokens } from '../../server/src/ide/semanticTokens';
import { workspaceSymbols, fuzzyMatch } from '../../server/src/ide/outline';
import { checkFolding, checkOutline, renderAt, renderTokens } from './check';
import { analyze, cursor, fixture } from './fixture';

describe('outline', () => {
  test('blocks and named statements, nested; settings are left out', () => {
    checkOutline(
      'scenario "demo" { duration 1s }\nhost { pcpus 4; pool p { cpus 1-3 } }\nvm web {\n  vcpus 2\n  boost dynamic { trigger pending }\n  openhcl { task t { cpu 1us } }\n}\nvariant v { vm web { vcpus 3 } }',
      `demo (scenario, scenario "demo")
host (host)
  p (pool, pool)
web (vm, vm)
  boost (block, boost dynamic)
  openhcl (block)
    t (task, task)
v (variant, variant)
  web (vm, vm)`,
    );
  });

  test('unfinished: an unclosed block and a nameless vm still appear', () => {
    checkOutline('vm {\n  vcpus 2\n}\nvm web {\n  openhcl {\n    task t {', 'vm (vm)\nweb (vm, vm)\n  openhcl (block)\n    t (task, task)');
  });
});

describe('workspace symbols of one document', () => {
  test('declared names with their container, fuzzy-filtered', () => {
    const doc = analyze('host { pcpus 4 }\nvm web { vcpus 2; openhcl { storvsp scsi0 { disk os { latency 1ms } } } }\nvariant v { vm web { vcpus 3 } }');
    assert.deepEqual(
      workspaceSymbols(doc, '').map((s) => `${s.name} ${s.kind} ${s.container ?? ''}`.trim()),
      ['web vm', 'scsi0 controller vm web', 'os disk vm web / storvsp scsi0', 'v variant', 'web vm variant v'],
    );
    assert.deepEqual(workspaceSymbols(doc, 'sc0').map((s) => s.name), ['scsi0']);
    assert.ok(fuzzyMatch('WB', 'web') && !fuzzyMatch('bw', 'web'));
  });
});

describe('folding', () => {
  test('multi-line blocks up to the line before their }, and comment runs', () => {
    checkFolding('# one\n# two\nhost {\n  pcpus 4\n}\nvm a { vcpus 1 }\nvm b {\n  vcpus 2 # trailing\n  # alone\n  guest {\n    slice 1ms\n  }\n}\n', '1-2 comment\n3-4\n7-12\n10-11');
  });

  test('an unclosed block folds to its last line', () => {
    checkFolding('vm a {\n  vcpus 2\n  openhcl {\n    task t {\n      cpu 1ms', '1-5\n3-5\n4-5');
  });
});

describe('selection ranges', () => {
  test('from the unit outwards to the file', () => {
    const f = fixture('host { pcpus 4 }\nvm a {\n  vcpus 2\n  guest { thread t { cpu uniform 10us..2$0ms } }\n}\n');
    assert.equal(
      renderAt(f, 'selection', cursor(f)),
      ['"2ms"', '"10us..2ms"', '"uniform 10us..2ms"', '"cpu uniform 10us..2ms"', '"{ cpu uniform 10us..2ms }"', '"thread t { cpu uniform 10us..2ms }"', '"{ thread t { cpu uniform 10us..2ms } }"', '"guest { thread t { cpu uniform 10us..2ms } }"', '"vcpus 2\\n  guest { thread t { cpu uniform 10us..2ms } }"', '"{\\n  vcpus 2\\n  guest { thread t { cpu uniform 10us..2ms } }\\n}"', '"vm a {\\n  vcpus 2\\n  guest { thread t { cpu uniform 10us..2ms } }\\n}"', '"host { pcpus 4 }\\nvm a {\\n  vcpus 2\\n  guest { thread t { cpu uniform 10us..2ms } }\\n}"', JSON.stringify(f.text)].join('\n'),
    );
  });

  test('list items, the unit of a number, comments', () => {
    const f = fixture('vm a { cpus 0-3,^$01 }');
    assert.deepEqual(selectionChain(f.doc, cursor(f)).map((r) => f.text.slice(r.start, r.end)).slice(0, 4), ['1', '^1', '0-3,^1', 'cpus 0-3,^1']);
    const g = fixture('vm a { vcpus 2 } # a com$0ment\n');
    assert.equal(g.text.slice(selectionChain(g.doc, cursor(g))[0].start, selectionChain(g.doc, cursor(g))[0].end), '# a comment');
  });

  test('every range contains the previous one and the cursor', () => {
    const f = fixture('vm a {\n  vcpus 2\n  openhcl { task t { target_vp 1$0; cpu exp 10us }\n');
    const chain = selectionChain(f.doc, cursor(f));
    for (let i = 1; i < chain.length; i++) assert.ok(chain[i].start <= chain[i - 1].start && chain[i - 1].end <= chain[i].end);
    assert.deepEqual(chain.at(-1), { start: 0, end: f.text.length });
  });
});

describe('semantic tokens', () => {
  test('classes from the schema: keywords, settings, steps, values, names, units', () => {
    assert.equal(
      renderTokens('vm web {\n  vcpus 2\n  guest {\n    lock L { kind spin }\n    thread t { rate 2k/s; lock L 5us; cpu exp 1ms }\n    irq i { rate 1k/s }\n  }\n}\n'),
      'vm:keyword web:variable.declaration vcpus:property 2:number guest:keyword lock:keyword L:variable.declaration kind:property spin:enumMember thread:keyword t:variable.declaration rate:keyword 2:number k/s:unit lock:function L:variable 5:number us:unit cpu:function exp:function 1:number ms:unit irq:keyword i:variable.declaration rate:property 1:number k/s:unit',
    );
  });

  test('operators, negative numbers, strings, comments; unknown keywords get no class', () => {
    assert.equal(
      renderTokens('scenario "t" # c\nvm a { nice -5; cpus 0-3,^1; frobnicate 4 }'),
      'scenario:keyword "t":string # c:comment vm:keyword a:variable.declaration nice:property -5:number cpus:property 0:number -:operator 3:number ,:operator ^:operator 1:number 4:number',
    );
  });

  test('tokens never overlap and are sorted', () => {
    const f = fixture('host { pcpus 4 }\nvm a { vcpus 2; cpus 0-3,^1; guest { thread t { cpu uniform 1us..-2us } } }');
    const toks = semanticTokens(f.doc);
    for (let i = 1; i < toks.length; i++) assert.ok(toks[i].start >= toks[i - 1].start + toks[i - 1].length);
  });
});
