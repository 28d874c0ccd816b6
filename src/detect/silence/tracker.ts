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

/** A conversation, kept compact: a million open ones must fit in a few hundred MB. */
class Conv {
  /** brand + NUL + conversation id (the map key). */
  key: string;
  brandLen: number;
  /** Channel index of the message that started the gap (or the latest inbound). */
  ch = 0;
  sev = 0;
  solved = false;
  paused = false;
  /** Time of the latest ticket event applied (older ones are ignored). */
  ticketTs = Number.NEGATIVE_INFINITY;
  lastReplyAt = Number.NEGATIVE_INFINITY;
  ticketCustomer: string | undefined = undefined;
  /** Open gap: start (NaN when none), inbound messages in it, its customer. */
  gapStart = Number.NaN;
  gapCount = 0;
  gapCustomer: string | undefined = undefined;
  /** Clock time paused so far in the gap (business time where a calendar applies), and since when. */
  pausedMs = 0;
  pausedSince = Number.NaN;
  /** Warnings emitted (1..n), n + 1 once fired. */
  stage = 0;
  /** Heap entry version (older entries are stale). */
  ver = 0;
  lastActivity = 0;

  constructor(key: string, brandLen: number) {
    this.key = key;
    this.brandLen = brandLen;
  }

  get brand(): string {
    return this.key.slice(0, this.brandLen);
  }
  get conversationId(): string {
    return this.key.slice(this.brandLen + 1);
  }
  get open(): boolean {
    return this.gapStart === this.gapStart;
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
  return m % 60 ? `${h} h ${String(m % 60).padStart(2, '0')} min` : `${h} h`;
};
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** Returned when nothing happened (most calls): no allocation per event in replays. */
const NONE = Object.freeze([]) as unknown as Detection[];

export class SilenceTracker {
  private readonly convs = new Map<string, Conv>();
  private readonly brands = new Map<string, BrandState>();
  /** Min-heap of due checks: parallel arrays (time, conversation, version). */
  private readonly heapDue: number[] = [];
  private readonly heapConv: Conv[] = [];
  private readonly heapVer: number[] = [];
  private out: Detection[] = [];
  private readonly isPleasantry: (text: string | undefined) => boolean;
  private readonly calendars = new Map<number, BusinessCalendar>();
  private readonly pause: Set<string>;
  private readonly channelLimits: number[];
  private readonly severityLimits: number[];
  /** Latest time seen (events or ticks). */
  now = Number.NEGATIVE_INFINITY;
  /** Gaps that ended (for tests and comparisons; off unless a listener is set). */
  onGapEnd: ((g: GapRecord) => void) | undefined;
  private lastForget = Number.NEGATIVE_INFINITY;

  constructor(readonly config: SilenceConfig) {
    const c = config.customer;
    this.isPleasantry = c.pleasantries ? pleasantryMatcher(pleasantryPattern(c.extra_pleasantries)) : () => false;
    for (const [ch, bh] of Object.entries(c.business_hours)) if (bh) this.calendars.set(MESSAGE_CHANNELS.indexOf(ch as MessageChannel), new BusinessCalendar(bh));
    this.pause = new Set(c.pause_statuses);
    this.channelLimits = MESSAGE_CHANNELS.map((ch) => c.channel_thresholds_secs[ch] * 1000);
    this.severityLimits = SEV_NAMES.map((s) => (s === 'none' ? Number.POSITIVE_INFINITY : (c.severity_thresholds_secs[s] ?? Number.POSITIVE_INFINITY) * 1000));
  }

  /** Open conversations (gaps) now. */
  get openCount(): number {
    let n = 0;
    for (const c of this.convs.values()) if (c.open) n++;
    return n;
  }

  /** Conversations held in memory (open or recently answered). */
  get size(): number {
    return this.convs.size;
  }

  /** The limit (ms) for a channel and severity: the smaller of the two that apply. */
  limitMs(ch: number, sev: number): number {
    return Math.min(this.channelLimits[ch]!, this.severityLimits[sev]!);
  }

  private conv(brand: string, conversationId: string, ts: number): Conv {
    const key = `${brand}\u0000${conversationId}`;
    let c = this.convs.get(key);
    if (c) {
      // Re-inserted on every touch: the map stays in last-activity order for forgetting.
      this.convs.delete(key);
    } else {
      c = new Conv(key, brand.length);
    }
    c.lastActivity = Math.max(c.lastActivity, ts);
    this.convs.set(key, c);
    return c;
  }

  private clockMs(c: Conv, a: number, b: number): number {
    const cal = this.calendars.get(c.ch);
    return cal ? cal.openMs(a, b) : Math.max(0, b - a);
  }

  /** Clock time of [a, b) on a channel: its business hours where it has them, else all of it. */
  clockMsFor(channel: MessageChannel, a: number, b: number): number {
    const cal = this.calendars.get(MESSAGE_CHANNELS.indexOf(channel));
    return cal ? cal.openMs(a, b) : Math.max(0, b - a);
  }

  /** Counted waiting time of the open gap at t. */
  waitedMs(c: Conv, t: number): number {
    if (!c.open) return 0;
    const paused = c.paused && c.pausedSince === c.pausedSince ? this.clockMs(c, c.pausedSince, t) : 0;
    return Math.max(0, this.clockMs(c, c.gapStart, t) - c.pausedMs - paused);
  }

  /** When the counted wait reaches `targetMs` (Infinity while paused). */
  private reachesAt(c: Conv, targetMs: number): number {
    if (c.paused) return Number.POSITIVE_INFINITY;
    const cal = this.calendars.get(c.ch);
    const need = targetMs + c.pausedMs;
    return cal ? cal.addOpen(c.gapStart, need) : c.gapStart + need;
  }

  private targets(c: Conv): number[] {
    const limit = this.limitMs(c.ch, c.sev);
    return [...this.config.customer.warn_at.map((f) => f * limit), limit];
  }

  /** (Re)schedules the next check of an open gap; never earlier than `notBefore`. */
  private schedule(c: Conv, notBefore = Number.NEGATIVE_INFINITY): void {
    c.ver++;
    if (!c.open || !this.config.customer.enabled) return;
    const ts = this.targets(c);
    if (c.stage >= ts.length) return;
    const due = this.reachesAt(c, ts[c.stage]!);
    if (due === Number.POSITIVE_INFINITY) return;
    this.push(Math.max(due, notBefore), c, c.ver);
  }

  private push(due: number, c: Conv, ver: number): void {
    const d = this.heapDue;
    const cs = this.heapConv;
    const vs = this.heapVer;
    let i = d.length;
    d.push(due);
    cs.push(c);
    vs.push(ver);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (d[p]! <= due) break;
      d[i] = d[p]!;
      cs[i] = cs[p]!;
      vs[i] = vs[p]!;
      i = p;
    }
    d[i] = due;
    cs[i] = c;
    vs[i] = ver;
  }

  private pop(): void {
    const d = this.heapDue;
    const cs = this.heapConv;
    const vs = this.heapVer;
    const lastD = d.pop()!;
    const lastC = cs.pop()!;
    const lastV = vs.pop()!;
    const n = d.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let m = 2 * i + 1;
      if (m >= n) break;
      if (m + 1 < n && d[m + 1]! < d[m]!) m++;
      if (d[m]! >= lastD) break;
      d[i] = d[m]!;
      cs[i] = cs[m]!;
      vs[i] = vs[m]!;
      i = m;
    }
    d[i] = lastD;
    cs[i] = lastC;
    vs[i] = lastV;
  }

  private openGap(c: Conv, ts: number, ch: number, customer: string | undefined): void {
    c.gapStart = ts;
    c.gapCount = 1;
    c.ch = ch;
    c.gapCustomer = customer ?? c.ticketCustomer;
    c.stage = 0;
    c.pausedMs = 0;
    c.pausedSince = c.paused ? ts : Number.NaN;
    this.schedule(c, ts);
  }

  private closeGap(c: Conv, at: number, by: GapEnd): void {
    if (!c.open) return;
    if (c.stage > 0) this.out.push(this.customerDetection(c, 'resolved', at, by));
    this.onGapEnd?.({ brand: c.brand, conversationId: c.conversationId, channel: MESSAGE_CHANNELS[c.ch]!, customerId: c.gapCustomer, startedAt: c.gapStart, endedAt: at, endedBy: by, inboundCount: c.gapCount });
    c.gapStart = Number.NaN;
    c.gapCount = 0;
    c.stage = 0;
    c.pausedMs = 0;
    c.pausedSince = Number.NaN;
    c.ver++;
  }

  message(m: MessageInput): void {
    if (m.ts > this.now) this.now = m.ts;
    if (m.direction === 'outbound') {
      // An internal note ends no silence.
      if (!m.public) return;
      const c = this.conv(m.brand, m.conversationId, m.ts);
      if (m.ts > c.lastReplyAt) c.lastReplyAt = m.ts;
      if (c.open && m.ts >= c.gapStart) this.closeGap(c, m.ts, 'reply');
      return;
    }
    const c = this.conv(m.brand, m.conversationId, m.ts);
    // A message on a solved conversation opens no silence by itself; one already answered neither.
    if (c.solved || m.ts <= c.lastReplyAt) return;
    const ch = MESSAGE_CHANNELS.indexOf(m.channel);
    if (c.open) {
      if (m.ts >= c.gapStart) {
        c.gapCount++;
        return;
      }
      // Arrived late, from before the gap's start: the wait began earlier.
      if (c.lastReplyAt !== Number.NEGATIVE_INFINITY && this.isPleasantry(m.text)) return;
      c.gapStart = m.ts;
      c.gapCount++;
      c.ch = ch;
      c.gapCustomer = m.customerId ?? c.ticketCustomer;
      this.schedule(c, this.now);
      return;
    }
    // A closing pleasantry after a reply opens no silence.
    if (c.lastReplyAt !== Number.NEGATIVE_INFINITY && this.isPleasantry(m.text)) return;
    this.openGap(c, m.ts, ch, m.customerId);
  }

  ticket(t: TicketInput): void {
    if (t.ts > this.now) this.now = t.ts;
    const c = this.conv(t.brand, t.conversationId, t.ts);
    if (t.ts < c.ticketTs) return;
    c.ticketTs = t.ts;
    if (t.customerId) c.ticketCustomer = t.customerId;
    let changed = false;
    if (t.severity && sevCode(t.severity) !== c.sev) {
      c.sev = sevCode(t.severity);
      changed = true;
    }
    if (t.status !== undefined) {
      const paused = this.pause.has(t.status.toLowerCase());
      if (paused !== c.paused) {
        if (c.open) {
          if (paused) c.pausedSince = Math.max(t.ts, c.gapStart);
          else if (c.pausedSince === c.pausedSince) {
            c.pausedMs += this.clockMs(c, c.pausedSince, Math.max(t.ts, c.pausedSince));
            c.pausedSince = Number.NaN;
          }
        }
        c.paused = paused;
        changed = true;
      }
    }
    if (t.action === 'solved' || t.action === 'closed') {
      c.solved = true;
      if (c.open) {
        if (t.ts >= c.gapStart) this.closeGap(c, t.ts, 'solved');
        else this.dropGap(c, t.ts);
      }
      return;
    }
    if (t.action !== 'updated') c.solved = false;
    if (changed && c.open) this.schedule(c, t.ts);
  }

  /** A solve from before the gap began arrived late: the gap was never one (its messages came on a solved case). */
  private dropGap(c: Conv, at: number): void {
    if (c.stage > 0) this.out.push(this.customerDetection(c, 'resolved', Math.max(at, c.gapStart), 'solved'));
    c.gapStart = Number.NaN;
    c.gapCount = 0;
    c.stage = 0;
    c.ver++;
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
    while (this.heapDue.length > 0 && this.heapDue[0]! <= now) {
      const c = this.heapConv[0]!;
      const ver = this.heapVer[0]!;
      this.pop();
      if (ver !== c.ver || !c.open) continue;
      const ts = this.targets(c);
      // Past several marks at once (a replay, or a change of severity): report the highest only.
      let reached = c.stage;
      let at = Number.NaN;
      while (reached < ts.length) {
        const t = this.reachesAt(c, ts[reached]!);
        if (t > now) break;
        at = t;
        reached++;
      }
      if (reached === c.stage) {
        this.schedule(c);
        continue;
      }
      c.stage = reached;
      const firing = reached === ts.length;
      this.out.push(this.customerDetection(c, firing ? 'firing' : 'warning', Math.max(at, c.gapStart), null));
      this.schedule(c);
    }
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
    const limit = now - this.config.customer.forget_after_secs * 1000;
    let budget = 10_000;
    for (const [key, c] of this.convs) {
      if (budget-- <= 0 || c.lastActivity >= limit) break;
      if (c.open) {
        // Still waiting: keep it, behind the recently active ones.
        this.convs.delete(key);
        c.lastActivity = now;
        this.convs.set(key, c);
        continue;
      }
      this.convs.delete(key);
    }
  }

  private customerDetection(c: Conv, state: Detection['state'], at: number, endedBy: GapEnd | null): Detection {
    const limit = this.limitMs(c.ch, c.sev);
    const waited = this.waitedMs(c, at);
    const channel = MESSAGE_CHANNELS[c.ch]!;
    const sev = SEV_NAMES[c.sev]!;
    const who = c.gapCustomer ? `Customer ${c.gapCustomer}` : 'A customer';
    const where = `on ${channel} (conversation ${c.conversationId}${c.sev ? `, ${sev}` : ''})`;
    const summary =
      state === 'resolved'
        ? `${who} ${endedBy === 'solved' ? 'no longer waits: the case was solved' : 'got a reply'} after ${fmtDur(waited)} ${where}`
        : state === 'warning'
          ? `${who} has waited ${fmtDur(waited)} for a reply ${where}: ${Math.round((100 * waited) / limit)} % of the ${fmtDur(limit)} limit`
          : `${who} has waited ${fmtDur(waited)} for a reply ${where}, past the ${fmtDur(limit)} limit`;
    return {
      kind: 'customer_silence',
      key: `${c.brand}|${c.conversationId}`,
      brand: c.brand,
      state,
      at,
      severity: state === 'warning' ? 'info' : c.sev === sevCode('critical') ? 'critical' : 'warning',
      summary,
      labels: { channel, severity: sev, conversation_id: c.conversationId, ...(c.gapCustomer ? { customer: c.gapCustomer } : {}) },
      values: { wait_secs: Math.round(waited / 1000), threshold_secs: limit / 1000, gap_secs: Math.round((at - c.gapStart) / 1000), inbound_count: c.gapCount },
    };
  }

  /** The open gaps now (for the comparison with the view, and the live page). */
  openGaps(): GapRecord[] {
    const out: GapRecord[] = [];
    for (const c of this.convs.values()) {
      if (c.open) out.push({ brand: c.brand, conversationId: c.conversationId, channel: MESSAGE_CHANNELS[c.ch]!, customerId: c.gapCustomer, startedAt: c.gapStart, endedAt: null, endedBy: null, inboundCount: c.gapCount });
    }
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
    for (const r of conversations) {
      const c = this.conv(r.brand, r.conversationId, r.at);
      if (r.lastReplyAt !== undefined) c.lastReplyAt = r.lastReplyAt;
      c.solved = r.solved;
      c.sev = sevCode(r.severity);
    }
    for (const g of gaps) {
      const c = this.conv(g.brand, g.conversationId, now);
      if (g.lastReplyAt !== undefined) c.lastReplyAt = g.lastReplyAt;
      c.sev = sevCode(g.severity);
      c.solved = false;
      c.paused = g.paused;
      c.gapStart = g.startedAt;
      c.gapCount = g.inboundCount;
      c.ch = MESSAGE_CHANNELS.indexOf(g.channel);
      c.gapCustomer = g.customerId;
      c.pausedMs = g.pausedMs;
      c.pausedSince = g.paused ? now : Number.NaN;
      const ts = this.targets(c);
      const waited = this.waitedMs(c, now);
      c.stage = ts.filter((t) => t <= waited).length;
      if (reportOpen && c.stage > 0) {
        const at = this.reachesAt(c, ts[c.stage - 1]!);
        this.out.push(this.customerDetection(c, c.stage === ts.length ? 'firing' : 'warning', Number.isFinite(at) ? Math.max(at, c.gapStart) : now, null));
      }
      this.schedule(c);
    }
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
