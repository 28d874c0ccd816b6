/**
 * @module store/appender
 * Appends plain row objects to a DuckDB table through the Appender, converting each value by the
 * column's declared type. Column order and types are read from the catalog once.
 */
import { DuckDBTypeId, timestampTZValue, timestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { Getters, RowValue, TableRow } from './rows.js';

interface Column {
  name: string;
  typeId: DuckDBTypeId;
}

type Put = (a: DuckDBAppender, v: Exclude<RowValue, null | undefined>) => void;

function msToMicros(v: Exclude<RowValue, null | undefined>): bigint {
  if (typeof v === 'bigint') return v * 1000n;
  return BigInt(Math.round(Number(v))) * 1000n;
}

const PUT: Partial<Record<DuckDBTypeId, Put>> = {
  [DuckDBTypeId.VARCHAR]: (a, v) => a.appendVarchar(typeof v === 'string' ? v : String(v)),
  [DuckDBTypeId.DOUBLE]: (a, v) => a.appendDouble(Number(v)),
  [DuckDBTypeId.FLOAT]: (a, v) => a.appendFloat(Number(v)),
  [DuckDBTypeId.INTEGER]: (a, v) => a.appendInteger(Number(v)),
  [DuckDBTypeId.SMALLINT]: (a, v) => a.appendSmallInt(Number(v)),
  [DuckDBTypeId.BIGINT]: (a, v) => a.appendBigInt(typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))),
  [DuckDBTypeId.BOOLEAN]: (a, v) => a.appendBoolean(Boolean(v)),
  [DuckDBTypeId.BLOB]: (a, v) => a.appendBlob(Buffer.isBuffer(v) ? v : Buffer.from(String(v))),
  // Times are epoch milliseconds in the pipeline.
  [DuckDBTypeId.TIMESTAMP_TZ]: (a, v) => a.appendTimestampTZ(timestampTZValue(msToMicros(v))),
  [DuckDBTypeId.TIMESTAMP]: (a, v) => a.appendTimestamp(timestampValue(msToMicros(v))),
};

export class TableAppender {
  private constructor(
    readonly table: string,
    private readonly columns: Column[],
    private readonly puts: Put[],
  ) {}

  static async create(conn: DuckDBConnection, table: string): Promise<TableAppender> {
    const probe = await conn.createAppender(table);
    const n = probe.columnCount;
    const columns: Column[] = [];
    for (let i = 0; i < n; i++) {
      const t = probe.columnType(i);
      columns.push({ name: '', typeId: t.typeId });
    }
    probe.closeSync();
    const names = await conn.runAndReadAll(
      `SELECT column_name FROM duckdb_columns() WHERE table_name = $1 AND schema_name = 'main' AND database_name = current_database() ORDER BY column_index`,
      [table],
    );
    names.getRowsJS().forEach((r, i) => {
      if (columns[i]) columns[i].name = String(r[0]);
    });
    const puts = columns.map((c) => {
      // JSON is a VARCHAR alias and arrives here as VARCHAR.
      const put = PUT[c.typeId];
      if (!put) throw new Error(`${table}.${c.name}: column type ${DuckDBTypeId[c.typeId]} is not supported by the appender helper`);
      return put;
    });
    return new TableAppender(table, columns, puts);
  }

  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  /** Appends plain row objects (keyed by column name) inside the connection's open transaction. */
  async append(conn: DuckDBConnection, rows: readonly TableRow[]): Promise<number> {
    return this.appendWith(conn, rows, (row, column) => row[column]);
  }

  /** Appends items through per-column getters (no row objects on the hot path). */
  async appendItems<T>(conn: DuckDBConnection, items: readonly T[], getters: Getters<T>): Promise<number> {
    const gs = this.columns.map((c) => getters[c.name]);
    return this.appendWith(conn, items, (item, _c, i) => {
      const g = gs[i];
      return g ? g(item) : undefined;
    });
  }

  private async appendWith<T>(conn: DuckDBConnection, items: readonly T[], read: (item: T, column: string, index: number) => RowValue): Promise<number> {
    if (items.length === 0) return 0;
    const a = await conn.createAppender(this.table);
    try {
      const cols = this.columns;
      const puts = this.puts;
      for (const item of items) {
        for (let i = 0; i < cols.length; i++) {
          const v = read(item, cols[i]!.name, i);
          if (v === undefined || v === null) a.appendNull();
          else puts[i]!(a, v);
        }
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
    return items.length;
  }
}
