/**
 * One string per distinct piece of text: a file of 10k lines has some 20k words and units and a
 * few hundred distinct ones, and the tree keeps them all. Looked up by the characters in the
 * source text, so that a piece seen before costs no new string at all (not even a slice to look
 * it up with): an open-addressing hash table, at most half full.
 *
 * Invariant: imports nothing outside `syntax/` and `core/`.
 */
export class Interner {
  private table: (string | undefined)[] = new Array(256).fill(undefined);
  private count = 0;

  /** `text.slice(start, end)`, the same string every time for the same characters. */
  get(text: string, start: number, end: number): string {
    const len = end - start;
    let h = len;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
    const table = this.table;
    const mask = table.length - 1;
    let i = h & mask;
    for (;;) {
      const s = table[i];
      if (s === undefined) break;
      if (s.length === len && sameChars(s, text, start)) return s;
      i = (i + 1) & mask;
    }
    const s = text.slice(start, end);
    table[i] = s;
    if (++this.count * 2 > table.length) this.grow();
    return s;
  }

  private grow(): void {
    const old = this.table;
    const table = (this.table = new Array(old.length * 2).fill(undefined));
    const mask = table.length - 1;
    for (const s of old) {
      if (s === undefined) continue;
      let h = s.length;
      for (let k = 0; k < s.length; k++) h = (Math.imul(h, 31) + s.charCodeAt(k)) | 0;
      let i = h & mask;
      while (table[i] !== undefined) i = (i + 1) & mask;
      table[i] = s;
    }
  }
}

/** `s` equals the text at `start` (its length already compared). */
function sameChars(s: string, text: string, start: number): boolean {
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) !== text.charCodeAt(start + k)) return false;
  return true;
}
