/**
 * @module score/contacts
 * What the score stage remembers about customers, for the signals a single message cannot carry:
 * how many of their messages in this conversation are still unanswered, how many other
 * conversations they opened and other channels they tried within the window. Bounded: entries
 * expire after the window and the least recently seen are dropped beyond `maxEntries`.
 *
 * Event time decides what falls in the window; only contacts that arrived earlier are seen, so a
 * late-arriving older message does not change the scores already given.
 *
 * @example
 * const t = new ContactTracker({ windowMs: 3_600_000, maxEntries: 100_000 });
 * t.inbound({ brand: 'b', conversationId: 'c1', customerId: 'u1', channel: 'chat', ts });
 * t.inbound({ brand: 'b', conversationId: 'c2', customerId: 'u1', channel: 'social', ts: ts + 60_000 });
 * // → { unanswered: 0, otherConversations: 1, otherChannels: 1 }
 */
import type { UpsetContext } from './upset/scorer.js';

export interface ContactOptions {
  /** How far back (event time) earlier contacts count. */
  windowMs: number;
  /** Most customers, and most conversations, remembered at once. */
  maxEntries: number;
}

interface Contact {
  ts: number;
  channel: string;
  conversation: string;
}

interface CustomerState {
  /** Most recent contacts, oldest first (at most RECENT_MAX). */
  recent: Contact[];
  last: number;
}

interface ConversationState {
  /** Times of inbound messages, oldest first (at most RECENT_MAX). */
  inbound: number[];
  /** Time of the last public reply from the brand. */
  lastReply: number;
  last: number;
}

/** Enough to count the capped signals (3 unanswered, 3 conversations, 2 channels) with room to spare. */
const RECENT_MAX = 8;

export interface InboundContact {
  brand: string;
  conversationId: string;
  customerId?: string;
  channel: string;
  ts: number;
}

export class ContactTracker {
  private readonly customers = new Map<string, CustomerState>();
  private readonly conversations = new Map<string, ConversationState>();

  constructor(private readonly options: ContactOptions) {
    if (!(options.windowMs > 0)) throw new RangeError(`contact window must be positive, got ${options.windowMs} ms`);
    if (!(options.maxEntries >= 1)) throw new RangeError(`max tracked entries must be at least 1, got ${options.maxEntries}`);
  }

  /** The context of an inbound message (before it), then remembers it. */
  inbound(m: InboundContact): UpsetContext {
    const { windowMs } = this.options;
    const from = m.ts - windowMs;
    const convKey = `${m.brand}\u0000${m.conversationId}`;
    let conv = this.conversations.get(convKey);
    let unanswered = 0;
    if (conv) {
      for (const t of conv.inbound) if (t > conv.lastReply && t >= from && t < m.ts) unanswered++;
      this.conversations.delete(convKey);
    } else {
      conv = { inbound: [], lastReply: -Infinity, last: m.ts };
    }
    push(conv.inbound, m.ts);
    conv.last = Math.max(conv.last, m.ts);
    this.conversations.set(convKey, conv);
    trim(this.conversations, this.options.maxEntries);

    let otherConversations = 0;
    let otherChannels = 0;
    if (m.customerId !== undefined) {
      const custKey = `${m.brand}\u0000${m.customerId}`;
      let cust = this.customers.get(custKey);
      if (cust) {
        const convs = new Set<string>();
        const channels = new Set<string>();
        for (const c of cust.recent) {
          if (c.ts < from || c.ts >= m.ts) continue;
          if (c.conversation !== m.conversationId) convs.add(c.conversation);
          if (c.channel !== m.channel) channels.add(c.channel);
        }
        otherConversations = convs.size;
        otherChannels = channels.size;
        this.customers.delete(custKey);
      } else {
        cust = { recent: [], last: m.ts };
      }
      push(cust.recent, { ts: m.ts, channel: m.channel, conversation: m.conversationId });
      cust.last = Math.max(cust.last, m.ts);
      this.customers.set(custKey, cust);
      trim(this.customers, this.options.maxEntries);
    }
    return { unanswered, otherConversations, otherChannels };
  }

  /** A public reply from the brand: the conversation's earlier messages are answered. */
  reply(m: { brand: string; conversationId: string; ts: number }): void {
    const key = `${m.brand}\u0000${m.conversationId}`;
    const conv = this.conversations.get(key);
    if (conv && m.ts > conv.lastReply) conv.lastReply = m.ts;
  }

  /** Forgets what fell out of the window by `now` (event time in replays, the clock live). */
  expire(now: number): void {
    const from = now - this.options.windowMs;
    expireOld(this.customers, from);
    expireOld(this.conversations, from);
  }

  get size(): { customers: number; conversations: number } {
    return { customers: this.customers.size, conversations: this.conversations.size };
  }
}

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > RECENT_MAX) list.shift();
}

/** Drops the least recently touched entries beyond `max` (Map keeps insertion order; touched entries are re-inserted). */
function trim(map: Map<string, unknown>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next().value as string;
    map.delete(oldest);
  }
}

/** Drops entries last seen before `from`, oldest touched first, stopping at the first still in the window. */
function expireOld(map: Map<string, { last: number }>, from: number): void {
  for (const [k, v] of map) {
    if (v.last >= from) break;
    map.delete(k);
  }
}
