/**
 * The diagnostics debounce of the language server (lsp/documents.ts `AnalysisCache.debounce`):
 * the preparation starts half-way through the quiet time and runs step by step, each later step in
 * a later turn of the event loop; a new call (an edit, or a request postponing the diagnostics)
 * that comes between two steps drops the steps not run yet and the pending publication.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisCache } from '../../server/src/lsp/documents';

const URI = 'file:///w/a.vps';
const until = (p: () => boolean) =>
  new Promise<void>((resolve) => {
    const poll = () => (p() ? resolve() : setTimeout(poll, 5));
    poll();
  });

test('the preparation runs in steps half-way through the quiet time, then the publication', async () => {
  const cache = new AnalysisCache();
  const seen: string[] = [];
  // A quiet time long enough that a stalled event loop (a loaded machine) does not find the
  // preparation's second step and the publication expired together: the timers would then run
  // the publication first, which is right for the server (it analyses what is not prepared)
  // but not the order this test is about. With 40 ms, a stall of ~20 ms did that once.
  cache.debounce(
    URI,
    400,
    () => seen.push('publish'),
    () => {
      seen.push('light');
      return () => void seen.push('full');
    },
  );
  await until(() => seen.includes('publish'));
  assert.deepEqual(seen, ['light', 'full', 'publish']);
  cache.dispose();
});

test('a message handled between two steps drops the later step and the pending publication', async () => {
  const cache = new AnalysisCache();
  const seen: string[] = [];
  cache.debounce(
    URI,
    40,
    () => seen.push('publish 1'),
    () => {
      seen.push('light 1');
      // What a message read meanwhile does: it is handled before the next step's turn.
      setImmediate(() => cache.debounce(URI, 40, () => seen.push('publish 2')));
      return () => void seen.push('full 1');
    },
  );
  await until(() => seen.includes('publish 2'));
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(seen, ['light 1', 'publish 2']);
  cache.dispose();
});

test('the end of the quiet time drops the preparation steps not run yet', async () => {
  const cache = new AnalysisCache();
  const seen: string[] = [];
  // A step that outlasts the rest of the quiet time: the publication is due when it returns, its
  // next step is not (the publication does what it would have prepared).
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  cache.debounce(
    URI,
    40,
    () => seen.push('publish'),
    () => {
      seen.push('light');
      busy(40);
      return () => void seen.push('full');
    },
  );
  await until(() => seen.includes('publish'));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(seen, ['light', 'publish']);
  cache.dispose();
});
