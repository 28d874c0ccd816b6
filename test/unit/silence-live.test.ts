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

  it('fires on the clock when nobody answers (no further event needed), and resolves on the reply', async () => {
    const path = join(dir, 'live.duckdb');
    // Short limits so the test runs on the real clock: chat 2 s, a warning at half of it.
    const config = parsePipelineConfig({ database: path, serve: { enabled: false }, detect: { silence: { customer: { channel_thresholds_secs: { chat: 2 }, warn_at: [0.5] } } } });
    const db = await Database.open(path);
    const writer = await EventWriter.create(db);
    const seen: { d: Detection; wall: number }[] = [];
    const log: Detection[] = [];
    const stages = [...(await buildStages({ config, db, clock: wallClock, live: true })), detectionLog(log)];
    const pipeline = new Pipeline({ writer, stages, live: true, clock: wallClock });
    const stop = pipeline.startTimers();
    const watch = setInterval(() => {
      while (seen.length < log.length) seen.push({ d: log[seen.length]!, wall: Date.now() });
    }, 5);
    try {
      const ts = Date.now();
      await pipeline.process({
        records: [record({ id: 'm1', type: 'message', ts, brand: 'acme', conversationId: 'chat-1', channel: 'chat', direction: 'inbound', customerId: 'cust-1', text: 'Is anyone there? My booking vanished.' }, 1)],
      });
      const firing = await until('the firing detection', () => seen.find((x) => x.d.kind === 'customer_silence' && x.d.state === 'firing'));
      const warning = seen.find((x) => x.d.kind === 'customer_silence' && x.d.state === 'warning');
      // Reached at the exact time, reported by the next tick: within a second, with no event after the message.
      expect(warning?.d.at).toBe(ts + 1000);
      expect(firing.d.at).toBe(ts + 2000);
      expect(firing.wall - (ts + 2000)).toBeGreaterThanOrEqual(0);
      expect(firing.wall - (ts + 2000)).toBeLessThan(1000);
      expect(firing.d).toMatchObject({ key: 'acme|chat-1', labels: { channel: 'chat', customer: 'cust-1', conversation_id: 'chat-1' } });
      expect(pipeline.stats.stored).toBe(1);
      // The alert engine stored it as firing.
      const alerts = await until('the stored firing alert', async () => {
        await pipeline.tick();
        const rows = await db.query<{ state: string }>(
          "SELECT state FROM alerts WHERE rule = 'customer_silence' AND json_extract_string(labels, '$.conversation_id') = 'chat-1' ORDER BY ts",
        );
        return rows.some((r) => r.state === 'firing') ? rows : undefined;
      });
      expect(alerts.map((a) => a.state)).toContain('firing');

      // The reply ends it at once.
      const replyTs = Date.now();
      await pipeline.process({
        records: [record({ id: 'm2', type: 'message', ts: replyTs, brand: 'acme', conversationId: 'chat-1', channel: 'chat', direction: 'outbound', agentId: 'a1', text: 'So sorry, looking now.' }, 2)],
      });
      const resolved = await until('the resolved detection', () => seen.find((x) => x.d.kind === 'customer_silence' && x.d.state === 'resolved'));
      expect(resolved.d.at).toBe(replyTs);
      const after = await until('the stored resolved alert', async () => {
        const rows = await db.query<{ state: string }>(
          "SELECT state FROM alerts WHERE rule = 'customer_silence' AND json_extract_string(labels, '$.conversation_id') = 'chat-1' ORDER BY ts",
        );
        return rows.some((r) => r.state === 'resolved') ? rows : undefined;
      });
      expect(after.map((a) => a.state)).toContain('resolved');
      // Nothing fires again for an answered conversation.
      await sleep(600);
      expect(seen.filter((x) => x.d.kind === 'customer_silence' && x.d.state === 'firing')).toHaveLength(1);
      const [gap] = await db.query<{ open: boolean; ended_by: string; breached: boolean }>("SELECT open, ended_by, breached FROM silence_gaps WHERE conversation_id = 'chat-1'");
      expect(gap).toEqual({ open: false, ended_by: 'reply', breached: true });
    } finally {
      clearInterval(watch);
      stop();
      await pipeline.close();
      await db.close();
    }
  });
});
