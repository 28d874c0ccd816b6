/**
 * @module eval/spikes/generate
 * Labelled series for judging the spike detector: counts per fixed interval with a daily and a
 * weekly pattern, slow drift and over-dispersed (gamma-Poisson) noise, with injected anomalies of
 * four shapes: a step (a plateau of hours), a ramp (up and back down), a short burst, and a
 * single-bucket outlier that must NOT page anyone. Seeded: the same seed gives the same series.
 *
 * Two families: `volume` (5-minute counts from 1 to a few hundred, like social mentions) and
 * `sparse` (1-minute upset counts well under one per minute, like a brand's upset messages on one
 * channel on a calm day).
 *
 * @example
 * const s = generateSeries({ seed: 1, family: 'volume', days: 28 });
 * // s.points: [{ t, x }], s.labels: [{ kind: 'ramp', start, end }]
 */
import { rng, samplers } from '../../src/sources/scenario/random.js';

export type Shape = 'step' | 'ramp' | 'burst' | 'outlier';
export const SHAPES: readonly Shape[] = ['step', 'ramp', 'burst', 'outlier'];

export interface Label {
  kind: Shape;
  /** First bucket of the anomaly (epoch ms). */
  start: number;
  /** End of its last bucket (epoch ms). */
  end: number;
  /** Peak multiplier over the normal mean. */
  factor: number;
}

export interface Series {
  name: string;
  family: Family;
  intervalMs: number;
  /** Mean count per bucket before seasonality (the series' "size"). */
  base: number;
  points: { t: number; x: number }[];
  labels: Label[];
  /** Anomalies are injected from here on; before, the detector only learns. */
  injectFrom: number;
}

export type Family = 'volume' | 'sparse';

export interface GenerateOptions {
  seed: number;
  family: Family;
  days?: number;
  /** Epoch ms of the first bucket (a Monday 00:00 UTC by default). */
  start?: number;
  /** Days at the start without anomalies. */
  cleanDays?: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export { rng };

export function generateSeries(o: GenerateOptions): Series {
  const rand = rng(o.seed * 7919 + (o.family === 'volume' ? 1 : 2));
  const uni = (a: number, b: number) => a + (b - a) * rand();
  const { gauss, poisson: poissonN } = samplers(rand);
  // Marsaglia–Tsang for shape >= 1 (shapes here are >= 2).
  const gamma = (shape: number, scale: number) => {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = gauss();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = rand();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
    }
  };
  const poisson = (mean: number) => poissonN(mean, 40);

  const days = o.days ?? 28;
  const start = o.start ?? Date.UTC(2026, 0, 5); // a Monday
  const cleanDays = o.cleanDays ?? 7;
  const intervalMs = o.family === 'volume' ? 5 * MIN : MIN;
  const n = Math.round((days * DAY) / intervalMs);
  const base = o.family === 'volume' ? Math.exp(uni(Math.log(2), Math.log(300))) : Math.exp(uni(Math.log(0.03), Math.log(1.5)));
  const dailyAmp = uni(0.3, 0.85);
  const peakHour = uni(9, 20);
  const secondBump = rand() < 0.5 ? uni(0.1, 0.3) : 0;
  const weekend = uni(0.5, 1);
  const dispersionShape = uni(4, 40); // gamma shape: smaller = noisier than Poisson
  let drift = 0;

  const seasonalMean = (t: number) => {
    const hour = ((t - start) % DAY) / HOUR;
    const dow = Math.floor((t - start) / DAY) % 7; // 0 = Monday
    const daily = 1 + dailyAmp * Math.cos((2 * Math.PI * (hour - peakHour)) / 24) + secondBump * Math.cos((2 * Math.PI * (hour - peakHour + 8)) / 12);
    return base * Math.max(0.05, daily) * (dow >= 5 ? weekend : 1);
  };

  // Anomalies: one every ~1.5 days after the clean period, at least 8 hours apart.
  const labels: Label[] = [];
  const injectFrom = start + cleanDays * DAY;
  let cursor = injectFrom + uni(2, 20) * HOUR;
  const bucket = (t: number) => start + Math.floor((t - start) / intervalMs) * intervalMs;
  const spikeFactor = (lo: number, hi: number) => (o.family === 'sparse' ? uni(lo * 3, hi * 6) : uni(lo, hi));
  while (cursor < start + days * DAY - 12 * HOUR) {
    const kind = SHAPES[Math.floor(rand() * SHAPES.length)]!;
    const s = bucket(cursor);
    let len: number;
    let factor: number;
    switch (kind) {
      case 'step':
        len = uni(1, 6) * HOUR;
        factor = spikeFactor(2, 4);
        break;
      case 'ramp':
        len = uni(1, 4) * HOUR;
        factor = spikeFactor(2.5, 5);
        break;
      case 'burst':
        len = (o.family === 'volume' ? uni(10, 30) : uni(5, 20)) * MIN;
        factor = spikeFactor(3, 8);
        break;
      case 'outlier':
        len = intervalMs;
        factor = spikeFactor(4, 10);
        break;
    }
    const end = Math.max(s + intervalMs, bucket(s + len));
    labels.push({ kind, start: s, end, factor });
    cursor = end + uni(8, 60) * HOUR;
  }

  const multiplier = (t: number): number => {
    for (const l of labels) {
      if (t < l.start || t >= l.end) continue;
      if (l.kind !== 'ramp') return l.factor;
      const mid = (l.start + l.end) / 2;
      const frac = t < mid ? (t - l.start) / (mid - l.start) : (l.end - t) / (l.end - mid);
      return 1 + (l.factor - 1) * Math.max(0, Math.min(1, frac));
    }
    return 1;
  };

  const points: { t: number; x: number }[] = [];
  for (let i = 0; i < n; i++) {
    const t = start + i * intervalMs;
    if (i % Math.round(DAY / intervalMs) === 0) drift = Math.max(-0.4, Math.min(0.4, drift + 0.03 * gauss()));
    const mean = seasonalMean(t) * (1 + drift) * multiplier(t);
    const lambda = gamma(dispersionShape, mean / dispersionShape);
    points.push({ t, x: poisson(lambda) });
  }
  return { name: `${o.family}-${o.seed}`, family: o.family, intervalMs, base, points, labels, injectFrom };
}
