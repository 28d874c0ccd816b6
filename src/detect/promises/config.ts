/** @module detect/promises/config — the `detect.promises` section: promise extraction and fulfilment. */
import { z } from 'zod';
import { isTimeZone } from './extract.js';
import { PROMISE_LANGUAGES } from './languages.js';

const TimeZone = z
  .string()
  .refine(isTimeZone, { error: (i) => `unknown time zone ${JSON.stringify(i.input)}: use an IANA name such as "Europe/Lisbon" or "UTC"` });

export const PromisesConfig = z.strictObject({
  extract: z.boolean().default(true).describe("read promises out of agents' public outbound messages (explicit promise events are always used)"),
  languages: z
    .array(z.enum(PROMISE_LANGUAGES))
    .min(1)
    .default([...PROMISE_LANGUAGES])
    .describe('languages to read promises in: en, es, pt, fr, ru, ar, ja'),
  grace_secs: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(1800)
    .describe('after a promise falls due, how long until it counts as broken; fulfilled within this window it is "late"'),
  match_window_secs: z
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(900)
    .describe('an extracted promise made this close to an explicit promise event of the same conversation (same kind, or either "other") is that promise: the explicit event wins'),
  max_horizon_days: z.number().positive().max(366).default(60).describe('due times further ahead than this are not read as promises'),
  default_timezone: TimeZone.default('UTC').describe("customers' time zone for \"by 5pm\" when the message time carries no offset and the brand has none below"),
  brand_timezones: z.record(z.string(), TimeZone).default({}).describe('time zone per brand, e.g. { aurora-air: Europe/Lisbon }'),
});
export type PromisesConfig = z.output<typeof PromisesConfig>;
