import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Database, DatabaseError } from '../../src/store/database.js';
import { TableAppender } from '../../src/store/appender.js';
import type { TableRow } from '../../src/store/rows.js';
import { ScalableBloom } from '../../src/store/bloom.js';
import { tempDir } from '../helpers/tmp.js';

const TABLE = `CREATE TABLE t (
  n INTEGER, s VARCHAR, j JSON, d DOUBLE, f FLOAT, i16 SMALLINT, b BIGINT, ok BOOLEAN, blob BLOB, at_tz TIMESTAMPTZ, at_local TIMESTAMP
)`;

// Short strings (≤ 12 bytes) live inside DuckDB's string header, longer ones outside: both kinds.
// Non-ASCII ones that fit (5 and 12 UTF-8 bytes) and one that does not (7 characters, 13 bytes).
const TEXTS = ['', 'ok', 'ünï', 'Привет', 'Привет!', 'exactly12byt', 'thirteen byte', 'Привет, мир — ünïcødé', '🙂 emoji pair 🙂', 'a\u0000nul inside', "quote ' and \" and \\", 'x'.repeat(5000)];

function row(i: number): TableRow {
  // Every column is NULL (or missing) on some rows, at different strides, across chunk edges.
  return {
    n: i,
    s: i % 7 === 0 ? null : TEXTS[i % TEXTS.length],
    j: i % 5 === 0 ? undefined : JSON.stringify({ i, text: TEXTS[i % TEXTS.length] }),
    d: i % 11 === 0 ? null : i / 7,
    f: i % 13 === 0 ? null : 0.5 * i,
    i16: i % 3 === 0 ? null : (i % 60000) - 30000,
    b: i % 17 === 0 ? null : 2n ** 60n + BigInt(i),
    ok: i % 19 === 0 ? null : i % 2 === 0,
    blob: i % 23 === 0 ? null : Buffer.from([0xff, 0xfe, i & 0xff, 0x00, 0xc3]),
    at_tz: i % 29 === 0 ? null : Date.UTC(2026, 2, 14, 10, 0, 0, 250) + i * 1001,
    at_local: i % 31 === 0 ? null : Date.UTC(2026, 0, 1) + i,
  };
}

interface Back {
  n: number;
  s: string | null;
  j: string | null;
  d: number | null;
  f: number | null;
  i16: number | null;
  b: bigint | null;
  ok: boolean | null;
  blob: string | null;
  at: number | null;
  local: number | null;
}

const READ_BACK = `SELECT n, s, j, d, f, i16, b, ok, hex(blob) AS blob, epoch_ms(at_tz) AS at, epoch_ms(at_local) AS local FROM t ORDER BY n`;

function expected(r: TableRow): Back {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    n: r.n as number,
    s: (r.s as string | null) ?? null,
    j: (r.j as string | undefined) ?? null,
    d: num(r.d),
    f: num(r.f),
    i16: num(r.i16),
    b: (r.b as bigint | null) ?? null,
    ok: (r.ok as boolean | null) ?? null,
    blob: r.blob ? (r.blob as Buffer).toString('hex').toUpperCase() : null,
    at: num(r.at_tz),
    local: num(r.at_local),
  };
}

function normalize(rows: Record<string, unknown>[]): Back[] {
  return rows.map((r) => ({
    ...(r as unknown as Back),
    n: Number(r.n),
    i16: r.i16 === null ? null : Number(r.i16),
    at: r.at === null ? null : Number(r.at),
    local: r.local === null ? null : Number(r.local),
  }));
}

describe('table appender', () => {
  const dir = tempDir();

  it('stores every supported column type exactly, NULLs included, across several chunks', async () => {
    const db = await Database.open(join(dir, 'types.duckdb'), { migrate: false });
    await db.run(TABLE);
    const a = await TableAppender.create(db.connection, 't');
    expect(a.columnNames).toEqual(['n', 's', 'j', 'd', 'f', 'i16', 'b', 'ok', 'blob', 'at_tz', 'at_local']);
    const rows = Array.from({ length: 5000 }, (_, i) => row(i));
    await db.transaction(() => a.append(db.connection, rows));
    const back = normalize(await db.query(READ_BACK));
    expect(back).toHaveLength(rows.length);
    expect(back).toEqual(rows.map(expected));
    // DuckDB compares and hashes inline strings as whole words: padding left dirty would make
    // equal strings differ. Equality and grouping inside DuckDB must agree with the rows given.
    const want = new Map<string, number>();
    for (const r of rows) if (typeof r.s === 'string') want.set(r.s, (want.get(r.s) ?? 0) + 1);
    const groups = await db.query<{ s: string; n: bigint }>('SELECT s, count(*) AS n FROM t WHERE s IS NOT NULL GROUP BY s');
    expect(new Map(groups.map((g) => [g.s, Number(g.n)]))).toEqual(want);
    for (const text of ['ok', 'ünï', 'Привет', 'exactly12byt', '']) {
      const [hit] = await db.query<{ n: bigint }>('SELECT count(*) AS n FROM t WHERE s = $1', [text]);
      expect(Number(hit!.n), text).toBe(want.get(text));
    }
    await db.close();
  });

  it('reads items through column getters, a missing getter storing NULL', async () => {
    const db = await Database.open(join(dir, 'getters.duckdb'), { migrate: false });
    await db.run(TABLE);
    const a = await TableAppender.create(db.connection, 't');
    // Labels short and long (inline and out-of-line strings), then a text column with no getter.
    const label = (i: number) => (i % 2 ? `item ${i}` : `item ${i}, a label longer than twelve bytes`);
    const items = Array.from({ length: 2049 }, (_, i) => ({ id: i, label: label(i) }));
    await db.transaction(() => a.appendItems(db.connection, items, { n: (x) => x.id, s: (x) => x.label, at_tz: (x) => 1_773_482_400_000 + x.id }));
    const back = await db.query<{ n: number; s: string; j: string | null; at: number; d: number | null }>('SELECT n, s, j, epoch_ms(at_tz)::DOUBLE AS at, d FROM t ORDER BY n');
    expect(back).toHaveLength(2049);
    expect(back[2048]).toEqual({ n: 2048, s: label(2048), j: null, at: 1_773_482_402_048, d: null });
    expect(back.every((r, i) => r.n === i && r.s === label(i) && r.j === null && r.d === null)).toBe(true);
    await db.close();
  });

  it('stores bytes given for a text column as the text they encode, invalid UTF-8 as String() decodes it', async () => {
    const db = await Database.open(join(dir, 'bytes.duckdb'), { migrate: false });
    await db.run(TABLE);
    const a = await TableAppender.create(db.connection, 't');
    const bad = Buffer.from([0x61, 0xff, 0xfe, 0x62, ...Buffer.from('-long-enough-to-leave-the-header')]);
    const rows = [...TEXTS.map((s) => Buffer.from(s)), bad, Buffer.from([0xc3])].map((s, n) => ({ n, s }));
    await db.transaction(() => a.append(db.connection, rows));
    const back = await db.query<{ s: string }>('SELECT s FROM t ORDER BY n');
    expect(back.map((r) => r.s)).toEqual(rows.map((r) => r.s.toString('utf8')));
    expect(back.at(-2)!.s).toBe('a\ufffd\ufffdb-long-enough-to-leave-the-header');
    await db.close();
  });

  it('refuses a value its column cannot hold, naming table, column, value and row, and the transaction keeps nothing', async () => {
    const db = await Database.open(join(dir, 'bad.duckdb'), { migrate: false });
    await db.run(TABLE);
    const a = await TableAppender.create(db.connection, 't');
    const rows = [row(1), row(2), { ...row(3), i16: 70_000 }];
    const err = await db.transaction(() => a.append(db.connection, rows)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as Error).message).toMatch(/^t\.i16 \(SMALLINT\) cannot store 70000 \(row 3 of the batch\): expected an integer of 16 bits/);
    expect((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM t'))[0]!.n).toBe(0n);
    const nan = await db.transaction(() => a.append(db.connection, [{ n: 1, at_tz: 'yesterday' }])).catch((e: unknown) => e);
    expect((nan as Error).message).toMatch(/^t\.at_tz \(TIMESTAMP_TZ\) cannot store "yesterday" \(row 1 of the batch\): expected epoch milliseconds, got yesterday$/);
    await db.close();
  });
});

describe('id filter', () => {
  it('never forgets an id, and wrongly reports about one in a million unseen ids as seen', () => {
    // Deterministic ids: the counts below are exact for this input, not a sample.
    const f = new ScalableBloom(1 << 16, 1e-6);
    const n = 300_000; // grows past its first layer twice
    for (let i = 0; i < n; i++) f.add(`evt-${i}`);
    for (let i = 0; i < n; i++) if (!f.has(`evt-${i}`)) throw new Error(`evt-${i} forgotten`);
    let falsePositives = 0;
    const probes = 2_000_000;
    for (let i = 0; i < probes; i++) if (f.has(`other-${i}`)) falsePositives++;
    expect(falsePositives).toBeLessThanOrEqual(10);
    // About 29 bits an id at this rate (with the growth slack of the layers).
    expect(f.bytes / n).toBeLessThan(8);
  });
});
