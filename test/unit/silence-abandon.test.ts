import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertStage } from '../../src/alert/stage.js';
import type { AlertNotification, AlertSink } from '../../src/alert/sink.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { ManualClock } from '../../src/contract/clock.js';
import { createSilenceStage, type SilenceStage } from '../../src/detect/silence/stage.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Detection, Stage } from '../../src/pipeline/stage.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { tempDir } from '../helpers/tmp.js';
import { detectionLog } from './spikes-scenario.js';

const T0 = Date.parse('2026-03-14T10:00:00Z');
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

const message = (id: string, conversationId: string, ts: number, direction: 'inbound' | 'outbound' = 'inbound') => ({
  bytes: Buffer.from(
    JSON.stringify({ id, type: 'message', ts, brand: 'acme', conversationId, channel: 'chat', direction, customerId: `cust-${conversationId}`, text: direction === 'inbound' ? 'anyone there?' : 'on it' }),
  ),
  origin: { kind: 'file' as const, name: 'abandon', line: 1 },
});

class Capture implements AlertSink {
  readonly name = 'capture';
  readonly sent: AlertNotification[] = [];
  async send(ns: AlertNotification[]): Promise<void> {
    this.sent.push(...ns);
  }
}

describe('customer silence on abandoned conversations', () => {
  const dir = tempDir();

  it('ends the alert and drops the state after abandon_after_secs of no activity; the gap stays open in the view; a restart does not take it back', async () => {
    const path = join(dir, 'abandon.duckdb');
    const config = parsePipelineConfig({ database: path, serve: { enabled: false } });
    expect(config.detect.silence.customer.abandon_after_secs).toBe(3 * 24 * 3600);
    const clock = new ManualClock(T0);
    const start = async () => {
      const db = await Database.open(path);
      const sink = new Capture();
      const silence = (await createSilenceStage({ config, db, clock, live: true })) as SilenceStage;
      const log: Detection[] = [];
      const alerts = await AlertStage.create({ config: config.alerts, db, clock, live: true, sinks: [sink] });
      const stages: Stage[] = [silence, detectionLog(log), alerts];
      const pipeline = new Pipeline({ writer: await EventWriter.create(db), stages, live: true, clock });
      const at = async (t: number) => {
        clock.set(t);
        await pipeline.tick(t);
        await alerts.queues[0]!.drain(5000);
      };
      return { db, pipeline, silence, alerts, sink, log, at };
    };

    let run = await start();
    // a: nobody ever writes again. b: the customer writes again two days later. c: answered.
    await run.pipeline.process({ records: [message('a1', 'chat-a', T0), message('b1', 'chat-b', T0), message('c1', 'chat-c', T0)] });
    await run.at(T0 + 6 * MIN);
    expect(run.log.filter((d) => d.state === 'firing').map((d) => d.key).sort()).toEqual(['acme|chat-a', 'acme|chat-b', 'acme|chat-c']);
    clock.set(T0 + 10 * MIN);
    await run.pipeline.process({ records: [message('c2', 'chat-c', T0 + 10 * MIN, 'outbound')] });
    clock.set(T0 + 2 * DAY);
    await run.pipeline.process({ records: [message('b2', 'chat-b', T0 + 2 * DAY)] });
    await run.at(T0 + 3 * DAY - MIN);
    expect(run.silence.tracker.openCount).toBe(2);

    // Three days after its last message, chat-a is given up on, at that exact time.
    await run.at(T0 + 3 * DAY + 2 * MIN);
    const abandonedA = run.log.find((d) => d.key === 'acme|chat-a' && d.state === 'resolved');
    expect(abandonedA).toMatchObject({ at: T0 + 3 * DAY, values: { abandoned: 1, abandon_after_secs: 3 * 24 * 3600 } });
    expect(abandonedA!.summary).toBe('Customer cust-chat-a on chat (conversation chat-a): abandoned, no reply and no activity for 3 d; still unanswered in silence_gaps');
    // The state is gone (memory), chat-b still waits.
    expect(run.silence.tracker.openCount).toBe(1);
    expect(run.silence.tracker.openGaps().map((g) => g.conversationId)).toEqual(['chat-b']);
    expect(run.silence.tracker.abandoned).toBe(1);
    // The on-call person reads it at the group's next notification.
    await run.at(T0 + 3 * DAY + 10 * MIN);
    const told = run.sink.sent.at(-1)!;
    expect(told.summary).toMatch(/^1 customer waiting for a reply from acme: chat 1; longest 3 d.*; 1 resolved since the last notification \(1 abandoned: no activity for days\)$/);
    expect(told.alerts!.find((a) => a.key === 'customer_silence|acme|chat-a')).toMatchObject({ state: 'resolved', values: { abandoned: 1 } });
    // The alert episode ended; the gap itself is still open and unanswered in the view.
    const [episode] = await run.db.query<{ state: string; summary: string }>(
      "SELECT state, summary FROM alert_episodes WHERE alert_key = 'customer_silence|acme|chat-a'",
    );
    expect(episode).toEqual({ state: 'resolved', summary: abandonedA!.summary });
    const gaps = await run.db.query<{ conversation_id: string; open: boolean; ended_by: string | null }>(
      'SELECT conversation_id, open, ended_by FROM silence_gaps ORDER BY conversation_id',
    );
    expect(gaps).toEqual([
      { conversation_id: 'chat-a', open: true, ended_by: null },
      { conversation_id: 'chat-b', open: true, ended_by: null },
      { conversation_id: 'chat-c', open: false, ended_by: 'reply' },
    ]);
    await run.pipeline.close();
    await run.db.close();

    // A restart a day later: the abandoned gap is not taken back; chat-b is, with its real last
    // activity, so it is abandoned three days after its customer's second message, not after the restart.
    clock.set(T0 + 4 * DAY);
    run = await start();
    expect(run.silence.tracker.openGaps().map((g) => g.conversationId)).toEqual(['chat-b']);
    await run.at(T0 + 4 * DAY + MIN);
    expect((await run.db.query("SELECT alert_key FROM alerts_firing")).map((r) => r.alert_key)).toEqual(['customer_silence|acme|chat-b']);
    await run.at(T0 + 5 * DAY + 2 * MIN);
    expect(run.log.find((d) => d.key === 'acme|chat-b' && d.state === 'resolved')).toMatchObject({ at: T0 + 5 * DAY, values: { abandoned: 1 } });
    expect(run.silence.tracker.openCount).toBe(0);
    await run.at(T0 + 5 * DAY + 15 * MIN);
    // One alert resolved: the page is that alert's own sentence.
    expect(run.sink.sent.at(-1)).toMatchObject({
      state: 'resolved',
      count: 1,
      summary: 'Customer cust-chat-b on chat (conversation chat-b): abandoned, no reply and no activity for 3 d; still unanswered in silence_gaps',
    });
    expect(await run.db.query('SELECT alert_key FROM alerts_firing')).toEqual([]);
    await run.pipeline.close();
    await run.db.close();
  });

  it('with abandon_after_secs null a waiting customer is tracked until answered', async () => {
    const path = join(dir, 'never.duckdb');
    const config = parsePipelineConfig({ database: path, serve: { enabled: false }, detect: { silence: { customer: { abandon_after_secs: null } } } });
    const clock = new ManualClock(T0);
    const db = await Database.open(path);
    const silence = (await createSilenceStage({ config, db, clock, live: true })) as SilenceStage;
    const pipeline = new Pipeline({ writer: await EventWriter.create(db), stages: [silence], live: true, clock });
    await pipeline.process({ records: [message('a1', 'chat-a', T0)] });
    for (const t of [T0 + DAY, T0 + 10 * DAY, T0 + 30 * DAY]) {
      clock.set(t);
      await pipeline.tick(t);
    }
    expect(silence.tracker.openCount).toBe(1);
    expect(silence.tracker.abandoned).toBe(0);
    await pipeline.close();
    await db.close();
  });
});
