/**
 * @module replay/replay
 * What-if replays: the events of a past crisis, read back from a crisiscx database in event-time
 * order, run again through every stage of a pipeline built from another config (other thresholds,
 * other targets) into a database of their own. Everything derived (scores, spikes, silences,
 * alerts, extracted promises, and so every view) is recomputed; input that is not an event (dead
 * letters, past runs, config versions, earlier snapshots) is carried over. The results before and
 * after are stored with their config versions (`result_snapshots`, `replay_runs`).
 *
 * Nothing is sent to alert sinks unless the config asks for it (`alerts.notify_replays`).
 *
 * @example
 * const report = await replay({ config: loadPipelineConfig('pipelines/chat-10min.yaml'), from: 'crisiscx.duckdb' });
 * // config.database (here the config's own file) now holds the crisis under the new targets
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PipelineConfig } from '../config/pipeline.js';
import { activeConfigHash, configHash } from '../detect/crisis/settings.js';
import { buildPipeline } from '../pipeline/build.js';
import type { PipelineStats } from '../pipeline/pipeline.js';
import { Database } from '../store/database.js';
import { quoteIdent, quoteLiteral } from '../store/sql.js';
import { readResults, storeResults, type Results } from './snapshot.js';
import { StoredEventsSource } from './source.js';

/** Tables that are input rather than derived: copied from the source database as they are. */
export const CARRIED_OVER = ['dead_letters', 'ingest_runs', 'config_versions', 'replay_runs', 'result_snapshots'] as const;

export class ReplayError extends Error {
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReplayError';
  }
}

export interface ReplayOptions {
  /** The config to replay under; `config.database` is where the results go. */
  config: PipelineConfig;
  /** The database whose events are replayed; the same file as `config.database` replays in place. */
  from: string;
  /** Overwrite `config.database` if it exists (it is never the source). */
  force?: boolean;
  /** The config file, recorded with the run. */
  pipelineFile?: string;
  /** Called after every batch (progress lines). */
  onBatch?: (stats: PipelineStats, source: StoredEventsSource) => void;
  now?: () => number;
}

export interface ReplayReport {
  runId: string;
  from: string;
  into: string;
  events: number;
  previousConfigHash: string | undefined;
  configHash: string;
  before: Results;
  after: Results;
}

function removeDatabaseFiles(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
}

export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  const now = options.now ?? Date.now;
  const from = options.from;
  const into = options.config.database;
  if (into === ':memory:') throw new ReplayError('replay needs a database file to write to (--db FILE), not :memory:');
  if (!existsSync(from)) throw new ReplayError(`no database ${from} to replay: pass the crisiscx database that holds the crisis (--from FILE)`);
  const inPlace = resolve(from) === resolve(into);
  if (!inPlace && existsSync(into) && !options.force) {
    throw new ReplayError(`${into} exists; pass --force to overwrite it, or choose another --db (the source ${from} is never changed)`);
  }

  // 1. What the source says now, under the config that produced it.
  const startedAt = now();
  const hash = configHash(options.config);
  const runId = `replay-${new Date(startedAt).toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${hash.slice(0, 8)}`;
  // Read-only, as it is: the source is never changed (its views are the ones it was last opened with).
  const src = await Database.open(from, { migrate: false, settings: { access_mode: 'READ_ONLY' } });
  let previousConfigHash: string | undefined;
  let before: Results;
  try {
    previousConfigHash = await activeConfigHash(src).catch(() => undefined);
    before = await readResults(src);
  } finally {
    await src.close();
  }

  // 2. A fresh database for the results (a temporary file when replacing the source in place).
  const target = inPlace ? `${into}.replay-${process.pid}.tmp` : into;
  removeDatabaseFiles(target);
  const config: PipelineConfig = { ...options.config, database: target, serve: { ...options.config.serve, enabled: false } };
  const source = await StoredEventsSource.open(from, { batchSize: config.limits.batch_size });
  let after: Results;
  try {
    const built = await buildPipeline(config, { live: false, onBatch: (s) => options.onBatch?.(s, source) });
    let pipelineClosed = false;
    try {
      await built.pipeline.runSource(source);
      await built.pipeline.flush();
      // Stages close before the snapshot: the alert stage stores its last rows on close.
      await built.pipeline.close();
      pipelineClosed = true;
      await source.close();
      await carryOver(built.db, from);
      await storeResults(built.db, { runId, phase: 'before', configHash: previousConfigHash, results: before, takenAt: startedAt });
      after = await readResults(built.db);
      await storeResults(built.db, { runId, phase: 'after', configHash: hash, results: after, takenAt: now() });
      await built.db.run(
        `INSERT INTO replay_runs (run_id, started_at, finished_at, config_hash, previous_config_hash, pipeline_file, source_db, events)
         VALUES ($1, make_timestamptz($2::BIGINT * 1000), make_timestamptz($3::BIGINT * 1000), $4, $5, $6, $7, $8)`,
        [runId, startedAt, now(), hash, previousConfigHash ?? null, options.pipelineFile ?? null, resolve(from), source.total],
      );
      await built.db.checkpoint();
    } finally {
      if (!pipelineClosed) await built.pipeline.close().catch(() => undefined);
      await built.db.close();
    }
  } catch (err) {
    await source.close().catch(() => undefined);
    if (inPlace) removeDatabaseFiles(target);
    throw err;
  }
  if (inPlace) {
    rmSync(`${into}.wal`, { force: true });
    renameSync(target, into);
  }
  return { runId, from, into, events: source.total, previousConfigHash, configHash: hash, before, after };
}

/** Copies the source's non-event input tables into the replayed database. */
async function carryOver(db: Database, from: string): Promise<void> {
  await db.run(`ATTACH ${quoteLiteral(resolve(from))} AS replay_source (READ_ONLY)`);
  try {
    for (const t of CARRIED_OVER) {
      // Columns both sides have: a source written by another crisiscx version still carries over.
      const cols = await db.query<{ column_name: string }>(
        `SELECT s.column_name FROM duckdb_columns() s
         JOIN duckdb_columns() d ON d.table_name = s.table_name AND d.column_name = s.column_name AND d.database_name = current_database() AND d.schema_name = 'main'
         WHERE s.database_name = 'replay_source' AND s.schema_name = 'main' AND s.table_name = $1
         ORDER BY s.column_index`,
        [t],
      );
      if (cols.length === 0) continue;
      const list = cols.map((c) => quoteIdent(c.column_name)).join(', ');
      const conflict = t === 'config_versions' ? ' ON CONFLICT DO NOTHING' : '';
      await db.run(`INSERT INTO main.${quoteIdent(t)} (${list}) SELECT ${list} FROM replay_source.main.${quoteIdent(t)}${conflict}`);
    }
  } finally {
    await db.run('DETACH replay_source');
  }
}
