/**
 * Scenario skeletons from traces must parse and check without errors in the scenario language
 * (syntax/ parser + model/ checker), and carry what was measured.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/model/analyze';
import { analyzeTrace } from '../../server/src/trace';
import { identifier, scenarioSkeleton } from '../../server/src/trace/skeleton';
import { analyzeText, importBytes, realTrace, sw, tf } from './helpers';

function check(text: string): void {
  const a = analyzeDocument(text, { uri: 'skeleton.vps' });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => `${d.code} ${d.message} @${d.range.start}: ${text.slice(d.range.start, d.range.end)}`), [], text);
  assert.ok(a.scenario, 'the checker lowers the skeleton to a scenario');
}

describe('scenario skeleton', () => {
  for (const run of ['r1_1x_n2', 'r2_2x_n4', 'r3_1x_n2_2hogs']) {
    it(`${run}: parses and checks, with the measured VM and host load`, () => {
      const doc = analyzeTrace(importBytes(realTrace(run, 'tracefs_trace')));
      const text = scenarioSkeleton(doc);
      check(text);
      const vm = doc.vms[0];
      assert.match(text, new RegExp(`vm kvmbar_${vm.pid} \\{\\n  vcpus ${vm.vcpus.length}\\n`));
      assert.match(text, /pcpus 2\n/);
      assert.match(text, /intercept exits \{ rate \d+\/s; duration 5us \}/);
      const a = analyzeDocument(text);
      assert.equal(a.scenario!.vms.length, 1);
      if (run === 'r3_1x_n2_2hogs') assert.match(text, /load cpuhog \{ threads 2; cpu [\d.]+(us|ms) \}/);
    });
  }

  it('a trace without VMs, and odd names, still give a valid scenario', () => {
    const doc = analyzeText([
      tf('9weird.name:x', 5, 0, '1.000000', 'sched_switch', sw('9weird.name:x', 5, 'S', 'other thing', 6)),
      tf('other thing', 6, 0, '1.500000', 'sched_switch', sw('other thing', 6, 'R', '9weird.name:x', 5)),
      tf('9weird.name:x', 5, 0, '2.000000', 'sched_switch', sw('9weird.name:x', 5, 'S', 'swapper/0', 0)),
    ].join('\n'));
    const text = scenarioSkeleton(doc);
    check(text);
    assert.match(text, /load other_thing \{/);
  });

  it('a Chrome trace with vCPU lanes', () => {
    const events = [
      { ph: 'M', name: 'process_name', pid: 1, tid: 0, args: { name: 'web vm' } },
      { ph: 'M', name: 'thread_name', pid: 1, tid: 2, args: { name: 'VP 0' } },
      { ph: 'X', pid: 1, tid: 2, ts: 0, dur: 500, name: 'running', cat: 'running' },
      { ph: 'X', pid: 1, tid: 2, ts: 500, dur: 200, name: 'runnable', cat: 'runnable' },
    ];
    check(scenarioSkeleton(analyzeTrace(importBytes(JSON.stringify(events)))));
  });

  it('identifiers are valid names', () => {
    assert.equal(identifier('kdamond.0', 'x'), 'kdamond_0');
    assert.equal(identifier('CPU 0/KVM', 'x'), 'CPU_0_KVM');
    assert.equal(identifier('123', 'x'), 'x');
    assert.equal(identifier('memfd:sealed-91', 'x'), 'memfd_sealed-91');
  });
});
