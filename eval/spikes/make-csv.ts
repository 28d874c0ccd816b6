/**
 * @module eval/spikes/make-csv
 * `npx tsx eval/spikes/make-csv.ts --out series.csv [--family volume|sparse] [--seed N] [--days D]`:
 * writes one labelled series as `timestamp,value` CSV (the input of `crisiscx score-series`) and its
 * labels next to it (`series.labels.json`).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateSeries, type Family } from './generate.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    family: { type: 'string', default: 'volume' },
    seed: { type: 'string', default: '1' },
    days: { type: 'string', default: '28' },
  },
});
if (!values.out) throw new Error('--out FILE is required');
if (values.family !== 'volume' && values.family !== 'sparse') throw new Error(`--family: expected volume or sparse, got ${values.family}`);
const s = generateSeries({ seed: Number(values.seed), family: values.family as Family, days: Number(values.days) });
writeFileSync(values.out, ['timestamp,value', ...s.points.map((p) => `${new Date(p.t).toISOString()},${p.x}`)].join('\n') + '\n');
const labels = s.labels.map((l) => ({ kind: l.kind, start: new Date(l.start).toISOString(), end: new Date(l.end).toISOString(), factor: Number(l.factor.toFixed(2)) }));
writeFileSync(values.out.replace(/\.csv$/, '') + '.labels.json', JSON.stringify({ name: s.name, interval_secs: s.intervalMs / 1000, labels }, null, 2) + '\n');
process.stderr.write(`wrote ${s.points.length} rows to ${values.out} (${s.labels.length} labelled anomalies)\n`);
