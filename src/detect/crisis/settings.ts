/**
 * @module detect/crisis/settings
 * The SQL views are plain SQL, so the config values they depend on (triage targets, the crisis
 * merge gap, the promise grace period) live in tables they read: `triage_targets` and
 * `view_settings`. This writes them from the pipeline config whenever a pipeline opens the
 * database, and records the config version (`config_versions`) so results can be traced to the
 * config that produced them; a what-if replay under another config gives other numbers.
 *
 * @example
 * const hash = await applyViewSettings(db, parsePipelineConfig({ detect: { triage: { channel_targets_secs: { chat: 600 } } } }));
 */
import { createHash } from 'node:crypto';
import type { PipelineConfig } from '../../config/pipeline.js';
import type { Database } from '../../store/database.js';
import { targetRows } from '../triage/config.js';

/** JSON with object keys sorted, so equal configs hash alike whatever their key order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Identifies the part of a config that shapes results (scoring, detectors, alert rules), not where
 * it reads from or serves: the same thresholds on another file or port are the same version.
 */
export function configHash(config: PipelineConfig): string {
  const shaping = { score: config.score, detect: config.detect, alerts: config.alerts };
  return createHash('sha256').update(stableJson(shaping)).digest('hex').slice(0, 16);
}

/** The `view_settings` rows a config gives: key, value, what it means. */
export function settingRows(config: PipelineConfig): { key: string; value: number; description: string }[] {
  const d = config.detect;
  return [
    { key: 'crisis_merge_gap_secs', value: d.crisis.merge_gap_secs, description: 'spikes and incidents of a brand closer than this form one crisis period (detect.crisis.merge_gap_secs)' },
    { key: 'promise_grace_secs', value: d.promises.grace_secs, description: 'a promise unfulfilled this long after its due time is broken (detect.promises.grace_secs)' },
    { key: 'promise_match_window_secs', value: d.promises.match_window_secs, description: 'an extracted promise this close to an explicit one of the same conversation is that promise (detect.promises.match_window_secs)' },
  ];
}

/** Writes the view settings and triage targets of `config` and records its version; returns the hash. */
export async function applyViewSettings(db: Database, config: PipelineConfig, now = Date.now()): Promise<string> {
  const hash = configHash(config);
  await db.transaction(async () => {
    for (const s of settingRows(config)) {
      await db.run(
        `INSERT INTO view_settings (key, value, description) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, description = excluded.description`,
        [s.key, s.value, s.description],
      );
    }
    await db.run('DELETE FROM triage_targets');
    for (const t of targetRows(config.detect.triage)) {
      await db.run('INSERT INTO triage_targets (severity, channel, target_secs) VALUES ($1, $2, $3)', [t.severity, t.channel, t.target_secs]);
    }
    await db.run(
      `INSERT INTO config_versions (config_hash, name, first_applied_at, last_applied_at, config_json)
       VALUES ($1, $2, make_timestamptz($3::BIGINT * 1000), make_timestamptz($3::BIGINT * 1000), $4::JSON)
       ON CONFLICT (config_hash) DO UPDATE SET last_applied_at = excluded.last_applied_at, name = excluded.name`,
      [hash, config.name, now, JSON.stringify(config)],
    );
  });
  return hash;
}

/** The config version whose settings the views read now (the last one applied), if any. */
export async function activeConfigHash(db: Database): Promise<string | undefined> {
  const rows = await db.query<{ config_hash: string }>('SELECT config_hash FROM config_versions ORDER BY last_applied_at DESC, config_hash LIMIT 1');
  return rows[0]?.config_hash;
}

/** Stage factory (pipeline/stages.ts): applies the settings when the pipeline is built; adds no stage. */
export const viewSettings = async ({ config, db }: { config: PipelineConfig; db: Database }): Promise<undefined> => {
  await applyViewSettings(db, config);
  return undefined;
};
