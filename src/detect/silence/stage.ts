/**
 * @module detect/silence/stage
 * The silence stage: customers waiting for a public reply, and the brand quiet in public during a
 * crisis, as `customer_silence` and `brand_silence` detections for the alert engine. Silence is the
 * absence of events, so in live mode the checks run on the clock (every pipeline tick, 250 ms);
 * in replays they run on event time, before each event is applied, so a breach that happened
 * before the reply in the same batch is still reported at its time.
 *
 * It learns that a crisis runs from the `spike` detections of the spike stage (registered before
 * it) and from incident events. On start it writes the rules view silence_gaps shares with it, and
 * rebuilds who is waiting from that view, so a restart forgets nobody.
 *
 * A live instance of a Kafka scale-out group judges brand silence only for the brands it owns, on
 * every instance's broadcasts and incidents (brand-scale-out.ts); customer silence stays here,
 * with the partition that holds the conversation.
 *
 * @example
 * const stage = await createSilenceStage({ config: parsePipelineConfig({}), db, clock, live: true });
 */
import type { Clock } from '../../contract/clock.js';
import type { MessageChannel, Severity } from '../../contract/events.js';
import type { Envelope } from '../../contract/records.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import type { CommitInfo, Detection, Stage, StageContext } from '../../pipeline/stage.js';
import type { DuckDBValue } from '@duckdb/node-api';
import type { Database } from '../../store/database.js';
import { instanceId } from '../../sources/kafka/aggregates.js';
import { brandFeedFor } from '../../sources/kafka/brand-feed.js';
import { scaleOutSource } from '../../sources/kafka/config.js';
import { ScaleOutBrandSilence } from './brand-scale-out.js';
import { applySilenceSettings } from './settings.js';
import { SilenceTracker, type RestoredConversation, type RestoredGap } from './tracker.js';

export interface SilenceStageDeps {
  config: PipelineConfig;
  db?: Database;
  clock: Clock;
  live: boolean;
}

export class SilenceStage implements Stage {
  readonly name = 'silence';
  /** How far each context's detections were read (spike detections feed the crisis state). */
  private readonly read = new WeakMap<Detection[], number>();

  constructor(
    readonly tracker: SilenceTracker,
    private readonly live: boolean,
    /** Kafka scale-out: brand silence of the owned brands, on combined facts (the tracker then has brand silence off). */
    private readonly brands?: ScaleOutBrandSilence,
  ) {}

  private consume(ctx: StageContext): void {
    // Scale-out: the brand-ownership changes of this context first (they decide where spikes go).
    const released = this.brands?.pump(ctx);
    const list = ctx.detections;
    for (let i = this.read.get(list) ?? 0; i < list.length; i++) {
      const d = list[i]!;
      if (d.kind !== 'spike') continue;
      if (this.brands) this.brands.spike(d);
      else this.tracker.spike(d);
    }
    this.read.set(list, list.length);
    if (released) this.publish(ctx, released);
  }

  private publish(ctx: StageContext, ds: Detection[]): void {
    if (ds.length === 0) return;
    ctx.detections.push(...ds);
    this.read.set(ctx.detections, ctx.detections.length);
  }

  onEvents(events: Envelope[], ctx: StageContext): void {
    this.consume(ctx);
    const t = this.tracker;
    for (const env of events) {
      const e = env.event;
      // Replays: time is event time, so checks due before this event run first.
      if (!this.live && e.ts > t.now) this.publish(ctx, t.advance(e.ts));
      switch (e.type) {
        case 'message':
          t.message({ brand: e.brand, conversationId: e.conversationId, channel: e.channel, direction: e.direction, ts: e.ts, public: e.public, customerId: e.customerId, text: e.text });
          break;
        case 'ticket':
          t.ticket({ brand: e.brand, conversationId: e.conversationId, ts: e.ts, action: e.action, severity: e.severity, status: e.status, customerId: e.customerId });
          break;
        case 'broadcast':
          t.broadcast(e.brand, e.ts);
          break;
        case 'incident':
          t.incident(e.brand, e.incidentId, e.action, e.ts);
          break;
        default:
          break;
      }
    }
    this.publish(ctx, t.drain());
  }

  onTick(now: number, ctx: StageContext): void {
    this.consume(ctx);
    this.publish(ctx, this.tracker.advance(now));
    if (this.brands) this.publish(ctx, this.brands.advance(now));
  }

  afterCommit(info: CommitInfo): Promise<void> | undefined {
    return this.brands?.afterCommit(info);
  }

  onFlush(now: number, ctx: StageContext): void {
    this.onTick(now, ctx);
  }
}

type Row = Record<string, unknown>;

/** A query's rows a chunk (about 2,048 rows) at a time. */
async function* streamRows(db: Database, sql: string, params: DuckDBValue[]): AsyncGenerator<Row[]> {
  const result = await db.connection.stream(sql, params);
  for await (const rows of result.yieldRowObjectJs()) yield rows as Row[];
}
const ms = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : v instanceof Date ? v.getTime() : Date.parse(String(v)));
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/**
 * Rebuilds the tracker from the stored data: who waits, who was answered lately, each brand's crisis
 * state. `reportOpen`: conditions still open are reported again, for the alert engine that takes its alerts back.
 */
export async function restoreSilence(db: Database, tracker: SilenceTracker, now: number | undefined, reportOpen = false): Promise<void> {
  const asOfRow = await db.query<{ as_of: Date | null }>('SELECT max(ts) AS as_of FROM events');
  const asOf = ms(asOfRow[0]?.as_of);
  if (asOf === undefined) return;
  const at = Math.max(now ?? asOf, asOf);
  const forget = tracker.config.customer.forget_after_secs;
  const abandon = tracker.config.customer.abandon_after_secs;
  // Streamed in chunks straight into the tracker's columns: a million waiting customers are never
  // a million row objects at once (that took over 1 GB at a restart).
  for await (const chunk of streamRows(
    db,
    `WITH r AS (
       SELECT brand, conversation_id, max(ts) FILTER (WHERE direction = 'outbound' AND public) AS last_reply_at,
              max(ts) FILTER (WHERE direction = 'inbound' OR public) AS last_at
       FROM messages WHERE ts >= make_timestamptz($1::BIGINT * 1000) GROUP BY ALL),
     t AS (
       SELECT brand, conversation_id,
         arg_max(action, (ts, id)) FILTER (WHERE action IN ('opened', 'reopened', 'solved', 'closed')) AS lifecycle,
         arg_max(severity, (ts, id)) FILTER (WHERE severity IS NOT NULL) AS severity, max(ts) AS last_at
       FROM tickets WHERE ts >= make_timestamptz($1::BIGINT * 1000) GROUP BY ALL)
     -- Activity as the live tracker counts it: internal notes are none.
     SELECT coalesce(r.brand, t.brand) AS brand, coalesce(r.conversation_id, t.conversation_id) AS conversation_id, r.last_reply_at,
            coalesce(t.lifecycle IN ('solved', 'closed'), false) AS solved, t.severity, greatest(r.last_at, t.last_at) AS last_at
     FROM r FULL JOIN t ON r.brand = t.brand AND r.conversation_id = t.conversation_id
     WHERE r.last_reply_at IS NOT NULL OR t.lifecycle IN ('solved', 'closed')`,
    [asOf - forget * 1000],
  )) {
    const conversations = chunk.map(
      (r): RestoredConversation => ({
        brand: String(r.brand),
        conversationId: String(r.conversation_id),
        lastReplyAt: ms(r.last_reply_at),
        solved: Boolean(r.solved),
        severity: str(r.severity) as Severity | undefined,
        at: ms(r.last_at) ?? asOf,
      }),
    );
    tracker.restore([], conversations, at, reportOpen);
  }
  // Open gaps, with the conversation's latest activity (abandon_after_secs counts from it). Those
  // idle that long by now were abandoned (by the run that stored them, or while nothing ran): not
  // taken back.
  const cutoff = abandon === null ? asOf - forget * 1000 : at - abandon * 1000;
  const gapSql = `WITH recent AS (
       SELECT brand, conversation_id, max(ts) AS last_at FROM (
         SELECT brand, conversation_id, ts FROM messages WHERE ts >= make_timestamptz($1::BIGINT * 1000) AND (direction = 'inbound' OR public)
         UNION ALL
         SELECT brand, conversation_id, ts FROM tickets WHERE ts >= make_timestamptz($1::BIGINT * 1000))
       GROUP BY ALL)
     SELECT g.brand, g.conversation_id, g.channel, g.customer_id, g.severity, g.started_at, g.inbound_count, g.paused, g.waited_seconds,
            greatest(g.started_at, r.last_at) AS last_at
     FROM silence_gaps g LEFT JOIN recent r USING (brand, conversation_id)
     WHERE g.open ${abandon === null ? '' : 'AND (g.started_at >= make_timestamptz($1::BIGINT * 1000) OR r.last_at IS NOT NULL)'}`;
  for await (const chunk of streamRows(db, gapSql, [cutoff])) {
    const gaps = chunk.map((r): RestoredGap => {
      const channel = String(r.channel) as MessageChannel;
      const startedAt = ms(r.started_at)!;
      const waited = Number(r.waited_seconds) * 1000;
      return {
        brand: String(r.brand),
        conversationId: String(r.conversation_id),
        channel,
        customerId: str(r.customer_id),
        severity: str(r.severity) as Severity | undefined,
        startedAt,
        inboundCount: Number(r.inbound_count),
        paused: Boolean(r.paused),
        pausedMs: Math.max(0, tracker.clockMsFor(channel, startedAt, asOf) - waited),
        ...(abandon === null ? {} : { lastActivityAt: ms(r.last_at) }),
      };
    });
    tracker.restore(gaps, [], at, reportOpen);
  }
  // Sorted here rather than by the queries (an ORDER BY over a million rows cost DuckDB ~60 MiB more).
  tracker.sortActivity();

  const brands = new Map<string, { last?: number; incidents: [string, number][]; spikes: [string, number, number][] }>();
  const brand = (b: string) => {
    let s = brands.get(b);
    if (!s) brands.set(b, (s = { incidents: [], spikes: [] }));
    return s;
  };
  for (const r of await db.query<Row>('SELECT brand, max(ts) AS last FROM broadcasts GROUP BY brand')) brand(String(r.brand)).last = ms(r.last);
  for (const r of await db.query<Row>(
    `SELECT brand, incident_id, min(ts) FILTER (WHERE action = 'declared') AS declared, max(ts) FILTER (WHERE action = 'resolved') AS resolved
     FROM incidents GROUP BY ALL`,
  )) {
    const d = ms(r.declared);
    const res = ms(r.resolved);
    if (d !== undefined && (res === undefined || res < d)) brand(String(r.brand)).incidents.push([String(r.incident_id), d]);
  }
  for (const r of await db.query<Row>('SELECT brand, channel, started_at, detected_at FROM spikes WHERE open')) {
    brand(String(r.brand)).spikes.push([`${String(r.brand)}|${String(r.channel)}`, ms(r.started_at)!, ms(r.detected_at)!]);
  }
  for (const [b, s] of brands) tracker.restoreBrand(b, s.last, s.incidents, s.spikes, reportOpen);
}

/** Stage factory (pipeline/stages.ts): writes the rules the view shares, then restores and returns the stage. */
export async function createSilenceStage(deps: SilenceStageDeps): Promise<Stage | undefined> {
  const cfg = deps.config.detect.silence;
  if (deps.db) await applySilenceSettings(deps.db, cfg);
  if (!cfg.customer.enabled && !cfg.brand.enabled) return undefined;
  const scaleOut = deps.live && deps.db ? scaleOutSource(deps.config) : undefined;
  const brands =
    scaleOut && cfg.brand.enabled ? new ScaleOutBrandSilence({ config: cfg, feed: brandFeedFor(deps.db!), instance: instanceId(scaleOut.scale_out) }) : undefined;
  const tracker = new SilenceTracker(scaleOut ? { ...cfg, brand: { ...cfg.brand, enabled: false } } : cfg);
  // Open conditions are reported again in replays too: the alert engine takes its open alerts back
  // there as well (ingest re-run, the next file) and resolves those no detector reports.
  if (deps.db) await restoreSilence(deps.db, tracker, deps.live ? deps.clock.now() : undefined, true);
  return new SilenceStage(tracker, deps.live, brands);
}
