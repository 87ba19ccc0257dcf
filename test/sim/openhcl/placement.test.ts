/**
 * The target_vp / run_on_target / retarget_vp table of model.md §1, row by row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ioVpOf, placeTask, retarget, runVpAfterWake, spawnVpOf } from '../../../server/src/sim/openhcl/placement';

const task = (targetVp: number | undefined, runOnTarget: boolean, runsOn: 'vp' | 'dedicated' | 'get_worker' = 'vp') => ({ targetVp, runOnTarget, runsOn });

test('threadpool, target set, run_on_target: IO on N, always runs on N, follows retarget', () => {
  const p = placeTask('threadpool', task(2, true), 4);
  assert.deepEqual([p.executor, p.target, p.runOnTarget], ['vp', 2, true]);
  assert.equal(ioVpOf(p), 2);
  assert.equal(spawnVpOf(p), 2);
  assert.equal(runVpAfterWake(p, 0), 2, 'a wake reaped elsewhere is forwarded to the target');
  assert.equal(retarget(p, 3, 4), true);
  assert.equal(ioVpOf(p), 3, 'new IO moves');
  assert.equal(runVpAfterWake(p, 2), 3, 'an in-flight completion reaped on the old VP runs the task on the new one');
});

test('threadpool, target set, run_on_target=false: IO on N, spawns on the current CPU, runs where woken', () => {
  const p = placeTask('threadpool', task(2, false), 4);
  assert.equal(ioVpOf(p), 2);
  assert.equal(spawnVpOf(p), 0, 'scenario tasks are spawned from the boot CPU');
  assert.equal(runVpAfterWake(p, 2), 2, 'drifts to N because its completions wake it there');
  assert.equal(retarget(p, 1, 4), true);
  assert.equal(ioVpOf(p), 1);
  assert.equal(runVpAfterWake(p, 2), 2, 'an in-flight completion on the old VP runs it there');
});

test('threadpool, target unset: IO on VP 0, run_on_target means nothing, retarget ignored', () => {
  const p = placeTask('threadpool', task(undefined, true), 4);
  assert.equal(p.runOnTarget, false);
  assert.equal(ioVpOf(p), 0);
  assert.equal(spawnVpOf(p), 0);
  assert.equal(runVpAfterWake(p, 0), 0);
  assert.equal(retarget(p, 3, 4), false);
  assert.equal(ioVpOf(p), 0);
});

test('thread backend: target_vp selects a dedicated thread, run_on_target and retarget ignored', () => {
  const p = placeTask('thread', task(3, true), 4);
  assert.deepEqual([p.executor, p.target, p.runOnTarget], ['own_thread', 3, false]);
  assert.equal(retarget(p, 1, 4), false);
  assert.equal(p.target, 3);
});

test('thread backend: untargeted drivers share the default driver thread (vm_task.rs ThreadDriverBackend)', () => {
  for (const rot of [false, true]) {
    const p = placeTask('thread', task(undefined, rot), 4);
    assert.deepEqual([p.executor, p.target, p.runOnTarget, p.retargetable], ['default_driver', undefined, false, false]);
  }
});

test('single backend: everything ignored', () => {
  const p = placeTask('single', task(3, true), 4);
  assert.deepEqual([p.executor, p.target, p.runOnTarget, p.retargetable], ['single', undefined, false, false]);
});

test('runs_on dedicated / get_worker leave the VP threads in every backend', () => {
  for (const b of ['threadpool', 'thread', 'single'] as const) {
    assert.equal(placeTask(b, task(1, true, 'dedicated'), 4).executor, 'own_thread');
    assert.equal(placeTask(b, task(1, true, 'get_worker'), 4).executor, 'get_worker');
  }
});

test('targets beyond the VP count are clamped', () => {
  assert.equal(placeTask('threadpool', task(9, true), 4).target, 3);
});
