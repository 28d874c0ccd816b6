/**
 * @module eval/spikes/run
 * `npm run eval:spikes [-- --series N --days D --seed S]`: generates labelled series (eval/spikes/
 * generate.ts), runs the spike model with the default config and a few variations (and a naive
 * reference), and prints recall per shape, precision, detection delay (median / p90), false alarms per
 * day and single-bucket outliers that paged; then the default on pure noise (baseline bias, false
 * starts) from sparse to busy rates.
 */
import { parseArgs } from 'node:util';
import { generateSeries, type Family, type Series } from './generate.js';
import { evaluate, modelDetector, naiveDetector, nullCheck, quantile, type Detector, type EvalResult } from './evaluate.js';

const { values } = parseArgs({
  options: {
    series: { type: 'string', default: '40' },
    days: { type: 'string', default: '28' },
    seed: { type: 'string', default: '1000' },
  },
});
const count = Number(values.series);
const days = Number(values.days);
const seed0 = Number(values.seed);

const detectors: [string, Detector][] = [
  ['default (z 3.5, 2 of 3, weekly)', modelDetector()],
  ['sensitive (z 3)', modelDetector({ threshold_z: 3 })],
  ['conservative (z 4.5)', modelDetector({ threshold_z: 4.5 })],
  ['no seasonality', modelDetector({ seasonality: 'none' })],
  ['no confirmation (1 of 1)', modelDetector({ confirm_buckets: 1, window_buckets: 1 })],
  ['single scale (sustained off)', modelDetector({ sustained_buckets: 1 })],
  ['halflife 2 h', modelDetector({ baseline_halflife_secs: 7200 })],
  ['halflife 6 h', modelDetector({ baseline_halflife_secs: 21600 })],
  ['halflife 12 h', modelDetector({ baseline_halflife_secs: 43200 })],
  ['naive: 3 sd over last hour', naiveDetector(3)],
];

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function row(name: string, r: EvalResult): string {
  const cells = (['step', 'ramp', 'burst'] as const).map((k) => {
    const s = r.shapes[k];
    return `${fmt((100 * s.detected) / Math.max(1, s.injected), 0).padStart(3)}% ${fmt(quantile(s.delaysMin, 0.5), 0).padStart(3)}/${fmt(quantile(s.delaysMin, 0.9), 0).padEnd(4)}`;
  });
  const all = Object.values(r.shapes);
  const recall = all.reduce((a, s) => a + s.detected, 0) / Math.max(1, all.reduce((a, s) => a + s.injected, 0));
  const precision = r.alarms ? r.matchedAlarms / r.alarms : Number.NaN;
  return `${name.padEnd(34)} ${fmt(100 * recall, 0).padStart(4)}%  ${fmt(100 * precision, 0).padStart(8)}%  ${cells.join('  ')}  ${fmt(r.falseAlarms / r.days, 2).padStart(6)}  ${fmt(r.coldFalseAlarms / r.coldDays, 2).padStart(13)}  ${`${r.outlierPages}/${r.outliers}`.padStart(15)}`;
}

for (const family of ['volume', 'sparse'] as Family[]) {
  const t0 = Date.now();
  const series: Series[] = [];
  for (let i = 0; i < count; i++) {
    series.push(generateSeries({ seed: seed0 + i, family, days }));
    if ((i + 1) % 10 === 0 || i + 1 === count) process.stderr.write(`\rgenerating ${family} series ${i + 1}/${count}`);
  }
  process.stderr.write('\n');
  const labels = series.reduce((a, s) => a + s.labels.length, 0);
  const interval = series[0]!.intervalMs / 60_000;
  console.log(
    `\n${family}: ${count} series × ${days} days at ${interval}-minute buckets, ${labels} injected anomalies` +
      (family === 'volume' ? ' (base 2–300 per bucket)' : ' (base 0.03–1.5 per bucket)'),
  );
  console.log(`${'detector'.padEnd(34)} recall  precision  step %  med/p90   ramp %  med/p90   burst % med/p90   FA/day  week-1 FA/day  outliers paged`);
  for (const [name, det] of detectors) {
    const t1 = Date.now();
    const r = evaluate(series, det);
    console.log(row(name, r));
    process.stderr.write(`  (${name}: ${((Date.now() - t1) / 1000).toFixed(1)} s)\n`);
  }
  process.stderr.write(`${family}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
process.stderr.write('pure noise check\n');
console.log('\npure Poisson noise, 1-minute buckets, 20 series × 7 days per rate, nothing injected (default detector):');
console.log('rate/bucket  expected/true rate (last day)  false starts per series-day (after day 1)');
for (const r of nullCheck([0.01, 0.03, 0.056, 0.1, 0.3, 1, 3, 30])) {
  console.log(`${String(r.rate).padStart(11)}  ${fmt(r.expectedRatio, 2).padStart(29)}  ${fmt(r.startsPerDay, 3).padStart(42)}`);
}
console.log('\nrecall: injected anomalies alarmed between their onset and 60 min after their end; delay in minutes from the onset to');
console.log('the end of the bucket that confirmed the alarm; FA/day: alarms matching no injected anomaly, per series-day after the first week');
console.log('(outlier pages included); week-1 FA/day: the same in the first week, while the seasonal profile is learnt;');
console.log('precision: alarms that matched an injected anomaly, over all alarms (both weeks).');
