import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertsConfig } from '../../src/alert/config.js';
import { AlertConfigError } from '../../src/alert/errors.js';
import type { AlertNotification, AlertSink } from '../../src/alert/sink.js';
import { AlertStage } from '../../src/alert/stage.js';
import { ManualClock } from '../../src/contract/clock.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Detection, Stage, StageContext } from '../../src/pipeline/stage.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import type { RawRecord } from '../../src/contract/records.js';
import { customerSilence } from '../helpers/detections.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = Date.parse('2026-03-14T10:00:00Z');
const S = 1000;
const MIN = 60 * S;
const dir = tempDir('crisiscx-alert-stage-');
let n = 0;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

/** Pushes scripted detections when the clock reaches them: stands in for the detectors. */
class ScriptedDetector implements Stage {
  readonly name = 'scripted';
  private queue: Detection[] = [];
  push(...d: Detection[]): void {
    this.queue.push(...d);
  }
  onTick(now: number, ctx: StageContext): void {
    const due = this.queue.filter((d) => d.at <= now);
    this.queue = this.queue.filter((d) => d.at > now);
    ctx.detections.push(...due);
  }
}

class CaptureSink implements AlertSink {
  readonly name = 'capture';
  readonly sent: AlertNotification[] = [];
  /** Rows of the `alerts` table visible when each send began. */
  readonly storedAtSend: number[] = [];
  constructor(private readonly db?: Database) {}
  async send(ns: AlertNotification[]): Promise<void> {
    if (this.db) {
      const rows = await this.db.query<{ n: bigint }>(`SELECT count(*) AS n FROM alerts WHERE state = 'notified' AND alert_id = $1`, [ns[0]!.id!]);
      this.storedAtSend.push(Number(rows[0]!.n));
    }
    this.sent.push(...ns);
  }
}

/** A sink that hangs until released: a webhook that stopped answering. */
class StuckSink implements AlertSink {
  readonly name = 'stuck';
  calls = 0;
  private release: (() => void)[] = [];
  send(): Promise<void> {
    this.calls++;
    return new Promise((resolve) => this.release.push(resolve));
  }
  unstick(): void {
    for (const r of this.release.splice(0)) r();
  }
}

function silence(conv: string, at: number, state: Detection['state'] = 'firing', brand = 'acme'): Detection {
  return customerSilence(brand, conv, at, state);
}

function brandSilence(at: number, state: Detection['state'] = 'firing', brand = 'acme'): Detection {
  return { kind: 'brand_silence', key: brand, brand, state, at, severity: 'critical', summary: `${brand} has posted nothing in public for 30 min during a crisis`, labels: {}, values: { silent_secs: 1800 } };
}

function message(id: string, ts: number, direction: 'inbound' | 'outbound', brand = 'acme'): RawRecord {
  const e = { id, type: 'message', ts: new Date(ts).toISOString(), brand, conversationId: `conv-${id}`, channel: 'chat', direction, text: 'hello' };
  return { bytes: Buffer.from(JSON.stringify(e)), origin: { kind: 'file', name: 'test', line: 1 } };
}

async function setup(alerts: Record<string, unknown> = {}, options: { live?: boolean; sinks?: AlertSink[] | ((db: Database) => AlertSink[]); retry?: { queueSize?: number; maxAttempts?: number }; before?: (db: Database) => Promise<void> } = {}) {
  const db = await Database.open(join(dir, `db-${++n}.duckdb`));
  await options.before?.(db);
  const writer = await EventWriter.create(db);
  const clock = new ManualClock(T0);
  const live = options.live ?? true;
  const detector = new ScriptedDetector();
  const sinks = typeof options.sinks === 'function' ? options.sinks(db) : options.sinks;
  const stage = await AlertStage.create({ config: AlertsConfig.parse({ sinks: [], ...alerts }), db, clock, live, sinks, retry: options.retry });
  const pipeline = new Pipeline({ writer, stages: [detector, stage], live, clock: live ? clock : undefined });
  cleanup.push(async () => {
    await pipeline.close();
    await db.close();
  });
  /** Live: move the clock and run the timers, as the 250 ms interval does. */
  const tickAt = async (t: number) => {
    clock.set(t);
    await pipeline.tick(t);
  };
  const rows = (where = 'true') => db.query<Record<string, unknown>>(`SELECT state, alert_key, rule, brand, inhibited, inhibited_by, sinks, alert_count, summary, link, query, reason, CAST(epoch_ms(ts) - ${T0} AS DOUBLE) AS t FROM alerts WHERE ${where} ORDER BY ts, recorded_at, state`);
  return { db, clock, detector, stage, pipeline, tickAt, rows };
}

/** Waits until every sink queue of the stage is idle. */
const flushed = async (stage: AlertStage) => {
  for (const q of stage.queues) expect(await q.drain(5000)).toBe(true);
};

describe('alert stage in a live pipeline', () => {
  it('stores the transition, then (after the commit) notifies, then stores the delivery', async () => {
    const { detector, tickAt, rows, db, stage } = await setup({}, { sinks: (db) => [new CaptureSink(db)] });
    const sink = stage.queues[0]!.sink as CaptureSink;
    detector.push(silence('c1', T0 + 5 * MIN));
    await tickAt(T0 + 5 * MIN);
    await flushed(stage);
    expect(sink.sent).toHaveLength(1);
    expect(sink.storedAtSend).toEqual([1]); // the notified row was durable before the sink was called
    expect(sink.sent[0]).toMatchObject({ state: 'firing', rule: 'customer_silence', brand: 'acme', count: 1, summary: 'customer on c1 waiting' });
    await tickAt(T0 + 5 * MIN + 250);
    expect((await rows()).map((r) => [r.state, r.alert_key, r.t])).toEqual([
      ['firing', 'customer_silence|acme|c1', 5 * MIN],
      ['notified', 'customer_silence|brand=acme', 5 * MIN],
      ['delivered', 'customer_silence|brand=acme', 5 * MIN], // delivered before the clock moved on
    ]);
    const [note] = await db.query<Record<string, unknown>>('SELECT sinks, delivered, failed, state FROM alert_notifications');
    expect(note).toMatchObject({ sinks: 'capture', delivered: 1n, failed: 0n, state: 'firing' });
  });

  it('links each alert back to its conversation in the silence_gaps view', async () => {
    const { detector, tickAt, rows } = await setup();
    detector.push(silence("o'brien", T0));
    await tickAt(T0);
    const [firing] = await rows("state = 'firing'");
    const query = "SELECT * FROM silence_gaps WHERE brand = 'acme' AND conversation_id = 'o''brien' ORDER BY started_at DESC";
    expect(firing!.link).toBe(`crisiscx sql "${query}"`);
    expect(firing!.query).toBe(query);
  });

  it("with a server, links to the brand's live page", async () => {
    const db = await Database.open(join(dir, `db-${++n}.duckdb`));
    const clock = new ManualClock(T0);
    const stage = await AlertStage.create({ config: AlertsConfig.parse({ sinks: [] }), db, clock, live: true, serverUrl: 'http://127.0.0.1:8080' });
    const pipeline = new Pipeline({ writer: await EventWriter.create(db), stages: [{ name: 'd', onTick: (_n: number, ctx: StageContext) => void ctx.detections.push(silence('c1', T0)) }, stage], live: true, clock });
    cleanup.push(async () => (await pipeline.close(), await db.close()));
    await pipeline.tick(T0);
    const [r] = await db.query<{ link: string; query: string }>(`SELECT link, query FROM alerts WHERE state = 'notified'`);
    expect(r).toEqual({ link: 'http://127.0.0.1:8080/?brand=acme', query: "SELECT * FROM silence_gaps WHERE brand = 'acme' AND conversation_id = 'c1' ORDER BY started_at DESC" });
  });

  it('resolves on the resolved detection and tells the sink once', async () => {
    const { detector, tickAt, rows, stage } = await setup({}, { sinks: [new CaptureSink()] });
    const sink = stage.queues[0]!.sink as CaptureSink;
    detector.push(silence('c1', T0), silence('c1', T0 + 2 * MIN, 'resolved'));
    await tickAt(T0);
    await tickAt(T0 + 2 * MIN);
    await tickAt(T0 + 10 * MIN);
    await flushed(stage);
    expect(sink.sent.map((n) => n.state)).toEqual(['firing', 'resolved']);
    const episodes = await stage.engine.counts();
    expect(episodes).toMatchObject({ firing: 0, pending: 0 });
    expect((await rows("state IN ('firing','resolved')")).map((r) => [r.state, r.t])).toEqual([
      ['firing', 0],
      ['resolved', 2 * MIN],
    ]);
  });

  it('a sink that hangs never holds the pipeline, and a full queue drops the oldest with a recorded reason', async () => {
    const stuck = new StuckSink();
    const { detector, tickAt, rows, pipeline } = await setup({ drain_on_close_ms: 50 }, { sinks: [stuck], retry: { queueSize: 2 } });
    for (let i = 0; i < 5; i++) detector.push(silence('c', T0 + i * MIN, 'firing', `brand${i}`));
    for (let i = 0; i < 5; i++) await tickAt(T0 + i * MIN);
    // Five notifications made while the first send still hangs: the pipeline went on regardless.
    expect(stuck.calls).toBe(1);
    const r = await pipeline.process({ records: [message('m1', T0 + 5 * MIN, 'inbound')] });
    expect(r.stored).toBe(1);
    await tickAt(T0 + 6 * MIN);
    const dropped = await rows("state = 'dropped'");
    expect(dropped.map((d) => d.brand)).toEqual(['brand1', 'brand2']);
    expect(String(dropped[0]!.reason)).toContain('queue full (2 waiting): sink stuck is too slow or down');
    stuck.unstick();
  });

  it('a detection dated in the future (a bad event timestamp) counts as now and does not run the clock ahead', async () => {
    const sink = new CaptureSink();
    const { tickAt, rows, stage, pipeline } = await setup({}, { sinks: [sink] });
    const far = T0 + 365 * 24 * 60 * MIN;
    class Direct implements Stage {
      readonly name = 'direct';
      constructor(readonly d: Detection[]) {}
      onTick(_now: number, ctx: StageContext): void {
        ctx.detections.push(...this.d.splice(0));
      }
    }
    pipeline.stages.unshift(new Direct([silence('c1', far), silence('c2', T0 + MIN)]));
    await tickAt(T0 + MIN);
    await flushed(stage);
    // Both fired now, and both went in the first page: the group's clock was not moved a year ahead.
    expect((await rows("state = 'firing'")).map((r) => r.t)).toEqual([MIN, MIN]);
    expect(sink.sent.map((n) => n.count)).toEqual([2]);
  });

  it('in a replay, stores what would have been sent without sending it', async () => {
    const sink = new CaptureSink();
    const { detector, pipeline, rows, stage } = await setup({}, { live: false, sinks: [sink] });
    detector.push(silence('c1', T0 + MIN));
    await pipeline.process({ records: [message('m1', T0 + 2 * MIN, 'inbound')] });
    await pipeline.flush();
    await flushed(stage);
    expect(sink.sent).toHaveLength(0);
    expect((await rows("state = 'notified'")).map((r) => r.sinks)).toEqual(['']);
  });

  it('in a replay, a detection decided a batch late still takes its place in time', async () => {
    const sink = new CaptureSink();
    const { pipeline, rows, stage } = await setup({ notify_replays: true }, { live: false, sinks: [sink] });
    // Batch 1 (events to 10:08): a customer's silence breached at 10:05. Batch 2 (to 10:09): the
    // brand's silence, dated 10:04, is only decided now (like a spike confirmed after its lateness),
    // less than replay_hold_secs (5 min) behind the watermark.
    const late: Detection[][] = [[silence('c1', T0 + 5 * MIN)], [brandSilence(T0 + 4 * MIN)]];
    pipeline.stages.unshift({ name: 'late', onTick: (_now: number, ctx: StageContext) => void ctx.detections.push(...(late.shift() ?? [])) });
    await pipeline.process({ records: [message('m1', T0 + 8 * MIN, 'inbound')] });
    await pipeline.process({ records: [message('m2', T0 + 9 * MIN, 'inbound')] });
    await pipeline.flush();
    await flushed(stage);
    expect((await rows("state = 'firing'")).map((r) => [r.rule, r.t, r.inhibited, r.inhibited_by])).toEqual([
      ['brand_silence', 4 * MIN, false, null],
      ['customer_silence', 5 * MIN, true, 'brand_silence|acme'],
    ]);
    expect(sink.sent.map((n) => n.rule)).toEqual(['brand_silence']);
  });

  it('in a replay with notify_replays, sends', async () => {
    const sink = new CaptureSink();
    const { detector, pipeline, stage } = await setup({ notify_replays: true }, { live: false, sinks: [sink] });
    detector.push(silence('c1', T0 + MIN));
    await pipeline.process({ records: [message('m1', T0 + 2 * MIN, 'inbound')] });
    await pipeline.flush();
    await flushed(stage);
    expect(sink.sent).toHaveLength(1);
  });

  it('stores held-back silences while the brand is silent in public, and pages the brand alert only', async () => {
    const sink = new CaptureSink();
    const { detector, tickAt, db, stage } = await setup({}, { sinks: [sink] });
    detector.push(brandSilence(T0));
    for (let i = 0; i < 10; i++) detector.push(silence(`c${i}`, T0 + MIN + i * S));
    await tickAt(T0);
    await tickAt(T0 + 2 * MIN);
    await tickAt(T0 + 20 * MIN);
    await flushed(stage);
    expect(sink.sent.map((n) => n.rule)).toEqual(['brand_silence']);
    const eps = await db.query<Record<string, unknown>>(
      `SELECT rule, state, inhibited_at_firing, inhibited_by, first_notified_at IS NULL AS never_paged FROM alert_episodes ORDER BY rule, alert_id`,
    );
    expect(eps).toHaveLength(11);
    expect(eps[0]).toMatchObject({ rule: 'brand_silence', state: 'firing', inhibited_at_firing: false, never_paged: false });
    expect(eps.slice(1).every((e) => e.rule === 'customer_silence' && e.inhibited_at_firing === true && e.inhibited_by === 'brand_silence|acme' && e.never_paged === true)).toBe(true);
    const [firing] = await db.query<{ n: bigint }>('SELECT count(*) AS n FROM alerts_firing');
    expect(firing!.n).toBe(11n);
  });
});

describe('restart', () => {
  it('takes back firing alerts without paging again; those no detector confirms resolve quietly', async () => {
    const path = join(dir, 'restart.duckdb');
    const run = async (t: number, sink: CaptureSink) => {
      const db = await Database.open(path);
      const clock = new ManualClock(t);
      const detector = new ScriptedDetector();
      const stage = await AlertStage.create({ config: AlertsConfig.parse({ sinks: [] }), db, clock, live: true, sinks: [sink] });
      const pipeline = new Pipeline({ writer: await EventWriter.create(db), stages: [detector, stage], live: true, clock });
      const tickAt = async (at: number) => {
        clock.set(at);
        await pipeline.tick(at);
      };
      return { db, detector, stage, pipeline, tickAt, close: async () => (await pipeline.close(), await db.close()) };
    };
    const before = new CaptureSink();
    const a = await run(T0, before);
    a.detector.push(silence('c1', T0), silence('c2', T0));
    await a.tickAt(T0);
    await a.close();
    expect(before.sent.map((n) => n.count)).toEqual([2]);

    const after = new CaptureSink();
    const b = await run(T0 + 10 * MIN, after);
    cleanup.push(b.close);
    expect(b.stage.active().map((x) => x.key).sort()).toEqual(['customer_silence|acme|c1', 'customer_silence|acme|c2']);
    // The silence detector, rebuilt from silence_gaps, reports c1 again; nobody reports c2.
    b.detector.push(silence('c1', T0 + 10 * MIN));
    await b.tickAt(T0 + 10 * MIN);
    await b.tickAt(T0 + 21 * MIN);
    b.detector.push(silence('c1', T0 + 22 * MIN, 'resolved'));
    await b.tickAt(T0 + 22 * MIN);
    await b.tickAt(T0 + 30 * MIN);
    await flushed(b.stage);
    const rows = await b.db.query<Record<string, unknown>>(
      `SELECT state, alert_key, reason, CAST(epoch_ms(ts) - ${T0} AS DOUBLE) AS t FROM alerts WHERE state IN ('firing', 'resolved') ORDER BY ts, alert_key`,
    );
    expect(rows.map((r) => [r.state, r.alert_key, r.t, r.reason])).toEqual([
      ['firing', 'customer_silence|acme|c1', 0, null],
      ['firing', 'customer_silence|acme|c2', 0, null],
      ['resolved', 'customer_silence|acme|c2', 20 * MIN, 'not confirmed by its detector after a restart'],
      ['resolved', 'customer_silence|acme|c1', 22 * MIN, null],
    ]);
    // After the restart: no second "firing" page, one "resolved" for the alert that was paged and really ended.
    expect(after.sent.map((n) => [n.state, n.count, n.alerts!.map((x) => x.key)])).toEqual([['resolved', 1, ['customer_silence|acme|c1']]]);
  });
});

describe('view thresholds', () => {
  const unanswered = {
    name: 'unanswered_backlog',
    query: `SELECT brand, count(*) FILTER (WHERE direction = 'inbound') - count(*) FILTER (WHERE direction = 'outbound') AS value FROM messages GROUP BY brand`,
    threshold: 3,
    every_secs: 60,
    summary: '{value} messages without a reply at {brand} (threshold {threshold})',
  };

  it('fires when the query crosses the threshold and resolves when it falls back', async () => {
    const { pipeline, tickAt, rows } = await setup({ view_thresholds: [unanswered] });
    await pipeline.process({ records: [1, 2, 3, 4, 5].map((i) => message(`in${i}`, T0, 'inbound')) });
    await tickAt(T0 + MIN);
    await pipeline.process({ records: [1, 2, 3].map((i) => message(`out${i}`, T0 + MIN, 'outbound')) });
    await tickAt(T0 + MIN + 30 * S); // not due yet: every_secs is 60
    await tickAt(T0 + 2 * MIN);
    expect((await rows("state IN ('firing', 'resolved')")).map((r) => [r.state, r.alert_key, r.summary, r.t])).toEqual([
      ['firing', 'unanswered_backlog|brand=acme', '5 messages without a reply at acme (threshold 3)', MIN],
      ['resolved', 'unanswered_backlog|brand=acme', '5 messages without a reply at acme (threshold 3)', 2 * MIN],
    ]);
  });

  it('rejects at start, naming the rule, a query that does not run, is not a SELECT, is two statements or has no value column', async () => {
    const bad = async (query: string) => setup({ view_thresholds: [{ ...unanswered, query }] });
    await expect(bad('SELECT count(*) AS value FROM no_such_view')).rejects.toThrow(/rule "unanswered_backlog": the query does not run: .*no_such_view.*Fix the query/);
    await expect(bad('DELETE FROM messages')).rejects.toThrow(/must be a read-only SELECT, got a DELETE statement/);
    await expect(bad('SELECT 1 AS value; DROP TABLE messages')).rejects.toThrow(/exactly one statement, found 2/);
    await expect(bad('SELECT count(*) AS n FROM messages')).rejects.toThrow(/returns columns n but no "value" column/);
    await expect(bad('SELECT 1 AS value; DROP TABLE messages')).rejects.toBeInstanceOf(AlertConfigError);
  });

  it('a query that starts failing is recorded once and the pipeline goes on', async () => {
    const { db, pipeline, tickAt, rows, stage } = await setup(
      { view_thresholds: [{ name: 'backlog', query: 'SELECT value FROM backlog', threshold: 5 }] },
      { before: (db) => db.run('CREATE TABLE backlog AS SELECT 10 AS value') },
    );
    await tickAt(T0);
    expect(stage.active().map((a) => a.key)).toEqual(['backlog|*']);
    await db.run('DROP TABLE backlog');
    await tickAt(T0 + MIN);
    await tickAt(T0 + 2 * MIN);
    const errors = await rows("state = 'error'");
    expect(errors).toHaveLength(1);
    expect(String(errors[0]!.reason)).toMatch(/view threshold "backlog" failed: .*backlog/);
    // The alert keeps its last known state rather than flapping on a broken query.
    expect(stage.active().map((a) => a.key)).toEqual(['backlog|*']);
    expect((await pipeline.process({ records: [message('m', T0, 'inbound')] })).stored).toBe(1);
  });
});
