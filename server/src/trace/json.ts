/**
 * The `vpscope.trace/1` JSON text of an analysis whose timeline is still columnar (typed arrays,
 * see `analyzeTraceParts`): the same bytes as `documentChunks` (report/trace.ts) gives for the
 * materialised document, without ever holding a lane as a number array or the document as one
 * string. Pure: no I/O.
 */
import type { LaneSource, TimelineSource } from '../core/timeline';
import type { TraceSummaryDocument } from './schema';

/** Intervals per piece of a lane's JSON (4 numbers each). */
const INTERVALS_PER_PIECE = 16384;

/**
 * The JSON document as a sequence of strings (about 64 KiB to 1 MiB each): the head of the
 * document, then the timeline lane by lane, each lane's intervals in pieces.
 */
export function* documentJsonChunks(doc: TraceSummaryDocument, timeline: TimelineSource): Generator<string> {
  const head = JSON.stringify(doc, null, 1);
  yield head.slice(0, head.lastIndexOf('}')).trimEnd();
  yield `,\n "timeline": {"startNs":${timeline.startNs},"endNs":${timeline.endNs},"states":${JSON.stringify(timeline.states)},"causes":${JSON.stringify(timeline.causes)},"lanes":[`;
  for (let i = 0; i < timeline.lanes.length; i++) {
    let first = true;
    for (const piece of laneJsonChunks(timeline.lanes[i])) {
      yield first ? (i ? ',\n' : '\n') + piece : piece;
      first = false;
    }
  }
  yield '\n]}\n}\n';
}

/**
 * `JSON.stringify(lane.toData())` in pieces. The numbers are written by JSON.stringify itself,
 * a piece of intervals at a time through one reused array, so they are formatted exactly as in
 * the materialised lane.
 */
export function* laneJsonChunks(lane: LaneSource): Generator<string> {
  const open = `{"id":${JSON.stringify(lane.id)},"label":${JSON.stringify(lane.label)},"group":${JSON.stringify(lane.group)},"kind":${JSON.stringify(lane.kind)},"intervals":[`;
  const n = lane.length;
  if (n === 0) {
    yield open + ']}';
    return;
  }
  const scratch: number[] = [];
  let out = open;
  for (let from = 0; from < n; from += INTERVALS_PER_PIECE) {
    const to = Math.min(n, from + INTERVALS_PER_PIECE);
    scratch.length = (to - from) * 4;
    for (let i = from, k = 0; i < to; i++, k += 4) {
      scratch[k] = lane.startAt(i);
      scratch[k + 1] = lane.endAt(i);
      scratch[k + 2] = lane.stateAt(i);
      scratch[k + 3] = lane.causeAt(i);
    }
    const json = JSON.stringify(scratch);
    out += (from === 0 ? '' : ',') + json.slice(1, -1);
    yield out;
    out = '';
  }
  yield ']}';
}
