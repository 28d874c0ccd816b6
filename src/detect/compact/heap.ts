/**
 * @module detect/compact/heap
 * A min-heap of due checks for detectors that hold a lot of open state (a million waiting
 * customers, a hundred thousand promises): each entry is (due time, slot, version) in typed arrays,
 * 16 bytes and no object per entry, so a tick costs what is due, not what is open. A detector
 * bumps a slot's version when it reschedules or drops it; entries with an older version are stale
 * and skipped when popped. `compact` drops the stale ones when they outnumber the live ones.
 *
 * @example
 * const heap = new DueHeap();
 * heap.push(Date.parse('2026-03-14T10:30:00Z'), slot, version[slot]);
 * while (heap.size > 0 && heap.topDue <= now) { const s = heap.topSlot; const v = heap.topVer; heap.pop(); ... }
 */

const MIN_CAPACITY = 1024;

export class DueHeap {
  private due = new Float64Array(MIN_CAPACITY);
  private slot = new Int32Array(MIN_CAPACITY);
  private ver = new Uint32Array(MIN_CAPACITY);
  private n = 0;

  /** Entries held, stale ones included. */
  get size(): number {
    return this.n;
  }

  /** Due time of the earliest entry (+Infinity when empty). */
  get topDue(): number {
    return this.n > 0 ? this.due[0]! : Number.POSITIVE_INFINITY;
  }

  get topSlot(): number {
    return this.slot[0]!;
  }

  get topVer(): number {
    return this.ver[0]!;
  }

  /** Bytes of the typed arrays (for benchmarks). */
  get bytes(): number {
    return this.due.byteLength + this.slot.byteLength + this.ver.byteLength;
  }

  private resize(capacity: number): void {
    const due = new Float64Array(capacity);
    const slot = new Int32Array(capacity);
    const ver = new Uint32Array(capacity);
    due.set(this.due.subarray(0, this.n));
    slot.set(this.slot.subarray(0, this.n));
    ver.set(this.ver.subarray(0, this.n));
    this.due = due;
    this.slot = slot;
    this.ver = ver;
  }

  push(due: number, slot: number, ver: number): void {
    if (this.n === this.due.length) this.resize(this.due.length * 2);
    const d = this.due;
    const s = this.slot;
    const v = this.ver;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (d[p]! <= due) break;
      d[i] = d[p]!;
      s[i] = s[p]!;
      v[i] = v[p]!;
      i = p;
    }
    d[i] = due;
    s[i] = slot;
    v[i] = ver;
  }

  /** Removes the earliest entry. */
  pop(): void {
    if (this.n === 0) return;
    const last = --this.n;
    if (last > 0) this.siftDown(0, this.due[last]!, this.slot[last]!, this.ver[last]!);
    // Give memory back after a wave drained (a quarter full), never below the minimum.
    if (this.due.length > MIN_CAPACITY && this.n < this.due.length >> 2) this.resize(this.due.length >> 1);
  }

  private siftDown(from: number, due: number, slot: number, ver: number): void {
    const d = this.due;
    const s = this.slot;
    const v = this.ver;
    const n = this.n;
    let i = from;
    for (;;) {
      let m = 2 * i + 1;
      if (m >= n) break;
      if (m + 1 < n && d[m + 1]! < d[m]!) m++;
      if (d[m]! >= due) break;
      d[i] = d[m]!;
      s[i] = s[m]!;
      v[i] = v[m]!;
      i = m;
    }
    d[i] = due;
    s[i] = slot;
    v[i] = ver;
  }

  /** Keeps the entries `live(slot, ver)` accepts and rebuilds the heap: O(size). */
  compact(live: (slot: number, ver: number) => boolean): void {
    let k = 0;
    for (let i = 0; i < this.n; i++) {
      if (!live(this.slot[i]!, this.ver[i]!)) continue;
      this.due[k] = this.due[i]!;
      this.slot[k] = this.slot[i]!;
      this.ver[k] = this.ver[i]!;
      k++;
    }
    this.n = k;
    for (let i = (k >> 1) - 1; i >= 0; i--) this.siftDown(i, this.due[i]!, this.slot[i]!, this.ver[i]!);
    let cap = this.due.length;
    while (cap > MIN_CAPACITY && k < cap >> 2) cap >>= 1;
    if (cap !== this.due.length) this.resize(cap);
  }
}

/** A typed array of at least `capacity` elements holding `a`'s (for growing columns). */
export function grow<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(a: T, capacity: number): T {
  if (a.length >= capacity) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(capacity, a.length * 2));
  b.set(a);
  return b;
}
