import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { wallClock } from '../../src/contract/clock.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Detection } from '../../src/pipeline/stage.js';
import { buildStages } from '../../src/pipeline/stages.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { tempDir } from '../helpers/tmp.js';
import { detectionLog } from './spikes-scenario.js';

const record = (obj: Record<string, unknown>, line: number) => ({ bytes: Buffer.from(JSON.stringify(obj)), origin: { kind: 'file' as const, name: 'live', line } });

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('silence in live mode', () => {
  const dir = tempDir();

  it('fires on the clock when nobody answers (no further event needed), survives a restart, and resolves on the reply', async () => {
    const path = join(dir, 'live.duckdb');
    // Short limits so the test runs on the real clock: chat 2 s, a warning at half of it.
    const config = parsePipelineConfig({ database: path, serve: { enabled: false }, detect: { silence: { customer: { channel_thresholds_secs: { chat: 2 }, warn_at: [0.5] } } } });
    const start = async () => {
      const db = await Database.open(path);
      const writer = await EventWriter.create(db);
      const seen: { d: Detection; wall: number }[] = [];
      const log: Detection[] = [];
      const stages = [...(await buildStages({ config, db, clock: wallClock, live: true })), detectionLog(log)];
      const pipeline = new Pipeline({ writer, stages, live: true, clock: wallClock });
      const stopTimers = pipeline.startTimers();
      const watch = setInterval(() => {
        while (seen.length < log.length) seen.push({ d: log[seen.length]!, wall: Date.now() });
      }, 5);
      const stop = async () => {
        clearInterval(watch);
        stopTimers();
        await pipeline.close();
        await db.close();
      };
      return { db, pipeline, seen, stop };
    };
    const alertStates = async (db: Database) =>
      (
        await db.query<{ state: string; notify_state: string | null }>(
          `SELECT state, notify_state FROM alerts WHERE rule = 'customer_silence'
           AND (json_extract_string(labels, '$.conversation_id') = 'chat-1' OR state IN ('notified', 'delivered')) ORDER BY ts, recorded_at`,
        )
      ).map((r) => (r.notify_state ? `${r.state}:${r.notify_state}` : r.state));
    const silence = (seen: { d: Detection; wall: number }[], state: Detection['state']) => seen.find((x) => x.d.kind === 'customer_silence' && x.d.state === state);

    let run = await start();
    try {
      const ts = Date.now();
      await run.pipeline.process({
        records: [record({ id: 'm1', type: 'message', ts, brand: 'acme', conversationId: 'chat-1', channel: 'chat', direction: 'inbound', customerId: 'cust-1', text: 'Is anyone there? My booking vanished.' }, 1)],
      });
      const firing = await until('the firing detection', () => silence(run.seen, 'firing'));
      // Reached at the exact time, reported by the next tick: within a second, with no event after the message.
      expect(silence(run.seen, 'warning')?.d.at).toBe(ts + 1000);
      expect(firing.d.at).toBe(ts + 2000);
      expect(firing.wall - (ts + 2000)).toBeGreaterThanOrEqual(0);
      expect(firing.wall - (ts + 2000)).toBeLessThan(1000);
      expect(firing.d).toMatchObject({ key: 'acme|chat-1', labels: { channel: 'chat', customer: 'cust-1', conversation_id: 'chat-1' } });
      expect(run.pipeline.stats.stored).toBe(1);
      // The alert engine stored it as firing, and notified once.
      const db = run.db;
      await until('the stored firing alert and its notification', async () => {
        const states = await alertStates(db);
        return states.includes('firing') && states.includes('notified:firing') ? states : undefined;
      });

      // A restart while the customer still waits: the new run knows it at once, pages nobody again.
      await run.stop();
      run = await start();
      const again = await until('the waiting customer reported after the restart', () => silence(run.seen, 'firing'));
      expect(again.d.at).toBe(ts + 2000);

      // The reply ends it at once.
      const replyTs = Date.now();
      await run.pipeline.process({
        records: [record({ id: 'm2', type: 'message', ts: replyTs, brand: 'acme', conversationId: 'chat-1', channel: 'chat', direction: 'outbound', agentId: 'a1', text: 'So sorry, looking now.' }, 2)],
      });
      const resolved = await until('the resolved detection', () => silence(run.seen, 'resolved'));
      expect(resolved.d.at).toBe(replyTs);
      const db2 = run.db;
      const states = await until('the stored resolved alert', async () => {
        const st = await alertStates(db2);
        return st.includes('resolved') ? st : undefined;
      });
      expect(states.filter((x) => x === 'notified:firing')).toHaveLength(1);
      // Nothing fires again for an answered conversation.
      await sleep(600);
      expect(run.seen.filter((x) => x.d.kind === 'customer_silence' && x.d.state === 'firing')).toHaveLength(1);
      const [gap] = await run.db.query<{ open: boolean; ended_by: string; breached: boolean }>("SELECT open, ended_by, breached FROM silence_gaps WHERE conversation_id = 'chat-1'");
      expect(gap).toEqual({ open: false, ended_by: 'reply', breached: true });
    } finally {
      await run.stop();
    }
  });
});
