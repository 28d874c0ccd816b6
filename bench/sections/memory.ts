/**
 * Memory with the open state a big crisis leaves behind: 1M conversations waiting for a reply (the
 * real silence stage) and 100k open promises (the real promise stage), held in ONE process, fed as
 * synthetic Envelopes through the stages' own onEvents. It runs in a child process so earlier
 * sections (DuckDB buffers, the file workload) do not inflate the RSS it reports.
 * BENCH_OPEN_SILENCES and BENCH_OPEN_PROMISES change the counts.
 *
 * Then a restart with that many open gaps stored: a fresh process opens a DuckDB file holding 1M
 * unanswered conversations and builds the silence stage, which rebuilds who is waiting from view
 * silence_gaps; its peak RSS (the kernel's high-water mark) includes DuckDB running that view.
 * BENCH_RESTORE_SILENCES changes the count (the file is generated once under .cache/bench).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { ManualClock } from '../../src/contract/clock.js';
import type { CanonicalEvent } from '../../src/contract/events.js';
import type { Envelope } from '../../src/contract/records.js';
import { createPromiseStage } from '../../src/detect/promises/stage.js';
import { createSilenceStage, type SilenceStage } from '../../src/detect/silence/stage.js';
import type { Detection, StageContext } from '../../src/pipeline/stage.js';
import { Database } from '../../src/store/database.js';
import { CACHE } from '../workload.js';
import type { BenchResult } from './index.js';

const T0 = Date.parse('2026-03-14T06:00:00Z');
const MIB = 2 ** 20;
const CHILD_FLAG = '--memory-child';
const RESTORE_FLAG = '--restore-child';

/** JS heap in use and memory outside it (typed arrays: the detectors' columns), after a full GC. */
interface Mem {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

interface Measured {
  silences: number;
  promises: number;
  baseRss: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** Heap + external bytes the open state added: per open conversation, per open promise. */
  bytesPerConversation: number;
  bytesPerPromise: number;
  openSilences: number;
  openPromises: number;
  tickMs: number;
  feedSecs: number;
}

/** A full garbage collection, also under tsx (which does not pass --expose-gc). */
export function collect(): () => void {
  // tsx does not pass --expose-gc; turn it on here so the figures are after a full collection.
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The child: builds the two stages, feeds them, measures itself, prints one JSON line. */
async function measure(silences: number, promises: number): Promise<Measured> {
  const gc = collect();
  const mem = (): Mem => {
    // Typed arrays' memory is released after the collection that found them dead: collect twice.
    gc();
    gc();
    const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
    return { rss, heapUsed, heapTotal, external };
  };
  const base = mem();
  const config = parsePipelineConfig({ serve: { enabled: false } }, 'bench');
  const clock = new ManualClock(T0);
  const silence = (await createSilenceStage({ config, clock, live: true }))!;
  const promise = createPromiseStage({ config, clock, live: true });
  const detections: Detection[] = [];
  const ctx: StageContext = { clock, live: true, emit: () => undefined, detections };
  const brands = ['aurora-air', 'northwind', 'globex-telecom', 'initech-bank'];
  const channels = ['chat', 'social', 'email', 'ticket'] as const;
  const raw = '{}';
  const origin = { kind: 'file' as const, name: 'bench-memory', line: 0 };
  const batch = 10_000;
  const t0 = performance.now();
  // Inbound messages, one conversation each, in the last two minutes (under every channel's threshold): all wait.
  for (let i = 0; i < silences; i += batch) {
    const envs: Envelope[] = [];
    for (let j = i; j < Math.min(silences, i + batch); j++) {
      const event = {
        id: `m-${j}`, type: 'message', ts: T0 - 120_000 + (j % 120) * 1000, brand: brands[j % 4]!, source: 'bench',
        conversationId: `conv-${j}`, customerId: `cust-${j}`, channel: channels[j % 4]!, direction: 'inbound', public: true,
        text: 'Where is my refund? Nobody answers.', lang: 'en',
      } as unknown as CanonicalEvent;
      envs.push({ event, raw, origin, upset: { score: 0.8, label: 'upset', lang: 'eng' } });
    }
    await silence.onEvents!(envs, ctx);
    await promise.onEvents!(envs, ctx);
    detections.length = 0;
  }
  const afterSilences = mem();
  // Explicit promises made by agents, due within the next week: all open.
  for (let i = 0; i < promises; i += batch) {
    const envs: Envelope[] = [];
    for (let j = i; j < Math.min(promises, i + batch); j++) {
      const event = {
        id: `p-${j}`, type: 'promise', ts: T0 - 600_000, brand: brands[j % 4]!, source: 'bench', conversationId: `conv-${j}`,
        promiseId: `promise-${j}`, action: 'made', dueAt: T0 + 86_400_000 + (j % 604_800) * 1000, kind: 'refund', agentId: `agent-${j % 500}`,
      } as unknown as CanonicalEvent;
      envs.push({ event, raw, origin });
    }
    await silence.onEvents!(envs, ctx);
    await promise.onEvents!(envs, ctx);
    detections.length = 0;
  }
  const feedSecs = (performance.now() - t0) / 1000;
  const afterPromises = mem();
  const held = (a: Mem, b: Mem) => b.heapUsed + b.external - (a.heapUsed + a.external);
  // A live tick before anything is due: nothing fires, the state stays open.
  clock.set(T0);
  const k0 = performance.now();
  const ticks = 200;
  for (let k = 0; k < ticks; k++) {
    await silence.onTick!(T0, ctx);
    await promise.onTick!(T0, ctx);
  }
  const tickMs = (performance.now() - k0) / ticks;
  const fired = detections.filter((d) => d.state === 'firing').length;
  if (fired > 0) throw new Error(`expected nothing due at the measuring time, but ${fired} detections fired: the workload is wrong`);
  const end = mem();
  // Counted after the measurement, which also keeps both stages reachable until then.
  const openSilences = (silence as SilenceStage).tracker.openCount;
  const openPromises = (promise as unknown as { tracker: { size: number } }).tracker.size;
  return {
    silences,
    promises,
    baseRss: base.rss,
    rss: end.rss,
    heapUsed: end.heapUsed,
    heapTotal: end.heapTotal,
    external: end.external,
    bytesPerConversation: held(base, afterSilences) / silences,
    bytesPerPromise: held(afterSilences, afterPromises) / promises,
    openSilences,
    openPromises,
    tickMs,
    feedSecs,
  };
}

/** Runs this file in a child process with `args` and parses the JSON line it prints last. */
function child<T>(args: string[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const c = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.on('error', reject);
    c.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`bench child ${args[0]} exited with ${code}: ${out.slice(-500)}`));
      try {
        resolve(JSON.parse(line) as T);
      } catch (err) {
        reject(new Error(`bench child ${args[0]} printed no result: ${line.slice(0, 200)}`, { cause: err }));
      }
    });
  });
}

/** A DuckDB file with `n` conversations whose one inbound message is unanswered (generated once). */
async function restoreFile(n: number): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  const path = `${CACHE}/restore-${n}.duckdb`;
  if (existsSync(path)) return path;
  const tmp = `${path}.tmp`;
  rmSync(tmp, { force: true });
  const db = await Database.open(tmp);
  // The same shape as the in-process workload above: four brands and channels, in the two minutes before T0.
  const ts = `make_timestamptz((${T0}::BIGINT - 120000 + (i % 120) * 1000) * 1000)`;
  const brand = "(['aurora-air', 'northwind', 'globex-telecom', 'initech-bank'])[i % 4 + 1]";
  await db.run(
    `INSERT INTO events (id, type, ts, brand, source, conversation_id, customer_id, origin, ingested_at, raw)
     SELECT 'm-' || i, 'message', ${ts}, ${brand}, 'bench', 'conv-' || i, 'cust-' || i, 'bench', now(), '{}' FROM range(${n}) t(i)`,
  );
  await db.run(
    `INSERT INTO messages (id, ts, brand, source, conversation_id, channel, direction, customer_id, text, lang, public)
     SELECT 'm-' || i, ${ts}, ${brand}, 'bench', 'conv-' || i, (['chat', 'social', 'email', 'ticket'])[i % 4 + 1], 'inbound', 'cust-' || i,
            'Where is my refund? Nobody answers.', 'en', true FROM range(${n}) t(i)`,
  );
  await db.checkpoint();
  await db.close();
  renameSync(tmp, path);
  return path;
}

interface Restored {
  gaps: number;
  secs: number;
  baseRss: number;
  peakRss: number;
  rss: number;
  heapUsed: number;
  external: number;
}

/** The restore child: a fresh process opens the file and builds the silence stage, as `crisiscx run` does at start. */
async function measureRestore(path: string): Promise<Restored> {
  const gc = collect();
  const baseRss = process.resourceUsage().maxRSS * 1024;
  const config = parsePipelineConfig({ database: path, serve: { enabled: false } }, 'bench');
  const t0 = performance.now();
  // The product's DuckDB settings (pipeline/build.ts): its memory_limit bounds the view's working memory.
  const db = await Database.open(path, { settings: { memory_limit: config.limits.database_memory_limit, checkpoint_threshold: config.limits.database_checkpoint_threshold } });
  const stage = (await createSilenceStage({ config, db, clock: new ManualClock(T0), live: true })) as SilenceStage;
  const secs = (performance.now() - t0) / 1000;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  gc();
  gc();
  const { rss, heapUsed, external } = process.memoryUsage();
  const gaps = stage.tracker.openCount;
  await db.close();
  return { gaps, secs, baseRss, peakRss, rss, heapUsed, external };
}

export async function memory(): Promise<BenchResult[]> {
  const silences = Number(process.env.BENCH_OPEN_SILENCES ?? 1_000_000);
  const promises = Number(process.env.BENCH_OPEN_PROMISES ?? 100_000);
  process.stdout.write(`   one child process: ${silences} open conversations in the silence stage + ${promises} open promises in the promise stage\n`);
  const m = await child<Measured>([CHILD_FLAG, String(silences), String(promises)]);
  const full = silences >= 1_000_000 && promises >= 100_000;
  process.stdout.write(
    `   fed in ${m.feedSecs.toFixed(1)} s; process RSS ${(m.rss / MIB).toFixed(0)} MiB (${((m.rss - m.baseRss) / MIB).toFixed(0)} MiB over the ${(m.baseRss / MIB).toFixed(0)} MiB of an idle process), JS heap ${(m.heapUsed / MIB).toFixed(0)} MiB after GC\n`,
  );
  process.stdout.write(
    `   JS heap ${(m.heapUsed / MIB).toFixed(0)} of ${(m.heapTotal / MIB).toFixed(0)} MiB reserved in use, ${(m.external / MIB).toFixed(0)} MiB outside it (typed-array columns); state: ${m.bytesPerConversation.toFixed(0)} B per open conversation, ${m.bytesPerPromise.toFixed(0)} B per open promise\n`,
  );
  process.stdout.write(`   open at the end: ${m.openSilences} conversations waiting, ${m.openPromises} promises\n`);
  if (m.openSilences < silences || m.openPromises < promises) throw new Error(`the stages hold less than fed (${m.openSilences} conversations, ${m.openPromises} promises): the figure would flatter`);
  process.stdout.write(`   live tick (silence + promises) with nothing due: ${(m.tickMs * 1000).toFixed(0)} µs\n`);
  const label = `${silences / 1e6}M conversations + ${promises / 1e3}k promises`;

  const restoring = Number(process.env.BENCH_RESTORE_SILENCES ?? 1_000_000);
  const file = await restoreFile(restoring);
  const r = await child<Restored>([RESTORE_FLAG, file]);
  if (r.gaps !== restoring) throw new Error(`the restart took back ${r.gaps} of ${restoring} open gaps: the figure would flatter`);
  process.stdout.write(
    `   restart with ${restoring} open gaps stored (fresh process: open the file, silence stage from view silence_gaps, streamed into the columns): ${r.secs.toFixed(1)} s; peak RSS ${(r.peakRss / MIB).toFixed(0)} MiB (idle process ${(r.baseRss / MIB).toFixed(0)} MiB), after GC ${(r.rss / MIB).toFixed(0)} MiB: JS heap ${(r.heapUsed / MIB).toFixed(0)} MiB, ${(r.external / MIB).toFixed(0)} MiB outside it (columns), the rest DuckDB (the view's working memory and cache, under limits.database_memory_limit)\n`,
  );
  const rLabel = `${restoring / 1e6}M open gaps`;
  const rFull = restoring >= 1_000_000;
  return [
    { section: 'memory', figure: `process RSS, ${label}`, value: `${(m.rss / MIB).toFixed(0)} MiB`, target: full ? '< 600 MB' : undefined, met: full ? m.rss < 600e6 : undefined },
    { section: 'memory', figure: 'JS heap after GC, same state', value: `${(m.heapUsed / MIB).toFixed(0)} MiB` },
    { section: 'memory', figure: 'state per open conversation (heap + columns)', value: `${m.bytesPerConversation.toFixed(0)} B` },
    { section: 'memory', figure: 'state per open promise (heap + columns)', value: `${m.bytesPerPromise.toFixed(0)} B` },
    { section: 'memory', figure: 'live tick, nothing due, same state', value: `${(m.tickMs * 1000).toFixed(0)} µs` },
    { section: 'memory', figure: `restart: peak RSS, ${rLabel}`, value: `${(r.peakRss / MIB).toFixed(0)} MiB`, target: rFull ? '< 600 MB' : undefined, met: rFull ? r.peakRss < 600e6 : undefined },
    { section: 'memory', figure: `restart: time to take back ${rLabel}`, value: `${r.secs.toFixed(1)} s` },
  ];
}

if (process.argv.includes(RESTORE_FLAG)) {
  const r = await measureRestore(process.argv[process.argv.indexOf(RESTORE_FLAG) + 1]!);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

if (process.argv.includes(CHILD_FLAG)) {
  const i = process.argv.indexOf(CHILD_FLAG);
  const m = await measure(Number(process.argv[i + 1]), Number(process.argv[i + 2]));
  process.stdout.write(`${JSON.stringify(m)}\n`);
}
