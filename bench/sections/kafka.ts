/**
 * Kafka → DuckDB: the benchmark workload published to a real broker (6 partitions) with the
 * produce path of `crisiscx produce`, then consumed by one crisiscx instance with every stage on,
 * exactly once into a fresh DuckDB file. Uses $KAFKA_BROKERS, or starts a local broker with
 * scripts/kafka-local.sh (and reports how long that took).
 *
 *   npm run bench:kafka                      # 1M events
 *   BENCH_EVENTS=200000 npm run bench -- kafka
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, buildSource } from '../../src/pipeline/build.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { produceFiles } from '../../src/sources/kafka/produce.js';
import { fmtRate, rate, workloadFile } from '../workload.js';
import type { BenchResult } from './index.js';

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

/** Consumes the topic with a new group into a fresh database; returns records per second. */
async function consume(brokers: string, topic: string, total: number, dbPath: string, stages: boolean): Promise<number> {
  rmSync(dbPath, { force: true });
  rmSync(`${dbPath}.wal`, { force: true });
  const config = parsePipelineConfig(
    {
      database: dbPath,
      sources: [{ type: 'kafka', brokers: brokers.split(','), group_id: `bench-${topic}-${stages ? 'all' : 'bare'}`, topics: [{ name: topic }], dead_letter_topic: null }],
      serve: { enabled: false },
      alerts: { sinks: [] },
      telemetry: { enabled: false },
    },
    'bench',
  );
  const source = buildSource(config.sources[0]!, config);
  const built = await buildPipeline(config, { live: true });
  // Without stages: the same source, normalizer and writer, to show what Kafka and storage cost alone.
  const pipeline = stages ? built.pipeline : new Pipeline({ writer: built.writer, stages: [], live: true, normalizer: { maxEventBytes: config.limits.max_event_bytes } });
  await source.attach!({ db: built.db, stats: () => pipeline.stats });
  const ac = new AbortController();
  const t0 = performance.now();
  const running = pipeline.runSource(source, ac.signal);
  let lastLog = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const s = pipeline.stats;
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        process.stderr.write(`   consume (${stages ? 'all stages' : 'no stages'}): ${s.records} records, ${s.stored} stored\n`);
      }
      if (s.records >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    running.catch((err) => {
      clearInterval(timer);
      reject(err);
    });
  });
  const ms = performance.now() - t0;
  ac.abort();
  await running;
  const stats = { ...pipeline.stats };
  await source.close!();
  await built.close();
  const r = rate(stats.records, ms);
  const names = pipeline.stages.map((s) => s.name).join(', ') || 'none';
  process.stdout.write(`   Kafka → DuckDB (one instance, stages: ${names}): ${stats.records} records (${stats.stored} stored, ${stats.deadLetters} dead letters) in ${(ms / 1000).toFixed(1)} s = ${fmtRate(r)}\n`);
  return r;
}

/** The same workload from the file instead of Kafka, same pipeline without stages: what Kafka adds. */
async function fileBare(path: string, dbPath: string): Promise<number> {
  rmSync(dbPath, { force: true });
  rmSync(`${dbPath}.wal`, { force: true });
  const config = parsePipelineConfig({ database: dbPath, sources: [{ type: 'file', paths: [path] }], serve: { enabled: false }, alerts: { sinks: [] }, telemetry: { enabled: false } }, 'bench');
  const built = await buildPipeline(config);
  const pipeline = new Pipeline({ writer: built.writer, stages: [], normalizer: { maxEventBytes: config.limits.max_event_bytes } });
  const t0 = performance.now();
  await pipeline.runSource(buildSource(config.sources[0]!, config));
  const ms = performance.now() - t0;
  await built.close();
  const r = rate(pipeline.stats.records, ms);
  process.stdout.write(`   file → DuckDB (stages: none): ${pipeline.stats.records} records in ${(ms / 1000).toFixed(1)} s = ${fmtRate(r)}\n`);
  return r;
}

export async function kafkaIngest(): Promise<BenchResult[]> {
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
          process.stderr.write(`   produce: ${p.records} records\n`);
        }
      },
    });
    const produceRate = rate(produced.records, produced.ms);
    process.stdout.write(`   produce (keyed by conversation, acks=all): ${produced.records} records in ${(produced.ms / 1000).toFixed(1)} s = ${fmtRate(produceRate)}\n`);

    const all = await consume(broker.brokers, topic, produced.records, dbPath, true);
    const bare = await consume(broker.brokers, topic, produced.records, dbPath, false);
    const file = await fileBare(w.path, dbPath);
    return [
      ...(given ? [] : [{ section: 'kafka', figure: 'local broker start', value: `${(broker.startMs / 1000).toFixed(1)} s` }]),
      { section: 'kafka', figure: 'produce (crisiscx produce path)', value: fmtRate(produceRate) },
      { section: 'kafka', figure: 'Kafka → DuckDB, exactly once, all stages', value: fmtRate(all) },
      { section: 'kafka', figure: 'Kafka → DuckDB, exactly once, no stages (normalize + store)', value: fmtRate(bare) },
      { section: 'kafka', figure: 'same file → DuckDB, no stages (this run, for comparison)', value: fmtRate(file) },
    ];
  } finally {
    rmSync(dbPath, { force: true });
    rmSync(`${dbPath}.wal`, { force: true });
    broker.stop();
  }
}
