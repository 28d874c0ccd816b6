/**
 * @module sources/kafka/source
 * Kafka topics as a pipeline source: a consumer group (kafkajs), one partition batch at a time,
 * exactly once into DuckDB.
 *
 * How exactly-once holds, SIGKILL included:
 * - each batch's rows and its consumed offsets (`kafka_offsets`) are one DuckDB transaction;
 * - DuckDB is the source of truth for the position: on every partition assignment the consumer
 *   seeks to the offset stored there, and messages below it are skipped if they come anyway;
 * - only after the DuckDB commit are the dead letters published to the dead-letter topic and the
 *   offset committed to the group (in scale-out mode, with the partial counts, in one Kafka
 *   transaction). After a crash between the two, the next assignment finds DuckDB ahead of the
 *   group and publishes the missing range again from what DuckDB stored, then commits.
 *
 * Throughput and backpressure: the pipeline reads ahead (it normalizes the next batch while DuckDB
 * commits the previous one); each batch says when it is stored (`onStored`), and only then is its
 * range committed to the group. Partition batches wait in arrival order, one per partition at
 * most, and those waiting together are merged into one transaction up to the batch size. kafkajs
 * fetches no more for a partition until its batch is stored and committed; fetch sizes are bounded
 * by `max_bytes_per_partition`.
 *
 * @example
 * const source = new KafkaSource({ config: cfg, batchSize: 5000 });
 * await source.attach({ db });
 * await pipeline.runSource(source, abortSignal);
 */
import { reportConsumerLag } from '../../telemetry/lag.js';
import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { RawRecord } from '../../contract/records.js';
import { ADAPTERS, type AdapterOptions } from '../../normalize/adapters/index.js';
import { adapterOptionsFromConfig } from '../../normalize/adapters/options.js';
import type { Source, SourceBatch, SourceDeps, SourceProgress } from '../source.js';
import { AggregateCombiner, instanceId, partialMessage, type CombinedBucket } from './aggregates.js';
import { brandFeedFor, type BrandFeed } from './brand-feed.js';
import { recordMessage } from './brand-records.js';
import { consumerConfig, createKafka, describeConnection, explainKafkaError, KafkaConfigError, KafkaIntegrationError, type ResolvedConnection } from './client.js';
import type { KafkaSourceConfig } from './config.js';
import { deadLetterMessage } from './dead-letters.js';
import { HandOff, type HandOffItem, type HandOffOutcome } from './handoff.js';
import { KafkaState, tpKey } from './state.js';

export interface KafkaSourceOptions {
  config: KafkaSourceConfig;
  /** Most records per pipeline batch (one DuckDB transaction); a larger Kafka batch is split. */
  batchSize?: number;
  env?: NodeJS.ProcessEnv;
  /** Names the config section in errors (`sources.0`). */
  where?: string;
  /** Scale-out: the combined per-bucket totals of the brand × channel keys this instance owns. */
  onCombined?: (bucket: CombinedBucket) => void | Promise<void>;
  /** Log lines (sentences); default stderr. */
  log?: (line: string) => void;
}

interface Pending extends SourceBatch {
  topic: string;
  partition: number;
  first: bigint;
  next: bigint;
  /** Set once stored: whether any of its records became dead letters (else nothing to publish). */
  deadLetters?: boolean;
}

/** Partition batches kafkajs hands over at once (each waits its turn in the hand-off queue). */
const PARTITIONS_AT_ONCE = 8;

/** Longest wait for the consumer to finish its batch and leave the group on shutdown. */
const SHUTDOWN_MS = 30_000;

/** Reserved meta keys the normalizer reads; Kafka headers of the same name are not passed on. */
const RESERVED_META = new Set(['totalBytes', 'csvRow']);

function headerMeta(headers: IHeaders | undefined, key: Buffer | null): Record<string, string> | undefined {
  let meta: Record<string, string> | undefined;
  if (key) (meta ??= {})['kafka.key'] = key.toString('utf8');
  if (headers) {
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined || RESERVED_META.has(k)) continue;
      const first = Array.isArray(v) ? v[0] : v;
      if (first !== undefined) (meta ??= {})[k] = first.toString();
    }
  }
  return meta;
}

/** The producer was fenced: another instance initialised the same transactional id (it owns the partition now). */
export function isFenced(err: unknown): boolean {
  for (let e = err as { type?: string; code?: number; cause?: unknown; originalError?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED' || e.code === 47 || e.code === 90) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/** The consumer's generation is over: the group has moved the partition (or is moving it) elsewhere. */
export function isStaleMember(err: unknown): boolean {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.type === 'ILLEGAL_GENERATION' || e.type === 'UNKNOWN_MEMBER_ID' || e.type === 'REBALANCE_IN_PROGRESS' || e.type === 'FENCED_INSTANCE_ID') return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/** This instance no longer owns a partition it was working on. */
export class PartitionLostError extends KafkaIntegrationError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    options: { cause?: unknown } = {},
  ) {
    super(`${topic}[${partition}] now belongs to another instance of the group`, { ...options, retriable: true });
    this.name = 'PartitionLostError';
  }
}

type Commit = (o: { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }) => Promise<void>;

/** A pipeline batch made of partition batches, handed out and not yet stored or dropped. */
interface Outgoing {
  items: HandOffItem<Pending>[];
  settled: Promise<void>;
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
  });

export class KafkaSource implements Source {
  readonly name: string;
  readonly live = true;
  /**
   * The pipeline may take the next batch while the previous one commits: each batch says when it
   * is stored (onStored), and only then are its offsets committed to the group.
   */
  readonly readAhead = true;
  readonly connection: ResolvedConnection;
  readonly instance: string;
  private readonly kafka: Kafka;
  private readonly cfg: KafkaSourceConfig;
  private readonly batchSize: number;
  private readonly formats = new Map<string, { format: string; adapter: AdapterOptions }>();
  private readonly log: (line: string) => void;
  private state: KafkaState | undefined;
  private consumer: Consumer | undefined;
  /** Dead letters without scale-out (idempotent, not transactional). */
  private producer: Producer | undefined;
  /**
   * Scale-out: one transactional producer per assigned input partition, its transactional id
   * derived from the partition. Whoever takes a partition over fences the previous owner's
   * producer (and aborts its open transaction) before reading the group's offset, so an instance
   * that lost the partition without knowing (a long pause) can no longer publish or commit for it.
   */
  private readonly txProducers = new Map<string, Producer>();
  /** The partitions of the last assignment; batches of any other partition are stale. */
  private assigned = new Set<string>();
  private admin: Admin | undefined;
  private combiner: AggregateCombiner | undefined;
  /** Scale-out: where the combiner hands what it learns to the brand-level stages of this pipeline. */
  private feed: BrandFeed | undefined;
  /** Leaving the combine group: its brands are other instances' now, whatever the combiner still reads. */
  private leaving = false;
  private readonly handoff = new HandOff<Pending>();
  /** Per `topic:partition`: the first offset not yet stored in DuckDB (skip below it). */
  private readonly resumeAt = new Map<string, bigint>();
  /** Recovery after the last assignment; batches wait for it (and redo it if it failed). */
  private recovery: Promise<void> = Promise.resolve();
  private recoveryFailed: unknown;
  private lastAssignment: Record<string, number[]> = {};
  private generation = 0;
  private records = 0;
  private stopping = false;

  constructor(private readonly options: KafkaSourceOptions) {
    this.cfg = options.config;
    const where = options.where ?? 'kafka source';
    for (const t of this.cfg.topics) {
      const factory = ADAPTERS[t.format];
      if (!factory) throw new KafkaConfigError(`${where}: topic ${t.name}: unknown format "${t.format}"; use one of ${Object.keys(ADAPTERS).join(', ')}`);
      // Built once here so a format that cannot work with these options fails before connecting.
      // A CSV format whose rows stand alone (twcs: a headerless row or its JSON object) works on Kafka.
      const adapter = factory(adapterOptionsFromConfig(t));
      if (adapter.framing === 'csv' && !adapter.standaloneRecords) {
        throw new KafkaConfigError(`${where}: topic ${t.name}: format "${t.format}" reads CSV files with a header row, which Kafka messages do not have; publish its records as JSON or read the files with a file source`);
      }
      this.formats.set(t.name, { format: t.format, adapter: adapterOptionsFromConfig(t) });
    }
    const { kafka, connection } = createKafka(this.cfg, { env: options.env, where });
    this.kafka = kafka;
    this.connection = connection;
    this.batchSize = options.batchSize ?? 5000;
    this.instance = instanceId(this.cfg.scale_out, options.env);
    this.name = `kafka ${this.cfg.topics.map((t) => t.name).join(',')} (group ${this.cfg.group_id})`;
    this.log = options.log ?? ((line) => process.stderr.write(`crisiscx: ${line}\n`));
  }

  progress(): SourceProgress {
    return { done: this.records, unit: 'records', records: this.records };
  }

  async attach(deps: SourceDeps): Promise<void> {
    this.state = await KafkaState.open(deps.db);
    for (const [k, v] of await this.state.offsets(this.cfg.group_id)) this.resumeAt.set(k, v);
    if (this.cfg.scale_out.enabled) {
      await this.state.prunePartials(7);
      this.feed = brandFeedFor(deps.db);
    }
  }

  private get scaleOut(): boolean {
    return this.cfg.scale_out.enabled;
  }

  private async connect(): Promise<void> {
    const cfg = this.cfg;
    this.log(`connecting to Kafka ${describeConnection(this.connection)} as group ${cfg.group_id}${this.scaleOut ? `, instance ${this.instance}` : ''}`);
    this.admin = this.kafka.admin();
    await this.admin.connect();
    if (cfg.create_topics) {
      const want: { topic: string; numPartitions?: number }[] = cfg.topics.map((t) => ({ topic: t.name }));
      if (cfg.dead_letter_topic) want.push({ topic: cfg.dead_letter_topic });
      if (this.scaleOut) want.push({ topic: cfg.scale_out.aggregates_topic, numPartitions: cfg.scale_out.partitions });
      if (this.scaleOut && cfg.scale_out.combined_topic) want.push({ topic: cfg.scale_out.combined_topic, numPartitions: cfg.scale_out.partitions });
      const existing = new Set(await this.admin.listTopics());
      const missing = want.filter((t) => !existing.has(t.topic));
      if (missing.length) {
        await this.admin.createTopics({ topics: missing, waitForLeaders: true });
        this.log(`created topics ${missing.map((t) => t.topic).join(', ')}`);
      }
    }
    if (!this.scaleOut) {
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await this.producer.connect();
    }

    const consumer = this.kafka.consumer(consumerConfig(cfg));
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assignment = e.payload.memberAssignment;
      const parts = Object.entries(assignment).map(([t, ps]) => `${t}[${ps.join(',')}]`).join(' ');
      this.log(`Kafka group ${cfg.group_id}: assigned ${parts || 'no partitions'}`);
      this.assigned = new Set(Object.entries(assignment).flatMap(([t, ps]) => ps.map((p) => tpKey(t, p))));
      this.lastAssignment = assignment;
      this.startRecovery();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      const { message } = explainKafkaError(e.payload.error, this.connection.secrets);
      if (e.payload.restart) {
        this.log(`Kafka consumer failed (${message}); it restarts and resumes from the stored offsets`);
      } else if (!this.stopping) {
        this.handoff.fail(new KafkaIntegrationError(`the Kafka consumer stopped: ${message}`, { cause: e.payload.error }));
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics: cfg.topics.map((t) => t.name), fromBeginning: cfg.from_beginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Several partitions' batches at a time, queued for the pipeline in arrival order: waiting
      // ones are merged into one transaction (up to the batch size), and while one batch is
      // committed to the group (and its dead letters published), the next ones are stored.
      partitionsConsumedConcurrently: PARTITIONS_AT_ONCE,
      eachBatch: (p) => this.onBatch(p),
    });

    if (this.scaleOut) {
      this.combiner = new AggregateCombiner({
        kafka: this.kafka,
        groupId: cfg.scale_out.combine_group_id ?? `${cfg.group_id}.combine`,
        topic: cfg.scale_out.aggregates_topic,
        lookbackSecs: cfg.scale_out.lookback_secs,
        outputTopic: cfg.scale_out.combined_topic,
        onCombined: (b, partition) => {
          if (!this.leaving) this.feed?.bucket(partition, b);
          return this.options.onCombined?.(b);
        },
        onRecord: (partition, r) => {
          if (!this.leaving) this.feed?.record(partition, r);
        },
        onAssigned: (parts) => {
          this.log(`Kafka group ${cfg.scale_out.combine_group_id ?? `${cfg.group_id}.combine`}: owns ${cfg.scale_out.aggregates_topic}[${parts.join(',')}]; reading their last ${cfg.scale_out.lookback_secs} s back`);
          if (!this.leaving) this.feed?.assigned(parts);
        },
        onCaughtUp: (i) => {
          this.log(`${cfg.scale_out.aggregates_topic}[${i.partitions.join(',')}] read back (${i.partials} partials, ${i.records} brand records): judging the brands in them here`);
          if (!this.leaving) this.feed?.caughtUp();
        },
        onInvalid: (i) => this.log(`ignored a message on ${cfg.scale_out.aggregates_topic}[${i.partition}]@${i.offset}: ${i.error}`),
        sessionTimeoutMs: cfg.session_timeout_ms,
        heartbeatIntervalMs: cfg.heartbeat_interval_ms,
      });
      await this.combiner.start();
      const combiner = this.combiner;
      this.feed?.setPublisher((records) => combiner.publish(records));
    }
  }

  /** Runs the recovery of the current assignment; a failure is kept for the next batch to retry. */
  private startRecovery(): void {
    const generation = ++this.generation;
    this.recoveryFailed = undefined;
    this.recovery = this.recover(this.lastAssignment).catch((err: unknown) => {
      if (generation !== this.generation) return; // a newer assignment took over
      this.recoveryFailed = err;
      this.log(`resuming the assigned partitions failed (${explainKafkaError(err, this.connection.secrets).message}); trying again before the next batch`);
    });
  }

  /** Waits for the recovery of the current assignment, redoing a failed one (a few times). */
  private async recovered(): Promise<void> {
    await this.recovery;
    for (let attempt = 1; this.recoveryFailed !== undefined && !this.stopping; attempt++) {
      if (attempt > 5) {
        const err = this.recoveryFailed;
        throw new KafkaIntegrationError(`resuming the assigned partitions failed 5 times: ${explainKafkaError(err, this.connection.secrets).message}`, { cause: err, retriable: true });
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      this.startRecovery();
      await this.recovery;
    }
  }

  /**
   * On assignment, per partition: where DuckDB is ahead of the group (a crash after the DuckDB
   * commit), publish what that range produced and commit; then seek to DuckDB's offset.
   */
  private async recover(assignment: Record<string, number[]>): Promise<void> {
    if (this.stopping || !this.state) return;
    const state = this.state;
    if (this.scaleOut) await this.fenceAndOwn();
    const stored = await state.offsets(this.cfg.group_id);
    const known = await state.groupCommits(this.cfg.group_id);
    const topics = Object.keys(assignment).filter((t) => (assignment[t] ?? []).length > 0);
    if (topics.length === 0) return;
    const committed = await this.admin!.fetchOffsets({ groupId: this.cfg.group_id, topics });
    for (const { topic, partitions } of committed) {
      for (const { partition, offset } of partitions) {
        if (!(assignment[topic] ?? []).includes(partition)) continue;
        const key = tpKey(topic, partition);
        const d = stored.get(key);
        const c = BigInt(offset); // -1: nothing committed
        if (d === undefined) {
          this.resumeAt.delete(key);
          continue;
        }
        if (d > c) {
          // What was published is what was committed: by the group's record, or by ours when the
          // group's was reset or expired.
          const k = known.get(key);
          let from = c < 0n ? 0n : c;
          if (k !== undefined && k > from) from = k < d ? k : d;
          this.log(
            `${topic}[${partition}]: DuckDB holds offsets up to ${d} but the group committed ${c < 0n ? 'none' : c}; ` +
              (from < d ? `publishing what ${from}..${d - 1n} produced and committing` : 'committing'),
          );
          try {
            await this.publishAndCommit(
              topic,
              partition,
              from,
              d,
              (o) => this.consumer!.commitOffsets(o.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })))),
              { recovery: true },
            );
          } catch (err) {
            if (!(err instanceof PartitionLostError) && !isStaleMember(err)) throw err;
            // This assignment is already outdated; the next one decides.
            this.assigned.delete(key);
            this.log(`${topic}[${partition}]: the group has moved on since this assignment; leaving the partition to the next one`);
            continue;
          }
          this.resumeAt.set(key, d);
          this.consumer!.seek({ topic, partition, offset: d.toString() });
        } else if (d < c) {
          if (this.scaleOut) {
            // Another instance consumed further; its database holds those events.
            this.resumeAt.delete(key);
          } else {
            // One database, and it is behind the group (restored from a backup?): it decides.
            this.log(`${topic}[${partition}]: the group committed ${c} but DuckDB holds offsets only up to ${d}; reading again from ${d}`);
            this.resumeAt.set(key, d);
            this.consumer!.seek({ topic, partition, offset: d.toString() });
          }
        } else {
          this.resumeAt.set(key, d);
        }
      }
    }
  }

  /** Scale-out: transactional producers for the assigned partitions (fencing earlier owners), none for others. */
  private async fenceAndOwn(): Promise<void> {
    for (const [key, p] of this.txProducers) {
      if (this.assigned.has(key)) continue;
      this.txProducers.delete(key);
      await p.disconnect().catch(() => undefined);
    }
    const todo = [...this.assigned].filter((k) => !this.txProducers.has(k));
    await Promise.all(todo.map((key) => this.producerFor(key)));
  }

  /** The transactional producer of a partition, made (and so fencing any other holder) if needed. */
  private async producerFor(key: string): Promise<Producer> {
    const have = this.txProducers.get(key);
    if (have) return have;
    const p = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      transactionalId: `${this.cfg.group_id}.${key}`,
      transactionTimeout: this.cfg.scale_out.transaction_timeout_ms,
    });
    await p.connect(); // InitProducerId: fences the previous owner, aborts its open transaction
    this.txProducers.set(key, p);
    return p;
  }

  private async dropProducer(key: string): Promise<void> {
    const p = this.txProducers.get(key);
    this.txProducers.delete(key);
    await p?.disconnect().catch(() => undefined);
  }

  /**
   * A generation-checked commit of an offset the group already has: it fails when this member's
   * generation is over. kafkajs's transactional offset commit carries no generation (KIP-447), so
   * without this check an instance that lost a partition during a pause could still commit for it.
   */
  private async checkMembership(topic: string, partition: number, offset: bigint, commit: Commit): Promise<void> {
    try {
      await commit({ topics: [{ topic, partitions: [{ partition, offset: offset.toString() }] }] });
    } catch (err) {
      if (isStaleMember(err)) throw new PartitionLostError(topic, partition, { cause: err });
      throw err;
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    // kafkajs heartbeats only between batches; a slow store (a large batch, a busy machine) must
    // not make the group think this instance died and hand its partitions to another.
    let lost: unknown;
    const keepAlive = setInterval(() => {
      payload.heartbeat().catch((err: unknown) => {
        lost ??= err;
      });
    }, this.cfg.heartbeat_interval_ms);
    try {
      await this.consumeBatch(payload, () => {
        if (lost !== undefined) throw lost; // a rebalance: kafkajs rejoins, the next owner resumes from the commit
      });
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async consumeBatch(
    { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload,
    checkMembership: () => void,
  ): Promise<void> {
    await this.recovered();
    if (!isRunning() || isStale() || this.stopping) return;
    checkMembership();
    const { topic, partition } = batch;
    // What is still to read on this partition after this batch (crisiscx_consumer_lag).
    reportConsumerLag(topic, partition, BigInt(batch.offsetLag()));
    const key = tpKey(topic, partition);
    // Fetched before a rebalance took the partition away: another instance reads it now.
    if (!this.assigned.has(key)) return;
    const from = this.resumeAt.get(key);
    // Offsets rise within a batch: only a batch that starts below `from` needs filtering.
    const msgs = from === undefined || BigInt(batch.firstOffset() ?? from) >= from ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) >= from);
    const { format, adapter } = this.formats.get(topic) ?? { format: 'canonical', adapter: {} };
    // All chunks of the fetch are queued for the pipeline (each once the previous one was taken,
    // so at most one waits per partition); each is committed to the group once it is stored, in order.
    const queued: { chunk: typeof msgs; pending: Pending; outcome: Promise<HandOffOutcome> }[] = [];
    let stop = false;
    for (let i = 0; i < msgs.length && !stop; i += this.batchSize) {
      const chunk = msgs.slice(i, i + this.batchSize);
      const first = BigInt(chunk[0]!.offset);
      const next = BigInt(chunk[chunk.length - 1]!.offset) + 1n;
      // A rebalance may have moved the partition or rewound it (a seek); after a consumer restart
      // a newer batch of this partition may have been stored meanwhile.
      const stored = this.resumeAt.get(key);
      if (!this.assigned.has(key) || isStale() || this.stopping || (stored !== undefined && first < stored)) break;
      checkMembership();
      const records: RawRecord[] = chunk.map((m) => {
        const r: RawRecord = { bytes: m.value ?? Buffer.alloc(0), origin: { kind: 'kafka', name: topic, partition, offset: m.offset } };
        const meta = headerMeta(m.headers, m.key);
        if (meta) r.meta = meta;
        return r;
      });
      const pending: Pending = { records, offsets: [{ group: this.cfg.group_id, topic, partition, nextOffset: next.toString() }], format, adapter, topic, partition, first, next };
      const offer = this.handoff.offer(pending);
      queued.push({ chunk, pending, outcome: offer.outcome });
      await offer.taken;
      // Closed (shutting down) before it was taken: it was cancelled, and nothing more is offered.
      stop = this.handoff.isClosed;
    }
    for (const { chunk, pending, outcome } of queued) {
      if ((await outcome) === 'cancelled') return; // not stored: not committed (the rest neither)
      const { first, next } = pending;
      this.resumeAt.set(key, next);
      this.records += chunk.length;
      try {
        await this.publishAndCommit(topic, partition, first, next, (o) => commitOffsetsIfNecessary(o), { noDeadLetters: pending.deadLetters === false });
      } catch (err) {
        if (!(err instanceof PartitionLostError) && !isStaleMember(err)) throw err;
        // Another instance owns the partition now and reads it from the group's offset; this
        // batch is in this database too (see docs/kafka.md), but published and counted once.
        this.assigned.delete(key);
        await this.dropProducer(key);
        this.log(`${topic}[${partition}]: another instance took this partition over; stopping work on it until the group reassigns partitions`);
        return;
      }
      resolveOffset(chunk[chunk.length - 1]!.offset);
      await heartbeat();
      checkMembership();
    }
    if (msgs.length === 0 && batch.messages.length > 0) resolveOffset(batch.lastOffset());
  }

  /**
   * After `from..next-1` of a partition is in DuckDB: its dead letters to the dead-letter topic,
   * its partial counts to the aggregates topic (scale-out), and the group's offset, in one Kafka
   * transaction when scaling out.
   */
  private async publishAndCommit(
    topic: string,
    partition: number,
    from: bigint,
    next: bigint,
    commit: Commit,
    options: { noDeadLetters?: boolean; recovery?: boolean } = {},
  ): Promise<void> {
    const state = this.state!;
    const dlTopic = this.cfg.dead_letter_topic;
    const dead = dlTopic && !options.noDeadLetters ? await state.deadLetters(topic, partition, from, next) : [];
    const dlMessages = dead.map((d) => deadLetterMessage(d, topic, partition));
    const offsets = { topics: [{ topic, partitions: [{ partition, offset: next.toString() }] }] };
    if (!this.scaleOut) {
      if (dlMessages.length > 0) await this.producer!.send({ topic: dlTopic!, acks: -1, messages: dlMessages });
      await commit(offsets);
      // Only a range that published dead letters is recorded (a DuckDB transaction per batch
      // otherwise): a range without any has nothing to publish again after a crash or a reset.
      if (dlMessages.length > 0) await state.recordGroupCommit(this.cfg.group_id, topic, partition, next);
      return;
    }
    // A batch's own counts were stored with it. A range recovered after a crash or a takeover may
    // begin inside one of those batches, so its counts are taken again from the stored events.
    const partials = options.recovery
      ? await state.partialsFromEvents(topic, partition, from, next, this.cfg.scale_out.bucket_secs, this.instance)
      : await state.partials(topic, partition, from, next);
    // One row per event: a recovered range takes exactly its own.
    const facts = await state.facts(topic, partition, from, next);
    const aggregates = [...partials.map(partialMessage), ...facts.map(recordMessage)];
    const key = tpKey(topic, partition);
    for (let attempt = 1; ; attempt++) {
      if (!this.assigned.has(key) || (this.stopping && attempt > 1)) throw new PartitionLostError(topic, partition);
      await this.checkMembership(topic, partition, from, commit);
      const producer = await this.producerFor(key);
      const tx = await producer.transaction();
      try {
        if (aggregates.length > 0) await tx.send({ topic: this.cfg.scale_out.aggregates_topic, acks: -1, messages: aggregates });
        if (dlMessages.length > 0) await tx.send({ topic: dlTopic!, acks: -1, messages: dlMessages });
        await tx.sendOffsets({ consumerGroupId: this.cfg.group_id, ...offsets });
        await tx.commit();
        break;
      } catch (err) {
        await tx.abort().catch(() => undefined);
        // Fenced: another member made a producer for this partition (it thought it owned it).
        // If the group still says it is ours, a new producer fences it back, and we go on.
        if (!isFenced(err) || attempt >= 3) throw isFenced(err) ? new PartitionLostError(topic, partition, { cause: err }) : err;
        await this.dropProducer(key);
      }
    }
    await state.recordGroupCommit(this.cfg.group_id, topic, partition, next);
  }

  async *batches(signal?: AbortSignal): AsyncGenerator<SourceBatch> {
    if (!this.state) throw new KafkaIntegrationError('KafkaSource: call attach({ db }) before batches(): the stored offsets are read from the database');
    const onAbort = () => this.handoff.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    /** Handed to the pipeline, not yet stored or dropped. */
    const out = new Set<Outgoing>();
    try {
      await this.connect();
      for (;;) {
        const first = await this.handoff.take(signal);
        if (!first) return;
        const batch = this.merge(first, out);
        yield batch;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.stopping = true;
      this.handoff.close();
      // The pipeline says what became of the batches it has (the one committing is stored in a
      // moment); should it not, within the shutdown bound, DuckDB says.
      if (out.size > 0) await Promise.race([Promise.all([...out].map((o) => o.settled)), sleep(SHUTDOWN_MS)]);
      for (const o of out) {
        for (const item of o.items) {
          const v = item.value;
          const d = await this.state.offset(this.cfg.group_id, v.topic, v.partition).catch(() => undefined);
          if (d !== undefined && d >= v.next) item.done();
          else item.cancel();
        }
      }
      await this.shutdown();
    }
  }

  /**
   * One pipeline batch of the first waiting partition batch and those queued behind it (same
   * format, up to the batch size): fewer, larger transactions. Each part's offsets are stored with
   * it, and each part is committed to the group once the whole is stored.
   */
  private merge(first: HandOffItem<Pending>, out: Set<Outgoing>): SourceBatch {
    const items = [first];
    let count = first.value.records.length;
    // One part per partition: a partition's ranges then stay whole in the scale-out partial counts.
    const mergeable = (p: Pending) =>
      p.format === first.value.format && p.adapter === first.value.adapter && count + p.records.length <= this.batchSize && !items.some((i) => i.value.topic === p.topic && i.value.partition === p.partition);
    for (let p = this.handoff.peek(); p && mergeable(p); p = this.handoff.peek()) {
      items.push(this.handoff.takeNow()!);
      count += p.records.length;
    }
    let settle!: () => void;
    const o: Outgoing = { items, settled: new Promise<void>((resolve) => (settle = resolve)) };
    out.add(o);
    const finish = (fn: (item: HandOffItem<Pending>) => void) => {
      if (!out.delete(o)) return;
      for (const item of items) fn(item);
      settle();
    };
    const v = first.value;
    return {
      records: items.length === 1 ? v.records : items.flatMap((i) => i.value.records),
      offsets: items.flatMap((i) => i.value.offsets ?? []),
      format: v.format,
      adapter: v.adapter,
      onStored: ({ deadLetters }) =>
        finish((item) => {
          const p = item.value;
          item.value.deadLetters = deadLetters.some((d) => d.origin.kind === 'kafka' && d.origin.name === p.topic && d.origin.partition === p.partition && BigInt(d.origin.offset) >= p.first && BigInt(d.origin.offset) < p.next);
          item.done();
        }),
      onDropped: () => finish((item) => item.cancel()),
    };
  }

  /** Leaves the group after the batch in progress is committed (kafkajs waits for it). */
  private async shutdown(): Promise<void> {
    this.stopping = true;
    const errors: unknown[] = [];
    // The consumer first: kafkajs waits for the batch in progress, which may still publish.
    const bounded = (what: string, p: Promise<unknown> | undefined) =>
      Promise.race([
        p,
        new Promise((_, reject) => {
          const t = setTimeout(() => reject(new Error(`${what} did not finish within ${SHUTDOWN_MS / 1000} s`)), SHUTDOWN_MS);
          t.unref();
        }),
      ]);
    if (this.feed && this.combiner && !this.leaving) {
      // The brands this instance owns go to other instances as it leaves: stop judging them here.
      this.feed.assigned([]);
    }
    this.leaving = true;
    this.feed?.setPublisher(undefined);
    for (const stop of [
      () => bounded('stopping the combiner', this.combiner?.stop()),
      () => bounded('leaving the consumer group', this.consumer?.disconnect()),
      () => this.producer?.disconnect(),
      () => Promise.all([...this.txProducers.values()].map((p) => p.disconnect())),
      () => this.admin?.disconnect(),
    ]) {
      try {
        await stop();
      } catch (err) {
        errors.push(err);
      }
    }
    this.txProducers.clear();
    this.combiner = undefined;
    this.consumer = undefined;
    this.producer = undefined;
    this.admin = undefined;
    if (errors.length) this.log(`Kafka clients closed with errors: ${errors.map((e) => explainKafkaError(e, this.connection.secrets).message).join('; ')}`);
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.handoff.close();
    await this.shutdown();
    this.state?.close();
    this.state = undefined;
  }
}
