import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportParquet, type ExportManifest } from '../../src/export/parquet.js';
import { outreachCsv } from '../../src/export/outreach.js';
import type { Database } from '../../src/store/database.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { OUTREACH_STORY } from './views-outreach.story.js';
import { openStory, rows, type StoryEvent } from './views-story.js';
import { TRIAGE_SPIKES, TRIAGE_STORY } from './views-triage.story.js';

/** Reads an exported folder the way any DuckDB would: a fresh in-memory instance, Hive partitions. */
async function readBack(root: string, name: string): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const r = await conn.runAndReadAll(`SELECT * FROM read_parquet('${join(root, name)}/**/*.parquet', hive_partitioning = true, union_by_name = true)`);
    return r.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

const sortRows = (xs: Record<string, unknown>[]) => xs.map((x) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))).sort();

describe('export parquet', () => {
  const dir = tempDir();
  let db: Database;
  beforeAll(async () => {
    db = await openStory(dir, 'export', [...TRIAGE_STORY, ...OUTREACH_STORY], { spikes: TRIAGE_SPIKES });
  });
  afterAll(async () => db?.close());

  it('writes every table and view, partitioned by day, readable back with the same rows', async () => {
    const out = join(dir, 'all');
    const seen: string[] = [];
    const m = await exportParquet(db, { out, onRelation: (r) => seen.push(r.name) });
    const relations = await rows(db, "SELECT table_name AS name FROM duckdb_tables() WHERE schema_name = 'main' UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'");
    expect(m.relations.map((r) => r.name).sort()).toEqual(relations.map((r) => String(r.name)).sort());
    expect(seen).toHaveLength(m.relations.length);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ExportManifest).toMatchObject({ from: null, to: null, relations: m.relations });

    const messages = m.relations.find((r) => r.name === 'messages')!;
    expect(messages).toMatchObject({ kind: 'table', time_column: 'ts', partitioned_by: 'day', files: ['messages/day=2026-03-14/data_0.parquet'] });
    const outcomes = m.relations.find((r) => r.name === 'triage_outcomes')!;
    expect(outcomes).toMatchObject({ kind: 'view', time_column: 'opened_at', partitioned_by: 'day' });
    // No event time: one file.
    expect(m.relations.find((r) => r.name === 'triage_targets')).toMatchObject({ time_column: null, partitioned_by: null, files: ['triage_targets/data.parquet'] });

    for (const name of ['messages', 'triage_outcomes', 'crisis_periods', 'silent_sufferers', 'triage_targets']) {
      const original = await db.connection.runAndReadAll(`SELECT * FROM "${name}"`);
      const back = (await readBack(out, name)).map(({ day: _day, ...rest }) => rest);
      expect(back.length, name).toBe(m.relations.find((r) => r.name === name)!.rows);
      expect(sortRows(back), name).toEqual(sortRows(original.getRowObjectsJS() as Record<string, unknown>[]));
    }
  });

  it('keeps only the event-time window asked for; bookkeeping tables come whole', async () => {
    const out = join(dir, 'window');
    const m = await exportParquet(db, { out, from: Date.parse('2026-03-14T10:05:00Z'), to: Date.parse('2026-03-14T10:10:00Z') });
    // Inbound and outbound messages from 10:05 up to, not including, 10:10.
    const expected = await rows(db, "SELECT count(*) AS n FROM messages WHERE ts >= TIMESTAMPTZ '2026-03-14 10:05:00+00' AND ts < TIMESTAMPTZ '2026-03-14 10:10:00+00'");
    expect(m.relations.find((r) => r.name === 'messages')).toMatchObject({ rows: expected[0]!.n, windowed: true });
    expect((await readBack(out, 'messages')).length).toBe(expected[0]!.n);
    expect(m.relations.find((r) => r.name === 'config_versions')).toMatchObject({ rows: 1, windowed: false });
    // An empty result still leaves a readable file with the columns.
    const empty = await exportParquet(db, { out: join(dir, 'empty'), from: Date.parse('2027-01-01T00:00:00Z') });
    expect(empty.relations.find((r) => r.name === 'messages')).toMatchObject({ rows: 0, files: ['messages/data.parquet'] });
    expect(await readBack(join(dir, 'empty'), 'messages')).toEqual([]);
  });

  it('refuses a folder with files in it unless forced, and a window that ends before it starts', async () => {
    const out = join(dir, 'busy');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    await expect(exportParquet(db, { out })).rejects.toThrow(/busy is not empty; choose an empty folder or pass --force/);
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('mine');
    await expect(exportParquet(db, { out: join(dir, 'w'), from: Date.parse('2026-03-15T00:00:00Z'), to: Date.parse('2026-03-14T00:00:00Z') })).rejects.toThrow(/is not before --to/);
    const m = await exportParquet(db, { out, force: true });
    expect(m.relations.length).toBeGreaterThan(20);
  });
});

describe('export outreach', () => {
  const dir = tempDir();
  const story: StoryEvent[] = [
    ...OUTREACH_STORY,
    // A customer id that a spreadsheet would run as a formula.
    { id: 'inj-1', type: 'impact', ts: '2026-03-14T10:01:00Z', brand: 'acme', customerId: '=HYPERLINK("http://x")', incidentId: 'I1' } as StoryEvent,
  ];
  let db: Database;
  beforeAll(async () => {
    db = await openStory(dir, 'outreach', story);
  });
  afterAll(async () => db?.close());

  it('writes the incident\'s silent sufferers as CSV', async () => {
    const { csv, rows: n } = await outreachCsv(db, { incidentId: 'I1' });
    expect(n).toBe(4);
    expect(csv).toBe(
      [
        'brand,incident_id,customer_id,impacted_at,impact_severity,reached,reached_out_at,silent_seconds',
        'acme,I1,u2,2026-03-14T10:00:00.000Z,,true,2026-03-14T10:20:00.000Z,10800',
        'acme,I1,u3,2026-03-14T10:00:00.000Z,high,false,,10800',
        'acme,I1,u6,2026-03-14T10:00:00.000Z,,false,,10800',
        `acme,I1,"'=HYPERLINK(""http://x"")",2026-03-14T10:01:00.000Z,,false,,10740`,
        '',
      ].join('\n'),
    );
    const unreached = await outreachCsv(db, { incidentId: 'I1', unreachedOnly: true });
    expect(unreached.csv.split('\n').slice(1, -1).map((l) => l.split(',')[2])).toEqual(['u3', 'u6', `"'=HYPERLINK(""http://x"")"`]);
  });

  it('names the incidents it knows when asked for another', async () => {
    await expect(outreachCsv(db, { incidentId: 'I9' })).rejects.toThrow('no affected customers recorded for incident "I9"; incidents with impact events: I1 (acme, 6 affected), I2 (acme, 2 affected)');
  });

  it('crisiscx export outreach --incident writes the file', async () => {
    await db.close();
    const file = join(dir, 'i2.csv');
    const r = await cli(['export', 'outreach', '--incident', 'I2', '--out', file, '--db', join(dir, 'outreach.duckdb')]);
    expect(r.stderr).toContain(`wrote 2 customers of incident I2 to ${file}`);
    expect(readFileSync(file, 'utf8').split('\n').slice(1, -1).map((l) => l.split(',')[2])).toEqual(['u2', 'u5']);
    const p = await cli(['export', 'parquet', '--out', join(dir, 'pq'), '--from', 'yesterday', '--db', join(dir, 'outreach.duckdb')]);
    expect(p.code).not.toBe(0);
    expect(p.stderr).toContain('--from');
    expect(p.stderr).toContain('2026-03-14');
  });
});
