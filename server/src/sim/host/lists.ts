/**
 * Intrusive doubly linked lists over typed arrays: many lists (run queues), each item (thread) in
 * at most one list at a time. O(1) push/remove, no allocation after construction. Iteration is in
 * insertion order (FIFO within a priority, as Xen and Linux RT queues keep it).
 */
export class Lists {
  readonly head: Int32Array;
  readonly tail: Int32Array;
  readonly size: Int32Array;
  next: Int32Array;
  prev: Int32Array;
  /** List an item is in, -1 none. */
  owner: Int32Array;

  constructor(lists: number, items: number) {
    this.head = new Int32Array(lists).fill(-1);
    this.tail = new Int32Array(lists).fill(-1);
    this.size = new Int32Array(lists);
    this.next = new Int32Array(Math.max(1, items)).fill(-1);
    this.prev = new Int32Array(Math.max(1, items)).fill(-1);
    this.owner = new Int32Array(Math.max(1, items)).fill(-1);
  }

  /** Makes room for items up to `n - 1` (setup). */
  ensureItems(n: number): void {
    if (n <= this.next.length) return;
    const cap = Math.max(n, this.next.length * 2);
    const g = (a: Int32Array) => { const b = new Int32Array(cap).fill(-1); b.set(a); return b; };
    this.next = g(this.next);
    this.prev = g(this.prev);
    this.owner = g(this.owner);
  }

  pushTail(list: number, item: number): void {
    const t = this.tail[list];
    this.prev[item] = t;
    this.next[item] = -1;
    if (t >= 0) this.next[t] = item;
    else this.head[list] = item;
    this.tail[list] = item;
    this.owner[item] = list;
    this.size[list]++;
  }

  pushHead(list: number, item: number): void {
    const h = this.head[list];
    this.next[item] = h;
    this.prev[item] = -1;
    if (h >= 0) this.prev[h] = item;
    else this.tail[list] = item;
    this.head[list] = item;
    this.owner[item] = list;
    this.size[list]++;
  }

  /** Removes `item` from its list (no-op when in none). */
  remove(item: number): void {
    const list = this.owner[item];
    if (list < 0) return;
    const p = this.prev[item];
    const n = this.next[item];
    if (p >= 0) this.next[p] = n;
    else this.head[list] = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail[list] = p;
    this.owner[item] = -1;
    this.next[item] = -1;
    this.prev[item] = -1;
    this.size[list]--;
  }

  popHead(list: number): number {
    const h = this.head[list];
    if (h >= 0) this.remove(h);
    return h;
  }
}

/** A set of small integers with O(1) add/remove and dense iteration (e.g. "pCPUs with waiting threads"). */
export class DenseSet {
  readonly items: Int32Array;
  private readonly pos: Int32Array;
  size = 0;
  constructor(universe: number) {
    this.items = new Int32Array(Math.max(1, universe));
    this.pos = new Int32Array(Math.max(1, universe)).fill(-1);
  }
  has(x: number): boolean {
    return this.pos[x] >= 0;
  }
  add(x: number): void {
    if (this.pos[x] >= 0) return;
    this.pos[x] = this.size;
    this.items[this.size++] = x;
  }
  delete(x: number): void {
    const i = this.pos[x];
    if (i < 0) return;
    const last = this.items[--this.size];
    this.items[i] = last;
    this.pos[last] = i;
    this.pos[x] = -1;
  }
}
