/**
 * @module alert/stage
 * The alert engine as a pipeline stage. It reads the detections earlier stages pushed, evaluates
 * the view thresholds, runs the lifecycle on the pipeline clock (event time in replays, the live
 * clock every 250 ms in live mode), stores every transition in the `alerts` table in the batch's
 * transaction, and only after that commit hands notifications to the sinks, which send in the
 * background: a slow or failing sink never holds the pipeline. Delivery outcomes come back as rows
 * with the next batch or tick.
 *
 * @example
 * const stage = await AlertStage.create({ config: cfg.alerts, db, clock, live: true });
 * const pipeline = new Pipeline({ writer, stages: [...detectors, stage], live: true, clock });
 */
import type { Clock } from '../contract/clock.js';
import type { Detection, Stage, StageContext, CommitInfo } from '../pipeline/stage.js';
import type { Database } from '../store/database.js';
import { TableAppender } from '../store/appender.js';
import type { TableRow } from '../store/rows.js';
import { AlertsConfig } from './config.js';
import { SinkQueue, type DeliveryOutcome, type RetryOptions } from './dispatch.js';
import { AlertEngine, type AlertRecord, type GroupInfo, type MemberChange, type RestoredAlert, type Signal } from './engine.js';
import { DEFAULT_DRILLDOWN, LinkBuilder, serverUrl, type Drilldown } from './link.js';
import { ALERT_MEMBERS_TABLE, memberRow, outcomeRow, transitionRow } from './rows.js';
import { detectionSignals, inhibitSettings, ruleConfig, ruleSettings } from './rules.js';
import type { AlertInstance, AlertNotification, AlertSink } from './sink.js';
import { buildSinks, queueSinks, type BuildSinksOptions } from './sinks/build.js';
import { groupSummary } from './summary.js';
import { ViewThresholdCheck } from './view-threshold.js';

export const ALERTS_TABLE = 'alerts';

/** Why a replay resolves a taken-back alert that no detector reported again. */
export const RECONCILE_REASON =
  'no longer holds: when the pipeline ran again over the stored data (ingest re-run or the next file), its detector did not report it again';

export interface AlertStageOptions {
  /** The `alerts` section (parsed; defaults applied). */
  config: AlertsConfig;
  /** For view thresholds and for storing delivery outcomes that arrive after the last batch. */
  db?: Database;
  clock: Clock;
  live: boolean;
  /** The database path, so CLI links open the right file. */
  databasePath?: string;
  /** Where the crisiscx server of this pipeline is reached (links), unless alerts.link_base_url says. */
  serverUrl?: string;
  /** Use these sinks instead of the configured ones (tests, embedding). */
  sinks?: AlertSink[];
  /** Retry settings for `sinks` given above. */
  retry?: Partial<RetryOptions> & { queueSize?: number };
  /** Passed to the sink builder (env for secrets, stdout stream, the Kafka sink factory). */
  build?: BuildSinksOptions;
  /** Wall clock for `recorded_at` and delivery times. */
  wall?: () => number;
}

export class AlertStage implements Stage {
  readonly name = 'alerts';
  readonly engine: AlertEngine;
  readonly queues: SinkQueue[];
  private readonly config: AlertsConfig;
  private readonly clock: Clock;
  private readonly live: boolean;
  private readonly wall: () => number;
  private readonly links: LinkBuilder;
  /** How many detections of a context were read (onEvents and onTick share one context in replays). */
  private readonly consumed = new WeakMap<Detection[], number>();
  /** Notifications to send once the context they were made in has committed. */
  private readonly outbox = new WeakMap<Detection[], AlertNotification[]>();
  /** Signals waiting for the engine to reach their time (replays trail the watermark). */
  private buffer: Signal[] = [];
  /** Replays: alerts were taken back, and the first drain decides which still hold. */
  private reconcilePending = false;
  private records: AlertRecord[] = [];
  private members: MemberChange[] = [];
  private notifications: AlertNotification[] = [];
  private outcomes: { o: DeliveryOutcome; at: number }[] = [];
  /** Last error message per view threshold, so a broken query is recorded once, not every minute. */
  private readonly checkErrors = new Map<string, string>();
  private closed = false;

  private constructor(
    options: AlertStageOptions,
    queues: SinkQueue[],
    private readonly checks: ViewThresholdCheck[],
    private readonly db: Database | undefined,
  ) {
    this.config = options.config;
    this.clock = options.clock;
    this.live = options.live;
    this.wall = options.wall ?? Date.now;
    this.queues = queues;
    this.links = new LinkBuilder({ baseUrl: options.config.link_base_url ?? options.serverUrl, template: options.config.link_template, database: options.databasePath });
    this.engine = new AlertEngine({
      rules: ruleSettings(options.config),
      inhibit: inhibitSettings(options.config),
      hooks: {
        record: (r) => this.records.push(r),
        notify: (n) => this.notifications.push(n),
        member: (c) => this.members.push(c),
        alertLink: (a) => this.alertLink(a),
        groupLink: (g) => this.groupLink(g),
        groupSummary,
      },
      maxListed: options.config.max_alerts_listed,
      // Live: a clock far ahead of the last tick (downtime, a backlog) pages once per group, not once per missed repeat.
      catchUp: options.live ? 'coalesce' : 'step',
    });
  }

  /** Checks the view thresholds against the database and builds the sinks; config errors throw here, at start. */
  static async create(options: AlertStageOptions): Promise<AlertStage> {
    const config = AlertsConfig.parse(options.config);
    const checks: ViewThresholdCheck[] = [];
    const enabled = config.view_thresholds.filter((v) => v.enabled);
    if (enabled.length > 0 && !options.db) throw new Error('alerts.view_thresholds need the database: pass db to AlertStage.create');
    try {
      for (const v of enabled) checks.push(await ViewThresholdCheck.prepare(options.db!, v));
    } catch (err) {
      for (const c of checks) c.close();
      throw err;
    }
    let stage: AlertStage | undefined;
    const onOutcome = (o: DeliveryOutcome) => stage?.outcome(o);
    let queues: SinkQueue[];
    if (options.sinks) {
      queues = options.sinks.map((s) => new SinkQueue(s, { ...options.retry, onOutcome }));
    } else {
      queues = queueSinks(await buildSinks(config.sinks, options.build), onOutcome);
    }
    stage = new AlertStage({ ...options, config }, queues, checks, options.db);
    if (options.db) await stage.restore(options.db);
    return stage;
  }

  /**
   * Takes back what was firing when the pipeline last stopped (see AlertEngine.restore), so new
   * data continues those alerts instead of leaving them open for ever beside new ones. Live: on
   * the clock, with restore_grace_secs for the detectors to confirm them. Replays (ingest again,
   * the next file): at the end of the stored data; the detectors report what still holds with
   * their first batch, and what none confirms is resolved then (see drain). An alert of a rule
   * that is no longer configured cannot be judged again: it is resolved at once, saying so.
   */
  private async restore(db: Database): Promise<void> {
    const rows = await db.query<Record<string, unknown>>(
      // listed: its last membership change is a join, so its run of notifications goes on.
      `SELECT e.alert_id, e.alert_key, e.rule, e.brand, e.severity, e.summary, e.labels, e.measures, e.link, e.query,
              epoch_ms(e.started_at) AS started_ms, e.first_notified_at IS NOT NULL AS notified,
              coalesce(m.last_change = 'joined', false) AS listed, g.ms AS group_notified_ms, g.id AS group_notification_id
       FROM alert_episodes e
       LEFT JOIN (SELECT alert_id, arg_max(change, (ts, change = 'left')) AS last_change FROM alert_notification_members GROUP BY alert_id) m USING (alert_id)
       LEFT JOIN (SELECT alert_key, epoch_ms(max(ts)) AS ms, arg_max(alert_id, (ts, alert_id)) AS id FROM alerts WHERE state = 'notified' GROUP BY alert_key) g
         ON g.alert_key = e.group_key
       WHERE e.state = 'firing'`,
    );
    if (rows.length === 0) return;
    let now = this.clock.now();
    if (!this.live) {
      const end = await db.query<{ t: number | bigint | null }>('SELECT epoch_ms(max(ts)) AS t FROM events');
      now = Math.max(Number(end[0]?.t ?? 0), ...rows.map((r) => Number(r.started_ms)));
      this.reconcilePending = true;
    }
    const parse = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : ({} as T));
    const restored: RestoredAlert[] = rows.map((r) => ({
      id: String(r.alert_id),
      key: String(r.alert_key),
      rule: String(r.rule),
      brand: String(r.brand),
      severity: r.severity as AlertInstance['severity'],
      summary: String(r.summary ?? ''),
      labels: parse<Record<string, string>>(r.labels),
      values: parse<Record<string, number>>(r.measures),
      link: r.link === null ? undefined : String(r.link),
      query: r.query === null || r.query === undefined ? undefined : String(r.query),
      startsAt: Number(r.started_ms),
      notified: r.notified === true,
      listed: r.listed === true,
      ...(r.group_notified_ms === null || r.group_notified_ms === undefined ? {} : { groupNotifiedAt: Number(r.group_notified_ms), groupNotificationId: String(r.group_notification_id) }),
    }));
    for (const r of restored.filter((x) => !this.engine.rule(x.rule))) {
      this.records.push({
        state: 'resolved',
        at: now,
        alertId: r.id,
        alertKey: r.key,
        rule: r.rule,
        brand: r.brand,
        severity: r.severity,
        startedAt: r.startsAt,
        endedAt: now,
        summary: r.summary,
        labels: r.labels,
        values: r.values,
        inhibited: false,
        count: 1,
        reason: `its rule ${r.rule} is no longer enabled in alerts.rules or alerts.view_thresholds, so nothing judges it any more`,
      });
    }
    this.engine.restore(restored, now, this.live ? this.config.restore_grace_secs * 1000 : Number.POSITIVE_INFINITY);
  }

  /** Alerts pending or firing now (live page, tests). */
  active(): AlertInstance[] {
    return this.engine.active();
  }

  private outcome(o: DeliveryOutcome): void {
    const at = this.live ? this.clock.now() : (o.notification.at ?? this.engine.now);
    this.outcomes.push({ o, at });
  }

  private alertLink(a: AlertInstance): Drilldown | undefined {
    const view = this.config.view_thresholds.find((v) => v.name === a.rule);
    if (view) return this.links.linkSql(view.query.trim(), { brand: a.brand, rule: a.rule, key: a.key });
    const cfg = ruleConfig(this.config, a.rule) as { drilldown_sql?: string } | undefined;
    const sql = cfg?.drilldown_sql ?? DEFAULT_DRILLDOWN[a.rule]?.alert;
    return sql ? this.links.link(sql, { ...a.labels, brand: a.brand, rule: a.rule, key: a.key }) : undefined;
  }

  private groupLink(g: GroupInfo): Drilldown | undefined {
    const view = this.config.view_thresholds.find((v) => v.name === g.rule);
    if (view) return this.links.linkSql(view.query.trim(), { brand: g.brand, rule: g.rule, key: g.key });
    const cfg = ruleConfig(this.config, g.rule) as { group_drilldown_sql?: string } | undefined;
    const sql = cfg?.group_drilldown_sql ?? DEFAULT_DRILLDOWN[g.rule]?.group;
    return sql ? this.links.link(sql, { ...g.labels, rule: g.rule, key: g.key }) : undefined;
  }

  onEvents(_events: unknown, ctx: StageContext): void {
    this.collect(ctx);
    // Live: what a reply resolved is evaluated at once; replays wait for the batch's watermark tick.
    if (this.live) this.drain(this.clock.now());
    this.emit(ctx);
  }

  async onTick(now: number, ctx: StageContext): Promise<void> {
    this.collect(ctx);
    await this.runChecks(now, ctx);
    this.drain(this.live ? now : now - this.config.replay_hold_secs * 1000);
    this.emit(ctx);
  }

  async onFlush(now: number, ctx: StageContext): Promise<void> {
    this.collect(ctx);
    await this.runChecks(now, ctx);
    this.drain(now);
    this.emit(ctx);
  }

  /** Takes the detections of the context not read yet into the buffer. */
  private collect(ctx: StageContext): void {
    const from = this.consumed.get(ctx.detections) ?? 0;
    const warnings = this.config.rules.customer_silence.warnings;
    const clockNow = this.live ? this.clock.now() : Number.POSITIVE_INFINITY;
    for (let i = from; i < ctx.detections.length; i++) {
      for (const s of detectionSignals(ctx.detections[i]!, warnings)) {
        // Live: a detection dated after the clock (an event with a future timestamp) must not drag
        // the engine's time ahead and fire every timer early: it counts as happening now.
        if (s.at > clockNow) s.at = clockNow;
        this.buffer.push(s);
      }
    }
    this.consumed.set(ctx.detections, ctx.detections.length);
  }

  /**
   * Runs the engine up to `target` with the buffered signals dated up to it, in time order. In
   * replays the target trails the watermark by replay_hold_secs, so a detection a detector decides
   * late (a spike confirmed after its allowed lateness, in the next batch) still takes its place in
   * time before the engine moves past it.
   */
  private drain(target: number): void {
    if (this.reconcilePending) {
      // The first drain of a replay that took alerts back: the detectors' reports of what still
      // holds at the end of the stored data (dated up to it) are in; the rest no longer holds.
      this.reconcilePending = false;
      const end = this.engine.now;
      const before = this.buffer.filter((s) => s.at <= end);
      this.buffer = this.buffer.filter((s) => s.at > end);
      this.engine.apply(before, end);
      this.engine.reconcileRestored(RECONCILE_REASON);
    }
    const to = Math.max(target, this.engine.now);
    const ready: Signal[] = [];
    const rest: Signal[] = [];
    for (const s of this.buffer) (s.at <= to ? ready : rest).push(s);
    this.buffer = rest;
    if (ready.length > 0 || to > this.engine.now) this.engine.apply(ready, to);
  }

  private async runChecks(now: number, ctx: StageContext): Promise<void> {
    for (const check of this.checks) {
      if (!check.due(now)) continue;
      try {
        this.buffer.push(...(await check.run(now)));
        this.checkErrors.delete(check.rule.name);
      } catch (err) {
        const msg = (err as Error).message;
        if (this.checkErrors.get(check.rule.name) !== msg) {
          this.checkErrors.set(check.rule.name, msg);
          ctx.emit(ALERTS_TABLE, {
            ts: now,
            recorded_at: this.wall(),
            state: 'error',
            alert_id: `${check.rule.name}@${new Date(now).toISOString()}`,
            alert_key: check.rule.name,
            rule: check.rule.name,
            brand: '*',
            severity: check.rule.severity ?? 'warning',
            summary: `the query of view threshold ${check.rule.name} failed; the rule is not evaluated until it runs again`,
            reason: msg,
          });
        }
      }
    }
  }

  /** Moves what the engine produced into the context: rows now, notifications once committed. */
  private emit(ctx: StageContext): void {
    const notify = this.queues.length > 0 && (ctx.live || this.config.notify_replays);
    const sinkNames = notify ? this.queues.map((q) => q.sink.name).join(',') : '';
    const recordedAt = this.wall();
    for (const r of this.records) ctx.emit(ALERTS_TABLE, transitionRow(r, recordedAt, r.state === 'notified' ? sinkNames : undefined));
    this.records = [];
    for (const c of this.members) ctx.emit(ALERT_MEMBERS_TABLE, memberRow(c));
    this.members = [];
    for (const { o, at } of this.outcomes) ctx.emit(ALERTS_TABLE, outcomeRow(o, at));
    this.outcomes = [];
    if (this.notifications.length > 0) {
      if (notify) {
        const list = this.outbox.get(ctx.detections);
        if (list) list.push(...this.notifications);
        else this.outbox.set(ctx.detections, this.notifications);
      }
      this.notifications = [];
    }
  }

  afterCommit(info: CommitInfo): void {
    const ns = this.outbox.get(info.detections);
    if (!ns) return;
    this.outbox.delete(info.detections);
    for (const q of this.queues) q.enqueue(ns);
  }

  /** Waits (up to `drain_on_close_ms`) for the sinks, and stores the outcomes that came after the last batch. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.queues.map((q) => q.close(this.config.drain_on_close_ms)));
    for (const c of this.checks) c.close();
    if (this.outcomes.length > 0 && this.db) {
      const rows: TableRow[] = this.outcomes.map(({ o, at }) => outcomeRow(o, at));
      this.outcomes = [];
      try {
        const appender = await TableAppender.create(this.db.connection, ALERTS_TABLE);
        await appender.append(this.db.connection, rows);
      } catch (err) {
        process.emitWarning(`alerts: could not store ${rows.length} delivery outcomes at shutdown: ${(err as Error).message}`);
      }
    }
  }
}

/** The stage factory registered in src/pipeline/stages.ts. */
export async function alertStage(deps: {
  config: { alerts: AlertsConfig; database: string; serve: { enabled: boolean; host: string; port: number } };
  db: Database;
  clock: Clock;
  live: boolean;
}): Promise<AlertStage | undefined> {
  if (!deps.config.alerts.enabled) return undefined;
  const serve = deps.config.serve;
  return AlertStage.create({
    config: deps.config.alerts,
    db: deps.db,
    clock: deps.clock,
    live: deps.live,
    databasePath: deps.config.database,
    ...(serve.enabled ? { serverUrl: serverUrl(serve.host, serve.port) } : {}),
  });
}

