/**
 * @module score/contacts
 * What the score stage remembers about customers, for the signals a single message cannot carry:
 * how many of their messages in this conversation are still unanswered, how many other
 * conversations they opened and other channels they tried within the window. Bounded: entries
 * expire after the window and the least recently seen are dropped beyond `maxEntries` (for
 * customers and for conversations each). The state lives in typed arrays by slot (see slots.ts):
 * about 150 bytes per conversation and 200 per customer besides their ids.
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
import { BrandedSlots, resized } from './slots.js';
import type { UpsetContext } from './upset/scorer.js';

export interface ContactOptions {
  /** How far back (event time) earlier contacts count. */
  windowMs: number;
  /** Most customers, and most conversations, remembered at once. */
  maxEntries: number;
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
  private readonly conversations: BrandedSlots;
  private readonly customers: BrandedSlots;

  // Per conversation slot.
  /** Times of its latest inbound messages, oldest first: INBOUND_MAX per slot, `inboundCount` of them used. */
  private inboundTimes = new Float64Array(0);
  private inboundCount = new Uint8Array(0);
  /** Time of the last public reply from the brand (-Infinity: none). */
  private lastReply = new Float64Array(0);
  /** The customer who last wrote in it: slot, that slot's generation then, and id (the next message saves the customer look-up). */
  private linkSlot = new Int32Array(0);
  private linkGen = new Int32Array(0);
  private linkId: (string | undefined)[] = [];

  // Per customer slot: the latest contacts, oldest first, CONTACTS_MAX per slot.
  private contactTimes = new Float64Array(0);
  private contactChannels: (string | undefined)[] = [];
  private contactConversations: (string | undefined)[] = [];
  private contactCount = new Uint8Array(0);
  /** `inbound`'s scratch output. */
  private readonly one = new Uint8Array(3);

  constructor(private readonly options: ContactOptions) {
    if (!(options.windowMs > 0)) throw new RangeError(`contact window must be positive, got ${options.windowMs} ms`);
    if (!(options.maxEntries >= 1)) throw new RangeError(`max tracked entries must be at least 1, got ${options.maxEntries}`);
    this.conversations = new BrandedSlots(
      options.maxEntries,
      (n) => {
        this.inboundTimes = resized(this.inboundTimes, n * INBOUND_MAX);
        this.inboundCount = resized(this.inboundCount, n);
        this.lastReply = resized(this.lastReply, n);
        this.linkSlot = resized(this.linkSlot, n);
        this.linkGen = resized(this.linkGen, n);
      },
      (slot) => {
        this.linkId[slot] = undefined;
      },
    );
    this.customers = new BrandedSlots(
      options.maxEntries,
      (n) => {
        this.contactTimes = resized(this.contactTimes, n * CONTACTS_MAX);
        this.contactCount = resized(this.contactCount, n);
      },
      (slot) => {
        // Let go of the strings; times and counts are overwritten when the slot is reused.
        for (let i = slot * CONTACTS_MAX; i < (slot + 1) * CONTACTS_MAX; i++) this.contactChannels[i] = this.contactConversations[i] = undefined;
      },
    );
  }

  /** The context of an inbound message (before it), then remembers it. */
  inbound(m: InboundContact): UpsetContext {
    const out = this.one;
    this.inboundInto(m.brand, m.conversationId, m.customerId, m.channel, m.ts, out, 0);
    return { unanswered: out[0]!, otherConversations: out[1]!, otherChannels: out[2]! };
  }

  /**
   * `inbound` for the score stage: writes unanswered, other conversations and other channels to
   * `out[at..at+2]` (each at most 6) instead of returning an object per message.
   */
  inboundInto(brand: string, conversationId: string, customerId: string | undefined, channel: string, ts: number, out: Uint8Array, at: number): void {
    const from = ts - this.options.windowMs;
    const convs = this.conversations;
    let c = convs.find(brand, conversationId);
    let unanswered = 0;
    if (c >= 0) {
      const base = c * INBOUND_MAX;
      const n = this.inboundCount[c]!;
      const replied = this.lastReply[c]!;
      for (let i = 0; i < n; i++) {
        const t = this.inboundTimes[base + i]!;
        if (t > replied && t >= from && t < ts) unanswered++;
      }
      this.inboundCount[c] = pushTime(this.inboundTimes, base, n, INBOUND_MAX, ts);
      if (ts > convs.last[c]!) convs.last[c] = ts;
    } else {
      c = convs.place(brand, conversationId, ts);
      this.inboundTimes[c * INBOUND_MAX] = ts;
      this.inboundCount[c] = 1;
      this.lastReply[c] = -Infinity;
      this.linkSlot[c] = -1;
    }

    let otherConversations = 0;
    let otherChannels = 0;
    if (customerId !== undefined) {
      // The conversation's id as first placed: contacts keep that one string instead of one per message,
      // and compare equal to it by reference.
      const conversation = convs.key(c);
      const custs = this.customers;
      // The link holds while the slot's generation is unchanged: it is the slot the look-up would find.
      const linked = this.linkSlot[c]!;
      let k = linked >= 0 && custs.gen[linked] === this.linkGen[c] && this.linkId[c] === customerId ? linked : custs.find(brand, customerId);
      const times = this.contactTimes;
      const channels = this.contactChannels;
      const conversations = this.contactConversations;
      if (k >= 0) {
        const base = k * CONTACTS_MAX;
        const n = this.contactCount[k]!;
        // Distinct other conversations and channels among at most CONTACTS_MAX entries: counted in place.
        for (let i = 0; i < n; i++) {
          const t = times[base + i]!;
          if (t < from || t >= ts) continue;
          if (conversations[base + i] !== conversation && isFirst(conversations, times, base, i, from, ts)) otherConversations++;
          if (channels[base + i] !== channel && isFirst(channels, times, base, i, from, ts)) otherChannels++;
        }
        if (n === CONTACTS_MAX) {
          for (let i = 1; i < n; i++) {
            times[base + i - 1] = times[base + i]!;
            channels[base + i - 1] = channels[base + i];
            conversations[base + i - 1] = conversations[base + i];
          }
        }
        const at = base + Math.min(n, CONTACTS_MAX - 1);
        times[at] = ts;
        channels[at] = channel;
        conversations[at] = conversation;
        this.contactCount[k] = Math.min(n + 1, CONTACTS_MAX);
        if (ts > custs.last[k]!) custs.last[k] = ts;
      } else {
        k = custs.place(brand, customerId, ts);
        const base = k * CONTACTS_MAX;
        // Placing may have grown the arrays: write to the current ones.
        this.contactTimes[base] = ts;
        channels[base] = channel;
        conversations[base] = conversation;
        this.contactCount[k] = 1;
      }
      this.linkSlot[c] = k;
      this.linkGen[c] = custs.gen[k]!;
      this.linkId[c] = customerId;
      // Evicting after the state is set: the new entry may itself be the least recently seen (a late event).
      custs.evictOverflow();
    }
    convs.evictOverflow();
    out[at] = unanswered;
    out[at + 1] = otherConversations;
    out[at + 2] = otherChannels;
  }

  /** A public reply from the brand: the conversation's earlier messages are answered. */
  reply(brand: string, conversationId: string, ts: number): void {
    const c = this.conversations.find(brand, conversationId);
    if (c >= 0 && ts > this.lastReply[c]!) this.lastReply[c] = ts;
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

/** Whether entry i (of the slot at `base`) is the first in the window with its value, so each conversation or channel counts once. */
function isFirst(values: (string | undefined)[], times: Float64Array, base: number, i: number, from: number, before: number): boolean {
  const v = values[base + i];
  for (let j = 0; j < i; j++) {
    const t = times[base + j]!;
    if (t >= from && t < before && values[base + j] === v) return false;
  }
  return true;
}

/** Appends `t` to the `n` times at `base` (dropping the oldest when `max` are there); returns the new count. */
function pushTime(times: Float64Array, base: number, n: number, max: number, t: number): number {
  if (n < max) {
    times[base + n] = t;
    return n + 1;
  }
  times.copyWithin(base, base + 1, base + max);
  times[base + max - 1] = t;
  return max;
}
