/**
 * Quick fixes whose edits land away from the diagnostic's line (the data tests cover the rest).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/model/analyze';
import { applyEdits } from './check';

function fixed(text: string, code: string, title: string): string {
  const d = analyzeDocument(text).diagnostics.find((x) => x.code === code);
  assert.ok(d, `no ${code}`);
  const f = d!.fixes?.find((x) => x.title.startsWith(title));
  assert.ok(f, `no fix '${title}' (${d!.fixes?.map((x) => x.title).join(', ')})`);
  return applyEdits(text, f!.edits);
}

test('create a missing pool: multi-line host block', () => {
  const text = 'host {\n  pcpus 4\n  sched credit\n}\nvm a { vcpus 1; pool big }\n';
  const out = fixed(text, 'VPS124', "Create pool 'big'");
  assert.equal(out, 'host {\n  pcpus 4\n  sched credit\n  pool big { cpus 3 }\n}\nvm a { vcpus 1; pool big }\n');
  assert.ok(!analyzeDocument(out).diagnostics.some((d) => d.severity === 'error'));
});

test('create a missing pool: one-line host block, avoiding CPUs other pools have', () => {
  const text = 'host { pcpus 4; sched credit; pool x { cpus 3 } }\nvm a { vcpus 1; pool y }';
  const out = fixed(text, 'VPS124', "Create pool 'y'");
  assert.equal(out, 'host { pcpus 4; sched credit; pool x { cpus 3 }; pool y { cpus 2 } }\nvm a { vcpus 1; pool y }');
  assert.ok(!analyzeDocument(out).diagnostics.some((d) => d.severity === 'error'));
});

test('add target_vp keeps the indentation and CRLF line ends', () => {
  const text = 'host { pcpus 2 }\r\nvm a {\r\n  vcpus 2\r\n  openhcl {\r\n    task t {\r\n      run_on_target on\r\n    }\r\n  }\r\n}\r\n';
  const out = fixed(text, 'VPS130', "Add 'target_vp 0'");
  assert.ok(out.includes('    task t {\r\n      target_vp 0\r\n      run_on_target on\r\n'), JSON.stringify(out));
  assert.ok(!analyzeDocument(out).diagnostics.some((d) => d.code === 'VPS130'));
});

test('every fix applies cleanly and removes its diagnostic', () => {
  const cases = [
    ['host { pcpus 2 }\nvm a { vcpus 1; guest { thread t { cpu 10 } } }', 'VPS105'],
    ['host { pcpus 2 }\nvm a { vcpus 1; guest { thread t { cpu 10 us } } }', 'VPS107'],
    ['host { pcpus 2ms }', 'VPS106'],
    ['hots { pcpus 2 }', 'VPS100'],
    ['host { pcpus 2; shed fair }', 'VPS100'],
    ['host { pcpus 2; sched fiar }', 'VPS109'],
    ['host { pcpus 4; pool p { cpus 3-2 } }', 'VPS119'],
    ['host { pcpus 2 }\nvm a { vcpus 2 3 }', 'VPS103'],
  ] as const;
  for (const [text, code] of cases) {
    const d = analyzeDocument(text).diagnostics.find((x) => x.code === code);
    assert.ok(d?.fixes?.length, `${code} has a fix in ${JSON.stringify(text)}`);
    const out = applyEdits(text, d!.fixes![0].edits);
    assert.ok(!analyzeDocument(out).diagnostics.some((x) => x.severity === 'error'), `after '${d!.fixes![0].title}': ${out}`);
  }
});
