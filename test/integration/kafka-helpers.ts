/**
 * Helpers of the Kafka integration tests: unique names, topics, producing, reading a topic back,
 * waiting on conditions (never fixed sleeps), and running the real CLI as a child process that a
 * test can SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, Partitioners, type Admin, type IHeaders } from 'kafkajs';
import { inject } from 'vitest';
import { stringify } from 'yaml';
import { eventKey } from '../../src/contract/events.js';
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

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = client().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
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

/** Polls `check` until it returns a value other than undefined/false (test/helpers/wait.ts, what first). */
export function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  return waitUntil(check, what, timeoutMs, everyMs);
}

export function writeYaml(path: string, value: unknown): string {
  writeFileSync(path, stringify(value));
  return path;
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

/** Synthetic canonical events with unique ids: inbound and outbound messages over brands and channels. */
export function syntheticEvents(n: number, seed = 1, start = Date.parse('2026-03-14T10:00:00Z')): string[] {
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
