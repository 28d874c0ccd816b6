/**
 * @module detect/spikes/scale-out
 * The spike stage of one of several instances in a Kafka consumer group (`scale_out.enabled`,
 * live runs). An instance's own events are only its share of each brand, so it counts nothing
 * itself and relearns nothing from its own database. It judges the brands whose aggregates
 * partitions it owns (one owner per brand at a time), on the totals combined from every instance's
 * partial counts, fed by the combiner (sources/kafka/brand-feed.ts): spike rows, `spike`
 * detections and so alerts come from that owner only.
 *
 * Ownership moves when the combine group rebalances. Each assignment starts an epoch:
 * - brands that moved away: the alerts of their open spikes are released (`handover: release`):
 *   the alert engine forgets them without a page, the new owner carries them on;
 * - every brand owned now is rebuilt from scratch: the combiner reads `lookback_secs` of its
 *   partials and of its owners' spike reports back; once read (`caught_up`), the series are judged
 *   up to now and compared with the last reported state of each spike (SpikeDetector.restore), so
 *   only what the previous owner did not report is reported; its open spikes are adopted
 *   (`handover: adopt`): the alert engine takes them over as already notified. Brands are rebuilt
 *   a few at a time per pipeline tick (`REBUILD_BUDGET_MS`), so a long history never stalls the
 *   event loop (and with it the Kafka heartbeats) for long.
 * Counts older than the live retention (`history_days`, at least 2 days) behind the clock are
 * dropped, as a live detector drops counts that late.
 * After each commit, the owner publishes its spike changes to the brand's partition, which is what
 * the next owner reads back.
 *
 * @example
 * const stage = new ScaleOutSpikeStage({ config: cfg.detect.spikes, feed: brandFeedFor(db), hash, firstSeq: 1, instance: 'crisiscx-1', lookbackSecs: 86400 });
 */
import type { Detection, Stage, StageContext, CommitInfo } from '../../pipeline/stage.js';
import { TotalsToIncrements } from '../../sources/kafka/aggregates.js';
import type { BrandFeed } from '../../sources/kafka/brand-feed.js';
import type { SpikeChangeRecord } from '../../sources/kafka/brand-records.js';
import type { SpikesConfig } from './config.js';
import { liveRetentionMs, SpikeDetector, spikeDetection, type BucketCounts, type SpikeRecord, type SpikeUpdate } from './detector.js';
import { SPIKE_UPDATES_TABLE, spikeUpdateRow } from './rows.js';

export interface ScaleOutSpikeOptions {
  config: SpikesConfig;
  feed: BrandFeed;
  /** config_hash of the rows. */
  hash: string;
  firstSeq: number;
  /** This instance (the owner named in its reports). */
  instance: string;
  /** How far back the combiner reads an assignment again (scale_out.lookback_secs). */
  lookbackSecs: number;
  wall?: () => number;
  log?: (line: string) => void;
}

const FEED_NAME = 'spikes';
/** Time a tick may spend rebuilding brands before it lets the pipeline (and Kafka) go on. */
const REBUILD_BUDGET_MS = 100;

export class ScaleOutSpikeStage implements Stage {
  readonly name = 'spikes';
  detector: SpikeDetector;
  private deltas = new TotalsToIncrements();
  private epoch = 0;
  /** Until the current assignment is read back and its brands rebuilt. */
  private rebuilding = true;
  /** Counts read back, per brand, until the brand is rebuilt (all brands until caught up). */
  private history = new Map<string, BucketCounts[]>();
  /** Caught up: the brands of `history` are rebuilt a few per tick. */
  private caughtUp = false;
  private rebuildStats = { brands: 0, buckets: 0, reported: 0, adopted: 0 };
  /** Brands of this epoch already rebuilt (later reports about them are this instance's own). */
  private rebuilt = new Set<string>();
  /** The last reported state of each spike of the owned brands, from the reports read back. */
  private known = new Map<string, SpikeRecord>();
  private readonly retentionMs: number;
  /** Counts dropped as older than the live retention. */
  tooOld = 0;
  /** Aggregates partition of each brand (a brand's messages are all in one). */
  private readonly brandPartition = new Map<string, number>();
  /** Spike alerts this stage made fire in the alert engine and not ended yet, by detection key. */
  private readonly alerted = new Map<string, Detection>();
  /** Updates to publish once the context they were stored in has committed. */
  private readonly outbox = new WeakMap<Detection[], SpikeUpdate[]>();
  private seq: number;
  private readonly wall: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: ScaleOutSpikeOptions) {
    this.retentionMs = liveRetentionMs(options.config);
    this.detector = this.newDetector();
    this.seq = options.firstSeq;
    this.wall = options.wall ?? Date.now;
    this.log = options.log ?? ((line) => process.stderr.write(`crisiscx: ${line}\n`));
    options.feed.subscribe(FEED_NAME);
    options.feed.waitFor(FEED_NAME);
  }

  private newDetector(): SpikeDetector {
    return new SpikeDetector(this.options.config, { retentionMs: this.retentionMs });
  }

  onEvents(_events: unknown, ctx: StageContext): void {
    // The events themselves are this instance's share only: nothing to count here.
    const now = ctx.clock.now();
    this.pump(now, ctx);
    this.rebuildSome(now, ctx);
    this.drain(ctx);
  }

  onTick(now: number, ctx: StageContext): void {
    this.pump(now, ctx);
    this.rebuildSome(now, ctx);
    // Brands not rebuilt yet have no series: this judges the rebuilt ones.
    this.detector.advance(now);
    this.drain(ctx);
  }

  /** Shutting down: judge what is due, never a bucket still open (the next owner judges it whole). */
  onFlush(now: number, ctx: StageContext): void {
    this.onTick(now, ctx);
  }

  async afterCommit(info: CommitInfo): Promise<void> {
    const updates = this.outbox.get(info.detections);
    if (!updates) return;
    this.outbox.delete(info.detections);
    const records: SpikeChangeRecord[] = updates.map((u) => ({ kind: 'spike', brand: u.brand, owner: this.options.instance, update: u }));
    try {
      if (!(await this.options.feed.publish(records))) this.log(`spikes: ${records.length} spike changes not published to the aggregates topic (not connected); a new owner of their brands will not know them`);
    } catch (err) {
      this.log(`spikes: publishing ${records.length} spike changes to the aggregates topic failed (${(err as Error).message}); a new owner of their brands may report them again`);
    }
  }

  private pump(now: number, ctx: StageContext): void {
    for (const ev of this.options.feed.take(FEED_NAME, ctx.detections)) {
      switch (ev.type) {
        case 'assigned':
          this.assigned(ev.epoch, new Set(ev.partitions), ctx);
          break;
        case 'bucket': {
          if (ev.epoch !== this.epoch) break;
          const b = ev.bucket;
          this.brandPartition.set(b.brand, ev.partition);
          const d = this.deltas.next(b);
          if (!d) break;
          if (d.bucketStart < now - this.retentionMs) {
            this.tooOld++;
            break;
          }
          const c: BucketCounts = { brand: d.brand, channel: d.channel, bucketStart: d.bucketStart, inbound: d.inbound, upset: d.upset };
          const waiting = this.history.get(c.brand);
          if (waiting) waiting.push(c);
          else if (this.rebuilding && !this.caughtUp) this.history.set(c.brand, [c]);
          else this.detector.observeBucket(c);
          break;
        }
        case 'record': {
          if (ev.epoch !== this.epoch || !this.rebuilding || ev.record.kind !== 'spike' || this.rebuilt.has(ev.record.brand)) break;
          const u = ev.record.update;
          this.brandPartition.set(u.brand, ev.partition);
          if (u.update === 'retract') this.known.delete(u.spikeId);
          else this.known.set(u.spikeId, recordOf(u));
          break;
        }
        case 'caught_up':
          if (ev.epoch === this.epoch && this.rebuilding) this.caughtUp = true;
          break;
      }
    }
  }

  private assigned(epoch: number, owned: Set<number>, ctx: StageContext): void {
    for (const [key, d] of this.alerted) {
      const p = this.brandPartition.get(d.brand);
      if (p !== undefined && owned.has(p)) continue;
      // Another instance owns the brand now and carries its alerts on.
      this.push(ctx, { ...d, state: 'resolved', handover: 'release' });
      this.alerted.delete(key);
    }
    this.epoch = epoch;
    this.detector = this.newDetector();
    this.deltas = new TotalsToIncrements();
    this.history = new Map();
    this.known = new Map();
    this.rebuilding = true;
    this.caughtUp = false;
    this.rebuildStats = { brands: 0, buckets: 0, reported: 0, adopted: 0 };
    this.rebuilt = new Set();
  }

  /** Once the assignment is read back: rebuilds brands until the tick's budget is spent. */
  private rebuildSome(now: number, ctx: StageContext): void {
    if (!this.rebuilding || !this.caughtUp) return;
    const started = performance.now();
    for (const brand of this.history.keys()) {
      this.rebuildBrand(brand, now, ctx);
      if (performance.now() - started > REBUILD_BUDGET_MS) break;
    }
    if (this.history.size > 0) return;
    // Reports of brands with no counts read back (a spike whose counts all fell out of the window).
    for (const brand of new Set([...this.known.values()].map((r) => r.brand))) this.rebuildBrand(brand, now, ctx);
    this.rebuilding = false;
    this.caughtUp = false;
    this.known = new Map();
    const st = this.rebuildStats;
    this.options.feed.rebuilt(FEED_NAME, this.epoch);
    this.log(`spikes: ${st.brands} brands rebuilt from ${st.buckets} combined buckets; ${st.reported} spikes reported before, ${st.adopted} still open and taken over`);
  }

  /** Judges one brand up to now and reports only what differs from what was reported. */
  private rebuildBrand(brand: string, now: number, ctx: StageContext): void {
    const cfg = this.options.config;
    const bucketMs = cfg.bucket_secs * 1000;
    const history = (this.history.get(brand) ?? []).sort((a, b) => a.bucketStart - b.bucketStart);
    this.history.delete(brand);
    this.rebuilt.add(brand);
    // Spikes whose end was known before the read-back window plus the warm-up were judged on more
    // history than is read back: left as reported, as a restart does where history was cut.
    const settled = now - this.options.lookbackSecs * 1000 + cfg.warmup_buckets * bucketMs;
    const stored: SpikeRecord[] = [];
    for (const [id, r] of this.known) {
      if (r.brand !== brand) continue;
      this.known.delete(id);
      if (r.endDetectedAt === null || r.endDetectedAt > settled) stored.push(r);
    }
    for (const r of stored) {
      if (r.endedAt !== null) continue;
      // Notified by the previous owner: taken over without a page (a restart's restore does the same).
      this.push(ctx, { ...spikeDetection(r, 'firing'), handover: 'adopt' });
      this.rebuildStats.adopted++;
    }
    this.detector.restore(history, stored, now - cfg.allowed_lateness_secs * 1000, settled, false, brand);
    const st = this.rebuildStats;
    st.brands++;
    st.buckets += history.length;
    st.reported += stored.length;
  }

  private push(ctx: StageContext, d: Detection): void {
    if (d.kind === 'spike') {
      if (d.state === 'firing') this.alerted.set(d.key, d);
      else if (d.state === 'resolved') this.alerted.delete(d.key);
    }
    ctx.detections.push(d);
  }

  private drain(ctx: StageContext): void {
    const { updates, detections } = this.detector.drain();
    for (const d of detections) this.push(ctx, d);
    if (updates.length === 0) return;
    const recorded = this.wall();
    for (const u of updates) ctx.emit(SPIKE_UPDATES_TABLE, spikeUpdateRow(u, this.seq++, recorded, this.options.hash));
    const list = this.outbox.get(ctx.detections);
    if (list) list.push(...updates);
    else this.outbox.set(ctx.detections, updates);
  }
}

function recordOf(u: SpikeUpdate): SpikeRecord {
  return {
    spikeId: u.spikeId,
    brand: u.brand,
    channel: u.channel,
    startedAt: u.startedAt,
    detectedAt: u.detectedAt,
    peakAt: u.peakAt,
    peakUpset: u.peakUpset,
    baseline: u.baseline,
    magnitude: u.magnitude,
    peakZ: u.peakZ,
    endedAt: u.endedAt,
    endDetectedAt: u.endDetectedAt,
    bucketSecs: u.bucketSecs,
  };
}
