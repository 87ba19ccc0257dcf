/** A timeline view's reveal opens only a file the view refers to (the webview is untrusted). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { revealTarget } from '../../client/src/revealTarget';
import { VIEW_SCHEMA, type ViewDocument, type ViewOrigin } from '../../server/src/shared/view';

const traceDoc = (source: string): ViewDocument => ({ schema: VIEW_SCHEMA, kind: 'trace', title: 't', source, timelines: [] });
const absPath = fc.array(fc.stringMatching(/^[^/\0]{1,12}$/), { minLength: 1, maxLength: 5 }).map((parts) => '/' + parts.join('/'));

test('a trace view reveals its own trace files and refuses any other absolute path', () => {
  fc.assert(
    fc.property(absPath, fc.option(absPath, { nil: undefined }), absPath, (host, guest, other) => {
      const origin: ViewOrigin = { kind: 'trace', path: host, ...(guest !== undefined ? { guestPath: guest } : {}) };
      const doc = traceDoc(host);
      assert.deepEqual(revealTarget(doc, origin, host), { path: host });
      assert.deepEqual(revealTarget(doc, origin, undefined), { path: host });
      if (guest !== undefined) assert.deepEqual(revealTarget(doc, origin, guest), { path: guest });
      if (other !== host && other !== guest) assert.deepEqual(revealTarget(doc, origin, other), { refused: other });
    }),
  );
  // What a hostile webview sent before the fix: any file on the machine.
  const origin: ViewOrigin = { kind: 'trace', path: '/home/u/run.dat' };
  for (const evil of ['/etc/shadow', 'C:\\Windows\\win.ini', '/home/u/run.dat/../../../etc/passwd', '/home/u/run.dat ', 'file:///etc/passwd'])
    assert.deepEqual(revealTarget(traceDoc('/home/u/run.dat'), origin, evil), { refused: evil });
  // A trace read from standard input has no file: nothing to reveal, nothing opened.
  assert.deepEqual(revealTarget(traceDoc('-'), { kind: 'trace', path: '-' }, '/etc/passwd'), { refused: '/etc/passwd' });
  assert.equal(revealTarget(traceDoc('-'), { kind: 'trace', path: '-' }, undefined), undefined);
  assert.equal(revealTarget(undefined, undefined, undefined), undefined);
  assert.deepEqual(revealTarget(undefined, undefined, '/etc/passwd'), { refused: '/etc/passwd' });
});

test('a simulation view reveals in its own scenario, whatever the message names', () => {
  const own = 'file:///w/a.vps';
  const doc: ViewDocument = { schema: VIEW_SCHEMA, kind: 'simulation', title: 'a', source: 'a.vps', sourceUri: own, timelines: [] };
  for (const s of [undefined, own, 'a.vps', '/etc/passwd', 'file:///etc/passwd']) assert.deepEqual(revealTarget(doc, undefined, s), { uri: own });
  // A restored tab before its document arrives: the origin's URI.
  assert.deepEqual(revealTarget(undefined, { kind: 'simulation', uri: own }, '/etc/passwd'), { uri: own });
});
