import { describe, expect, it } from 'vitest';
import { ContactTracker } from './contacts.js';

const T0 = Date.parse('2026-03-14T10:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;

describe('contact tracker bound', () => {
  it('keeps a customer who writes again while one-off customers churn past the bound', () => {
    const t = new ContactTracker({ windowMs: HOUR, maxEntries: 3 });
    t.inbound({ brand: 'b', conversationId: 'a1', customerId: 'regular', channel: 'chat', ts: T0 });
    t.inbound({ brand: 'b', conversationId: 'x1', customerId: 'once1', channel: 'chat', ts: T0 + MIN });
    t.inbound({ brand: 'b', conversationId: 'x2', customerId: 'once2', channel: 'chat', ts: T0 + 2 * MIN });
    t.inbound({ brand: 'b', conversationId: 'a2', customerId: 'regular', channel: 'chat', ts: T0 + 3 * MIN });
    // Over the bound: the least recently seen goes (once1), not the first placed (regular, seen since).
    t.inbound({ brand: 'b', conversationId: 'x3', customerId: 'once3', channel: 'chat', ts: T0 + 4 * MIN });
    expect(t.size.customers).toBe(3);
    expect(t.inbound({ brand: 'b', conversationId: 'a3', customerId: 'regular', channel: 'social', ts: T0 + 5 * MIN })).toEqual({
      unanswered: 0,
      otherConversations: 2,
      otherChannels: 1,
    });
    expect(t.inbound({ brand: 'b', conversationId: 'x4', customerId: 'once1', channel: 'social', ts: T0 + 6 * MIN })).toEqual({
      unanswered: 0,
      otherConversations: 0,
      otherChannels: 0,
    });
  });

  it("never lends a forgotten customer's place, reused by another customer, to the first one's conversation", () => {
    const t = new ContactTracker({ windowMs: HOUR, maxEntries: 3 });
    t.inbound({ brand: 'b', conversationId: 'c1', customerId: 'u1', channel: 'chat', ts: T0 });
    t.inbound({ brand: 'b', conversationId: 'c2', customerId: 'u2', channel: 'chat', ts: T0 + 2 * MIN });
    t.inbound({ brand: 'b', conversationId: 'c3', customerId: 'u3', channel: 'chat', ts: T0 + 3 * MIN });
    // c1 stays fresh (a message without a customer id); u1 does not.
    t.inbound({ brand: 'b', conversationId: 'c1', channel: 'chat', ts: T0 + 3.5 * MIN });
    t.inbound({ brand: 'b', conversationId: 'c4', customerId: 'u4', channel: 'chat', ts: T0 + 4 * MIN });
    // u1 is forgotten; u5 takes the room it left, and writes on another channel.
    t.inbound({ brand: 'b', conversationId: 'c5', customerId: 'u5', channel: 'social', ts: T0 + 5 * MIN });
    // u1 writes in c1 again: its own two earlier messages are unanswered, u5's contacts are not u1's.
    expect(t.inbound({ brand: 'b', conversationId: 'c1', customerId: 'u1', channel: 'chat', ts: T0 + 6 * MIN })).toEqual({
      unanswered: 2,
      otherConversations: 0,
      otherChannels: 0,
    });
    expect(t.size).toEqual({ customers: 3, conversations: 3 });
  });

  it('counts the same customer the same way whatever the bound, as long as nobody is forgotten', () => {
    const small = new ContactTracker({ windowMs: HOUR, maxEntries: 50 });
    const large = new ContactTracker({ windowMs: HOUR, maxEntries: 100_000 });
    const channels = ['chat', 'social', 'email'];
    for (let i = 0; i < 2000; i++) {
      // Brand a: 40 customers in 45 conversations; brand b: 5 and 5. Never more than the small bound at once.
      const b = i % 10 === 0;
      const m = b
        ? { brand: 'b', conversationId: `c${i % 5}`, customerId: `u${i % 5}`, channel: channels[i % 3]!, ts: T0 + i * 1000 }
        : { brand: 'a', conversationId: `c${i % 45}`, customerId: `u${i % 40}`, channel: channels[i % 3]!, ts: T0 + i * 1000 };
      expect(small.inbound(m)).toEqual(large.inbound(m));
      if (i % 7 === 0) {
        const r = { brand: m.brand, conversationId: `c${(i * 3) % 45}`, ts: m.ts + 500 };
        small.reply(r.brand, r.conversationId, r.ts);
        large.reply(r.brand, r.conversationId, r.ts);
      }
    }
    expect(small.size).toEqual(large.size);
  });

  it('forgets on expiry what the window left behind, and takes later customers into the freed room', () => {
    const t = new ContactTracker({ windowMs: HOUR, maxEntries: 1000 });
    for (let i = 0; i < 1000; i++) t.inbound({ brand: 'b', conversationId: `c${i}`, customerId: `u${i}`, channel: 'chat', ts: T0 + i });
    t.expire(T0 + 2 * HOUR);
    expect(t.size).toEqual({ customers: 0, conversations: 0 });
    for (let i = 0; i < 1000; i++) t.inbound({ brand: 'b', conversationId: `d${i}`, customerId: `u${i}`, channel: 'email', ts: T0 + 3 * HOUR + i });
    expect(t.size).toEqual({ customers: 1000, conversations: 1000 });
    // Nothing of the first round survives in the reused room: u7's only other conversation is d7.
    expect(t.inbound({ brand: 'b', conversationId: 'e7', customerId: 'u7', channel: 'email', ts: T0 + 3 * HOUR + 5000 })).toEqual({
      unanswered: 0,
      otherConversations: 1,
      otherChannels: 0,
    });
  });
});
