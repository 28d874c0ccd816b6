import { describe, expect, it } from 'vitest';
import type { Detection } from '../../pipeline/stage.js';
import { PromiseTracker, type TrackedPromise } from './tracker.js';

const MIN = 60_000;
const T = (hhmm: string) => Date.parse(`2026-03-14T${hhmm}:00Z`);
const hm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const brief = (ds: Detection[]) => ds.map((d) => `${d.labels.promise_id ?? d.key} ${d.state} ${hm(d.at)}`);
const promise = (id: string, kind: TrackedPromise['kind'], due: string, conversationId = 'c'): TrackedPromise => ({
  key: `${conversationId}/${id}`,
  brand: 'b',
  conversationId,
  kind,
  madeAt: T('10:00'),
  dueAt: T(due),
  explicit: true,
  promiseId: id,
});

describe('promise tracker state (compact columns, due-check heap)', () => {
  it('reports what fell due and broke across promises in time order', () => {
    const t = new PromiseTracker({ graceMs: 30 * MIN, matchWindowMs: 15 * MIN });
    t.made(promise('P1', 'refund', '10:30', 'c1'));
    t.made(promise('P2', 'refund', '10:10', 'c2'));
    t.made(promise('P3', 'refund', '10:20', 'c3'));
    expect(brief(t.tick(T('12:00')))).toEqual(['P2 warning 10:10', 'P3 warning 10:20', 'P1 warning 10:30', 'P2 firing 10:40', 'P3 firing 10:50', 'P1 firing 11:00']);
    expect(t.tick(T('13:00'))).toEqual([]);
  });

  it("keeps a conversation's other promises linked when one in the middle, at the head or at the tail goes", () => {
    const t = new PromiseTracker({ graceMs: 30 * MIN, matchWindowMs: 15 * MIN });
    for (const gone of ['A', 'B', 'C']) {
      t.made(promise('A', 'callback', '10:30'));
      t.made(promise('B', 'refund', '10:30'));
      t.made(promise('C', 'update', '10:30'));
      t.tick(T('10:31'));
      t.drain();
      t.settled('b', 'c', gone, T('10:32'), 'cancelled');
      t.replied('b', 'c', T('10:33'));
      const left = ['A', 'C'].filter((x) => x !== gone);
      expect(brief(t.drain()).sort(), gone).toEqual([`${gone} resolved 10:32`, ...left.map((x) => `${x} resolved 10:33`)].sort());
      t.settled('b', 'c', 'B', T('10:34'), 'kept');
      t.drain();
      expect(t.size).toBe(0);
    }
  });

  it('a promise made again with a later due time is pending again: its old checks do not fire', () => {
    const t = new PromiseTracker({ graceMs: 30 * MIN, matchWindowMs: 15 * MIN });
    t.made(promise('P', 'refund', '10:10'));
    expect(brief(t.tick(T('10:11')))).toEqual(['P warning 10:10']);
    t.made(promise('P', 'refund', '11:00'));
    expect(t.tick(T('10:50'))).toEqual([]);
    expect(brief(t.tick(T('11:31')))).toEqual(['P warning 11:00', 'P firing 11:30']);
    expect(t.size).toBe(1);
  });

  it('forgets a broken promise after retainBrokenMs without resolving it', () => {
    const t = new PromiseTracker({ graceMs: 30 * MIN, matchWindowMs: 15 * MIN, retainBrokenMs: 60 * MIN });
    t.made(promise('P', 'callback', '10:10'));
    expect(brief(t.tick(T('10:41')))).toEqual(['P warning 10:10', 'P firing 10:40']);
    expect(t.tick(T('11:41'))).toEqual([]);
    expect(t.size).toBe(0);
    t.replied('b', 'c', T('11:45'));
    expect(t.drain()).toEqual([]);
  });

  it('kept promises give their slots back and leave no pile of due checks', () => {
    const t = new PromiseTracker({ graceMs: 30 * MIN, matchWindowMs: 15 * MIN });
    for (let i = 0; i < 50_000; i++) {
      t.made({ ...promise(`P${i}`, 'callback', '23:00', `c${i}`), madeAt: T('10:00') + i });
      t.replied('b', `c${i}`, T('10:00') + i + 1);
    }
    expect(t.size).toBe(0);
    expect(t.stats().capacity).toBeLessThanOrEqual(256);
    t.tick(T('10:05'));
    expect(t.stats().heapEntries).toBeLessThanOrEqual(1024);
    // What is still open still breaks.
    t.made(promise('last', 'refund', '11:00'));
    expect(brief(t.tick(T('12:00')))).toEqual(['last warning 11:00', 'last firing 11:30']);
  });
});
