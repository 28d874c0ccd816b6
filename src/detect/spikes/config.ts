/** @module detect/spikes/config — the `detect.spikes` section: spikes of upset volume per brand × channel. */
import { z } from 'zod';

export const SpikesConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('false: no spike detection (no spike_updates rows, no spike detections)'),
  bucket_secs: z
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(60)
    .describe('width of a time bucket: upset inbound messages are counted per bucket and each closed bucket is judged once'),
  allowed_lateness_secs: z
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(60)
    .describe('a bucket is judged once the watermark (replays) or the clock (live) is this far past its end; later events re-judge it'),
  threshold_z: z
    .number()
    .min(1)
    .max(20)
    .default(3.5)
    .describe('sensitivity: how far above the expected count (Poisson deviance z, scaled by the observed over-dispersion) a bucket must be to count as hot; lower finds more'),
  min_upset_per_bucket: z
    .number()
    .min(1)
    .default(3)
    .describe('a bucket with fewer upset messages than this is never hot, whatever its z (quiet series stay quiet)'),
  min_ratio: z
    .number()
    .min(1)
    .default(1.5)
    .describe('a hot bucket must also hold at least this many times the expected count'),
  confirm_buckets: z
    .number()
    .int()
    .min(1)
    .max(60)
    .default(2)
    .describe('a spike starts when this many of the last `window_buckets` buckets are hot: 2 or more means one odd bucket never pages'),
  sustained_buckets: z
    .number()
    .int()
    .min(1)
    .max(240)
    .default(6)
    .describe('also judge the sum of the last this-many buckets without their largest one, so a sustained moderate rise is found and a single outlier still is not; 1 turns it off'),
  window_buckets: z.number().int().min(1).max(60).default(3).describe('the window `confirm_buckets` is counted in'),
  end_z: z.number().min(0).max(20).default(1.5).describe('a bucket under this z is calm; hysteresis: a spike ends only after `end_after_buckets` calm buckets in a row'),
  end_after_buckets: z.number().int().min(1).max(1440).default(10).describe('calm buckets in a row that end a spike'),
  baseline_halflife_secs: z
    .number()
    .positive()
    .max(30 * 86_400)
    .default(21_600)
    .describe('how fast the baseline level follows the series outside spikes (half-life of its exponential average; shorter during the first days, while the seasonal profile is learnt)'),
  seasonality: z
    .enum(['none', 'daily', 'weekly'])
    .default('weekly')
    .describe('seasonal profile learnt on top of the level: none, daily (hour of day), weekly (hour of day × day of week), in UTC'),
  season_halflife_days: z.number().positive().max(365).default(14).describe('how long the seasonal profile remembers (half-life, in days)'),
  warmup_buckets: z.number().int().min(1).max(100_000).default(30).describe('buckets a new series is only learnt from, never judged'),
  history_days: z
    .number()
    .min(0)
    .max(90)
    .default(14)
    .describe('on start, the detector relearns this much stored history from `messages`, so a restart keeps its baseline and open spikes'),
  overall: z.boolean().default(true).describe("also detect spikes of a brand's upset volume over all channels (channel '*')"),
});
export type SpikesConfig = z.output<typeof SpikesConfig>;
