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

interface Entry {
  /** Event time this entry was last seen. */
  last: number;
  /** Its `last` when it took its place in the map's order (see BrandedMap). */
  placed: number;
  /** False once evicted or expired (a conversation's link to its customer then no longer holds). */
  tracked: boolean;
}

interface CustomerState extends Entry {
  /** Most recent contacts, oldest first (at most CONTACTS_MAX), as three parallel lists: no object per contact. */
  times: number[];
  channels: string[];
  conversations: string[];
}

interface ConversationState extends Entry {
  /** Times of inbound messages, oldest first (at most INBOUND_MAX). */
  inbound: number[];
  /** Time of the last public reply from the brand. */
  lastReply: number;
  /** The customer who last wrote in it, and their state: the next message saves the customer look-up. */
  customerId: string | undefined;
  customer: CustomerState | undefined;
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
    let conv = this.conversations.get(m.brand, m.conversationId);
    let unanswered = 0;
    if (conv) {
      const times = conv.inbound;
      for (let i = 0; i < times.length; i++) {
        const t = times[i]!;
        if (t > conv.lastReply && t >= from && t < m.ts) unanswered++;
      }
      push(times, m.ts, INBOUND_MAX);
      if (m.ts > conv.last) conv.last = m.ts;
    } else {
      conv = { inbound: [m.ts], lastReply: -Infinity, customerId: undefined, customer: undefined, last: m.ts, placed: m.ts, tracked: true };
      this.conversations.add(m.brand, m.conversationId, conv);
    }

    let otherConversations = 0;
    let otherChannels = 0;
    const customerId = m.customerId;
    if (customerId !== undefined) {
      // While the customer is tracked, the conversation's link is the object the look-up would return.
      let cust = conv.customer !== undefined && conv.customer.tracked && conv.customerId === customerId ? conv.customer : this.customers.get(m.brand, customerId);
      if (cust) {
        const { times, channels, conversations } = cust;
        // Distinct other conversations and channels among at most CONTACTS_MAX entries: counted in place.
        for (let i = 0; i < times.length; i++) {
          const t = times[i]!;
          if (t < from || t >= m.ts) continue;
          if (conversations[i] !== m.conversationId && isFirst(conversations, times, i, from, m.ts)) otherConversations++;
          if (channels[i] !== m.channel && isFirst(channels, times, i, from, m.ts)) otherChannels++;
        }
        push(times, m.ts, CONTACTS_MAX);
        push(channels, m.channel, CONTACTS_MAX);
        push(conversations, m.conversationId, CONTACTS_MAX);
        if (m.ts > cust.last) cust.last = m.ts;
      } else {
        cust = { times: [m.ts], channels: [m.channel], conversations: [m.conversationId], last: m.ts, placed: m.ts, tracked: true };
        this.customers.add(m.brand, customerId, cust);
      }
      conv.customerId = customerId;
      conv.customer = cust;
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

/** Whether entry i is the first in the window with its value (so each conversation or channel counts once). */
function isFirst(values: string[], times: number[], i: number, from: number, before: number): boolean {
  const v = values[i];
  for (let j = 0; j < i; j++) {
    const t = times[j]!;
    if (t >= from && t < before && values[j] === v) return false;
  }
  return true;
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.shift();
}

/** One brand's entries: the look-up map, and the same entries in the order they took their place. */
interface Shelf<V> {
  map: Map<string, V>;
  /** Entries in placement order from `head`; `ids[i]` is the key of `queue[i]`. */
  queue: V[];
  ids: string[];
  head: number;
}

/**
 * A map per brand with one bound over all brands, forgetting the least recently seen first.
 * Keys are ids within a brand (no concatenated keys to build and hash per message). Seeing an
 * entry again only updates its `last`; the order is fixed up lazily ("second chance"): when the
 * entry at the front is due for eviction or expiry but was seen since it was placed, it moves to
 * the back instead. So a message costs one look-up, and reordering is paid once per window.
 *
 * The order is an explicit queue beside the map, not the map's own insertion order: a JS Map that
 * is emptied from the front keeps the deleted slots until it next grows, and finding its first
 * entry walks over all of them (at 100,000 entries that walk dominated the whole score stage).
 */
class BrandedMap<V extends Entry> {
  private readonly byBrand = new Map<string, Shelf<V>>();
  size = 0;

  constructor(private readonly max: number) {}

  get(brand: string, id: string): V | undefined {
    return this.byBrand.get(brand)?.map.get(id);
  }

  add(brand: string, id: string, v: V): void {
    let shelf = this.byBrand.get(brand);
    if (!shelf) this.byBrand.set(brand, (shelf = { map: new Map(), queue: [], ids: [], head: 0 }));
    v.placed = v.last;
    shelf.map.set(id, v);
    shelf.queue.push(v);
    shelf.ids.push(id);
    this.size++;
    while (this.size > this.max) this.evictOldest();
  }

  /** Drops the least recently seen entry of all brands (few brands: a scan of their front entries). */
  private evictOldest(): void {
    for (;;) {
      let victim: Shelf<V> | undefined;
      let oldest = Infinity;
      for (const shelf of this.byBrand.values()) {
        if (shelf.head < shelf.queue.length && shelf.queue[shelf.head]!.placed < oldest) {
          oldest = shelf.queue[shelf.head]!.placed;
          victim = shelf;
        }
      }
      if (!victim) return;
      const [id, v] = shift(victim);
      if (v.last > v.placed) {
        // Seen since it was placed: second chance at the back.
        v.placed = v.last;
        victim.queue.push(v);
        victim.ids.push(id);
        continue;
      }
      victim.map.delete(id);
      v.tracked = false;
      this.size--;
      return;
    }
  }

  /** Drops entries last seen before `from`; stops, per brand, at the first entry placed since. */
  expire(from: number): void {
    for (const [brand, shelf] of this.byBrand) {
      while (shelf.head < shelf.queue.length && shelf.queue[shelf.head]!.placed < from) {
        const [id, v] = shift(shelf);
        if (v.last >= from) {
          v.placed = v.last;
          shelf.queue.push(v);
          shelf.ids.push(id);
        } else {
          shelf.map.delete(id);
          v.tracked = false;
          this.size--;
        }
      }
      if (shelf.map.size === 0) this.byBrand.delete(brand);
    }
  }
}

/** Takes the front entry off a shelf's queue; the consumed front is cut off once it is half the queue. */
function shift<V>(shelf: Shelf<V>): [string, V] {
  const i = shelf.head++;
  const out: [string, V] = [shelf.ids[i]!, shelf.queue[i]!];
  // Let go of the entry now: the slot itself stays until the cut.
  shelf.queue[i] = undefined as unknown as V;
  if (shelf.head >= 1024 && shelf.head * 2 >= shelf.queue.length) {
    shelf.queue = shelf.queue.slice(shelf.head);
    shelf.ids = shelf.ids.slice(shelf.head);
    shelf.head = 0;
  }
  return out;
}
