/**
 * @module export/parquet
 * Every table and view of a crisiscx database as Parquet, one folder per relation, partitioned by
 * day (UTC) of its event time in Hive style (`messages/day=2026-03-14/data_0.parquet`), so DuckDB,
 * pandas (pyarrow) and Spark read a folder as one table. A `manifest.json` lists what was written.
 *
 * @example
 * const m = await exportParquet(db, { out: 'export/', from: Date.parse('2026-03-14T00:00:00Z') });
 * // duckdb: SELECT * FROM read_parquet('export/messages/*\/*.parquet', hive_partitioning = true)
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from '../store/database.js';
import { quoteIdent, quoteLiteral } from '../store/sql.js';

/**
 * Bookkeeping (wall-clock times, config): exported whole whatever --from/--to say, since a window
 * of event time says nothing about them.
 */
const BOOKKEEPING = new Set(['dead_letters', 'kafka_offsets', 'ingest_runs', 'config_versions', 'replay_runs', 'result_snapshots', 'view_settings', 'triage_targets']);

/** Event-time columns, most telling first: the first one a relation has partitions it. */
const TIME_COLUMNS = ['ts', 'minute', 'opened_at', 'made_at', 'started_at', 'impacted_at', 'received_at', 'taken_at', 'first_applied_at', 'updated_at'];

export interface ParquetExportOptions {
  /** Output folder (created; must be empty unless `force`). */
  out: string;
  /** Only rows at or after this event time (epoch ms), for relations with a time column. */
  from?: number;
  /** Only rows before this event time (epoch ms). */
  to?: number;
  /** Replace what is in `out`. */
  force?: boolean;
  /** Called after each relation (progress lines). */
  onRelation?: (r: ExportedRelation, index: number, total: number) => void;
}

export interface ExportedRelation {
  name: string;
  kind: 'table' | 'view';
  rows: number;
  /** The event-time column it was filtered and partitioned on, if any. */
  time_column: string | null;
  /** Whether --from/--to applied (event-time relations; bookkeeping tables are exported whole). */
  windowed: boolean;
  /** `day` (Hive partition column), or null for a single file. */
  partitioned_by: string | null;
  /** Folder relative to the export root. */
  path: string;
  /** Files written, relative to the export root. */
  files: string[];
}

export interface ExportManifest {
  exported_at: string;
  database: string;
  from: string | null;
  to: string | null;
  relations: ExportedRelation[];
}

export class ExportError extends Error {
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExportError';
  }
}

interface Relation {
  name: string;
  kind: 'table' | 'view';
  columns: { name: string; type: string }[];
}

async function relations(db: Database): Promise<Relation[]> {
  const rows = await db.query<{ name: string; kind: string; column_name: string; data_type: string }>(`
    SELECT r.name, r.kind, c.column_name, c.data_type
    FROM (
      SELECT table_name AS name, 'table' AS kind FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database() AND NOT internal AND NOT temporary
      UNION ALL
      SELECT view_name, 'view' FROM duckdb_views() WHERE schema_name = 'main' AND database_name = current_database() AND NOT internal AND NOT temporary
    ) r
    JOIN duckdb_columns() c ON c.table_name = r.name AND c.schema_name = 'main' AND c.database_name = current_database()
    ORDER BY r.kind, r.name, c.column_index`);
  const byName = new Map<string, Relation>();
  for (const r of rows) {
    let rel = byName.get(r.name);
    if (!rel) byName.set(r.name, (rel = { name: r.name, kind: r.kind as Relation['kind'], columns: [] }));
    rel.columns.push({ name: r.column_name, type: r.data_type });
  }
  return [...byName.values()];
}

function timeColumn(rel: Relation): string | null {
  const tz = new Set(rel.columns.filter((c) => c.type === 'TIMESTAMP WITH TIME ZONE').map((c) => c.name));
  return TIME_COLUMNS.find((c) => tz.has(c)) ?? rel.columns.find((c) => tz.has(c.name))?.name ?? null;
}

function filesUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

const msLiteral = (ms: number) => `make_timestamptz(${Math.round(ms)}::BIGINT * 1000)`;

export async function exportParquet(db: Database, options: ParquetExportOptions): Promise<ExportManifest> {
  const out = resolve(options.out);
  if (options.from !== undefined && options.to !== undefined && options.from >= options.to) {
    throw new ExportError(`--from ${new Date(options.from).toISOString()} is not before --to ${new Date(options.to).toISOString()}`);
  }
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!options.force) throw new ExportError(`${options.out} is not empty; choose an empty folder or pass --force to replace what is in it`);
    rmSync(out, { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });

  const rels = await relations(db);
  const exported: ExportedRelation[] = [];
  for (const [i, rel] of rels.entries()) {
    const tc = timeColumn(rel);
    const where: string[] = [];
    const windowed = tc !== null && !BOOKKEEPING.has(rel.name);
    if (windowed && options.from !== undefined) where.push(`${quoteIdent(tc)} >= ${msLiteral(options.from)}`);
    if (windowed && options.to !== undefined) where.push(`${quoteIdent(tc)} < ${msLiteral(options.to)}`);
    const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const source = `SELECT * FROM ${quoteIdent(rel.name)}${filter}`;
    const count = Number((await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM (${source})`))[0]?.n ?? 0);
    const dir = join(out, rel.name);
    mkdirSync(dir, { recursive: true });
    let partitionedBy: string | null = null;
    if (tc && count > 0) {
      // Hive partition by UTC day of the event time; a relation with its own `day` column gets `export_day`.
      partitionedBy = rel.columns.some((c) => c.name === 'day') ? 'export_day' : 'day';
      await db.run(
        `COPY (SELECT *, CAST(${quoteIdent(tc)} AT TIME ZONE 'UTC' AS DATE) AS ${quoteIdent(partitionedBy)} FROM (${source}))
         TO ${quoteLiteral(dir)} (FORMAT parquet, PARTITION_BY (${quoteIdent(partitionedBy)}), OVERWRITE_OR_IGNORE)`,
      );
    } else {
      // No event time, or no rows: one file, so readers still find the relation and its columns.
      await db.run(`COPY (${source}) TO ${quoteLiteral(join(dir, 'data.parquet'))} (FORMAT parquet)`);
    }
    const r: ExportedRelation = { name: rel.name, kind: rel.kind, rows: count, time_column: tc, windowed: windowed && (options.from !== undefined || options.to !== undefined), partitioned_by: partitionedBy, path: rel.name, files: filesUnder(out, rel.name) };
    exported.push(r);
    options.onRelation?.(r, i, rels.length);
  }
  const manifest: ExportManifest = {
    exported_at: new Date().toISOString(),
    database: db.path,
    from: options.from !== undefined ? new Date(options.from).toISOString() : null,
    to: options.to !== undefined ? new Date(options.to).toISOString() : null,
    relations: exported,
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
