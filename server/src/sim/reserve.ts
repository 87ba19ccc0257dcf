/**
 * The part of a wall budget kept for the work after a stop: the results (latency summaries, the
 * timelines' build and transfer) and what the caller writes then (`vpscope simulate`'s outputs,
 * the editor's view). The sim worker stops a run when the time spent plus {@link reserveMs}
 * reaches the budget. No clock here: the worker passes its own readings.
 */
import type { RunSize } from './contracts';

/**
 * CPU cost of the work that follows a stop, per unit of what the runs recorded (`RunSize`):
 * the worker's results (latency summaries, the timelines' build and transfer) and what the caller
 * then writes. Figures measured here (8 Dec, `vpscope simulate --wall-ms` on the 64- and
 * 1,024-VP storage benchmarks made long, and on 131,072 guest threads, each output alone):
 * see {@link outputReserve}.
 */
export interface WallReserve {
  /** Fixed part, ms. */
  fixedMs: number;
  /** Per timeline lane, us. */
  perLaneUs: number;
  /** Per timeline interval, us. */
  perIntervalUs: number;
  /** Per latency sample kept, us. */
  perSampleUs: number;
}

/**
 * The part of the wall budget kept for the work after a stop ({@link reserveMs}), by the
 * outputs asked for (`vpscope simulate`; the editor's view is costed as `--html`). CPU time from
 * the stop to the end of the command, measured here (8 Dec, 02:30 UTC, load 2.3-2.7, each output
 * alone; BENCHMARKS.md "Wall budget: the work after a stop"):
 * - latency summaries: 0.07-0.08 us per kept sample (storage benchmarks made long: 3.6 M samples
 *   253 ms, 2.6 M samples 198 ms);
 * - per timeline interval: `--html` 0.37 us, `--timeline --json` 0.25 us, `--chrome-trace` 0.72 us
 *   (1,024-VP storage, 4.7-5.1 M intervals: 1.8 / 1.2 / 3.7 s);
 * - per lane, with any of them: 10-13 us (131,072 guest threads: 2.0-2.2 s with 0.9-1.3 M
 *   intervals).
 * Each figure is taken 1.25x and summed over the outputs (a second output of the same timeline
 * costs at least its encoding again).
 */
export function outputReserve(out: { html: boolean; chrome: boolean; timelineJson: number }): WallReserve {
  const html = out.html ? 1 : 0;
  const chrome = out.chrome ? 1 : 0;
  const m = 1.25;
  return {
    fixedMs: 50 * m,
    perSampleUs: 0.08 * m,
    perIntervalUs: (0.37 * html + 0.72 * chrome + 0.25 * out.timelineJson) * m,
    perLaneUs: 13 * (html + chrome + out.timelineJson) * m,
  };
}

/** Most of the budget the reserve may take: a run always gets at least a tenth of it. */
export const MAX_RESERVE_SHARE = 0.9;

/**
 * Wall time to keep for the work after a stop: the CPU estimate of {@link WallReserve} for `size`,
 * times how much slower than its CPU time this process has run so far (`wallPerCpu`, at least 1:
 * on a loaded machine the work after the stop waits for the CPU as the run did), at most
 * {@link MAX_RESERVE_SHARE} of the budget.
 */
export function reserveMs(r: WallReserve, size: RunSize, wallPerCpu: number, budgetMs: number): number {
  const cpuMs = r.fixedMs + (size.lanes * r.perLaneUs + size.intervals * r.perIntervalUs + size.samples * r.perSampleUs) / 1000;
  return Math.min(MAX_RESERVE_SHARE * budgetMs, cpuMs * Math.max(1, wallPerCpu));
}
