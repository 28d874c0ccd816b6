/**
 * What `npm start` does, through the real CLI: the built-in crisis played live on an accelerated
 * clock (here 720× so the six hours take about half a minute), alerts printed by the stdout sink
 * and stored where the story put them. Live timers tick every 250 ms of wall time, i.e. every
 * 3 minutes of story time at this speed: that is the tolerance.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateScenario } from '../../src/sources/scenario/generate.js';
import { Database } from '../../src/store/database.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const SPEED = 720;
const MIN = 60_000;
const TICK = 250 * SPEED;
const dir = tempDir('crisiscx-alert-demo-');

describe('npm start (crisiscx demo), live', () => {
  it('prints and stores the alerts where the story put them', async () => {
    const dbPath = join(dir, 'demo.duckdb');
    const r = await cli(['demo', '--speed', String(SPEED), '--no-serve', '--db', dbPath]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('crisiscx alert '));
    expect(lines.some((l) => /^crisiscx alert FIRING .*\[critical\] brand_silence aurora-air: aurora-air has posted no public update for 30 min/.test(l))).toBe(true);
    expect(lines.some((l) => /^crisiscx alert FIRING ×\d+ \[(critical|warning)\] spike aurora-air: Upset volume spiking/.test(l))).toBe(true);
    expect(lines.filter((l) => / (spike|brand_silence) northwind-telecom/.test(l))).toEqual([]);
    // Grouped and held back: far fewer lines than alerts.
    const db = await Database.open(dbPath);
    try {
      // The run's minute 0 is "now" rounded down to the minute, and every event id carries it
      // (s42-20261123T2348-...); the story is the same at any start.
      const [{ id }] = (await db.query<{ id: string }>(`SELECT min(id) AS id FROM events`)) as [{ id: string }];
      const m = /^s42-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})-/.exec(id)!;
      const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
      const script = generateScenario({ seed: 42, start }).script;
      const eps = await db.query<Record<string, unknown>>(
        `SELECT rule, brand, epoch_ms(fired_at) AS fired, epoch_ms(ended_at) AS ended FROM alert_episodes WHERE rule IN ('brand_silence', 'spike') ORDER BY fired_at`,
      );
      const brand = eps.find((e) => e.rule === 'brand_silence' && Number(e.fired) > script.brandSilence.from && Number(e.fired) < script.brandSilence.to)!;
      expect(brand).toBeDefined();
      expect(Number(brand.fired)).toBeGreaterThanOrEqual(script.brandSilence.from + 30 * MIN);
      expect(Number(brand.fired)).toBeLessThanOrEqual(script.brandSilence.from + 30 * MIN + TICK);
      expect(Number(brand.ended)).toBeGreaterThanOrEqual(script.brandSilence.to);
      expect(Number(brand.ended)).toBeLessThanOrEqual(script.brandSilence.to + TICK);
      const spikes = eps.filter((e) => e.rule === 'spike');
      expect(spikes.every((s) => s.brand === script.brand)).toBe(true);
      expect(Math.min(...spikes.map((s) => Number(s.fired)))).toBeGreaterThanOrEqual(script.surge.from);
      expect(Math.min(...spikes.map((s) => Number(s.fired)))).toBeLessThanOrEqual(script.surge.peak);
      const [c] = await db.query<{ alerts: bigint; pages: bigint }>(
        `SELECT (SELECT count(*) FROM alert_episodes WHERE fired_at IS NOT NULL) AS alerts, (SELECT count(*) FROM alert_notifications WHERE delivered = 1) AS pages`,
      );
      expect(Number(c!.pages)).toBe(lines.length);
      expect(Number(c!.pages) * 5).toBeLessThan(Number(c!.alerts));
    } finally {
      await db.close();
    }
  }, 120_000);
});
