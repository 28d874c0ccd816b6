/**
 * @module normalize/adapters/options
 * The adapter settings a source carries in the pipeline config (a file source, a Kafka topic):
 * which format its records are in, the brand to stamp on them and the brand's own accounts. One
 * schema, spread into every source config that reads adapter formats, so the keys and their
 * documentation are the same everywhere.
 *
 * @example
 * const TopicConfig = z.strictObject({ topic: z.string(), ...ADAPTER_CONFIG_FIELDS });
 * const options = adapterOptionsFromConfig(TopicConfig.parse(raw)); // { brand, brandAccounts }
 */
import { z } from 'zod';
import type { AdapterOptions } from './adapter.js';
import { ADAPTERS } from './index.js';

/** An adapter name; an unknown one is refused with the list of known ones. */
export const FormatName = z
  .string()
  .default('canonical')
  .superRefine((f, ctx) => {
    if (!Object.hasOwn(ADAPTERS, f)) ctx.addIssue({ code: 'custom', input: f, message: `unknown format ${JSON.stringify(f)}: use one of ${Object.keys(ADAPTERS).join(', ')}` });
  })
  .describe(`adapter the records are in: ${Object.keys(ADAPTERS).join(', ')} (see docs/adapters.md)`);

/** The keys, to spread into a source's strict config object. */
export const ADAPTER_CONFIG_FIELDS = {
  format: FormatName,
  brand: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('brand stamped on every event from this source; default: what the format says (twcs: the replying company), else "default"'),
  brand_accounts: z
    .array(z.string().min(1).max(200))
    .default([])
    .describe(
      "the brand's own accounts: X user ids or @handles (x, twcs: decides inbound or outbound), Zendesk agent user ids (zendesk: decides who wrote a comment when the record does not say)",
    ),
};

export const AdapterConfig = z.strictObject(ADAPTER_CONFIG_FIELDS);
export type AdapterConfig = z.output<typeof AdapterConfig>;

/** The config keys (snake_case) as the options adapters take. */
export function adapterOptionsFromConfig(cfg: { brand?: string | undefined; brand_accounts?: string[] | undefined }): AdapterOptions {
  const out: AdapterOptions = {};
  if (cfg.brand !== undefined) out.brand = cfg.brand;
  if (cfg.brand_accounts && cfg.brand_accounts.length > 0) out.brandAccounts = [...cfg.brand_accounts];
  return out;
}
