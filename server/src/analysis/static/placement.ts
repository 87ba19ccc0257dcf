/**
 * Where OpenHCL work runs, as far as the scenario alone tells: which VP thread a task or a StorVSP
 * channel worker lands on, and what else shares that thread. Follows the OpenHCL guide as
 * summarised in the design's model (section 1):
 *
 * - threadpool backend: a task with `target_vp` N uses VP N's ring; with `run_on_target` it always
 *   runs on N, without it it runs where it is woken, which drifts to N because its completions wake
 *   it there. Either way N is where it competes. A task without `target_vp` spawns on the current
 *   CPU and its IO goes to VP 0's ring, so it ends up on VP 0.
 * - thread backend (OpenVMM) and single driver: tasks run on driver threads, not on VP threads.
 * - `runs_on dedicated` / `get_worker`: outside the VP threads.
 * - StorVSP: one worker per channel (primary + subchannels), on the channel's VP; a channel opened
 *   without interrupts lands on VP 0.
 */
import type { TextRange } from '../../core/text';
import type { OpenHcl, Program, StorvspController, Vm, Vtl2Task } from '../../model/ir';
import { layoutChannelVps } from '../../model/storvspRule';

/** True when the task runs on a VP's executor thread (shares it with the VP's guest). */
export function onVpThread(oh: OpenHcl, t: Vtl2Task): boolean {
  return oh.backend === 'threadpool' && t.runsOn === 'vp';
}

/** The VP whose thread a task runs on, or undefined when it does not run on a VP thread. */
export function taskVp(oh: OpenHcl, t: Vtl2Task): number | undefined {
  if (!onVpThread(oh, t)) return undefined;
  // Untargeted: VP 0 (spawned there, IO on VP 0's ring); with `io_ring current` it stays on the
  // VP that spawned it (`spawned_on`, default VP 0).
  return t.targetVp ?? (t.ioRing === 'current' ? (t.spawnedOn ?? 0) : 0);
}

/** Number of channels of a controller: the primary plus its subchannels. */
export function channelCount(c: StorvspController): number {
  return 1 + c.subChannels;
}

/** The VP each channel's worker runs on, primary first. */
export function channelVps(vm: Vm, c: StorvspController): number[] {
  // The one rule of model/storvspRule.ts (also used by the lowering and the simulator).
  return layoutChannelVps(c.channelVps.slice(0, channelCount(c)), channelCount(c), vm.vcpus, c.interrupts);
}

export function channelLabel(c: StorvspController, k: number): string {
  return k === 0 ? `\`${c.name}\` primary channel` : `\`${c.name}\` subchannel ${k}`;
}

/** One piece of VTL2 work on a VP thread. */
export interface VpWork {
  kind: 'task' | 'channel';
  /** `` `nvme` `` or `` `ctrl0` subchannel 2 ``. */
  label: string;
  range: TextRange;
  task?: Vtl2Task;
}

const occupantsCache = new WeakMap<Vm, Map<number, VpWork[]>>();

/**
 * Everything that runs on each VP thread of a VM (tasks and StorVSP channel workers). Computed
 * once per VM object (the IR is immutable): read it, never change it.
 */
export function vpOccupants(vm: Vm): Map<number, VpWork[]> {
  let out = occupantsCache.get(vm);
  if (!out) occupantsCache.set(vm, (out = computeOccupants(vm)));
  return out;
}

function computeOccupants(vm: Vm): Map<number, VpWork[]> {
  const out = new Map<number, VpWork[]>();
  const oh = vm.openhcl;
  if (!oh) return out;
  const add = (vp: number, w: VpWork) => {
    const l = out.get(vp);
    if (l) l.push(w);
    else out.set(vp, [w]);
  };
  for (const t of oh.tasks) {
    const vp = taskVp(oh, t);
    if (vp !== undefined) add(vp, { kind: 'task', label: `\`${t.name}\``, range: t.range, task: t });
  }
  // StorVSP workers are VP-thread tasks only in the threadpool backend (OpenHCL).
  if (oh.backend === 'threadpool') {
    for (const c of oh.storvsp) {
      channelVps(vm, c).forEach((vp, k) => add(vp, { kind: 'channel', label: channelLabel(c, k), range: c.range }));
    }
  }
  return out;
}

/** Steps after which the task's thread is free for other work (the task awaits something). */
export function yields(program: Program): boolean {
  return program.steps.some((s) => s.kind === 'sleep' || s.kind === 'io' || s.kind === 'wait_vp_ready' || (s.kind === 'get' && !s.blocking));
}
