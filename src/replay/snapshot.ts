/**
 * @module replay/snapshot
 * The results a config produced, read from the views as JSON rows, so a replay can store them
 * (`result_snapshots`) next to the config version and compare them with another config's.
 *
 * @example
 * const before = await readResults(db);
 * await storeResults(db, { runId, phase: 'before', configHash, results: before });
 */
import type { Database } from '../store/database.js';
import { quoteIdent } from '../store/sql.js';

/** Views whose rows a snapshot keeps (the headline figures and the scorecards). */
export const SNAPSHOT_VIEWS = ['brand_summary', 'crisis_periods', 'triage_scorecard', 'promise_scorecard', 'channel_guidance', 'proactive_coverage'] as const;

/** Relation name → rows as JSON text. */
export type Results = Record<string, string[]>;

async function relationExists(db: Database, name: string): Promise<boolean> {
  const r = await db.query<{ n: bigint }>(
    `SELECT count(*) AS n FROM (SELECT view_name AS name FROM duckdb_views() WHERE NOT internal UNION ALL SELECT table_name FROM duckdb_tables()) WHERE name = $1`,
    [name],
  );
  return Number(r[0]?.n ?? 0) > 0;
}

/** Reads the snapshot views (and alert counts, when the alert views exist) as JSON rows. */
export async function readResults(db: Database): Promise<Results> {
  const out: Results = {};
  for (const v of SNAPSHOT_VIEWS) {
    if (!(await relationExists(db, v))) continue;
    const rows = await db.query<{ j: string }>(`SELECT to_json(t)::VARCHAR AS j FROM ${quoteIdent(v)} t ORDER BY j`);
    out[v] = rows.map((r) => r.j);
  }
  // Alerts are the alert engine's (sql/views/18_alerts.sql): how many fired, per brand and rule.
  if (await relationExists(db, 'alert_episodes')) {
    const rows = await db.query<{ j: string }>(
      `SELECT to_json(t)::VARCHAR AS j FROM (SELECT brand, rule, count(*) AS episodes, count(fired_at) AS fired FROM alert_episodes GROUP BY brand, rule) t ORDER BY j`,
    );
    out.alert_counts = rows.map((r) => r.j);
  }
  return out;
}

export interface StoreResultsOptions {
  runId: string;
  phase: 'before' | 'after';
  configHash: string | undefined;
  results: Results;
  takenAt?: number;
}

/** Appends a snapshot to `result_snapshots`. */
export async function storeResults(db: Database, o: StoreResultsOptions): Promise<void> {
  const takenAt = o.takenAt ?? Date.now();
  for (const [relation, rows] of Object.entries(o.results)) {
    if (rows.length === 0) continue;
    await db.run(
      `INSERT INTO result_snapshots (run_id, phase, config_hash, taken_at, relation, row_json)
       SELECT $1, $2, $3, make_timestamptz($4::BIGINT * 1000), $5, unnest(from_json($6::JSON, '["JSON"]'))`,
      [o.runId, o.phase, o.configHash ?? null, takenAt, relation, `[${rows.join(',')}]`],
    );
  }
}

/** brand_summary rows of a snapshot, parsed. */
export function brandSummaries(results: Results): Record<string, unknown>[] {
  return (results.brand_summary ?? []).map((j) => JSON.parse(j) as Record<string, unknown>);
}
