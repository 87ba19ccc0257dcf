/** A handler's unexpected exception is answered as an internal error, its message clipped like any echo. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCodes } from 'vscode-languageserver/node';
import { internalError } from '../../server/src/lsp/runs';
import { MAX_MESSAGE } from '../../server/src/core/text';

test('an internal error quoting 10 MB of client text is at most MAX_MESSAGE characters (was sent back whole)', () => {
  const uri = 'file:///' + 'a'.repeat(10_000_000);
  const e = internalError('vpscope hover', new TypeError(`cannot map ${uri}`));
  assert.equal(e.code, ErrorCodes.InternalError);
  assert.ok(e.message.length <= MAX_MESSAGE, `${e.message.length} characters`);
  assert.match(e.message, /^vpscope hover failed: cannot map file:\/\/\/a+/);
  fc.assert(
    fc.property(fc.string({ maxLength: 5000 }), fc.oneof(fc.constant(undefined), fc.string()), (msg, thrownString) => {
      const err = internalError('vpscope x', thrownString !== undefined ? thrownString : new Error(msg));
      assert.ok(err.message.length <= MAX_MESSAGE);
      assert.ok(err.message.startsWith('vpscope x failed: '));
    }),
  );
  // A short message is kept as it was.
  assert.equal(internalError('vpscope hover', new Error('x is undefined')).message, 'vpscope hover failed: x is undefined');
});
