/**
 * Diagnostics as the editor gets them, written under the code (`#  ^^^ severity CODE: message
 * prefix`), and the quick fixes they carry applied through the code-action layer.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { quickFixes } from '../../server/src/ide/codeActions';
import { checkDiagnostics, checkFix } from './check';
import { cursor, fixture } from './fixture';

describe('diagnostics under the code', () => {
  test('a typo in a keyword, and the missing setting it causes', () => {
    checkDiagnostics(`host { pcpus 4 }
vm web {
#^ error VPS113: \`vm\` needs \`vcpus\`
  vcpu 4
# ^^^^ error VPS100: Unknown keyword \`vcpu\` in \`vm\`. Did you mean \`vcpus\` or \`cpus\`?
}`);
  });

  test('static hazards and range errors in an OpenHCL task', () => {
    checkDiagnostics(`host { pcpus 4 }
vm web {
  vcpus 2
  openhcl {
    task t { target_vp 5; syscall 5ms }
#   ^^^^^^ warning VPS202: task \`t\`
#                      ^ error VPS115: VP 5 does not exist: the VM has 2 vCPUs (0-1).
#                         ^^^^^^^^^^^ warning VPS201: task \`t\`
  }
}`);
  });

  test('an unclosed block is one error at its brace', () => {
    checkDiagnostics(`host {
#    ^ error VPS005: The '{' of \`host\` is not closed
  pcpus 4
vm web {
  vcpus 2
}`);
  });

  test('a clean scenario has none', () => {
    checkDiagnostics('host { pcpus 4 }\nvm web { vcpus 2 }\n');
  });
});

describe('quick fixes', () => {
  test('the preferred fix comes first and rewrites the keyword', () => {
    const f = fixture('host { pcpus 4 }\nvm web {\n  vcp$0u 4\n}');
    const fixes = quickFixes(f.doc, { start: cursor(f), end: cursor(f) });
    assert.deepEqual(fixes.map((q) => [q.title, q.preferred, q.diagnostic.code]), [
      ["Change to 'vcpus'", true, 'VPS100'],
      ["Change to 'cpus'", false, 'VPS100'],
    ]);
    checkFix('host { pcpus 4 }\nvm web {\n  vcp$0u 4\n}', "Change to 'vcpus'", 'host { pcpus 4 }\nvm web {\n  vcpus 4\n}');
  });

  test('a hazard fix: move the blocking task to a dedicated thread', () => {
    const src = 'host { pcpus 4 }\nvm web {\n  vcpus 2\n  openhcl {\n    task t { every 1ms; sys$0call 5ms }\n  }\n}';
    const f = fixture(src);
    const titles = quickFixes(f.doc, { start: cursor(f), end: cursor(f) }).map((q) => q.title);
    assert.ok(titles.some((t) => /dedicated/.test(t)), titles.join(' | '));
    checkFix(src, /asynchronous/, 'host { pcpus 4 }\nvm web {\n  vcpus 2\n  openhcl {\n    task t { every 1ms; io 5ms }\n  }\n}');
  });

  test('a missing pool can be created', () => {
    const src = 'host { pcpus 4 }\nvm web { vcpus 2; pool no$0pe }';
    const f = fixture(src);
    const fix = quickFixes(f.doc, { start: cursor(f), end: cursor(f) })[0];
    assert.ok(fix.preferred);
    assert.match(fix.title, /Create pool/);
  });

  test('no fixes away from the diagnostics', () => {
    const f = fixture('host { pcp$0us 4 }\nvm web {\n  vcpu 4\n}');
    assert.deepEqual(quickFixes(f.doc, { start: cursor(f), end: cursor(f) }), []);
  });
});

describe('VPS138: boost on an OpenHCL VM', () => {
  test('raised on `boost MODE` of a VM with openhcl, not without openhcl, nor for `boost off`', () => {
    checkDiagnostics(`host { pcpus 4 }
vm web {
  vcpus 2
  boost dynamic
# ^^^^^^^^^^^^^ warning VPS138: \`boost dynamic\` is KVM paravirt scheduling
  openhcl { task a { every 1ms; cpu 1us } }
}`);
    checkDiagnostics(`host { pcpus 4 }
vm web {
  vcpus 2
  boost dynamic
  guest { thread a { every 1ms; cpu 1us } }
}`);
    checkDiagnostics(`host { pcpus 4 }
vm web {
  vcpus 2
  boost off
  openhcl { task a { every 1ms; cpu 1us } }
}`);
  });

  test('under a Xen pool VPS132 says it already (no second warning)', () => {
    checkDiagnostics(`host { pcpus 4; sched credit }
vm web {
  vcpus 2
  boost dynamic
# ^^^^^ warning VPS132: vCPU boosting is KVM paravirt scheduling
  openhcl { task a { every 1ms; cpu 1us } }
}`);
  });

  test('in a variant that boosts the OpenHCL VM, and the quick fix sets boost off in the variant', () => {
    const src = `host { pcpus 4 }
vm web { vcpus 2; openhcl { task a { every 1ms; cpu 1us } } }
variant b { vm web { boost $0dynamic } }
`;
    checkFix(src, "Set 'boost off'", src.replace('$0', '').replace('boost dynamic', 'boost off'));
  });
});
