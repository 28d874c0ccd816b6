/**
 * @module alert/timers
 * A min-heap of due times (pending alerts that will fire, keep-firing windows that will end, groups
 * that will flush), so advancing the clock costs O(log n) per due timer instead of a scan of every
 * alert. Cancelled timers stay in the heap and are skipped when they surface.
 */

export interface Timer<T> {
  at: number;
  /** Among timers due at the same time, lower runs first. */
  prio: number;
  seq: number;
  value: T;
  cancelled: boolean;
}

export class TimerHeap<T> {
  private readonly heap: Timer<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  add(at: number, prio: number, value: T): Timer<T> {
    const t: Timer<T> = { at, prio, seq: this.seq++, value, cancelled: false };
    this.heap.push(t);
    this.up(this.heap.length - 1);
    return t;
  }

  /** The next live timer due at or before `until` (strictly before when `strict`), removed from the heap. */
  popDue(until: number, strict = false): Timer<T> | undefined {
    for (;;) {
      const top = this.heap[0];
      if (!top) return undefined;
      if (top.cancelled) {
        this.pop();
        continue;
      }
      if (strict ? top.at >= until : top.at > until) return undefined;
      return this.pop();
    }
  }

  private less(a: Timer<T>, b: Timer<T>): boolean {
    return a.at < b.at || (a.at === b.at && (a.prio < b.prio || (a.prio === b.prio && a.seq < b.seq)));
  }

  private pop(): Timer<T> {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
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
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
