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
