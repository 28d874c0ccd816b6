/**
 * @module store/appender
 * Appends plain row objects (or items read through per-column getters) to a DuckDB table through
 * the Appender, a data chunk of 2048 rows at a time. Each column is written into a reusable typed
 * array and copied into the chunk's vector in one native call; strings of at most 12 UTF-8 bytes go
 * straight into DuckDB's 16-byte string header (the `duckdb_string_t` layout of the C API), so only
 * longer strings cost a native call each. No value objects, no BigInt per timestamp: at millions of
 * rows the per-value calls and allocations of the generic vector API were most of the store's CPU.
 * Column order and types are read from the catalog once.
 *
 * @example
 * const a = await TableAppender.create(db.connection, 'alerts');
 * await db.transaction(() => a.append(db.connection, [{ ts: Date.now(), state: 'firing', ... }]));
 */
import { isUtf8 } from 'node:buffer';
import { endianness } from 'node:os';
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, DuckDBTypeId, DuckDBVector, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { DatabaseError } from './database.js';
import type { Getters, RowValue, TableRow } from './rows.js';

type Value = Exclude<RowValue, null | undefined>;

/** How a column's values are laid out in its vector (bytes per row and the writer). */
type Kind = 'varchar' | 'blob' | 'f64' | 'f32' | 'i32' | 'i16' | 'i64' | 'bool' | 'ts';

const KINDS: Partial<Record<DuckDBTypeId, Kind>> = {
  [DuckDBTypeId.VARCHAR]: 'varchar',
  [DuckDBTypeId.BLOB]: 'blob',
  [DuckDBTypeId.DOUBLE]: 'f64',
  [DuckDBTypeId.FLOAT]: 'f32',
  [DuckDBTypeId.INTEGER]: 'i32',
  [DuckDBTypeId.SMALLINT]: 'i16',
  [DuckDBTypeId.BIGINT]: 'i64',
  [DuckDBTypeId.BOOLEAN]: 'bool',
  [DuckDBTypeId.TIMESTAMP_TZ]: 'ts',
  [DuckDBTypeId.TIMESTAMP]: 'ts',
};

const WIDTH: Record<Kind, number> = { varchar: 16, blob: 16, f64: 8, f32: 4, i32: 4, i16: 2, i64: 8, bool: 1, ts: 8 };

/** Longest string kept inside the 16-byte header (DuckDB's string_t::INLINE_LENGTH). */
const INLINE_BYTES = 12;
const LITTLE_ENDIAN = endianness() === 'LE';
/** Int64 halves by index in an Int32Array view (typed arrays use the platform's byte order, as DuckDB does). */
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = 1 - LO;
const TWO_32 = 2 ** 32;

interface Column {
  name: string;
  type: DuckDBType;
  kind: Kind;
  /** Reused for every chunk: one row's value at `row * WIDTH[kind]`. */
  data: ArrayBuffer;
  /** Views of `data` (made once; the ones a kind does not use are empty). */
  bytes: Uint8Array;
  buffer: Buffer;
  words: Uint32Array;
  i32: Int32Array;
  i16: Int16Array;
  f32: Float32Array;
  f64: Float64Array;
  i64: BigInt64Array;
}

/** Times are epoch milliseconds in the pipeline; DuckDB stores microseconds. */
function micros(v: Value): number | bigint {
  if (typeof v === 'bigint') return v * 1000n;
  const ms = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(ms)) throw new RangeError(`expected epoch milliseconds, got ${String(v)}`);
  const us = Math.round(ms) * 1000;
  // Exact as two 32-bit halves below 2^53 µs (year 2255); beyond, through a BigInt as before.
  return Math.abs(us) < 2 ** 53 ? us : BigInt(us);
}

function integer(v: Value, bits: 16 | 32): number {
  const max = 2 ** (bits - 1);
  const n = Math.trunc(Number(v));
  if (!(n >= -max && n < max)) throw new RangeError(`expected an integer of ${bits} bits, got ${String(v)}`);
  return n;
}

/** Writes `s` inline at row `r` and returns true when it fits in 12 UTF-8 bytes; else leaves the row zero. */
function writeInline(col: Column, r: number, s: string): boolean {
  const len = s.length;
  // More than 12 UTF-16 units is more than 12 UTF-8 bytes.
  if (len > INLINE_BYTES) return false;
  const at = r * 16;
  const w = r * 4;
  // Zero padding matters: DuckDB compares inline strings as whole words.
  col.words[w] = 0;
  col.words[w + 1] = 0;
  col.words[w + 2] = 0;
  col.words[w + 3] = 0;
  const b = col.bytes;
  let ascii = true;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    b[at + 4 + i] = c;
  }
  if (ascii) {
    col.words[w] = len;
    return true;
  }
  const n = Buffer.byteLength(s, 'utf8');
  if (n > INLINE_BYTES) {
    col.words[w + 1] = 0;
    col.words[w + 2] = 0;
    col.words[w + 3] = 0;
    return false;
  }
  col.buffer.write(s, at + 4, n, 'utf8');
  col.words[w] = n;
  return true;
}

export class TableAppender {
  private readonly types: DuckDBType[];
  /** Rows per data chunk (DuckDB's vector size). */
  private readonly size = DuckDBVector.standardSize();
  /** Validity bits of the column being written (1 = value, 0 = NULL), 64 rows a word pair. */
  private readonly validity: Uint32Array<ArrayBuffer>;
  /** Rows whose string is too long to inline, and the strings (or bytes), of the column being written. */
  private readonly longRows: number[] = [];
  private readonly longValues: (string | Uint8Array)[] = [];

  private constructor(
    readonly table: string,
    private readonly columns: Column[],
  ) {
    this.types = columns.map((c) => c.type);
    this.validity = new Uint32Array(Math.ceil(this.size / 64) * 2);
  }

  static async create(conn: DuckDBConnection, table: string): Promise<TableAppender> {
    if (!LITTLE_ENDIAN) throw new DatabaseError('the table appender writes DuckDB vectors in little-endian byte order; this platform is big-endian');
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
    const size = DuckDBVector.standardSize();
    const columns = types.map((type, i): Column => {
      const name = String(nameRows[i]?.[0] ?? `#${i}`);
      // JSON is a VARCHAR alias and arrives here as VARCHAR.
      const kind = KINDS[type.typeId];
      if (!kind) throw new DatabaseError(`${table}.${name}: column type ${DuckDBTypeId[type.typeId]} is not supported by the appender helper`);
      // At least 4 bytes a row, so the 32-bit view always covers the whole buffer.
      const width = WIDTH[kind];
      const data = new ArrayBuffer(size * Math.max(4, width));
      const wide = width === 8 ? data : new ArrayBuffer(0);
      return {
        name,
        type,
        kind,
        data,
        bytes: new Uint8Array(data),
        buffer: Buffer.from(data),
        words: new Uint32Array(data),
        i32: new Int32Array(data),
        i16: new Int16Array(data),
        f32: new Float32Array(data),
        f64: new Float64Array(wide),
        i64: new BigInt64Array(wide),
      };
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
      for (let from = 0; from < items.length; from += this.size) {
        const n = Math.min(this.size, items.length - from);
        const chunk = DuckDBDataChunk.create(this.types, n);
        for (let c = 0; c < this.columns.length; c++) {
          this.fill(duckdb.data_chunk_get_vector(chunk.chunk, c), this.columns[c]!, items, from, n, reads[c]);
        }
        a.appendDataChunk(chunk);
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
    return items.length;
  }

  /** Writes one column of rows `from..from+n-1` into `vector`. */
  private fill<T>(vector: duckdb.Vector, column: Column, items: readonly T[], from: number, n: number, read: ((item: T) => RowValue) | undefined): void {
    const valid = this.validity;
    const words = Math.ceil(n / 64) * 2;
    let nulls = 0;
    this.longRows.length = 0;
    this.longValues.length = 0;
    if (!read) {
      valid.fill(0, 0, words);
      nulls = n;
    } else {
      valid.fill(0xffffffff, 0, words);
      const strings = WIDTH[column.kind] === 16;
      let r = 0;
      let v: RowValue;
      try {
        for (; r < n; r++) {
          v = read(items[from + r]!);
          if (v === undefined || v === null) {
            valid[r >>> 5]! &= ~(1 << (r & 31));
            nulls++;
            // No stale string header (a pointer of an earlier chunk) under a NULL.
            if (strings) column.words.fill(0, r * 4, r * 4 + 4);
          } else {
            this.put(column, r, v);
          }
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
    if (nulls < n) duckdb.copy_data_to_vector(vector, 0, column.data, 0, n * WIDTH[column.kind]);
    // Strings too long for the header live in the vector's own heap: one call each, after the copy.
    const rows = this.longRows;
    const values = this.longValues;
    for (let i = 0; i < rows.length; i++) {
      const value = values[i]!;
      if (typeof value === 'string') duckdb.vector_assign_string_element(vector, rows[i]!, value);
      else duckdb.vector_assign_string_element_len(vector, rows[i]!, value);
    }
    if (nulls > 0) {
      duckdb.vector_ensure_validity_writable(vector);
      duckdb.copy_data_to_vector_validity(vector, 0, valid.buffer, 0, words * 4);
    }
  }

  /** Bytes inline in the string header at row `r`, or queued for the vector's heap. */
  private putBytes(column: Column, r: number, b: Buffer): void {
    const w = r * 4;
    column.words[w] = 0;
    column.words[w + 1] = 0;
    column.words[w + 2] = 0;
    column.words[w + 3] = 0;
    if (b.length <= INLINE_BYTES) {
      column.words[w] = b.length;
      column.bytes.set(b, r * 16 + 4);
    } else {
      this.longRows.push(r);
      this.longValues.push(b);
    }
  }

  /** Writes one non-null value at row `r` of the column's buffer (or queues a long string). */
  private put(column: Column, r: number, v: Value): void {
    switch (column.kind) {
      case 'varchar': {
        if (Buffer.isBuffer(v) && isUtf8(v)) {
          // Bytes for a text column are its UTF-8 encoding: no string to encode (invalid bytes are
          // decoded with replacement characters below, as String() does; DuckDB would store NULL).
          this.putBytes(column, r, v);
          return;
        }
        const s = typeof v === 'string' ? v : String(v);
        if (!writeInline(column, r, s)) {
          this.longRows.push(r);
          this.longValues.push(s);
        }
        return;
      }
      case 'blob':
        this.putBytes(column, r, Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
        return;
      case 'ts': {
        const us = micros(v);
        if (typeof us === 'bigint') {
          column.i64[r] = us;
        } else {
          const hi = Math.floor(us / TWO_32);
          // The low half is unsigned; an Int32Array stores its bit pattern all the same.
          column.i32[2 * r + LO] = us - hi * TWO_32;
          column.i32[2 * r + HI] = hi;
        }
        return;
      }
      case 'f64':
        column.f64[r] = Number(v);
        return;
      case 'f32':
        column.f32[r] = Number(v);
        return;
      case 'i32':
        column.i32[r] = integer(v, 32);
        return;
      case 'i16':
        column.i16[r] = integer(v, 16);
        return;
      case 'i64':
        column.i64[r] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
        return;
      case 'bool':
        column.bytes[r] = v ? 1 : 0;
        return;
    }
  }
}
