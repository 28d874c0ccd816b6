/**
 * @module store/database
 * The DuckDB database crisiscx writes to and analysts read from: one file, the schema of
 * sql/schema.sql and the views of sql/views/ applied on every open, times in UTC.
 *
 * @example
 * const db = await Database.open('crisiscx.duckdb');
 * const rows = await db.query('SELECT count(*) AS n FROM events');
 * await db.close();
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { splitSqlFile } from './sql.js';

/** The sql/ folder shipped with crisiscx (works from src/ under tsx and from dist/). */
export function sqlDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'sql');
}

/** sql/schema.sql first, then every other .sql file in sql/ and sql/views/ in name order. */
export function sqlFiles(dir = sqlDir()): string[] {
  const files = [join(dir, 'schema.sql')];
  for (const sub of ['', 'views']) {
    const d = join(dir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) {
      if (f.endsWith('.sql') && !(sub === '' && f === 'schema.sql')) files.push(join(d, f));
    }
  }
  return files;
}

export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

export interface OpenOptions {
  /** Apply schema and views (default true). */
  migrate?: boolean;
  /** Settings applied to the instance (e.g. { threads: '2', memory_limit: '4GB' }), over DEFAULT_SETTINGS. */
  settings?: Record<string, string>;
}

/**
 * DuckDB settings crisiscx opens every file with unless told otherwise. `checkpoint_threshold`:
 * DuckDB's default (16 MiB of write-ahead log) checkpoints every ~25k ingested events, and each
 * checkpoint rewrites the table's open row groups, so ingest slowed down as the file grew (1M
 * events: 47 CPU-s at 16 MiB, 26 CPU-s at 256 MiB, 27 at 1 GiB; RSS 758, 865, 1036 MiB). The cost
 * of a larger log is a longer replay of it when a crashed process reopens the file.
 */
export const DEFAULT_SETTINGS: Readonly<Record<string, string>> = { checkpoint_threshold: '256MB' };

export type Row = Record<string, unknown>;

export class Database {
  private constructor(
    readonly path: string,
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(path: string, options: OpenOptions = {}): Promise<Database> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, { ...DEFAULT_SETTINGS, ...options.settings });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/lock/i.test(msg)) {
        throw new DatabaseError(
          `${path} is open in another process (DuckDB allows one writer per file). Stop that process, ` +
            `or query it through its server (crisiscx serve / the SQL API), or use another --db file.`,
          true,
          { cause: err },
        );
      }
      throw new DatabaseError(`cannot open database ${path}: ${msg}`, false, { cause: err });
    }
    const connection = await instance.connect();
    // Results and date arithmetic in UTC, whatever the machine's zone.
    await connection.run("SET TimeZone = 'UTC'");
    const db = new Database(path, instance, connection);
    if (options.migrate !== false) await db.migrate();
    return db;
  }

  /** Applies sql/schema.sql and the views; every statement there is idempotent. */
  async migrate(dir = sqlDir()): Promise<void> {
    for (const file of sqlFiles(dir)) {
      const text = readFileSync(file, 'utf8');
      for (const stmt of splitSqlFile(text)) {
        try {
          await this.connection.run(stmt);
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          throw new DatabaseError(`${file}: ${msg}\n  in: ${stmt.slice(0, 200)}`, false, { cause: err });
        }
      }
    }
  }

  /** Runs a statement and returns its rows as plain JS objects (BIGINT as bigint, times as Date-like values). */
  async query<T extends Row = Row>(sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  }

  /** Rows as JSON-safe values (BIGINT as number or string, times as ISO strings). */
  async queryJson(sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<{ columns: string[]; rows: Row[] }> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Row[] };
  }

  async run(sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<void> {
    await this.connection.run(sql, params);
  }

  /** Runs fn in a transaction: committed if it resolves, rolled back if it throws. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const r = await fn();
      await this.connection.run('COMMIT');
      return r;
    } catch (err) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async checkpoint(): Promise<void> {
    await this.connection.run('CHECKPOINT');
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
