import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventSchema } from '../../src/contract/events.js';
import type { Envelope } from '../../src/contract/records.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { tempDir } from '../helpers/tmp.js';

const env = (id: string, extra: Record<string, unknown> = {}): Envelope => {
  const raw = { id, type: 'message', ts: '2026-03-14T10:00:00+05:30', conversationId: 'c1', channel: 'chat', direction: 'inbound', text: `hello ${id}`, ...extra };
  return { event: EventSchema.parse(raw), raw: JSON.stringify(raw), origin: { kind: 'file', name: 'f', line: 1 } };
};

describe('DuckDB store', () => {
  const dir = tempDir();

  it('stores each id once across batches, writers and reopenings; first arrival wins', async () => {
    const path = join(dir, 'a.duckdb');
    let db = await Database.open(path);
    let w = await EventWriter.create(db);
    expect((await w.write({ events: [env('a'), env('b'), env('a', { text: 'second a' })] })).stored).toBe(2);
    expect((await w.write({ events: [env('b'), env('c')] })).stored).toBe(1);
    await db.close();
    db = await Database.open(path);
    w = await EventWriter.create(db);
    const r = await w.write({ events: [env('a'), env('c'), env('d')] });
    expect(r).toMatchObject({ stored: 1, duplicates: 2 });
    const rows = await db.query<{ id: string; text: string; ts: Date }>('SELECT id, text, ts FROM messages ORDER BY id');
    expect(rows.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(rows[0]!.text).toBe('hello a');
    const ev = await db.query<{ n: bigint; raw: string }>("SELECT count(*) OVER () AS n, raw FROM events WHERE id = 'a'");
    expect(ev[0]!.n).toBe(1n);
    expect(JSON.parse(ev[0]!.raw).ts).toBe('2026-03-14T10:00:00+05:30');
    const ts = await db.query<{ t: string }>("SELECT strftime(ts, '%Y-%m-%d %H:%M') AS t FROM messages WHERE id = 'a'");
    expect(ts[0]!.t).toBe('2026-03-14 04:30');
    await db.close();
  });

  it('writes a batch all or nothing: a failing table rolls back the events too', async () => {
    const db = await Database.open(join(dir, 'b.duckdb'));
    const w = await EventWriter.create(db);
    await expect(w.write({ events: [env('x')], tables: { no_such_table: [{ a: 1 }] } })).rejects.toThrow(/no_such_table/);
    expect((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM events'))[0]!.n).toBe(0n);
    // Not marked as seen: the retry stores it.
    expect((await w.write({ events: [env('x')] })).stored).toBe(1);
    await db.close();
  });

  it('stores consumed offsets in the same transaction and moves them forward', async () => {
    const db = await Database.open(join(dir, 'c.duckdb'));
    const w = await EventWriter.create(db);
    await w.write({ events: [env('k1')], offsets: [{ group: 'g', topic: 't', partition: 0, nextOffset: '5' }] });
    await w.write({ events: [env('k2')], offsets: [{ group: 'g', topic: 't', partition: 0, nextOffset: '9' }] });
    const rows = await db.query<{ next_offset: bigint }>('SELECT next_offset FROM kafka_offsets');
    expect(rows).toEqual([{ next_offset: 9n }]);
    await db.close();
  });
});
