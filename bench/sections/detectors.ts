/**
 * The spike and silence detectors alone: memory and time with a million customers waiting at once
 * (the silence target: RSS under 600 MB), the cost of a live tick when nothing is due (it must not
 * grow with what is open), firing them all, and spike counting and judging throughput. CPU time,
 * not wall time, so a busy machine does not skew it. BENCH_OPEN_SILENCES changes the million.
 */
import { SpikesConfig } from '../../src/detect/spikes/config.js';
import { SpikeDetector } from '../../src/detect/spikes/detector.js';
import { modelOptions, newSeriesState, step } from '../../src/detect/spikes/model.js';
import { SilenceConfig } from '../../src/detect/silence/config.js';
import { SilenceTracker } from '../../src/detect/silence/tracker.js';
import type { BenchResult } from './index.js';

const MIN = 60_000;
const T0 = Date.parse('2026-03-14T06:00:00Z');
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const gc = (globalThis as { gc?: () => void }).gc;

export async function detectors(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const n = Number(process.env.BENCH_OPEN_SILENCES ?? 1_000_000);

  // Silence: n customers each waiting in their own conversation.
  gc?.();
  const rss0 = process.memoryUsage().rss;
  const tracker = new SilenceTracker(SilenceConfig.parse({}));
  let c0 = cpu();
  const channels = ['chat', 'social', 'ticket', 'email'] as const;
  for (let i = 0; i < n; i++) {
    tracker.message({ brand: i % 10 === 0 ? 'northwind' : 'aurora', conversationId: `conv-${i}`, channel: channels[i % 4]!, direction: 'inbound', ts: T0 + (i % 3600) * 1000, public: true, customerId: `cust-${i}`, text: 'where is my refund' });
  }
  const applyRate = n / (cpu() - c0);
  gc?.();
  const rss = process.memoryUsage().rss - rss0;
  process.stdout.write(`   silence: ${n} open silences: ${mib(rss)} more RSS (${(rss / n).toFixed(0)} B each), ${(applyRate / 1000).toFixed(0)}k messages/s\n`);
  out.push({ section: 'detectors', figure: `RSS for ${n / 1e6}M open silences`, value: mib(rss), target: n >= 1_000_000 ? '< 600 MiB' : undefined, met: n >= 1_000_000 ? rss < 600 * 2 ** 20 : undefined });
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

  // Spikes: counting messages into buckets and judging them (per brand × channel and overall).
  const det = new SpikeDetector(SpikesConfig.parse({}));
  const m = 2_000_000;
  c0 = cpu();
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
