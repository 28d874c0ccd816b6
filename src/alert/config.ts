/** @module alert/config — the `alerts` section of a pipeline config: rules and sinks. */
import { z } from 'zod';

export const AlertsConfig = z.strictObject({});
export type AlertsConfig = z.output<typeof AlertsConfig>;
