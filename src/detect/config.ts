/**
 * @module detect/config
 * The `detect` section of a pipeline config: one key per detector, each schema in its own folder.
 */
import { z } from 'zod';
import { CrisisConfig } from './crisis/config.js';
import { PromisesConfig } from './promises/config.js';
import { SilenceConfig } from './silence/config.js';
import { SpikesConfig } from './spikes/config.js';
import { TriageConfig } from './triage/config.js';

export const DetectConfig = z.strictObject({
  spikes: SpikesConfig.prefault({}),
  silence: SilenceConfig.prefault({}),
  triage: TriageConfig.prefault({}),
  promises: PromisesConfig.prefault({}),
  crisis: CrisisConfig.prefault({}),
});
export type DetectConfig = z.output<typeof DetectConfig>;
