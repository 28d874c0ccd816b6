import { describe, expect, it } from 'vitest';
import type { Detection } from '../../pipeline/stage.js';
import { SilenceConfig } from './config.js';
import { SilenceTracker, type MessageInput } from './tracker.js';

const MIN = 60_000;
const T0 = Date.parse('2026-03-16T10:00:00Z');

const msg = (conversationId: string, direction: 'inbound' | 'outbound', ts: number, channel: MessageInput['channel'] = 'chat'): MessageInput => ({
  brand: 'acme',
  conversationId,
  channel,
  direction,
  ts,
  public: true,
  customerId: direction === 'inbound' ? `cust-${conversationId}` : undefined,
  text: direction === 'inbound' ? 'still no refund' : 'on it',
});
const brief = (ds: Detection[]) => ds.map((d) => `${d.labels.conversation_id} ${d.state} +${(d.at - T0) / MIN}`);

describe('silence tracker state (compact columns)', () => {
  it('reuses the slots of forgotten conversations without their old checks', () => {
    // Chat limit 5 min; email 24 h, so the answered email gaps leave checks due hours later.
    const t = new SilenceTracker(SilenceConfig.parse({ customer: { forget_after_secs: 60 } }));
    for (let i = 0; i < 1000; i++) {
      t.message(msg(`a${i}`, 'inbound', T0, 'email'));
      t.message(msg(`a${i}`, 'outbound', T0 + MIN));
    }
    expect(t.advance(T0 + 3 * MIN)).toEqual([]);
    expect(t.size).toBe(0);
    for (let i = 0; i < 1000; i++) t.message(msg(`b${i}`, 'inbound', T0 + 3 * MIN));
    expect(t.size).toBe(1000);
    expect(t.stats().capacity).toBeLessThan(2048);
    const got = t.advance(T0 + 48 * 60 * MIN);
    expect(new Set(brief(got))).toEqual(new Set(Array.from({ length: 1000 }, (_, i) => `b${i} firing +8`)));
    expect(got[0]).toMatchObject({ key: 'acme|b0', brand: 'acme', labels: { customer: 'cust-b0', channel: 'chat' } });
  });

  it('a conversation answered again and again leaves no pile of due checks, and its next wait still fires', () => {
    const t = new SilenceTracker(SilenceConfig.parse({}));
    for (let k = 0; k < 20_000; k++) {
      t.message(msg('busy', 'inbound', T0 + k * 1000, 'email'));
      t.message(msg('busy', 'outbound', T0 + k * 1000 + 500, 'email'));
    }
    expect(t.stats().heapEntries).toBe(20_000);
    t.message(msg('busy', 'inbound', T0 + 400 * MIN));
    t.advance(T0 + 400 * MIN);
    expect(t.stats().heapEntries).toBeLessThanOrEqual(1026);
    expect(t.openCount).toBe(1);
    expect(brief(t.advance(T0 + 1000 * MIN))).toEqual(['busy firing +405']);
  });

  it('counts, lists and forgets consistently while conversations open, close and come back', () => {
    const t = new SilenceTracker(SilenceConfig.parse({ customer: { forget_after_secs: 600 } }));
    for (let i = 0; i < 300; i++) t.message(msg(`c${i}`, 'inbound', T0));
    for (let i = 0; i < 300; i += 3) t.message(msg(`c${i}`, 'outbound', T0 + MIN));
    expect(t.openCount).toBe(200);
    expect(t.openGaps()).toHaveLength(200);
    t.advance(T0 + 20 * MIN);
    // The 100 answered ones are forgotten; the 200 waiting ones stay.
    expect(t.size).toBe(200);
    expect(t.openGaps().map((g) => g.conversationId)).not.toContain('c0');
    // A forgotten conversation comes back: a new gap, with its own start.
    t.message(msg('c0', 'inbound', T0 + 21 * MIN));
    expect(t.openGaps().find((g) => g.conversationId === 'c0')).toMatchObject({ startedAt: T0 + 21 * MIN, inboundCount: 1, customerId: 'cust-c0' });
    expect(t.size).toBe(201);
  });

  it('gaps restored in any order are abandoned by their own last activity, once sorted', () => {
    const t = new SilenceTracker(SilenceConfig.parse({ customer: { abandon_after_secs: 3600 } }));
    const order = [5, 1, 9, 3, 7, 0, 8, 2, 6, 4];
    t.restore(
      order.map((i) => ({ brand: 'acme', conversationId: `r${i}`, channel: 'chat' as const, startedAt: T0, inboundCount: 1, paused: false, pausedMs: 0, lastActivityAt: T0 + i * MIN })),
      [],
      T0 + 10 * MIN,
      true,
    );
    t.sortActivity();
    expect(t.openGaps().map((g) => g.conversationId)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    // An hour after each one's last activity, in that order; each was past its limit, so each alert ends.
    const ended = t.advance(T0 + 64 * MIN + 30_000).filter((d) => d.state === 'resolved');
    expect(ended.map((d) => [d.labels.conversation_id, (d.at - T0) / MIN])).toEqual([0, 1, 2, 3, 4].map((i) => [`r${i}`, 60 + i]));
    expect(ended[0]!.summary).toBe('A customer on chat (conversation r0): abandoned, no reply and no activity for 1 h; still unanswered in silence_gaps');
    expect(t.openCount).toBe(5);
  });

  it('a jump past both the abandon time and a later mark abandons, and never leaves a firing after the end', () => {
    // Chat fires at 5 min; abandoned after 2 min of no activity (a business-hours clock can be slower still).
    const t = new SilenceTracker(SilenceConfig.parse({ customer: { abandon_after_secs: 120 } }));
    t.message(msg('j', 'inbound', T0));
    // Warning at 2.5 min (50 %) and the firing at 5 min come after the abandonment at 2 min: neither happens.
    expect(brief(t.advance(T0 + 60 * MIN))).toEqual([]);
    expect(t.openCount).toBe(0);
    // Warned before the abandonment: the warning, then the end, in that order.
    const u = new SilenceTracker(SilenceConfig.parse({ customer: { abandon_after_secs: 200 } }));
    u.message(msg('k', 'inbound', T0));
    expect(brief(u.advance(T0 + 60 * MIN))).toEqual(['k warning +2.5', `k resolved +${200 / 60}`]);
    expect(u.openCount).toBe(0);
  });

  it('a late event does not reorder the activity lists (abandonment follows each one\'s last activity)', () => {
    const t = new SilenceTracker(SilenceConfig.parse({ customer: { abandon_after_secs: 3600 } }));
    t.message(msg('early', 'inbound', T0));
    t.message(msg('later', 'inbound', T0 + 10 * MIN));
    // A late copy of an older message of "early" arrives after "later" was last active.
    t.message(msg('early', 'inbound', T0 - MIN));
    // At 65 min "early" (last active at 0) is abandoned, "later" (10 min) not yet.
    expect(brief(t.advance(T0 + 65 * MIN)).filter((b) => b.includes('resolved'))).toEqual(['early resolved +60']);
    expect(t.openGaps().map((g) => g.conversationId)).toEqual(['later']);
    expect(brief(t.advance(T0 + 71 * MIN))).toEqual(['later resolved +70']);
    expect(t.openCount).toBe(0);
  });
});
