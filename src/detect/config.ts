/**
 * @module detect/config
 * The `detect` section of a pipeline config: one key per detector, each schema in its own folder.
 */
import { z } from 'zod';

export const DetectConfig = z.strictObject({});
export type DetectConfig = z.output<typeof DetectConfig>;
