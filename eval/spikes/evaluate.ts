/**
 * @module eval/spikes/evaluate
 * Scores a detector on labelled series: recall per shape, detection delay (from the true onset to
 * the end of the bucket that confirmed the alarm), precision, false alarms per day, and how many
 * single-bucket outliers paged anyone (they must not). `nullCheck` runs it on pure Poisson noise
 * (nothing to find) at rates from sparse to busy: what it expects against the true rate, and how
 * often it pages anyway.
 */
import { SpikesConfig } from '../../src/detect/spikes/config.js';
import { modelOptions, newSeriesState, step } from '../../src/detect/spikes/model.js';
import { rng, samplers } from '../../src/sources/scenario/random.js';
import type { Label, Series, Shape } from './generate.js';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);

export interface Alarm {
  startedAt: number;
  detectedAt: number;
}

/** A detector under test: the bucket series in, alarm onsets out. */
export type Detector = (s: Series) => Alarm[];

/** The crisiscx model with a `detect.spikes` config (defaults for the rest). */
export function modelDetector(config: Partial<SpikesConfig> = {}): Detector {
  return (s) => {
    const opts = modelOptions(SpikesConfig.parse(config), s.intervalMs);
    const st = newSeriesState(opts);
    const alarms: Alarm[] = [];
    for (const p of s.points) {
      const v = step(opts, st, p.t, p.x);
      if (v.event === 'start') alarms.push({ startedAt: v.spike!.startedAt, detectedAt: v.spike!.detectedAt });
    }
    return alarms;
  };
}

/**
 * A naive reference: a bucket more than 3 standard deviations above the mean of the previous hour
 * pages at once (no seasonality, no confirmation). Shows what the design choices buy.
 */
export function naiveDetector(z = 3): Detector {
  return (s) => {
    const win = Math.max(6, Math.round(3_600_000 / s.intervalMs));
    const alarms: Alarm[] = [];
    const xs: number[] = [];
    let active = false;
    for (const p of s.points) {
      if (xs.length >= win) {
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) || 1;
        const hot = p.x > mean + z * sd && p.x >= 3;
        if (hot && !active) alarms.push({ startedAt: p.t, detectedAt: p.t + s.intervalMs });
        active = hot;
      }
      xs.push(p.x);
      if (xs.length > win) xs.shift();
    }
    return alarms;
  };
}

export interface ShapeStats {
  injected: number;
  detected: number;
  delaysMin: number[];
}

export interface EvalResult {
  shapes: Record<Exclude<Shape, 'outlier'>, ShapeStats>;
  outliers: number;
  outlierPages: number;
  falseAlarms: number;
  days: number;
  /** False alarms in the first week (cold start: the seasonal profile is still being learnt). */
  coldFalseAlarms: number;
  coldDays: number;
  alarms: number;
  /** Alarms that matched an injected anomaly (the rest are false alarms): precision = matched / alarms. */
  matchedAlarms: number;
}

/** How long after an anomaly's end an alarm still counts as finding it. */
const SLACK_MS = 60 * MIN;

export function evaluate(series: Series[], detector: Detector): EvalResult {
  const res: EvalResult = {
    shapes: { step: { injected: 0, detected: 0, delaysMin: [] }, ramp: { injected: 0, detected: 0, delaysMin: [] }, burst: { injected: 0, detected: 0, delaysMin: [] } },
    outliers: 0,
    outlierPages: 0,
    falseAlarms: 0,
    days: 0,
    coldFalseAlarms: 0,
    coldDays: 0,
    alarms: 0,
    matchedAlarms: 0,
  };
  for (const s of series) {
    const alarms = detector(s);
    res.alarms += alarms.length;
    // Steady state: after the first week, while the seasonal profile is learnt (counted apart).
    const from = s.points[0]!.t + 7 * DAY;
    const to = s.points[s.points.length - 1]!.t + s.intervalMs;
    res.days += (to - from) / DAY;
    res.coldDays += (from - s.points[0]!.t) / DAY;
    const real = s.labels.filter((l) => l.kind !== 'outlier');
    const matches = (a: Alarm, l: Label, slack: number) => a.detectedAt >= l.start && a.startedAt < l.end + slack;
    for (const l of real) {
      const st = res.shapes[l.kind as Exclude<Shape, 'outlier'>];
      st.injected++;
      const hit = alarms.find((a) => matches(a, l, SLACK_MS));
      if (hit) {
        st.detected++;
        st.delaysMin.push((hit.detectedAt - l.start) / MIN);
      }
    }
    for (const l of s.labels.filter((x) => x.kind === 'outlier')) {
      res.outliers++;
      if (alarms.some((a) => matches(a, l, 5 * s.intervalMs))) res.outlierPages++;
    }
    for (const a of alarms) {
      if (real.some((l) => matches(a, l, SLACK_MS))) {
        res.matchedAlarms++;
        continue;
      }
      if (a.detectedAt < from) res.coldFalseAlarms++;
      else res.falseAlarms++;
    }
  }
  return res;
}

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export interface NullResult {
  /** Mean count per bucket of the noise. */
  rate: number;
  /** The model's expected count over the last day, divided by the true rate (1 = unbiased). */
  expectedRatio: number;
  /** Spike starts per series-day after the first day (every one is false). */
  startsPerDay: number;
}

/**
 * Pure Poisson noise at each rate (one-minute buckets, `days` long, `count` seeds), no anomaly:
 * a baseline biased low on sparse series shows as expectedRatio under 1 and false starts.
 */
export function nullCheck(rates: number[], config: Partial<SpikesConfig> = {}, days = 7, count = 20): NullResult[] {
  const opts = modelOptions(SpikesConfig.parse({ seasonality: 'none', ...config }), MIN);
  const n = Math.round((days * DAY) / MIN);
  const from = Math.round(DAY / MIN);
  return rates.map((rate) => {
    let ratio = 0;
    let starts = 0;
    for (let seed = 1; seed <= count; seed++) {
      const { poisson } = samplers(rng(seed * 7919 + Math.round(rate * 1000)));
      const st = newSeriesState(opts);
      let e = 0;
      let m = 0;
      for (let i = 0; i < n; i++) {
        const v = step(opts, st, T0 + i * MIN, poisson(rate, Number.POSITIVE_INFINITY));
        if (i >= n - from) {
          e += v.expected;
          m++;
        }
        if (i >= from && v.event === 'start') starts++;
      }
      ratio += e / m / rate;
    }
    return { rate, expectedRatio: ratio / count, startsPerDay: starts / (count * (days - 1)) };
  });
}
