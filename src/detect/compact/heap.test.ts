import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DueHeap, grow } from './heap.js';

/** Pops every entry due up to `now`, as (due, slot) pairs. */
function popUntil(h: DueHeap, now: number): [number, number][] {
  const out: [number, number][] = [];
  while (h.size > 0 && h.topDue <= now) {
    out.push([h.topDue, h.topSlot]);
    h.pop();
  }
  return out;
}

describe('due heap', () => {
  it('pops entries in due order, whatever order they were pushed in, across growth and shrinking', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 5000 }), fc.integer({ min: 0, max: 10_000 }), (dues, cut) => {
        const h = new DueHeap();
        dues.forEach((d, i) => h.push(d, i, 0));
        const first = popUntil(h, cut);
        const rest = popUntil(h, Number.POSITIVE_INFINITY);
        const sorted = [...dues].sort((a, b) => a - b);
        expect(first.map(([d]) => d)).toEqual(sorted.filter((d) => d <= cut));
        expect([...first, ...rest].map(([d]) => d)).toEqual(sorted);
        // Each entry comes back with its own slot.
        for (const [d, s] of [...first, ...rest]) expect(dues[s]).toBe(d);
        expect(h.size).toBe(0);
      }),
    );
  });

  it('compact drops the stale entries and keeps the live ones in due order', () => {
    const h = new DueHeap();
    const version = new Uint32Array(20_000);
    for (let s = 0; s < 20_000; s++) h.push((s * 7919) % 20_000, s, version[s]!);
    // Every other slot rescheduled: its first entry is stale.
    for (let s = 0; s < 20_000; s += 2) h.push(50_000 + s, s, ++version[s]!);
    expect(h.size).toBe(30_000);
    const before = h.bytes;
    h.compact((s, v) => v === version[s] && s % 4 !== 0);
    expect(h.size).toBe(15_000);
    const got = popUntil(h, Number.POSITIVE_INFINITY);
    expect(got.map(([d]) => d)).toEqual([...got.map(([d]) => d)].sort((a, b) => a - b));
    expect(got.every(([, s]) => s % 4 !== 0)).toBe(true);
    expect(got.filter(([, s]) => s % 2 === 0).every(([d]) => d >= 50_000)).toBe(true);
    // Drained: the arrays were given back.
    expect(h.bytes).toBeLessThan(before / 8);
  });

  it('grow keeps the values and never shrinks', () => {
    const a = Float64Array.from([1, Number.NaN, Number.NEGATIVE_INFINITY]);
    const b = grow(a, 10);
    expect(b.length).toBeGreaterThanOrEqual(10);
    expect([...b.subarray(0, 3)]).toEqual([1, Number.NaN, Number.NEGATIVE_INFINITY]);
    expect(grow(b, 5)).toBe(b);
  });
});
