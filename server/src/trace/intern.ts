/**
 * Interns byte strings (comms, event names, exit reasons) to dense ids without decoding them
 * first: an open-addressing hash table keyed on the raw bytes. A trace names a few hundred distinct
 * threads and events but repeats them millions of times, so each distinct name is copied and
 * decoded once and every later occurrence costs a hash and a byte comparison.
 */
import { decodeUtf8 } from './bytes';

export class ByteInterner {
  private bytes: Uint8Array[] = [];
  private strings: (string | undefined)[] = [];
  private hashes: number[] = [];
  /** Slot -> id + 1 (0 = empty). Power-of-two size, kept at most half full. */
  private table = new Int32Array(256);
  /**
   * A direct-mapped cache in front of the hash: a few sampled bytes pick a slot holding the id
   * last interned there, verified by a byte comparison. Event names and exit reasons repeat on
   * every line, so this usually answers without hashing.
   */
  private readonly recent = new Int32Array(256).fill(-1);

  get size(): number {
    return this.bytes.length;
  }

  /** Id of the bytes `b[start, end)`, adding them when new. */
  id(b: Uint8Array, start: number, end: number): number {
    const len = end - start;
    const r = len > 0 ? (len * 7 + b[end - 1] * 3 + b[start + (len >> 1)]) & 255 : 0;
    const c = this.recent[r];
    if (c >= 0) {
      const v = this.bytes[c];
      if (v.length === len) {
        let k = 0;
        while (k < len && v[k] === b[start + k]) k++;
        if (k === len) return c;
      }
    }
    const id = this.lookup(b, start, end);
    this.recent[r] = id;
    return id;
  }

  /** Words cache of {@link idWords}: per slot the length + 1 (0 empty), four words and the id. */
  private readonly wLen = new Int32Array(64);
  private readonly wWords = new Int32Array(64 * 4);
  private readonly wId = new Int32Array(64);

  /**
   * {@link id} for callers with a DataView of `b`: names of 4 to 16 bytes (exit reasons) are
   * compared as four little-endian words (at 0, 4, 8 and 12, each at most length - 4) in a small
   * direct-mapped cache, instead of byte by byte.
   */
  idWords(b: Uint8Array, dv: DataView, start: number, end: number): number {
    const len = end - start;
    if (len < 4 || len > 16) return this.id(b, start, end);
    const last = len - 4;
    const w0 = dv.getInt32(start, true);
    const w1 = dv.getInt32(start + (last < 4 ? last : 4), true);
    const w2 = dv.getInt32(start + (last < 8 ? last : 8), true);
    const w3 = dv.getInt32(start + last, true);
    const slot = ((w0 ^ Math.imul(w3, 0x9e3779b1)) + len) & 63;
    const k = slot * 4;
    const ws = this.wWords;
    if (this.wLen[slot] === len + 1 && ws[k] === w0 && ws[k + 1] === w1 && ws[k + 2] === w2 && ws[k + 3] === w3) return this.wId[slot];
    const id = this.id(b, start, end);
    this.wLen[slot] = len + 1;
    ws[k] = w0;
    ws[k + 1] = w1;
    ws[k + 2] = w2;
    ws[k + 3] = w3;
    this.wId[slot] = id;
    return id;
  }

  private lookup(b: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const mask = this.table.length - 1;
    let slot = h & mask;
    const len = end - start;
    for (;;) {
      const e = this.table[slot];
      if (e === 0) break;
      const id = e - 1;
      if (this.hashes[id] === h) {
        const v = this.bytes[id];
        if (v.length === len) {
          let k = 0;
          while (k < len && v[k] === b[start + k]) k++;
          if (k === len) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    const id = this.bytes.length;
    this.bytes.push(b.slice(start, end));
    this.strings.push(undefined);
    this.hashes.push(h);
    this.table[slot] = id + 1;
    if (this.bytes.length * 2 > this.table.length) this.rehash();
    return id;
  }

  /** Id of a JavaScript string (encoded as UTF-8). */
  idOfString(s: string): number {
    const b = new TextEncoder().encode(s);
    const id = this.id(b, 0, b.length);
    this.strings[id] = s;
    return id;
  }

  /** True when id's bytes equal `b[start, end)`. */
  equals(id: number, b: Uint8Array, start: number, end: number): boolean {
    const v = this.bytes[id];
    if (v.length !== end - start) return false;
    for (let k = 0; k < v.length; k++) if (v[k] !== b[start + k]) return false;
    return true;
  }

  /** The bytes of an id (do not modify). */
  bytesOf(id: number): Uint8Array {
    return this.bytes[id];
  }

  name(id: number): string {
    let s = this.strings[id];
    if (s === undefined) {
      const v = this.bytes[id];
      s = v ? decodeUtf8(v, 0, v.length) : '';
      this.strings[id] = s;
    }
    return s;
  }

  names(): string[] {
    return this.bytes.map((_, i) => this.name(i));
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let id = 0; id < this.hashes.length; id++) {
      let slot = this.hashes[id] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.table = table;
  }
}
