/**
 * Scale-out on Kafka with three real crisiscx processes in one consumer group: they share the
 * input partitions, each stores what it consumed in its own DuckDB file, and the brand × channel
 * counts are combined through the aggregates topic. One instance is killed with SIGKILL in the
 * middle: the others take over its partitions, nothing is lost, and the combined totals equal a
 * count over every event. And the recovery of a range stored but never published counts it once.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig, type PipelineConfig } from '../../src/config/pipeline.js';
import { Database } from '../../src/store/database.js';
import { tempDir } from '../helpers/tmp.js';
import {
  createTopics,
  groupProgress,
  kafkaPipeline,
  produceLines,
  readTopic,
  recentStart,
  runInProcess,
  scaleOutInstance,
  setGroupOffsets,
  startCli,
  syntheticEvents,
  unique,
  waitFor,
  withAdmin,
  type CliProcess,
} from './kafka-helpers.js';

interface Combined {
  brand: string;
  channel: string;
  bucket_start: number;
  inbound: number;
  upset: number;
}

/** The latest total per brand|channel|bucket on the combined topic. */
async function combinedTotals(topic: string): Promise<Map<string, Combined>> {
  const out = new Map<string, Combined>();
  const msgs = (await readTopic(topic)).sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  for (const m of msgs) out.set(m.key!, JSON.parse(m.value) as Combined);
  return out;
}

describe('kafka scale-out: three instances in one group', () => {
  const dir = tempDir('crisiscx-kafka-scale-');

  it('share the partitions, lose nothing when one is killed, and combine exact brand × channel totals', async () => {
    const input = unique('so-events');
    const aggregates = unique('so-aggregates');
    const combined = unique('so-combined');
    const group = unique('so-group');
    await createTopics([
      { topic: input, numPartitions: 6 },
      { topic: aggregates, numPartitions: 4 },
      { topic: combined, numPartitions: 2 },
    ]);
    const events = syntheticEvents(24_000, 21);
    const firstPart = events.slice(0, 16_000);
    const secondPart = events.slice(16_000);
    await produceLines(input, firstPart);

    const instance = (id: string) =>
      scaleOutInstance(dir, id, {
        group,
        topics: [input],
        source: { max_bytes_per_partition: 32 * 1024 },
        scaleOut: { aggregates_topic: aggregates, combined_topic: combined, bucket_secs: 60, transaction_timeout_ms: 8000 },
        sections: { limits: { batch_size: 200 } },
      });
    const start = (id: string) => startCli(['run', '--pipeline', instance(id), '--no-serve']);
    const procs = new Map<string, CliProcess>([
      ['a', start('a')],
      ['b', start('b')],
      ['c', start('c')],
    ]);
    try {
      // Every instance got a share of the input partitions.
      await waitFor('three instances assigned', () => [...procs.values()].every((p) => /assigned \S+\[\d/.test(p.stderr())), 90_000, 100);

      // b dies in the middle of the stream; the rest of the input arrives after it is gone.
      await waitFor('a third of the input consumed', async () => (await groupProgress(group, input)).committed >= 5_000n, 90_000, 20);
      procs.get('b')!.child.kill('SIGKILL');
      await procs.get('b')!.exited;
      await produceLines(input, secondPart);
      await waitFor('a and c to consume everything, b\'s partitions included', async () => {
        const g = await groupProgress(group, input);
        return g.committed === g.end;
      }, 120_000, 200);

      // The totals every event makes, per brand × channel × minute, inbound messages only.
      const expected = new Map<string, { inbound: number; ids: string[] }>();
      for (const line of events) {
        const e = JSON.parse(line) as { id: string; brand: string; channel: string; ts: string; direction: string };
        if (e.direction !== 'inbound') continue;
        const bucket = Math.floor(Date.parse(e.ts) / 60_000) * 60_000;
        const k = `${e.brand}|${e.channel}|${bucket}`;
        const x = expected.get(k) ?? { inbound: 0, ids: [] };
        x.inbound++;
        x.ids.push(e.id);
        expected.set(k, x);
      }
      const inboundTotal = [...expected.values()].reduce((s, x) => s + x.inbound, 0);
      // Combined through the aggregates topic, without b: exact.
      await waitFor('the combined totals to count every inbound message', async () => {
        const t = await combinedTotals(combined);
        return [...t.values()].reduce((s, x) => s + x.inbound, 0) === inboundTotal ? t : undefined;
      }, 90_000, 500);

      // b comes back and rejoins; its partial counts from before the kill were either published
      // with their offsets or are now past the group's offsets and dropped, never counted twice.
      procs.set('b', start('b'));
      await waitFor('b to rejoin with a share', () => /assigned \S+\[\d/.test(procs.get('b')!.stderr()), 90_000, 100);
      const totals = await waitFor('the totals to settle after b rejoined', async () => {
        const t = await combinedTotals(combined);
        return [...t.values()].reduce((s, x) => s + x.inbound, 0) === inboundTotal ? t : undefined;
      }, 90_000, 500);

      for (const p of procs.values()) p.child.kill('SIGTERM');
      for (const [id, p] of procs) expect((await p.exited).code, `${id}: ${p.stderr()}`).toBe(0);

      // Nothing lost: every event is in some instance's database, and each database alone holds
      // each event at most once.
      const seen = new Map<string, string>();
      const perInstance: Record<string, number> = {};
      const upsetIds = new Set<string>();
      const partitionOf = new Map<string, string>();
      for (const id of ['a', 'b', 'c']) {
        const db = await Database.open(join(dir, `${id}.duckdb`));
        try {
          const rows = await db.query<{ id: string; upset_label: string | null; conversation_id: string; origin: string }>(
            'SELECT e.id, m.upset_label, e.conversation_id, e.origin FROM events e JOIN messages m USING (id)',
          );
          perInstance[id] = rows.length;
          expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
          for (const r of rows) {
            seen.set(r.id, id);
            if (r.upset_label === 'upset') upsetIds.add(r.id);
            // Keyed by conversation: a conversation's events all come from one partition, so its
            // state lives with whichever instance owns that partition.
            const part = /\[(\d+)\]@/.exec(r.origin)![1]!;
            const before = partitionOf.get(r.conversation_id);
            expect(before === undefined || before === part, `${r.conversation_id} in partitions ${before} and ${part}`).toBe(true);
            partitionOf.set(r.conversation_id, part);
          }
        } finally {
          await db.close();
        }
      }
      expect(seen.size).toBe(events.length);
      for (const id of ['a', 'c']) expect(perInstance[id]).toBeGreaterThan(0);

      // Exact per bucket: inbound from the events themselves, upset from the score stage's labels.
      expect(new Set(totals.keys())).toEqual(new Set(expected.keys()));
      for (const [k, x] of expected) {
        const got = totals.get(k)!;
        expect(got.inbound, k).toBe(x.inbound);
        expect(got.upset, k).toBe(x.ids.filter((i) => upsetIds.has(i)).length);
      }
      const overlap = Object.values(perInstance).reduce((s, n) => s + n, 0) - events.length;
      process.stderr.write(`scale-out: per instance ${JSON.stringify(perInstance)}, events stored by two instances (b's batch in flight when killed): ${overlap}\n`);
    } finally {
      for (const p of procs.values()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
  });

  it('after a crash between the DuckDB commit and the Kafka transaction, publishes exactly the missing range, even one that starts inside a batch', async () => {
    const input = unique('rec-events');
    const group = unique('rec-group');
    const [agg1, agg2, comb1, comb2] = [unique('rec-agg1'), unique('rec-agg2'), unique('rec-comb1'), unique('rec-comb2')];
    await createTopics([{ topic: input, numPartitions: 2 }, { topic: agg1 }, { topic: agg2 }, { topic: comb1 }, { topic: comb2 }]);
    // All in one minute: every brand × channel has events on both sides of any offset, so a count
    // of a whole batch would not fit a range that starts inside it. A recent minute: the pipeline
    // runs on the wall clock.
    const minute = new Date(recentStart(0) - 10 * 60_000 + 30_000).toISOString();
    const dense = syntheticEvents(3000, 41).map((l) => JSON.stringify({ ...JSON.parse(l), ts: minute }));
    await produceLines(input, dense);
    const db = join(dir, 'recover.duckdb');
    const config = (aggregates: string, combined: string) =>
      parsePipelineConfig(
        kafkaPipeline({
          database: db,
          group,
          topics: [input],
          source: { max_bytes_per_partition: 64 * 1024, scale_out: { enabled: true, instance_id: 'solo', aggregates_topic: aggregates, combined_topic: combined } },
          sections: { limits: { batch_size: 250 } },
        }),
        'test',
      );
    const run = async (cfg: PipelineConfig, until: () => Promise<boolean>) => {
      const r = await runInProcess(cfg);
      try {
        await waitFor('the run to reach its goal', until, 90_000, 200);
      } finally {
        await r.stop();
      }
      return r.stats;
    };
    await run(config(agg1, comb1), async () => {
      const g = await groupProgress(group, input);
      return g.committed === g.end;
    });

    // As if the process had died after storing partition 0 up to its end but before the Kafka
    // transaction of its last 37 messages, which do not begin at a batch boundary (250).
    const end0 = await withAdmin(async (a) => BigInt((await a.fetchTopicOffsets(input)).find((e) => e.partition === 0)!.high));
    const cut = end0 - 37n;
    await setGroupOffsets(group, input, [{ partition: 0, offset: String(cut) }]);
    const d = await Database.open(db);
    await d.run(`UPDATE kafka_group_commits SET committed_offset = ${cut} WHERE topic = '${input}' AND kafka_partition = 0`);
    // What those 37 messages count, from the stored events (inbound per brand × channel × minute).
    const expected = await d.query<{ k: string; inbound: bigint; upset: bigint }>(
      `SELECT m.brand || '|' || m.channel || '|' || (epoch_ms(m.ts) // 60000 * 60000) AS k, count(*) AS inbound, count(*) FILTER (WHERE m.upset_label = 'upset') AS upset
       FROM events e JOIN messages m USING (id)
       WHERE starts_with(e.origin, '${input}[0]@') AND split_part(e.origin, '@', 2)::BIGINT >= ${cut} AND m.direction = 'inbound'
       GROUP BY ALL`,
    );
    await d.close();
    expect(expected.length).toBeGreaterThan(0);

    // Restarted on fresh aggregates topics: what it publishes there is exactly the recovered range.
    const stats = await run(config(agg2, comb2), async () => {
      const [c] = await withAdmin((a) => a.fetchOffsets({ groupId: group, topics: [input] }));
      return c!.partitions.find((x) => x.partition === 0)!.offset === String(end0);
    });
    expect(stats.records).toBe(0); // nothing read again
    const got = await waitFor('the recovered range combined', async () => {
      const t = await combinedTotals(comb2);
      const n = [...t.values()].reduce((s, x) => s + x.inbound, 0);
      return n === expected.reduce((s, x) => s + Number(x.inbound), 0) ? t : undefined;
    }, 30_000, 500);
    expect(new Map([...got].map(([k, v]) => [k, [v.inbound, v.upset]]))).toEqual(new Map(expected.map((x) => [x.k, [Number(x.inbound), Number(x.upset)]])));
  });
});
