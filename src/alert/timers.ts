/**
 * @module alert/timers
 * A min-heap of due times (pending alerts that will fire, keep-firing windows that will end, groups
 * that will flush), so advancing the clock costs O(log n) per due timer instead of a scan of every
 * alert. Cancelled timers stay in the heap and are skipped when they surface.
 */
import { BinaryHeap } from './binary-heap.js';

export interface Timer<T> {
  at: number;
  /** Among timers due at the same time, lower runs first. */
  prio: number;
  seq: number;
  value: T;
  cancelled: boolean;
}

export class TimerHeap<T> {
  private readonly heap = new BinaryHeap<Timer<T>>(
    (a, b) => a.at < b.at || (a.at === b.at && (a.prio < b.prio || (a.prio === b.prio && a.seq < b.seq))),
  );
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  add(at: number, prio: number, value: T): Timer<T> {
    const t: Timer<T> = { at, prio, seq: this.seq++, value, cancelled: false };
    this.heap.push(t);
    return t;
  }

  /** The next live timer due at or before `until` (strictly before when `strict`), removed from the heap. */
  popDue(until: number, strict = false): Timer<T> | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (!top) return undefined;
      if (top.cancelled) {
        this.heap.pop();
        continue;
      }
      if (strict ? top.at >= until : top.at > until) return undefined;
      return this.heap.pop();
    }
  }
}
