/**
 * @module detect/silence/brand-scale-out
 * Brand silence for one of several instances in a Kafka consumer group (`scale_out.enabled`, live
 * runs). A brand's broadcasts and incidents are spread over every input partition, so an instance
 * alone may think the brand went quiet while another saw it post. Here only the brand's owner (the
 * instance that owns its aggregates partition) judges it, on what every instance read: the
 * broadcasts and incident events come as facts through the aggregates topic
 * (sources/kafka/brand-records.ts), the crisis state from the owner's own spike stage.
 *
 * Per combine-group assignment (epoch), as the spike stage does: brands that moved away release
 * their brand-silence alert (the alert engine forgets it without a page); the owned brands are
 * rebuilt in a fresh tracker from the facts read back, and judged once read back; a silence the
 * previous owner had already reported firing is adopted (no second page), and one that is over by
 * now is adopted and resolved. After each commit the owner publishes its brand-silence changes to
 * the brand's partition for the next owner.
 *
 * @example
 * const brands = new ScaleOutBrandSilence({ config: cfg.detect.silence, feed: brandFeedFor(db), instance: 'crisiscx-1' });
 */
import type { Detection, StageContext, CommitInfo } from '../../pipeline/stage.js';
import type { BrandFeed } from '../../sources/kafka/brand-feed.js';
import type { BrandSilenceRecord, FactRecord } from '../../sources/kafka/brand-records.js';
import type { SilenceConfig } from './config.js';
import { SilenceTracker } from './tracker.js';

export interface ScaleOutBrandSilenceOptions {
  config: SilenceConfig;
  feed: BrandFeed;
  instance: string;
  log?: (line: string) => void;
}

const FEED_NAME = 'brand_silence';

export class ScaleOutBrandSilence {
  private tracker: SilenceTracker;
  private epoch = 0;
  private rebuilding = true;
  /** The read-back epoch is complete: judge at the next settle. */
  private caughtUp = false;
  private facts: FactRecord[] = [];
  /** Latest brand-silence report per brand, from the reports read back. */
  private known = new Map<string, Detection>();
  /** Latest fact time applied per brand × incident: facts come from many partitions, out of order. */
  private incidents = new Map<string, number>();
  private readonly brandPartition = new Map<string, number>();
  /** Brand-silence alerts firing because of this instance, by brand. */
  private readonly firing = new Map<string, Detection>();
  private readonly log: (line: string) => void;

  constructor(private readonly options: ScaleOutBrandSilenceOptions) {
    this.tracker = this.newTracker();
    this.log = options.log ?? ((line) => process.stderr.write(`crisiscx: ${line}\n`));
    options.feed.subscribe(FEED_NAME);
  }

  private newTracker(): SilenceTracker {
    const c = this.options.config;
    return new SilenceTracker({ ...c, customer: { ...c.customer, enabled: false } });
  }

  /** Reads the feed of this context; returns the release detections of brands that moved away. */
  pump(ctx: StageContext): Detection[] {
    const out: Detection[] = [];
    for (const ev of this.options.feed.take(FEED_NAME, ctx.detections)) {
      switch (ev.type) {
        case 'assigned': {
          const owned = new Set(ev.partitions);
          for (const [brand, d] of this.firing) {
            const p = this.brandPartition.get(brand);
            if (p !== undefined && owned.has(p)) continue;
            out.push({ ...d, state: 'resolved', handover: 'release' });
            this.firing.delete(brand);
          }
          this.epoch = ev.epoch;
          this.tracker = this.newTracker();
          this.rebuilding = true;
          this.caughtUp = false;
          this.facts = [];
          this.known = new Map();
          this.incidents = new Map();
          break;
        }
        case 'record': {
          if (ev.epoch !== this.epoch) break;
          const r = ev.record;
          this.brandPartition.set(r.brand, ev.partition);
          if (r.kind === 'fact') {
            if (this.rebuilding) this.facts.push(r);
            else this.apply(r);
          } else if (r.kind === 'brand_silence' && this.rebuilding) {
            this.known.set(r.brand, r.detection);
          }
          break;
        }
        case 'bucket':
          if (ev.epoch === this.epoch) this.brandPartition.set(ev.bucket.brand, ev.partition);
          break;
        case 'caught_up':
          if (ev.epoch === this.epoch && this.rebuilding) this.caughtUp = true;
          break;
      }
    }
    return out;
  }

  /** A spike detection of this instance's spike stage (which judges the same brands). */
  spike(d: Detection): void {
    if (d.handover === 'release') return;
    this.tracker.spike(d);
  }

  /** Judges due brand silences at `now` (after the spike detections of the context are in). */
  advance(now: number): Detection[] {
    if (this.rebuilding) {
      // The crisis state of the brands taken over comes from the spike stage's rebuild.
      if (!this.caughtUp || !this.options.feed.isRebuilt('spikes', this.epoch)) return [];
      return this.track(this.rebuild(now));
    }
    return this.track(this.tracker.advance(now));
  }

  private rebuild(now: number): Detection[] {
    this.facts.sort((a, b) => a.ts - b.ts);
    const facts = this.facts.length;
    for (const f of this.facts) this.apply(f);
    this.facts = [];
    this.rebuilding = false;
    this.caughtUp = false;
    const out: Detection[] = [];
    const firingNow = new Set<string>();
    for (const d of this.tracker.advance(now)) {
      const k = this.known.get(d.brand);
      if (d.kind === 'brand_silence' && d.state === 'firing') {
        firingNow.add(d.brand);
        // Reported firing by the previous owner: taken over, not paged again.
        if (k?.state === 'firing') {
          out.push({ ...k, handover: 'adopt' });
          continue;
        }
      }
      out.push(d);
    }
    let adopted = 0;
    for (const [brand, k] of this.known) {
      if (k.state !== 'firing') continue;
      if (firingNow.has(brand)) {
        adopted++;
        continue;
      }
      // It fired under the previous owner and is over by what every instance read since.
      out.push({ ...k, handover: 'adopt' });
      out.push({
        ...k,
        state: 'resolved',
        at: now,
        summary: `${brand} is no longer silent in public (judged again on every instance's broadcasts after the brand changed owner)`,
      });
    }
    this.known = new Map();
    this.log(`brand silence: rebuilt from ${facts} broadcasts and incident events; ${adopted} brand silences still firing and taken over`);
    return out;
  }

  private apply(f: FactRecord): void {
    if (f.fact === 'broadcast') {
      this.tracker.broadcast(f.brand, f.ts);
      return;
    }
    const key = `${f.brand}\u0000${f.incident_id ?? ''}`;
    const last = this.incidents.get(key);
    // An older fact of the same incident (another partition was read later) changes nothing.
    if (last !== undefined && last > f.ts) return;
    this.incidents.set(key, f.ts);
    this.tracker.incident(f.brand, f.incident_id ?? '', f.fact === 'incident_declared' ? 'declared' : 'resolved', f.ts);
  }

  private track(ds: Detection[]): Detection[] {
    for (const d of ds) {
      if (d.kind !== 'brand_silence') continue;
      if (d.state === 'firing') this.firing.set(d.brand, d);
      else if (d.state === 'resolved') this.firing.delete(d.brand);
    }
    return ds;
  }

  /** After a commit: the brand-silence changes this instance reported, to the brand's partition. */
  async afterCommit(info: CommitInfo): Promise<void> {
    const records: BrandSilenceRecord[] = [];
    for (const d of info.detections) {
      if (d.kind !== 'brand_silence' || d.handover || d.state === 'warning') continue;
      records.push({ kind: 'brand_silence', brand: d.brand, owner: this.options.instance, detection: d });
    }
    if (records.length === 0) return;
    try {
      if (!(await this.options.feed.publish(records))) this.log(`brand silence: ${records.length} changes not published to the aggregates topic (not connected); a new owner of their brands will not know them`);
    } catch (err) {
      this.log(`brand silence: publishing ${records.length} changes to the aggregates topic failed (${(err as Error).message}); a new owner of their brands may report them again`);
    }
  }
}
