/**
 * The spike, silence and promise detectors alone: the state a million customers waiting at once
 * leave (heap + typed-array columns after a full GC; the memory section measures a process's RSS
 * against the 600 MB target), the cost of a live tick when nothing is due (it must not grow with
 * what is open), firing them all, and spike counting and judging throughput. CPU time, not wall
 * time, so a busy machine does not skew it. BENCH_OPEN_SILENCES changes the million (promises: a
 * tenth of it).
 */
import { SpikesConfig } from '../../src/detect/spikes/config.js';
import { SpikeDetector } from '../../src/detect/spikes/detector.js';
import { modelOptions, newSeriesState, step } from '../../src/detect/spikes/model.js';
import { SilenceConfig } from '../../src/detect/silence/config.js';
import { SilenceTracker } from '../../src/detect/silence/tracker.js';
import { PromiseTracker } from '../../src/detect/promises/tracker.js';
import type { BenchResult } from './index.js';
import { collect } from './memory.js';

const MIN = 60_000;
const T0 = Date.parse('2026-03-14T06:00:00Z');
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
/** Heap in use plus memory outside it (typed arrays), after a full GC, and the process RSS. */
function held(gc: () => void): { bytes: number; rss: number } {
  // Typed arrays' memory is released after the collection that found them dead: collect twice.
  gc();
  gc();
  const m = process.memoryUsage();
  return { bytes: m.heapUsed + m.external, rss: m.rss };
}

/** Silence: n customers each waiting in their own conversation. */
function silence(n: number, gc: () => void, out: BenchResult[]): void {
  const m0 = held(gc);
  const tracker = new SilenceTracker(SilenceConfig.parse({}));
  let c0 = cpu();
  const channels = ['chat', 'social', 'ticket', 'email'] as const;
  for (let i = 0; i < n; i++) {
    tracker.message({ brand: i % 10 === 0 ? 'northwind' : 'aurora', conversationId: `conv-${i}`, channel: channels[i % 4]!, direction: 'inbound', ts: T0 + (i % 3600) * 1000, public: true, customerId: `cust-${i}`, text: 'where is my refund' });
  }
  const applyRate = n / (cpu() - c0);
  const m1 = held(gc);
  const state = m1.bytes - m0.bytes;
  const ss = tracker.stats();
  // RSS here includes pages earlier sections freed and the process kept: the state size is the figure; the memory section measures RSS alone.
  process.stdout.write(
    `   silence: ${n} open silences: ${mib(state)} of state (${(state / n).toFixed(0)} B each: ${(ss.columnBytes / n).toFixed(0)} B columns, ${(ss.heapBytes / n).toFixed(0)} B due-check heap, the rest ids and index), RSS +${mib(m1.rss - m0.rss)}; ${(applyRate / 1000).toFixed(0)}k messages/s\n`,
  );
  out.push({ section: 'detectors', figure: `state for ${n / 1e6}M open silences (heap + columns)`, value: mib(state), target: n >= 1_000_000 ? '< 600 MiB' : undefined, met: n >= 1_000_000 ? state < 600 * 2 ** 20 : undefined });
  out.push({ section: 'detectors', figure: 'silence: state per open conversation', value: `${(state / n).toFixed(0)} B` });
  out.push({ section: 'detectors', figure: 'silence: inbound messages applied', value: `${(applyRate / 1000).toFixed(0)}k/s` });

  c0 = cpu();
  const ticks = 2000;
  for (let k = 0; k < ticks; k++) tracker.advance(T0 + MIN);
  const tickMs = ((cpu() - c0) / ticks) * 1000;
  process.stdout.write(`   silence: live tick with nothing due: ${(tickMs * 1000).toFixed(1)} µs\n`);
  out.push({ section: 'detectors', figure: `silence tick, nothing due, ${n / 1e6}M open`, value: `${(tickMs * 1000).toFixed(1)} µs`, target: '< 1 ms (4 ticks/s)', met: tickMs < 1 });

  c0 = cpu();
  const fired = tracker.advance(T0 + 30 * 86_400_000).length;
  const fireSecs = cpu() - c0;
  process.stdout.write(`   silence: ${fired} warnings and breaches in ${fireSecs.toFixed(1)} s CPU\n`);
  out.push({ section: 'detectors', figure: 'silence: breaches found', value: `${((fired / fireSecs) / 1000).toFixed(0)}k/s` });

}

/** Promises: p open promises, each in its own conversation, due within the week ahead. */
function promises(p: number, gc: () => void, out: BenchResult[]): void {
  const ticks = 2000;
  const m0 = held(gc);
  const tracker = new PromiseTracker({ graceMs: 30 * MIN, matchWindowMs: 15 * MIN });
  let c0 = cpu();
  for (let i = 0; i < p; i++) {
    tracker.made({ key: `conv-${i}/P${i}`, brand: i % 10 === 0 ? 'northwind' : 'aurora', conversationId: `conv-${i}`, kind: 'refund', madeAt: T0, dueAt: T0 + 86_400_000 + (i % 604_800) * 1000, explicit: true, agentId: `agent-${i % 500}`, promiseId: `P${i}` });
  }
  const madeRate = p / (cpu() - c0);
  const m1 = held(gc);
  const pState = m1.bytes - m0.bytes;
  process.stdout.write(`   promises: ${p} open: ${mib(pState)} of state (${(pState / p).toFixed(0)} B each), ${(madeRate / 1000).toFixed(0)}k made/s\n`);
  out.push({ section: 'detectors', figure: 'promises: state per open promise', value: `${(pState / p).toFixed(0)} B` });
  c0 = cpu();
  for (let k = 0; k < ticks; k++) tracker.tick(T0 + MIN);
  const pTickMs = ((cpu() - c0) / ticks) * 1000;
  process.stdout.write(`   promises: live tick with nothing due: ${(pTickMs * 1000).toFixed(1)} µs\n`);
  out.push({ section: 'detectors', figure: `promise tick, nothing due, ${p / 1e3}k open`, value: `${(pTickMs * 1000).toFixed(1)} µs`, target: '< 1 ms (4 ticks/s)', met: pTickMs < 1 });
  c0 = cpu();
  const broken = tracker.tick(T0 + 30 * 86_400_000).length;
  const breakSecs = cpu() - c0;
  process.stdout.write(`   promises: ${broken} due and broken in ${breakSecs.toFixed(2)} s CPU\n`);
  out.push({ section: 'detectors', figure: 'promises: due and broken found', value: `${((broken / breakSecs) / 1000).toFixed(0)}k/s` });
}

export async function detectors(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const n = Number(process.env.BENCH_OPEN_SILENCES ?? 1_000_000);
  const gc = collect();
  // Separate functions, so one detector's state is garbage when the next is measured.
  silence(n, gc, out);
  promises(Math.round(n / 10), gc, out);
  const channels = ['chat', 'social', 'ticket', 'email'] as const;

  // Spikes: counting messages into buckets and judging them (per brand × channel and overall).
  const det = new SpikeDetector(SpikesConfig.parse({}));
  const m = 2_000_000;
  let c0 = cpu();
  for (let i = 0; i < m; i++) det.observe(i % 7 === 0 ? 'northwind' : 'aurora', channels[i % 4]!, T0 + Math.floor(i / 100) * 1000, i % 3 === 0);
  det.flush();
  const spikeRate = m / (cpu() - c0);
  det.drain();
  process.stdout.write(`   spikes: ${(spikeRate / 1e6).toFixed(2)}M inbound messages/s counted and judged\n`);
  out.push({ section: 'detectors', figure: 'spikes: inbound messages counted', value: `${(spikeRate / 1e6).toFixed(2)}M/s` });

  // The model alone: buckets judged per second (score-series runs this per CSV row).
  const opts = modelOptions(SpikesConfig.parse({}), 5 * MIN);
  const st = newSeriesState(opts);
  const b = 1_000_000;
  c0 = cpu();
  for (let i = 0; i < b; i++) step(opts, st, T0 + i * 5 * MIN, 20 + (i % 13));
  const stepRate = b / (cpu() - c0);
  process.stdout.write(`   spike model: ${(stepRate / 1000).toFixed(0)}k buckets/s\n`);
  out.push({ section: 'detectors', figure: 'spike model: buckets judged', value: `${(stepRate / 1000).toFixed(0)}k/s` });
  return out;
}
