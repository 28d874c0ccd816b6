/** @module detect/crisis/config — the `detect.crisis` section: how crisis periods are drawn (view crisis_periods). */
import { z } from 'zod';

export const CrisisConfig = z.strictObject({
  merge_gap_secs: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(900)
    .describe('spikes and declared incidents of a brand less than this far apart form one crisis period'),
});
export type CrisisConfig = z.output<typeof CrisisConfig>;
