/**
 * The importer keeps only the partial last line between chunks: any split of the input, including
 * in the middle of a line, of a CRLF pair or of a multi-byte UTF-8 character, gives the same result.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesOf, digest, importBytes, sw, tf, wk } from './helpers';

// Comms with 2-, 3- and 4-byte UTF-8 characters (comms are bytes; the kernel does not care).
const UTF8_TRACE = [
  '# tracer: nop',
  tf('wörker', 10, 0, '1.000000', 'sched_switch', sw('wörker', 10, 'R', '€uro', 11)),
  tf('€uro', 11, 0, '1.000100', 'sched_wakeup', wk('🦀rust', 12, 1)),
  tf('€uro', 11, 0, '1.000200', 'sched_switch', sw('€uro', 11, 'S', '🦀rust', 12)),
  tf('🦀rust', 12, 0, '1.000300', 'sched_switch', sw('🦀rust', 12, 'S', 'wörker', 10)),
].join('\n') + '\n';

describe('chunk boundaries', () => {
  it('every split point into two chunks (inside lines and inside UTF-8 characters)', () => {
    const b = bytesOf(UTF8_TRACE);
    const whole = digest(importBytes(b));
    assert.deepEqual(whole.threads.map((t) => t[2]).filter(Boolean).sort(), ['wörker', '€uro', '🦀rust'].sort());
    assert.equal(whole.malformed, 0);
    for (let k = 1; k < b.length; k++) {
      const imp = importBytes(b, { chunks: [k, b.length] });
      assert.deepEqual(digest(imp), whole, `split at byte ${k}`);
    }
  });

  it('one byte at a time, and small uneven chunk sizes', () => {
    const b = bytesOf(UTF8_TRACE);
    const whole = digest(importBytes(b));
    for (const chunks of [[1], [2], [3], [5, 1, 7], [64]]) assert.deepEqual(digest(importBytes(b, { chunks })), whole, `chunks ${chunks}`);
  });

  it('CRLF line ends, split between CR and LF, and a last line without a newline', () => {
    const crlf = UTF8_TRACE.trimEnd().replace(/\n/g, '\r\n');
    const b = bytesOf(crlf);
    const whole = digest(importBytes(b));
    assert.equal(whole.events, 4);
    assert.equal(whole.malformed, 0);
    const cr = crlf.indexOf('\r\n') + 1; // split right after the first CR
    assert.deepEqual(digest(importBytes(b, { chunks: [cr, b.length] })), whole);
    assert.deepEqual(digest(importBytes(b, { chunks: [1] })), whole);
  });

  it('detection waits for enough bytes when chunks are tiny', () => {
    const text = 'cpus=1\n    a-1  [000]  1.000000: sched_switch: a:1 [120] W ==> b:2 [120]\n';
    for (const chunks of [[1], [3], [1000]]) {
      const tr = importBytes(text, { chunks });
      assert.equal(tr.format, 'trace-cmd');
      assert.equal(tr.events.a1.get(0), 0x80); // W read as trace-cmd's TASK_IDLE
    }
  });
});
