/**
 * Completion, fourslash style: `$0` is the cursor, the expected labels follow in sorted order.
 * Most cursors sit in unfinished code (an unclosed block, a half-written line) on purpose.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { completions } from '../../server/src/ide/completion';
import { checkCompletion, checkCompletionHas } from './check';
import { cursor, fixture } from './fixture';

describe('completion: keywords by block', () => {
  test('empty file: the top-level statements, host first (it is required)', () => {
    checkCompletion('$0', 'host scenario vm variant');
  });

  test('in an unclosed vm block: the vm settings and blocks', () => {
    checkCompletion('vm web {\n  $0', 'vcpus pool cpus cpus_soft pin cpu_weight cap nice policy rt_priority dom0 boost openhcl guest');
  });

  test('settings already present are not offered again; a half-typed word keeps the list', () => {
    checkCompletion('vm web {\n  vcpus 4\n  v$0\n', 'pool cpus cpus_soft pin cpu_weight cap nice policy rt_priority dom0 boost openhcl guest');
  });

  test('repeatable blocks stay offered', () => {
    checkCompletionHas('vm web {\n  vcpus 2\n  openhcl {\n    task a { cpu 1us }\n    $0\n  }\n}', ['task', 'storvsp', 'backend'], ['vcpus']);
  });

  test('a program offers steps, and no second trigger', () => {
    checkCompletion('vm web {\n  vcpus 2\n  guest {\n    thread t { every 1ms; $0 }\n  }\n}', 'count vcpus rt start passes cpu sleep lock disk_io rtc_read rtc_write pam_remap exit');
    checkCompletionHas('vm web {\n  vcpus 2\n  openhcl {\n    task t {\n      $0', ['every', 'rate', 'once', 'io', 'syscall', 'wait_vp_ready'], ['lock', 'disk_io']);
  });

  test('inside a variant: top-level shapes, nothing marked required', () => {
    checkCompletion('host { pcpus 4 }\nvariant v {\n  $0\n}', 'description based_on scenario host vm remove');
  });

  test('the keyword of a line being retyped: the word only, no snippet', () => {
    const items = checkCompletionHas('vm web {\n  vcp$0 4\n}', ['vcpus']);
    const v = items.find((i) => i.label === 'vcpus')!;
    assert.equal(v.insertText, 'vcpus');
    assert.ok(!v.snippet);
  });

  test('nothing after a terminator inside a comment or a string', () => {
    checkCompletion('vm a {\n  vcpus 2 # comment $0\n}', '');
    checkCompletion('scenario "hello $0"', '');
  });

  test('inside an unknown block: nothing rather than guesses', () => {
    checkCompletion('vm web {\n  vcpus 2\n  openhlc {\n    $0\n  }\n}', '');
  });
});

describe('completion: arguments', () => {
  test('pool names (and the implicit Pool-0) after `pool `', () => {
    checkCompletion('host { pcpus 8; pool p1 { cpus 1-3 } }\nvm web {\n  vcpus 4\n  pool $0\n}', 'p1 Pool-0');
    checkCompletion('host { pcpus 8; pool p1 { cpus 1-3 } }\nvm web {\n  vcpus 4\n  pool P$0', 'p1 Pool-0');
  });

  test('VP indices below the VM vcpus for target_vp, in an unclosed task', () => {
    checkCompletion('vm web {\n  vcpus 4\n  openhcl {\n    task t {\n      target_vp $0', '0 1 2 3');
  });

  test('VP indices follow a variant that changes vcpus', () => {
    checkCompletion('vm web { vcpus 4 }\nvariant big {\n  vm web {\n    vcpus 6\n    openhcl { task t { target_vp $0 } }\n  }\n}', '0 1 2 3 4 5');
  });

  test('disks of the controller named before', () => {
    const src = (tail: string) =>
      `vm web {\n  vcpus 2\n  openhcl {\n    storvsp scsi0 { disk os { latency 1ms }; disk data { latency 2ms } }\n    storvsp scsi1 { disk logs { latency 1ms } }\n  }\n  guest {\n    thread t { ${tail} }\n  }\n}`;
    checkCompletion(src('disk_io scsi0 $0'), 'data os');
    checkCompletion(src('disk_io scsi1 $0'), 'logs');
    checkCompletion(src('disk_io $0'), 'scsi0 scsi1');
  });

  test('locks of the same VM only', () => {
    checkCompletion('vm a { vcpus 1; guest { lock other { kind spin } } }\nvm web {\n  vcpus 2\n  guest {\n    lock L1 { kind spin }\n    thread t { every 1ms; lock $0 }\n  }\n}', 'L1');
  });

  test('units after a number, by the value type', () => {
    checkCompletion('vm web {\n  vcpus 2\n  guest {\n    thread t { every 1ms; cpu 10$0 }\n  }\n}', 'ns us ms s');
    checkCompletion('vm web {\n  vcpus 2\n  guest {\n    thread t { every 1ms; cpu exp 10m$0 }', 'ns us ms s');
    checkCompletion('host { pcpus 4 }\nvm web {\n  vcpus 4\n  guest {\n    irq x { rate 10$0 } } }', '/s k/s M/s /ms /us');
    checkCompletion('host { pcpus 4 }\nvm web {\n  vcpus 4\n  guest {\n    irq x { masked 10$0 } } }', '%');
    checkCompletion('scenario { max_events 10$0 }', 'k M G');
    checkCompletion('vm web {\n  vcpus 4$0', '', /* small bounded counts take no multiplier */);
  });

  test('the unit item replaces only the unit being typed', () => {
    const f = fixture('vm web { vcpus 2; guest { thread t { cpu 10m$0 } } }');
    const items = completions(f.doc, cursor(f), { snippets: true });
    const ms = items.find((i) => i.label === 'ms')!;
    assert.equal(f.text.slice(ms.range.start, ms.range.end), 'm');
  });

  test('distribution kinds where a distribution starts, with snippets', () => {
    const items = checkCompletionHas('vm web {\n  vcpus 2\n  guest {\n    thread t { every 1ms; cpu $0 }\n  }\n}', ['fixed', 'uniform', 'exp', 'normal', 'lognormal', 'bimodal']);
    assert.equal(items.find((i) => i.label === 'bimodal')!.insertText, 'bimodal ${1:100us} ${2:20ms} ${3:1%}');
  });

  test('enum values, on/off, the literal word, enum lists without repeats', () => {
    checkCompletion('vm web {\n  vcpus 2\n  boost $0\n}', 'off static_rt dynamic');
    checkCompletion('vm web {\n  vcpus 2\n  openhcl { io_uring_cancel $0 } }', 'on off');
    checkCompletion('vm web {\n  vcpus 2\n  openhcl { task t { retarget_vp 1 $0 } } }', 'at');
    checkCompletion('vm web {\n  vcpus 2\n  boost dynamic { interrupts timer,$0 }\n}', 'nmi smi pv_unhalt posted ipi device');
    checkCompletion('vm web {\n  vcpus 2\n  boost dynamic { interrupts timer,n$0', 'nmi smi pv_unhalt posted ipi device');
  });

  test('the default enum value is preselected', () => {
    const items = checkCompletionHas('host { pcpus 4; sched $0 }', ['fair']);
    assert.ok(items.find((i) => i.label === 'fair')!.preselect);
  });

  test('CPU lists: all and the host pCPUs', () => {
    checkCompletion('host {\n  pcpus 4\n  pool p { cpus $0 }\n}', 'all 0 1 2 3');
  });

  test('in a variant, a block name offers the base names to override', () => {
    checkCompletion('host { pcpus 4 }\nvm web { vcpus 2 }\nvm db { vcpus 2 }\nvariant v {\n  vm $0\n}', 'db web');
  });

  test('a new name in the base: nothing to propose', () => {
    checkCompletion('vm $0', '');
  });
});

describe('completion: documentation and insertion', () => {
  test('every keyword item has markdown documentation and a signature', () => {
    const items = checkCompletionHas('vm web {\n  vcpus 2\n  openhcl {\n    $0', ['io_uring_cancel']);
    for (const i of items) {
      assert.ok(i.documentation && i.documentation.length > 20, i.label);
      assert.ok(i.detail?.startsWith(i.label), i.label);
    }
    const doc = items.find((i) => i.label === 'io_uring_cancel')!.documentation!;
    assert.match(doc, /VTL0/);
    assert.match(doc, /Default: `on`/);
  });

  test('blocks insert their schema snippet; settings a generated one; plain words without snippet support', () => {
    const f = fixture('vm web {\n  vcpus 2\n  $0');
    const withSnippets = completions(f.doc, cursor(f), { snippets: true });
    assert.equal(withSnippets.find((i) => i.label === 'openhcl')!.insertText, 'openhcl {\n\tbackend ${1|threadpool,thread,single|}\n\t$0\n}');
    assert.equal(withSnippets.find((i) => i.label === 'pin')!.insertText, 'pin ${1|shared,one_to_one|}');
    const plain = completions(f.doc, cursor(f), { snippets: false });
    assert.ok(plain.every((i) => !i.snippet));
    assert.equal(plain.find((i) => i.label === 'openhcl')!.insertText, 'openhcl ');
    assert.equal(plain.find((i) => i.label === 'dom0')!.insertText, 'dom0 ');
  });

  test('name items document their declaration', () => {
    const items = checkCompletionHas('host { pcpus 8; pool fast { cpus 1-3 } }\nvm web {\n  vcpus 4\n  pool $0', ['fast']);
    assert.equal(items[0].documentation, '```vpscope\npool fast { cpus 1-3 }\n```');
    assert.equal(items[0].detail, 'cpupool (line 1)');
  });
});
