/** @module detect/silence/config — the `detect.silence` section: customers left waiting, and the brand quiet in public during a crisis. */
import { z } from 'zod';
import { MESSAGE_CHANNELS, SEVERITIES } from '../../contract/events.js';

const Secs = z.number().positive().max(90 * 86_400);

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof DAYS)[number];

const HHMM = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, { error: (i) => `expected a time of day like "09:00" or "17:30" (24:00 for midnight at the end of the day), got ${JSON.stringify(i.input)}` });

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const BusinessHours = z
  .strictObject({
    timezone: z
      .string()
      .refine(isTimeZone, { error: (i) => `unknown time zone ${JSON.stringify(i.input)}: use an IANA name such as "Europe/Lisbon" or "UTC"` })
      .describe('IANA time zone the hours are in'),
    days: z.array(z.enum(DAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']).describe('open days'),
    from: HHMM.default('09:00').describe('opening time, local'),
    to: HHMM.default('17:00').describe('closing time, local'),
  })
  .refine((b) => b.from < b.to, { error: (i) => `business hours must open before they close: from ${JSON.stringify((i.input as { from?: string }).from)} is not before to ${JSON.stringify((i.input as { to?: string }).to)}` });
export type BusinessHours = z.output<typeof BusinessHours>;

export const DEFAULT_CHANNEL_THRESHOLDS_SECS = { chat: 300, social: 1800, ticket: 14_400, email: 14_400, sms: 1800, voice: 3600 } as const;

const CustomerSilenceConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('false: no customer silence detections'),
  channel_thresholds_secs: z
    .strictObject({
      chat: Secs.default(DEFAULT_CHANNEL_THRESHOLDS_SECS.chat).describe('chat: 5 min'),
      social: Secs.default(DEFAULT_CHANNEL_THRESHOLDS_SECS.social).describe('social: 30 min'),
      ticket: Secs.default(DEFAULT_CHANNEL_THRESHOLDS_SECS.ticket).describe('ticket: 4 h'),
      email: Secs.default(DEFAULT_CHANNEL_THRESHOLDS_SECS.email).describe('email: 4 h'),
      sms: Secs.default(DEFAULT_CHANNEL_THRESHOLDS_SECS.sms).describe('sms: 30 min'),
      voice: Secs.default(DEFAULT_CHANNEL_THRESHOLDS_SECS.voice).describe('voice (voicemail, callback request): 1 h'),
    })
    .prefault({})
    .describe('how long a customer may wait for a public reply, per channel of the message that started the wait'),
  severity_thresholds_secs: z
    .partialRecord(z.enum(SEVERITIES), Secs)
    .default({ critical: 900 })
    .describe('a tighter limit for a severity on any channel (the smaller of the channel and the severity limit applies); default critical: 15 min'),
  warn_at: z
    .array(z.number().gt(0).lt(1))
    .max(5)
    .default([0.5, 0.8])
    .transform((xs) => [...new Set(xs)].sort((a, b) => a - b))
    .describe('fractions of the limit at which to warn before the breach ([] for none)'),
  pause_statuses: z
    .array(z.string().min(1).max(100))
    .default(['pending', 'on-hold', 'on_hold', 'hold'])
    .transform((xs) => xs.map((x) => x.toLowerCase()))
    .describe('ticket statuses (case-insensitive) during which the clock pauses: the ticket waits on the customer ([] to never pause)'),
  pleasantries: z.boolean().default(true).describe('a closing pleasantry after a reply ("thanks!", "ok 👍", "gracias") opens no silence'),
  extra_pleasantries: z
    .array(z.string().min(1).max(60))
    .default([])
    .describe('more words or phrases that count as a pleasantry, e.g. ["cheers", "nice one"]'),
  business_hours: z
    .partialRecord(z.enum(MESSAGE_CHANNELS), BusinessHours)
    .default({})
    .describe('per channel, the hours the silence clock runs in (e.g. email: { timezone: Europe/Lisbon, days: [mon, tue, wed, thu, fri], from: "09:00", to: "18:00" }); channels not listed: always'),
  forget_after_secs: Secs.default(7 * 86_400).describe(
    'an answered conversation with no activity for this long is forgotten (bounded memory); a pleasantry after that opens a silence',
  ),
  abandon_after_secs: Secs.nullable()
    .default(3 * 86_400)
    .describe(
      'a waiting conversation with no activity at all for this long (no message either way, no ticket change) is abandoned: its alert resolves, saying so ("abandoned, no reply and no activity for 3 d"), and the detector forgets it (bounded memory); view silence_gaps still shows the gap open and unanswered, and a later message from the customer starts a new wait for the detector; null: never (waiting customers are tracked until answered)',
    ),
});

const BrandSilenceConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('false: no brand silence detections'),
  threshold_secs: Secs.default(1800).describe('during a crisis (an active spike or a declared incident), the longest the brand may go without a broadcast'),
});

export const SilenceConfig = z.strictObject({
  customer: CustomerSilenceConfig.prefault({}).describe('a conversation whose latest inbound messages have no public reply yet'),
  brand: BrandSilenceConfig.prefault({}).describe('the brand quiet in public while a crisis runs'),
});
export type SilenceConfig = z.output<typeof SilenceConfig>;
export type CustomerSilenceConfig = SilenceConfig['customer'];

export { DAYS as WEEKDAYS };
