/**
 * Where a VTL2 task runs and where its IO goes: the `target_vp` / `run_on_target` /
 * `retarget_vp` table of model.md §1, as pure functions over the IR. The executor asks these
 * questions on every spawn, wake and IO submission, so the answers are plain numbers.
 *
 * Sources: OpenHCL guide, "CPU Scheduling" (tasks with target_vp = N and run_on_target run on
 * VP N's thread; untargeted tasks run on the thread that wakes them; no work stealing) and
 * "StorVSP Channels" (threadpool: strong targeting, in-flight IO is not retargeted; thread backend:
 * dedicated thread, retarget_vp is a no-op; single driver: everything on one thread).
 *
 * OpenVMM code (microsoft/openvmm, read for this model):
 * - `openhcl/underhill_core/src/threadpool_vm_task_backend.rs`: an untargeted driver spawns on
 *   the threadpool (the current CPU's thread) and initiates IO on `driver(0)`, VP 0's ring; the
 *   code notes that it initiates IO to VP 0 and that the current initiator could be used instead, and
 *   the guide's review discussed "the current VP's ring": the language offers both (`io_ring`).
 * - `vm/vmcore/src/vm_task.rs`, `mod thread` (`ThreadDriverBackend`): a driver built without a
 *   target VP uses the backend's single `default_driver` (shared by every untargeted driver, so a
 *   task that blocks there delays all of them); a driver with `target_vp` gets a new OS thread of
 *   its own (`std::thread::Builder::new().name(name).spawn`), with no CPU affinity set: the target
 *   only selects "a dedicated thread", it does not pin it. `run_on_target` is ignored and
 *   `retarget_vp` is a no-op.
 */
import type { Backend, Vtl2Task } from '../../model/ir';

/** Which kind of thread executes a task. */
export type ExecutorKind =
  /** A VP's cooperative executor thread (threadpool backend): shared with the VP's VTL0 guest. */
  | 'vp'
  /** A thread of its own (`runs_on dedicated`, or a targeted driver in the thread backend). */
  | 'own_thread'
  /** Thread backend: the one default driver thread shared by every untargeted driver. */
  | 'default_driver'
  /** The GET worker thread (`runs_on get_worker`), shared by every such task. */
  | 'get_worker'
  /** The single driver thread of the `single` backend, shared by every task. */
  | 'single';

/** VP whose thread spawns scenario tasks: the boot CPU where devices are created (assumption). */
export const SPAWN_VP = 0;
/** VP whose io_uring the threadpool uses for untargeted IO (OpenHCL threadpool driver). */
export const UNTARGETED_IO_VP = 0;

export interface TaskPlacement {
  executor: ExecutorKind;
  /**
   * Threadpool: the current target VP (`undefined` = unset). Moves on retarget. Thread backend:
   * the target that selected the dedicated thread (no CPU, no IO effect). Otherwise undefined.
   */
  target: number | undefined;
  /** Threadpool only: scheduling follows `target` (run_on_target=true with a target set). */
  runOnTarget: boolean;
  /** Whether `retarget_vp` statements have any effect (threadpool only). */
  retargetable: boolean;
  /**
   * Threadpool, untargeted, `io_ring current`: IO and timers use the ring of the VP the task runs
   * on when it submits, instead of VP 0's (the code's own note; the guide review's "current VP's ring").
   */
  ioCurrent?: boolean;
  /** Threadpool: the VP that spawns the task when it does not run on its target (`spawned_on`). */
  spawnVp?: number;
}

/** Resolves the table of model.md §1 for one task. `vps` is the VM's VP count (targets are clamped below it). */
export function placeTask(backend: Backend, task: Pick<Vtl2Task, 'runsOn' | 'targetVp' | 'runOnTarget'> & Partial<Pick<Vtl2Task, 'ioRing' | 'spawnedOn'>>, vps: number): TaskPlacement {
  const target = task.targetVp === undefined ? undefined : clampVp(task.targetVp, vps);
  if (task.runsOn === 'dedicated') return { executor: 'own_thread', target: undefined, runOnTarget: false, retargetable: false };
  if (task.runsOn === 'get_worker') return { executor: 'get_worker', target: undefined, runOnTarget: false, retargetable: false };
  switch (backend) {
    case 'threadpool':
      // run_on_target without target_vp means nothing (model.md §1). An untargeted driver ignores
      // retarget_vp (the threadpool driver only retargets a targeted spawner / IO target).
      return { executor: 'vp', target, runOnTarget: task.runOnTarget && target !== undefined, retargetable: target !== undefined, ...(target === undefined && task.ioRing === 'current' ? { ioCurrent: true } : {}), ...(task.spawnedOn !== undefined ? { spawnVp: clampVp(task.spawnedOn, vps) } : {}) };
    case 'thread':
      // vm_task.rs ThreadDriverBackend: target_vp -> a dedicated, unpinned thread; unset -> the
      // shared default driver thread. run_on_target ignored, retarget_vp a no-op.
      return { executor: target === undefined ? 'default_driver' : 'own_thread', target, runOnTarget: false, retargetable: false };
    case 'single':
      return { executor: 'single', target: undefined, runOnTarget: false, retargetable: false };
  }
}

/**
 * Threadpool: the VP whose ring a new IO (or timer) of the task uses. `currentVp`: the VP the task
 * runs on when it submits (used by `io_ring current`; undefined when not known: VP 0).
 */
export function ioVpOf(p: TaskPlacement, currentVp?: number): number {
  if (p.target !== undefined) return p.target;
  return p.ioCurrent && currentVp !== undefined && currentVp >= 0 ? currentVp : UNTARGETED_IO_VP;
}

/**
 * disk_nvme: the VP whose IO queue interrupt carries the completion of an IO issued on `vp`: its
 * own queue when the device has one for it, else the nearest lower CPU's queue (OpenVMM
 * nvme_driver `fallback_io_issuer`; vpscope gives queues to VPs 0..queues-1, a simplification of
 * "the CPUs that issued first").
 */
export function nvmeCompletionVp(vp: number, queues: number): number {
  return Math.max(0, Math.min(vp, Math.max(1, queues) - 1));
}

/** Threadpool: the VP a freshly spawned task first runs on. */
export function spawnVpOf(p: TaskPlacement): number {
  return p.runOnTarget ? (p.target as number) : (p.spawnVp ?? SPAWN_VP);
}

/**
 * Threadpool: the VP a task runs on after a wake that was reaped on `wakeVp`'s ring. A targeted
 * task with run_on_target follows its (current) target; otherwise it runs where it was woken,
 * which is how a run_on_target=false task drifts to its target (its IO completes there).
 */
export function runVpAfterWake(p: TaskPlacement, wakeVp: number): number {
  return p.runOnTarget ? (p.target as number) : wakeVp;
}

/**
 * Applies a `retarget_vp` at run time. Threadpool: new IO and scheduling move; IO already in
 * flight keeps the ring it was submitted on (the caller stores that ring per IO). Other backends:
 * no-op. Returns whether anything changed.
 */
export function retarget(p: TaskPlacement, vp: number, vps: number): boolean {
  if (!p.retargetable) return false;
  const v = clampVp(vp, vps);
  if (p.target === v) return false;
  p.target = v;
  return true;
}

function clampVp(vp: number, vps: number): number {
  return Math.max(0, Math.min(vps - 1, Math.trunc(vp)));
}
