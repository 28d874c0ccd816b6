/**
 * @module detect/silence/tracker
 * Customer and brand silence as pure state over events and time.
 *
 * Customer silence, per conversation: a gap starts at the first inbound message that needs an
 * answer after the last public reply (not a pleasantry after a reply, not on a solved conversation)
 * and ends at the first public reply after it, or when the ticket is solved. Its clock counts only
 * business hours (where the channel has them) and pauses while the ticket waits on the customer.
 * Warnings at fractions of the limit, firing at the limit, resolved at the end: each at the exact
 * time it was reached. Due checks sit in a min-heap, so a tick costs what is due, not what is open.
 * The state is columns of typed arrays indexed by slot (see Conversations): about 220 bytes per
 * conversation with its id strings, so a million waiting customers take about 210 MiB. A waiting
 * conversation with no activity for abandon_after_secs is abandoned (its alert resolves, its state
 * is dropped), so customers nobody will ever answer do not hold memory and alerts for ever.
 * View silence_gaps applies the same rules to the stored messages.
 *
 * Brand silence, per brand: while a crisis runs (a spike detection is firing, or an incident is
 * declared and not resolved) and the brand has posted no broadcast for the limit.
 *
 * @example
 * const t = new SilenceTracker(SilenceConfig.parse({}));
 * t.message({ brand: 'acme', conversationId: 'c1', channel: 'chat', direction: 'inbound', ts, public: true, text: 'help' });
 * const detections = t.advance(ts + 5 * 60_000); // [warning 50 %, warning 80 %, firing] as reached
 */
import { MESSAGE_CHANNELS, type MessageChannel, type Severity } from '../../contract/events.js';
import type { Detection } from '../../pipeline/stage.js';
import { DueHeap, grow } from '../compact/heap.js';
import { BusinessCalendar } from './calendar.js';
import type { SilenceConfig } from './config.js';
import { pleasantryMatcher, pleasantryPattern } from './pleasantry.js';

/** Severity codes: 0 unknown, then low..critical. */
const SEV_NAMES = ['none', 'low', 'normal', 'high', 'critical'] as const;
const sevCode = (s: Severity | undefined): number => (s ? SEV_NAMES.indexOf(s) : 0);

export type GapEnd = 'reply' | 'solved';

/** One gap as the live detector saw it (for the comparison with view silence_gaps). */
export interface GapRecord {
  brand: string;
  conversationId: string;
  channel: string;
  customerId: string | undefined;
  startedAt: number;
  endedAt: number | null;
  endedBy: GapEnd | null;
  inboundCount: number;
}

const NIL = -1;
const SOLVED = 1;
const PAUSED = 2;
const IDLE_LIST = 0;
const OPEN_LIST = 1;

/**
 * Every conversation held, as columns indexed by a slot number (struct of arrays): a million
 * waiting customers cost typed-array cells and their id strings, not a million objects with boxed
 * numbers. Brands are interned; ids are looked up per brand, so no key string is built per
 * conversation. Slots are kept in two lists in last-activity order (oldest first), one of waiting
 * conversations (abandoned after abandon_after_secs) and one of the others (forgotten after
 * forget_after_secs), and freed slots are reused.
 */
class Conversations {
  brand = new Uint32Array(0);
  /** Channel index of the message that started the gap (or the latest inbound). */
  ch = new Uint8Array(0);
  sev = new Uint8Array(0);
  /** SOLVED | PAUSED. */
  flags = new Uint8Array(0);
  /** Warnings emitted (1..n), n + 1 once fired. */
  stage = new Uint8Array(0);
  /** Inbound messages in the open gap. */
  gapCount = new Uint32Array(0);
  /** Heap entry version (older entries are stale); never reset, so a reused slot's old entries stay stale. */
  ver = new Uint32Array(0);
  /** Time of the latest ticket event applied (older ones are ignored). */
  ticketTs = new Float64Array(0);
  lastReplyAt = new Float64Array(0);
  /** Open gap start (NaN when none). */
  gapStart = new Float64Array(0);
  /** Clock time paused so far in the gap (business time where a calendar applies), and since when. */
  pausedMs = new Float64Array(0);
  pausedSince = new Float64Array(0);
  /** Latest event of the conversation (a message either way, a ticket change). */
  lastActivity = new Float64Array(0);
  /** Which last-activity list the slot is in: OPEN_LIST (a gap is open) or IDLE_LIST. */
  list = new Uint8Array(0);
  /** Last-activity lists (oldest first); `next` also chains free slots. */
  prev = new Int32Array(0);
  next = new Int32Array(0);
  id: string[] = [];
  ticketCustomer: (string | undefined)[] = [];
  gapCustomer: (string | undefined)[] = [];

  readonly brandCode = new Map<string, number>();
  readonly brandName: string[] = [];
  /** Per brand code: conversation id → slot. */
  readonly index: Map<string, number>[] = [];
  /** Heads and tails of the two lists, by list number. */
  readonly head = [NIL, NIL];
  readonly tail = [NIL, NIL];
  private free = NIL;
  /** Slots ever used (the high-water mark); `count` of them hold a conversation. */
  used = 0;
  count = 0;

  get capacity(): number {
    return this.ver.length;
  }

  /** Bytes of the columns (typed arrays and the reference arrays), without the strings and maps. */
  get columnBytes(): number {
    const typed = [this.brand, this.ch, this.sev, this.flags, this.stage, this.gapCount, this.ver, this.ticketTs, this.lastReplyAt, this.gapStart, this.pausedMs, this.pausedSince, this.lastActivity, this.list, this.prev, this.next];
    return typed.reduce((n, a) => n + a.byteLength, 0) + 8 * (this.id.length + this.ticketCustomer.length + this.gapCustomer.length);
  }

  private growTo(n: number): void {
    this.brand = grow(this.brand, n);
    this.ch = grow(this.ch, n);
    this.sev = grow(this.sev, n);
    this.flags = grow(this.flags, n);
    this.stage = grow(this.stage, n);
    this.gapCount = grow(this.gapCount, n);
    this.ver = grow(this.ver, n);
    this.ticketTs = grow(this.ticketTs, n);
    this.lastReplyAt = grow(this.lastReplyAt, n);
    this.gapStart = grow(this.gapStart, n);
    this.pausedMs = grow(this.pausedMs, n);
    this.pausedSince = grow(this.pausedSince, n);
    this.lastActivity = grow(this.lastActivity, n);
    this.list = grow(this.list, n);
    this.prev = grow(this.prev, n);
    this.next = grow(this.next, n);
  }

  /** The slot of a conversation, or -1. */
  find(brand: string, conversationId: string): number {
    const b = this.brandCode.get(brand);
    return b === undefined ? NIL : (this.index[b]!.get(conversationId) ?? NIL);
  }

  /** A new slot for a conversation, at the end of the activity list. */
  add(brand: string, conversationId: string): number {
    let b = this.brandCode.get(brand);
    if (b === undefined) {
      b = this.brandName.length;
      this.brandCode.set(brand, b);
      this.brandName.push(brand);
      this.index.push(new Map());
    }
    let s = this.free;
    if (s !== NIL) {
      this.free = this.next[s]!;
    } else {
      s = this.used++;
      if (s >= this.capacity) this.growTo(Math.max(1024, s + 1));
      this.id.push(conversationId);
      this.ticketCustomer.push(undefined);
      this.gapCustomer.push(undefined);
    }
    this.brand[s] = b;
    this.ch[s] = 0;
    this.sev[s] = 0;
    this.flags[s] = 0;
    this.stage[s] = 0;
    this.gapCount[s] = 0;
    this.ticketTs[s] = Number.NEGATIVE_INFINITY;
    this.lastReplyAt[s] = Number.NEGATIVE_INFINITY;
    this.gapStart[s] = Number.NaN;
    this.pausedMs[s] = 0;
    this.pausedSince[s] = Number.NaN;
    this.lastActivity[s] = 0;
    this.list[s] = IDLE_LIST;
    this.id[s] = conversationId;
    this.ticketCustomer[s] = undefined;
    this.gapCustomer[s] = undefined;
    this.index[b]!.set(conversationId, s);
    this.count++;
    this.append(s);
    return s;
  }

  /** Drops a conversation; its slot is reused. */
  remove(s: number): void {
    this.index[this.brand[s]!]!.delete(this.id[s]!);
    this.unlink(s);
    this.ver[s]!++;
    this.id[s] = '';
    this.ticketCustomer[s] = undefined;
    this.gapCustomer[s] = undefined;
    this.next[s] = this.free;
    this.free = s;
    this.count--;
  }

  private append(s: number): void {
    const l = this.list[s]!;
    const t = this.tail[l]!;
    this.prev[s] = t;
    this.next[s] = NIL;
    if (t === NIL) this.head[l] = s;
    else this.next[t] = s;
    this.tail[l] = s;
  }

  private unlink(s: number): void {
    const l = this.list[s]!;
    const p = this.prev[s]!;
    const n = this.next[s]!;
    if (p === NIL) this.head[l] = n;
    else this.next[p] = n;
    if (n === NIL) this.tail[l] = p;
    else this.prev[n] = p;
  }

  /** Moves a slot to the end of its activity list (most recent). */
  touch(s: number): void {
    if (s === this.tail[this.list[s]!]) return;
    this.unlink(s);
    this.append(s);
  }

  /** After a gap opened or closed: the slot moves to the end of the other list. */
  relist(s: number): void {
    const l = this.isOpen(s) ? OPEN_LIST : IDLE_LIST;
    if (this.list[s] === l) return;
    this.unlink(s);
    this.list[s] = l;
    this.append(s);
  }

  isOpen(s: number): boolean {
    return this.gapStart[s] === this.gapStart[s];
  }

  /** Puts a list back in last-activity order (after a restore that read rows in any order). */
  sortList(l: number): void {
    let n = 0;
    for (let s = this.head[l]!; s !== NIL; s = this.next[s]!) n++;
    const slots = new Int32Array(n);
    n = 0;
    for (let s = this.head[l]!; s !== NIL; s = this.next[s]!) slots[n++] = s;
    const at = this.lastActivity;
    slots.sort((a, b) => at[a]! - at[b]! || a - b);
    this.head[l] = NIL;
    this.tail[l] = NIL;
    for (const s of slots) this.append(s);
  }
}

interface BrandState {
  lastBroadcast: number;
  /** Active crisis inputs: spike key or incident id → when it started. */
  spikes: Map<string, number>;
  incidents: Map<string, number>;
  /** When the current crisis became known (detection time of its first input). */
  knownAt: number;
  firing: boolean;
  firedAt: number;
  /** Since when the brand was silent when it fired. */
  silentSince: number;
}

export interface MessageInput {
  brand: string;
  conversationId: string;
  channel: MessageChannel;
  direction: 'inbound' | 'outbound';
  ts: number;
  public: boolean;
  customerId?: string;
  text?: string;
}

export interface TicketInput {
  brand: string;
  conversationId: string;
  ts: number;
  action: 'opened' | 'updated' | 'solved' | 'reopened' | 'closed';
  severity?: Severity;
  status?: string;
  customerId?: string;
}

export interface RestoredGap {
  brand: string;
  conversationId: string;
  channel: MessageChannel;
  customerId?: string;
  severity?: Severity;
  startedAt: number;
  inboundCount: number;
  paused: boolean;
  /** Clock time the gap was paused so far. */
  pausedMs: number;
  lastReplyAt?: number;
  /** The conversation's latest event (abandon_after_secs counts from it); default: the restore time. */
  lastActivityAt?: number;
}

export interface RestoredConversation {
  brand: string;
  conversationId: string;
  lastReplyAt?: number;
  solved: boolean;
  severity?: Severity;
  at: number;
}

const fmtDur = (ms: number): string => {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h >= 24) {
    const hours = Math.round(m / 60);
    return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${hours / 24} d`;
  }
  return m % 60 ? `${h} h ${String(m % 60).padStart(2, '0')} min` : `${h} h`;
};
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** Returned when nothing happened (most calls): no allocation per event in replays. */
const NONE = Object.freeze([]) as unknown as Detection[];

export class SilenceTracker {
  private readonly convs = new Conversations();
  private readonly brands = new Map<string, BrandState>();
  /** Due checks of open gaps: (time, slot, version). */
  private readonly heap = new DueHeap();
  private out: Detection[] = [];
  private readonly isPleasantry: (text: string | undefined) => boolean;
  /** Business calendar per channel index (undefined: every hour counts). */
  private readonly calendars: (BusinessCalendar | undefined)[];
  private readonly pause: Set<string>;
  private readonly channelLimits: number[];
  private readonly severityLimits: number[];
  private readonly warnAt: number[];
  /** Latest time seen (events or ticks). */
  now = Number.NEGATIVE_INFINITY;
  /** Gaps that ended (for tests and comparisons; off unless a listener is set). */
  onGapEnd: ((g: GapRecord) => void) | undefined;
  /** Waiting conversations given up on since the start (abandon_after_secs). */
  abandoned = 0;
  private lastForget = Number.NEGATIVE_INFINITY;

  constructor(readonly config: SilenceConfig) {
    const c = config.customer;
    this.isPleasantry = c.pleasantries ? pleasantryMatcher(pleasantryPattern(c.extra_pleasantries)) : () => false;
    this.calendars = MESSAGE_CHANNELS.map((ch) => {
      const bh = c.business_hours[ch];
      return bh ? new BusinessCalendar(bh) : undefined;
    });
    this.pause = new Set(c.pause_statuses);
    this.channelLimits = MESSAGE_CHANNELS.map((ch) => c.channel_thresholds_secs[ch] * 1000);
    this.severityLimits = SEV_NAMES.map((s) => (s === 'none' ? Number.POSITIVE_INFINITY : (c.severity_thresholds_secs[s] ?? Number.POSITIVE_INFINITY) * 1000));
    this.warnAt = c.warn_at;
  }

  /** Open conversations (gaps) now. */
  get openCount(): number {
    const cv = this.convs;
    let n = 0;
    for (let s = cv.head[OPEN_LIST]!; s !== NIL; s = cv.next[s]!) n++;
    return n;
  }

  /** Conversations held in memory (open or recently answered). */
  get size(): number {
    return this.convs.count;
  }

  /** What the state holds, for benchmarks: conversations, slots allocated, heap entries and column bytes. */
  stats(): { conversations: number; capacity: number; heapEntries: number; columnBytes: number; heapBytes: number } {
    const cv = this.convs;
    return { conversations: cv.count, capacity: cv.capacity, heapEntries: this.heap.size, columnBytes: cv.columnBytes, heapBytes: this.heap.bytes };
  }

  /** The limit (ms) for a channel and severity: the smaller of the two that apply. */
  limitMs(ch: number, sev: number): number {
    return Math.min(this.channelLimits[ch]!, this.severityLimits[sev]!);
  }

  /** The slot of a conversation, added if new, moved to the end of the activity list. */
  private conv(brand: string, conversationId: string, ts: number): number {
    const cv = this.convs;
    let s = cv.find(brand, conversationId);
    if (s === NIL) s = cv.add(brand, conversationId);
    else if (ts >= cv.lastActivity[s]!) cv.touch(s);
    // A late event moves nothing: the lists stay in last-activity order, which forget() relies on.
    if (ts > cv.lastActivity[s]!) cv.lastActivity[s] = ts;
    return s;
  }

  private clockMs(s: number, a: number, b: number): number {
    const cal = this.calendars[this.convs.ch[s]!];
    return cal ? cal.openMs(a, b) : Math.max(0, b - a);
  }

  /** Clock time of [a, b) on a channel: its business hours where it has them, else all of it. */
  clockMsFor(channel: MessageChannel, a: number, b: number): number {
    const cal = this.calendars[MESSAGE_CHANNELS.indexOf(channel)];
    return cal ? cal.openMs(a, b) : Math.max(0, b - a);
  }

  /** Counted waiting time of the open gap at t. */
  private waitedMs(s: number, t: number): number {
    const cv = this.convs;
    if (!cv.isOpen(s)) return 0;
    const since = cv.pausedSince[s]!;
    const paused = cv.flags[s]! & PAUSED && since === since ? this.clockMs(s, since, t) : 0;
    return Math.max(0, this.clockMs(s, cv.gapStart[s]!, t) - cv.pausedMs[s]! - paused);
  }

  /** When the counted wait reaches `targetMs` (Infinity while paused). */
  private reachesAt(s: number, targetMs: number): number {
    const cv = this.convs;
    if (cv.flags[s]! & PAUSED) return Number.POSITIVE_INFINITY;
    const cal = this.calendars[cv.ch[s]!];
    const need = targetMs + cv.pausedMs[s]!;
    return cal ? cal.addOpen(cv.gapStart[s]!, need) : cv.gapStart[s]! + need;
  }

  /** Marks of a gap: the warnings, then the limit (index warn_at.length). */
  private target(s: number, i: number): number {
    const limit = this.limitMs(this.convs.ch[s]!, this.convs.sev[s]!);
    return i < this.warnAt.length ? this.warnAt[i]! * limit : limit;
  }

  /** (Re)schedules the next check of an open gap; never earlier than `notBefore`. */
  private schedule(s: number, notBefore = Number.NEGATIVE_INFINITY): void {
    const cv = this.convs;
    cv.ver[s]!++;
    if (!cv.isOpen(s) || !this.config.customer.enabled) return;
    if (cv.stage[s]! > this.warnAt.length) return;
    const due = this.reachesAt(s, this.target(s, cv.stage[s]!));
    if (due === Number.POSITIVE_INFINITY) return;
    this.heap.push(Math.max(due, notBefore), s, cv.ver[s]!);
  }

  private openGap(s: number, ts: number, ch: number, customer: string | undefined): void {
    const cv = this.convs;
    cv.gapStart[s] = ts;
    cv.gapCount[s] = 1;
    cv.ch[s] = ch;
    cv.gapCustomer[s] = customer ?? cv.ticketCustomer[s];
    cv.stage[s] = 0;
    cv.pausedMs[s] = 0;
    cv.pausedSince[s] = cv.flags[s]! & PAUSED ? ts : Number.NaN;
    cv.relist(s);
    this.schedule(s, ts);
  }

  private gapRecord(s: number, endedAt: number | null, endedBy: GapEnd | null): GapRecord {
    const cv = this.convs;
    return {
      brand: cv.brandName[cv.brand[s]!]!,
      conversationId: cv.id[s]!,
      channel: MESSAGE_CHANNELS[cv.ch[s]!]!,
      customerId: cv.gapCustomer[s],
      startedAt: cv.gapStart[s]!,
      endedAt,
      endedBy,
      inboundCount: cv.gapCount[s]!,
    };
  }

  private closeGap(s: number, at: number, by: GapEnd): void {
    const cv = this.convs;
    if (!cv.isOpen(s)) return;
    if (cv.stage[s]! > 0) this.out.push(this.customerDetection(s, 'resolved', at, by));
    this.onGapEnd?.(this.gapRecord(s, at, by));
    cv.gapStart[s] = Number.NaN;
    cv.gapCount[s] = 0;
    cv.stage[s] = 0;
    cv.pausedMs[s] = 0;
    cv.pausedSince[s] = Number.NaN;
    cv.gapCustomer[s] = undefined;
    cv.ver[s]!++;
    cv.relist(s);
  }

  message(m: MessageInput): void {
    if (m.ts > this.now) this.now = m.ts;
    const cv = this.convs;
    if (m.direction === 'outbound') {
      // An internal note ends no silence.
      if (!m.public) return;
      const s = this.conv(m.brand, m.conversationId, m.ts);
      if (m.ts > cv.lastReplyAt[s]!) cv.lastReplyAt[s] = m.ts;
      if (cv.isOpen(s) && m.ts >= cv.gapStart[s]!) this.closeGap(s, m.ts, 'reply');
      return;
    }
    const s = this.conv(m.brand, m.conversationId, m.ts);
    // A message on a solved conversation opens no silence by itself; one already answered neither.
    if (cv.flags[s]! & SOLVED || m.ts <= cv.lastReplyAt[s]!) return;
    const ch = MESSAGE_CHANNELS.indexOf(m.channel);
    if (cv.isOpen(s)) {
      if (m.ts >= cv.gapStart[s]!) {
        cv.gapCount[s]!++;
        return;
      }
      // Arrived late, from before the gap's start: the wait began earlier.
      if (cv.lastReplyAt[s] !== Number.NEGATIVE_INFINITY && this.isPleasantry(m.text)) return;
      cv.gapStart[s] = m.ts;
      cv.gapCount[s]!++;
      cv.ch[s] = ch;
      cv.gapCustomer[s] = m.customerId ?? cv.ticketCustomer[s];
      this.schedule(s, this.now);
      return;
    }
    // A closing pleasantry after a reply opens no silence.
    if (cv.lastReplyAt[s] !== Number.NEGATIVE_INFINITY && this.isPleasantry(m.text)) return;
    this.openGap(s, m.ts, ch, m.customerId);
  }

  ticket(t: TicketInput): void {
    if (t.ts > this.now) this.now = t.ts;
    const cv = this.convs;
    const s = this.conv(t.brand, t.conversationId, t.ts);
    if (t.ts < cv.ticketTs[s]!) return;
    cv.ticketTs[s] = t.ts;
    if (t.customerId) cv.ticketCustomer[s] = t.customerId;
    let changed = false;
    if (t.severity && sevCode(t.severity) !== cv.sev[s]) {
      cv.sev[s] = sevCode(t.severity);
      changed = true;
    }
    if (t.status !== undefined) {
      const paused = this.pause.has(t.status.toLowerCase());
      if (paused !== ((cv.flags[s]! & PAUSED) !== 0)) {
        if (cv.isOpen(s)) {
          if (paused) cv.pausedSince[s] = Math.max(t.ts, cv.gapStart[s]!);
          else if (cv.pausedSince[s] === cv.pausedSince[s]) {
            cv.pausedMs[s]! += this.clockMs(s, cv.pausedSince[s]!, Math.max(t.ts, cv.pausedSince[s]!));
            cv.pausedSince[s] = Number.NaN;
          }
        }
        cv.flags[s] = paused ? cv.flags[s]! | PAUSED : cv.flags[s]! & ~PAUSED;
        changed = true;
      }
    }
    if (t.action === 'solved' || t.action === 'closed') {
      cv.flags[s]! |= SOLVED;
      if (cv.isOpen(s)) {
        if (t.ts >= cv.gapStart[s]!) this.closeGap(s, t.ts, 'solved');
        else this.dropGap(s, t.ts);
      }
      return;
    }
    if (t.action !== 'updated') cv.flags[s]! &= ~SOLVED;
    if (changed && cv.isOpen(s)) this.schedule(s, t.ts);
  }

  /** A solve from before the gap began arrived late: the gap was never one (its messages came on a solved case). */
  private dropGap(s: number, at: number): void {
    const cv = this.convs;
    if (cv.stage[s]! > 0) this.out.push(this.customerDetection(s, 'resolved', Math.max(at, cv.gapStart[s]!), 'solved'));
    cv.gapStart[s] = Number.NaN;
    cv.gapCount[s] = 0;
    cv.stage[s] = 0;
    cv.ver[s]!++;
    cv.relist(s);
  }

  private brand(b: string): BrandState {
    let s = this.brands.get(b);
    if (!s) {
      s = { lastBroadcast: Number.NEGATIVE_INFINITY, spikes: new Map(), incidents: new Map(), knownAt: Number.NEGATIVE_INFINITY, firing: false, firedAt: 0, silentSince: 0 };
      this.brands.set(b, s);
    }
    return s;
  }

  broadcast(brand: string, ts: number): void {
    if (ts > this.now) this.now = ts;
    const s = this.brand(brand);
    if (ts > s.lastBroadcast) s.lastBroadcast = ts;
    if (s.firing && ts >= s.firedAt) this.resolveBrand(brand, s, ts, `posted a public update at ${hhmm(ts)} UTC`);
  }

  incident(brand: string, incidentId: string, action: 'declared' | 'resolved', ts: number): void {
    if (ts > this.now) this.now = ts;
    const s = this.brand(brand);
    if (action === 'declared') this.crisisInput(s, () => s.incidents.set(incidentId, ts), ts);
    else this.crisisEnd(brand, s, () => s.incidents.delete(incidentId), ts);
  }

  /** A spike detection from the spike stage: firing starts a crisis input, resolved ends it. */
  spike(d: Detection): void {
    const s = this.brand(d.brand);
    const started = d.values?.started_at_ms ?? d.at;
    if (d.state === 'firing') this.crisisInput(s, () => s.spikes.set(d.key, started), d.at);
    else if (d.state === 'resolved') this.crisisEnd(d.brand, s, () => s.spikes.delete(d.key), d.at);
  }

  private crisisInput(s: BrandState, add: () => void, knownAt: number): void {
    const was = s.spikes.size + s.incidents.size > 0;
    add();
    if (!was) s.knownAt = knownAt;
  }

  private crisisEnd(brand: string, s: BrandState, remove: () => void, at: number): void {
    remove();
    if (s.spikes.size + s.incidents.size === 0 && s.firing) this.resolveBrand(brand, s, at, 'the crisis is over');
  }

  private resolveBrand(brand: string, s: BrandState, endedAt: number, why: string): void {
    s.firing = false;
    // A spike's end is known some buckets after it: never resolve before the alert fired.
    const at = Math.max(endedAt, s.firedAt);
    this.out.push({
      kind: 'brand_silence',
      key: brand,
      brand,
      state: 'resolved',
      at,
      severity: 'critical',
      summary: `${brand} is no longer silent in public: ${why}`,
      labels: {},
      values: { silent_secs: Math.round((at - s.silentSince) / 1000), threshold_secs: this.config.brand.threshold_secs },
    });
  }

  private crisisStart(s: BrandState): number | undefined {
    let m: number | undefined;
    for (const v of s.spikes.values()) if (m === undefined || v < m) m = v;
    for (const v of s.incidents.values()) if (m === undefined || v < m) m = v;
    return m;
  }

  /** Runs every check due up to `now` (the clock in live mode, event time in replays). */
  advance(now: number): Detection[] {
    if (now > this.now) this.now = now;
    const cfg = this.config;
    const cv = this.convs;
    const heap = this.heap;
    const marks = this.warnAt.length + 1;
    const abandonMs = cfg.customer.abandon_after_secs === null ? Number.POSITIVE_INFINITY : cfg.customer.abandon_after_secs * 1000;
    while (heap.size > 0 && heap.topDue <= now) {
      const s = heap.topSlot;
      const ver = heap.topVer;
      heap.pop();
      if (ver !== cv.ver[s] || !cv.isOpen(s)) continue;
      // Past several marks at once (a replay, or a change of severity): report the highest only.
      // Marks reached after the conversation was abandoned never happen (a jump past both, or a
      // business-hours clock slower than abandon_after_secs): it is abandoned at its time instead.
      const abandonAt = cv.lastActivity[s]! + abandonMs;
      let reached = cv.stage[s]!;
      let at = Number.NaN;
      while (reached < marks) {
        const t = this.reachesAt(s, this.target(s, reached));
        if (t > now || t >= abandonAt) break;
        at = t;
        reached++;
      }
      if (reached !== cv.stage[s]) {
        cv.stage[s] = reached;
        const firing = reached === marks;
        this.out.push(this.customerDetection(s, firing ? 'firing' : 'warning', Math.max(at, cv.gapStart[s]!), null));
      }
      if (abandonAt <= now) this.abandon(s, abandonAt);
      else this.schedule(s);
    }
    // Entries of answered or rescheduled gaps wait in the heap until their time: drop them once
    // they outnumber the conversations, so churn cannot grow the heap past the state it serves.
    if (heap.size > 2 * cv.count + 1024) heap.compact((s, ver) => ver === cv.ver[s] && cv.isOpen(s));
    if (cfg.brand.enabled) {
      const limit = cfg.brand.threshold_secs * 1000;
      for (const [brand, s] of this.brands) {
        if (s.firing) continue;
        const start = this.crisisStart(s);
        if (start === undefined) continue;
        const since = Math.max(s.lastBroadcast, start);
        const due = since + limit;
        if (due > now) continue;
        s.firing = true;
        s.firedAt = Math.max(due, s.knownAt);
        s.silentSince = since;
        const last = s.lastBroadcast === Number.NEGATIVE_INFINITY ? 'no broadcast yet' : `last broadcast ${hhmm(s.lastBroadcast)} UTC`;
        const why = [s.incidents.size ? `incident ${[...s.incidents.keys()].join(', ')} declared` : '', s.spikes.size ? `upset volume spiking (${[...s.spikes.keys()].map((k) => k.split('|')[1]).join(', ')})` : '']
          .filter(Boolean)
          .join('; ');
        this.out.push({
          kind: 'brand_silence',
          key: brand,
          brand,
          state: 'firing',
          at: s.firedAt,
          severity: 'critical',
          summary: `${brand} has posted no public update for ${fmtDur(s.firedAt - since)} during a crisis (${last}; ${why})`,
          labels: {},
          values: { silent_secs: Math.round((s.firedAt - since) / 1000), threshold_secs: cfg.brand.threshold_secs },
        });
      }
    }
    if (now - this.lastForget >= 60_000) {
      this.lastForget = now;
      this.forget(now);
    }
    // Marks are popped in due order, but a jump past several reports the last one: keep time order.
    if (this.out.length > 1) this.out.sort((a, b) => a.at - b.at);
    return this.drain();
  }

  /** Detections made by events since the last call (resolutions), and by `advance`. */
  drain(): Detection[] {
    if (this.out.length === 0) return NONE;
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Answered conversations idle longer than forget_after_secs are dropped (bounded memory). */
  private forget(now: number): void {
    const cv = this.convs;
    const c = this.config.customer;
    let budget = 10_000;
    const idleLimit = now - c.forget_after_secs * 1000;
    while (cv.head[IDLE_LIST] !== NIL && budget-- > 0) {
      const s = cv.head[IDLE_LIST]!;
      if (cv.lastActivity[s]! >= idleLimit) break;
      cv.remove(s);
    }
    if (c.abandon_after_secs === null) return;
    const abandonMs = c.abandon_after_secs * 1000;
    while (cv.head[OPEN_LIST] !== NIL && budget-- > 0) {
      const s = cv.head[OPEN_LIST]!;
      const at = cv.lastActivity[s]! + abandonMs;
      if (at > now) break;
      this.abandon(s, at);
    }
  }

  /**
   * Nobody wrote or answered in a waiting conversation for abandon_after_secs: its alert ends
   * ("abandoned"), and the detector forgets it, so conversations nobody will ever answer do not
   * fire and hold memory for ever. The gap itself stays open and unanswered: view silence_gaps
   * keeps it, as the stored data says. A later message from the customer starts a new wait here.
   */
  private abandon(s: number, at: number): void {
    const cv = this.convs;
    if (cv.stage[s]! > 0) {
      const d = this.customerDetection(s, 'resolved', at, null);
      const idle = fmtDur(at - cv.lastActivity[s]!);
      d.summary = `${d.labels.customer ? `Customer ${d.labels.customer}` : 'A customer'} on ${d.labels.channel} (conversation ${cv.id[s]}): abandoned, no reply and no activity for ${idle}; still unanswered in silence_gaps`;
      d.values = { ...d.values, abandoned: 1, abandon_after_secs: this.config.customer.abandon_after_secs! };
      this.out.push(d);
    }
    this.abandoned++;
    cv.remove(s);
  }

  private customerDetection(s: number, state: Detection['state'], at: number, endedBy: GapEnd | null): Detection {
    const cv = this.convs;
    const brand = cv.brandName[cv.brand[s]!]!;
    const conversationId = cv.id[s]!;
    const customer = cv.gapCustomer[s];
    const limit = this.limitMs(cv.ch[s]!, cv.sev[s]!);
    const waited = this.waitedMs(s, at);
    const channel = MESSAGE_CHANNELS[cv.ch[s]!]!;
    const sev = SEV_NAMES[cv.sev[s]!]!;
    const who = customer ? `Customer ${customer}` : 'A customer';
    const where = `on ${channel} (conversation ${conversationId}${cv.sev[s] ? `, ${sev}` : ''})`;
    const summary =
      state === 'resolved'
        ? `${who} ${endedBy === 'solved' ? 'no longer waits: the case was solved' : 'got a reply'} after ${fmtDur(waited)} ${where}`
        : state === 'warning'
          ? `${who} has waited ${fmtDur(waited)} for a reply ${where}: ${Math.round((100 * waited) / limit)} % of the ${fmtDur(limit)} limit`
          : `${who} has waited ${fmtDur(waited)} for a reply ${where}, past the ${fmtDur(limit)} limit`;
    return {
      kind: 'customer_silence',
      key: `${brand}|${conversationId}`,
      brand,
      state,
      at,
      severity: state === 'warning' ? 'info' : cv.sev[s] === sevCode('critical') ? 'critical' : 'warning',
      summary,
      labels: { channel, severity: sev, conversation_id: conversationId, ...(customer ? { customer } : {}) },
      values: { wait_secs: Math.round(waited / 1000), threshold_secs: limit / 1000, gap_secs: Math.round((at - cv.gapStart[s]!) / 1000), inbound_count: cv.gapCount[s]! },
    };
  }

  /** The open gaps now, least recently active first (for the comparison with the view, and the live page). */
  openGaps(): GapRecord[] {
    const cv = this.convs;
    const out: GapRecord[] = [];
    for (let s = cv.head[OPEN_LIST]!; s !== NIL; s = cv.next[s]!) out.push(this.gapRecord(s, null, null));
    return out;
  }

  /**
   * After a restart: open gaps (from view silence_gaps) and recently answered or solved
   * conversations (so a late "thanks" still opens nothing). Marks already passed at `now` are not
   * passed again; with `reportOpen` (live runs) each waiting customer past a mark is reported once
   * more at that mark's time, which is how the alert engine takes back its firing alerts without
   * paging again.
   */
  restore(gaps: RestoredGap[], conversations: RestoredConversation[], now: number, reportOpen = false): void {
    if (now > this.now) this.now = now;
    const cv = this.convs;
    for (const r of conversations) {
      const s = this.conv(r.brand, r.conversationId, r.at);
      if (r.lastReplyAt !== undefined) cv.lastReplyAt[s] = r.lastReplyAt;
      cv.flags[s] = r.solved ? cv.flags[s]! | SOLVED : cv.flags[s]! & ~SOLVED;
      cv.sev[s] = sevCode(r.severity);
    }
    const marks = this.warnAt.length + 1;
    for (const g of gaps) {
      const s = this.conv(g.brand, g.conversationId, g.lastActivityAt ?? now);
      if (g.lastReplyAt !== undefined) cv.lastReplyAt[s] = g.lastReplyAt;
      cv.sev[s] = sevCode(g.severity);
      cv.flags[s] = g.paused ? PAUSED : 0;
      cv.gapStart[s] = g.startedAt;
      cv.gapCount[s] = g.inboundCount;
      cv.ch[s] = MESSAGE_CHANNELS.indexOf(g.channel);
      cv.gapCustomer[s] = g.customerId;
      cv.pausedMs[s] = g.pausedMs;
      cv.pausedSince[s] = g.paused ? now : Number.NaN;
      cv.relist(s);
      const waited = this.waitedMs(s, now);
      let stage = 0;
      for (let i = 0; i < marks; i++) if (this.target(s, i) <= waited) stage++;
      cv.stage[s] = stage;
      if (reportOpen && stage > 0) {
        const at = this.reachesAt(s, this.target(s, stage - 1));
        this.out.push(this.customerDetection(s, stage === marks ? 'firing' : 'warning', Number.isFinite(at) ? Math.max(at, cv.gapStart[s]!) : now, null));
      }
      this.schedule(s);
    }
  }

  /** After restoring in chunks read in any order: both activity lists in last-activity order again. */
  sortActivity(): void {
    this.convs.sortList(IDLE_LIST);
    this.convs.sortList(OPEN_LIST);
  }

  /** Brand state after a restart: last broadcast, open incidents and spikes (reportOpen: as restore). */
  restoreBrand(brand: string, lastBroadcast: number | undefined, incidents: [string, number][], spikes: [string, number, number][], reportOpen = false): void {
    const s = this.brand(brand);
    if (lastBroadcast !== undefined) s.lastBroadcast = lastBroadcast;
    for (const [id, at] of incidents) s.incidents.set(id, at);
    for (const [key, started, detected] of spikes) {
      s.spikes.set(key, started);
      s.knownAt = Math.max(s.knownAt, detected);
    }
    const start = this.crisisStart(s);
    // Already past the limit: the previous run fired it.
    if (start !== undefined && Math.max(s.lastBroadcast, start) + this.config.brand.threshold_secs * 1000 <= this.now) {
      s.firing = true;
      s.silentSince = Math.max(s.lastBroadcast, start);
      s.firedAt = s.silentSince + this.config.brand.threshold_secs * 1000;
      if (reportOpen && this.config.brand.enabled) {
        this.out.push({
          kind: 'brand_silence',
          key: brand,
          brand,
          state: 'firing',
          at: s.firedAt,
          severity: 'critical',
          summary: `${brand} has posted no public update for ${fmtDur(this.now - s.silentSince)} during a crisis (still, after a restart)`,
          labels: {},
          values: { silent_secs: Math.round((this.now - s.silentSince) / 1000), threshold_secs: this.config.brand.threshold_secs },
        });
      }
    }
  }
}

export { SEV_NAMES as SILENCE_SEVERITIES };
