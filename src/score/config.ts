/** @module score/config — the `score` section of a pipeline config (upset scoring). */
import { z } from 'zod';

export const ScoreConfig = z.strictObject({
  upset_threshold: z.number().min(0).max(1).default(0.5).describe('score at or above which a message is labelled upset'),
  sentiment_weight: z
    .number()
    .min(0)
    .max(1)
    .default(0.35)
    .describe('share of the score taken from an upstream `sentiment` field when a message carries one (doubled, up to 1, for languages without a lexicon); 0 ignores it'),
  repeat_contact_window_secs: z
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(3600)
    .describe('earlier unanswered messages, other conversations and other channels of the same customer count as upset signals when this recent (event time)'),
  max_tracked_customers: z
    .number()
    .int()
    .min(1000)
    .max(10_000_000)
    .default(100_000)
    .describe('most customers (and most conversations) remembered for repeat-contact signals; the least recently seen (event time) are forgotten first (about 250 bytes of memory per customer or conversation, ids included: 100,000 of each ≈ 45 MB)'),
  default_lang: z
    .string()
    .min(2)
    .max(35)
    .default('en')
    .describe('language (BCP 47) assumed for short texts without `lang` whose language the scorer cannot tell'),
  detect_min_chars: z
    .number()
    .int()
    .min(5)
    .max(1000)
    .default(20)
    .describe('shortest text without `lang` on which trigram language detection (franc) is tried when the word vote is unclear'),
});
export type ScoreConfig = z.output<typeof ScoreConfig>;
