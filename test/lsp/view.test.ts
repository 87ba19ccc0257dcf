/**
 * The timeline view's data over the protocol: `vpscope/simulate` and `vpscope/analyzeTrace` with
 * `view: true` answer a `vpscope.view/1` document (checked with the same validator the webview
 * uses) whose timelines decode to exactly the intervals `vpscope simulate|analyze --json` prints
 * (the CLI runs the same core). And the "Show Timeline" code lenses, offered only to a client
 * that announces `vpscope.showTimeline`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ResponseError } from 'vscode-jsonrpc/node';
import type { CodeLens } from 'vscode-languageserver-protocol';
import type { TimelineData } from '../../server/src/core/timeline';
import { decodeTimeline } from '../../server/src/core/timelineCodec';
import { AnalyzeTraceRequest, SimulateRequest, type AnalyzeTraceResult, type SimulateResult } from '../../server/src/shared/protocol';
import { isViewDocument, type EncodedTimeline } from '../../server/src/shared/view';
import { cliBundle, pushCapabilities, startClient, type TestClient } from './harness';
import { TRACES_DIR } from '../traces';

const ROOT = resolve(__dirname, '../..');
const EXAMPLES = join(ROOT, 'examples');
const EXAMPLE = 'openhcl-blocking-syscall.vps';
const EXAMPLE_TEXT = readFileSync(join(EXAMPLES, EXAMPLE), 'utf8');
const EXAMPLE_URI = `file:///work/view/${EXAMPLE}`;
const TRACE = join(TRACES_DIR, 'r1_1x_n2', 'r1_1x_n2.report.txt.gz');
const noTrace = existsSync(TRACE) ? false : `no trace at ${TRACE}`;

async function cliJson(args: string[], cwd = ROOT): Promise<any> {
  const bundle = await cliBundle();
  const r = spawnSync(process.execPath, [bundle, ...args], { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  assert.equal(r.status, 0, `vpscope ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** An encoded timeline back as {@link TimelineData} (flat interval arrays), as the webview decodes it. */
function decode(t: EncodedTimeline): TimelineData {
  let bytes: Uint8Array = Buffer.from(t.data, 'base64');
  if (t.compression === 'gzip') bytes = gunzipSync(bytes);
  const cols = decodeTimeline(bytes, t.startNs, t.lanes.map((l) => l.count));
  return {
    startNs: t.startNs,
    endNs: t.endNs,
    states: t.states,
    causes: t.causes,
    lanes: t.lanes.map((l, i) => {
      const c = cols[i];
      const intervals: number[] = [];
      for (let k = 0; k < c.starts.length; k++) intervals.push(c.starts[k], c.ends[k], c.states[k], c.causes[k]);
      return { id: l.id, label: l.label, group: l.group, kind: l.kind, intervals };
    }),
  };
}

/** Intervals with state / cause names instead of indices (the two sides may number them differently). */
function named(tl: TimelineData): Record<string, (string | number)[]> {
  const out: Record<string, (string | number)[]> = {};
  for (const l of tl.lanes) {
    const iv: (string | number)[] = [];
    for (let i = 0; i < l.intervals.length; i += 4) {
      iv.push(l.intervals[i], l.intervals[i + 1], tl.states[l.intervals[i + 2]], l.intervals[i + 3] >= 0 ? tl.causes[l.intervals[i + 3]] : '-');
    }
    out[`${l.id}|${l.label}|${l.group}|${l.kind}`] = iv;
  }
  return out;
}

async function expectError(p: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof ResponseError && e.code === code);
}

describe('vpscope/simulate and vpscope/analyzeTrace with view: true', () => {
  let client: TestClient;
  before(async () => {
    client = await startClient({ capabilities: pushCapabilities });
    client.open(EXAMPLE_URI, EXAMPLE_TEXT);
  });
  after(async () => {
    if (client.process.exitCode === null) await client.shutdown();
  });

  test('a simulation of all variants answers a view document whose timelines are the CLI\'s', async () => {
    const r = await client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri: EXAMPLE_URI }, allVariants: true, view: true });
    assert.ok(isViewDocument(r.view), 'isViewDocument(result.view)');
    const view = r.view!;
    assert.equal(view.kind, 'simulation');
    assert.equal(view.source, EXAMPLE);
    assert.equal(view.sourceUri, EXAMPLE_URI);
    assert.deepEqual(view.origin, { kind: 'simulation', uri: EXAMPLE_URI, allVariants: true });
    assert.ok(view.timelines.every((t) => t.compression === 'gzip'), 'timelines travel gzip-compressed');
    // The run beside the timelines is the result's run (LSP ranges), without timeline fields.
    assert.deepEqual(view.run?.variants, r.run.variants);
    const expected = await cliJson(['simulate', EXAMPLE, '--all-variants', '--json', '--timeline'], EXAMPLES);
    assert.equal(view.timelines.length, expected.variants.length);
    let intervals = 0;
    view.timelines.forEach((t, i) => {
      const mine = decode(t);
      const theirs = expected.variants[i].timeline as TimelineData;
      assert.equal(t.intervals, t.lanes.reduce((s, l) => s + l.count, 0));
      assert.equal(mine.endNs, theirs.endNs);
      assert.deepEqual(named(mine), named(theirs), `variant ${expected.variants[i].name}: the same intervals`);
      intervals += t.intervals;
    });
    assert.ok(intervals > 1000, `a real run (${intervals} intervals)`);
    // Compact: the view's timelines are far smaller than the JSON arrays.
    const encoded = view.timelines.reduce((s, t) => s + t.data.length, 0);
    const json = expected.variants.reduce((s: number, v: { timeline: unknown }) => s + JSON.stringify(v.timeline).length, 0);
    assert.ok(encoded * 5 < json, `encoded ${encoded} B vs JSON ${json} B`);
  });

  test('one variant with a seed: the origin says how to run it again; without view there is none', async () => {
    const r = await client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri: EXAMPLE_URI }, variant: 'async_io', seed: 7, view: true });
    assert.ok(isViewDocument(r.view));
    assert.deepEqual(r.view!.origin, { kind: 'simulation', uri: EXAMPLE_URI, variant: 'async_io', seed: 7 });
    assert.deepEqual(r.view!.run?.variants.map((v) => v.name), ['async_io']);
    assert.equal(r.view!.run?.seed, 7);
    // The same request again gives the same document (deterministic, byte for byte).
    const again = await client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri: EXAMPLE_URI }, variant: 'async_io', seed: 7, view: true });
    assert.equal(JSON.stringify(again.view), JSON.stringify(r.view));
    const plain = await client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri: EXAMPLE_URI }, variant: 'async_io' });
    assert.equal(plain.view, undefined);
    await expectError(client.request(SimulateRequest.method, { textDocument: { uri: EXAMPLE_URI }, view: 'yes' }), -32602);
  });

  test('a trace analysis answers a view document with the trace\'s timeline', { skip: noTrace }, async () => {
    const r = await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { path: TRACE, view: true });
    assert.ok(isViewDocument(r.view), 'isViewDocument(result.view)');
    const view = r.view!;
    assert.equal(view.kind, 'trace');
    assert.deepEqual(view.origin, { kind: 'trace', path: TRACE });
    assert.equal(view.timelines.length, 1);
    assert.equal((view.trace as Record<string, unknown>).timeline, undefined, 'the trace copy has no timeline');
    const expected = await cliJson(['analyze', TRACE, '--json']);
    assert.deepEqual(named(decode(view.timelines[0])), named(expected.timeline as TimelineData));
    assert.deepEqual((view.trace as Record<string, unknown>).findings, expected.findings);
    const plain = await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { path: TRACE });
    assert.equal(plain.view, undefined);
  });
});

describe('"Show Timeline" code lenses', () => {
  const lineOf = (needle: string) => EXAMPLE_TEXT.split('\n').findIndex((l) => l.replace(/#.*$/, '').includes(needle));
  const shown = (lenses: CodeLens[]) => lenses.map((l) => ({ line: l.range.start.line, title: l.command?.title, command: l.command?.command, args: l.command?.arguments }));

  test('beside the Simulate lenses, above the scenario and each variant', async () => {
    const client = await startClient({ capabilities: pushCapabilities, initializationOptions: { clientCommands: ['vpscope.simulate', 'vpscope.showTimeline'] } });
    try {
      const uri = 'file:///work/view/lens.vps';
      client.open(uri, EXAMPLE_TEXT, 1);
      const lenses = shown(await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } }));
      const top = lineOf('scenario "');
      const v1 = lineOf('variant dedicated_thread');
      const v2 = lineOf('variant async_io');
      assert.deepEqual(lenses, [
        { line: top, title: '▶ Simulate', command: 'vpscope.simulate', args: [uri, { variant: 'base' }] },
        { line: top, title: 'Simulate all variants', command: 'vpscope.simulate', args: [uri, { allVariants: true }] },
        { line: top, title: 'Show Timeline', command: 'vpscope.showTimeline', args: [uri, { variant: 'base' }] },
        { line: top, title: 'Timeline of all variants', command: 'vpscope.showTimeline', args: [uri, { allVariants: true }] },
        { line: v1, title: '▶ Simulate dedicated_thread', command: 'vpscope.simulate', args: [uri, { variant: 'dedicated_thread' }] },
        { line: v1, title: 'Show Timeline', command: 'vpscope.showTimeline', args: [uri, { variant: 'dedicated_thread' }] },
        { line: v2, title: '▶ Simulate async_io', command: 'vpscope.simulate', args: [uri, { variant: 'async_io' }] },
        { line: v2, title: 'Show Timeline', command: 'vpscope.showTimeline', args: [uri, { variant: 'async_io' }] },
      ]);
    } finally {
      await client.shutdown();
    }
  });

  test('a client with only the timeline command gets only timeline lenses', async () => {
    const client = await startClient({ capabilities: pushCapabilities, initializationOptions: { clientCommands: ['vpscope.showTimeline'] } });
    try {
      assert.deepEqual(client.initializeResult.capabilities.codeLensProvider, { resolveProvider: false });
      const uri = 'file:///work/view/lens2.vps';
      client.open(uri, EXAMPLE_TEXT, 1);
      const lenses = shown(await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } }));
      assert.ok(lenses.length === 4 && lenses.every((l) => l.command === 'vpscope.showTimeline'), JSON.stringify(lenses));
    } finally {
      await client.shutdown();
    }
  });
});
