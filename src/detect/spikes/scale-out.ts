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
 *   (`handover: adopt`): the alert engine takes them over as already notified.
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

export class ScaleOutSpikeStage implements Stage {
  readonly name = 'spikes';
  detector: SpikeDetector;
  private deltas = new TotalsToIncrements();
  private epoch = 0;
  /** Until the current assignment is read back: collect, judge nothing. */
  private rebuilding = true;
  private history: BucketCounts[] = [];
  /** The last reported state of each spike of the owned brands, from the reports read back. */
  private known = new Map<string, SpikeRecord>();
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
    this.detector = this.newDetector();
    this.seq = options.firstSeq;
    this.wall = options.wall ?? Date.now;
    this.log = options.log ?? ((line) => process.stderr.write(`crisiscx: ${line}\n`));
    options.feed.subscribe(FEED_NAME);
  }

  private newDetector(): SpikeDetector {
    return new SpikeDetector(this.options.config, { retentionMs: liveRetentionMs(this.options.config) });
  }

  /** True once the current assignment is read back and judged. */
  get judging(): boolean {
    return !this.rebuilding;
  }

  onEvents(_events: unknown, ctx: StageContext): void {
    // The events themselves are this instance's share only: nothing to count here.
    this.pump(ctx.clock.now(), ctx);
    this.drain(ctx);
  }

  onTick(now: number, ctx: StageContext): void {
    this.pump(now, ctx);
    if (!this.rebuilding) this.detector.advance(now);
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
          const c: BucketCounts = { brand: d.brand, channel: d.channel, bucketStart: d.bucketStart, inbound: d.inbound, upset: d.upset };
          if (this.rebuilding) this.history.push(c);
          else this.detector.observeBucket(c);
          break;
        }
        case 'record': {
          if (ev.epoch !== this.epoch || !this.rebuilding || ev.record.kind !== 'spike') break;
          const u = ev.record.update;
          this.brandPartition.set(u.brand, ev.partition);
          if (u.update === 'retract') this.known.delete(u.spikeId);
          else this.known.set(u.spikeId, recordOf(u));
          break;
        }
        case 'caught_up':
          if (ev.epoch === this.epoch && this.rebuilding) this.rebuild(now, ctx);
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
    this.history = [];
    this.known = new Map();
    this.rebuilding = true;
  }

  /** The assignment is read back: judge up to now, report only what differs from what was reported. */
  private rebuild(now: number, ctx: StageContext): void {
    const cfg = this.options.config;
    const bucketMs = cfg.bucket_secs * 1000;
    // Spikes whose end was known before the read-back window plus the warm-up were judged on more
    // history than is read back: left as reported, as a restart does where history was cut.
    const settled = now - this.options.lookbackSecs * 1000 + cfg.warmup_buckets * bucketMs;
    const stored = [...this.known.values()].filter((r) => r.endDetectedAt === null || r.endDetectedAt > settled);
    let adopted = 0;
    for (const r of stored) {
      if (r.endedAt !== null) continue;
      // Notified by the previous owner: taken over without a page (a restart's restore does the same).
      this.push(ctx, { ...spikeDetection(r, 'firing'), handover: 'adopt' });
      adopted++;
    }
    this.history.sort((a, b) => a.bucketStart - b.bucketStart);
    const buckets = this.history.length;
    this.detector.restore(this.history, stored, now - cfg.allowed_lateness_secs * 1000, settled, false);
    this.history = [];
    this.known = new Map();
    this.rebuilding = false;
    this.log(`spikes: ${this.detector.keys().length} series rebuilt from ${buckets} combined buckets; ${stored.length} spikes reported before, ${adopted} still open and taken over`);
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
