/**
 * @module detect/spikes/model
 * The causal spike model for ONE series of counts at a fixed interval (any width: a minute of upset
 * messages, five minutes of a CSV). Each bucket is judged once, with data up to it only, then
 * learnt from. Pure state logic: `step(state, t, x)` returns the verdict and mutates only the plain
 * JSON state, so it can be snapshotted (structuredClone) and replayed.
 *
 * How a bucket is judged:
 * - expected count E = level × seasonal factor (hour of day, and day of week), both learnt from
 *   calm buckets only (values clipped near E, so an outlier barely moves them; counts under the
 *   min count are never clipped, so a sparse series' E is not biased low);
 * - z = Poisson deviance residual of the count against E (exact enough for sparse counts, where a
 *   normal approximation pages on every 3), divided by the observed over-dispersion (≥ 1);
 * - hot = z ≥ threshold and count ≥ min count and count ≥ min ratio × E, for the bucket itself, or
 *   for the sum of the last `sustained` buckets without their largest, or on a sparse series for
 *   the same over up to an hour of buckets (a slow rise of single messages);
 * - a spike starts when `confirm` of the last `window` buckets are hot (one odd bucket never pages),
 *   at the first hot bucket of that window; it ends after `endAfter` calm buckets (z < end z) in a
 *   row, at the first of them (hysteresis). During a spike the level follows slowly, so a lasting
 *   new normal is eventually accepted instead of a spike that never ends.
 *
 * @example
 * const opts = modelOptions(SpikesConfig.parse({}), 300_000);
 * const st = newSeriesState(opts);
 * for (const [t, x] of rows) console.log(step(opts, st, t, x).score);
 */
import type { SpikesConfig } from './config.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** Buckets at or above this z (either signal) are unusual: they are not learnt from at full weight. */
const LEARN_CLIP_Z = 2;
/** The seasonal profile learns values clipped at this z (a rise that returns daily is learnt within days). */
const SEASON_CLIP_Z = 3;
/** History after which an unusual bucket no longer moves the level at full speed (the profile has seen two days). */
const MATURE_MS = 2 * DAY;
/**
 * Converts the mean |z| of residuals within ±LEARN_CLIP_Z into a standard deviation: for a normal,
 * E[|z| given |z| < 2] = sqrt(2/π)(1 − e^−2) / erf(√2) ≈ 0.7228.
 */
const ABS_TO_SD = 1 / 0.7228;
/** The longest span of the long signal (in buckets), reached only on sparse series (see longSpan). */
const MAX_LONG_BUCKETS = 60;
/** During a spike the level learns this much slower, from unclipped values. */
const SPIKE_LEARN_FACTOR = 0.25;

export interface ModelOptions {
  intervalMs: number;
  thresholdZ: number;
  minCount: number;
  minRatio: number;
  confirmBuckets: number;
  windowBuckets: number;
  endZ: number;
  endAfterBuckets: number;
  baselineHalflifeMs: number;
  seasonality: 'none' | 'daily' | 'weekly';
  seasonHalflifeDays: number;
  warmupBuckets: number;
  /** Buckets in the sustained (trimmed-sum) signal; 1 disables it. */
  sustainedBuckets: number;
}

export class SpikeConfigError extends Error {
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpikeConfigError';
  }
}

/** Model options from the `detect.spikes` config, for buckets of `intervalMs` (default: its bucket_secs). */
export function modelOptions(cfg: SpikesConfig, intervalMs = cfg.bucket_secs * 1000): ModelOptions {
  if (cfg.confirm_buckets > cfg.window_buckets) {
    throw new SpikeConfigError(
      `detect.spikes.confirm_buckets (${cfg.confirm_buckets}) is larger than window_buckets (${cfg.window_buckets}): no window could ever confirm a spike; set window_buckets to at least ${cfg.confirm_buckets}`,
    );
  }
  if (!(intervalMs > 0)) throw new SpikeConfigError(`bucket width must be positive, got ${intervalMs} ms`);
  return {
    intervalMs,
    thresholdZ: cfg.threshold_z,
    minCount: cfg.min_upset_per_bucket,
    minRatio: cfg.min_ratio,
    confirmBuckets: cfg.confirm_buckets,
    windowBuckets: cfg.window_buckets,
    endZ: cfg.end_z,
    endAfterBuckets: cfg.end_after_buckets,
    baselineHalflifeMs: cfg.baseline_halflife_secs * 1000,
    seasonality: cfg.seasonality,
    seasonHalflifeDays: cfg.season_halflife_days,
    warmupBuckets: cfg.warmup_buckets,
    sustainedBuckets: cfg.sustained_buckets,
  };
}

/** A cyclic profile (hour of day, day of week): exponentially weighted sums of observed and expected counts per slot. */
export interface Profile {
  x: number[];
  e: number[];
}

export interface SpikeState {
  /** Start of the first hot bucket. */
  startedAt: number;
  /** End of the bucket that confirmed it (when a causal detector could first know). */
  detectedAt: number;
  peakAt: number;
  peak: number;
  /** Expected count at the peak bucket. */
  peakExpected: number;
  peakZ: number;
  /** Calm buckets in a row so far, and the start of the first of them. */
  calm: number;
  calmSince: number;
  /** Set when it ended: the start of the first calm bucket of the run that ended it. */
  endedAt: number | null;
  /** End of the bucket that confirmed the end. */
  endDetectedAt: number | null;
}

interface Recent {
  t: number;
  x: number;
  e: number;
  z: number;
  hot: boolean;
}

/** Everything the model knows about one series: plain JSON, so a snapshot is a structuredClone. */
export interface SeriesState {
  /** Buckets judged (or learnt during warm-up). */
  n: number;
  lastT: number | null;
  /** Deseasonalised expected count per bucket. */
  level: number;
  /** Exponentially weighted mean |z| of calm buckets (unscaled deviance residuals). */
  absZ: number;
  /** The same for the sustained signal. */
  absZm: number;
  hod: Profile | null;
  dow: Profile | null;
  /** The last `windowBuckets` verdicts. */
  recent: Recent[];
  spike: SpikeState | null;
}

export type SpikeEvent = 'start' | 'peak' | 'end';

export interface Verdict {
  t: number;
  value: number;
  /** Expected count (NaN during warm-up). */
  expected: number;
  z: number;
  /** In [0, 1]; at least 0.5 exactly when the bucket is hot. */
  score: number;
  hot: boolean;
  /** A spike is active after this bucket (as known causally, at the bucket's end). */
  inSpike: boolean;
  event: SpikeEvent | null;
  /** The spike the event is about (a copy). */
  spike: SpikeState | null;
  warm: boolean;
}

export function newSeriesState(opts: ModelOptions): SeriesState {
  const profile = (n: number): Profile => ({ x: new Array<number>(n).fill(0), e: new Array<number>(n).fill(0) });
  return {
    n: 0,
    lastT: null,
    level: 0,
    absZ: 1 / ABS_TO_SD,
    absZm: 1 / ABS_TO_SD,
    hod: opts.seasonality === 'none' ? null : profile(24),
    dow: opts.seasonality === 'weekly' ? profile(7) : null,
    recent: [],
    spike: null,
  };
}

/** Signed Poisson deviance residual of a count x against an expectation e. */
export function devianceZ(x: number, e: number): number {
  const m = Math.max(e, 1e-6);
  const d = x <= 0 ? 2 * m : 2 * (x * Math.log(x / m) - (x - m));
  const z = Math.sqrt(Math.max(0, d));
  return x >= m ? z : -z;
}

/**
 * The slots time t counts in and their weights: linear between slot centres where the profile is
 * smooth (hour of day), or the one slot it falls in (day of week: the day changes at midnight).
 */
function slots(t: number, period: number, n: number, smooth: boolean): [number, number, number, number] {
  const len = period / n;
  const at = (((t % period) + period) % period) / len;
  if (!smooth) {
    const i = Math.min(n - 1, Math.floor(at));
    return [i, i, 1, 0];
  }
  const pos = at - 0.5;
  const f = Math.floor(pos);
  const w1 = pos - f;
  const i0 = ((f % n) + n) % n;
  return [i0, (i0 + 1) % n, 1 - w1, w1];
}

function slotFactor(p: Profile, i: number, prior: number): number {
  return (p.x[i]! + prior) / (p.e[i]! + prior);
}

/** The profile's factor at t, normalised so the slots average 1 (the level carries the mean). */
function profileFactor(p: Profile, t: number, period: number, prior: number, smooth: boolean): number {
  const n = p.x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += slotFactor(p, i, prior);
  const [i0, i1, w0, w1] = slots(t, period, n, smooth);
  return (w0 * slotFactor(p, i0, prior) + w1 * slotFactor(p, i1, prior)) / (sum / n);
}

function learnProfile(p: Profile, t: number, period: number, smooth: boolean, x: number, e: number, decayPerBucket: number): void {
  const [i0, i1, w0, w1] = slots(t, period, p.x.length, smooth);
  for (const [i, w] of [
    [i0, w0],
    [i1, w1],
  ] as const) {
    if (w <= 0) continue;
    const d = Math.pow(decayPerBucket, w);
    p.x[i] = p.x[i]! * d + w * x;
    p.e[i] = p.e[i]! * d + w * e;
  }
}

/**
 * Per-bucket constants derived from the options (cheap; computed per call). Until the seasonal
 * profile has seen a few days, the level itself must follow the daily cycle: its half-life grows
 * from an hour with the history seen (a quarter of it) up to the configured one.
 */
function halflifeMs(opts: ModelOptions, n: number): number {
  return Math.min(opts.baselineHalflifeMs, Math.max(HOUR, (n * opts.intervalMs) / 4));
}

function rates(opts: ModelOptions, n: number) {
  const halflife = halflifeMs(opts, n);
  const alpha = 1 - Math.pow(2, -opts.intervalMs / halflife);
  const hodSlotBuckets = Math.max(1, HOUR / opts.intervalMs);
  const daySlotBuckets = Math.max(1, DAY / opts.intervalMs);
  return {
    alpha,
    // A slot is visited hodSlotBuckets times a day (hour of day) or daySlotBuckets times a week (day of week).
    hodDecay: Math.pow(2, -1 / (opts.seasonHalflifeDays * hodSlotBuckets)),
    dowDecay: Math.pow(2, -1 / ((opts.seasonHalflifeDays / 7) * daySlotBuckets)),
    // Shrink each slot's factor towards 1 by one visit's worth of expectation.
    hodPrior: hodSlotBuckets,
    dowPrior: daySlotBuckets,
  };
}

/** Seasonal factors at t: [hour of day, day of week] (1 where not modelled). */
function seasonal(opts: ModelOptions, st: SeriesState, t: number): [number, number] {
  const r = rates(opts, st.n);
  const lvl = Math.max(st.level, 1e-3);
  const h = st.hod ? profileFactor(st.hod, t, DAY, r.hodPrior * lvl, true) : 1;
  const d = st.dow ? profileFactor(st.dow, t, WEEK, r.dowPrior * lvl, false) : 1;
  return [h, d];
}

/** The expected count of the bucket starting at t, as the model stands (NaN during warm-up). */
export function expectedAt(opts: ModelOptions, st: SeriesState, t: number): number {
  if (st.n < opts.warmupBuckets) return Number.NaN;
  const [h, d] = seasonal(opts, st, t);
  return st.level * h * d;
}

function logistic(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * x, or above clipZ (in dispersions) the count that would sit exactly there. A count under
 * `floor` (the minimum count a hot bucket needs) is never clipped: it cannot be part of a spike,
 * and clipping it would bias a sparse series' expectation down.
 */
function clipForLearning(x: number, e: number, dispersion: number, clipZ: number, floor: number): number {
  const limit = clipZ * dispersion;
  if (x <= e || x < floor || devianceZ(x, e) <= limit) return x;
  // Bisect between bounds that depend on e only, so a count of 50 and one of 50,000 clip to the
  // very same value (nothing after an outlier depends on its size).
  let lo = e;
  let hi = Math.max(2 * e, e + 1);
  while (devianceZ(hi, e) <= limit) hi *= 2;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (devianceZ(mid, e) > limit) hi = mid;
    else lo = mid;
  }
  return lo;
}

/**
 * The sustained signal at the newest bucket: the sum of the last `m` buckets without the largest
 * one (so a single outlier cannot drive it), against the sum of their expectations.
 */
function sustained(opts: ModelOptions, recent: Recent[]): { x: number; e: number } | null {
  const m = opts.sustainedBuckets;
  if (m <= 1 || recent.length < m) return null;
  let sx = 0;
  let se = 0;
  let max = recent[recent.length - m]!;
  for (let i = recent.length - m; i < recent.length; i++) {
    const b = recent[i]!;
    sx += b.x;
    se += b.e;
    if (b.x > max.x) max = b;
  }
  return { x: sx - max.x, e: se - max.e };
}

/**
 * Buckets the long (sparse-series) sum spans at expected count `e` per bucket: enough to expect
 * the minimum count a hot bucket needs, at most MAX_LONG_BUCKETS; 0 when the sustained sum already
 * expects a message or more. Over six one-minute buckets at 0.03 per minute the sustained sum
 * expects 0.2 messages and even a six-fold rise rarely reaches three; over sixty it expects 1.8.
 */
function longSpan(opts: ModelOptions, e: number): number {
  const m = opts.sustainedBuckets;
  if (m <= 1) return 0;
  if (m * e >= 1) return 0;
  const span = Math.min(MAX_LONG_BUCKETS, Math.ceil(opts.minCount / e));
  return span > m ? span : 0;
}

/**
 * The long signal: the sum of the last `span` buckets without the largest one (as the sustained
 * signal), against the sum of their expectations.
 */
function longSum(recent: Recent[], span: number): { x: number; e: number } | null {
  if (span === 0 || recent.length < span) return null;
  let sx = 0;
  let se = 0;
  let max = recent[recent.length - span]!;
  for (let i = recent.length - span; i < recent.length; i++) {
    const b = recent[i]!;
    sx += b.x;
    se += b.e;
    if (b.x > max.x) max = b;
  }
  return { x: sx - max.x, e: se - max.e };
}

/**
 * Judges the bucket starting at `t` with count `x`, then learns from it. Buckets must come in time
 * order; a gap (missing buckets) is allowed and simply not learnt from.
 */
export function step(opts: ModelOptions, st: SeriesState, t: number, x: number): Verdict {
  if (st.lastT !== null && t <= st.lastT) {
    throw new RangeError(`buckets must be judged in time order: ${new Date(t).toISOString()} after ${new Date(st.lastT).toISOString()}`);
  }
  if (!(x >= 0) || !Number.isFinite(x)) throw new RangeError(`a bucket count must be a finite number >= 0, got ${x}`);
  st.lastT = t;
  const r = rates(opts, st.n);
  if (st.n < opts.warmupBuckets) {
    // Warm-up: learn the mean level only; nothing is judged.
    st.n++;
    st.level += (x - st.level) / st.n;
    return { t, value: x, expected: Number.NaN, z: 0, score: 0, hot: false, inSpike: false, event: null, spike: null, warm: false };
  }
  st.n++;
  const [h, d] = seasonal(opts, st, t);
  const season = h * d;
  const e = Math.max(st.level * season, 1e-6);
  const dispersion = Math.max(1, st.absZ * ABS_TO_SD);
  const rawZ = devianceZ(x, e);
  const z1 = rawZ / dispersion;
  const eligible1 = x >= opts.minCount && x >= opts.minRatio * e;

  const span = longSpan(opts, e);
  const keep = Math.max(opts.windowBuckets, opts.sustainedBuckets, span);
  st.recent.push({ t, x, e, z: z1, hot: false });
  while (st.recent.length > keep) st.recent.shift();
  const sum = sustained(opts, st.recent);
  const dispersionM = Math.max(1, st.absZm * ABS_TO_SD);
  const rawZm = sum ? devianceZ(sum.x, sum.e) : 0;
  const zm = rawZm / dispersionM;
  const eligibleM = sum !== null && sum.x >= opts.minCount && sum.x >= opts.minRatio * sum.e && x >= e;
  const long = longSum(st.recent, span);
  // The long sum's own residuals are no measure of its spread: without its largest bucket, an hour
  // that expects 1.8 messages is mostly 0 or 1 (z -1.9 or -0.6), so it borrows the sustained one's.
  const zl = long ? devianceZ(long.x, long.e) / dispersionM : 0;
  const eligibleL = long !== null && long.x >= opts.minCount && long.x >= opts.minRatio * long.e && x >= e;

  // The bucket's z is the strongest of the signals that qualify.
  const z = Math.max(z1, eligibleM ? zm : -Infinity, eligibleL ? zl : -Infinity);
  const hot = (eligible1 && z1 >= opts.thresholdZ) || (eligibleM && zm >= opts.thresholdZ) || (eligibleL && zl >= opts.thresholdZ);
  st.recent[st.recent.length - 1]!.hot = hot;
  st.recent[st.recent.length - 1]!.z = z;
  const sc = logistic(2 * (z - opts.thresholdZ));
  const score = hot ? Math.max(sc, 0.5) : Math.min(sc, 0.49);

  let event: SpikeEvent | null = null;
  let sp = st.spike;
  if (!sp) {
    const win = st.recent.slice(-opts.windowBuckets);
    const hots = win.filter((b) => b.hot);
    if (hot && hots.length >= opts.confirmBuckets) {
      // Onset: the first hot bucket of the window, or earlier where a sustained rise began (the run
      // of buckets above expectation that leads up to now).
      let first = hots[0]!.t;
      for (let i = st.recent.length - 1; i >= 0 && st.recent[i]!.x > st.recent[i]!.e; i--) first = Math.min(first, st.recent[i]!.t);
      let peak: Recent | undefined;
      for (const b of st.recent) if (b.t >= first && (!peak || b.x > peak.x)) peak = b;
      sp = st.spike = {
        startedAt: first,
        detectedAt: t + opts.intervalMs,
        peakAt: peak!.t,
        peak: peak!.x,
        peakExpected: peak!.e,
        peakZ: peak!.z,
        calm: 0,
        calmSince: 0,
        endedAt: null,
        endDetectedAt: null,
      };
      event = 'start';
    }
  } else {
    if (x > sp.peak) {
      sp.peak = x;
      sp.peakAt = t;
      sp.peakExpected = e;
      sp.peakZ = z;
      event = 'peak';
    }
    if (!hot && z1 < opts.endZ && (!eligibleM || zm < opts.endZ) && (!eligibleL || zl < opts.endZ)) {
      if (sp.calm === 0) sp.calmSince = t;
      sp.calm++;
    } else sp.calm = 0;
    if (sp.calm >= opts.endAfterBuckets) {
      sp.endedAt = sp.calmSince;
      sp.endDetectedAt = t + opts.intervalMs;
      event = 'end';
      st.spike = null;
      // The window that started it must not start another at once.
      for (const b of st.recent) b.hot = false;
    }
  }

  // Learn. Inside a spike, and once the model has seen `MATURE_MS` of history also in a bucket that
  // is already unusual, the level moves only slowly: a rise that is not yet a spike cannot drag the
  // baseline up with it, while a lasting new normal is still accepted in time. Before that (no
  // seasonal profile yet) an unusual bucket is learnt clipped at the unusual line, so the first
  // day's natural rises are followed. Noise is learnt from ordinary buckets only. The seasonal
  // profile always learns, clipped: a rise that comes back every day becomes expected.
  //
  // Only a bucket that could take part in a spike (it holds at least the minimum count, alone or in
  // the sustained sum) is unusual. On a sparse series every single message has a deviance z over 2
  // (z of 1 at E = 0.04 is 2.1), so treating small counts as unusual would learn every non-zero
  // bucket at reduced weight and every zero in full: the level would settle near a quarter of the
  // true rate, and ordinary noise would then look like a spike.
  const inSpike = sp !== null && sp.endedAt === null;
  const unusual = (z1 >= LEARN_CLIP_Z && x >= opts.minCount) || (sum !== null && zm >= LEARN_CLIP_Z && sum.x >= opts.minCount);
  const mature = st.n * opts.intervalMs >= MATURE_MS;
  if (inSpike) {
    st.level += r.alpha * SPIKE_LEARN_FACTOR * (x / season - st.level);
  } else if (unusual && mature) {
    // Outside a spike, a bucket past the hot line is an outlier: it moves the level no more than a
    // bucket at that line would (learnt unclipped, one burst of 5,000 on a one-a-minute series hid
    // a four-fold rise an hour later).
    st.level += r.alpha * SPIKE_LEARN_FACTOR * (clipForLearning(x, e, dispersion, opts.thresholdZ, opts.minCount) / season - st.level);
  } else if (unusual) {
    st.level += r.alpha * (clipForLearning(x, e, dispersion, LEARN_CLIP_Z, opts.minCount) / season - st.level);
  } else {
    st.level += r.alpha * (x / season - st.level);
    // Dispersion from residuals within ±LEARN_CLIP_Z (symmetric, so the truncation is corrected exactly).
    if (Math.abs(z1) < LEARN_CLIP_Z) st.absZ += r.alpha * (Math.abs(rawZ) - st.absZ);
    if (sum && Math.abs(zm) < LEARN_CLIP_Z) st.absZm += r.alpha * (Math.abs(rawZm) - st.absZm);
  }
  const xc = clipForLearning(x, e, dispersion, SEASON_CLIP_Z, opts.minCount);
  if (st.hod) learnProfile(st.hod, t, DAY, true, xc, Math.max(st.level, 1e-3) * d, r.hodDecay);
  if (st.dow) learnProfile(st.dow, t, WEEK, false, xc, Math.max(st.level, 1e-3) * h, r.dowDecay);
  const active = st.spike !== null;
  return { t, value: x, expected: e, z, score, hot, inSpike: active, event, spike: event ? { ...sp! } : null, warm: true };
}

/**
 * Judges `k` empty buckets (count 0) from `t` on, exactly as `k` calls of `step(opts, st, t, 0)`
 * would (the same state, bit for bit), and returns only the verdicts that carry an event (an empty
 * bucket can end a spike, never start one or peak). Runs of empty buckets are what a quiet night, a
 * restart after downtime or a backlog of old events costs a detector: this path builds no verdict,
 * window copy or tuple per bucket, and derives the per-bucket rates only when they change. It is
 * still one update per bucket: the seasonal profiles learn from each one, and their coupled
 * update has no closed form.
 */
export function stepEmpty(opts: ModelOptions, st: SeriesState, t: number, k: number): Verdict[] {
  const events: Verdict[] = [];
  let halflife = Number.NaN;
  let r!: ReturnType<typeof rates>;
  const pows = new Map<number, Map<number, number>>();
  for (let i = 0; i < k; i++, t += opts.intervalMs) {
    if (st.spike !== null || st.n < opts.warmupBuckets || (st.lastT !== null && t <= st.lastT)) {
      const v = step(opts, st, t, 0);
      if (v.event) events.push(v);
      continue;
    }
    st.lastT = t;
    // rates() depends on n through the half-life only.
    const hl = halflifeMs(opts, st.n);
    if (hl !== halflife) {
      halflife = hl;
      r = rates(opts, st.n);
    }
    st.n++;
    const lvl = Math.max(st.level, 1e-3);
    const h = st.hod ? profileFactor(st.hod, t, DAY, r.hodPrior * lvl, true) : 1;
    const d = st.dow ? profileFactor(st.dow, t, WEEK, r.dowPrior * lvl, false) : 1;
    const season = h * d;
    const e = Math.max(st.level * season, 1e-6);
    const dispersion = Math.max(1, st.absZ * ABS_TO_SD);
    const rawZ = devianceZ(0, e);
    const z1 = rawZ / dispersion;
    const keep = Math.max(opts.windowBuckets, opts.sustainedBuckets, longSpan(opts, e));
    // A count of 0 is under every eligibility bar (min count ≥ 1, x ≥ E > 0): never hot, its z is z1.
    st.recent.push({ t, x: 0, e, z: z1, hot: false });
    while (st.recent.length > keep) st.recent.shift();
    const sum = sustained(opts, st.recent);
    const dispersionM = Math.max(1, st.absZm * ABS_TO_SD);
    const rawZm = sum ? devianceZ(sum.x, sum.e) : 0;
    const zm = rawZm / dispersionM;
    // Learn, as step does outside a spike (z1 < 0 here, so only the sustained sum can be unusual).
    const unusual = sum !== null && zm >= LEARN_CLIP_Z && sum.x >= opts.minCount;
    const mature = st.n * opts.intervalMs >= MATURE_MS;
    if (unusual && mature) {
      st.level += r.alpha * SPIKE_LEARN_FACTOR * (0 / season - st.level);
    } else if (unusual) {
      st.level += r.alpha * (0 / season - st.level);
    } else {
      st.level += r.alpha * (0 / season - st.level);
      if (Math.abs(z1) < LEARN_CLIP_Z) st.absZ += r.alpha * (Math.abs(rawZ) - st.absZ);
      if (sum && Math.abs(zm) < LEARN_CLIP_Z) st.absZm += r.alpha * (Math.abs(rawZm) - st.absZm);
    }
    if (st.hod) learnEmpty(st.hod, t, DAY, true, Math.max(st.level, 1e-3) * d, r.hodDecay, pows);
    if (st.dow) learnEmpty(st.dow, t, WEEK, false, Math.max(st.level, 1e-3) * h, r.dowDecay, pows);
  }
  return events;
}

/** learnProfile for a count of 0, with decay^w looked up (buckets repeat the same few weights). */
function learnEmpty(p: Profile, t: number, period: number, smooth: boolean, e: number, decay: number, pows: Map<number, Map<number, number>>): void {
  const [i0, i1, w0, w1] = slots(t, period, p.x.length, smooth);
  let byW = pows.get(decay);
  if (!byW) pows.set(decay, (byW = new Map()));
  if (w0 > 0) {
    let d = byW.get(w0);
    if (d === undefined) byW.set(w0, (d = Math.pow(decay, w0)));
    p.x[i0] = p.x[i0]! * d + w0 * 0;
    p.e[i0] = p.e[i0]! * d + w0 * e;
  }
  if (w1 > 0) {
    let d = byW.get(w1);
    if (d === undefined) byW.set(w1, (d = Math.pow(decay, w1)));
    p.x[i1] = p.x[i1]! * d + w1 * 0;
    p.e[i1] = p.e[i1]! * d + w1 * e;
  }
}
