/**
 * Live mode, end to end with the real silence detector, the alert engine and a real HTTP
 * webhook: a customer's chat is left unanswered and no further event arrives; the alert reaches the
 * webhook about when the wait passes the threshold (the 250 ms timer, not a later event, drives it),
 * and a "resolved" notification follows the reply.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../src/alert/sink.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { wallClock } from '../../src/contract/clock.js';
import type { RawRecord } from '../../src/contract/records.js';
import { buildPipeline } from '../../src/pipeline/build.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const dir = tempDir('crisiscx-alert-live-');
const THRESHOLD_MS = 2000;

const received: { n: AlertNotification; wallAt: number }[] = [];
let server: Server | undefined;
afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
  }
});

async function hook(): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ n: JSON.parse(body) as AlertNotification, wallAt: Date.now() });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

function message(id: string, ts: number, direction: 'inbound' | 'outbound'): RawRecord {
  const e = { id, type: 'message', ts, brand: 'aurora-air', conversationId: 'chat-live-1', channel: 'chat', direction, customerId: 'cust-1', text: direction === 'inbound' ? 'My flight is cancelled, I need help now' : 'We are on it, rebooking you now.' };
  return { bytes: Buffer.from(JSON.stringify(e)), origin: { kind: 'file', name: 'live', line: 1 } };
}

describe('a live silence alert', () => {
  it('fires on time with no further event, and resolves on the reply', async () => {
    const url = await hook();
    const config = parsePipelineConfig({
      database: join(dir, 'live.duckdb'),
      serve: { enabled: false },
      detect: { silence: { customer: { channel_thresholds_secs: { chat: THRESHOLD_MS / 1000 }, warn_at: [] } } },
      alerts: { sinks: [{ type: 'webhook', url, format: 'json' }], rules: { customer_silence: { group_interval_secs: 1 } } },
    });
    const built = await buildPipeline(config, { live: true, clock: wallClock });
    const stop = built.pipeline.startTimers(250);
    try {
      const asked = Date.now();
      await built.pipeline.process({ records: [message('live-in-1', asked, 'inbound')] });

      // Nothing else arrives: only the pipeline's timer can notice the wait.
      const firing = await waitFor(() => received.find((r) => r.n.state === 'firing'), 'the firing notification');
      expect(firing.n).toMatchObject({ rule: 'customer_silence', brand: 'aurora-air', count: 1 });
      expect(firing.n.labels).toMatchObject({ channel: 'chat', conversation_id: 'chat-live-1' });
      expect(firing.n.at! - asked).toBeGreaterThanOrEqual(THRESHOLD_MS);
      // Within a second of the threshold, at the webhook.
      expect(firing.wallAt - asked).toBeLessThan(THRESHOLD_MS + 1000);

      const replied = Date.now();
      await built.pipeline.process({ records: [message('live-out-1', replied, 'outbound')] });
      const resolved = await waitFor(() => received.find((r) => r.n.state === 'resolved'), 'the resolved notification');
      expect(resolved.n.alerts!.map((a) => a.key)).toEqual(['customer_silence|aurora-air|chat-live-1']);
      expect(resolved.wallAt - replied).toBeLessThan(2000);
      expect(received.filter((r) => r.n.state === 'firing')).toHaveLength(1);

      const rows = await built.db.query<{ state: string }>(
        `SELECT state FROM alerts WHERE alert_key = 'customer_silence|aurora-air|chat-live-1' ORDER BY ts, recorded_at`,
      );
      expect(rows.map((r) => r.state)).toEqual(['firing', 'resolved']);
    } finally {
      stop();
      await built.close();
    }
  });
});
