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
    checkCompletion('$0', 'host scenario vm variant sweep');
  });

  test('in an unclosed vm block: the vm settings and blocks (Xen-only ones last under the default Linux scheduler)', () => {
    checkCompletion('vm web {\n  $0', 'vcpus pool cpus cpus_soft pin nice policy rt_priority boost openhcl guest cpu_weight cap dom0');
  });

  test('settings already present are not offered again; a half-typed word keeps the list', () => {
    checkCompletion('vm web {\n  vcpus 4\n  v$0\n', 'pool cpus cpus_soft pin nice policy rt_priority boost openhcl guest cpu_weight cap dom0');
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

const VARIANT_BASE = `host {
  pcpus 8
  pool fast { cpus 4-7; sched credit }
  load noise { cpu 1ms }
}
vm web {
  vcpus 4
  openhcl {
    task vmgs { target_vp 1; cpu 10us }
    storvsp scsi0 { disk os { latency 1ms }; disk data { latency 2ms } }
    storvsp scsi1 { disk logs { latency 1ms } }
    sidecar { linux_vps 0 }
  }
  guest {
    lock big { kind spin }
    thread app { cpu 1us }
    ioload backup { disk scsi0 os; depth 2 }
  }
}
vm db { vcpus 2; pool fast }
variant a {
  vm web { guest { thread extra { cpu 1us } } }
}
`;

describe('completion: variants (remove, based_on)', () => {
  test('`remove |` offers the keywords this block can remove, those with something to remove first', () => {
    checkCompletion(VARIANT_BASE + 'variant v {\n  remove $0\n}', 'vm');
    checkCompletion(VARIANT_BASE + 'variant v {\n  host { remove $0 } }', 'pool load');
    checkCompletion(VARIANT_BASE + 'variant v {\n  vm web { guest { remove $0 } } }', 'lock thread ioload parallel intercept irq');
    checkCompletion(VARIANT_BASE + 'variant v {\n  vm web { openhcl { storvsp scsi1 { remove $0 } } } }', 'disk');
  });

  test('`remove KEYWORD |` offers names of that kind from the base, in the same VM and controller', () => {
    checkCompletion(VARIANT_BASE + 'variant v {\n  remove vm $0\n}', 'db web');
    checkCompletion(VARIANT_BASE + 'variant v {\n  vm web { guest { remove thread $0 } } }', 'app');
    checkCompletion(VARIANT_BASE + 'variant v {\n  vm web { guest { remove lock $0 } } }', 'big');
    checkCompletion(VARIANT_BASE + 'variant v {\n  vm db { guest { remove lock $0 } } }', '');
    checkCompletion(VARIANT_BASE + 'variant v {\n  vm web { openhcl { storvsp scsi0 { remove disk $0 } } } }', 'data os');
    checkCompletion(VARIANT_BASE + 'variant v {\n  vm web { openhcl { remove storvsp $0 } } }', 'scsi0 scsi1');
    checkCompletion(VARIANT_BASE + 'variant v {\n  host { remove pool $0 } }', 'fast');
  });

  test('`remove` does not offer what the same block removes already, nor a keyword it cannot remove', () => {
    checkCompletion(VARIANT_BASE + 'variant v {\n  remove vm db\n  remove vm $0\n}', 'web');
    checkCompletion(VARIANT_BASE + 'variant v {\n  remove pool $0\n}', '');
  });

  test('`remove` sees what the variant it is based_on adds, not what other variants add', () => {
    checkCompletion(VARIANT_BASE + 'variant b {\n  based_on a\n  vm web { guest { remove thread $0 } } }', 'app extra');
    checkCompletion(VARIANT_BASE + 'variant c {\n  vm web { guest { remove thread $0 } } }', 'app');
  });

  test('`based_on |` offers the other variants, not this one nor those built on it', () => {
    checkCompletion(VARIANT_BASE + 'variant b { based_on $0 }\nvariant c { based_on b }\nvariant d { based_on c }', 'a');
    checkCompletion(VARIANT_BASE + 'variant b { based_on a }\nvariant c { based_on $0 }', 'a b');
  });
});

describe('completion: VP lists, disks, ranking by context', () => {
  test('`linux_vps |`: all, the range of every VP, then the indices', () => {
    checkCompletion('host { pcpus 8 }\nvm web {\n  vcpus 4\n  openhcl { sidecar { linux_vps $0', 'all 0-3 0 1 2 3');
    checkCompletion('host { pcpus 8 }\nvm web {\n  vcpus 4\n  openhcl { sidecar { linux_vps 0,$0', '0 1 2 3');
    checkCompletion('host { pcpus 8 }\nvm web { vcpus 4 }\nvariant v { vm web { vcpus 2; openhcl { sidecar { linux_vps $0 } } } }', 'all 0-1 0 1');
    // A per-VP map takes no `all`.
    checkCompletion('host { pcpus 8 }\nvm web {\n  vcpus 2\n  openhcl { storvsp s { channel_vps $0', '0 1');
  });

  test('disk names after `ioload ... disk CTRL` and `disk_io CTRL`', () => {
    checkCompletion(VARIANT_BASE.replace('ioload backup { disk scsi0 os; depth 2 }', 'ioload backup { disk scsi0 $0 }'), 'data os');
    checkCompletion(VARIANT_BASE.replace('ioload backup { disk scsi0 os; depth 2 }', 'ioload backup { disk $0 }'), 'scsi0 scsi1');
    checkCompletion(VARIANT_BASE + 'variant v { vm web { guest { ioload backup { disk scsi1 $0 } } } }', 'logs');
  });

  test('in a VM with openhcl: `openhcl` first (in a variant, the block to override), boost and dom0 last', () => {
    checkCompletion(VARIANT_BASE + 'variant v {\n  vm web { $0 } }', 'openhcl vcpus pool cpus cpus_soft pin nice policy rt_priority guest cpu_weight cap dom0 boost');
  });

  test('in a VM of a Xen credit pool: the Linux-only settings last', () => {
    checkCompletion(VARIANT_BASE + 'variant v {\n  vm db { $0 } }', 'vcpus pool cpus cpus_soft pin cpu_weight cap dom0 openhcl guest nice policy rt_priority boost');
  });
});

describe('completion: snippets inside a variant insert bare blocks', () => {
  const at = (src: string) => {
    const f = fixture(src);
    return new Map(completions(f.doc, cursor(f), { snippets: true }).map((i) => [i.label, i.insertText]));
  };
  test('no example values that would override the base', () => {
    const top = at(VARIANT_BASE + 'variant v {\n  $0\n}');
    assert.equal(top.get('vm'), 'vm ${1:name} {\n\t$0\n}');
    assert.equal(top.get('host'), 'host {\n\t$0\n}');
    assert.equal(top.get('remove'), 'remove ${1|vm|} ${2:name}');
    const vm = at(VARIANT_BASE + 'variant v {\n  vm web {\n    $0\n  }\n}');
    assert.equal(vm.get('openhcl'), 'openhcl {\n\t$0\n}', 'does not switch the backend');
    assert.equal(vm.get('guest'), 'guest {\n\t$0\n}');
    assert.equal(vm.get('vcpus'), 'vcpus ${1}', 'no default vcpus');
    const oh = at(VARIANT_BASE + 'variant v {\n  vm web {\n    openhcl {\n      $0\n    }\n  }\n}');
    assert.equal(oh.get('task'), 'task ${1:name} {\n\t$0\n}');
    assert.equal(oh.get('storvsp'), 'storvsp ${1:name} {\n\t$0\n}');
    assert.equal(oh.get('sidecar'), 'sidecar {\n\t$0\n}');
    // Outside a variant the example snippets stay.
    const base = at('host { pcpus 4 }\nvm web {\n  vcpus 2\n  $0\n}');
    assert.equal(base.get('openhcl'), 'openhcl {\n\tbackend ${1|threadpool,thread,single|}\n\t$0\n}');
  });

  test('property: in any block of a variant, no snippet carries a default value', () => {
    for (const parent of ['', 'vm web { ', 'vm web { openhcl { ', 'vm web { guest { ', 'host { ', 'vm web { openhcl { storvsp scsi0 { ', 'vm web { openhcl { task vmgs { ']) {
      const src = VARIANT_BASE + `variant v {\n  ${parent}$0 ${'}'.repeat((parent.match(/{/g) ?? []).length)}\n}`;
      for (const [label, text] of at(src)) {
        assert.doesNotMatch(text, /\$\{\d+:[^}]*\d/, `${label} in ${parent || 'variant'}: ${text}`);
        assert.doesNotMatch(text, /\n\t[a-z]/, `${label} in ${parent || 'variant'} writes a setting: ${text}`);
      }
    }
  });
});
