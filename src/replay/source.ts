/**
 * @module replay/source
 * A source that reads the events stored in a crisiscx database (their raw JSON, in event-time
 * order, ties broken by id) so they can run through a pipeline again: what-if replays.
 *
 * @example
 * const src = await StoredEventsSource.open('crisiscx.duckdb', { batchSize: 5000 });
 * await pipeline.runSource(src);
 * await src.close();
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { RawRecord } from '../contract/records.js';
import { DatabaseError } from '../store/database.js';
import type { Source, SourceBatch, SourceProgress } from '../sources/source.js';

export interface StoredEventsOptions {
  batchSize?: number;
}

export class StoredEventsSource implements Source {
  readonly name: string;
  /**
   * Its position is its own query's cursor on a read-only connection (and the results go to
   * another database): the pipeline may read and normalize the next batch while one commits.
   */
  readonly readAhead = true;
  private emitted = 0;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly total: number,
    private readonly batchSize: number,
  ) {
    this.name = `${path} (stored events)`;
  }

  /** Opens the database read-only; fails clearly if another process holds it. */
  static async open(path: string, options: StoredEventsOptions = {}): Promise<StoredEventsSource> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/lock/i.test(msg)) {
        throw new DatabaseError(`${path} is open in another process (DuckDB allows one per file). Stop it (Ctrl-C on crisiscx run/demo) and replay again.`, true, { cause: err });
      }
      throw new DatabaseError(`cannot open ${path} to replay its events: ${msg}`, false, { cause: err });
    }
    const conn = await instance.connect();
    try {
      const r = await conn.runAndReadAll('SELECT count(*) AS n FROM events');
      const total = Number(r.getRowsJS()[0]?.[0] ?? 0);
      return new StoredEventsSource(path, instance, conn, total, options.batchSize ?? 5000);
    } catch (err) {
      conn.closeSync();
      instance.closeSync();
      throw new DatabaseError(`${path} has no crisiscx events table (${(err as Error).message}); is it a crisiscx database?`, false, { cause: err });
    }
  }

  progress(): SourceProgress {
    return { done: this.emitted, total: this.total, unit: 'records', records: this.emitted };
  }

  async *batches(signal?: AbortSignal): AsyncGenerator<SourceBatch> {
    const result = await this.conn.stream('SELECT raw FROM events ORDER BY ts, id');
    let records: RawRecord[] = [];
    for (;;) {
      if (signal?.aborted) return;
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const col = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) {
        const line = this.emitted + records.length + 1;
        records.push({ bytes: Buffer.from(String(col.getItem(i))), origin: { kind: 'file', name: `${this.path}#events`, line } });
        if (records.length >= this.batchSize) {
          this.emitted += records.length;
          yield { records, format: 'canonical' };
          records = [];
        }
      }
    }
    if (records.length > 0) {
      this.emitted += records.length;
      yield { records, format: 'canonical' };
    }
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
