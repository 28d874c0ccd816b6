/**
 * Kafka → DuckDB against a bare kafkajs consumer, side by side in one run on one broker.
 *
 * The workload is published once (6 partitions, keyed by conversation, the produce path of
 * `crisiscx produce`), then read from the beginning, each run with its own consumer group:
 *   (a) a bare kafkajs consumer: the source's own client and consumer settings (fetch sizes, wait,
 *       read_committed, one partition at a time), eachBatch that only counts: what Kafka and
 *       kafkajs cost alone. Run first and last, so drift on a shared machine shows;
 *   (b) crisiscx Kafka → DuckDB, exactly once, no stages (normalize + dedupe + store + commit);
 *   (c) the same with every stage;
 *   (d) the same workload from its file, no stages: the store's pace without Kafka.
 * Rates run from the first fetched batch to the last record, so the group join (the same for all)
 * does not count; it is printed apart. Uses $KAFKA_BROKERS, or starts a local broker with
 * scripts/kafka-local.sh.
 *
 *   npm run bench:kafka                                  # 1M events
 *   BENCH_EVENTS=200000 npm run bench -- kafka
 *   BENCH_KAFKA_RUNS=bare,none npm run bench -- kafka   # only some runs (profiling)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, buildSource } from '../../src/pipeline/build.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { consumerConfig, createKafka } from '../../src/sources/kafka/client.js';
import { KafkaSourceConfig } from '../../src/sources/kafka/config.js';
import { produceFiles } from '../../src/sources/kafka/produce.js';
import type { Source, SourceBatch } from '../../src/sources/source.js';
import { fmtRate, rate, workloadFile } from '../workload.js';
import type { BenchResult } from './index.js';

const RUNS = ['bare', 'none', 'all', 'file'] as const;

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
type Run = (typeof RUNS)[number];

/** Stop waiting when a run makes no progress this long (a lost broker must not hang the bench). */
const STALL_MS = 120_000;

function wantedRuns(): Set<Run> {
  const list = (process.env.BENCH_KAFKA_RUNS ?? RUNS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((r) => !(RUNS as readonly string[]).includes(r));
  if (bad.length) throw new Error(`BENCH_KAFKA_RUNS: unknown run(s) ${bad.join(', ')}; use some of ${RUNS.join(',')}`);
  return new Set(list as Run[]);
}

function startBroker(): { brokers: string; startMs: number; stop: () => void } {
  const runDir = mkdtempSync(join(tmpdir(), 'crisiscx-bench-kafka-'));
  const env = { ...process.env, KAFKA_RUN_DIR: runDir, KAFKA_PORT: '0', KAFKA_HEAP: '1g' };
  const out = execFileSync('bash', ['scripts/kafka-local.sh', 'start'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(out)![1]!;
  const startMs = Number(/KAFKA_START_MS=(\d+)/.exec(out)?.[1] ?? 0);
  return {
    brokers,
    startMs,
    stop: () => {
      execFileSync('bash', ['scripts/kafka-local.sh', 'stop'], { env, stdio: 'inherit' });
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** What one run measured: records from the first fetched batch to the last record, and the start. */
interface Measured {
  records: number;
  /** From the first batch to the last record. */
  ms: number;
  /** From start (connect, group join) to the first batch. */
  startMs: number;
  rate: number;
  /** (b), (c): time the pipeline waited for its next batch from Kafka, after the first. */
  waitMs?: number;
}

/**
 * Polls `count` until it reaches `total`, printing progress; resolves with the time it got there.
 * Rejects when `failed` does, or when the count stalls.
 */
function waitForCount(label: string, count: () => number, total: number, failed: Promise<unknown>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let lastLog = Date.now();
    let last = -1;
    let lastMove = Date.now();
    const timer = setInterval(() => {
      const n = count();
      const now = Date.now();
      if (n !== last) {
        last = n;
        lastMove = now;
      }
      if (n >= total) {
        clearInterval(timer);
        resolve(performance.now());
      } else if (now - lastMove > STALL_MS) {
        clearInterval(timer);
        reject(new Error(`${label}: stuck at ${n} of ${total} records for ${STALL_MS / 1000} s`));
      } else if (now - lastLog >= 5000) {
        lastLog = now;
        process.stderr.write(`   ${label}: ${n}/${total} records\n`);
      }
    }, 20);
    failed.catch((err: unknown) => {
      clearInterval(timer);
      reject(err);
    });
  });
}

function sourceConfig(brokers: string, topic: string, group: string): KafkaSourceConfig {
  return KafkaSourceConfig.parse({ type: 'kafka', brokers: brokers.split(','), group_id: group, topics: [{ name: topic }], dead_letter_topic: null });
}

/** (a) kafkajs alone: the source's client and consumer settings, eachBatch only counts. */
async function bareConsumer(brokers: string, topic: string, total: number, tag: string): Promise<Measured> {
  const cfg = sourceConfig(brokers, topic, `bench-${topic}-bare-${tag}`);
  const { kafka } = createKafka(cfg, { where: 'bench' });
  const consumer = kafka.consumer(consumerConfig(cfg));
  let count = 0;
  let first = 0;
  const t0 = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let fail!: (err: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  // A retriable crash (the group coordinator still loading) restarts the consumer by itself.
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) fail(e.payload.error);
  });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch }) => {
      if (first === 0) first = performance.now();
      count += batch.messages.length;
    },
  });
  let end: number;
  try {
    end = await waitForCount(`bare kafkajs consumer (${tag})`, () => count, total, failed);
  } finally {
    await consumer.disconnect();
  }
  const ms = end - first;
  const m = { records: count, ms, startMs: first - t0, rate: rate(count, ms) };
  process.stdout.write(`   (a) bare kafkajs consumer, ${tag}: ${count} records in ${(ms / 1000).toFixed(1)} s = ${fmtRate(m.rate)} (group join and first fetch ${(m.startMs / 1000).toFixed(1)} s)\n`);
  return m;
}

/**
 * Hands the source's batches on, noting when the first one arrived and, after it, how long the
 * pipeline waited for each next batch: the time Kafka (fetch, group commit) held the pipeline up.
 */
function timed(source: Source, onFirst: () => void, onWait: (ms: number) => void): Source {
  return {
    name: source.name,
    live: source.live,
    readAhead: source.readAhead,
    progress: () => source.progress(),
    async *batches(signal?: AbortSignal): AsyncGenerator<SourceBatch> {
      const it = source.batches(signal)[Symbol.asyncIterator]();
      let seen = false;
      for (;;) {
        const t = performance.now();
        const r = await it.next();
        if (seen) onWait(performance.now() - t);
        if (r.done) return;
        if (!seen) {
          seen = true;
          onFirst();
        }
        yield r.value;
      }
    },
  };
}

/** (b), (c): one crisiscx instance, exactly once into a fresh database, with or without stages. */
async function consume(brokers: string, topic: string, total: number, dbPath: string, stages: boolean): Promise<Measured> {
  rmSync(dbPath, { force: true });
  rmSync(`${dbPath}.wal`, { force: true });
  const config = parsePipelineConfig(
    {
      database: dbPath,
      sources: [{ type: 'kafka', brokers: brokers.split(','), group_id: `bench-${topic}-${stages ? 'all' : 'none'}`, topics: [{ name: topic }], dead_letter_topic: null }],
      serve: { enabled: false },
      alerts: { sinks: [] },
      telemetry: { enabled: false },
    },
    'bench',
  );
  const source = buildSource(config.sources[0]!, config);
  const built = await buildPipeline(config, { live: true });
  // Without stages: the same source, normalizer and writer, to show what Kafka and storage cost alone.
  // Live timers stay off in both: the workload's event times are in the past, so wall-clock ticks
  // would expire every conversation at once.
  const pipeline = stages ? built.pipeline : new Pipeline({ writer: built.writer, stages: [], live: true, normalizer: { maxEventBytes: config.limits.max_event_bytes } });
  await source.attach!({ db: built.db });
  const ac = new AbortController();
  const t0 = performance.now();
  let first = 0;
  let cpu0 = process.cpuUsage();
  let waitMs = 0;
  const running = pipeline.runSource(
    timed(
      source,
      () => {
        first = performance.now();
        cpu0 = process.cpuUsage();
      },
      (ms) => (waitMs += ms),
    ),
    ac.signal,
  );
  const label = stages ? '(c) all stages' : '(b) no stages';
  let end: number;
  let cpu: NodeJS.CpuUsage;
  try {
    end = await waitForCount(`Kafka → DuckDB ${label}`, () => pipeline.stats.records, total, running);
    cpu = process.cpuUsage(cpu0);
  } finally {
    ac.abort();
    await running.catch(() => undefined);
    await source.close!();
    await built.close();
  }
  const stats = { ...pipeline.stats };
  const ms = end - first;
  const m = { records: stats.records, ms, startMs: first - t0, rate: rate(stats.records, ms), waitMs };
  const names = pipeline.stages.map((s) => s.name).join(', ') || 'none';
  process.stdout.write(
    `   ${label}: Kafka → DuckDB, exactly once (stages: ${names}): ${stats.records} records (${stats.stored} stored, ${stats.deadLetters} dead letters, ${stats.batches} transactions) in ${(ms / 1000).toFixed(1)} s = ${fmtRate(m.rate)} (start ${(m.startMs / 1000).toFixed(1)} s)\n` +
      `       the pipeline waited for Kafka (fetch, group commit) ${(waitMs / 1000).toFixed(1)} s = ${pct(waitMs / ms)} of it; the rest is normalize + store${stages ? ' + stages' : ''}\n` +
      `       ${cpuLine(cpu, stats.records)}\n`,
  );
  return m;
}

/**
 * CPU time of the whole process per record (main thread, DuckDB's threads, kafkajs): unlike the
 * rates, it barely moves when other work shares the machine, so runs on a busy machine compare.
 */
function cpuLine(cpu: NodeJS.CpuUsage, records: number): string {
  const us = (cpu.user + cpu.system) / Math.max(1, records);
  return `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s = ${us.toFixed(1)} µs per record (process, all threads)`;
}

/** (d) The same workload from the file, same pipeline without stages: the store's pace without Kafka. */
async function fileBare(path: string, dbPath: string): Promise<Measured> {
  rmSync(dbPath, { force: true });
  rmSync(`${dbPath}.wal`, { force: true });
  const config = parsePipelineConfig({ database: dbPath, sources: [{ type: 'file', paths: [path] }], serve: { enabled: false }, alerts: { sinks: [] }, telemetry: { enabled: false } }, 'bench');
  const built = await buildPipeline(config);
  const pipeline = new Pipeline({ writer: built.writer, stages: [], normalizer: { maxEventBytes: config.limits.max_event_bytes } });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const progress = setInterval(() => process.stderr.write(`   (d) file → DuckDB, no stages: ${pipeline.stats.records} records\n`), 5000);
  try {
    await pipeline.runSource(buildSource(config.sources[0]!, config));
  } finally {
    clearInterval(progress);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await built.close();
  const m = { records: pipeline.stats.records, ms, startMs: 0, rate: rate(pipeline.stats.records, ms) };
  process.stdout.write(`   (d) file → DuckDB (stages: none): ${m.records} records (${pipeline.stats.batches} transactions) in ${(ms / 1000).toFixed(1)} s = ${fmtRate(m.rate)}\n       ${cpuLine(cpu, m.records)}\n`);
  return m;
}

export async function kafkaIngest(): Promise<BenchResult[]> {
  const runs = wantedRuns();
  const w = await workloadFile();
  process.stdout.write(`   workload: ${w.lines} lines, ${(w.bytes / 2 ** 20).toFixed(0)} MiB\n`);
  const given = process.env.KAFKA_BROKERS;
  const broker = given ? { brokers: given, startMs: 0, stop: () => undefined } : startBroker();
  if (!given) process.stdout.write(`   local broker started in ${(broker.startMs / 1000).toFixed(1)} s\n`);
  const dbPath = join(tmpdir(), `crisiscx-bench-${process.pid}-kafka.duckdb`);
  try {
    const kafka = new Kafka({ brokers: broker.brokers.split(','), clientId: 'crisiscx-bench', logLevel: logLevel.ERROR });
    const topic = `bench-events-${Date.now().toString(36)}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
    await admin.disconnect();

    let lastLog = 0;
    const produced = await produceFiles({
      kafka,
      topic,
      paths: [w.path],
      onProgress: (p) => {
        if (Date.now() - lastLog > 3000) {
          lastLog = Date.now();
          process.stderr.write(`   produce: ${p.records}/${w.lines} records\n`);
        }
      },
    });
    const produceRate = rate(produced.records, produced.ms);
    process.stdout.write(`   produce (keyed by conversation, acks=all, 6 partitions): ${produced.records} records in ${(produced.ms / 1000).toFixed(1)} s = ${fmtRate(produceRate)}\n`);
    const total = produced.records;

    const bare: Measured[] = [];
    if (runs.has('bare')) bare.push(await bareConsumer(broker.brokers, topic, total, 'first'));
    const none = runs.has('none') ? await consume(broker.brokers, topic, total, dbPath, false) : undefined;
    const all = runs.has('all') ? await consume(broker.brokers, topic, total, dbPath, true) : undefined;
    if (runs.has('bare') && (none || all)) bare.push(await bareConsumer(broker.brokers, topic, total, 'last'));
    const file = runs.has('file') ? await fileBare(w.path, dbPath) : undefined;

    // The bare rate as the mean of the runs before and after, so drift of a shared machine is halved.
    const bareRate = bare.length ? bare.reduce((s, m) => s + m.rate, 0) / bare.length : undefined;
    const out: BenchResult[] = [
      ...(given ? [] : [{ section: 'kafka', figure: 'local broker start', value: `${(broker.startMs / 1000).toFixed(1)} s` }]),
      { section: 'kafka', figure: 'produce (crisiscx produce path)', value: fmtRate(produceRate) },
    ];
    if (bareRate !== undefined) {
      const spread = bare.length > 1 ? ` (runs: ${bare.map((m) => fmtRate(m.rate)).join(', ')})` : '';
      out.push({ section: 'kafka', figure: '(a) bare kafkajs consumer, same settings', value: `${fmtRate(bareRate)}${spread}` });
    }
    const ratio = (m: Measured | undefined, figure: string, target?: boolean) => {
      if (!m) return;
      const wait = m.waitMs !== undefined ? `, ${pct(m.waitMs / m.ms)} of its time waiting for Kafka` : '';
      if (bareRate === undefined) {
        out.push({ section: 'kafka', figure, value: `${fmtRate(m.rate)}${wait}` });
        return;
      }
      const r = m.rate / bareRate;
      out.push({ section: 'kafka', figure, value: `${fmtRate(m.rate)} = ${pct(r)} of (a)${wait}`, ...(target ? { target: '≥ 80 % of (a)', met: r >= 0.8 } : {}) });
    };
    ratio(none, '(b) Kafka → DuckDB, exactly once, no stages');
    ratio(all, '(c) Kafka → DuckDB, exactly once, every stage', true);
    if (file) {
      const vs = none ? ` ((b) is ${pct(none.rate / file.rate)} of it)` : '';
      out.push({ section: 'kafka', figure: '(d) same file → DuckDB, no stages', value: `${fmtRate(file.rate)}${vs}` });
    }
    for (const r of out.slice(given ? 1 : 2)) process.stdout.write(`   ${r.figure}: ${r.value}\n`);
    return out;
  } finally {
    rmSync(dbPath, { force: true });
    rmSync(`${dbPath}.wal`, { force: true });
    broker.stop();
  }
}
