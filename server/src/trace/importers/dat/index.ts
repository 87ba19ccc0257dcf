/**
 * trace-cmd `.dat` files (versions 6 and 7), read natively. The reader is pure: it asks for bytes
 * by offset (see io.ts) and gets its decompressors injected, so the Node shell decides how bytes
 * are read and the editor's worker uses the same entry point.
 *
 *     const trace = runSync(datImport(bytes.length, { decompressors }), bytes);
 *     const trace = await runAsync(datImport(size, { decompressors }), (off, len) => readAt(off, len));
 */
export { datImport, type DatImportOptions } from './import';
export { runAsync, runSync, runSyncChunks, type DatDecompressors, type ReadRequest, type Reads } from './io';
export { DAT_MAGIC } from './file';
