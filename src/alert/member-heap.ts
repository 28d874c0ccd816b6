/**
 * @module alert/member-heap
 * A max-heap of a group's members by a number (how long they have waited, how early they started),
 * so a notification of a group of thousands reads its extremes in O(log n) per change instead of a
 * pass over every member at every flush. Entries are never updated in place: a member that changes
 * or leaves gets a new stamp, and entries with an old stamp are dropped when they surface.
 */
import { BinaryHeap } from './binary-heap.js';

export interface Stamped {
  stamp: number;
}

interface Entry<T> {
  key: number;
  item: T;
  stamp: number;
}

export class MemberHeap<T extends Stamped> {
  private readonly heap = new BinaryHeap<Entry<T>>((a, b) => a.key > b.key);

  get size(): number {
    return this.heap.size;
  }

  push(key: number, item: T): void {
    this.heap.push({ key, item, stamp: item.stamp });
  }

  /** The largest key among live entries (`live` says whether the item is still a member). */
  top(live: (item: T) => boolean): { key: number; item: T } | undefined {
    for (;;) {
      const e = this.heap.peek();
      if (!e) return undefined;
      if (e.stamp === e.item.stamp && live(e.item)) return e;
      this.heap.pop();
    }
  }

  /** Rebuilds from the current members when stale entries pile up (churn without reads). */
  rebuild(members: Iterable<T>, keyOf: (item: T) => number | undefined): void {
    this.heap.clear();
    for (const m of members) {
      const k = keyOf(m);
      if (k !== undefined) this.push(k, m);
    }
  }
}
