/** @module detect/triage/config — the `detect.triage` section: first-response targets per severity (and channel). */
import { z } from 'zod';
import { MESSAGE_CHANNELS, SEVERITIES } from '../../contract/events.js';

const Secs = z.number().positive().max(30 * 86_400);

export const DEFAULT_TARGETS_SECS = { critical: 900, high: 3600, normal: 14_400, low: 86_400 } as const;

export const TriageConfig = z.strictObject({
  targets_secs: z
    .strictObject({
      critical: Secs.default(DEFAULT_TARGETS_SECS.critical).describe('first-response target for critical cases (15 min)'),
      high: Secs.default(DEFAULT_TARGETS_SECS.high).describe('for high (1 h)'),
      normal: Secs.default(DEFAULT_TARGETS_SECS.normal).describe('for normal (4 h)'),
      low: Secs.default(DEFAULT_TARGETS_SECS.low).describe('for low (24 h)'),
    })
    .prefault({})
    .describe('first-response target per severity, in seconds'),
  channel_targets_secs: z
    .partialRecord(
      z.enum(MESSAGE_CHANNELS),
      z.union([Secs, z.partialRecord(z.enum(SEVERITIES), Secs)]),
    )
    .default({})
    .describe('per-channel overrides: a number for every severity on that channel (chat: 600), or per severity (chat: { normal: 600 })'),
});
export type TriageConfig = z.output<typeof TriageConfig>;

/** The (severity, channel, target) rows the views read; channel '*' is the default for any channel. */
export function targetRows(cfg: TriageConfig): { severity: string; channel: string; target_secs: number }[] {
  const rows = SEVERITIES.map((severity) => ({ severity, channel: '*', target_secs: cfg.targets_secs[severity] }));
  for (const [channel, v] of Object.entries(cfg.channel_targets_secs)) {
    if (v === undefined) continue;
    for (const severity of SEVERITIES) {
      const secs = typeof v === 'number' ? v : v[severity];
      if (secs !== undefined) rows.push({ severity, channel, target_secs: secs });
    }
  }
  return rows;
}
