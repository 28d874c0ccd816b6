/**
 * @module serve/live/reader
 * Read-only queries for the live page and the reports, on a connection of their own: a page
 * refresh never runs inside the pipeline's batch transaction (DuckDB gives each connection a
 * consistent snapshot of committed data). Rows come back plain: numbers for BIGINT, epoch
 * milliseconds for times.
 *
 * @example
 * const reader = await ViewReader.open(db);
 * const rows = await reader.rows('SELECT * FROM crisis_periods WHERE brand = $brand', { brand: 'aurora-air' });
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { Database } from '../../store/database.js';

export type PlainValue = string | number | boolean | null | PlainValue[] | { [k: string]: PlainValue };
export type PlainRow = Record<string, PlainValue>;

export class ViewQueryError extends Error {
  readonly retriable = false;
  constructor(
    message: string,
    readonly sql: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ViewQueryError';
  }
}

function plain(v: unknown): PlainValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.getTime();
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    const out: Record<string, PlainValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = plain(x);
    return out;
  }
  return String(v);
}

export class ViewReader {
  private views: Set<string> | undefined;
  /** consistent() calls run one at a time: they share the connection's transaction. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly connection: DuckDBConnection) {}

  static async open(db: Database): Promise<ViewReader> {
    const connection = await db.instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    return new ViewReader(connection);
  }

  async rows<T extends PlainRow = PlainRow>(sql: string, params?: Record<string, DuckDBValue>): Promise<T[]> {
    try {
      // DuckDB refuses values for parameters a statement does not use; callers pass one set for several.
      const used = params ? Object.fromEntries(Object.entries(params).filter(([k]) => new RegExp(`\\$${k}\\b`).test(sql))) : undefined;
      const res = await this.connection.runAndReadAll(sql, used && Object.keys(used).length > 0 ? used : undefined);
      return res.getRowObjectsJS().map((r) => plain(r)) as T[];
    } catch (err) {
      throw new ViewQueryError(`query failed: ${(err as Error).message}`, sql, { cause: err });
    }
  }

  async one<T extends PlainRow = PlainRow>(sql: string, params?: Record<string, DuckDBValue>): Promise<T | undefined> {
    return (await this.rows<T>(sql, params))[0];
  }

  /**
   * Runs `fn` in one read-only transaction: every query in it sees the same committed data, so a
   * page never shows a count from before a batch next to a list from after it.
   */
  consistent<T>(fn: (reader: ViewReader) => Promise<T>): Promise<T> {
    const run = async () => {
      await this.connection.run('BEGIN TRANSACTION READ ONLY');
      try {
        return await fn(this);
      } finally {
        await this.connection.run('COMMIT').catch(() => this.connection.run('ROLLBACK').catch(() => undefined));
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Whether a view or table exists (views land as the detectors do; panels without theirs say so). */
  async has(name: string): Promise<boolean> {
    if (!this.views) {
      const rows = await this.rows<{ name: string }>(
        'SELECT view_name AS name FROM duckdb_views() WHERE NOT internal UNION ALL SELECT table_name FROM duckdb_tables()',
      );
      this.views = new Set(rows.map((r) => r.name));
    }
    return this.views.has(name);
  }

  /** Column names of a view or table. */
  async columns(name: string): Promise<string[]> {
    const rows = await this.rows<{ column_name: string }>('SELECT column_name FROM duckdb_columns() WHERE table_name = $name ORDER BY column_index', { name });
    return rows.map((r) => r.column_name);
  }

  close(): void {
    this.connection.closeSync();
  }
}
