/**
 * @module serve/sql-api
 * `POST /api/sql`: analysts' and Grafana's read-only SQL over the live database, served by the
 * process that owns the file (DuckDB lets one process hold it).
 *
 * Four layers keep it read-only, each checked by DuckDB itself rather than by pattern matching:
 * 1. DuckDB parses the request: exactly one statement, and its type (from the prepared statement)
 *    must be SELECT (which covers WITH, FROM-first, VALUES, DESCRIBE, SHOW, SUMMARIZE and
 *    read-only PRAGMAs). COPY, ATTACH, INSTALL, LOAD, SET, CALL, EXPORT, EXPLAIN, DDL and DML are
 *    refused before they run.
 * 2. The statement runs inside `BEGIN TRANSACTION READ ONLY`, so a SELECT with a side effect
 *    (`nextval`, `checkpoint()`) fails.
 * 3. External access is switched off for the database instance (`enable_external_access =
 *    false`), so `read_csv('/etc/passwd')`, `read_text`, `glob` and friends cannot reach files.
 *    DuckDB only has this setting per instance and cannot turn it back on while running: once the
 *    SQL API starts, nothing in this process reads or writes files through SQL other than the
 *    database itself (Parquet export runs as its own command, in its own process).
 * 4. Rows, response bytes and time are bounded: a result is cut at `max_rows` or
 *    `max_response_bytes` (reported as `truncated`), and a query running past `timeout_ms` is
 *    interrupted.
 *
 * @example
 * const api = await SqlApi.create(db, { max_rows: 10000, timeout_ms: 5000 });
 * const r = await api.query('SELECT channel, count(*) AS n FROM messages GROUP BY ALL');
 * // r = { columns: [{ name: 'channel', type: 'VARCHAR' }, ...], rows: [{ channel: 'chat', n: 12 }], truncated: false }
 * await api.close();
 */
import {
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  StatementType,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBValueConverter,
  type Json,
} from '@duckdb/node-api';
import { z } from 'zod';
import type { Database } from '../store/database.js';
import { SqlApiConfig } from './config.js';

export class SqlApiError extends Error {
  constructor(
    /** The HTTP status this error answers with. */
    readonly status: number,
    message: string,
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SqlApiError';
  }
}

export interface SqlColumn {
  name: string;
  /** DuckDB type, e.g. VARCHAR, BIGINT, TIMESTAMP WITH TIME ZONE. */
  type: string;
}

export interface SqlResult {
  columns: SqlColumn[];
  /** One object per row keyed by column name (`shape: "objects"`), or one array per row. */
  rows: Record<string, Json>[] | Json[][];
  /** True when the result had more rows (or bytes) than one response carries. */
  truncated: boolean;
  /** Milliseconds the query ran. */
  elapsed_ms: number;
}

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** The JSON body of POST /api/sql. */
export const SqlRequest = z.strictObject({
  sql: z.string().min(1, 'is empty: send one SELECT statement').describe('one read-only statement'),
  params: z
    .union([z.array(Scalar), z.record(z.string().regex(/^\w+$/), Scalar)])
    .optional()
    .describe('values for $1, $2 ... (an array) or $name (an object)'),
  max_rows: z.number().int().positive().optional().describe('fewer rows than the server limit'),
  shape: z.enum(['objects', 'arrays']).default('objects').describe('rows as objects keyed by column name, or as arrays in column order'),
});
export type SqlRequest = z.input<typeof SqlRequest>;

/** Statement types DuckDB reports for read-only queries. EXPLAIN is left out: EXPLAIN ANALYZE runs its statement. */
const ALLOWED = new Set<StatementType>([StatementType.SELECT]);

function statementName(t: StatementType): string {
  const name = StatementType[t] ?? `type ${t}`;
  return name.replace(/_/g, ' ');
}

const TIMESTAMP_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_TZ,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_NS,
]);
const INTEGER_TYPES = new Set<DuckDBTypeId>([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);

/**
 * JSON for dashboards: times as ISO 8601 (UTC, `Z`), integers as numbers when they fit exactly
 * (else as strings), everything else as DuckDB's own JSON conversion gives it.
 */
export const toJson: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value === null) return null;
  if (TIMESTAMP_TYPES.has(type.typeId)) {
    const ms = timestampMs(value);
    if (ms !== undefined) return new Date(ms).toISOString();
  } else if (INTEGER_TYPES.has(type.typeId) && typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  return JsonDuckDBValueConverter(value, type, converter);
};

const MAX_DATE_MS = 8.64e15;

function timestampMs(value: DuckDBValue): number | undefined {
  const v = value as { micros?: bigint; millis?: bigint; seconds?: bigint; nanos?: bigint; isFinite?: boolean };
  if (v.isFinite === false) return undefined;
  let ms: number | undefined;
  if (typeof v.micros === 'bigint') ms = Number(v.micros / 1000n);
  else if (typeof v.millis === 'bigint') ms = Number(v.millis);
  else if (typeof v.seconds === 'bigint') ms = Number(v.seconds) * 1000;
  else if (typeof v.nanos === 'bigint') ms = Number(v.nanos / 1_000_000n);
  return ms !== undefined && Math.abs(ms) <= MAX_DATE_MS ? ms : undefined;
}

/** DuckDB's error text without its internal prefix lines and caret pictures. */
function duckdbMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg
    .replace(/^Failed to extract statements:\s*/, '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\s*\^\s*$/.test(l))
    .slice(0, 3)
    .join(' ')
    .slice(0, 1000);
}

function classify(err: unknown, what: string): SqlApiError {
  const msg = duckdbMessage(err);
  if (/Permission Error|file system operations are disabled|disabled by configuration/i.test(msg)) {
    return new SqlApiError(
      403,
      `refused: the SQL API reads the database only; files, other databases and extensions are out of reach (${msg})`,
      false,
      { cause: err },
    );
  }
  if (/read-only mode|read only/i.test(msg)) {
    return new SqlApiError(403, `refused: the SQL API is read-only (${msg})`, false, { cause: err });
  }
  if (/INTERRUPT/i.test(msg)) return new SqlApiError(503, 'interrupted', true, { cause: err });
  return new SqlApiError(400, `${what}: ${msg}`, false, { cause: err });
}

interface Lease {
  conn: DuckDBConnection;
}

/** A small pool of DuckDB connections on the pipeline's instance, one query at a time on each. */
export class SqlApi {
  private readonly idle: Lease[];
  private readonly waiting: { take: (lease: Lease) => void; fail: (err: Error) => void }[] = [];
  private closed = false;
  private active = 0;
  private drained: (() => void) | undefined;

  private constructor(
    private readonly leases: Lease[],
    readonly config: SqlApiConfig,
  ) {
    this.idle = [...leases];
  }

  /** Opens the API's connections and switches off DuckDB's external access for the instance. */
  static async create(db: Database, options: Partial<SqlApiConfig> = {}): Promise<SqlApi> {
    const config = SqlApiConfig.parse(options);
    const leases: Lease[] = [];
    try {
      for (let i = 0; i < config.max_concurrent; i++) {
        const conn = await db.instance.connect();
        leases.push({ conn });
        await conn.run("SET TimeZone = 'UTC'");
      }
      // Instance-wide and one-way: DuckDB refuses to turn it back on while the database is open.
      await leases[0]!.conn.run('SET enable_external_access = false');
    } catch (err) {
      for (const l of leases) l.conn.closeSync();
      throw err;
    }
    return new SqlApi(leases, config);
  }

  private acquire(signal: AbortSignal): Promise<Lease> {
    const lease = this.idle.pop();
    if (lease) {
      this.active++;
      return Promise.resolve(lease);
    }
    if (this.waiting.length >= this.config.max_queued) {
      return Promise.reject(
        new SqlApiError(503, `busy: ${this.config.max_concurrent} queries running and ${this.waiting.length} waiting; retry shortly`, true),
      );
    }
    return new Promise((resolve, reject) => {
      const entry = {
        take: (l: Lease) => {
          signal.removeEventListener('abort', onAbort);
          this.active++;
          resolve(l);
        },
        fail: (err: Error) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private release(lease: Lease): void {
    this.active--;
    const next = this.closed ? undefined : this.waiting.shift();
    if (next) next.take(lease);
    else this.idle.push(lease);
    if (this.active === 0) this.drained?.();
  }

  /** Runs one read-only statement; throws SqlApiError with the status to answer. */
  async query(sql: string, params?: SqlRequest['params'], options: { maxRows?: number; shape?: 'objects' | 'arrays' } = {}): Promise<SqlResult> {
    if (this.closed) throw new SqlApiError(503, 'the SQL API is shutting down', true);
    const started = Date.now();
    const maxRows = Math.min(options.maxRows ?? this.config.max_rows, this.config.max_rows);
    const timeout = new AbortController();
    const timeoutError = () =>
      new SqlApiError(
        503,
        `the query ran longer than ${this.config.timeout_ms} ms and was stopped; narrow it (a time range, fewer columns, a LIMIT) ` +
          `or raise serve.sql_api.timeout_ms`,
        true,
      );
    let lease: Lease | undefined;
    const timer = setTimeout(() => {
      timeout.abort(timeoutError());
      lease?.conn.interrupt();
    }, this.config.timeout_ms);
    try {
      lease = await this.acquire(timeout.signal);
      return await this.run(lease.conn, sql, params, maxRows, options.shape ?? 'objects', started, timeout.signal);
    } catch (err) {
      if (timeout.signal.aborted && err instanceof SqlApiError && err.status === 503 && err.message === 'interrupted') throw timeoutError();
      throw err;
    } finally {
      clearTimeout(timer);
      if (lease) this.release(lease);
    }
  }

  private async prepare(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
    const none = () => new SqlApiError(400, 'no statement found: send one SELECT statement');
    if (sql.trim() === '') throw none();
    let extracted;
    try {
      extracted = await conn.extractStatements(sql);
    } catch (err) {
      // The binding reports "no statements" (only comments, say) as a bare native error.
      if (/Error in native callback/.test(String((err as Error)?.message))) throw none();
      throw classify(err, 'the SQL does not parse');
    }
    if (extracted.count !== 1) {
      throw new SqlApiError(
        400,
        extracted.count === 0
          ? none().message
          : `send exactly one statement per request (got ${extracted.count}); run them as separate requests`,
      );
    }
    let prepared: DuckDBPreparedStatement;
    try {
      prepared = await extracted.prepare(0);
    } catch (err) {
      throw classify(err, 'the query cannot run');
    }
    if (!ALLOWED.has(prepared.statementType)) {
      const type = statementName(prepared.statementType);
      prepared.destroySync();
      throw new SqlApiError(
        403,
        `refused: the SQL API runs read-only queries only (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE); ` +
          `this is a ${type} statement. Use the crisiscx CLI on the database file for anything else.`,
      );
    }
    return prepared;
  }

  private async run(
    conn: DuckDBConnection,
    sql: string,
    params: SqlRequest['params'],
    maxRows: number,
    shape: 'objects' | 'arrays',
    started: number,
    signal: AbortSignal,
  ): Promise<SqlResult> {
    const prepared = await this.prepare(conn, sql);
    let inTransaction = false;
    try {
      if (params !== undefined) {
        try {
          prepared.bind(params as DuckDBValue[] | Record<string, DuckDBValue>);
        } catch (err) {
          throw classify(err, 'the parameters do not fit the query');
        }
      }
      await conn.run('BEGIN TRANSACTION READ ONLY');
      inTransaction = true;
      if (signal.aborted) throw signal.reason;
      let result;
      try {
        result = await prepared.stream();
      } catch (err) {
        throw classify(err, 'the query failed');
      }
      const types: DuckDBType[] = result.columnTypes();
      const names = result.deduplicatedColumnNames();
      const columns = result.columnNames().map((name, i) => ({ name, type: types[i]!.toString() }));
      const rows: (Record<string, Json> | Json[])[] = [];
      let bytes = 0;
      let truncated = false;
      try {
        outer: for await (const chunk of result.yieldConvertedRows(toJson)) {
          for (const values of chunk) {
            if (rows.length >= maxRows) {
              truncated = true;
              break outer;
            }
            const row: Record<string, Json> | Json[] = shape === 'arrays' ? values : Object.fromEntries(names.map((n, i) => [n, values[i] ?? null]));
            bytes += JSON.stringify(row).length + 1;
            if (bytes > this.config.max_response_bytes) {
              truncated = true;
              break outer;
            }
            rows.push(row);
          }
          if (signal.aborted) throw signal.reason;
        }
      } catch (err) {
        if (err instanceof SqlApiError) throw err;
        throw classify(err, 'the query failed');
      }
      return { columns, rows: rows as SqlResult['rows'], truncated, elapsed_ms: Date.now() - started };
    } finally {
      prepared.destroySync();
      if (inTransaction) await conn.run('ROLLBACK').catch(() => undefined);
    }
  }

  /** Refuses new queries, interrupts running ones, and closes the connections once they end. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.fail(new SqlApiError(503, 'the SQL API is shutting down', true));
    if (this.active > 0) {
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      for (const l of this.leases) l.conn.interrupt();
      await drained;
    }
    for (const l of this.leases) l.conn.closeSync();
  }
}
