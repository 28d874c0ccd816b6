/**
 * @module detect/spikes/stage
 * The spike stage: counts upset inbound messages (env.upset, set by the score stage) per bucket,
 * judges closed buckets (on the replay watermark, or on the clock in live mode), stores every change
 * of a spike in `spike_updates` and pushes `spike` detections for the alert engine and for the
 * silence stage (brand silence needs to know a crisis runs).
 *
 * On start it relearns the stored history (`history_days` of `messages`), so a restart keeps its
 * baseline and its open spikes, and reports only what differs from the stored spikes.
 *
 * A live instance of a Kafka scale-out group runs ScaleOutSpikeStage (scale-out.ts) instead: its
 * own events are only a share of each brand.
 *
 * @example
 * const stage = await createSpikeStage({ config: parsePipelineConfig({}), db, clock, live: false });
 */
import type { Clock } from '../../contract/clock.js';
import type { Envelope } from '../../contract/records.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import type { Stage, StageContext } from '../../pipeline/stage.js';
import type { Database } from '../../store/database.js';
import { configHash } from '../crisis/settings.js';
import { liveRetentionMs, SpikeDetector, type BucketCounts, type SpikeRecord } from './detector.js';
import { SPIKE_UPDATES_TABLE, spikeUpdateRow } from './rows.js';
import { ScaleOutSpikeStage } from './scale-out.js';
import { instanceId } from '../../sources/kafka/aggregates.js';
import { brandFeedFor } from '../../sources/kafka/brand-feed.js';
import { scaleOutSource } from '../../sources/kafka/config.js';

export { SPIKE_UPDATES_TABLE } from './rows.js';

const DAY = 86_400_000;

export interface SpikeStageDeps {
  config: PipelineConfig;
  db?: Database;
  clock?: Clock;
  live: boolean;
  /** Wall clock for recorded_at. */
  wall?: () => number;
}

export class SpikeStage implements Stage {
  readonly name = 'spikes';
  private seq: number;

  constructor(
    readonly detector: SpikeDetector,
    private readonly hash: string,
    firstSeq = 1,
    private readonly wall: () => number = Date.now,
  ) {
    this.seq = firstSeq;
  }

  onEvents(events: Envelope[], ctx: StageContext): void {
    for (const env of events) {
      const e = env.event;
      if (e.type !== 'message' || e.direction !== 'inbound') continue;
      this.detector.observe(e.brand, e.channel, e.ts, env.upset?.label === 'upset');
    }
    this.drain(ctx);
  }

  onTick(now: number, ctx: StageContext): void {
    this.detector.advance(now);
    this.drain(ctx);
  }

  onFlush(now: number, ctx: StageContext): void {
    this.detector.flush(Math.max(now, this.detector.watermark));
    this.drain(ctx);
  }

  private drain(ctx: StageContext): void {
    const { updates, detections } = this.detector.drain();
    const recorded = this.wall();
    for (const u of updates) ctx.emit(SPIKE_UPDATES_TABLE, spikeUpdateRow(u, this.seq++, recorded, this.hash));
    ctx.detections.push(...detections);
  }
}


const num = (v: unknown): number => (v === null || v === undefined ? Number.NaN : Number(v));
const ms = (v: unknown): number | null => (v === null || v === undefined ? null : v instanceof Date ? v.getTime() : Date.parse(String(v)));

/** Relearns the stored history into the detector (see SpikeDetector.restore). */
export async function restoreSpikes(db: Database, detector: SpikeDetector, reportOpen = false): Promise<void> {
  const cfg = detector.config;
  const bucketMs = cfg.bucket_secs * 1000;
  const bounds = await db.query<{ lo: Date | null; hi: Date | null }>("SELECT min(ts) AS lo, max(ts) AS hi FROM messages WHERE direction = 'inbound'");
  const lo = ms(bounds[0]?.lo);
  const hi = ms(bounds[0]?.hi);
  if (lo === null || hi === null) return;
  const from = Math.max(lo, hi - cfg.history_days * DAY);
  const rows = await db.query<{ brand: string; channel: string; b: bigint; inbound: bigint; upset: bigint }>(
    `SELECT brand, channel, (epoch_ms(ts) // $1) * $1 AS b, count(*) AS inbound, count(*) FILTER (WHERE upset_label = 'upset') AS upset
     FROM messages
     WHERE direction = 'inbound' AND ts >= make_timestamptz($2::BIGINT * 1000)
     GROUP BY ALL
     ORDER BY b`,
    [bucketMs, from],
  );
  const history: BucketCounts[] = rows.map((r) => ({ brand: r.brand, channel: r.channel, bucketStart: Number(r.b), inbound: Number(r.inbound), upset: Number(r.upset) }));
  // Where history was cut, spikes near the cut were judged on more data than is relearnt: leave
  // them as stored, and compare only what ended (or runs) well after it.
  const cut = lo < from;
  const settled = cut ? from + Math.max(DAY, cfg.warmup_buckets * bucketMs) : Number.NEGATIVE_INFINITY;
  const stored = (
    await db.query<Record<string, unknown>>(
      `SELECT spike_id, brand, channel, started_at, detected_at, peak_at, peak_upset, baseline, magnitude, peak_z, ended_at, end_detected_at, bucket_secs
       FROM spikes WHERE started_at >= make_timestamptz($1::BIGINT * 1000)`,
      [from],
    )
  )
    .map(
      (r): SpikeRecord => ({
        spikeId: String(r.spike_id),
        brand: String(r.brand),
        channel: String(r.channel),
        startedAt: ms(r.started_at)!,
        detectedAt: ms(r.detected_at)!,
        peakAt: ms(r.peak_at)!,
        peakUpset: num(r.peak_upset),
        baseline: num(r.baseline),
        magnitude: num(r.magnitude),
        peakZ: num(r.peak_z),
        endedAt: ms(r.ended_at),
        endDetectedAt: ms(r.end_detected_at),
        bucketSecs: num(r.bucket_secs),
      }),
    )
    .filter((r) => r.endDetectedAt === null || r.endDetectedAt > settled);
  // Judge as far as the previous run did: the last bucket with data, or further where its clock went.
  const judged = await db.query<{ u: Date | null }>('SELECT max(updated_at) AS u FROM spike_updates');
  const until = Math.max((Math.floor(hi / bucketMs) + 1) * bucketMs, ms(judged[0]?.u) ?? 0);
  detector.restore(history, stored, until, settled, reportOpen);
}

/** Stage factory (pipeline/stages.ts). */
export async function createSpikeStage(deps: SpikeStageDeps): Promise<Stage | undefined> {
  const cfg = deps.config.detect.spikes;
  if (!cfg.enabled) return undefined;
  // One of several instances of a Kafka group: judged on the combined counts, by the brand's owner.
  const scaleOut = deps.live ? scaleOutSource(deps.config) : undefined;
  if (scaleOut && deps.db) {
    const r = await deps.db.query<{ s: bigint | null }>('SELECT max(seq) AS s FROM spike_updates');
    return new ScaleOutSpikeStage({
      config: cfg,
      feed: brandFeedFor(deps.db),
      hash: configHash(deps.config),
      firstSeq: Number(r[0]?.s ?? 0) + 1,
      instance: instanceId(scaleOut.scale_out),
      lookbackSecs: scaleOut.scale_out.lookback_secs,
      ...(deps.wall ? { wall: deps.wall } : {}),
    });
  }
  const detector = new SpikeDetector(cfg, deps.live ? { retentionMs: liveRetentionMs(cfg) } : {});
  let firstSeq = 1;
  if (deps.db) {
    const r = await deps.db.query<{ s: bigint | null }>('SELECT max(seq) AS s FROM spike_updates');
    firstSeq = Number(r[0]?.s ?? 0) + 1;
    // Open spikes are reported again in replays too: the alert engine takes its open alerts back
    // there as well (ingest re-run, the next file) and resolves those no detector reports.
    await restoreSpikes(deps.db, detector, true);
  }
  return new SpikeStage(detector, configHash(deps.config), firstSeq, deps.wall);
}
