/**
 * @module store/appender
 * Appends plain row objects (or items read through per-column getters) to a DuckDB table through
 * the Appender, a column vector at a time: values are written into DuckDB data chunks of 2048
 * rows and each chunk is handed over in one call, instead of one native call per value. Column
 * order and types are read from the catalog once.
 *
 * @example
 * const a = await TableAppender.create(db.connection, 'alerts');
 * await db.transaction(() => a.append(db.connection, [{ ts: Date.now(), state: 'firing', ... }]));
 */
import {
  DuckDBBlobValue,
  DuckDBDataChunk,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBVector,
  type DuckDBConnection,
  type DuckDBType,
} from '@duckdb/node-api';
import { DatabaseError } from './database.js';
import type { Getters, RowValue, TableRow } from './rows.js';

interface Column {
  name: string;
  type: DuckDBType;
  convert: Convert;
}

type Value = Exclude<RowValue, null | undefined>;
/** Turns a row value into what the column's vector takes; throws with a reason when it cannot. */
type Convert = (v: Value) => unknown;

/** The part of a column vector this module writes through. */
interface WritableVector {
  setItem(index: number, value: unknown): void;
  flush(): void;
}

/** Times are epoch milliseconds in the pipeline; DuckDB stores microseconds. */
function micros(v: Value): bigint {
  if (typeof v === 'bigint') return v * 1000n;
  const ms = Number(v);
  if (!Number.isFinite(ms)) throw new RangeError(`expected epoch milliseconds, got ${String(v)}`);
  // Exact in a double up to year ~287,000; one BigInt instead of two.
  return BigInt(Math.round(ms) * 1000);
}

function integer(bits: 16 | 32): Convert {
  const max = 2 ** (bits - 1);
  return (v) => {
    const n = Math.trunc(Number(v));
    if (!(n >= -max && n < max)) throw new RangeError(`expected an integer of ${bits} bits, got ${String(v)}`);
    return n;
  };
}

const CONVERT: Partial<Record<DuckDBTypeId, Convert>> = {
  [DuckDBTypeId.VARCHAR]: (v) => (typeof v === 'string' ? v : String(v)),
  [DuckDBTypeId.DOUBLE]: (v) => Number(v),
  [DuckDBTypeId.FLOAT]: (v) => Number(v),
  [DuckDBTypeId.INTEGER]: integer(32),
  [DuckDBTypeId.SMALLINT]: integer(16),
  [DuckDBTypeId.BIGINT]: (v) => (typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))),
  [DuckDBTypeId.BOOLEAN]: (v) => Boolean(v),
  [DuckDBTypeId.BLOB]: (v) => new DuckDBBlobValue(Buffer.isBuffer(v) ? v : Buffer.from(String(v))),
  [DuckDBTypeId.TIMESTAMP_TZ]: (v) => new DuckDBTimestampTZValue(micros(v)),
  [DuckDBTypeId.TIMESTAMP]: (v) => new DuckDBTimestampValue(micros(v)),
};

export class TableAppender {
  private readonly types: DuckDBType[];

  private constructor(
    readonly table: string,
    private readonly columns: Column[],
  ) {
    this.types = columns.map((c) => c.type);
  }

  static async create(conn: DuckDBConnection, table: string): Promise<TableAppender> {
    const probe = await conn.createAppender(table);
    const types: DuckDBType[] = [];
    try {
      for (let i = 0; i < probe.columnCount; i++) types.push(probe.columnType(i));
    } finally {
      probe.closeSync();
    }
    const names = await conn.runAndReadAll(
      `SELECT column_name FROM duckdb_columns() WHERE table_name = $1 AND schema_name = 'main' AND database_name = current_database() ORDER BY column_index`,
      [table],
    );
    const nameRows = names.getRowsJS();
    const columns = types.map((type, i): Column => {
      const name = String(nameRows[i]?.[0] ?? `#${i}`);
      // JSON is a VARCHAR alias and arrives here as VARCHAR.
      const convert = CONVERT[type.typeId];
      if (!convert) throw new DatabaseError(`${table}.${name}: column type ${DuckDBTypeId[type.typeId]} is not supported by the appender helper`);
      return { name, type, convert };
    });
    return new TableAppender(table, columns);
  }

  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  /** Appends plain row objects (keyed by column name) inside the connection's open transaction. */
  async append(conn: DuckDBConnection, rows: readonly TableRow[]): Promise<number> {
    return this.appendColumns(
      conn,
      rows,
      this.columns.map((c) => (row: TableRow) => row[c.name]),
    );
  }

  /** Appends items through per-column getters (no row objects on the hot path). */
  async appendItems<T>(conn: DuckDBConnection, items: readonly T[], getters: Getters<T>): Promise<number> {
    return this.appendColumns(
      conn,
      items,
      this.columns.map((c) => getters[c.name]),
    );
  }

  private async appendColumns<T>(conn: DuckDBConnection, items: readonly T[], reads: readonly (((item: T) => RowValue) | undefined)[]): Promise<number> {
    if (items.length === 0) return 0;
    const a = await conn.createAppender(this.table);
    try {
      const size = DuckDBVector.standardSize();
      for (let from = 0; from < items.length; from += size) {
        const n = Math.min(size, items.length - from);
        const chunk = DuckDBDataChunk.create(this.types, n);
        for (let c = 0; c < this.columns.length; c++) {
          const vector = chunk.getColumnVector(c) as unknown as WritableVector;
          const read = reads[c];
          if (read) this.fill(vector, this.columns[c]!, items, from, n, read);
          else for (let r = 0; r < n; r++) vector.setItem(r, null);
          vector.flush();
        }
        a.appendDataChunk(chunk);
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
    return items.length;
  }

  private fill<T>(vector: WritableVector, column: Column, items: readonly T[], from: number, n: number, read: (item: T) => RowValue): void {
    const convert = column.convert;
    let r = 0;
    let v: RowValue;
    try {
      for (; r < n; r++) {
        v = read(items[from + r]!);
        vector.setItem(r, v === undefined || v === null ? null : convert(v));
      }
    } catch (err) {
      const shown = typeof v === 'string' ? JSON.stringify(v.slice(0, 80)) : String(v);
      throw new DatabaseError(
        `${this.table}.${column.name} (${DuckDBTypeId[column.type.typeId]}) cannot store ${shown} (row ${from + r + 1} of the batch): ${(err as Error).message}`,
        false,
        { cause: err },
      );
    }
  }
}
