/**
 * @module detect/spikes/detector
 * Spikes of upset volume for many series at once: per brand × channel and per brand overall
 * (channel `*`). Counts arrive per bucket (`observe` for one message, `observeBucket` for counts
 * combined elsewhere, e.g. from several Kafka consumers); a bucket is judged once it is closed
 * (`advance`), in bucket order, by the causal model of model.ts.
 *
 * Stored results do not depend on arrival order: counts are kept per bucket, and a count that
 * arrives for a bucket already judged re-judges the series from the last checkpoint before it.
 * What changed is reported as updates (start, peak, end, restate, retract) by comparing the
 * series' spikes before and after each pass, so replaying a shuffled file ends with the same
 * spikes as replaying it in order.
 *
 * @example
 * const d = new SpikeDetector(SpikesConfig.parse({}));
 * d.observeBucket({ brand: 'acme', channel: 'chat', bucketStart, inbound: 40, upset: 31 });
 * d.advance(now);
 * const { updates, detections } = d.drain();
 */
import type { Detection } from '../../pipeline/stage.js';
import type { SpikesConfig } from './config.js';
import { modelOptions, newSeriesState, step, stepEmpty, type ModelOptions, type SeriesState, type SpikeState } from './model.js';

/** The channel name of a brand's overall series. */
export const ALL_CHANNELS = '*';
/** Buckets between state checkpoints, and per count chunk. */
const CHUNK = 1024;
const DAY = 86_400_000;

/** Counts of one bucket, as another instance (or the stage) observed them. */
export interface BucketCounts {
  brand: string;
  /** A message channel, or `*` for counts already summed over channels. */
  channel: string;
  /** Any time inside the bucket (normally its start), epoch ms. */
  bucketStart: number;
  inbound: number;
  upset: number;
}

/** One spike as it stands: what the `spikes` view shows. */
export interface SpikeRecord {
  spikeId: string;
  brand: string;
  channel: string;
  startedAt: number;
  /** End of the bucket that confirmed it. */
  detectedAt: number;
  peakAt: number;
  /** Upset messages in the peak bucket. */
  peakUpset: number;
  /** Expected upset messages in the peak bucket. */
  baseline: number;
  /** (peak + 1) / (baseline + 1). */
  magnitude: number;
  peakZ: number;
  endedAt: number | null;
  endDetectedAt: number | null;
  bucketSecs: number;
}

export type UpdateKind = 'start' | 'peak' | 'end' | 'restate' | 'retract';

export interface SpikeUpdate extends SpikeRecord {
  update: UpdateKind;
  /** Event time the pass that produced it had reached (end of its last judged bucket). */
  updatedAt: number;
}

interface SeriesEntry {
  brand: string;
  channel: string;
  /** Earliest bucket index with data, and the next to judge: [firstBi, nextBi) are judged. */
  firstBi: number;
  nextBi: number;
  state: SeriesState;
  counts: Map<number, Float64Array>;
  /** State before judging bucket `bi`, every CHUNK buckets from firstBi. */
  checkpoints: { bi: number; state: SeriesState }[];
  /** Ended spikes still within reach of a re-judge, in end order. */
  ended: SpikeRecord[];
  /** Earliest judged bucket that received a late count. */
  dirtyBi: number | null;
}

export interface SpikeDetectorOptions {
  /** Drop counts, checkpoints and ended spikes older than this behind the judged edge (live runs); default: keep all. */
  retentionMs?: number;
}

export class SpikeDetector {
  readonly opts: ModelOptions;
  readonly bucketMs: number;
  private readonly lateness: number;
  /** Every series, in the order first seen (the order they are judged in). */
  private readonly series: SeriesEntry[] = [];
  /** The same series by brand, then channel. */
  private readonly byBrand = new Map<string, Map<string, SeriesEntry>>();
  private updates: SpikeUpdate[] = [];
  private detections: Detection[] = [];
  /** Latest event time observed. */
  watermark = 0;
  /** Counts that came too late to be judged (older than the retention), by bucket. */
  lateDropped = 0;

  constructor(
    readonly config: SpikesConfig,
    private readonly options: SpikeDetectorOptions = {},
  ) {
    this.opts = modelOptions(config);
    this.bucketMs = config.bucket_secs * 1000;
    this.lateness = config.allowed_lateness_secs * 1000;
  }

  /** The series known, as brand × channel pairs. */
  keys(): { brand: string; channel: string }[] {
    return this.series.map((s) => ({ brand: s.brand, channel: s.channel }));
  }

  /** One inbound message (upset or not): counted in its channel's series and the brand's overall one. */
  observe(brand: string, channel: string, ts: number, upset: boolean): void {
    this.tally(brand, channel, ts, upset ? 1 : 0);
  }

  /**
   * Counts for one bucket (adds to what is there). Counts for a channel also count in the brand's
   * overall series; counts for channel `*` only there.
   */
  observeBucket(c: BucketCounts): void {
    this.tally(c.brand, c.channel, c.bucketStart, c.upset);
  }

  /** Upset messages at `ts` in a channel's series and, for a channel, the brand's overall one. */
  private tally(brand: string, channel: string, ts: number, upset: number): void {
    if (ts > this.watermark) this.watermark = ts;
    const bi = Math.floor(ts / this.bucketMs);
    this.add(brand, channel, bi, upset);
    if (channel !== ALL_CHANNELS && this.config.overall) this.add(brand, ALL_CHANNELS, bi, upset);
  }

  private add(brand: string, channel: string, bi: number, upset: number): void {
    // Found through brand, then channel: a joined key per message cost more than the counting.
    let channels = this.byBrand.get(brand);
    if (!channels) this.byBrand.set(brand, (channels = new Map()));
    let s = channels.get(channel);
    if (!s) {
      s = { brand, channel, firstBi: bi, nextBi: bi, state: newSeriesState(this.opts), counts: new Map(), checkpoints: [], ended: [], dirtyBi: null };
      this.series.push(s);
      channels.set(channel, s);
    }
    // A message that is not upset changes nothing once its series has begun.
    if (upset === 0 && bi >= s.firstBi) return;
    if (bi < s.firstBi) {
      if (this.tooOld(s, bi)) {
        this.lateDropped++;
        return;
      }
      // Data before the series began: it begins earlier, and is judged again from there.
      s.dirtyBi = s.dirtyBi === null ? bi : Math.min(s.dirtyBi, bi);
    } else if (bi < s.nextBi) {
      if (this.tooOld(s, bi)) {
        this.lateDropped++;
        return;
      }
      s.dirtyBi = s.dirtyBi === null ? bi : Math.min(s.dirtyBi, bi);
    }
    if (upset === 0) return;
    const ci = Math.floor(bi / CHUNK);
    let chunk = s.counts.get(ci);
    if (!chunk) s.counts.set(ci, (chunk = new Float64Array(CHUNK)));
    chunk[bi - ci * CHUNK] = chunk[bi - ci * CHUNK]! + upset;
  }

  private tooOld(s: SeriesEntry, bi: number): boolean {
    const r = this.options.retentionMs;
    if (r === undefined) return false;
    const earliest = s.checkpoints[0]?.bi ?? s.firstBi;
    return bi < earliest && (s.nextBi - bi) * this.bucketMs > r;
  }

  private count(s: SeriesEntry, bi: number): number {
    const ci = Math.floor(bi / CHUNK);
    return s.counts.get(ci)?.[bi - ci * CHUNK] ?? 0;
  }

  /** Judges every bucket that ended `allowed_lateness_secs` or more before `until` (the watermark or the clock). */
  advance(until: number): void {
    this.judgeAll(Math.floor((until - this.lateness) / this.bucketMs));
  }

  /** End of input: judges every bucket up to and including the one holding `until` (default: the watermark). */
  flush(until = this.watermark): void {
    this.judgeAll(Math.floor(until / this.bucketMs) + 1);
  }

  /** Updates and detections since the last call. */
  drain(): { updates: SpikeUpdate[]; detections: Detection[] } {
    const out = { updates: this.updates, detections: this.detections };
    this.updates = [];
    this.detections = [];
    return out;
  }

  /** Spikes open now (latest state), e.g. for a live page. */
  openSpikes(): SpikeRecord[] {
    const out: SpikeRecord[] = [];
    for (const s of this.series) if (s.state.spike) out.push(this.record(s, s.state.spike));
    return out;
  }

  private judgeAll(untilBi: number): void {
    for (const s of this.series) {
      if (s.dirtyBi !== null || untilBi > s.nextBi) this.pass(s, Math.max(untilBi, s.nextBi));
    }
    this.prune();
  }

  /** Judges [start, untilBi) where start is nextBi, or a checkpoint before a late count; reports what changed. */
  private pass(s: SeriesEntry, untilBi: number): void {
    let fromBi = s.nextBi;
    const dirty = s.dirtyBi;
    s.dirtyBi = null;
    let reset = false;
    if (dirty !== null) {
      if (dirty < s.firstBi) {
        reset = true;
        fromBi = dirty;
      } else {
        // Latest checkpoint at or before the late bucket.
        let cp: { bi: number; state: SeriesState } | undefined;
        for (const c of s.checkpoints) if (c.bi <= dirty) cp = c;
        if (!cp) reset = true;
        else fromBi = cp.bi;
      }
      if (reset) fromBi = Math.min(dirty, s.firstBi);
    }
    const fromMs = fromBi * this.bucketMs;
    const before = new Map<string, SpikeRecord>();
    for (const r of s.ended) if (reset || r.endDetectedAt! > fromMs) before.set(r.spikeId, r);
    if (s.state.spike) {
      const r = this.record(s, s.state.spike);
      before.set(r.spikeId, r);
    }
    if (reset) {
      s.firstBi = fromBi;
      s.state = newSeriesState(this.opts);
      s.checkpoints = [];
      s.ended = [];
    } else if (fromBi < s.nextBi) {
      const i = s.checkpoints.findIndex((c) => c.bi === fromBi);
      s.state = structuredClone(s.checkpoints[i]!.state);
      s.checkpoints.length = i + 1;
      s.ended = s.ended.filter((r) => r.endDetectedAt! <= fromMs);
    }
    this.judge(s, fromBi, untilBi, (bi) => !s.checkpoints.some((c) => c.bi === bi));
    s.nextBi = untilBi;
    const after = new Map<string, SpikeRecord>();
    for (const r of s.ended) if (reset || r.endDetectedAt! > fromMs) after.set(r.spikeId, r);
    if (s.state.spike) {
      const r = this.record(s, s.state.spike);
      after.set(r.spikeId, r);
    }
    this.report(before, after, untilBi * this.bucketMs);
  }

  /**
   * Steps buckets [fromBi, untilBi) of a series, with a checkpoint every CHUNK buckets (where
   * `checkpoint(bi)` agrees). Runs of empty buckets go through the model's cheaper exact path: a
   * restart after downtime or a backlog of old events judges every empty bucket up to the clock.
   */
  private judge(s: SeriesEntry, fromBi: number, untilBi: number, checkpoint: (bi: number) => boolean): void {
    for (let bi = fromBi; bi < untilBi; ) {
      const k = (bi - s.firstBi) % CHUNK;
      if (k === 0 && checkpoint(bi)) s.checkpoints.push({ bi, state: structuredClone(s.state) });
      const x = this.count(s, bi);
      if (x !== 0) {
        const v = step(this.opts, s.state, bi * this.bucketMs, x);
        if (v.event === 'end') s.ended.push(this.record(s, v.spike!));
        bi++;
        continue;
      }
      // Up to the next count, the next checkpoint or the end.
      const limit = Math.min(untilBi, bi + (k > 0 ? CHUNK - k : k < 0 ? -k : CHUNK));
      let end = bi + 1;
      while (end < limit && this.count(s, end) === 0) end++;
      for (const v of stepEmpty(this.opts, s.state, bi * this.bucketMs, end - bi)) if (v.event === 'end') s.ended.push(this.record(s, v.spike!));
      bi = end;
    }
  }

  private record(s: SeriesEntry, sp: SpikeState): SpikeRecord {
    return {
      spikeId: spikeId(s.brand, s.channel, sp.startedAt),
      brand: s.brand,
      channel: s.channel,
      startedAt: sp.startedAt,
      detectedAt: sp.detectedAt,
      peakAt: sp.peakAt,
      peakUpset: sp.peak,
      baseline: sp.peakExpected,
      magnitude: (sp.peak + 1) / (sp.peakExpected + 1),
      peakZ: sp.peakZ,
      endedAt: sp.endedAt,
      endDetectedAt: sp.endDetectedAt,
      bucketSecs: this.config.bucket_secs,
    };
  }

  private report(before: Map<string, SpikeRecord>, after: Map<string, SpikeRecord>, at: number): void {
    for (const [id, a] of after) {
      const b = before.get(id);
      if (!b) {
        this.updates.push({ ...a, update: 'start', updatedAt: at });
        this.detections.push(spikeDetection(a, 'firing'));
        if (a.endedAt !== null) this.detections.push(spikeDetection(a, 'resolved'));
        continue;
      }
      if (sameRecord(a, b)) continue;
      if (b.endedAt === null && a.endedAt !== null) {
        this.updates.push({ ...a, update: 'end', updatedAt: at });
        this.detections.push(spikeDetection(a, 'resolved'));
      } else if (b.endedAt !== null && a.endedAt === null) {
        this.updates.push({ ...a, update: 'restate', updatedAt: at });
        this.detections.push(spikeDetection(a, 'firing'));
      } else if (a.peakUpset !== b.peakUpset || a.peakAt !== b.peakAt) {
        this.updates.push({ ...a, update: 'peak', updatedAt: at });
      } else {
        this.updates.push({ ...a, update: 'restate', updatedAt: at });
      }
    }
    for (const [id, b] of before) {
      if (after.has(id)) continue;
      this.updates.push({ ...b, update: 'retract', updatedAt: at });
      if (b.endedAt === null) this.detections.push({ ...spikeDetection(b, 'resolved'), at, summary: `Spike withdrawn after late data: ${spikeSummary(b)}` });
    }
  }

  /** Live runs: forget what is older than the retention behind each series' judged edge. */
  private prune(): void {
    const r = this.options.retentionMs;
    if (r === undefined) return;
    for (const s of this.series) {
      const edgeBi = s.nextBi - Math.ceil(r / this.bucketMs);
      while (s.checkpoints.length > 1 && s.checkpoints[1]!.bi <= edgeBi) s.checkpoints.shift();
      const keepFrom = s.checkpoints[0]?.bi ?? s.firstBi;
      for (const ci of s.counts.keys()) if ((ci + 1) * CHUNK <= keepFrom) s.counts.delete(ci);
      s.ended = s.ended.filter((x) => x.endDetectedAt! > keepFrom * this.bucketMs);
    }
  }

  /**
   * Restores the series from stored history without reporting anything: counts are observed and
   * judged up to `judgedUntil` (exclusive, epoch ms), then the spikes found are compared with
   * `stored` (the spikes view as the previous run left it) and only differences are reported.
   * Spikes whose end was known before `settledBefore` are taken as stored (history was cut there).
   * `reportOpen` (live runs): spikes still open are reported firing again, for the alert engine.
   * `brand`: restore that brand's series only (history and stored of that brand), leaving the
   * others as they are, so brands can be restored one at a time.
   */
  restore(history: BucketCounts[], stored: SpikeRecord[], judgedUntil: number, settledBefore = Number.NEGATIVE_INFINITY, reportOpen = false, brand?: string): void {
    for (const c of history) this.observeBucket(c);
    const untilBi = Math.floor(judgedUntil / this.bucketMs);
    const before = new Map(stored.map((r) => [r.spikeId, r]));
    const after = new Map<string, SpikeRecord>();
    for (const s of this.series) {
      if (brand !== undefined && s.brand !== brand) continue;
      s.dirtyBi = null;
      this.judge(s, s.nextBi, untilBi, () => true);
      s.nextBi = Math.max(s.nextBi, untilBi);
      for (const r of s.ended) if (r.endDetectedAt! > settledBefore) after.set(r.spikeId, r);
      if (s.state.spike) {
        const r = this.record(s, s.state.spike);
        after.set(r.spikeId, r);
      }
    }
    this.report(before, after, untilBi * this.bucketMs);
    // A spike the previous run reported as firing and that still runs: reported again only where the
    // alert engine takes back its alerts after a restart (live runs), so it is not paged twice.
    this.detections = this.detections.filter((d) => !(d.state === 'firing' && before.get(d.labels.spike_id ?? '')?.endedAt === null));
    if (reportOpen) {
      for (const a of after.values()) {
        if (a.endedAt === null && before.get(a.spikeId)?.endedAt === null) this.detections.push(spikeDetection(a, 'firing'));
      }
    }
    this.prune();
  }
}

export function spikeId(brand: string, channel: string, startedAt: number): string {
  return `${brand}|${channel}|${new Date(startedAt).toISOString().replace(':00.000Z', 'Z')}`;
}

function sameRecord(a: SpikeRecord, b: SpikeRecord): boolean {
  return (
    a.startedAt === b.startedAt &&
    a.detectedAt === b.detectedAt &&
    a.peakAt === b.peakAt &&
    a.peakUpset === b.peakUpset &&
    Math.abs(a.baseline - b.baseline) < 1e-9 &&
    a.endedAt === b.endedAt &&
    a.endDetectedAt === b.endDetectedAt &&
    a.bucketSecs === b.bucketSecs
  );
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function spikeSummary(r: SpikeRecord): string {
  const where = r.channel === ALL_CHANNELS ? 'all channels' : r.channel;
  const per = r.bucketSecs === 60 ? 'minute' : `${r.bucketSecs} s`;
  return `upset volume of ${r.brand} on ${where}: ${r.peakUpset} upset messages per ${per} at ${hhmm(r.peakAt)} UTC, ${r.magnitude.toFixed(1)}× the expected ${r.baseline.toFixed(1)} (since ${hhmm(r.startedAt)} UTC)`;
}

/**
 * The detection for the alert engine: `spike`, key `brand|channel`, firing when confirmed (at the
 * end of the confirming bucket), resolved at the start of the calm run that ended it.
 */
export function spikeDetection(r: SpikeRecord, state: 'firing' | 'resolved'): Detection {
  return {
    kind: 'spike',
    key: `${r.brand}|${r.channel}`,
    brand: r.brand,
    state,
    at: state === 'firing' ? r.detectedAt : (r.endedAt ?? r.detectedAt),
    severity: r.magnitude >= 5 ? 'critical' : 'warning',
    summary: state === 'firing' ? `Spike: ${spikeSummary(r)}` : `Spike over: ${spikeSummary(r)}, until ${hhmm(r.endedAt ?? r.detectedAt)} UTC`,
    labels: { channel: r.channel, spike_id: r.spikeId },
    values: {
      peak_upset: r.peakUpset,
      baseline: Number(r.baseline.toFixed(3)),
      magnitude: Number(r.magnitude.toFixed(2)),
      z: Number(r.peakZ.toFixed(2)),
      started_at_ms: r.startedAt,
      ...(r.endedAt !== null ? { duration_secs: Math.round((r.endedAt - r.startedAt) / 1000) } : {}),
    },
  };
}

/** Retention for live runs: the stored history the detector relearns, and at least two days. */
export function liveRetentionMs(config: SpikesConfig): number {
  return Math.max(2 * DAY, config.history_days * DAY);
}
