import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSeries } from '../../eval/spikes/generate.js';
import { SpikesConfig } from '../../src/detect/spikes/config.js';
import { modelOptions, newSeriesState, step } from '../../src/detect/spikes/model.js';
import { parseTimestamp, SeriesCsvScorer } from '../../src/detect/spikes/series-csv.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('crisiscx score-series', () => {
  const dir = tempDir();
  const series = generateSeries({ seed: 4, family: 'volume', days: 21 });
  const input = join(dir, 'series.csv');
  writeFileSync(input, ['timestamp,value', ...series.points.map((p) => `${new Date(p.t).toISOString()},${p.x}`)].join('\n') + '\n');

  it('writes one scored row per input row, with the same model the pipeline runs', async () => {
    const out = join(dir, 'scored.csv');
    const r = await cli(['score-series', input, '--out', out]);
    expect(r.stderr).toContain(`scored ${series.points.length} rows (300 s interval)`);
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,value,anomaly_score,is_spike');
    expect(lines).toHaveLength(series.points.length + 1);
    const rows = lines.slice(1).map((l) => l.split(','));
    // Same numbers as the model called directly.
    const opts = modelOptions(SpikesConfig.parse({}), series.intervalMs);
    const st = newSeriesState(opts);
    series.points.forEach((p, i) => {
      const v = step(opts, st, p.t, p.x);
      const [ts, value, score, spike] = rows[i]!;
      expect(ts).toBe(new Date(p.t).toISOString());
      expect(Number(value)).toBe(p.x);
      expect(Number(score)).toBeCloseTo(v.score, 4);
      expect(spike).toBe(v.inSpike ? '1' : '0');
    });
    // Flags the labelled steps, and not the single-bucket outliers.
    const flagged = (from: number, to: number) => rows.some((row, i) => row[3] === '1' && series.points[i]!.t >= from && series.points[i]!.t < to);
    const steps = series.labels.filter((l) => l.kind === 'step');
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.filter((l) => flagged(l.start, l.end)).length / steps.length).toBeGreaterThanOrEqual(0.6);
    for (const o of series.labels.filter((l) => l.kind === 'outlier')) expect(flagged(o.start, o.start + 3 * series.intervalMs)).toBe(false);
  });

  it('reads stdin and writes stdout', async () => {
    const text = ['timestamp,value', '2026-01-05T00:00:00Z,3', '2026-01-05T00:05:00Z,4', '2026-01-05T00:10:00Z,2'].join('\n');
    const r = await cli(['score-series', '-'], { input: text });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(['timestamp,value,anomaly_score,is_spike', '2026-01-05T00:00:00Z,3,0.0000,0', '2026-01-05T00:05:00Z,4,0.0000,0', '2026-01-05T00:10:00Z,2,0.0000,0', ''].join('\n'));
  });

  it('says which line is wrong and how: header, value, order', async () => {
    const bad = async (text: string) => {
      const r = await cli(['score-series', '-'], { input: text });
      expect(r.code).toBe(1);
      return r.stderr;
    };
    // Run side by side: each is a CLI process.
    const [header, value, time, order, interval, negative, empty] = await Promise.all([
      bad('ts,count\n2026-01-05T00:00:00Z,3\n'),
      bad('timestamp,value\n2026-01-05T00:00:00Z,3\n2026-01-05T00:05:00Z,3\n2026-01-05T00:10:00Z,abc\n'),
      bad('timestamp,value\n2026-01-05T00:00:00Z,3\nyesterday,3\n'),
      bad('timestamp,value\n2026-01-05T00:05:00Z,3\n2026-01-05T00:10:00Z,3\n2026-01-05T00:10:00Z,3\n'),
      bad('timestamp,value\n2026-01-05T00:00:00Z,3\n2026-01-05T00:05:00Z,3\n2026-01-05T00:07:00Z,3\n'),
      bad('timestamp,value\n2026-01-05T00:00:00Z,-2\n'),
      bad(''),
    ]);
    expect(header).toContain('line 1: expected the header "timestamp,value", got "ts,count"');
    expect(value).toContain('line 4: value "abc" is not a number');
    expect(time).toContain('line 3: timestamp "yesterday" is not a time');
    expect(order).toContain('line 4: timestamp "2026-01-05T00:10:00Z" is not after the previous row');
    expect(interval).toContain('not a multiple of the interval (300 s)');
    expect(negative).toContain('line 2: value -2 is negative');
    expect(empty).toContain('the input is empty');
  });

  it('reads ISO times with or without offset and epoch seconds or milliseconds alike', () => {
    const t = Date.UTC(2026, 0, 5, 10);
    expect(parseTimestamp('2026-01-05T10:00:00Z')).toBe(t);
    expect(parseTimestamp('2026-01-05 10:00:00')).toBe(t);
    expect(parseTimestamp('2026-01-05T15:30:00+05:30')).toBe(t);
    expect(parseTimestamp(String(t / 1000))).toBe(t);
    expect(parseTimestamp(String(t))).toBe(t);
    expect(parseTimestamp('5 Jan')).toBeUndefined();
  });

  it('allows missing rows but not an irregular interval (API)', () => {
    const s = new SeriesCsvScorer({ config: SpikesConfig.parse({}) });
    s.row('timestamp,value', 1);
    s.row('2026-01-05T00:00:00Z,1', 2);
    s.row('2026-01-05T00:05:00Z,1', 3);
    expect(s.row('2026-01-05T00:20:00Z,1', 4)).toHaveLength(1);
    expect(() => s.row('2026-01-05T00:21:00Z,1', 5)).toThrow(/line 5/);
  });
});
