/**
 * Kafka scale-out, brand-level detection across a change of owner, without a broker: two real
 * pipelines (real DuckDB files, real spike, silence and alert stages) are fed through their brand
 * feeds what the combiner would hand them (combined totals, facts, the owner's reports). Instance a
 * owns the brands, detects a spike and a brand silence and pages once; the brands move to b, which
 * rebuilds them from the same totals and a's reports, takes the open alerts over without paging
 * again, reports what a never saw, and resolves what ends. a forgets its alerts without a page.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { ManualClock } from '../../src/contract/clock.js';
import { buildPipeline, type Built } from '../../src/pipeline/build.js';
import { SpikesConfig } from '../../src/detect/spikes/config.js';
import { ScaleOutSpikeStage } from '../../src/detect/spikes/scale-out.js';
import type { Detection, StageContext } from '../../src/pipeline/stage.js';
import { BrandFeed, brandFeedFor } from '../../src/sources/kafka/brand-feed.js';
import type { BrandRecord } from '../../src/sources/kafka/brand-records.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('crisiscx-handover-');
const MIN = 60_000;
/** A whole minute, "now" of the story. */
const T0 = Date.parse('2026-03-14T12:00:00Z');

function config(id: string) {
  return parsePipelineConfig(
    {
      database: join(dir, `${id}.duckdb`),
      sources: [{ type: 'kafka', brokers: ['127.0.0.1:9'], topics: [{ name: 'support.events' }], scale_out: { enabled: true, instance_id: id } }],
      serve: { enabled: false },
      telemetry: { enabled: false },
      detect: { spikes: { warmup_buckets: 10, allowed_lateness_secs: 0, seasonality: 'none' }, silence: { brand: { threshold_secs: 600 } } },
      alerts: { sinks: [] },
    },
    `instance ${id}`,
  );
}

/** Upset messages per minute: 2 for an hour, then `spike` from `from` to `to` (exclusive). */
function upsetAt(t: number, from: number, to: number): number {
  return t >= from && t < to ? 30 : 2;
}

function feedTotals(feed: BrandFeed, brand: string, from: number, to: number, spike: [number, number]): void {
  for (let t = from; t < to; t += MIN) {
    const upset = upsetAt(t, spike[0], spike[1]);
    feed.bucket(0, { brand, channel: 'chat', bucketStart: t, bucketSecs: 60, inbound: upset * 3, upset, partials: 3 });
  }
}

async function instance(id: string, clock: ManualClock): Promise<{ built: Built; feed: BrandFeed; published: BrandRecord[] }> {
  const built = await buildPipeline(config(id), { live: true, clock });
  const feed = brandFeedFor(built.db);
  const published: BrandRecord[] = [];
  feed.setPublisher(async (rs) => {
    published.push(...rs);
  });
  return { built, feed, published };
}

async function rows<T extends Record<string, unknown>>(b: Built, sql: string): Promise<T[]> {
  return b.db.query<T>(sql);
}

describe('kafka scale-out: brand-level detection when a brand changes owner', () => {
  it('pages once per condition across the two owners, and the new owner reports what the old one never saw', async () => {
    const clock = new ManualClock(T0 + MIN);
    const a = await instance('a', clock);
    const b = await instance('b', clock);
    try {
      // acme: an hour of calm, then upset volume 15× from T0-30min, still running at the handover.
      const acmeSpike: [number, number] = [T0 - 30 * MIN, T0 + 3 * MIN];
      // globex: calm until T0+1min, then a spike that only the next owner's data shows.
      const globexSpike: [number, number] = [T0 + MIN, T0 + 3 * MIN];

      a.feed.assigned([0]);
      feedTotals(a.feed, 'acme', T0 - 90 * MIN, T0 + MIN, acmeSpike);
      feedTotals(a.feed, 'globex', T0 - 90 * MIN, T0 + MIN, globexSpike);
      a.feed.caughtUp();
      await a.built.pipeline.tick(T0 + MIN);

      const aNotified = await rows<{ rule: string; notify_state: string; alert_count: number }>(a.built, "SELECT rule, notify_state, alert_count FROM alerts WHERE state = 'notified' ORDER BY rule");
      expect(aNotified).toEqual([
        { rule: 'brand_silence', notify_state: 'firing', alert_count: 1 },
        { rule: 'spike', notify_state: 'firing', alert_count: 2 }, // acme on chat and over all channels
      ]);
      const spikeIds = (await rows<{ spike_id: string }>(a.built, "SELECT spike_id FROM spikes WHERE brand = 'acme' ORDER BY 1")).map((r) => r.spike_id);
      expect(spikeIds).toHaveLength(2);
      // What a reported went to the brand's partition for the next owner.
      expect(a.published.filter((r) => r.kind === 'spike')).toHaveLength(2);
      expect(a.published.filter((r) => r.kind === 'brand_silence').map((r) => (r.kind === 'brand_silence' ? r.detection.state : ''))).toEqual(['firing']);

      // The combine group rebalances: partition 0 (acme, globex) moves to b, a gets partition 1.
      clock.set(T0 + 3 * MIN);
      a.feed.assigned([1]);
      a.feed.caughtUp();
      await a.built.pipeline.tick(T0 + 3 * MIN);
      const released = await rows<{ rule: string; reason: string }>(a.built, "SELECT rule, reason FROM alerts WHERE state = 'resolved' ORDER BY rule, alert_key");
      expect(released.map((r) => r.rule)).toEqual(['brand_silence', 'spike', 'spike']);
      for (const r of released) expect(r.reason).toMatch(/handed over/);

      b.feed.assigned([0]);
      feedTotals(b.feed, 'acme', T0 - 90 * MIN, T0 + 3 * MIN, acmeSpike);
      feedTotals(b.feed, 'globex', T0 - 90 * MIN, T0 + 3 * MIN, globexSpike);
      for (const r of a.published) b.feed.record(0, r);
      b.feed.caughtUp();
      await b.built.pipeline.tick(T0 + 3 * MIN);

      // acme's spikes and brand silence are taken over, not reported or paged again.
      const bStarts = await rows<{ spike_id: string }>(b.built, "SELECT spike_id FROM spike_updates WHERE change = 'start' ORDER BY 1");
      expect(bStarts.map((r) => r.spike_id).filter((id) => id.startsWith('acme'))).toEqual([]);
      const adopted = await rows<{ rule: string; alert_id: string }>(b.built, "SELECT rule, alert_id FROM alerts WHERE state = 'firing' AND reason LIKE 'taken over%' ORDER BY rule, alert_id");
      const aFired = await rows<{ rule: string; alert_id: string }>(a.built, "SELECT rule, alert_id FROM alerts WHERE state = 'firing' ORDER BY rule, alert_id");
      expect(adopted).toEqual(aFired); // the same alert ids: one episode across both files
      // globex's spike began after a's last judgement: b reports and pages it.
      expect(bStarts.map((r) => r.spike_id).filter((id) => id.startsWith('globex'))).toHaveLength(2);
      const bFiring = await rows<{ rule: string; brand: string }>(b.built, "SELECT rule, brand FROM alerts WHERE state = 'notified' AND notify_state = 'firing' ORDER BY rule, brand");
      expect(bFiring).toEqual([{ rule: 'spike', brand: 'globex' }]);

      // acme posts a public update (read by some instance, a fact in acme's partition); its
      // brand silence ends. Then acme calms down and its spikes end.
      b.feed.record(0, { kind: 'fact', id: 'support.events:4:77', brand: 'acme', fact: 'broadcast', ts: T0 + 4 * MIN });
      for (let t = T0 + 3 * MIN; t < T0 + 30 * MIN; t += MIN) {
        b.feed.bucket(0, { brand: 'acme', channel: 'chat', bucketStart: t, bucketSecs: 60, inbound: 6, upset: 2, partials: 3 });
        b.feed.bucket(0, { brand: 'globex', channel: 'chat', bucketStart: t, bucketSecs: 60, inbound: 6, upset: 2, partials: 3 });
      }
      for (let t = T0 + 4 * MIN; t <= T0 + 30 * MIN; t += MIN) {
        clock.set(t);
        await b.built.pipeline.tick(t);
      }
      const bResolved = await rows<{ rule: string; brand: string; alert_count: number }>(
        b.built,
        "SELECT rule, brand, alert_count FROM alerts WHERE state = 'notified' AND notify_state = 'resolved' AND brand = 'acme' ORDER BY rule",
      );
      expect(bResolved).toEqual([
        { rule: 'brand_silence', brand: 'acme', alert_count: 1 },
        { rule: 'spike', brand: 'acme', alert_count: 2 },
      ]);
      // a, no longer the owner, pages nothing more.
      await a.built.pipeline.tick(T0 + 30 * MIN);
      const aAfter = await rows<{ n: bigint }>(a.built, "SELECT count(*) AS n FROM alerts WHERE state = 'notified'");
      expect(Number(aAfter[0]!.n)).toBe(2);
      // Across both files, one firing page per acme condition.
      const bAcmeFiring = await rows<{ n: bigint }>(b.built, "SELECT count(*) AS n FROM alerts WHERE state = 'notified' AND notify_state = 'firing' AND brand = 'acme'");
      expect(Number(bAcmeFiring[0]!.n)).toBe(0);
    } finally {
      await a.built.close();
      await b.built.close();
    }
  });

  it('judges nothing before the assignment is read back, and drops counts older than the live retention', () => {
    const feed = new BrandFeed();
    const stage = new ScaleOutSpikeStage({ config: SpikesConfig.parse({ warmup_buckets: 10, allowed_lateness_secs: 0, seasonality: 'none' }), feed, hash: 'h', firstSeq: 1, instance: 'a', lookbackSecs: 86_400 });
    const rows: unknown[] = [];
    const ctx = (): StageContext => ({ clock: { now: () => T0 + MIN }, live: true, detections: [] as Detection[], emit: (_t: string, r: unknown) => rows.push(r) }) as unknown as StageContext;
    feed.assigned([0]);
    // A month-old burst (events replayed with their old timestamps): too late for a live detector.
    feedTotals(feed, 'old', T0 - 30 * 86_400_000 - 90 * MIN, T0 - 30 * 86_400_000, [T0 - 30 * 86_400_000 - 30 * MIN, T0 - 30 * 86_400_000]);
    feedTotals(feed, 'acme', T0 - 90 * MIN, T0 + MIN, [T0 - 30 * MIN, T0]);
    const c1 = ctx();
    stage.onTick(T0 + MIN, c1);
    expect(rows).toEqual([]); // not caught up yet: nothing judged
    expect(stage.tooOld).toBe(90);
    feed.caughtUp();
    const c2 = ctx();
    stage.onTick(T0 + MIN, c2);
    expect(stage.detector.keys().map((k) => k.brand)).not.toContain('old');
    expect(c2.detections.filter((d) => d.kind === 'spike' && d.state === 'firing').map((d) => d.key).sort()).toEqual(['acme|*', 'acme|chat']);
  });
});
