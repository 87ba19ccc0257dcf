/**
 * Paths of keywords and names (see `source.ts`) for the IR objects the checks talk about, so a
 * check can find the statement of a setting, in the base or in a variant, and fix it there.
 */
import type { GuestLock, GuestThread, HostLoad, NetvspController, ParallelRegion, Pool, StorvspController, Vm, Vtl2Task } from '../../model/ir';
import type { Path } from './source';

export const hostPath: Path = [{ kw: 'host' }];
export const poolPath = (p: Pool): Path => hostPath.concat({ kw: 'pool', name: p.name });
export const loadPath = (l: HostLoad): Path => hostPath.concat({ kw: 'load', name: l.name });
export const vmPath = (vm: Vm): Path => [{ kw: 'vm', name: vm.name }];
export const boostPath = (vm: Vm): Path => vmPath(vm).concat({ kw: 'boost' });
export const openhclPath = (vm: Vm): Path => vmPath(vm).concat({ kw: 'openhcl' });
export const sidecarPath = (vm: Vm): Path => openhclPath(vm).concat({ kw: 'sidecar' });
export const taskPath = (vm: Vm, t: Vtl2Task): Path => openhclPath(vm).concat({ kw: 'task', name: t.name });
export const storvspPath = (vm: Vm, c: StorvspController): Path => openhclPath(vm).concat({ kw: 'storvsp', name: c.name });
export const netvspPath = (vm: Vm, c: NetvspController): Path => openhclPath(vm).concat({ kw: 'netvsp', name: c.name });
export const guestPath = (vm: Vm): Path => vmPath(vm).concat({ kw: 'guest' });
export const threadPath = (vm: Vm, t: GuestThread): Path => guestPath(vm).concat({ kw: 'thread', name: t.name });
export const parallelPath = (vm: Vm, p: ParallelRegion): Path => guestPath(vm).concat({ kw: 'parallel', name: p.name });
export const lockPath = (vm: Vm, l: GuestLock): Path => guestPath(vm).concat({ kw: 'lock', name: l.name });
export const plePath = (vm: Vm): Path => guestPath(vm).concat({ kw: 'ple' });

/** `path` plus one more keyword (a setting in that block). */
export const child = (path: Path, kw: string, name?: string): Path => path.concat(name === undefined ? { kw } : { kw, name });
