/** @module telemetry/config — the `telemetry` section of a pipeline config (OpenTelemetry). */
import { z } from 'zod';

export const TelemetryConfig = z.strictObject({});
export type TelemetryConfig = z.output<typeof TelemetryConfig>;
