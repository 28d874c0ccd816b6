/**
 * A live pipeline whose clock is far ahead of its last data (a restart after downtime, a Kafka
 * backlog of old events): catching up must cost what changed, not one flush per group_interval of
 * the gap, and page once per group, not once per missed repeat interval.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertsConfig } from '../../src/alert/config.js';
import { AlertEngine, type AlertRecord, type RuleSettings } from '../../src/alert/engine.js';
import type { AlertNotification } from '../../src/alert/sink.js';
import { AlertStage } from '../../src/alert/stage.js';
import { ManualClock } from '../../src/contract/clock.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Detection, StageContext } from '../../src/pipeline/stage.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { customerSilence } from '../helpers/detections.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = Date.parse('2026-03-14T10:00:00Z');
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const dir = tempDir('crisiscx-alert-catchup-');
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const silence = customerSilence;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

describe('a live pipeline catching up over a 30-day gap', () => {
  it('stores one re-notification per firing group at the end of the gap, not one per missed repeat interval', async () => {
    const db = await Database.open(join(dir, 'gap.duckdb'));
    const clock = new ManualClock(T0);
    const config = AlertsConfig.parse({ sinks: [] });
    const stage = await AlertStage.create({ config, db, clock, live: true });
    const detections: Detection[] = [];
    const brands = 20;
    for (let b = 0; b < brands; b++) for (let c = 0; c < 25; c++) detections.push(silence(`brand${b}`, `c${c}`, T0 + c * S));
    const detector = {
      name: 'scripted',
      onTick(_now: number, ctx: StageContext) {
        ctx.detections.push(...detections.splice(0));
      },
    };
    const pipeline = new Pipeline({ writer: await EventWriter.create(db), stages: [detector, stage], live: true, clock });
    cleanup.push(async () => (await pipeline.close(), await db.close()));
    const notified = async () => Number((await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM alerts WHERE state = 'notified'`))[0]!.n);

    for (let t = T0; t <= T0 + 2 * MIN; t += 250) {
      clock.set(t);
      await pipeline.tick(t);
    }
    // group_wait passed: one notification per brand.
    expect(await notified()).toBe(brands);

    const renotify = config.rules.customer_silence.renotify_secs * S;
    const gapEnd = T0 + 30 * DAY;
    const cpu0 = cpuMs();
    clock.set(gapEnd);
    await pipeline.tick(gapEnd);
    const cpu = cpuMs() - cpu0;
    const after = await notified();
    console.log(`30-day gap, ${brands} groups of 25 firing silences: ${after - brands} notified rows, ${cpu.toFixed(0)} ms CPU for the catch-up tick (stepping would make ${Math.floor((30 * DAY) / renotify) * brands})`);
    expect(after - brands).toBe(brands);
    const rows = await db.query<{ t: number; n: bigint }>(`SELECT CAST(epoch_ms(ts) AS DOUBLE) AS t, count(*) AS n FROM alerts WHERE state = 'notified' AND ts > $1::TIMESTAMPTZ GROUP BY ALL`, [new Date(T0 + 2 * MIN).toISOString()]);
    // Made within one group_interval before the clock, on each group's grid.
    expect(rows).toHaveLength(1);
    expect(rows[0]!.t).toBeGreaterThan(gapEnd - config.rules.customer_silence.group_interval_secs * S);
    expect(rows[0]!.t).toBeLessThanOrEqual(gapEnd);

    // Then the clock runs on: the next re-notification comes one repeat interval later, not earlier.
    const sent: number[] = [];
    for (let t = gapEnd; t <= gapEnd + renotify + 10 * MIN; t += MIN) {
      clock.set(t);
      await pipeline.tick(t);
      sent.push(await notified());
    }
    const more = (await db.query<{ t: number }>(`SELECT CAST(epoch_ms(min(ts)) AS DOUBLE) AS t FROM alerts WHERE state = 'notified' AND ts > $1::TIMESTAMPTZ`, [new Date(rows[0]!.t).toISOString()]))[0]!.t;
    expect(more - rows[0]!.t).toBe(renotify);
    expect(sent.at(-1)).toBe(3 * brands);
  });
});

function rule(o: Partial<RuleSettings> = {}): RuleSettings {
  return { name: 'customer_silence', forMs: 0, keepFiringForMs: 0, renotifyMs: 60 * MIN, groupBy: [], groupWaitMs: 30 * S, groupIntervalMs: 5 * MIN, notify: true, notifyResolved: true, ...o };
}

function signal(conv: string, at: number, active = true): Parameters<AlertEngine['apply']>[0][number] {
  return { rule: 'customer_silence', key: `acme|${conv}`, brand: 'acme', active, at, severity: 'warning', summary: `customer waiting on ${conv}`, labels: { channel: 'chat' }, values: { wait_secs: 300 } };
}

function engine(catchUp: 'step' | 'coalesce', r: RuleSettings) {
  const sent: AlertNotification[] = [];
  const records: AlertRecord[] = [];
  const e = new AlertEngine({ rules: [r], catchUp, hooks: { record: (x) => records.push(x), notify: (n) => sent.push(n) } });
  return { e, sent, records };
}

describe('the alert engine catching up', () => {
  it('coalesce: an alert that resolves inside the gap is told in the one notification at its end; the other kept firing', () => {
    // keep_firing_for ends c2 three days into the gap: news the pause must not swallow.
    const { e, sent } = engine('coalesce', rule({ keepFiringForMs: 3 * DAY }));
    e.apply([signal('c1', T0), signal('c2', T0)], T0 + MIN);
    expect(sent.map((n) => [n.state, n.count, n.at! - T0])).toEqual([['firing', 2, 30 * S]]);
    e.apply([signal('c2', T0 + 2 * MIN, false)], T0 + 2 * MIN);
    e.advance(T0 + 30 * DAY);
    expect(sent).toHaveLength(2);
    const last = sent[1]!;
    expect(last.state).toBe('firing');
    expect(last.count).toBe(1);
    expect(last.values.resolved).toBe(1);
    expect(last.alerts!.map((a) => [a.key, a.state])).toEqual([
      ['customer_silence|acme|c1', 'firing'],
      ['customer_silence|acme|c2', 'resolved'],
    ]);
    expect(T0 + 30 * DAY - last.at!).toBeLessThan(5 * MIN);
    expect((last.at! - (T0 + 30 * S)) % (5 * MIN)).toBe(0); // still on the group's grid
  });

  it('coalesce: a flush with news runs at its own time even when the engine jumps past it', () => {
    const { e, sent } = engine('coalesce', rule());
    e.apply([signal('c1', T0)], T0 + 10 * DAY);
    expect(sent.map((n) => n.at! - T0)).toEqual([30 * S, 10 * DAY - 5 * MIN + 30 * S]);
  });

  it('step (replays) keeps every re-notification of the gap at its time, and costs what coalesce costs up to the first jump', () => {
    const stepped = engine('step', rule());
    const coalesced = engine('coalesce', rule());
    for (const x of [stepped, coalesced]) {
      x.e.apply([signal('c1', T0), signal('c2', T0 + MIN)], T0 + 2 * MIN);
      // Ticks every 250 ms for three hours: no jump, so both modes page at the same times.
      for (let t = T0 + 2 * MIN; t <= T0 + 3 * HOUR; t += 250) x.e.advance(t);
    }
    expect(coalesced.sent.map((n) => n.at!)).toEqual(stepped.sent.map((n) => n.at!));
    expect(stepped.sent).toHaveLength(4); // the first, then every hour
    stepped.e.advance(T0 + 3 * HOUR + 2 * DAY);
    coalesced.e.advance(T0 + 3 * HOUR + 2 * DAY);
    expect(stepped.sent).toHaveLength(4 + 48);
    expect(coalesced.sent).toHaveLength(4 + 1);
  });
});
