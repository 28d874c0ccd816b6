/**
 * @module score/slots
 * Numbered places for entries keyed by (brand, id), at most `max` of them over all brands; beyond
 * that the least recently seen (event time) is forgotten first. The caller keeps its per-entry
 * state in typed arrays indexed by slot, so an entry costs no object of its own and its state
 * sits in a few compact arrays instead of scattered over the heap.
 *
 * Seeing an entry again only moves its `last` time; the order is fixed up lazily ("second
 * chance"): when the entry at the front of its brand's queue is due for eviction or expiry but was
 * seen since it was placed, it goes to the back instead. A message costs one look-up, and
 * reordering is paid once per window.
 *
 * @example
 * const slots = new BrandedSlots(100_000, (capacity) => grow(capacity), (slot) => clear(slot));
 * let s = slots.find('brand', 'c1');
 * if (s < 0) s = slots.place('brand', 'c1', ts);
 * slots.evictOverflow();
 */

/** One brand's look-up map and its slots in placement order (a ring buffer). */
interface Shelf {
  map: Map<string, number>;
  queue: Int32Array;
  head: number;
  count: number;
}

export class BrandedSlots {
  /** Per slot: event time last seen. */
  last = new Float64Array(0);
  /** Per slot: its `last` when it took its place in the queue. */
  placed = new Float64Array(0);
  /** Per slot: bumped whenever the slot is freed, so a remembered (slot, generation) pair can tell it still holds the same entry. */
  gen = new Int32Array(0);
  size = 0;
  private capacity = 0;
  private ids: (string | undefined)[] = [];
  private free = new Int32Array(0);
  private freeCount = 0;
  /** Slots below this have been handed out at least once. */
  private used = 0;
  private readonly byBrand = new Map<string, Shelf>();

  /**
   * @param max most entries kept once `evictOverflow` has run (one more fits in between)
   * @param grown called with the new capacity before a slot at or beyond the old one is handed out
   * @param freed called with a slot whose entry was evicted or expired
   */
  constructor(
    private readonly max: number,
    private readonly grown: (capacity: number) => void,
    private readonly freed: (slot: number) => void,
  ) {}

  /** The slot of (brand, id), or -1. */
  find(brand: string, id: string): number {
    const shelf = this.byBrand.get(brand);
    if (shelf === undefined) return -1;
    const s = shelf.map.get(id);
    return s === undefined ? -1 : s;
  }

  /** The id a slot was placed with (the same string object for every message of that entry). */
  key(slot: number): string {
    return this.ids[slot]!;
  }

  /** A new slot for (brand, id), which must not have one, seen at `ts`. Call `evictOverflow` once its state is set. */
  place(brand: string, id: string, ts: number): number {
    let shelf = this.byBrand.get(brand);
    if (!shelf) this.byBrand.set(brand, (shelf = { map: new Map(), queue: new Int32Array(16), head: 0, count: 0 }));
    const s = this.allocate();
    this.ids[s] = id;
    this.last[s] = ts;
    this.placed[s] = ts;
    shelf.map.set(id, s);
    pushBack(shelf, s);
    this.size++;
    return s;
  }

  /** Evicts the least recently seen entries of all brands until at most `max` are left. */
  evictOverflow(): void {
    while (this.size > this.max) this.evictOldest();
  }

  /** Drops entries last seen before `from`; stops, per brand, at the first entry placed since. */
  expire(from: number): void {
    for (const [brand, shelf] of this.byBrand) {
      while (shelf.count > 0 && this.placed[shelf.queue[shelf.head]!]! < from) {
        const s = popFront(shelf);
        if (this.last[s]! >= from) {
          this.placed[s] = this.last[s]!;
          pushBack(shelf, s);
        } else this.drop(shelf, s);
      }
      if (shelf.map.size === 0) this.byBrand.delete(brand);
    }
  }

  /** Drops the least recently seen entry of all brands (few brands: a scan of their front entries). */
  private evictOldest(): void {
    for (;;) {
      let victim: Shelf | undefined;
      let oldest = Infinity;
      for (const shelf of this.byBrand.values()) {
        if (shelf.count > 0 && this.placed[shelf.queue[shelf.head]!]! < oldest) {
          oldest = this.placed[shelf.queue[shelf.head]!]!;
          victim = shelf;
        }
      }
      if (!victim) return;
      const s = popFront(victim);
      if (this.last[s]! > this.placed[s]!) {
        // Seen since it was placed: second chance at the back.
        this.placed[s] = this.last[s]!;
        pushBack(victim, s);
        continue;
      }
      this.drop(victim, s);
      return;
    }
  }

  private drop(shelf: Shelf, s: number): void {
    shelf.map.delete(this.ids[s]!);
    this.ids[s] = undefined;
    this.gen[s] = (this.gen[s]! + 1) | 0;
    this.size--;
    this.free[this.freeCount++] = s;
    this.freed(s);
  }

  private allocate(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount]!;
    if (this.used === this.capacity) this.grow(Math.min(Math.max(64, this.capacity * 2), this.max + 1));
    return this.used++;
  }

  private grow(capacity: number): void {
    this.last = resized(this.last, capacity);
    this.placed = resized(this.placed, capacity);
    this.gen = resized(this.gen, capacity);
    this.free = resized(this.free, capacity);
    this.capacity = capacity;
    this.grown(capacity);
  }
}

/** A copy of `a` with room for `n` elements. */
export function resized<T extends Float64Array | Int32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

function pushBack(shelf: Shelf, s: number): void {
  if (shelf.count === shelf.queue.length) {
    // Full ring: unroll it into one twice as long.
    const q = new Int32Array(shelf.queue.length * 2);
    for (let i = 0; i < shelf.count; i++) q[i] = shelf.queue[(shelf.head + i) & (shelf.queue.length - 1)]!;
    shelf.queue = q;
    shelf.head = 0;
  }
  shelf.queue[(shelf.head + shelf.count) & (shelf.queue.length - 1)] = s;
  shelf.count++;
}

function popFront(shelf: Shelf): number {
  const s = shelf.queue[shelf.head]!;
  shelf.head = (shelf.head + 1) & (shelf.queue.length - 1);
  shelf.count--;
  return s;
}
