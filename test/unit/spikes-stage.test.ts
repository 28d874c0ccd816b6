import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rng } from '../../eval/spikes/generate.js';
import type { RawRecord } from '../../src/contract/records.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { SpikesConfig } from '../../src/detect/spikes/config.js';
import { SpikeDetector, type SpikeUpdate } from '../../src/detect/spikes/detector.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Detection } from '../../src/pipeline/stage.js';
import { generateScenario, scenarioLines } from '../../src/sources/scenario/generate.js';
import type { Source, SourceBatch } from '../../src/sources/source.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { tempDir } from '../helpers/tmp.js';
import { detectionLog, replayScenario, stagesWithTruth } from './spikes-scenario.js';

const MIN = 60_000;

/** The scenario's lines in a given order, in batches. */
function linesSource(lines: string[], batchSize = 2000): Source {
  return {
    name: 'lines',
    progress: () => ({ done: 0, total: lines.length, unit: 'records', records: 0 }),
    async *batches(): AsyncGenerator<SourceBatch> {
      for (let i = 0; i < lines.length; i += batchSize) {
        const records: RawRecord[] = lines.slice(i, i + batchSize).map((l, j) => ({ bytes: Buffer.from(l), origin: { kind: 'file', name: 'shuffled', line: i + j + 1 } }));
        yield { records };
      }
    },
  };
}

async function runLines(path: string, lines: string[][]): Promise<{ db: Database; detections: Detection[] }> {
  const config = parsePipelineConfig({ database: path, serve: { enabled: false } });
  const detections: Detection[] = [];
  let db = await Database.open(path);
  for (const part of lines) {
    // Each part is its own run on the same file, as a restart would be.
    const writer = await EventWriter.create(db);
    const stages = [...(await stagesWithTruth({ config, db, clock: { now: () => 0 }, live: false })), detectionLog(detections)];
    const p = new Pipeline({ writer, stages });
    await p.runSource(linesSource(part));
    await p.flush();
    await p.close();
    if (part !== lines[lines.length - 1]) {
      await db.close();
      db = await Database.open(path);
    }
  }
  return { db, detections };
}

const SPIKE_COLUMNS = `spike_id, brand, channel, started_at, peak_at, ended_at, open, peak_upset, round(baseline, 9) AS baseline, round(magnitude, 9) AS magnitude,
  round(peak_z, 9) AS peak_z, bucket_secs, detected_at, end_detected_at, detection_delay_seconds, duration_seconds, config_hash`;

describe('spike stage on the built-in scenario', () => {
  const dir = tempDir();

  it('finds the surge where the story put it, and nothing for the control brand', async () => {
    const r = await replayScenario(join(dir, 'scenario.duckdb'));
    const s = r.source.scenario.script;
    const spikes = await r.db.query<{ brand: string; channel: string; started_at: Date; peak_at: Date; ended_at: Date | null; detected_at: Date; magnitude: number; open: boolean }>(
      'SELECT * FROM spikes ORDER BY brand, channel',
    );
    expect(spikes.filter((x) => x.brand === s.controlBrand)).toEqual([]);
    const overall = spikes.find((x) => x.brand === s.brand && x.channel === '*')!;
    expect(overall).toBeDefined();
    // Starts with the surge (the first 20 minutes of a ramp), confirmed within minutes of its start.
    expect(overall.started_at.getTime()).toBeGreaterThanOrEqual(s.surge.from);
    expect(overall.started_at.getTime()).toBeLessThanOrEqual(s.surge.from + 20 * MIN);
    expect(overall.detected_at.getTime() - overall.started_at.getTime()).toBeLessThanOrEqual(10 * MIN);
    // Runs through the peak and ends once it is over (the backlog keeps customers chasing a while).
    expect(overall.peak_at.getTime()).toBeGreaterThan(s.surge.from + 30 * MIN);
    expect(overall.peak_at.getTime()).toBeLessThan(s.surge.to);
    expect(overall.open).toBe(false);
    expect(overall.ended_at!.getTime()).toBeGreaterThan(s.surge.to);
    expect(overall.ended_at!.getTime()).toBeLessThan(s.end);
    expect(overall.magnitude).toBeGreaterThan(3);
    // The busiest channels spike too, each overlapping the surge.
    const channels = spikes.filter((x) => x.brand === s.brand && x.channel !== '*').map((x) => x.channel);
    expect(channels).toEqual(expect.arrayContaining(['chat', 'social']));
    for (const x of spikes.filter((y) => y.brand === s.brand)) {
      expect(x.started_at.getTime()).toBeLessThan(s.surge.peak);
      expect(x.ended_at!.getTime()).toBeGreaterThan(s.surge.peak);
    }
    // Detections: firing at confirmation, resolved at the end, keyed brand|channel.
    const d = r.detections.filter((x) => x.kind === 'spike' && x.key === `${s.brand}|*`);
    expect(d.map((x) => x.state)).toEqual(['firing', 'resolved']);
    expect(d[0]!.at).toBe(overall.detected_at.getTime());
    expect(d[1]!.at).toBe(overall.ended_at!.getTime());
    expect(d[0]!.labels).toMatchObject({ channel: '*', spike_id: expect.stringContaining(`${s.brand}|*|`) });
    expect(d[0]!.values).toMatchObject({ started_at_ms: overall.started_at.getTime() });
    await r.pipeline.close();
    await r.db.close();
  });

  it('stores the same spikes whatever order the events arrive in, and across a restart', async () => {
    const lines = scenarioLines(generateScenario({ seed: 42 })).map((l) => l.line);
    const inOrder = await runLines(join(dir, 'ordered.duckdb'), [lines]);
    const expected = (await inOrder.db.queryJson(`SELECT ${SPIKE_COLUMNS} FROM spikes ORDER BY spike_id`)).rows;
    expect(expected.length).toBeGreaterThanOrEqual(3);
    await inOrder.db.close();

    const shuffled = [...lines];
    const rand = rng(9);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const mixed = await runLines(join(dir, 'shuffled.duckdb'), [shuffled]);
    expect((await mixed.db.queryJson(`SELECT ${SPIKE_COLUMNS} FROM spikes ORDER BY spike_id`)).rows).toEqual(expected);
    // Late data was handled by re-judging, visibly (spikes restated or withdrawn on the way).
    const changes = (await mixed.db.query<{ change: string }>('SELECT DISTINCT change FROM spike_updates')).map((c) => c.change);
    expect(changes).toContain('start');
    expect(changes.some((c) => c === 'restate' || c === 'retract')).toBe(true);
    await mixed.db.close();

    // Two runs on one file (a restart in the middle of the crisis) end with the same spikes.
    const cut = Math.floor(lines.length * 0.45);
    const restarted = await runLines(join(dir, 'restarted.duckdb'), [lines.slice(0, cut), lines.slice(cut)]);
    expect((await restarted.db.queryJson(`SELECT ${SPIKE_COLUMNS} FROM spikes ORDER BY spike_id`)).rows).toEqual(expected);
    // The spike open at the restart was continued, not found twice: one spike per key. (The
    // restart reports the open one once more, as it was, so that the alert engine takes its alert
    // back, see alert-rerun.test.ts: its alert fired once.)
    const firing = restarted.detections.filter((x) => x.kind === 'spike' && x.state === 'firing');
    expect(new Set(firing.map((x) => x.key)).size).toBe(new Set(firing.map((x) => `${x.key}|${x.labels.spike_id}|${x.at}`)).size);
    expect(firing.length).toBeGreaterThan(new Set(firing.map((x) => x.key)).size);
    const firedTwice = await restarted.db.query(`SELECT alert_id FROM alerts WHERE rule = 'spike' AND state = 'firing' GROUP BY alert_id HAVING count(*) > 1`);
    expect(firedTwice).toEqual([]);
    const alerts = await restarted.db.query<{ n: bigint }>(`SELECT count(DISTINCT alert_id) AS n FROM alerts WHERE rule = 'spike' AND state = 'firing'`);
    expect(Number(alerts[0]!.n)).toBe(new Set(firing.map((x) => x.key)).size);
    await restarted.db.close();
  });
});

describe('spike detector', () => {
  const T0 = Date.UTC(2026, 2, 14, 6);
  const cfg = SpikesConfig.parse({});
  const counts = (i: number) => (i >= 100 && i < 140 ? 12 : i % 7 === 0 ? 1 : 0);

  it('takes counts combined elsewhere (observeBucket) and gives what it gives for the messages themselves', () => {
    const whole = new SpikeDetector(cfg);
    const parts = new SpikeDetector(cfg);
    for (let i = 0; i < 240; i++) {
      const t = T0 + i * MIN;
      for (let k = 0; k < counts(i); k++) whole.observe('acme', 'chat', t + k * 1000, true);
      whole.observe('acme', 'chat', t, false);
      // Two instances each saw part of the bucket.
      const a = Math.floor(counts(i) / 2);
      parts.observeBucket({ brand: 'acme', channel: 'chat', bucketStart: t, inbound: a + 1, upset: a });
      parts.observeBucket({ brand: 'acme', channel: 'chat', bucketStart: t, inbound: counts(i) - a, upset: counts(i) - a });
    }
    whole.flush();
    parts.flush();
    const strip = (u: SpikeUpdate[]) => u.map(({ updatedAt: _u, ...rest }) => rest);
    const w = whole.drain();
    expect(w.updates.some((u) => u.update === 'start' && u.channel === 'chat')).toBe(true);
    expect(strip(parts.drain().updates)).toEqual(strip(w.updates));
  });

  it('judges a bucket only once it is closed (watermark past its end plus the allowed lateness)', () => {
    const feed = () => {
      const d = new SpikeDetector(SpikesConfig.parse({ allowed_lateness_secs: 120, overall: false }));
      for (let i = 0; i < 105; i++) for (let k = 0; k < counts(i); k++) d.observe('acme', 'chat', T0 + i * MIN, true);
      return d;
    };
    // Bucket 101 ends at 102 min; with 2 min of lateness it closes at 104 min: two hot buckets confirm.
    const closed = feed();
    closed.advance(T0 + 104 * MIN);
    const starts = closed.drain().updates.filter((u) => u.update === 'start');
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ channel: 'chat', startedAt: T0 + 100 * MIN, detectedAt: T0 + 102 * MIN });
    // A second earlier only bucket 100 is closed: one hot bucket pages nobody.
    const open = feed();
    open.advance(T0 + 104 * MIN - 1000);
    expect(open.drain().updates).toEqual([]);
  });

  it('withdraws a spike that late data shows was none (retract), and reports it', () => {
    const d = new SpikeDetector(cfg);
    for (let i = 0; i < 100; i++) for (let k = 0; k < (i % 5 === 0 ? 6 : 5); k++) d.observe('acme', 'chat', T0 + i * MIN, true);
    // Buckets 100, 101 arrive early with many upset messages: a spike starts...
    for (const i of [100, 101]) for (let k = 0; k < 30; k++) d.observe('acme', 'chat', T0 + i * MIN, true);
    d.advance(T0 + 104 * MIN);
    expect(d.drain().updates.map((u) => u.update)).toContain('start');
    // ...then late data fills the quiet buckets before them: the baseline was high all along.
    for (let i = 0; i < 100; i++) for (let k = 0; k < 25; k++) d.observe('acme', 'chat', T0 + i * MIN, true);
    d.advance(T0 + 105 * MIN);
    const { updates, detections } = d.drain();
    expect(updates.map((u) => u.update)).toContain('retract');
    expect(detections.filter((x) => x.state === 'resolved').length).toBeGreaterThan(0);
  });
});
