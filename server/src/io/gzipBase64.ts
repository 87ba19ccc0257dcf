/**
 * Shell-side byte encoder for view documents: gzip (node:zlib, level 9) then base64. Deterministic:
 * zlib's output depends only on the input and the options (Node writes no mtime or file name in
 * the gzip header), so the same timeline gives the same text. The browser decodes it with
 * `DecompressionStream('gzip')`.
 */
import { gzipSync } from 'node:zlib';
import type { BytesEncoder } from '../report/view';

export const gzipBase64: BytesEncoder = (b) => ({
  compression: 'gzip',
  data: Buffer.from(gzipSync(b, { level: 9 })).toString('base64'),
});
