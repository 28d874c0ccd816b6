/**
 * The built-in crisis through every stage (score, detectors, alerts) into a real DuckDB file:
 * alerts come out where the story put them, held back where a brand-level alert covers them, and
 * never as a storm.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, type Built } from '../../src/pipeline/build.js';
import { ScenarioSource } from '../../src/sources/scenario/source.js';
import type { ScenarioScript } from '../../src/sources/scenario/generate.js';
import { tempDir } from '../helpers/tmp.js';

const MIN = 60_000;
const dir = tempDir('crisiscx-alert-scenario-');
let built: Built;
let script: ScenarioScript;

type Row = Record<string, unknown>;
const ms = (v: unknown) => Number(v);

beforeAll(async () => {
  const config = parsePipelineConfig({ database: join(dir, 'scenario.duckdb'), serve: { enabled: false }, alerts: { sinks: [] } });
  built = await buildPipeline(config);
  const source = new ScenarioSource({ seed: 42 });
  script = source.scenario.script;
  await built.pipeline.runSource(source);
  await built.pipeline.flush();
}, 120_000);

afterAll(async () => {
  await built?.close();
});

async function episodes(where: string): Promise<Row[]> {
  return built.db.query(
    `SELECT alert_key, rule, brand, state, epoch_ms(fired_at) AS fired, epoch_ms(ended_at) AS ended, inhibited_at_firing, inhibited_by, first_notified_at IS NOT NULL AS paged, labels
     FROM alert_episodes WHERE ${where} ORDER BY fired_at, alert_key`,
  );
}

describe('alerts on the built-in crisis', () => {
  it('spike alerts fire for the crisis brand during the surge, and never for the control brand', async () => {
    const spikes = await episodes(`rule = 'spike'`);
    expect(spikes.length).toBeGreaterThan(0);
    expect(spikes.filter((s) => s.brand === script.controlBrand)).toEqual([]);
    const first = Math.min(...spikes.map((s) => ms(s.fired)));
    expect(first).toBeGreaterThanOrEqual(script.surge.from);
    expect(first).toBeLessThanOrEqual(script.surge.peak);
    // Every spike alert is over once the surge has subsided (keep_firing_for included).
    for (const s of spikes) {
      expect(s.state).toBe('resolved');
      expect(ms(s.ended)).toBeLessThanOrEqual(script.end);
    }
  });

  it('the brand silence alert fires 30 min into the public silence and resolves at the next broadcast', async () => {
    const bs = await episodes(`rule = 'brand_silence' AND brand = '${script.brand}'`);
    const during = bs.find((b) => ms(b.fired) > script.brandSilence.from && ms(b.fired) < script.brandSilence.to)!;
    expect(during).toBeDefined();
    expect(ms(during.fired)).toBe(script.brandSilence.from + 30 * MIN);
    expect(ms(during.ended)).toBe(script.brandSilence.to);
    expect(during.paged).toBe(true);
    expect(await episodes(`rule = 'brand_silence' AND brand = '${script.controlBrand}'`)).toEqual([]);
  });

  it("the scripted unanswered chat fires 5 min after it was opened, resolves on the reply, and is held back during the crisis", async () => {
    const [chat] = await episodes(`rule = 'customer_silence' AND json_extract_string(labels, '$.conversation_id') = '${script.silentChat.conversationId}'`);
    expect(chat).toBeDefined();
    expect(ms(chat!.fired)).toBe(script.silentChat.openedAt + 5 * MIN);
    expect(ms(chat!.ended)).toBe(script.silentChat.repliedAt);
    expect(chat!.inhibited_at_firing).toBe(true);
    expect(chat!.paged).toBe(false);
  });

  it('per-conversation alerts firing while a spike fires are stored but held back', async () => {
    const held = await episodes(`rule IN ('promise', 'customer_silence') AND inhibited_at_firing`);
    expect(held.length).toBeGreaterThan(0);
    for (const h of held) {
      expect(String(h.inhibited_by)).toMatch(/^(spike|brand_silence)\|aurora-air/);
      expect(h.brand).toBe(script.brand);
    }
  });

  it('no storm: each group is notified at most once per group_interval, and far fewer pages than alerts', async () => {
    // After a firing notification the group waits group_interval before the next one. (A group
    // whose alerts all resolved is gone; a new alert starts a new group, as in Alertmanager.)
    const gaps = await built.db.query<Row>(
      `SELECT rule, gap_secs FROM (
         SELECT rule, epoch(ts - lag(ts) OVER w) AS gap_secs, lag(notify_state) OVER w AS previous
         FROM alerts WHERE state = 'notified' WINDOW w AS (PARTITION BY group_key ORDER BY ts))
       WHERE previous = 'firing'`,
    );
    expect(gaps.length).toBeGreaterThan(10);
    const interval: Record<string, number> = { spike: 300, promise: 1800, customer_silence: 300, brand_silence: 300 };
    for (const g of gaps) expect(Number(g.gap_secs)).toBeGreaterThanOrEqual(interval[String(g.rule)]!);
    const [c] = await built.db.query<{ pages: bigint; alerts: bigint }>(
      `SELECT (SELECT count(*) FROM alerts WHERE state = 'notified') AS pages, (SELECT count(*) FROM alert_episodes WHERE fired_at IS NOT NULL) AS alerts`,
    );
    expect(Number(c!.pages)).toBeLessThan(Number(c!.alerts));
  });

  it('a replay stores the pages it would have sent, and sends none', async () => {
    const sinks = await built.db.query<{ sinks: string }>(`SELECT DISTINCT sinks FROM alerts WHERE state = 'notified'`);
    expect(sinks).toEqual([{ sinks: '' }]);
    const [d] = await built.db.query<{ n: bigint }>(`SELECT count(*) AS n FROM alerts WHERE state IN ('delivered', 'failed', 'dropped')`);
    expect(d!.n).toBe(0n);
  });
});
