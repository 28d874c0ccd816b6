/**
 * @module alert/member-heap
 * A max-heap of a group's members by a number (how long they have waited, how early they started),
 * so a notification of a group of thousands reads its extremes in O(log n) per change instead of a
 * pass over every member at every flush. Entries are never updated in place: a member that changes
 * or leaves gets a new stamp, and entries with an old stamp are dropped when they surface.
 */

export interface Stamped {
  stamp: number;
}

interface Entry<T> {
  key: number;
  item: T;
  stamp: number;
}

export class MemberHeap<T extends Stamped> {
  private heap: Entry<T>[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(key: number, item: T): void {
    this.heap.push({ key, item, stamp: item.stamp });
    this.up(this.heap.length - 1);
  }

  /** The largest key among live entries (`live` says whether the item is still a member). */
  top(live: (item: T) => boolean): { key: number; item: T } | undefined {
    for (;;) {
      const e = this.heap[0];
      if (!e) return undefined;
      if (e.stamp === e.item.stamp && live(e.item)) return e;
      this.pop();
    }
  }

  /** Rebuilds from the current members when stale entries pile up (churn without reads). */
  rebuild(members: Iterable<T>, keyOf: (item: T) => number | undefined): void {
    this.heap = [];
    for (const m of members) {
      const k = keyOf(m);
      if (k !== undefined) this.push(k, m);
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    this.down(0);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[i]!.key <= h[p]!.key) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.key > h[m]!.key) m = l;
      if (r < h.length && h[r]!.key > h[m]!.key) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
