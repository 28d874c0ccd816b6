import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlApi, SqlApiError } from '../../src/serve/sql-api.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { Normalizer } from '../../src/normalize/normalize.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('crisiscx-sqlapi-');
const secret = join(dir, 'secret.csv');
writeFileSync(secret, 'name,password\nroot,hunter2\n');

let db: Database;
let api: SqlApi;

async function refused(sql: string, params?: unknown[]): Promise<SqlApiError> {
  try {
    await api.query(sql, params as never);
  } catch (err) {
    expect(err).toBeInstanceOf(SqlApiError);
    return err as SqlApiError;
  }
  throw new Error(`expected ${sql} to be refused`);
}

beforeAll(async () => {
  db = await Database.open(join(dir, 'db.duckdb'));
  const writer = await EventWriter.create(db);
  const n = new Normalizer({ format: 'canonical', maxEventBytes: 1 << 20 });
  const lines = [
    { id: 'm1', type: 'message', ts: '2026-03-14T10:00:00Z', conversationId: 'c1', channel: 'chat', direction: 'inbound', text: '<script>alert(1)</script>' },
    { id: 'm2', type: 'message', ts: '2026-03-14T10:05:00.250Z', conversationId: 'c1', channel: 'chat', direction: 'outbound', text: 'sorry' },
  ];
  const { events } = n.normalize(lines.map((l, i) => ({ bytes: Buffer.from(JSON.stringify(l)), origin: { kind: 'file' as const, name: 'x', line: i + 1 } })));
  await writer.write({ events });
  api = await SqlApi.create(db, { max_rows: 100, timeout_ms: 1500, max_concurrent: 2 });
});

afterAll(async () => {
  await api?.close();
  await db?.close();
});

describe('SQL API: what analysts and Grafana get', () => {
  it('answers a SELECT with typed columns, ISO times and numbers', async () => {
    const r = await api.query('SELECT id, ts, length(text) AS len, count(*) OVER () AS n FROM messages ORDER BY id');
    expect(r.columns).toEqual([
      { name: 'id', type: 'VARCHAR' },
      { name: 'ts', type: 'TIMESTAMP WITH TIME ZONE' },
      { name: 'len', type: 'BIGINT' },
      { name: 'n', type: 'BIGINT' },
    ]);
    expect(r.rows).toEqual([
      { id: 'm1', ts: '2026-03-14T10:00:00.000Z', len: 25, n: 2 },
      { id: 'm2', ts: '2026-03-14T10:05:00.250Z', len: 5, n: 2 },
    ]);
    expect(r.truncated).toBe(false);
  });

  it('returns text verbatim (escaping is the renderer’s job) and rows as arrays on request', async () => {
    const r = await api.query("SELECT text FROM messages WHERE id = 'm1'", undefined, { shape: 'arrays' });
    expect(r.rows).toEqual([['<script>alert(1)</script>']]);
  });

  it('binds positional and named parameters, with a string cast to a time by DuckDB', async () => {
    const a = await api.query('SELECT id FROM messages WHERE ts > $1 AND direction = $2', ['2026-03-14T10:01:00Z', 'outbound']);
    expect(a.rows).toEqual([{ id: 'm2' }]);
    const b = await api.query('SELECT $who AS who, $n + 1 AS n', { who: 'analyst', n: 41 });
    expect(b.rows).toEqual([{ who: 'analyst', n: 42 }]);
  });

  it('accepts the read-only forms: WITH, FROM-first, VALUES, DESCRIBE, SHOW, SUMMARIZE, read-only PRAGMA', async () => {
    for (const sql of [
      'WITH x AS (SELECT 1 AS a) SELECT a FROM x',
      'FROM messages SELECT count(*)',
      'VALUES (1, 2)',
      'DESCRIBE messages',
      'SHOW TABLES',
      'SUMMARIZE messages',
      "PRAGMA table_info('messages')",
    ]) {
      const r = await api.query(sql);
      expect(r.rows.length, sql).toBeGreaterThan(0);
    }
  });

  it('cuts a large result at the row limit and says so', async () => {
    const r = await api.query('SELECT range AS i FROM range(1000000)');
    expect(r.rows).toHaveLength(100);
    expect(r.truncated).toBe(true);
    const fewer = await api.query('SELECT range AS i FROM range(1000)', undefined, { maxRows: 10 });
    expect(fewer.rows).toHaveLength(10);
    const exact = await api.query('SELECT range AS i FROM range(100)');
    expect(exact.truncated).toBe(false);
  });

  it('keeps duplicate column names apart in object rows', async () => {
    const r = await api.query('SELECT 1 AS a, 2 AS a');
    expect(r.columns.map((c) => c.name)).toEqual(['a', 'a']);
    expect(r.rows[0]).toEqual({ a: 1, 'a:1': 2 });
  });

  it('interrupts a query past its timeout, says what to do, and serves the next one', async () => {
    const t0 = Date.now();
    const err = await refused('SELECT count(*) FROM range(1000000000000) a, range(10) b');
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/ran longer than 1500 ms and was stopped; narrow it .* serve\.sql_api\.timeout_ms/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await api.query('SELECT 42 AS x')).rows).toEqual([{ x: 42 }]);
  });

  it('runs queries side by side on separate connections while the pipeline writes', async () => {
    const slow = api.query('SELECT count(*) AS n FROM range(30000000)');
    await db.run(`INSERT INTO incidents (id, ts, brand, incident_id, action) VALUES ('i1', now(), 'default', 'inc', 'declared')`);
    const [a, b] = await Promise.all([slow, api.query('SELECT count(*) AS n FROM incidents')]);
    expect(a.rows).toEqual([{ n: 30000000 }]);
    expect(b.rows).toEqual([{ n: 1 }]);
  });
});

describe('SQL API: what it refuses', () => {
  const writes: [string, RegExp][] = [
    ["INSERT INTO incidents (id, ts, brand, incident_id, action) VALUES ('x', now(), 'b', 'i', 'declared')", /this is a INSERT statement/],
    ["UPDATE messages SET text = 'pwned'", /UPDATE statement/],
    ['DELETE FROM messages', /DELETE statement/],
    ['DROP TABLE messages', /DROP statement/],
    ['CREATE TABLE x (a INT)', /CREATE statement/],
    ['ALTER TABLE messages ADD COLUMN x INT', /ALTER statement/],
    [`COPY messages TO '${join(dir, 'out.csv')}'`, /COPY statement|refused/],
    [`COPY messages FROM '${secret}'`, /COPY statement|refused/],
    [`ATTACH '${join(dir, 'other.duckdb')}' AS other`, /ATTACH statement|refused/],
    ["ATTACH ':memory:' AS m", /ATTACH statement/],
    ['DETACH m', /DETACH statement/],
    ['INSTALL httpfs', /refused/],
    ['LOAD parquet', /LOAD statement/],
    ['SET threads = 1', /SET statement/],
    ["SET enable_external_access = true", /SET statement/],
    ['RESET threads', /SET statement/],
    ['PRAGMA enable_profiling', /PRAGMA statement/],
    ['PRAGMA threads = 1', /SET statement/],
    ['CALL checkpoint()', /CALL statement/],
    ['CHECKPOINT', /CALL statement/],
    [`EXPORT DATABASE '${join(dir, 'export')}'`, /refused/],
    ['EXPLAIN SELECT 1', /EXPLAIN statement/],
    ["EXPLAIN ANALYZE DELETE FROM messages", /EXPLAIN statement/],
    ['BEGIN TRANSACTION', /TRANSACTION statement/],
    ['VACUUM', /VACUUM statement/],
    ["CREATE MACRO pwn() AS 1", /CREATE statement/],
    ["PREPARE p AS SELECT 1", /PREPARE statement/],
    ['USE memory', /SET statement/],
  ];
  it.each(writes)('refuses %s', async (sql, why) => {
    const err = await refused(sql);
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/^refused: /);
    expect(err.message).toMatch(why);
  });

  const files: string[] = [
    "SELECT * FROM read_csv('/etc/passwd')",
    `SELECT * FROM read_csv('${secret}')`,
    `SELECT * FROM '${secret}'`,
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM read_parquet('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM read_csv('https://example.org/x.csv')",
  ];
  it.each(files)('cannot reach files: %s', async (sql) => {
    const err = await refused(sql);
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/^refused: the SQL API reads the database only/);
  });

  it('refuses side effects hidden in a SELECT (read-only transaction)', async () => {
    await db.run('CREATE SEQUENCE IF NOT EXISTS api_test_seq');
    const err = await refused("SELECT nextval('api_test_seq')");
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/read-only/);
    const q = await refused("SELECT * FROM query('DELETE FROM messages')");
    expect(q.status).toBe(400);
    expect((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM messages'))[0]!.n).toBe(2n);
  });

  it('runs exactly one statement per request', async () => {
    const err = await refused('SELECT 1; DROP TABLE messages');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/exactly one statement per request \(got 2\)/);
    expect(existsSync(join(dir, 'db.duckdb'))).toBe(true);
    expect((await db.query('SELECT count(*) FROM messages')).length).toBe(1);
  });

  it('explains SQL that does not parse or bind', async () => {
    expect((await refused('SELEC 1')).message).toMatch(/^the SQL does not parse: Parser Error: syntax error at or near "SELEC"/);
    expect((await refused('SELECT * FROM no_such_table')).message).toMatch(/^the query cannot run: Catalog Error: Table with name no_such_table does not exist/);
    expect((await refused('   ')).message).toMatch(/no statement found/);
    expect((await refused('-- only a comment')).message).toMatch(/no statement found/);
  });

  it('leaves the pipeline connection free to write after all that', async () => {
    await db.run(`INSERT INTO incidents (id, ts, brand, incident_id, action) VALUES ('i2', now(), 'default', 'inc', 'resolved')`);
    await db.checkpoint();
    expect((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM incidents'))[0]!.n).toBe(2n);
  });
});
