/**
 * @module alert/engine
 * The alert lifecycle, pure and clock-driven (no I/O): conditions (signals) become alerts that go
 * pending → firing → resolved like Prometheus's alerting rules (`for`, `keep_firing_for`), and
 * firing alerts are grouped and notified like Alertmanager does (group_wait, group_interval,
 * repeat/re-notify interval, inhibition).
 *
 * Signals and timers run on one timeline in time order, so a replay gives the same alerts at the
 * same times whatever its batch boundaries, and a live pipeline fires on its clock's tick.
 *
 * @example
 * const engine = new AlertEngine({ rules, inhibit: [], hooks: { record: (r) => rows.push(r), notify: (n) => sent.push(n) } });
 * engine.apply([{ rule: 'customer_silence', key: 'acme|c1', brand: 'acme', active: true, at: t, severity: 'warning', summary: 'waiting', labels: {}, values: {} }], t);
 * engine.advance(t + 60_000);
 */
import { MemberHeap } from './member-heap.js';
import type { AlertInstance, AlertNotification, AlertSeverity, MembershipChanges } from './sink.js';
import { TimerHeap, type Timer } from './timers.js';

/** One rule's lifecycle and notification settings, in milliseconds. */
export interface RuleSettings {
  name: string;
  /** Overrides the severity of the signals. */
  severity?: AlertSeverity;
  forMs: number;
  keepFiringForMs: number;
  renotifyMs: number;
  /** Labels besides brand that split notifications. */
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  /** false: alerts are recorded, never notified. */
  notify: boolean;
  notifyResolved: boolean;
  /** Resolves an alert whose condition was not confirmed (a new active signal) for this long; for event-like detections that never say "resolved". */
  resolveAfterMs?: number;
}

export interface InhibitSettings {
  sourceRules: string[];
  targetRules: string[];
  equal: string[];
}

/** A condition holding (active) or not for one key, at a time: what a detection or a view check says. */
export interface Signal {
  rule: string;
  /** The condition's own key (detection key); the alert key is `rule|key`. */
  key: string;
  brand: string;
  active: boolean;
  at: number;
  severity: AlertSeverity;
  summary: string;
  labels: Record<string, string>;
  values: Record<string, number>;
  /** Kafka scale-out (Detection.handover): take the alert over as notified, or forget it, without a page. */
  handover?: 'adopt' | 'release';
}

export type AlertRowState = 'pending' | 'firing' | 'resolved' | 'inactive' | 'notified';

/** One transition, as stored in the `alerts` table. */
export interface AlertRecord {
  state: AlertRowState;
  at: number;
  /** The alert episode (`key@start`), or the notification id for `notified`. */
  alertId: string;
  alertKey: string;
  rule: string;
  brand: string;
  severity: AlertSeverity;
  startedAt: number;
  endedAt?: number;
  summary: string;
  labels: Record<string, string>;
  values: Record<string, number>;
  link?: string;
  query?: string;
  inhibited: boolean;
  inhibitedBy?: string;
  groupKey?: string;
  notifyState?: 'firing' | 'resolved';
  count: number;
  reason?: string;
}

/** A firing alert as stored before a restart (from the alert_episodes view). */
export interface RestoredAlert {
  id: string;
  key: string;
  rule: string;
  brand: string;
  severity: AlertSeverity;
  summary: string;
  labels: Record<string, string>;
  values: Record<string, number>;
  link?: string;
  query?: string;
  startsAt: number;
  /** It was part of a notification before the restart. */
  notified: boolean;
  /** When its group last notified before the restart (its flushes continue on that grid). */
  groupNotifiedAt?: number;
  /** The id of that notification. */
  groupNotificationId?: string;
  /**
   * It was in its group's last notification before the restart and its run of notifications goes
   * on (no `left` member row yet). Default: `notified`.
   */
  listed?: boolean;
}

/**
 * One change of a group notification's membership, a row of `alert_notification_members`: an
 * alert `joined` with the notification that first listed it, and `left` with the last one that
 * listed it (a resolved notification, or the one before it was held back or left quietly). Every
 * notification of the group between the two listed it, so re-notifications add no rows.
 */
export interface MemberChange {
  notificationId: string;
  /** When that notification was made. */
  at: number;
  alertId: string;
  change: 'joined' | 'left';
}

/** What a grouped notification's sentence is made from, without a pass over every member. */
export interface GroupView {
  /** Firing alerts of the group not held back. */
  firing: number;
  /** Some of them: the newcomers since the last notification first, then the longest firing. */
  sample: AlertInstance[];
  /** Alerts resolved since the last notification that this one tells about. */
  resolved: AlertInstance[];
  /** Firing alerts held back by inhibition. */
  inhibited: number;
  /** Firing alerts by the value of a label (`channel`, `kind`), most first. */
  breakdown(label: string): [string, number][];
  /** The longest wait among the firing alerts at the notification time (their `*wait*_secs`-like values grown since they fired). */
  longestWaitSecs: number | undefined;
}

export interface GroupInfo {
  key: string;
  rule: string;
  brand: string;
  labels: Record<string, string>;
  /** When the notification is made (summaries say how long people have been waiting by then). */
  at?: number;
}

/** Where an alert leads back to: a link for people, the SQL behind it. */
export interface Drilldown {
  link?: string;
  query?: string;
}

export interface EngineHooks {
  record(r: AlertRecord): void;
  notify(n: AlertNotification): void;
  /** The link and query stored with one alert. */
  alertLink?(a: AlertInstance): Drilldown | undefined;
  /** The link and query of a grouped notification. */
  groupLink?(g: GroupInfo): Drilldown | undefined;
  /** The sentence of a grouped notification (more than one alert). */
  groupSummary?(g: GroupInfo, view: GroupView): string;
  /** A change of a notification group's membership (rows of alert_notification_members). */
  member?(c: MemberChange): void;
}

export interface EngineOptions {
  rules: RuleSettings[];
  inhibit?: InhibitSettings[];
  hooks: EngineHooks;
  /** Most alerts a notification lists in `alerts` (the rest are counted in `truncated`); default 20. */
  maxListed?: number;
  /** Labels whose values grouped notifications count (summaries: "chat 120, social 70"). */
  breakdownLabels?: string[];
  /**
   * What a group does with flushes it missed, when the engine jumps ahead by more than a
   * group_interval at once. `step` (default; replays, whose clock is the data's): every flush runs
   * at its time, so results do not depend on how time was cut into ticks. `coalesce` (live
   * pipelines: a restart after downtime, a backlog of old events): the flushes that would only
   * re-notify collapse into one, at the last group_interval step before the engine's new time, as
   * Alertmanager after a pause sends one reminder instead of the missed ones. A flush with news
   * (alerts that joined or resolved) still runs at its time.
   */
  catchUp?: 'step' | 'coalesce';
}

/** Label values a group counts its firing members by, for the summaries. */
export const DEFAULT_BREAKDOWN_LABELS = ['channel', 'kind'];

interface Alert {
  id: string;
  key: string;
  rule: RuleSettings;
  brand: string;
  severity: AlertSeverity;
  summary: string;
  labels: Record<string, string>;
  values: Record<string, number>;
  link: string | undefined;
  query: string | undefined;
  activeAt: number;
  state: 'pending' | 'firing';
  /** The condition still holds (false while keep_firing_for runs). */
  conditionActive: boolean;
  timer: Timer<TimerValue> | undefined;
  /** resolve_after: when the condition was last confirmed, and the timer that ends it. */
  expiry: Timer<TimerValue> | undefined;
  group: Group | undefined;
  /** Was part of a firing notification, so its end is worth a resolved notification. */
  notified: boolean;
  /** Restored after a restart and not confirmed by its detector since. */
  restored: boolean;
  /** What the detector said when the condition ended ("Spike over: ..."), if it said something new. */
  endSummary: string | undefined;
  /** Where it is in its group: sent when not held back, or held back by inhibition. */
  slot: 'firing' | 'held' | undefined;
  /** In its group's last notification, and the run of notifications listing it goes on. */
  listed: boolean;
  /** Taken over from another instance as notified: joins the next notification without paging for it. */
  quiet: boolean;
  /** Changes whenever it leaves the group's firing set or its heap keys change (stale heap entries). */
  stamp: number;
}

interface Group extends GroupInfo {
  settings: RuleSettings;
  /** Firing members not held back, in the order they came in (the longest firing first). */
  firing: Map<string, Alert>;
  /** Firing members held back by inhibition. */
  held: Map<string, Alert>;
  resolved: Map<string, { instance: AlertInstance; notified: boolean; alert: Alert }>;
  /** Firing members not listed yet: the next notification's newcomers. */
  joins: Set<Alert>;
  /** Listed members that are not firing-and-sent any more (held back or resolved): their run ends at the next flush. */
  listedOut: Set<Alert>;
  /** Keys whose run ended without a resolved notification since the last notification (sinks that keep state drop them). */
  leftKeys: string[];
  /** The last notification: where runs that end without being listed again end. */
  last: { id: string; at: number } | undefined;
  /** Firing members per label and value; and per severity rank. */
  counts: Map<string, Map<string, number>>;
  severities: [number, number, number];
  /** Firing members by wait grown (`*wait*_secs` − start) and by earliest start. */
  waits: MemberHeap<Alert>;
  starts: MemberHeap<Alert>;
  lastNotifiedAt: number;
  flushedOnce: boolean;
  timer: Timer<TimerValue> | undefined;
}

type TimerValue = { type: 'fire' | 'resolve' | 'expire'; alert: Alert } | { type: 'flush'; group: Group };

const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** Alerts' timers before groups' flushes at the same instant, so a flush sees every alert of that instant. */
const PRIO_ALERT = 0;
const PRIO_FLUSH = 1;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class AlertEngine {
  private readonly rules = new Map<string, RuleSettings>();
  private readonly inhibit: InhibitSettings[];
  /** Per inhibit rule: equal-label values → keys of firing source alerts. */
  private readonly sources: Map<string, Set<string>>[];
  private readonly alerts = new Map<string, Alert>();
  private readonly groups = new Map<string, Group>();
  private readonly timers = new TimerHeap<TimerValue>();
  private readonly hooks: EngineHooks;
  /** Notification ids made at the current instant (ids carry the time, so only these can collide). */
  private idsAt = { t: Number.NaN, ids: new Set<string>() };
  /** The engine's time: never goes back. */
  private t = Number.NEGATIVE_INFINITY;
  private readonly maxListed: number;
  private readonly breakdownLabels: string[];
  /** An inhibiting alert started or stopped holding something back: members' held state is re-read at the next flush. */
  private inhibitionDirty = false;
  private readonly coalesce: boolean;

  constructor(options: EngineOptions) {
    this.coalesce = options.catchUp === 'coalesce';
    for (const r of options.rules) this.rules.set(r.name, r);
    this.inhibit = options.inhibit ?? [];
    this.sources = this.inhibit.map(() => new Map());
    this.hooks = options.hooks;
    this.maxListed = Math.max(1, options.maxListed ?? 20);
    this.breakdownLabels = options.breakdownLabels ?? DEFAULT_BREAKDOWN_LABELS;
  }

  get now(): number {
    return this.t;
  }

  rule(name: string): RuleSettings | undefined {
    return this.rules.get(name);
  }

  /** Alerts currently pending or firing (for the live page, tests, telemetry). */
  active(): AlertInstance[] {
    return [...this.alerts.values()].map((a) => this.instance(a, 'firing'));
  }

  /** How many alerts are pending and firing. */
  counts(): { pending: number; firing: number; groups: number } {
    let pending = 0;
    for (const a of this.alerts.values()) if (a.state === 'pending') pending++;
    return { pending, firing: this.alerts.size - pending, groups: this.groups.size };
  }

  /** Applies signals in time order, running every timer due before each, then advances to `now`. */
  apply(signals: readonly Signal[], now: number): void {
    const sorted = signals.map((s, i) => ({ s, i })).sort((a, b) => a.s.at - b.s.at || a.i - b.i);
    for (const { s } of sorted) {
      this.runTimers(s.at, true);
      if (s.at > this.t) this.t = s.at;
      this.signal(s);
    }
    this.advance(now);
  }

  /** Runs every timer due at or before `now`. */
  advance(now: number): void {
    this.runTimers(now, false);
    if (now > this.t) this.t = now;
  }

  private runTimers(until: number, strict: boolean): void {
    for (;;) {
      const timer = this.timers.popDue(until, strict);
      if (!timer) return;
      if (timer.at > this.t) this.t = timer.at;
      const v = timer.value;
      if (v.type === 'flush' && this.coalesce && Number.isFinite(until)) {
        const g = v.group;
        const gi = g.settings.groupIntervalMs;
        const nextDue = strict ? timer.at + gi < until : timer.at + gi <= until;
        if (nextDue && !this.inhibitionDirty && !this.hasNews(g)) {
          // Missed flushes with nothing new: one at the last step of the group's grid this call
          // reaches (alerts' timers in between still run in order, and their news goes with it).
          let at = timer.at + Math.floor((until - timer.at) / gi) * gi;
          if (strict && at >= until) at -= gi;
          g.timer = this.timers.add(at, PRIO_FLUSH, { type: 'flush', group: g });
          continue;
        }
      }
      if (v.type === 'flush') {
        v.group.timer = undefined;
        this.flush(v.group);
      } else if (v.type === 'expire') {
        v.alert.expiry = undefined;
        this.expire(v.alert);
      } else {
        v.alert.timer = undefined;
        if (v.type === 'fire') this.fire(v.alert);
        else this.resolve(v.alert);
      }
    }
  }

  private signal(s: Signal): void {
    const rule = this.rules.get(s.rule);
    if (!rule) return;
    const key = `${rule.name}|${s.key}`;
    const a = this.alerts.get(key);
    if (s.handover === 'release') {
      if (a) this.release(a);
      return;
    }
    if (s.handover === 'adopt' && !a) {
      this.adopt(s, rule, key);
      return;
    }
    if (s.active) {
      if (!a) {
        const alert = this.open(s, rule, key, 'pending', false);
        this.confirm(alert, s.at);
        if (rule.forMs > 0 && s.at + rule.forMs > this.t) {
          this.record(alert, 'pending', s.at);
          alert.timer = this.timers.add(s.at + rule.forMs, PRIO_ALERT, { type: 'fire', alert });
        } else {
          this.fire(alert);
        }
        return;
      }
      this.confirm(a, s.at);
      this.update(a, rule.severity ?? s.severity, { ...s.labels, brand: s.brand }, s.values);
      a.summary = s.summary;
      if (!a.conditionActive) {
        // The condition came back inside keep_firing_for: still the same firing alert, no new page.
        a.conditionActive = true;
        a.endSummary = undefined;
        if (a.timer) a.timer.cancelled = true;
        a.timer = undefined;
      }
      return;
    }
    if (!a || !a.conditionActive) return;
    Object.assign(a.values, s.values);
    a.endSummary = s.summary && s.summary !== a.summary ? s.summary : undefined;
    this.end(a, s.at, 'condition ended before for_secs elapsed');
  }

  /** The condition holds at `at`: push back the resolve_after expiry. */
  private confirm(a: Alert, at: number): void {
    const after = a.rule.resolveAfterMs;
    if (a.restored && a.expiry) a.expiry.cancelled = true;
    a.restored = false;
    if (after === undefined) return;
    if (a.expiry) a.expiry.cancelled = true;
    a.expiry = this.timers.add(Math.max(at + after, this.t), PRIO_ALERT, { type: 'expire', alert: a });
  }

  /**
   * Takes back alerts that were firing when the pipeline stopped, without new rows or pages: a
   * detector that finds the condition again confirms them; those it does not confirm within
   * `graceMs` resolve quietly (recorded, not notified), since nobody knows when they really ended.
   * With `graceMs` infinite (replays), nothing expires on its own: `reconcileRestored` ends them.
   */
  restore(alerts: readonly RestoredAlert[], now: number, graceMs: number): void {
    if (now > this.t) this.t = now;
    for (const r of alerts) {
      const rule = this.rules.get(r.rule);
      if (!rule || this.alerts.has(r.key)) continue;
      const a: Alert = {
        id: r.id,
        key: r.key,
        rule,
        brand: r.brand,
        severity: r.severity,
        summary: r.summary,
        labels: { ...r.labels, brand: r.brand },
        values: { ...r.values },
        link: r.link,
        query: r.query,
        activeAt: r.startsAt,
        state: 'firing',
        conditionActive: true,
        timer: undefined,
        expiry: undefined,
        group: undefined,
        notified: r.notified,
        restored: true,
        endSummary: undefined,
        slot: undefined,
        listed: r.notified && (r.listed ?? true),
        quiet: false,
        stamp: 0,
      };
      this.alerts.set(a.key, a);
      if (Number.isFinite(graceMs)) a.expiry = this.timers.add(this.t + graceMs, PRIO_ALERT, { type: 'expire', alert: a });
      this.sourceIndex(a, true);
      if (!rule.notify) continue;
      const g = this.groupFor(a);
      if (a.notified) {
        g.flushedOnce = true;
        g.lastNotifiedAt = r.groupNotifiedAt !== undefined && r.groupNotifiedAt <= this.t ? r.groupNotifiedAt : this.t;
        if (r.groupNotificationId !== undefined && r.groupNotifiedAt !== undefined && (!g.last || g.last.at < r.groupNotifiedAt)) {
          g.last = { id: r.groupNotificationId, at: r.groupNotifiedAt };
        }
      }
      this.join(g, a);
      if (!g.timer && g.flushedOnce && g.lastNotifiedAt < this.t) {
        // Flushes went on every group_interval since the last notification: the next one is where
        // it would have been without the restart (the same pages at the same times as one run).
        const interval = g.settings.groupIntervalMs;
        const next = interval > 0 ? g.lastNotifiedAt + (Math.floor((this.t - g.lastNotifiedAt) / interval) + 1) * interval : this.t;
        g.timer = this.timers.add(next, PRIO_FLUSH, { type: 'flush', group: g });
      }
      this.schedule(g);
    }
  }

  /**
   * Replays (`ingest` again, or the next file): the detectors, rebuilt from the stored data, have
   * reported every condition that still holds by now, so a taken-back alert none of them confirmed
   * no longer holds: it resolves now, quietly (its real end is unknown), with `reason`. An alert of
   * a rule with resolve_after (a broken promise: nothing ever reports it again) instead lives out
   * its resolve_after from when it started, as it would have in one run. Returns how many resolved.
   */
  reconcileRestored(reason: string): number {
    let n = 0;
    for (const a of [...this.alerts.values()]) {
      if (!a.restored) continue;
      a.restored = false;
      const after = a.rule.resolveAfterMs;
      if (after !== undefined) {
        if (a.expiry) a.expiry.cancelled = true;
        a.expiry = this.timers.add(Math.max(a.activeAt + after, this.t), PRIO_ALERT, { type: 'expire', alert: a });
        continue;
      }
      if (a.expiry) a.expiry.cancelled = true;
      a.expiry = undefined;
      a.conditionActive = false;
      this.leaveQuietly(a);
      this.resolve(a, reason);
      n++;
    }
    return n;
  }

  /** A new alert for a signal's condition, with its dashboard link, registered under its key. */
  private open(s: Signal, rule: RuleSettings, key: string, state: 'pending' | 'firing', notified: boolean): Alert {
    const alert: Alert = {
      id: `${key}@${iso(s.at)}`,
      key,
      rule,
      brand: s.brand,
      severity: rule.severity ?? s.severity,
      summary: s.summary,
      labels: { ...s.labels, brand: s.brand },
      values: { ...s.values },
      link: undefined,
      query: undefined,
      activeAt: s.at,
      state,
      conditionActive: true,
      timer: undefined,
      expiry: undefined,
      group: undefined,
      notified,
      restored: false,
      endSummary: undefined,
      slot: undefined,
      listed: false,
      quiet: false,
      stamp: 0,
    };
    const d = this.hooks.alertLink?.(this.instance(alert, 'firing'));
    alert.link = d?.link;
    alert.query = d?.query;
    this.alerts.set(key, alert);
    return alert;
  }

  /**
   * Scale-out: the instance that owned the brand before notified this alert; it fires here from
   * now on, as notified (no page now; a resolved one when it ends), under the same id.
   */
  private adopt(s: Signal, rule: RuleSettings, key: string): void {
    const a = this.open(s, rule, key, 'firing', true);
    this.confirm(a, s.at);
    this.record(a, 'firing', this.t, { inhibitedBy: this.inhibitor(a), reason: 'taken over from the instance that owned this brand before, which notified it' });
    this.sourceIndex(a, true);
    if (!rule.notify) return;
    const g = this.groupFor(a);
    g.resolved.delete(a.key);
    a.quiet = true;
    this.join(g, a);
    if (!g.flushedOnce) {
      g.flushedOnce = true;
      g.lastNotifiedAt = this.t;
    }
    this.schedule(g);
  }

  /** Scale-out: another instance owns the alert's brand now and carries it on; gone from here without a page. */
  private release(a: Alert): void {
    if (a.timer) a.timer.cancelled = true;
    a.timer = undefined;
    a.conditionActive = false;
    this.leaveQuietly(a);
    this.resolve(a, 'handed over: another instance owns this brand now and carries the alert on');
  }

  private expire(a: Alert): void {
    if (this.alerts.get(a.key) !== a || !a.conditionActive) return;
    if (a.restored) {
      a.conditionActive = false;
      // Its end is a guess: no "resolved" page, and its leaving is no change worth one.
      this.leaveQuietly(a);
      this.resolve(a, 'not confirmed by its detector after a restart');
      return;
    }
    const why = `not confirmed for ${Math.round(a.rule.resolveAfterMs! / 1000)} s (resolve_after_secs)`;
    if (a.state === 'pending') {
      this.end(a, this.t, why);
      return;
    }
    a.conditionActive = false;
    if (a.timer) a.timer.cancelled = true;
    this.resolve(a, why);
  }

  /** The condition ended at `at`: a pending alert goes inactive, a firing one resolves after keep_firing_for. */
  private end(a: Alert, at: number, pendingReason: string): void {
    const rule = a.rule;
    if (a.state === 'pending') {
      if (a.timer) a.timer.cancelled = true;
      if (a.expiry) a.expiry.cancelled = true;
      this.alerts.delete(a.key);
      this.record(a, 'inactive', this.t, { endedAt: this.t, reason: pendingReason });
      return;
    }
    a.conditionActive = false;
    // Counted from when the end is known, as Prometheus does: detectors may date an end back (a
    // spike ends at the start of the calm run that proved it over), and a provisional end they
    // take back a few minutes later must not flap the alert.
    const until = Math.max(at, this.t) + rule.keepFiringForMs;
    if (until > this.t) a.timer = this.timers.add(until, PRIO_ALERT, { type: 'resolve', alert: a });
    else this.resolve(a);
  }

  private fire(a: Alert): void {
    a.state = 'firing';
    const inhibitor = this.inhibitor(a);
    this.record(a, 'firing', this.t, { inhibitedBy: inhibitor });
    this.sourceIndex(a, true);
    if (!a.rule.notify) return;
    const g = this.groupFor(a);
    g.resolved.delete(a.key);
    this.join(g, a);
    this.schedule(g);
  }

  private resolve(a: Alert, reason?: string): void {
    this.alerts.delete(a.key);
    if (a.expiry) a.expiry.cancelled = true;
    this.sourceIndex(a, false);
    this.record(a, 'resolved', this.t, { endedAt: this.t, inhibitedBy: this.inhibitor(a), ...(reason ? { reason } : {}), ...(a.endSummary ? { summary: a.endSummary } : {}) });
    const g = a.group;
    if (!g) return;
    this.leave(g, a);
    g.resolved.set(a.key, { instance: this.instance(a, 'resolved', this.t), notified: a.notified, alert: a });
    this.schedule(g);
  }

  private groupFor(a: Alert): Group {
    const { key, labels } = groupIdentity(a);
    let g = this.groups.get(key);
    if (!g) {
      g = {
        key,
        rule: a.rule.name,
        brand: a.brand,
        labels,
        settings: a.rule,
        firing: new Map(),
        held: new Map(),
        resolved: new Map(),
        joins: new Set(),
        listedOut: new Set(),
        leftKeys: [],
        last: undefined,
        counts: new Map(this.breakdownLabels.map((l) => [l, new Map<string, number>()])),
        severities: [0, 0, 0],
        waits: new MemberHeap(),
        starts: new MemberHeap(),
        lastNotifiedAt: Number.NEGATIVE_INFINITY,
        flushedOnce: false,
        timer: undefined,
      };
      this.groups.set(key, g);
    }
    return g;
  }

  private schedule(g: Group): void {
    if (g.timer) return;
    const wait = g.flushedOnce ? g.settings.groupIntervalMs : g.settings.groupWaitMs;
    g.timer = this.timers.add(this.t + wait, PRIO_FLUSH, { type: 'flush', group: g });
  }

  /** Alerts joined the group since its last notification that it has not paged for (a take-over paged already). */
  private hasNewcomers(g: Group): boolean {
    for (const a of g.joins) if (!a.quiet) return true;
    return false;
  }

  /** The group's next flush would tell about alerts that joined or resolved (not only re-notify). */
  private hasNews(g: Group): boolean {
    if (this.hasNewcomers(g) || g.firing.size === 0) return true;
    if (g.settings.notifyResolved) for (const r of g.resolved.values()) if (r.notified) return true;
    return false;
  }

  /**
   * Alertmanager's flush: notify when alerts joined the group since the last notification, some
   * resolved, or re-notify is due. It reads what the group keeps up to date as alerts come and go
   * (counts, newcomers, leavers), so it costs what changed plus the alerts it lists, not the size
   * of the group: a group of 10,000 waiting customers re-notified every hour for days stays cheap.
   */
  private flush(g: Group): void {
    if (this.inhibitionDirty) this.refreshInhibition();
    const now = this.t;
    const s = g.settings;
    const resolved = s.notifyResolved ? [...g.resolved.values()].filter((r) => r.notified) : [];
    // As Alertmanager's dedup: page for alerts not in the last notification, for notified alerts
    // that resolved (when resolved notifications are on), or when re-notify is due. An alert that
    // leaves quietly (held back, or resolved with notify_resolved off) is no reason to page; nor
    // is one taken over from another instance, which paged for it already.
    if (g.firing.size > 0 && (this.hasNewcomers(g) || resolved.length > 0 || now - g.lastNotifiedAt >= s.renotifyMs)) {
      this.send(g, 'firing', resolved);
      g.lastNotifiedAt = now;
    } else if (g.firing.size === 0) {
      if (resolved.length > 0) this.send(g, 'resolved', resolved);
      else this.endRuns(g);
    }
    g.flushedOnce = true;
    g.resolved.clear();
    if (g.firing.size + g.held.size === 0) {
      this.endRuns(g);
      this.groups.delete(g.key);
    } else this.schedule(g);
  }

  /** Runs of listed alerts that are not listed any more end at the group's last notification. */
  private endRuns(g: Group): void {
    for (const a of g.listedOut) this.endRun(g, a);
    g.listedOut.clear();
  }

  /** One listed alert's run ends with the group's last notification (a `left` member row). */
  private endRun(g: Group, a: Alert): void {
    a.listed = false;
    g.leftKeys.push(a.key);
    if (g.last) this.hooks.member?.({ notificationId: g.last.id, at: g.last.at, alertId: a.id, change: 'left' });
  }

  private send(g: Group, state: 'firing' | 'resolved', resolvedEntries: { instance: AlertInstance; alert: Alert }[]): void {
    const now = this.t;
    if (this.idsAt.t !== now) this.idsAt = { t: now, ids: new Set() };
    let id = `${g.key}@${iso(now)}`;
    for (let n = 2; this.idsAt.ids.has(id); n++) id = `${g.key}@${iso(now)}#${n}`;
    this.idsAt.ids.add(id);

    // Membership changes: newcomers join with this notification; resolved ones listed here end
    // their run with it; listed ones not listed now (held back, resolved quietly) ended with the last.
    const joined: AlertInstance[] = [];
    const member = (alertId: string, change: 'joined' | 'left') => this.hooks.member?.({ notificationId: id, at: now, alertId, change });
    if (state === 'firing') {
      for (const a of g.joins) {
        member(a.id, 'joined');
        a.listed = true;
        a.notified = true;
        a.quiet = false;
        joined.push(this.instance(a, 'firing'));
      }
      g.joins.clear();
    }
    const resolved: AlertInstance[] = [];
    for (const r of resolvedEntries) {
      if (!r.alert.listed) member(r.alert.id, 'joined');
      member(r.alert.id, 'left');
      r.alert.listed = false;
      g.listedOut.delete(r.alert);
      resolved.push(r.instance);
    }
    this.endRuns(g);
    const left = g.leftKeys;
    g.leftKeys = [];
    g.last = { id, at: now };

    // What people read: the newcomers, then the longest firing, then the resolved; at most maxListed.
    const listed: AlertInstance[] = [];
    if (state === 'firing') {
      const seen = new Set<string>();
      for (const i of joined) {
        if (listed.length >= this.maxListed) break;
        listed.push(i);
        seen.add(i.key);
      }
      for (const a of g.firing.values()) {
        if (listed.length >= this.maxListed) break;
        if (!seen.has(a.key)) listed.push(this.instance(a, 'firing'));
      }
    }
    for (const i of resolved) {
      if (listed.length >= this.maxListed) break;
      listed.push(i);
    }
    const firingCount = state === 'firing' ? g.firing.size : 0;
    const total = firingCount + resolved.length;
    const single = total === 1 ? listed[0] : undefined;
    const members = state === 'firing' ? listed.filter((a) => a.state === 'firing') : resolved;
    const severity =
      state === 'firing'
        ? g.severities[2] > 0
          ? 'critical'
          : g.severities[1] > 0
            ? 'warning'
            : 'info'
        : resolved.reduce<AlertSeverity>((m, a) => (SEVERITY_RANK[a.severity] > SEVERITY_RANK[m] ? a.severity : m), 'info');
    // The largest of each value among the alerts listed (not among all: that would be a pass over the group).
    const values: Record<string, number> = {};
    for (const a of members) for (const [k, v] of Object.entries(a.values)) if (!(k in values) || v > values[k]!) values[k] = v;
    const inhibited = g.held.size;
    values.count = state === 'firing' ? firingCount : resolved.length;
    values.resolved = resolved.length;
    values.inhibited = inhibited;
    const info: GroupInfo = { key: g.key, rule: g.rule, brand: g.brand, labels: g.labels, at: now };
    const view = this.view(g, state, listed, resolved, now);
    const summary = single ? single.summary : (this.hooks.groupSummary?.(info, view) ?? defaultGroupSummary(info, view));
    const startsAt = state === 'firing' ? -(g.starts.top((a) => this.inFiring(g, a))?.key ?? -now) : Math.min(...resolved.map((a) => a.startsAt));
    const n: AlertNotification = {
      id,
      at: now,
      key: g.key,
      rule: g.rule,
      state,
      severity,
      brand: g.brand,
      summary,
      labels: single ? { ...single.labels, ...g.labels } : { ...g.labels },
      values,
      startsAt,
      count: values.count,
      ...(single ? { link: single.link, query: single.query } : this.hooks.groupLink?.(info)),
      alerts: listed,
      inhibited,
    };
    if (total > listed.length) n.truncated = total - listed.length;
    if (state === 'resolved') n.endsAt = Math.max(...resolved.map((a) => a.endsAt ?? now));
    // For sinks that keep each alert's state (Alertmanager): what changed. Not enumerable, so the
    // JSON of a notification (webhook, Kafka, stdout) stays bounded by maxListed.
    const changes: MembershipChanges = { joined, resolved, left };
    Object.defineProperty(n, 'changes', { value: changes, enumerable: false });
    this.hooks.notify(n);
    this.hooks.record({
      state: 'notified',
      at: now,
      alertId: id,
      alertKey: g.key,
      rule: g.rule,
      brand: g.brand,
      severity,
      startedAt: n.startsAt,
      endedAt: n.endsAt,
      summary,
      labels: n.labels,
      values,
      link: n.link,
      query: n.query,
      inhibited: false,
      groupKey: g.key,
      notifyState: state,
      count: n.count,
    });
  }

  private view(g: Group, state: 'firing' | 'resolved', listed: AlertInstance[], resolved: AlertInstance[], now: number): GroupView {
    const firing = state === 'firing';
    const wait = firing ? g.waits.top((a) => this.inFiring(g, a)) : undefined;
    return {
      firing: firing ? g.firing.size : 0,
      sample: listed.filter((a) => a.state === 'firing'),
      resolved,
      inhibited: g.held.size,
      breakdown: (label) => {
        const m = firing ? g.counts.get(label) : undefined;
        if (!m) return [];
        return [...m].filter((e) => e[1] > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      },
      longestWaitSecs: wait ? Math.max(0, (wait.key + now) / 1000) : undefined,
    };
  }

  private inFiring(g: Group, a: Alert): boolean {
    return a.group === g && a.slot === 'firing';
  }

  /** Wait grown since the start: `*wait*_secs`-like value (ms) minus the start, so + now gives the wait now. */
  private waitKey(a: Alert): number | undefined {
    let max: number | undefined;
    for (const [k, v] of Object.entries(a.values)) {
      if (!WAIT_VALUE.test(k)) continue;
      const w = v * 1000 - a.activeAt;
      if (max === undefined || w > max) max = w;
    }
    return max;
  }

  /** An alert enters a group: sent with its next notification, or held back while inhibited. */
  private join(g: Group, a: Alert): void {
    a.group = g;
    if (this.inhibitor(a)) {
      a.slot = 'held';
      g.held.set(a.key, a);
      if (a.listed) g.listedOut.add(a);
      return;
    }
    this.enterFiring(g, a);
    if (a.listed) g.listedOut.delete(a);
    else g.joins.add(a);
  }

  /** An alert leaves its group's firing or held members (resolved). */
  private leave(g: Group, a: Alert): void {
    if (a.slot === 'firing') this.leaveFiring(g, a);
    else if (a.slot === 'held') g.held.delete(a.key);
    a.slot = undefined;
    g.joins.delete(a);
    if (a.listed) g.listedOut.add(a);
  }

  /** Its end is no news (handed over, not confirmed after a restart): its run ends with the last notification, without a resolved one. */
  private leaveQuietly(a: Alert): void {
    a.notified = false;
    const g = a.group;
    if (!g || !a.listed) return;
    g.listedOut.delete(a);
    this.endRun(g, a);
  }

  private enterFiring(g: Group, a: Alert): void {
    a.slot = 'firing';
    g.firing.set(a.key, a);
    this.count(g, a, 1);
    this.index(g, a);
  }

  /** (Re)enters a firing member in the group's heaps; its older entries go stale. */
  private index(g: Group, a: Alert): void {
    a.stamp++;
    const w = this.waitKey(a);
    if (w !== undefined) g.waits.push(w, a);
    g.starts.push(-a.activeAt, a);
  }

  private leaveFiring(g: Group, a: Alert): void {
    g.firing.delete(a.key);
    this.count(g, a, -1);
    a.stamp++;
    // Stale entries are dropped as they surface; churn without notifications could pile them up.
    if (g.starts.size > 2 * g.firing.size + 64) {
      g.starts.rebuild(g.firing.values(), (m) => -m.activeAt);
      g.waits.rebuild(g.firing.values(), (m) => this.waitKey(m));
    }
  }

  private count(g: Group, a: Alert, d: 1 | -1): void {
    for (const [label, m] of g.counts) {
      const raw = a.labels[label];
      if (!raw) continue;
      const n = (m.get(raw) ?? 0) + d;
      if (n > 0) m.set(raw, n);
      else m.delete(raw);
    }
    g.severities[SEVERITY_RANK[a.severity]]! += d;
  }

  /** A detector confirmed the condition with new numbers: the group's counts follow. */
  private update(a: Alert, severity: AlertSeverity, labels: Record<string, string>, values: Record<string, number>): void {
    const g = a.group;
    const firing = g !== undefined && a.slot === 'firing';
    if (firing) this.count(g, a, -1);
    a.severity = severity;
    a.labels = labels;
    Object.assign(a.values, values);
    if (!firing) {
      if (g && a.slot === 'held') this.setHeld(g, a, this.inhibitor(a) !== undefined);
      return;
    }
    this.count(g, a, 1);
    this.index(g, a);
    // New labels may match another inhibiting alert.
    this.setHeld(g, a, this.inhibitor(a) !== undefined);
  }

  /** Re-reads which members are held back, after an inhibiting alert started or ended (rare: O(alerts)). */
  private refreshInhibition(): void {
    this.inhibitionDirty = false;
    for (const a of this.alerts.values()) {
      const g = a.group;
      if (!g || !a.slot) continue;
      this.setHeld(g, a, this.inhibitor(a) !== undefined);
    }
  }

  private setHeld(g: Group, a: Alert, held: boolean): void {
    if (!a.slot || held === (a.slot === 'held')) return;
    if (held) {
      this.leaveFiring(g, a);
      a.slot = 'held';
      g.held.set(a.key, a);
      g.joins.delete(a);
      if (a.listed) g.listedOut.add(a);
    } else {
      g.held.delete(a.key);
      this.enterFiring(g, a);
      if (a.listed) g.listedOut.delete(a);
      else g.joins.add(a);
    }
  }

  /** The key of a firing alert that holds this one back, if any. */
  private inhibitor(a: Alert): string | undefined {
    for (let i = 0; i < this.inhibit.length; i++) {
      const rule = this.inhibit[i]!;
      if (!rule.targetRules.includes(a.rule.name)) continue;
      const set = this.sources[i]!.get(equalKey(rule.equal, a.labels));
      if (set && set.size > 0) return set.values().next().value;
    }
    return undefined;
  }

  private sourceIndex(a: Alert, firing: boolean): void {
    for (let i = 0; i < this.inhibit.length; i++) {
      const rule = this.inhibit[i]!;
      if (!rule.sourceRules.includes(a.rule.name)) continue;
      const k = equalKey(rule.equal, a.labels);
      const m = this.sources[i]!;
      let set = m.get(k);
      if (firing) {
        if (!set) {
          m.set(k, (set = new Set()));
          this.inhibitionDirty = true;
        }
        set.add(a.key);
      } else if (set) {
        set.delete(a.key);
        if (set.size === 0) {
          m.delete(k);
          this.inhibitionDirty = true;
        }
      }
    }
  }

  private instance(a: Alert, state: 'firing' | 'resolved', endsAt?: number): AlertInstance {
    const i: AlertInstance = {
      id: a.id,
      key: a.key,
      rule: a.rule.name,
      state,
      severity: a.severity,
      brand: a.brand,
      summary: state === 'resolved' ? (a.endSummary ?? `Resolved: ${a.summary}`) : a.summary,
      labels: a.labels,
      values: { ...a.values },
      startsAt: a.activeAt,
    };
    if (endsAt !== undefined) i.endsAt = endsAt;
    if (a.link !== undefined) i.link = a.link;
    if (a.query !== undefined) i.query = a.query;
    return i;
  }

  private record(a: Alert, state: AlertRowState, at: number, extra: { endedAt?: number; inhibitedBy?: string | undefined; reason?: string; summary?: string } = {}): void {
    const r: AlertRecord = {
      state,
      at,
      alertId: a.id,
      alertKey: a.key,
      rule: a.rule.name,
      brand: a.brand,
      severity: a.severity,
      startedAt: a.activeAt,
      summary: extra.summary ?? a.summary,
      labels: a.labels,
      values: { ...a.values },
      inhibited: extra.inhibitedBy !== undefined,
      count: 1,
    };
    if (a.link !== undefined) r.link = a.link;
    if (a.query !== undefined) r.query = a.query;
    if (extra.endedAt !== undefined) r.endedAt = extra.endedAt;
    if (extra.inhibitedBy !== undefined) r.inhibitedBy = extra.inhibitedBy;
    if (extra.reason !== undefined) r.reason = extra.reason;
    if (a.rule.notify && state !== 'pending' && state !== 'inactive') r.groupKey = this.groupKeyOf(a);
    this.hooks.record(r);
  }

  private groupKeyOf(a: Alert): string {
    return a.group?.key ?? groupIdentity(a).key;
  }
}

/** A rule's alerts of one brand (and of equal group_by labels) are one group: `rule|brand=b|channel=c`. */
function groupIdentity(a: Alert): { key: string; labels: Record<string, string> } {
  const labels: Record<string, string> = { brand: a.brand };
  for (const l of a.rule.groupBy) if (l !== 'brand') labels[l] = a.labels[l] ?? '';
  return { key: [a.rule.name, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)].join('|'), labels };
}

function equalKey(labels: readonly string[], values: Record<string, string>): string {
  return labels.map((l) => values[l] ?? '').join('\u0000');
}

function defaultGroupSummary(g: GroupInfo, v: GroupView): string {
  if (v.firing === 0) return `Resolved: ${v.resolved.length} ${g.rule} alerts for ${g.brand}`;
  const more = v.firing > 1 ? ` (and ${v.firing - 1} more)` : '';
  return `${v.firing} ${g.rule} alerts firing for ${g.brand}: ${v.sample[0]?.summary ?? ''}${more}`;
}

/** Values that say how long someone has waited (the longest wait of a group). */
const WAIT_VALUE = /(wait|silen|gap|quiet)[a-z_]*secs$/;
