/** @module score/config — the `score` section of a pipeline config (upset scoring). */
import { z } from 'zod';

export const ScoreConfig = z.strictObject({
  upset_threshold: z.number().min(0).max(1).default(0.5).describe('score at or above which a message is labelled upset'),
});
export type ScoreConfig = z.output<typeof ScoreConfig>;
