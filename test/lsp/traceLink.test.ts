/**
 * Host and guest linked in the editor: `vpscope/analyzeTrace` with `guestPath` gives what
 * `vpscope analyze HOST GUEST --json` gives (the same linked document), a view titled with both
 * files whose origin names the guest (so a reload re-links), and the guest lanes in its timeline.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalyzeTraceRequest, type AnalyzeTraceResult } from '../../server/src/shared/protocol';
import { main } from '../../server/src/cli/analyze';
import { importBytes, realTrace, tracesDir } from '../trace/helpers';
import { guestTrace, realHostSegs } from '../trace/linkGen';
import { pushCapabilities, startClient, type TestClient } from './harness';

const HOST = join(tracesDir, 'r2_2x_n4', 'r2_2x_n4.dat');
const noTrace = existsSync(HOST) ? false : `no trace at ${HOST}`;
const OFFSET = 123_456_789_000;

describe('analyzeTrace with a guest trace (host and guest linked)', { skip: noTrace }, () => {
  let client: TestClient;
  let dir = '';
  let guest = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vpscope-lsp-link-'));
    guest = join(dir, 'guest.txt');
    writeFileSync(guest, guestTrace(realHostSegs(importBytes(realTrace('r2_2x_n4', 'tracefs_trace'))), OFFSET).text);
    client = await startClient({ capabilities: pushCapabilities });
  });
  after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the linked document equals the CLI\'s; the view names both files and carries the guest lanes', async () => {
    const r = await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { path: HOST, guestPath: guest, view: true });
    let out = '';
    const code = await main([HOST, guest, '--json'], { stdout: { write: (c: string) => (out += c) }, stderr: { write: () => true } });
    assert.equal(code, 0);
    const expected = JSON.parse(out);
    assert.ok(Array.isArray(expected.hostGuest) && expected.hostGuest.length === 1);
    assert.deepEqual(r.document, expected, 'the whole linked document');
    const codes = new Set((r.document!.findings as { code: string }[]).map((f) => f.code));
    assert.ok(codes.has('VPS340'), `findings: ${[...codes].join(', ')}`);
    assert.match(r.summary, /Host and guest/);
    assert.equal(r.view?.title, 'r2_2x_n4.dat + guest.txt');
    assert.deepEqual(r.view?.origin, { kind: 'trace', path: HOST, guestPath: guest });
    const alone = await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { path: HOST, view: true });
    const added = r.view!.timelines[0].lanes.filter((l) => !alone.view!.timelines[0].lanes.some((h) => h.id === l.id));
    assert.ok(added.length >= 4, `guest lanes added: ${added.map((l) => l.id).join(', ')}`);
    assert.equal(alone.view?.origin?.kind, 'trace');
    assert.equal((alone.view?.origin as { guestPath?: string }).guestPath, undefined);
  });

  test('the clocks and the offset the user states are used as the CLI uses them, and kept in the view\'s origin', async () => {
    const r = await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { path: HOST, guestPath: guest, hostClock: 'x86-tsc', guestClock: 'x86-tsc', view: true });
    let out = '';
    const code = await main([HOST, guest, '--json', '--host-clock', 'x86-tsc', '--guest-clock', 'x86-tsc'], { stdout: { write: (c: string) => (out += c) }, stderr: { write: () => true } });
    assert.equal(code, 0);
    assert.deepEqual(r.document, JSON.parse(out), 'the whole linked document');
    assert.deepEqual(r.view?.origin, { kind: 'trace', path: HOST, guestPath: guest, hostClock: 'x86-tsc', guestClock: 'x86-tsc' });
    const off = await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { path: HOST, guestPath: guest, guestOffsetNs: OFFSET, view: true });
    out = '';
    assert.equal(await main([HOST, guest, '--json', '--guest-offset-ns', String(OFFSET)], { stdout: { write: (c: string) => (out += c) }, stderr: { write: () => true } }), 0);
    assert.deepEqual(off.document, JSON.parse(out), 'the offset given: the CLI\'s document');
    const time = (d: AnalyzeTraceResult) => (d.document as { hostGuest: { time: { method: string } }[] }).hostGuest[0].time.method;
    assert.notEqual(time(off), time(r), 'the given offset is used instead of the estimate');
    assert.deepEqual(off.view?.origin, { kind: 'trace', path: HOST, guestPath: guest, guestOffsetNs: OFFSET });
    await assert.rejects(client.request(AnalyzeTraceRequest.method, { path: HOST, guestPath: guest, hostClock: 'sundial' }), /hostClock must be a trace clock/);
    await assert.rejects(client.request(AnalyzeTraceRequest.method, { path: HOST, guestPath: guest, guestClock: 7 }), /guestClock must be a trace clock/);
  });

  test('bad guest arguments are refused with a message, not a crash', async () => {
    await assert.rejects(client.request(AnalyzeTraceRequest.method, { path: HOST, guestPath: HOST }), /another file/);
    // The same file by another name: `..` in the path, and a symbolic link.
    const viaDots = join(tracesDir, 'r2_2x_n4', '..', 'r2_2x_n4', 'r2_2x_n4.dat');
    await assert.rejects(client.request(AnalyzeTraceRequest.method, { path: HOST, guestPath: viaDots }), /another file/);
    const link = join(dir, 'host-link.dat');
    symlinkSync(HOST, link);
    await assert.rejects(client.request(AnalyzeTraceRequest.method, { path: link, guestPath: HOST }), /another file/);
    const cli = { out: '', err: '' };
    const code = await main([HOST, link], { stdout: { write: (c: string) => (cli.out += c) }, stderr: { write: (c: string) => (cli.err += c) } });
    assert.equal(code, 2);
    assert.match(cli.err, /GUEST_TRACE .* is the same file as TRACE/);
    assert.equal(cli.out, '');
    await assert.rejects(client.request(AnalyzeTraceRequest.method, { path: HOST, guestPath: 42 }), /guestPath/);
    await assert.rejects(client.request(AnalyzeTraceRequest.method, { path: HOST, guestPath: join(dir, 'missing.txt') }), /cannot read/);
    await assert.rejects(client.request(AnalyzeTraceRequest.method, { path: HOST, guestPath: guest, guestOffsetNs: 1.5 }), /guestOffsetNs/);
  });
});
