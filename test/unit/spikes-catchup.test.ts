/**
 * Empty buckets (a quiet series, a restart after downtime, a backlog of old events) go through the
 * model's cheaper path: it must leave exactly the state, and report exactly the spike ends, that
 * stepping each empty bucket would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpikesConfig } from '../../src/detect/spikes/config.js';
import { SpikeDetector } from '../../src/detect/spikes/detector.js';
import { modelOptions, newSeriesState, step, stepEmpty, type Verdict } from '../../src/detect/spikes/model.js';
import { rng, samplers } from '../../src/sources/scenario/random.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
const T0 = Date.UTC(2026, 2, 14);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A Poisson series with a daily cycle and, optionally, a burst in its last buckets (a spike open at the gap). */
function series(seed: number, n: number, mean: number, burst: boolean): number[] {
  const { poisson } = samplers(rng(seed));
  return Array.from({ length: n }, (_, i) => {
    const m = mean * (1 + 0.5 * Math.sin((2 * Math.PI * i) / 1440)) * (burst && i >= n - 8 ? 8 : 1);
    return poisson(m, Number.POSITIVE_INFINITY);
  });
}

describe('spike model over empty buckets', () => {
  it('stepEmpty leaves the same state and the same events as stepping each empty bucket', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 3 * 1440 }),
        fc.integer({ min: 1, max: 3 * 1440 }),
        fc.constantFrom(0.05, 0.5, 4, 20),
        fc.boolean(),
        fc.constantFrom<'none' | 'daily' | 'weekly'>('none', 'daily', 'weekly'),
        (seed, before, gap, mean, burst, seasonality) => {
          const opts = modelOptions(SpikesConfig.parse({ seasonality }));
          const a = newSeriesState(opts);
          const xs = series(seed, before, mean, burst);
          xs.forEach((x, i) => step(opts, a, T0 + i * MIN, x));
          const b = structuredClone(a);
          const t = T0 + before * MIN;
          const stepped: Verdict[] = [];
          for (let i = 0; i < gap; i++) {
            const v = step(opts, a, t + i * MIN, 0);
            if (v.event) stepped.push(v);
          }
          const skipped = stepEmpty(opts, b, t, gap);
          expect(b).toEqual(a);
          expect(skipped).toEqual(stepped);
          // And data after the gap is judged alike.
          const after = series(seed + 1, 120, mean, false);
          const va = after.map((x, i) => step(opts, a, t + (gap + i) * MIN, x));
          const vb = after.map((x, i) => step(opts, b, t + (gap + i) * MIN, x));
          expect(vb).toEqual(va);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ends a spike open at the start of the gap, as stepping does', () => {
    const opts = modelOptions(SpikesConfig.parse({}));
    const st = newSeriesState(opts);
    const xs = series(7, 3 * 1440, 4, false);
    for (let i = 0; i < 30; i++) xs.push(60);
    let open = false;
    xs.forEach((x, i) => (open = step(opts, st, T0 + i * MIN, x).inSpike));
    expect(open).toBe(true);
    const events = stepEmpty(opts, st, T0 + xs.length * MIN, 600);
    expect(events.map((v) => v.event)).toEqual(['end']);
    expect(events[0]!.spike!.endedAt).toBe(T0 + xs.length * MIN);
  });

  it('a detector catching up 30 days of empty buckets finds what it found, at a fraction of stepping (figures printed)', () => {
    const cfg = SpikesConfig.parse({});
    const opts = modelOptions(cfg);
    const d = new SpikeDetector(cfg);
    const channels = ['chat', 'social', 'email'];
    const xs = series(11, 2 * 1440, 3, true);
    xs.forEach((x, i) => {
      for (const c of channels) d.observeBucket({ brand: 'acme', channel: c, bucketStart: T0 + i * MIN, inbound: x, upset: x });
    });
    d.advance(T0 + xs.length * MIN);
    const open = d.drain().detections.filter((x) => x.state === 'firing').length;
    expect(open).toBeGreaterThan(0);
    const gapEnd = T0 + xs.length * MIN + 30 * DAY;
    const c0 = cpuMs();
    d.advance(gapEnd);
    const catchUp = cpuMs() - c0;
    // Every spike open at the gap ended in it (empty buckets are calm), one resolved detection each.
    const { detections } = d.drain();
    expect(detections.filter((x) => x.state === 'resolved')).toHaveLength(open);
    expect(d.openSpikes()).toEqual([]);

    // The same gap stepped bucket by bucket, on one series' state, for the ratio.
    const st = newSeriesState(opts);
    xs.forEach((x, i) => step(opts, st, T0 + i * MIN, x));
    const copy = structuredClone(st);
    // Both paths warmed up first (the first calls run cold code and made stepping look 4x slower).
    const warm = structuredClone(st);
    for (let i = 0; i < 1440; i++) step(opts, structuredClone(warm), T0 + (xs.length + i) * MIN, 0);
    stepEmpty(opts, structuredClone(warm), T0 + xs.length * MIN, 1440);
    const s0 = cpuMs();
    for (let i = 0; i < 30 * 1440; i++) step(opts, st, T0 + (xs.length + i) * MIN, 0);
    const stepping = cpuMs() - s0;
    const e0 = cpuMs();
    stepEmpty(opts, copy, T0 + xs.length * MIN, 30 * 1440);
    const empty = cpuMs() - e0;
    expect(copy).toEqual(st);
    console.log(`30-day gap: detector catch-up ${catchUp.toFixed(0)} ms CPU for ${d.keys().length} series; one series: stepping ${stepping.toFixed(0)} ms, stepEmpty ${empty.toFixed(0)} ms (${(stepping / empty).toFixed(1)}x)`);
  });
});
