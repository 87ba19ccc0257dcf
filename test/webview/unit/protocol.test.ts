/**
 * The view protocol under hostile messages (shared/view.ts): every message type either side
 * accepts, with fields of the wrong type, extra fields, missing fields, huge arrays and any JSON
 * value at all. The validators never throw and answer a boolean; a mutated field of a valid
 * message is refused; a valid one keeps being accepted with extra fields. A `load` whose lane
 * headers claim more intervals than the data can hold is refused by the decoder (ViewDataError)
 * before anything is allocated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gzipBase64 } from '../../../server/src/io/gzipBase64';
import { isHostToView, isViewToHost, MAX_ANCHOR_KEY, MAX_LOG_CHARS, MAX_REVEAL_SOURCE_CHARS, VIEW_PROTOCOL_VERSION, VIEW_SCHEMA } from '../../../server/src/shared/view';
import { decodeDocument, ViewDataError } from '../../../webview/src/data';

const V = VIEW_PROTOCOL_VERSION;
const range = { start: { line: 1, character: 2 }, end: { line: 3, character: 0 } };
const state = { viewStartNs: 0, viewEndNs: 10, variants: [0], collapsedGroups: ['g'], filter: 'x', panel: 'p', logScale: true, seedsMetric: 'm', seedsLog: false, stallsGrouped: true, sideWidth: 0.4, derivedTracks: false, scrollAnchor: { row: '0:vm:a/vcpu:1', offset: 5 }, selection: { lane: 'l', startNs: 1, endNs: 2 } };
const timeline = { encoding: 'vpt1', compression: 'none', startNs: 0, endNs: 10, states: ['idle'], causes: [], lanes: [{ id: 'a', label: 'A', group: 'g', kind: 'vp', count: 0 }], intervals: 0, data: '' };
const doc = { schema: VIEW_SCHEMA, kind: 'trace', title: 't', source: 's', timelines: [timeline] };

/** One valid message of every type, each side. */
const TO_VIEW: Record<string, unknown>[] = [
  { type: 'load', version: V, doc, state },
  { type: 'highlight', version: V, targets: [{ vm: 'a', vp: 1, task: 't' }] },
  { type: 'status', version: V, text: 'busy', busy: true },
];
const TO_HOST: Record<string, unknown>[] = [
  { type: 'ready', version: V },
  { type: 'reveal', version: V, range, source: 'file:///a.vps' },
  { type: 'export', version: V, format: 'csv', fileName: 'a.csv', data: 'x,y\n' },
  { type: 'state', version: V, state },
  { type: 'log', version: V, level: 'warn', message: 'm' },
];

/** Every path to a leaf of `x` (object keys and array indices). */
function leaves(x: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof x !== 'object' || x === null) return [at];
  const out: (string | number)[][] = [];
  for (const [k, v] of Object.entries(x)) out.push(...leaves(v, [...at, Array.isArray(x) ? Number(k) : k]));
  return out.length ? out : [at];
}

function withLeaf(x: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(x) as Record<string | number, unknown>;
  let o = copy;
  for (let i = 0; i < path.length - 1; i++) o = o[path[i]] as Record<string | number, unknown>;
  o[path[path.length - 1]] = value;
  return copy;
}

/** A value of another JSON type than `v` (or a non-finite number for a number). */
const otherThan = (v: unknown): fc.Arbitrary<unknown> =>
  fc.oneof(fc.constant(null), fc.string(), fc.boolean(), fc.double(), fc.constant(NaN), fc.constant(Infinity), fc.array(fc.nat(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.nat(), { maxKeys: 2 })).filter((w) => {
    if (typeof v === 'number') return typeof w !== 'number' || !Number.isFinite(w);
    if (Array.isArray(v)) return !Array.isArray(w);
    if (v === null) return w !== null;
    return typeof w !== typeof v || Array.isArray(w) || w === null;
  });

test('any JSON value, any object with a known type: the validators answer a boolean, never throw', () => {
  const anyMsg = fc.oneof(
    fc.anything({ maxDepth: 4, withNullPrototype: true, withBigInt: true, withDate: true, withTypedArray: true, withSparseArray: true, withMap: true, withSet: true }),
    fc.record({ type: fc.constantFrom('load', 'highlight', 'status', 'ready', 'reveal', 'export', 'state', 'log', '__proto__', 'constructor'), version: fc.oneof(fc.constant(V), fc.anything()) }, { requiredKeys: [] }).chain((head) => fc.dictionary(fc.string(), fc.anything({ maxDepth: 3 })).map((rest) => ({ ...rest, ...head }))),
  );
  fc.assert(
    fc.property(anyMsg, (m) => {
      assert.equal(typeof isHostToView(m), 'boolean');
      assert.equal(typeof isViewToHost(m), 'boolean');
    }),
    { numRuns: 2000 },
  );
});

test('valid messages are accepted, also with extra fields; any leaf of another type is refused', () => {
  for (const [valid, accepts] of [[TO_VIEW, isHostToView], [TO_HOST, isViewToHost]] as const) {
    for (const m of valid) {
      assert.ok(accepts(m), JSON.stringify(m));
      assert.ok(accepts({ ...m, extra: { deep: [1, 2, 3] }, __proto__x: 1 }), `${m.type} with extra fields`);
      // Required leaves only: the optional ones (state, source, the fields of a state...) may be anything undefined.
      const paths = leaves(m).filter((p) => p.length > 0);
      fc.assert(
        fc.property(fc.constantFrom(...paths), fc.nat(), (path, seed) => {
          const old = path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], m);
          const other = fc.sample(otherThan(old), { numRuns: 1, seed })[0];
          const bad = withLeaf(m, path, other);
          // `highlight` targets' fields are optional: only a present wrong type is checked. Strings
          // the protocol leaves free (titles, labels, messages) are refused only as non-strings.
          assert.equal(accepts(bad), false, `${m.type}: ${path.join('.')} = ${JSON.stringify(other)}`);
        }),
        { numRuns: 60 },
      );
      assert.equal(accepts({ ...m, version: V + 1 }), false);
      assert.equal(accepts({ ...m, type: `${m.type}x` }), false);
      for (const k of Object.keys(m)) if (!['source', 'state'].includes(k)) assert.equal(accepts({ ...m, [k]: undefined }), false, `${m.type} without ${k}`);
    }
  }
});

test('huge arrays and strings are validated in linear time, and the export cap holds', () => {
  const t0 = performance.now();
  const targets = new Array(1_000_000).fill({ vm: 'a' });
  assert.ok(isHostToView({ type: 'highlight', version: V, targets }));
  targets[999_999] = { vm: 5 };
  assert.equal(isHostToView({ type: 'highlight', version: V, targets }), false);
  assert.equal(isViewToHost({ type: 'state', version: V, state: { variants: [...new Array(1_000_000).fill(0), 'x'] } }), false);
  assert.equal(isViewToHost({ type: 'export', version: V, format: 'png', fileName: 'a.png', data: 'A'.repeat(64 * 1024 * 1024 + 1) }), false);
  assert.equal(isViewToHost({ type: 'export', version: V, format: 'png', fileName: '../a.png', data: '' }), false);
  // A reveal's source is a path or URI: at most 16 KiB (was any length).
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
  assert.ok(isViewToHost({ type: 'reveal', version: V, range, source: '/' + 'a'.repeat(MAX_REVEAL_SOURCE_CHARS - 1) }));
  assert.equal(isViewToHost({ type: 'reveal', version: V, range, source: '/' + 'a'.repeat(MAX_REVEAL_SOURCE_CHARS) }), false);
  assert.equal(isViewToHost({ type: 'export', version: V, format: 'png', fileName: 'a'.repeat(121), data: '' }), false);
  // A log line goes to the extension's output channel: 64 KB at most (was any length).
  assert.ok(isViewToHost({ type: 'log', version: V, level: 'error', message: 'm'.repeat(MAX_LOG_CHARS) }));
  assert.equal(isViewToHost({ type: 'log', version: V, level: 'error', message: 'm'.repeat(10_000_000) }), false);
  assert.ok(performance.now() - t0 < 10_000);
});

test('a load whose lanes claim more intervals than the data holds is a ViewDataError, nothing allocated first', async () => {
  const { data } = gzipBase64(new Uint8Array(1 << 20));
  const lanes = Array.from({ length: 50 }, (_, i) => ({ id: `l${i}`, label: 'L', group: 'g', kind: 'vp', count: 1 << 20 }));
  const m = { type: 'load', version: V, doc: { ...doc, timelines: [{ ...timeline, compression: 'gzip', lanes, intervals: 0, data }] } };
  assert.ok(isHostToView(m), 'the shape is valid; the decoder judges the counts');
  const t0 = performance.now();
  await assert.rejects(decodeDocument(m.doc as never), (e: unknown) => e instanceof ViewDataError && /timeline 0 \(trace\): lane counts add up to/.test(e.message));
  assert.ok(performance.now() - t0 < 5000, `${Math.round(performance.now() - t0)} ms`);
});

test('a saved scroll anchor: a row key up to MAX_ANCHOR_KEY characters and a non-negative offset', () => {
  const ok = (a: unknown) => isHostToView({ type: 'load', version: V, doc, state: { scrollAnchor: a } });
  assert.equal(ok({ row: 'x'.repeat(MAX_ANCHOR_KEY), offset: 0 }), true);
  assert.equal(ok({ row: 'x'.repeat(MAX_ANCHOR_KEY + 1), offset: 0 }), false);
  assert.equal(ok({ row: 'a', offset: -1 }), false);
  assert.equal(ok({ row: 'a' }), false);
});
