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

interface Entry {
  /** Event time this entry was last seen. */
  last: number;
  /** Its `last` when it took its place in the map's order (see BrandedMap). */
  placed: number;
}

interface CustomerState extends Entry {
  /** Most recent contacts, oldest first (at most CONTACTS_MAX). */
  recent: Contact[];
}

interface ConversationState extends Entry {
  /** Times of inbound messages, oldest first (at most INBOUND_MAX). */
  inbound: number[];
  /** Time of the last public reply from the brand. */
  lastReply: number;
}

/** Enough to count the capped signals (3 unanswered; 3 other conversations and 2 other channels) with one to spare. */
const INBOUND_MAX = 4;
const CONTACTS_MAX = 6;

export interface InboundContact {
  brand: string;
  conversationId: string;
  customerId?: string;
  channel: string;
  ts: number;
}

export class ContactTracker {
  private readonly customers: BrandedMap<CustomerState>;
  private readonly conversations: BrandedMap<ConversationState>;

  constructor(private readonly options: ContactOptions) {
    if (!(options.windowMs > 0)) throw new RangeError(`contact window must be positive, got ${options.windowMs} ms`);
    if (!(options.maxEntries >= 1)) throw new RangeError(`max tracked entries must be at least 1, got ${options.maxEntries}`);
    this.customers = new BrandedMap(options.maxEntries);
    this.conversations = new BrandedMap(options.maxEntries);
  }

  /** The context of an inbound message (before it), then remembers it. */
  inbound(m: InboundContact): UpsetContext {
    const from = m.ts - this.options.windowMs;
    const conv = this.conversations.get(m.brand, m.conversationId);
    let unanswered = 0;
    if (conv) {
      for (const t of conv.inbound) if (t > conv.lastReply && t >= from && t < m.ts) unanswered++;
      push(conv.inbound, m.ts, INBOUND_MAX);
      if (m.ts > conv.last) conv.last = m.ts;
    } else {
      this.conversations.add(m.brand, m.conversationId, { inbound: [m.ts], lastReply: -Infinity, last: m.ts, placed: m.ts });
    }

    let otherConversations = 0;
    let otherChannels = 0;
    if (m.customerId !== undefined) {
      const cust = this.customers.get(m.brand, m.customerId);
      const contact = { ts: m.ts, channel: m.channel, conversation: m.conversationId };
      if (cust) {
        const r = cust.recent;
        // Distinct other conversations and channels among at most CONTACTS_MAX entries: counted in place.
        for (let i = 0; i < r.length; i++) {
          const c = r[i]!;
          if (c.ts < from || c.ts >= m.ts) continue;
          if (c.conversation !== m.conversationId && firstConversation(r, i, from, m.ts)) otherConversations++;
          if (c.channel !== m.channel && firstChannel(r, i, from, m.ts)) otherChannels++;
        }
        push(r, contact, CONTACTS_MAX);
        if (m.ts > cust.last) cust.last = m.ts;
      } else {
        this.customers.add(m.brand, m.customerId, { recent: [contact], last: m.ts, placed: m.ts });
      }
    }
    return { unanswered, otherConversations, otherChannels };
  }

  /** A public reply from the brand: the conversation's earlier messages are answered. */
  reply(m: { brand: string; conversationId: string; ts: number }): void {
    const conv = this.conversations.get(m.brand, m.conversationId);
    if (conv && m.ts > conv.lastReply) conv.lastReply = m.ts;
  }

  /** Forgets what fell out of the window by `now` (event time in replays, the clock live). */
  expire(now: number): void {
    const from = now - this.options.windowMs;
    this.customers.expire(from);
    this.conversations.expire(from);
  }

  get size(): { customers: number; conversations: number } {
    return { customers: this.customers.size, conversations: this.conversations.size };
  }
}

/** Whether entry i is the first in the window with its conversation (so each counts once). */
function firstConversation(r: Contact[], i: number, from: number, before: number): boolean {
  for (let j = 0; j < i; j++) {
    const x = r[j]!;
    if (x.ts >= from && x.ts < before && x.conversation === r[i]!.conversation) return false;
  }
  return true;
}

/** Whether entry i is the first in the window with its channel. */
function firstChannel(r: Contact[], i: number, from: number, before: number): boolean {
  for (let j = 0; j < i; j++) {
    const x = r[j]!;
    if (x.ts >= from && x.ts < before && x.channel === r[i]!.channel) return false;
  }
  return true;
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.shift();
}

/**
 * A map per brand with one bound over all brands, forgetting the least recently seen first.
 * Keys are ids within a brand (no concatenated keys to build and hash per message). Seeing an
 * entry again only updates its `last`; the map's order is fixed up lazily ("second chance"): when
 * the entry at the front is due for eviction or expiry but was seen since it was placed, it moves
 * to the back instead. So a message costs one look-up, and reordering is paid once per window.
 */
class BrandedMap<V extends Entry> {
  private readonly byBrand = new Map<string, Map<string, V>>();
  size = 0;

  constructor(private readonly max: number) {}

  get(brand: string, id: string): V | undefined {
    return this.byBrand.get(brand)?.get(id);
  }

  add(brand: string, id: string, v: V): void {
    let m = this.byBrand.get(brand);
    if (!m) this.byBrand.set(brand, (m = new Map()));
    v.placed = v.last;
    m.set(id, v);
    this.size++;
    while (this.size > this.max) this.evictOldest();
  }

  /** Drops the least recently seen entry of all brands (few brands: a scan of their front entries). */
  private evictOldest(): void {
    for (;;) {
      let victim: Map<string, V> | undefined;
      let oldest = Infinity;
      for (const m of this.byBrand.values()) {
        const first = m.values().next();
        if (!first.done && first.value.placed < oldest) {
          oldest = first.value.placed;
          victim = m;
        }
      }
      if (!victim) return;
      const [k, v] = victim.entries().next().value as [string, V];
      victim.delete(k);
      if (v.last > v.placed) {
        // Seen since it was placed: second chance at the back.
        v.placed = v.last;
        victim.set(k, v);
        continue;
      }
      this.size--;
      return;
    }
  }

  /** Drops entries last seen before `from`; stops, per brand, at the first entry placed since. */
  expire(from: number): void {
    for (const [brand, m] of this.byBrand) {
      for (const [k, v] of m) {
        if (v.placed >= from) break;
        m.delete(k);
        if (v.last >= from) {
          v.placed = v.last;
          m.set(k, v);
        } else this.size--;
      }
      if (m.size === 0) this.byBrand.delete(brand);
    }
  }
}
