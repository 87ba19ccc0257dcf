/**
 * The `vpscope.trace/1` document as JSON text, shared by `vpscope analyze` and the language
 * server's trace worker. Pure: no I/O.
 */
import type { TraceDocument } from '../trace';

/**
 * The JSON document as a sequence of strings: the timeline's lanes are serialised one at a time
 * so a large trace never needs one giant string.
 */
export function* documentChunks(doc: TraceDocument): Generator<string> {
  const { timeline, ...rest } = doc;
  const head = JSON.stringify(rest, null, 1);
  yield head.slice(0, head.lastIndexOf('}')).trimEnd();
  yield `,\n "timeline": {"startNs":${timeline.startNs},"endNs":${timeline.endNs},"states":${JSON.stringify(timeline.states)},"causes":${JSON.stringify(timeline.causes)},"lanes":[`;
  for (let i = 0; i < timeline.lanes.length; i++) yield (i ? ',\n' : '\n') + JSON.stringify(timeline.lanes[i]);
  yield '\n]}\n}\n';
}
