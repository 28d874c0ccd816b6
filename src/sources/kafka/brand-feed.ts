/**
 * @module sources/kafka/brand-feed
 * Kafka scale-out: what the combine stage learns about the brands this instance owns, handed to
 * the brand-level stages (spikes, brand silence), and their reports handed back to Kafka.
 *
 * The combiner consumes the aggregates topic on its own schedule, not inside a pipeline batch, so
 * it only appends to a log here. The stages read the log from their pipeline hooks (a batch or a
 * live tick, which the pipeline runs one at a time), so their rows and detections go into the
 * pipeline's DuckDB transactions like any others. Every stage reading within one context (one batch
 * or tick) gets the log up to the same point, so the spike stage and the silence stage always see
 * the same assignment and the same catch-up in the same tick.
 *
 * The log, per combine-group assignment (an epoch): `assigned` (the aggregates partitions owned
 * now: their brands are judged here), then the combined `bucket` totals and the brand `record`s
 * (brand-records.ts) read again from `lookback_secs` back, then `caught_up` once every owned
 * partition is read up to where it ended at the assignment, then whatever arrives live.
 *
 * @example
 * const feed = brandFeedFor(db);
 * feed.subscribe('spikes');
 * for (const ev of feed.take('spikes', ctx.detections)) { ... }
 */
import type { Database } from '../../store/database.js';
import type { CombinedBucket } from './aggregates.js';
import type { BrandRecord } from './brand-records.js';

export type FeedEvent =
  | { type: 'assigned'; epoch: number; partitions: number[] }
  | { type: 'bucket'; epoch: number; partition: number; bucket: CombinedBucket }
  | { type: 'record'; epoch: number; partition: number; record: BrandRecord }
  | { type: 'caught_up'; epoch: number };

export class BrandFeed {
  private log: FeedEvent[] = [];
  /** Position of log[0] since the start. */
  private base = 0;
  private readonly cursors = new Map<string, number>();
  private readonly cuts = new WeakMap<object, number>();
  private epochNo = 0;
  private publisher: ((records: BrandRecord[]) => Promise<void>) | undefined;
  /** Per reader others wait for: the last epoch it has rebuilt. */
  private readonly rebuiltEpoch = new Map<string, number>();

  get epoch(): number {
    return this.epochNo;
  }

  // The combiner's side.

  assigned(partitions: number[]): void {
    this.epochNo++;
    this.push({ type: 'assigned', epoch: this.epochNo, partitions: [...partitions] });
  }

  bucket(partition: number, bucket: CombinedBucket): void {
    this.push({ type: 'bucket', epoch: this.epochNo, partition, bucket });
  }

  record(partition: number, record: BrandRecord): void {
    this.push({ type: 'record', epoch: this.epochNo, partition, record });
  }

  caughtUp(): void {
    this.push({ type: 'caught_up', epoch: this.epochNo });
  }

  /** Where the stages' records go (the aggregates topic); undefined while not connected. */
  setPublisher(fn: ((records: BrandRecord[]) => Promise<void>) | undefined): void {
    this.publisher = fn;
  }

  /** Publishes the owner's records; false when there is nowhere to publish them (not connected). */
  async publish(records: BrandRecord[]): Promise<boolean> {
    if (records.length === 0) return true;
    if (!this.publisher) return false;
    await this.publisher(records);
    return true;
  }

  private push(ev: FeedEvent): void {
    // Nobody reads (no brand-level stage): keep nothing.
    if (this.cursors.size > 0) this.log.push(ev);
  }

  // The stages' side.

  /**
   * A reader whose rebuild of each epoch others wait for (the spike stage: brand silence needs the
   * crisis state of the brands it takes over).
   */
  waitFor(name: string): void {
    if (!this.rebuiltEpoch.has(name)) this.rebuiltEpoch.set(name, 0);
  }

  rebuilt(name: string, epoch: number): void {
    this.rebuiltEpoch.set(name, epoch);
  }

  /** Whether `name` has rebuilt `epoch` (true when nobody registered under that name). */
  isRebuilt(name: string, epoch: number): boolean {
    const e = this.rebuiltEpoch.get(name);
    return e === undefined || e >= epoch;
  }

  /** A reader that sees every event appended from now on. */
  subscribe(name: string): void {
    if (!this.cursors.has(name)) this.cursors.set(name, this.base + this.log.length);
  }

  /**
   * The events `name` has not read yet, up to the cut of this context (`ctx.detections`): the
   * first reader in a context fixes the cut, so later readers in it stop at the same event.
   */
  take(name: string, context: object): FeedEvent[] {
    let cut = this.cuts.get(context);
    if (cut === undefined) {
      cut = this.base + this.log.length;
      this.cuts.set(context, cut);
    }
    const from = this.cursors.get(name);
    if (from === undefined) throw new Error(`brand feed: ${name} reads without subscribing first`);
    if (from >= cut) return [];
    const out = this.log.slice(from - this.base, cut - this.base);
    this.cursors.set(name, cut);
    this.trim();
    return out;
  }

  private trim(): void {
    let min = Number.POSITIVE_INFINITY;
    for (const c of this.cursors.values()) if (c < min) min = c;
    const drop = min - this.base;
    if (drop > 1024 || (drop > 0 && drop === this.log.length)) {
      this.log = this.log.slice(drop);
      this.base = min;
    }
  }
}

const feeds = new WeakMap<Database, BrandFeed>();

/** The feed of a pipeline (one per database: the source and the stages of one pipeline share it). */
export function brandFeedFor(db: Database): BrandFeed {
  let f = feeds.get(db);
  if (!f) feeds.set(db, (f = new BrandFeed()));
  return f;
}
