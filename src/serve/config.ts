/** @module serve/config — the `serve` section of a pipeline config. */
import { z } from 'zod';

export const ServeConfig = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().default('127.0.0.1').describe('bind address; anything but loopback needs an access token'),
  port: z.number().int().min(0).max(65535).default(8080),
});
export type ServeConfig = z.output<typeof ServeConfig>;
