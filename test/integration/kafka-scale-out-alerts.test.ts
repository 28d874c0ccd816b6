/**
 * Kafka scale-out, brand-level alerts with three real crisiscx processes and a real broker: a spike
 * of upset messages spread evenly over the six input partitions, so that no instance's share alone
 * is a spike, is detected on the combined counts by the one instance that owns the brand, and paged
 * once at a webhook. The brand goes silent in public during the spike: paged once too. Then the
 * owner is killed with SIGKILL; the brand moves to another instance, which takes both alerts over
 * without paging again, sees the brand's public update (read by whichever instance owns that input
 * partition) and resolves the brand silence, then resolves the spike when it ends.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../src/alert/sink.js';
import { Database } from '../../src/store/database.js';
import { tempDir } from '../helpers/tmp.js';
import { client, createTopics, groupProgress, scaleOutInstance, startCli, unique, waitFor, type CliProcess } from './kafka-helpers.js';

const dir = tempDir('crisiscx-kafka-so-alerts-');
const BRAND = 'acme';
const INPUT_PARTITIONS = 6;
const AGG_PARTITIONS = 4;
const BUCKET_SECS = 10;
/** A bucket with fewer upset messages is never a spike; each instance alone sees about a third of the spike's 36. */
const MIN_UPSET = 20;

const UPSET = 'This is unacceptable, I have been waiting for hours and nobody answers! Worst service ever, I am furious.';
const CALM = 'Could you tell me the status of my order please?';

const received: AlertNotification[] = [];
let server: Server | undefined;
afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
  }
});

async function webhook(): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body) as AlertNotification);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

/** The aggregates partition a brand's messages go to (keyed by brand, kafkajs's default partitioner). */
function partitionOf(brand: string, partitions: number): number {
  const meta = Array.from({ length: partitions }, (_, i): PartitionMetadata => ({ partitionId: i, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0, offlineReplicas: [] }));
  return Partitioners.DefaultPartitioner()({ topic: 'any', partitionMetadata: meta, message: { key: brand, value: '' } });
}

/** The partitions of `topic` in an instance's latest assignment line, from its log. */
function lastAssignment(p: CliProcess, pattern: RegExp): number[] | undefined {
  const all = [...p.stderr().matchAll(pattern)];
  const last = all[all.length - 1];
  return last ? last[1]!.split(',').filter(Boolean).map(Number) : undefined;
}

let seq = 0;
function message(ts: number, text: string, n: number) {
  const conv = `${BRAND}-c${n}`;
  return { id: `m-${seq++}`, type: 'message', ts: new Date(ts).toISOString(), brand: BRAND, conversationId: conv, channel: 'chat', direction: 'inbound', customerId: `cu${n}`, text };
}

describe('kafka scale-out: brand-level alerts from the brand owner only', () => {
  it('pages a spike no instance sees alone exactly once, and still once after its owner is SIGKILLed', async () => {
    const url = await webhook();
    const input = unique('soa-events');
    const aggregates = unique('soa-aggregates');
    const group = unique('soa-group');
    await createTopics([
      { topic: input, numPartitions: INPUT_PARTITIONS },
      { topic: aggregates, numPartitions: AGG_PARTITIONS },
    ]);
    const producer = client().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // Round robin over the input partitions: each instance (two partitions) gets a third.
    let rr = 0;
    const send = (events: object[]) =>
      producer.send({ topic: input, acks: -1, messages: events.map((e) => ({ key: (e as { conversationId?: string; id: string }).conversationId ?? (e as { id: string }).id, value: JSON.stringify(e), partition: rr++ % INPUT_PARTITIONS })) });

    const instance = (id: string) =>
      scaleOutInstance(dir, id, {
        group,
        topics: [input],
        source: { max_wait_ms: 200 },
        scaleOut: { aggregates_topic: aggregates, combined_topic: null, bucket_secs: BUCKET_SECS, lookback_secs: 3600, transaction_timeout_ms: 6000 },
        sections: {
          limits: { batch_size: 500 },
          detect: {
            spikes: { bucket_secs: BUCKET_SECS, allowed_lateness_secs: 2, warmup_buckets: 12, seasonality: 'none', min_upset_per_bucket: MIN_UPSET, end_after_buckets: 2 },
            silence: { customer: { enabled: false }, brand: { threshold_secs: 45 } },
          },
          alerts: {
            sinks: [{ type: 'webhook', url, format: 'json', max_attempts: 1 }],
            rules: {
              spike: { keep_firing_for_secs: 0, group_interval_secs: 1 },
              brand_silence: { group_interval_secs: 1 },
            },
          },
        },
      });
    const procs = new Map<string, CliProcess>();
    for (const id of ['a', 'b', 'c']) procs.set(id, startCli(['run', '--pipeline', instance(id), '--no-serve']));
    const brandPartition = partitionOf(BRAND, AGG_PARTITIONS);
    const owns = new RegExp(`owns ${aggregates}\\[([\\d,]*)\\]`, 'g');
    const ownerOf = () => [...procs].find(([, p]) => p.child.exitCode === null && p.child.signalCode === null && lastAssignment(p, owns)?.includes(brandPartition));
    let spiking = false;
    let ticker: NodeJS.Timeout | undefined;
    try {
      // Both groups settled: every aggregates partition owned, and each owner done reading back.
      await waitFor(
        'three instances sharing the input and the aggregates partitions',
        () => {
          const ps = [...procs.values()];
          const agg = ps.map((p) => lastAssignment(p, owns));
          const input_ = ps.map((p) => lastAssignment(p, new RegExp(`assigned ${input}\\[([\\d,]*)\\]`, 'g')));
          return agg.every((a) => a !== undefined) && new Set(agg.flat()).size === AGG_PARTITIONS && input_.every((a) => (a?.length ?? 0) > 0) && ps.every((p) => /judging the brands/.test(p.stderr().slice(p.stderr().lastIndexOf(`owns ${aggregates}`))));
        },
        90_000,
        200,
      );

      // Ten calm minutes as history: 2 upset messages in every 10 s (the baseline the spike stands out from).
      const now0 = Math.floor(Date.now() / 10_000) * 10_000;
      const history: object[] = [];
      for (let t = now0 - 600_000; t < now0 - 10_000; t += 10_000) {
        for (let i = 0; i < 6; i++) history.push(message(t + i * 1500, i < 2 ? UPSET : CALM, i));
      }
      await send(history);
      await waitFor('the history consumed', async () => {
        const g = await groupProgress(group, input);
        return g.committed === g.end;
      }, 60_000, 200);

      // The spike, live: 36 upset messages per 10 s, spread evenly over the six input partitions.
      spiking = true;
      ticker = setInterval(() => {
        if (!spiking) return;
        const t = Date.now();
        void send([0, 1, 2, 3, 4, 5].map((i) => message(t, UPSET, 100 + (seq % 60) + i))).catch(() => undefined);
      }, 1667);

      const firing = await waitFor('the spike paged', () => received.find((n) => n.rule === 'spike' && n.state === 'firing'), 90_000, 100);
      expect(firing.brand).toBe(BRAND);
      await waitFor('the brand silence paged', () => received.find((n) => n.rule === 'brand_silence' && n.state === 'firing'), 60_000, 100);
      const [ownerId, owner] = ownerOf()!;

      // The owner dies. Its aggregates partition, and with it the brand, moves to another instance.
      owner.child.kill('SIGKILL');
      await owner.exited;
      const [nextId, next] = await waitFor(
        'another instance to take the brand over',
        () => {
          const o = ownerOf();
          if (!o || o[0] === ownerId) return undefined;
          const log = o[1].stderr();
          // Brand silence is taken over after the spike rebuild, a tick later: wait for both lines.
          const since = log.slice(log.lastIndexOf(`owns ${aggregates}`));
          return /still open and taken over/.test(since) && /brand silences still firing and taken over/.test(since) ? o : undefined;
        },
        60_000,
        200,
      );
      const takeover = next.stderr().slice(next.stderr().lastIndexOf(`owns ${aggregates}`));
      expect(takeover).toMatch(/[1-9]\d* still open and taken over/);
      expect(takeover).toMatch(/brand silences still firing and taken over/);

      // The brand posts a public update into an input partition the new owner does not read: it
      // learns of it only through the aggregates topic.
      const nextInput = lastAssignment(next, new RegExp(`assigned ${input}\\[([\\d,]*)\\]`, 'g')) ?? [];
      const elsewhere = [...Array(INPUT_PARTITIONS).keys()].find((p) => !nextInput.includes(p))!;
      await producer.send({
        topic: input,
        acks: -1,
        messages: [{ key: 'bc-1', partition: elsewhere, value: JSON.stringify({ id: 'bc-1', type: 'broadcast', ts: new Date().toISOString(), brand: BRAND, channel: 'status_page', text: 'We know about the outage and are fixing it.' }) }],
      });
      await waitFor('the brand silence resolved', () => received.find((n) => n.rule === 'brand_silence' && n.state === 'resolved'), 60_000, 100);

      // The spike stops and ends (before the brand could be silent for 45 s again).
      spiking = false;
      await waitFor('the spike resolved', () => received.find((n) => n.rule === 'spike' && n.state === 'resolved'), 90_000, 200);

      for (const [id, p] of procs) if (id !== ownerId) p.child.kill('SIGTERM');
      for (const [id, p] of procs) if (id !== ownerId) expect((await p.exited).code, `${id}: ${p.stderr()}`).toBe(0);

      // Once per condition at the webhook: paged by the first owner, resolved by the next.
      const pages = (rule: string, state: string) => received.filter((n) => n.rule === rule && n.brand === BRAND && n.state === state);
      expect(pages('spike', 'firing')).toHaveLength(1);
      expect(pages('spike', 'resolved')).toHaveLength(1);
      expect(pages('brand_silence', 'firing')).toHaveLength(1);
      expect(pages('brand_silence', 'resolved')).toHaveLength(1);
      expect(new Set(pages('spike', 'resolved')[0]!.alerts!.map((a) => a.id))).toEqual(new Set(pages('spike', 'firing')[0]!.alerts!.map((a) => a.id)));

      // One start per spike across the three database files (the killed one's included); and no
      // instance's own share of the spike reached the spike threshold.
      const starts = new Map<string, string[]>();
      let maxShare = 0;
      for (const id of procs.keys()) {
        const db = await Database.open(join(dir, `${id}.duckdb`));
        try {
          for (const r of await db.query<{ spike_id: string }>(`SELECT spike_id FROM spike_updates WHERE change = 'start' AND brand = '${BRAND}'`)) {
            starts.set(r.spike_id, [...(starts.get(r.spike_id) ?? []), id]);
          }
          const share = await db.query<{ n: bigint }>(
            `SELECT count(*) AS n FROM messages WHERE brand = '${BRAND}' AND upset_label = 'upset' GROUP BY epoch_ms(ts) // ${BUCKET_SECS * 1000} ORDER BY n DESC LIMIT 1`,
          );
          maxShare = Math.max(maxShare, Number(share[0]?.n ?? 0));
        } finally {
          await db.close();
        }
      }
      expect([...starts.keys()].sort()).toEqual(pages('spike', 'firing')[0]!.alerts!.map((a) => a.labels.spike_id).sort());
      for (const [spike, where] of starts) expect(where, spike).toHaveLength(1);
      expect(maxShare).toBeGreaterThan(0);
      expect(maxShare).toBeLessThan(MIN_UPSET);
      process.stderr.write(`scale-out alerts: owner ${ownerId} killed, ${nextId} took over; largest share of one instance in a bucket ${maxShare} upset messages (threshold ${MIN_UPSET})\n`);
    } finally {
      spiking = false;
      if (ticker) clearInterval(ticker);
      await producer.disconnect();
      for (const p of procs.values()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
  });
});
