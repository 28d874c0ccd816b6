/**
 * The Kafka source against a real broker, in process: topics of several formats, dead letters to
 * the table and the dead-letter topic, duplicates, and DuckDB as the source of truth for offsets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, buildSource } from '../../src/pipeline/build.js';
import { DLQ_HEADERS } from '../../src/sources/kafka/dead-letters.js';
import { Database } from '../../src/store/database.js';
import { tempDir } from '../helpers/tmp.js';
import {
  client,
  createTopics,
  groupProgress,
  kafkaPipeline,
  produceLines,
  readTopic,
  resetGroupOffsets,
  runInProcess,
  setGroupOffsets,
  syntheticEvents,
  unique,
  waitFor,
  withAdmin,
} from './kafka-helpers.js';

const CHATWOOT = fileURLToPath(new URL('../fixtures/adapters/chatwoot/webhooks.ndjson', import.meta.url));

async function query<T extends Record<string, unknown>>(path: string, sql: string): Promise<T[]> {
  const db = await Database.open(path);
  try {
    return await db.query<T>(sql);
  } finally {
    await db.close();
  }
}

describe('kafka source', () => {
  const dir = tempDir('crisiscx-kafka-source-');
  const events = unique('events');
  const chats = unique('chatwoot');
  const dlq = unique('dead-letters');
  const group = unique('group');
  const db = join(dir, 'kafka.duckdb');
  const config = () =>
    parsePipelineConfig(
      kafkaPipeline({
        database: db,
        group,
        topics: [events, { name: chats, format: 'chatwoot', brand: 'acme' }],
        deadLetterTopic: dlq,
        source: { max_bytes_per_partition: 64 * 1024 },
        sections: { limits: { batch_size: 300 } },
      }),
      'test',
    );

  const good = syntheticEvents(3000, 7);
  const bad = [
    'not json at all',
    JSON.stringify({ id: 'bad-direction', type: 'message', ts: '2026-03-14T10:00:00Z', conversationId: 'c1', channel: 'chat', direction: 'in' }),
  ];

  it('stores every event of a canonical and an adapter topic once, and dead-letters bad records to the table and the topic', async () => {
    await createTopics([{ topic: events, numPartitions: 3 }, { topic: chats }, { topic: dlq }]);
    // 100 events sent twice: stored once. A tombstone (no value) is a dead letter too.
    await produceLines(events, [...good, ...good.slice(0, 100), ...bad]);
    const p = client().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await p.connect();
    await p.send({ topic: events, messages: [{ key: 'tomb', value: null }] });
    await p.disconnect();
    const chatLines = readFileSync(CHATWOOT, 'utf8').split('\n').filter((l) => l.trim() !== '');
    await produceLines(chats, chatLines);

    // What the same chatwoot file gives through the file source is what the topic must give.
    const fileDb = join(dir, 'file.duckdb');
    const fileBuilt = await buildPipeline(
      parsePipelineConfig({ database: fileDb, sources: [{ type: 'file', paths: [CHATWOOT], format: 'chatwoot', brand: 'acme' }], serve: { enabled: false }, alerts: { sinks: [] }, telemetry: { enabled: false } }, 'file'),
    );
    await fileBuilt.pipeline.runSource(buildSource(fileBuilt.config.sources[0]!, fileBuilt.config));
    const fromFile = (await fileBuilt.db.query<{ id: string }>('SELECT id FROM events ORDER BY id')).map((r) => r.id);
    const fileDead = Number((await fileBuilt.db.query<{ n: bigint }>('SELECT count(*) AS n FROM dead_letters'))[0]!.n);
    await fileBuilt.close();
    expect(fromFile.length).toBeGreaterThan(3);

    const total = good.length + 100 + bad.length + 1 + chatLines.length;
    const run = await runInProcess(config());
    await waitFor('every record read', () => run.stats.records >= total, 60_000);
    await waitFor('the group to commit every offset', async () => {
      const g = await groupProgress(group, events);
      return g.committed === g.end;
    });
    await run.stop();
    expect(run.stats.records).toBe(total);

    const rows = await query<{ id: string; origin: string }>(db, 'SELECT id, origin FROM events ORDER BY id');
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('s7-')).length).toBe(good.length);
    expect(ids.filter((id) => !id.startsWith('s7-')).sort()).toEqual(fromFile);
    expect(rows.find((r) => r.id === 's7-0')!.origin).toMatch(new RegExp(`^${events}\\[\\d\\]@\\d+$`));

    const dead = await query<{ id: string; reason: string; source_name: string; kafka_partition: number; kafka_offset: bigint; raw: Buffer }>(
      db,
      'SELECT id, reason, source_name, kafka_partition, kafka_offset, raw FROM dead_letters ORDER BY kafka_offset',
    );
    expect(dead.length).toBe(bad.length + 1 + fileDead);
    const direction = dead.find((d) => d.raw.toString() === bad[1])!;
    expect(direction.reason).toContain('direction');
    expect(direction.reason).toContain('"in"');

    // The dead-letter topic has each of them: raw bytes, key = id, reason and origin in headers.
    const published = await readTopic(dlq);
    expect(new Set(published.map((m) => m.key)).size).toBe(dead.length);
    for (const d of dead) {
      const m = published.find((x) => x.key === d.id)!;
      expect(m.value).toBe(d.raw.toString());
      expect(m.headers[DLQ_HEADERS.reason]).toBe(d.reason);
      expect(m.headers[DLQ_HEADERS.topic]).toBe(d.source_name);
      expect(m.headers[DLQ_HEADERS.offset]).toBe(String(d.kafka_offset));
    }

    // The offsets stored with the rows are the ends of the partitions.
    const stored = await query<{ topic: string; kafka_partition: number; next_offset: bigint }>(db, `SELECT topic, kafka_partition, next_offset FROM kafka_offsets WHERE consumer_group = '${group}'`);
    const ends = await withAdmin(async (a) => [...(await a.fetchTopicOffsets(events)).map((e) => ({ topic: events, ...e })), ...(await a.fetchTopicOffsets(chats)).map((e) => ({ topic: chats, ...e }))]);
    for (const e of ends) expect(String(stored.find((s) => s.topic === e.topic && s.kafka_partition === e.partition)?.next_offset)).toBe(e.high);
  });

  it('resumes from the offsets stored in DuckDB, not from where the group says', async () => {
    // The group is rewound to the start: a consumer trusting it would read everything again.
    await resetGroupOffsets(group, events);
    const dlqBefore = (await readTopic(dlq)).length;
    const more = syntheticEvents(500, 8);
    await produceLines(events, more);
    const run = await runInProcess(config());
    await waitFor('the new events stored', () => run.stats.stored >= more.length, 60_000);
    await waitFor('the group to commit every offset again', async () => {
      const g = await groupProgress(group, events);
      return g.committed === g.end;
    });
    await run.stop();
    expect(run.stats.records).toBe(more.length);
    expect(run.stats.duplicates).toBe(0);
    const [n] = await query<{ n: bigint }>(db, "SELECT count(*) AS n FROM events WHERE id LIKE 's8-%'");
    expect(Number(n!.n)).toBe(more.length);
    // What was published before the rewind is not published again.
    expect((await readTopic(dlq)).length).toBe(dlqBefore);
  });

  it('after a crash between the DuckDB commit and the Kafka commit, commits the stored offset and republishes that range\'s dead letters', async () => {
    // A bad record at the end of partition 0, stored and committed...
    const p = client().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await p.connect();
    await p.send({ topic: events, messages: [{ partition: 0, key: 'x', value: 'still not json' }] });
    await p.disconnect();
    let run = await runInProcess(config());
    await waitFor('the bad record read', () => run.stats.deadLetters >= 1, 60_000);
    await waitFor('the group to commit it', async () => {
      const g = await groupProgress(group, events);
      return g.committed === g.end;
    });
    await run.stop();
    const before = (await readTopic(dlq)).filter((m) => m.value === 'still not json').length;
    expect(before).toBe(1);

    // ...then the commit is undone, in the group and in crisiscx's record of its commits, as if the
    // process had died right after the DuckDB commit.
    const end0 = await withAdmin(async (a) => BigInt((await a.fetchTopicOffsets(events)).find((e) => e.partition === 0)!.high));
    await setGroupOffsets(group, events, [{ partition: 0, offset: String(end0 - 3n) }]);
    await query(db, `UPDATE kafka_group_commits SET committed_offset = ${end0 - 3n} WHERE topic = '${events}' AND kafka_partition = 0`);

    run = await runInProcess(config());
    await waitFor('the stored offset committed again without any new message', async () => {
      const [c] = await withAdmin((a) => a.fetchOffsets({ groupId: group, topics: [events] }));
      return c!.partitions.find((x) => x.partition === 0)!.offset === String(end0);
    });
    await run.stop();
    expect(run.stats.records).toBe(0); // nothing read twice
    const after = (await readTopic(dlq)).filter((m) => m.value === 'still not json');
    // At least once on the topic (same key: consumers and compaction can drop the repeat).
    expect(after.length).toBe(2);
    expect(new Set(after.map((m) => m.key)).size).toBe(1);
    const [n] = await query<{ n: bigint }>(db, "SELECT count(*) AS n FROM dead_letters WHERE raw = 'still not json'::BLOB");
    expect(Number(n!.n)).toBe(1);
  });
});
