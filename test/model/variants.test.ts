/**
 * Variants: each `Scenario.variants[i].scenario` is the complete merged scenario.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/model/analyze';

const BASE = `host { pcpus 8; load noise { threads 2; cpu 1ms } }
vm web {
  vcpus 4
  boost dynamic { preempt_limit 5ms }
  openhcl {
    io_uring_cancel on
    task nvme { target_vp 1; run_on_target on; rate 1k/s; cpu 10us; io 100us }
    storvsp s { sub_channels 3; disk os { latency 100us } }
  }
  guest { thread t { every 1ms; cpu 50us } }
}
vm db { vcpus 2 }
`;

function scenarioOf(variants: string) {
  const a = analyzeDocument(BASE + variants);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => d.message), []);
  return { a, s: a.scenario! };
}

test('a setting deep in a block changes only that setting', () => {
  const { s } = scenarioOf('variant nocancel { description "cancel off"; vm web { openhcl { io_uring_cancel off } } }');
  assert.equal(s.variants.length, 1);
  const v = s.variants[0];
  assert.equal(v.name, 'nocancel');
  assert.equal(v.description, 'cancel off');
  assert.equal(v.scenario.variants.length, 0);
  const web = v.scenario.vms.find((x) => x.name === 'web')!;
  assert.equal(web.openhcl!.ioUringCancel, false);
  // Everything else is the base.
  assert.equal(s.vms[0].openhcl!.ioUringCancel, true);
  assert.deepEqual(web.openhcl!.tasks, s.vms[0].openhcl!.tasks);
  assert.deepEqual(web.boost, s.vms[0].boost);
  assert.deepEqual(v.scenario.host, s.host);
  assert.deepEqual(v.scenario.vms[1], s.vms[1]);
});

test('a new named block is added; steps replace the steps of their block', () => {
  const { s } = scenarioOf(`variant more {
  vm extra { vcpus 1 }
  host { load noise { sleep 1ms } }
  vm web { openhcl { task nvme { cpu 1ms } ; task gc { cpu 1us } } }
}`);
  const v = s.variants[0].scenario;
  assert.deepEqual(v.vms.map((x) => x.name), ['web', 'db', 'extra']);
  assert.deepEqual(v.host.loads[0].program.steps.map((x) => x.kind), ['sleep']);
  assert.equal(v.host.loads[0].threads, 2);
  const tasks = v.vms[0].openhcl!.tasks;
  assert.deepEqual(tasks.map((t) => t.name), ['nvme', 'gc']);
  assert.deepEqual(tasks[0].program.steps.map((x) => [x.kind, 'dur' in x ? x.dur : undefined]), [['cpu', { kind: 'fixed', value: 1e6 }]]);
  // The task keeps its base settings and trigger.
  assert.deepEqual([tasks[0].targetVp, tasks[0].runOnTarget, tasks[0].program.trigger], [1, true, { kind: 'poisson', ratePerSec: 1000 }]);
});

test('an unnamed block with an argument: the variant replaces the mode, keeps the block', () => {
  const { a, s } = scenarioOf('variant off { vm web { boost off } }');
  const b = s.variants[0].scenario.vms[0].boost;
  assert.equal(b.mode, 'off');
  assert.equal(b.preemptLimitNs, 5e6);
  assert.ok(!a.diagnostics.some((d) => d.code === 'VPS134'), 'no "settings ignored" warning for a variant switching the mode');
});

test('ranges of overridden settings point at the variant text, the rest at the base', () => {
  const text = BASE + 'variant v { vm web { guest { thread t { cpu 70us } } } }';
  const a = analyzeDocument(text);
  const v = a.scenario!.variants[0].scenario;
  const step = v.vms[0].guest.threads[0].program.steps[0];
  assert.equal(text.slice(step.range.start, step.range.end), 'cpu 70us');
  assert.ok(step.range.start > BASE.length);
  assert.ok(v.vms[0].range.end <= BASE.length);
});

test('several variants, each complete, in order', () => {
  const { s } = scenarioOf('variant a { vm db { vcpus 1 } }\nvariant b { vm db { vcpus 3 } }');
  assert.deepEqual(s.variants.map((v) => [v.name, v.scenario.vms[1].vcpus]), [['a', 1], ['b', 3]]);
  assert.equal(s.vms[1].vcpus, 2);
});

test('a variant that makes a base statement invalid reports at the base statement, naming the variant', () => {
  const a = analyzeDocument(BASE + 'variant tiny { vm web { vcpus 1 } }');
  const d = a.diagnostics.find((x) => x.code === 'VPS115');
  assert.ok(d, 'VP index error');
  assert.match(d!.message, /^In variant `tiny`: VP 1 does not exist/);
  assert.ok(d!.range.end <= BASE.length, 'at the base text');
  assert.ok(d!.related?.some((r) => r.message === 'variant `tiny`'));
});

test('variant overriding something that exists nowhere: warning, with a suggestion', () => {
  const a = analyzeDocument(BASE + 'variant v { vm wbe { boost off } }');
  const d = a.diagnostics.find((x) => x.code === 'VPS140')!;
  assert.equal(d.severity, 'warning');
  assert.match(d.message, /Did you mean `web`\?/);
  assert.equal(a.scenario!.variants[0].scenario.vms.length, 2);
});

test('based_on: the base, then the variant it builds on, then its own overrides, along chains', () => {
  const { s } = scenarioOf(`variant a { vm web { vcpus 8; openhcl { io_uring_cancel off } }; host { load noise { threads 4 } } }
variant b { based_on a; vm web { vcpus 6 } }
variant c { based_on b; vm db { vcpus 1 } }
variant plain { vm db { vcpus 3 } }`);
  const [a, b, c, plain] = s.variants;
  assert.deepEqual(s.variants.map((v) => [v.name, v.basedOn]), [['a', undefined], ['b', 'a'], ['c', 'b'], ['plain', undefined]]);
  const web = (v: typeof a) => v.scenario.vms.find((x) => x.name === 'web')!;
  assert.deepEqual([web(a).vcpus, web(a).openhcl!.ioUringCancel, a.scenario.host.loads[0].threads], [8, false, 4]);
  // b: a's overrides, its own vcpus on top.
  assert.deepEqual([web(b).vcpus, web(b).openhcl!.ioUringCancel, b.scenario.host.loads[0].threads], [6, false, 4]);
  // c: all of b, plus db.
  assert.deepEqual([web(c).vcpus, web(c).openhcl!.ioUringCancel, c.scenario.host.loads[0].threads, c.scenario.vms[1].vcpus], [6, false, 4, 1]);
  // Without based_on, only the base.
  assert.deepEqual([web(plain).vcpus, web(plain).openhcl!.ioUringCancel, plain.scenario.host.loads[0].threads, plain.scenario.vms[1].vcpus], [4, true, 2, 3]);
  // The base itself is untouched.
  assert.deepEqual([s.vms[0].vcpus, s.host.loads[0].threads], [4, 2]);
});

test('based_on a variant written later in the file, and the merge diagnostics reported once', () => {
  const a = analyzeDocument(BASE + 'variant b { based_on a; vm web { vcpus 2 } }\nvariant a { vm wbe { boost off } }');
  const warnings = a.diagnostics.filter((d) => d.code === 'VPS140');
  assert.equal(warnings.length, 1, 'the misspelt override of `a` is reported for `a` only');
  assert.deepEqual(a.scenario!.variants.map((v) => [v.name, v.basedOn, v.scenario.vms[0].vcpus]), [['b', 'a', 2], ['a', undefined, 4]]);
});

test('based_on cycles are errors; each variant of the cycle is then merged into the base alone', () => {
  const a = analyzeDocument(BASE + 'variant x { based_on y; vm db { vcpus 1 } }\nvariant y { based_on x; vm db { vcpus 3 } }');
  const cyc = a.diagnostics.filter((d) => d.code === 'VPS144');
  assert.equal(cyc.length, 2);
  assert.ok(cyc.every((d) => d.severity === 'error' && d.related?.length === 1));
  assert.deepEqual(a.scenario!.variants.map((v) => [v.name, v.basedOn, v.scenario.vms[1].vcpus]), [['x', undefined, 1], ['y', undefined, 3]]);
});

test('references resolve through based_on, and go-to-definition lands on the variant that declares', () => {
  const text = BASE + 'variant a { vm web { openhcl { storvsp s2 { disk big { latency 1ms } } } } }\nvariant b { based_on a; vm web { guest { ioload io { disk s2 big; depth 2 } } } }';
  const a = analyzeDocument(text);
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  const ref = a.symbols.refs.find((r) => r.name === 'big')!;
  assert.equal(a.symbols.decls[ref.target!].variant, 'a');
  const io = a.scenario!.variants[1].scenario.vms[0].guest.ioloads;
  assert.deepEqual(io.map((x) => [x.controller, x.disk, x.depth]), [['s2', 'big', 2]]);
});

test('remove: the variant lacks the removed blocks, the base keeps them', () => {
  const { a, s } = scenarioOf(`variant lean {
  remove vm db
  host { remove load noise }
  vm web { openhcl { remove task nvme; storvsp s { remove disk os } } }
}`);
  const v = s.variants[0].scenario;
  assert.deepEqual(v.vms.map((x) => x.name), ['web']);
  assert.deepEqual(v.host.loads, []);
  assert.deepEqual(v.vms[0].openhcl!.tasks, []);
  assert.deepEqual(v.vms[0].openhcl!.storvsp[0].disks, []);
  assert.deepEqual([s.vms.length, s.host.loads.length, s.vms[0].openhcl!.tasks.length, s.vms[0].openhcl!.storvsp[0].disks.length], [2, 1, 1, 1]);
  // `remove disk os` names the base's disk: definition and rename follow it.
  const ref = a.symbols.refs.find((r) => r.kind === 'disk' && r.name === 'os')!;
  const decl = a.symbols.decls[ref.target!];
  assert.deepEqual([decl.kind, decl.name, decl.scope, decl.variant], ['disk', 'os', 'vm:web/storvsp:s', undefined]);
});

test('remove a whole controller: what still uses its disks is an error of the variant', () => {
  const a = analyzeDocument(BASE + 'vm io { vcpus 1; openhcl { storvsp c { disk d { latency 1ms } } }; guest { thread t { disk_io c d } } }\nvariant v { vm io { openhcl { remove storvsp c } } }');
  const d = a.diagnostics.find((x) => x.code === 'VPS143')!;
  assert.ok(d, 'removed reference');
  assert.match(d.message, /^In variant `v`: This variant removes controller `c`/);
  assert.ok(d.related?.some((r) => r.message === '`remove storvsp c`'));
  assert.deepEqual(a.scenario!.variants[0].scenario.vms[2].guest.threads[0].program.steps, []);
});
