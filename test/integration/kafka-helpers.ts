/**
 * Helpers of the Kafka integration tests: unique names, topics, producing, reading a topic back,
 * setting a group's offsets, waiting on conditions (never fixed sleeps), the pipeline config of a
 * Kafka test (one shape for all of them), running it in this process, and running the real CLI as a
 * child process that a test can SIGKILL. Test events are dated in the last hours: live pipelines
 * run on the wall clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, Partitioners, type Admin, type IHeaders } from 'kafkajs';
import { afterAll, inject } from 'vitest';
import { stringify } from 'yaml';
import type { PipelineConfig } from '../../src/config/pipeline.js';
import { eventKey } from '../../src/contract/events.js';
import { buildPipeline, buildSource } from '../../src/pipeline/build.js';
import type { PipelineStats } from '../../src/pipeline/pipeline.js';
import { waitFor as waitUntil } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxLoader = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export function broker() {
  const k = inject('kafka');
  if (!k?.brokers) throw new Error('no Kafka broker: the integration project starts one in test/setup/kafka.ts (or set KAFKA_BROKERS)');
  return k;
}

export const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

export function client(brokers = broker().brokers): Kafka {
  return new Kafka({ brokers: brokers.split(','), clientId: 'crisiscx-test', logLevel: logLevel.NOTHING });
}

/**
 * One admin client per test file, connected on first use and closed after the file's tests: the
 * tests poll group offsets every 20 ms while a process under test runs, and a client per poll (a
 * connection, ApiVersions, Metadata each time) took CPU from it on a busy machine.
 */
let sharedAdmin: Promise<Admin> | undefined;
afterAll(async () => {
  const admin = sharedAdmin;
  sharedAdmin = undefined;
  await (await admin?.catch(() => undefined))?.disconnect();
});

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  sharedAdmin ??= (async () => {
    const admin = client().admin();
    await admin.connect();
    return admin;
  })().catch((err: unknown) => {
    sharedAdmin = undefined; // the next call tries again
    throw err;
  });
  return fn(await sharedAdmin);
}

export async function createTopics(topics: { topic: string; numPartitions?: number }[]): Promise<void> {
  await withAdmin((a) => a.createTopics({ topics: topics.map((t) => ({ numPartitions: 1, ...t })), waitForLeaders: true }));
}

/** Publishes lines keyed as the contract says (null key when a line is not an event). */
export async function produceLines(topic: string, lines: string[], chunk = 2000): Promise<void> {
  const p = client().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await p.connect();
  try {
    for (let i = 0; i < lines.length; i += chunk) {
      await p.send({
        topic,
        acks: -1,
        messages: lines.slice(i, i + chunk).map((l) => {
          let key: string | null = null;
          try {
            const o = JSON.parse(l) as { id?: unknown };
            key = typeof o?.id === 'string' ? eventKey(o as { id: string }) : null;
          } catch {
            key = null;
          }
          return { key, value: l };
        }),
      });
    }
  } finally {
    await p.disconnect();
  }
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

function headers(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k] = (Array.isArray(v) ? v[0] : v)!.toString();
  return out;
}

/** Every committed message of a topic, up to its current end. */
export async function readTopic(topic: string): Promise<ReadMessage[]> {
  const ends = await withAdmin((a) => a.fetchTopicOffsets(topic));
  const want = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const total = ends.reduce((s, e) => s + Number(BigInt(e.high) - BigInt(e.low)), 0);
  if (total === 0) return [];
  const consumer = client().consumer({ groupId: unique('reader'), readUncommitted: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const out: ReadMessage[] = [];
  const reached = new Map<number, bigint>();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic}: only ${out.length} messages after 60 s`)), 60_000);
      const done = () => [...want].every(([p, high]) => (reached.get(p) ?? -1n) + 1n >= high || high === 0n);
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              out.push({ partition: batch.partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value?.toString() ?? '', headers: headers(m.headers) });
            }
            // Transaction markers take offsets too: the batch's last offset counts as reached.
            reached.set(batch.partition, BigInt(batch.lastOffset()));
            if (done()) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
      if (done()) resolve();
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** Sum over partitions of the group's committed offsets, and of the topic's end offsets. */
export async function groupProgress(group: string, topic: string): Promise<{ committed: bigint; end: bigint }> {
  return withAdmin(async (a) => {
    const [c] = await a.fetchOffsets({ groupId: group, topics: [topic] });
    const ends = await a.fetchTopicOffsets(topic);
    const committed = (c?.partitions ?? []).reduce((s, p) => s + (BigInt(p.offset) > 0n ? BigInt(p.offset) : 0n), 0n);
    const end = ends.reduce((s, e) => s + BigInt(e.high), 0n);
    return { committed, end };
  });
}

/**
 * Sets a group's committed offsets, as kafkajs's `admin.setOffsets` does (a consumer of the group
 * that seeks and commits; the group must have no running member), without its 5 s wait: the
 * admin's consumer waits out kafkajs's default `maxWaitTimeInMs` (5000) on its paused partitions
 * before it stops. Offset "-2" is the earliest (what `admin.resetOffsets({ earliest: true })` sets).
 */
export async function setGroupOffsets(groupId: string, topic: string, partitions: { partition: number; offset: string }[]): Promise<void> {
  const consumer = client().consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const { state } = await consumer.describeGroup();
    if (state !== 'Empty' && state !== 'Dead') throw new Error(`setGroupOffsets: group ${groupId} is ${state}; stop its members first`);
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => void consumer.stop().then(resolve, reject));
      consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
      consumer.pause([{ topic }]);
      for (const p of partitions) consumer.seek({ topic, ...p });
    });
  } finally {
    await consumer.disconnect();
  }
  // A test that rewinds a group proves nothing if the rewind did not happen.
  const [now] = await withAdmin((a) => a.fetchOffsets({ groupId, topics: [topic] }));
  for (const p of partitions) {
    const got = now?.partitions.find((x) => x.partition === p.partition)?.offset;
    if (got !== p.offset) throw new Error(`setGroupOffsets: ${topic}[${p.partition}] of group ${groupId} is at ${got}, not ${p.offset}`);
  }
}

/** Rewinds a group to the start of every partition of a topic (as `admin.resetOffsets({ earliest: true })`). */
export async function resetGroupOffsets(groupId: string, topic: string): Promise<void> {
  const ends = await withAdmin((a) => a.fetchTopicOffsets(topic));
  await setGroupOffsets(groupId, topic, ends.map((e) => ({ partition: e.partition, offset: '-2' })));
}

/** Polls `check` until it returns a value other than undefined/false (test/helpers/wait.ts, what first). */
export function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  return waitUntil(check, what, timeoutMs, everyMs);
}

export function writeYaml(path: string, value: unknown): string {
  writeFileSync(path, stringify(value));
  return path;
}

/**
 * Kafka source keys of a test whose consumers get killed: the group drops a dead member after 6 s
 * (the broker's smallest session timeout) instead of the default 30 s.
 */
export const QUICK_FAILOVER = { session_timeout_ms: 6000, heartbeat_interval_ms: 1000 } as const;

export interface KafkaPipelineOptions {
  database: string;
  group: string;
  /** Topic names, or topic sections (`{ name, format, brand }`). */
  topics: (string | { name: string; [key: string]: unknown })[];
  /** Default null: dead letters go to the dead_letters table only. */
  deadLetterTopic?: string | null;
  /** More keys of the kafka source (max_bytes_per_partition, scale_out, QUICK_FAILOVER...). */
  source?: Record<string, unknown>;
  /** Top-level keys beside the source (name, limits, detect, alerts...); they replace the defaults. */
  sections?: Record<string, unknown>;
}

/**
 * A pipeline config (as written in YAML) reading Kafka topics from the test broker, with nothing
 * else running: no HTTP server, no alert sinks, no telemetry.
 */
export function kafkaPipeline(o: KafkaPipelineOptions): Record<string, unknown> {
  return {
    database: o.database,
    sources: [
      {
        type: 'kafka',
        brokers: broker().brokers.split(','),
        group_id: o.group,
        topics: o.topics.map((t) => (typeof t === 'string' ? { name: t } : t)),
        dead_letter_topic: o.deadLetterTopic ?? null,
        ...o.source,
      },
    ],
    serve: { enabled: false },
    alerts: { sinks: [] },
    telemetry: { enabled: false },
    ...o.sections,
  };
}

/**
 * Writes `<dir>/<id>.yaml`: instance `id` of a scale-out group, with its own database
 * `<dir>/<id>.duckdb`, killable (QUICK_FAILOVER); `scaleOut` adds to `scale_out`.
 */
export function scaleOutInstance(dir: string, id: string, o: Omit<KafkaPipelineOptions, 'database'> & { scaleOut: Record<string, unknown> }): string {
  const { scaleOut, ...rest } = o;
  return writeYaml(
    join(dir, `${id}.yaml`),
    kafkaPipeline({
      ...rest,
      database: join(dir, `${id}.duckdb`),
      source: { ...QUICK_FAILOVER, ...o.source, scale_out: { enabled: true, instance_id: id, ...scaleOut } },
      sections: { name: id, ...o.sections },
    }),
  );
}

export interface InProcessRun {
  /** The pipeline's counters, live while it runs. */
  stats: PipelineStats;
  stop(): Promise<void>;
}

/** Runs a config's Kafka source live in this process (as `crisiscx run` does) until stopped. */
export async function runInProcess(config: PipelineConfig): Promise<InProcessRun> {
  const source = buildSource(config.sources[0]!, config);
  const built = await buildPipeline(config, { live: true });
  await source.attach!({ db: built.db });
  const ac = new AbortController();
  const running = built.pipeline.runSource(source, ac.signal);
  return {
    stats: built.pipeline.stats,
    async stop() {
      ac.abort();
      try {
        await running;
      } finally {
        await source.close!();
        await built.close();
      }
    },
  };
}

export interface CliProcess {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the real CLI (`crisiscx ...`, TypeScript through tsx's loader) as ONE child process, so
 * that a signal sent to it reaches crisiscx itself (tsx's own CLI runs it in a second process).
 */
export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', tsxLoader, `${root}/src/cli/main.ts`, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => err, stdout: () => out, exited };
}

/**
 * The start of the `hours` before the current minute: where a live pipeline's test events belong.
 * A live pipeline runs on the wall clock, so events from a fixed date fall further behind it every
 * day, and its detectors and alert engine then catch up over the whole gap at each start (eight
 * months behind: 20 s of spike-model steps and alert-group flushes for 500 events).
 */
export function recentStart(hours = 3): number {
  return Math.floor(Date.now() / 60_000) * 60_000 - hours * 3600_000;
}

/**
 * Synthetic canonical events with unique ids: inbound and outbound messages over brands and
 * channels, spread over the three hours from `start` (default: the last three hours).
 */
export function syntheticEvents(n: number, seed = 1, start = recentStart(3)): string[] {
  const brands = ['aurora-air', 'northwind', 'contoso'];
  const channels = ['chat', 'social', 'email', 'ticket'];
  const texts = [
    'This is unacceptable, I have been waiting for hours and nobody answers!',
    'Thanks, that solved it.',
    'My flight was cancelled and I am furious, I want a refund now',
    'Could you tell me the status of my order please?',
    'Worst service ever. Third time I write about this outage.',
  ];
  const out: string[] = [];
  let x = seed >>> 0;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < n; i++) {
    const conv = Math.floor(rnd() * Math.max(10, n / 4));
    const brand = brands[conv % brands.length]!;
    const channel = channels[Math.floor(conv / brands.length) % channels.length]!;
    const inbound = rnd() < 0.7;
    out.push(
      JSON.stringify({
        id: `s${seed}-${i}`,
        type: 'message',
        ts: new Date(start + Math.floor((i / n) * 3 * 3600_000)).toISOString(),
        brand,
        conversationId: `${brand}-c${conv}`,
        channel,
        direction: inbound ? 'inbound' : 'outbound',
        ...(inbound ? { customerId: `cu${conv}` } : { agentId: 'ag1' }),
        text: texts[Math.floor(rnd() * texts.length)],
      }),
    );
  }
  return out;
}
