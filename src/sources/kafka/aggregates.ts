/**
 * @module sources/kafka/aggregates
 * Scale-out on Kafka: brand × channel counts across instances, combined through a topic instead of
 * a shared database (a repartition, as in Kafka Streams).
 *
 * Stage 1, in every instance (`PartialCountStage`): inbound messages are counted per brand ×
 * channel × bucket from the input partitions the instance owns; the partial counts are stored in
 * `kafka_partials` in the batch's own DuckDB transaction, then published (by the Kafka source) to
 * the aggregates topic keyed by brand, in a Kafka transaction together with the consumer
 * group's offsets. So a partial is published exactly when its input offsets are committed: a crash
 * before that leaves both undone, and whoever consumes those offsets next counts them once.
 *
 * Stage 2, also in every instance (`AggregateCombiner`): a second consumer group over the
 * aggregates topic (read_committed). Each brand lives in one of its partitions (every channel of a
 * brand together: a brand-wide series, such as the spike detector's, needs them all), so one
 * instance at a time owns a key; it sums the partials into per-bucket totals and hands the running
 * total of each changed bucket to `onCombined` and to the combined topic (the latest message per
 * `brand|channel|bucket` key is the total, like a changelog). On taking over a partition it re-reads the last
 * `lookback_secs` of partials, so the totals survive a rebalance; each partial carries a
 * deterministic id and is added once.
 *
 * The same topic carries each brand's facts (broadcasts, incidents) and its owner's reports
 * (spike changes, brand silence): brand-records.ts. The combiner hands those, the totals, its
 * assignments and when it has read an assignment back (`onCaughtUp`) to the brand-level stages
 * through brand-feed.ts.
 *
 * @example
 * const combiner = new AggregateCombiner({ kafka, groupId: 'crisiscx.combine', topic: 'crisiscx.aggregates',
 *   lookbackSecs: 86400, onCombined: (b) => console.log(b.brand, b.channel, b.inbound, b.upset) });
 * await combiner.start();
 */
import { hostname } from 'node:os';
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import type { Envelope } from '../../contract/records.js';
import type { Stage, StageContext } from '../../pipeline/stage.js';
import type { StoredPartial } from './state.js';
import { scaleOutSource, type KafkaScaleOutConfig } from './config.js';
import { FACTS_TABLE, parseRecord, recordMessage, type BrandRecord } from './brand-records.js';

export const PARTIALS_TABLE = 'kafka_partials';

/** A partial count as published on the aggregates topic (the message value, JSON). */
export interface PartialMessage {
  v: 1;
  id: string;
  brand: string;
  channel: string;
  /** Epoch ms. */
  bucket_start: number;
  bucket_secs: number;
  inbound: number;
  upset: number;
  instance: string;
  source: { topic: string; partition: number; min_offset: string; max_offset: string };
}

/** What the second stage hands on: the running total of one bucket of one brand × channel. */
export interface CombinedBucket {
  brand: string;
  channel: string;
  /** Epoch ms. */
  bucketStart: number;
  bucketSecs: number;
  inbound: number;
  upset: number;
  /** How many partials (from how many instances' batches) the total is made of. */
  partials: number;
}

export const aggregateKey = (brand: string, channel: string): string => `${brand}|${channel}`;

/** A combined total as published on the combined topic: the latest value per key is the total. */
export function combinedMessage(b: CombinedBucket): { key: string; value: string } {
  return {
    key: `${aggregateKey(b.brand, b.channel)}|${b.bucketStart}`,
    value: JSON.stringify({ v: 1, brand: b.brand, channel: b.channel, bucket_start: b.bucketStart, bucket_secs: b.bucketSecs, inbound: b.inbound, upset: b.upset, partials: b.partials }),
  };
}

/** The instance id of a scale-out config: configured, else $CRISISCX_INSTANCE_ID, else the host name. */
export function instanceId(cfg: Pick<KafkaScaleOutConfig, 'instance_id'>, env: NodeJS.ProcessEnv = process.env): string {
  return cfg.instance_id ?? env.CRISISCX_INSTANCE_ID ?? hostname().replace(/[^A-Za-z0-9._-]/g, '-');
}

export function partialMessage(p: StoredPartial): { key: string; value: string } {
  const m: PartialMessage = {
    v: 1,
    id: p.partialId,
    brand: p.brand,
    channel: p.channel,
    bucket_start: p.bucketStart,
    bucket_secs: p.bucketSecs,
    inbound: p.inbound,
    upset: p.upset,
    instance: p.instanceId,
    source: { topic: p.topic, partition: p.partition, min_offset: p.minOffset.toString(), max_offset: p.maxOffset.toString() },
  };
  // Keyed by brand: one combiner sees every channel of a brand.
  return { key: p.brand, value: JSON.stringify(m) };
}

/** Parses a partial message; anything else (a stray producer) is reported, not counted. */
export function parsePartial(value: Buffer | null): PartialMessage | { error: string } {
  const m = parseJson(value);
  return 'error' in m ? m : partialOf(m.obj);
}

/** Parses any message of the aggregates topic: a partial count or a brand record. */
export function parseAggregate(value: Buffer | null): { partial: PartialMessage } | { record: BrandRecord } | { error: string } {
  const j = parseJson(value);
  if ('error' in j) return j;
  const m = j.obj;
  if (m.kind !== undefined) {
    const r = parseRecord(m);
    return 'error' in r ? r : { record: r };
  }
  const p = partialOf(m);
  return 'error' in p ? p : { partial: p };
}

function parseJson(value: Buffer | null): { obj: Record<string, unknown> } | { error: string } {
  if (!value) return { error: 'empty message' };
  let m: unknown;
  try {
    m = JSON.parse(value.toString('utf8'));
  } catch {
    return { error: 'not JSON' };
  }
  return typeof m === 'object' && m !== null && !Array.isArray(m) ? { obj: m as Record<string, unknown> } : { error: 'not a JSON object' };
}

function partialOf(m: Record<string, unknown>): PartialMessage | { error: string } {
  const p = m as Partial<PartialMessage>;
  if (
    p?.v !== 1 ||
    typeof p.id !== 'string' ||
    typeof p.brand !== 'string' ||
    typeof p.channel !== 'string' ||
    !Number.isFinite(p.bucket_start) ||
    !Number.isFinite(p.inbound) ||
    !Number.isFinite(p.upset)
  ) {
    return { error: 'not a crisiscx partial count (v 1)' };
  }
  return p as PartialMessage;
}

/**
 * Counts inbound messages read from Kafka per source partition × brand × channel × bucket and
 * stores the counts as `kafka_partials` rows in the batch's transaction; broadcasts and incident
 * events become `kafka_brand_facts` rows (one per event) the same way.
 */
export class PartialCountStage implements Stage {
  readonly name = 'kafka-partials';
  private readonly bucketMs: number;

  constructor(
    private readonly instance: string,
    bucketSecs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = bucketSecs * 1000;
  }

  onEvents(events: Envelope[], ctx: StageContext): void {
    const groups = new Map<string, { topic: string; partition: number; brand: string; channel: string; bucket: number; inbound: number; upset: number; min: bigint; max: bigint }>();
    const now = this.now();
    for (const env of events) {
      const e = env.event;
      if (env.origin.kind !== 'kafka') continue;
      if (e.type === 'broadcast' || e.type === 'incident') {
        const o = env.origin;
        ctx.emit(FACTS_TABLE, {
          source_topic: o.name,
          source_partition: o.partition,
          source_offset: BigInt(o.offset),
          brand: e.brand,
          fact: e.type === 'broadcast' ? 'broadcast' : `incident_${e.action}`,
          incident_id: e.type === 'incident' ? e.incidentId : null,
          ts: e.ts,
          created_at: now,
        });
        continue;
      }
      if (e.type !== 'message' || e.direction !== 'inbound') continue;
      const o = env.origin;
      const bucket = Math.floor(e.ts / this.bucketMs) * this.bucketMs;
      const k = `${o.name}\u0000${o.partition}\u0000${e.brand}\u0000${e.channel}\u0000${bucket}`;
      const off = BigInt(o.offset);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { topic: o.name, partition: o.partition, brand: e.brand, channel: e.channel, bucket, inbound: 0, upset: 0, min: off, max: off }));
      g.inbound++;
      if (env.upset?.label === 'upset') g.upset++;
      if (off < g.min) g.min = off;
      if (off > g.max) g.max = off;
    }
    for (const g of groups.values()) {
      ctx.emit(PARTIALS_TABLE, {
        partial_id: `${g.topic}:${g.partition}:${g.min}-${g.max}:${aggregateKey(g.brand, g.channel)}|${g.bucket}`,
        instance_id: this.instance,
        source_topic: g.topic,
        source_partition: g.partition,
        min_offset: g.min,
        max_offset: g.max,
        brand: g.brand,
        channel: g.channel,
        bucket_start: g.bucket,
        bucket_secs: this.bucketMs / 1000,
        inbound: g.inbound,
        upset: g.upset,
        created_at: now,
      });
    }
  }
}

/** The stage factory: present only when a kafka source runs with `scale_out.enabled`. */
export function partialCountStage(deps: { config: { sources: readonly { type: string }[] } }): Stage | undefined {
  const src = scaleOutSource(deps.config);
  if (!src) return undefined;
  return new PartialCountStage(instanceId(src.scale_out), src.scale_out.bucket_secs);
}

/**
 * The pure part of the second stage: running totals per brand × channel × bucket, each partial
 * added once (by id), buckets older than the lookback dropped.
 */
export class CombineState {
  private readonly buckets = new Map<string, CombinedBucket & { ids: Set<string> }>();
  /** Latest bucket start seen (event time). */
  watermark = 0;

  /** Adds a partial; returns the bucket's new total, or undefined when the partial was already in. */
  apply(p: PartialMessage): CombinedBucket | undefined {
    const k = `${aggregateKey(p.brand, p.channel)}|${p.bucket_start}`;
    let b = this.buckets.get(k);
    if (!b) {
      b = { brand: p.brand, channel: p.channel, bucketStart: p.bucket_start, bucketSecs: p.bucket_secs, inbound: 0, upset: 0, partials: 0, ids: new Set() };
      this.buckets.set(k, b);
    }
    if (p.bucket_start > this.watermark) this.watermark = p.bucket_start;
    if (b.ids.has(p.id)) return undefined;
    b.ids.add(p.id);
    b.inbound += p.inbound;
    b.upset += p.upset;
    b.partials++;
    return snapshot(b);
  }

  /** Forgets buckets that start before `before` (epoch ms). */
  prune(before: number): void {
    for (const [k, b] of this.buckets) if (b.bucketStart < before) this.buckets.delete(k);
  }

  /** Forgets the keys of the given predicate (a revoked partition's keys). */
  drop(keep: (brand: string, channel: string) => boolean): void {
    for (const [k, b] of this.buckets) if (!keep(b.brand, b.channel)) this.buckets.delete(k);
  }

  clear(): void {
    this.buckets.clear();
    this.watermark = 0;
  }

  totals(): CombinedBucket[] {
    return [...this.buckets.values()].map(snapshot).sort((a, b) => a.brand.localeCompare(b.brand) || a.channel.localeCompare(b.channel) || a.bucketStart - b.bucketStart);
  }
}

function snapshot(b: CombinedBucket): CombinedBucket {
  return { brand: b.brand, channel: b.channel, bucketStart: b.bucketStart, bucketSecs: b.bucketSecs, inbound: b.inbound, upset: b.upset, partials: b.partials };
}

/**
 * Turns running totals into increments for a consumer that adds counts (the spike detector's
 * `observeBucket`): the first total of a bucket is its increment, later ones add what grew. After a
 * combiner rebalance the totals of a bucket are sent again from scratch and climb back to where
 * they were; nothing is added until they pass it, so nothing is counted twice.
 *
 * @example
 * const deltas = new TotalsToIncrements();
 * combiner options: onCombined: (b) => { const d = deltas.next(b); if (d) detector.observeBucket(d); }
 */
export class TotalsToIncrements {
  private readonly seen = new Map<string, { inbound: number; upset: number }>();

  next(b: CombinedBucket): { brand: string; channel: string; bucketStart: number; inbound: number; upset: number } | undefined {
    const k = `${aggregateKey(b.brand, b.channel)}|${b.bucketStart}`;
    const last = this.seen.get(k) ?? { inbound: 0, upset: 0 };
    const inbound = Math.max(0, b.inbound - last.inbound);
    const upset = Math.max(0, b.upset - last.upset);
    this.seen.set(k, { inbound: Math.max(last.inbound, b.inbound), upset: Math.max(last.upset, b.upset) });
    return inbound > 0 || upset > 0 ? { brand: b.brand, channel: b.channel, bucketStart: b.bucketStart, inbound, upset } : undefined;
  }

  /** Forgets buckets that start before `before` (epoch ms). */
  prune(before: number): void {
    for (const k of this.seen.keys()) if (Number(k.slice(k.lastIndexOf('|') + 1)) < before) this.seen.delete(k);
  }
}

export interface AggregateCombinerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  lookbackSecs: number;
  /** Also publish each changed total here (key `brand|channel|bucket_start`, JSON value). */
  outputTopic?: string | null;
  /** The running total of every bucket that changed, after each batch of partials, with the aggregates partition it is in. */
  onCombined?: (bucket: CombinedBucket, partition: number) => void | Promise<void>;
  /** A brand record (fact, spike change, brand silence) read from an owned partition. */
  onRecord?: (partition: number, record: BrandRecord) => void;
  /** A new assignment: these partitions are owned now and are read again from `lookbackSecs` back. */
  onAssigned?: (partitions: number[]) => void;
  /** Every partition of the assignment has been read up to where it ended when it was assigned. */
  onCaughtUp?: (info: { partitions: number[]; partials: number; records: number }) => void;
  /** A message on the aggregates topic that is not a partial. */
  onInvalid?: (info: { partition: number; offset: string; error: string }) => void;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  now?: () => number;
}

/** The second stage: a consumer group over the aggregates topic that sums partials into totals. */
export class AggregateCombiner {
  readonly state = new CombineState();
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private ready: Promise<void> = Promise.resolve();
  private rewindFailed: unknown;
  private generation = 0;
  private readonly now: () => number;
  private assigned: number[] = [];
  /**
   * Catch-up of the current assignment: per partition still being read back, the offset to reach
   * (its end at the assignment) and the next offset expected; undefined once caught up.
   */
  private catchUp: Map<number, { target: bigint; next: bigint }> | undefined;
  private readBack = { partials: 0, records: 0 };

  constructor(private readonly options: AggregateCombinerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The partitions of the aggregates topic this instance owns (after the last rebalance). */
  partitions(): number[] {
    return [...this.assigned];
  }

  async start(): Promise<void> {
    const o = this.options;
    const consumer = o.kafka.consumer({
      groupId: o.groupId,
      readUncommitted: false,
      sessionTimeout: o.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: o.heartbeatIntervalMs ?? 3000,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    // For the owner's records (publish) and the combined topic.
    this.producer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.assigned = (e.payload.memberAssignment[o.topic] ?? []).slice().sort((a, b) => a - b);
      this.startRewind(consumer);
      o.onAssigned?.(this.assigned);
    });
    // A fetch of nothing but transaction markers (or aborted messages) never reaches eachBatch, yet
    // the read-back is only complete past them.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const p = e.payload;
      if (p.batchSize === 0 && p.topic === o.topic && p.firstOffset !== null) this.progressed(p.partition, BigInt(p.firstOffset), BigInt(p.lastOffset), this.generation, true);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: true,
      eachBatch: (p) => this.onBatch(p),
    });
  }

  /** Publishes brand records (the owner's reports) to the aggregates topic, keyed by brand. */
  async publish(records: BrandRecord[]): Promise<void> {
    if (!this.producer) throw new Error(`the combiner of ${this.options.topic} is not running`);
    await this.producer.send({ topic: this.options.topic, acks: -1, messages: records.map(recordMessage) });
  }

  private startRewind(consumer: Consumer): void {
    const generation = ++this.generation;
    this.rewindFailed = undefined;
    this.catchUp = new Map();
    this.readBack = { partials: 0, records: 0 };
    this.ready = this.rewind(consumer, this.assigned, generation).catch((err: unknown) => {
      if (generation === this.generation) this.rewindFailed = err;
    });
  }

  /** Waits for the rewind of the current assignment, redoing a failed one (a few times). */
  private async rewound(consumer: Consumer): Promise<void> {
    await this.ready;
    for (let attempt = 1; this.rewindFailed !== undefined; attempt++) {
      if (attempt > 5) throw this.rewindFailed;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      this.startRewind(consumer);
      await this.ready;
    }
  }

  /**
   * After a rebalance the totals start over from the last `lookbackSecs` of each owned partition:
   * a running total is idempotent for whoever receives it, so re-sending is harmless.
   */
  private async rewind(consumer: Consumer, parts: number[], generation: number): Promise<void> {
    this.state.clear();
    if (parts.length === 0) {
      this.caughtUp(generation);
      return;
    }
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const since = this.now() - this.options.lookbackSecs * 1000;
      const byTime = await admin.fetchTopicOffsetsByTimestamp(this.options.topic, since);
      const ends = await admin.fetchTopicOffsets(this.options.topic);
      if (generation !== this.generation) return;
      const todo = new Map<number, { target: bigint; next: bigint }>();
      for (const p of parts) {
        const at = byTime.find((x) => x.partition === p)?.offset;
        const end = ends.find((x) => x.partition === p)?.high ?? '0';
        // -1: no partial that recent; start at the end.
        const from = at === undefined || at === '-1' ? end : at;
        consumer.seek({ topic: this.options.topic, partition: p, offset: from });
        if (BigInt(from) < BigInt(end)) todo.set(p, { target: BigInt(end), next: BigInt(from) });
      }
      this.catchUp = todo;
      if (todo.size === 0) this.caughtUp(generation);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Offsets `first..last` of a partition were read in this generation. `contiguous`: only if they
   * continue where reading left off (a fetch seen outside eachBatch may be from before the seek;
   * eachBatch skips those as stale).
   */
  private progressed(partition: number, first: bigint, last: bigint, generation: number, contiguous = false): void {
    const c = this.catchUp?.get(partition);
    if (!c || generation !== this.generation) return;
    if (contiguous && first > c.next) return;
    if (last + 1n > c.next) c.next = last + 1n;
    if (c.next < c.target) return;
    this.catchUp!.delete(partition);
    if (this.catchUp!.size === 0) this.caughtUp(generation);
  }

  private caughtUp(generation: number): void {
    if (generation !== this.generation) return;
    this.catchUp = undefined;
    this.options.onCaughtUp?.({ partitions: [...this.assigned], ...this.readBack });
  }

  private async onBatch({ batch, isStale, isRunning, heartbeat }: EachBatchPayload): Promise<void> {
    if (this.consumer) await this.rewound(this.consumer);
    const generation = this.generation;
    if (!isRunning() || isStale() || !this.assigned.includes(batch.partition)) return;
    const changed = new Map<string, CombinedBucket>();
    const records: BrandRecord[] = [];
    for (const m of batch.messages) {
      const p = parseAggregate(m.value);
      if ('error' in p) {
        this.options.onInvalid?.({ partition: batch.partition, offset: m.offset, error: p.error });
        continue;
      }
      if ('record' in p) {
        records.push(p.record);
        continue;
      }
      const total = this.state.apply(p.partial);
      if (total) changed.set(`${aggregateKey(total.brand, total.channel)}|${total.bucketStart}`, total);
    }
    // Event time: buckets far behind the newest are final and no longer needed here.
    this.state.prune(this.state.watermark - this.options.lookbackSecs * 1000);
    if (this.catchUp) {
      this.readBack.partials += batch.messages.length - records.length;
      this.readBack.records += records.length;
    }
    // Handed on at once, without awaiting in between, so no rebalance falls in the middle.
    for (const r of records) this.options.onRecord?.(batch.partition, r);
    const pending: Promise<void>[] = [];
    for (const b of changed.values()) {
      const r = this.options.onCombined?.(b, batch.partition);
      if (r) pending.push(r);
    }
    const first = batch.firstOffset();
    if (first !== null) this.progressed(batch.partition, BigInt(first), BigInt(batch.lastOffset()), generation);
    await Promise.all(pending);
    if (changed.size > 0 && this.producer && this.options.outputTopic) {
      await this.producer.send({ topic: this.options.outputTopic, acks: -1, messages: [...changed.values()].map(combinedMessage) });
    }
    await heartbeat();
  }

  async stop(): Promise<void> {
    const c = this.consumer;
    const p = this.producer;
    this.consumer = undefined;
    this.producer = undefined;
    if (c) await c.disconnect();
    if (p) await p.disconnect();
  }
}
