import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertsConfig } from '../../src/alert/config.js';
import { backoffMs, SinkQueue, type DeliveryOutcome } from '../../src/alert/dispatch.js';
import { AlertConfigError } from '../../src/alert/errors.js';
import type { AlertNotification } from '../../src/alert/sink.js';
import { AlertEngine } from '../../src/alert/engine.js';
import { AlertmanagerSink, type PostableAlert } from '../../src/alert/sinks/alertmanager.js';
import { buildSinks } from '../../src/alert/sinks/build.js';
import { groupSummary } from '../../src/alert/summary.js';
import { parseRetryAfter } from '../../src/alert/sinks/http.js';
import { slackMessage } from '../../src/alert/sinks/slack.js';
import { WebhookSink } from '../../src/alert/sinks/webhook.js';
import { AlertStage } from '../../src/alert/stage.js';
import { ManualClock } from '../../src/contract/clock.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Detection, Stage, StageContext } from '../../src/pipeline/stage.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.parse('2026-03-14T10:00:00Z');
const dir = tempDir('crisiscx-alert-webhook-');

interface Received {
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A real HTTP server on loopback; `reply` decides each answer (status, headers, or no answer at all). */
async function receiver(reply: (i: number, res: ServerResponse) => void) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(data) });
      reply(received.length, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  closers.push(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return { url, received };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function notification(o: Partial<AlertNotification> = {}): AlertNotification {
  return {
    id: 'customer_silence|brand=acme@2026-03-14T10:05:00.000Z',
    key: 'customer_silence|brand=acme',
    rule: 'customer_silence',
    state: 'firing',
    severity: 'warning',
    brand: 'acme',
    summary: '3 customers waiting for a reply from acme: chat 2, social 1; longest 12 min',
    labels: { brand: 'acme' },
    values: { count: 3, wait_secs: 720 },
    startsAt: T0,
    count: 3,
    link: 'http://127.0.0.1:8080/api/sql?q=SELECT%201',
    ...o,
  };
}

class OneDetection implements Stage {
  readonly name = 'one';
  constructor(private d: Detection | undefined) {}
  onTick(_now: number, ctx: StageContext): void {
    if (this.d) ctx.detections.push(this.d);
    this.d = undefined;
  }
}

describe('webhook sink', () => {
  it('retries 503s with backoff until the server accepts, without holding the pipeline', async () => {
    const hook = await receiver((i, res) => {
      res.writeHead(i <= 2 ? 503 : 200).end(i <= 2 ? 'busy' : 'ok');
    });
    const db = await Database.open(join(dir, 'retry.duckdb'));
    const clock = new ManualClock(T0);
    const stage = await AlertStage.create({
      config: AlertsConfig.parse({ sinks: [{ type: 'webhook', url: hook.url, initial_backoff_ms: 20, max_backoff_ms: 200 }] }),
      db,
      clock,
      live: true,
    });
    const detection: Detection = { kind: 'customer_silence', key: 'acme|c1', brand: 'acme', state: 'firing', at: T0, severity: 'critical', summary: 'A customer has waited 5 min on chat', labels: { channel: 'chat' }, values: { wait_secs: 300 } };
    const pipeline = new Pipeline({ writer: await EventWriter.create(db), stages: [new OneDetection(detection), stage], live: true, clock });
    closers.push(async () => {
      await pipeline.close();
      await db.close();
    });

    await pipeline.tick(T0);
    // The tick is done while the webhook has not accepted anything yet.
    expect(hook.received.length).toBeLessThan(3);
    await waitFor(() => stage.queues[0]!.stats.delivered === 1, 'the delivery');
    expect(hook.received).toHaveLength(3);
    expect(stage.queues[0]!.stats.retries).toBe(2);

    const body = hook.received[2]!.body as { text: string; blocks: { type: string; text?: { text: string } }[] };
    expect(hook.received[2]!.headers['content-type']).toBe('application/json');
    expect(body.text).toBe(':red_circle: [FIRING] customer_silence acme: A customer has waited 5 min on chat');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(body.blocks[2]!.text!.text).toContain("crisiscx sql"); // the link back to the data, as a command

    await pipeline.tick(T0 + 1000);
    const [n] = await db.query<Record<string, unknown>>('SELECT sinks, delivered, failed, max_attempts FROM alert_notifications');
    expect(n).toMatchObject({ sinks: 'webhook', delivered: 1n, failed: 0n, max_attempts: 3 });
  });

  it('does not retry a 4xx, and says what the server answered', async () => {
    const hook = await receiver((_i, res) => res.writeHead(400).end('invalid_blocks'));
    const outcomes: DeliveryOutcome[] = [];
    const q = new SinkQueue(new WebhookSink({ url: hook.url }), { initialBackoffMs: 5, onOutcome: (o) => outcomes.push(o) });
    q.enqueue([notification()]);
    await q.close(5000);
    expect(hook.received).toHaveLength(1);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ state: 'failed', attempts: 1 });
    expect(outcomes[0]!.reason).toMatch(/webhook: POST http:\/\/127\.0\.0\.1:\d+\/hook answered 400 "invalid_blocks"; check the URL and the payload format \(not retried\)/);
  });

  it('retries a 429 and a server that does not answer in time, then gives up after max_attempts', async () => {
    const limited = await receiver((i, res) => (i === 1 ? res.writeHead(429, { 'retry-after': '0' }).end() : res.writeHead(200).end()));
    const silent = await receiver(() => undefined);
    const outcomes: DeliveryOutcome[] = [];
    const q1 = new SinkQueue(new WebhookSink({ url: limited.url }), { initialBackoffMs: 5, onOutcome: (o) => outcomes.push(o) });
    const q2 = new SinkQueue(new WebhookSink({ url: silent.url, timeoutMs: 100, name: 'slow' }), { initialBackoffMs: 5, maxAttempts: 2, onOutcome: (o) => outcomes.push(o) });
    q1.enqueue([notification()]);
    q2.enqueue([notification()]);
    await Promise.all([q1.close(5000), q2.close(5000)]);
    expect(outcomes.map((o) => [o.sink, o.state, o.attempts])).toEqual(
      expect.arrayContaining([
        ['webhook', 'delivered', 2],
        ['slow', 'failed', 2],
      ]),
    );
    expect(outcomes.find((o) => o.sink === 'slow')!.reason).toMatch(/no answer within 100 ms \(gave up after 2 attempts\)/);
    expect(silent.received).toHaveLength(2);
  });

  it('retries when nothing listens, and drops what is left at shutdown with a reason', async () => {
    const outcomes: DeliveryOutcome[] = [];
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const q = new SinkQueue(new WebhookSink({ url: `http://127.0.0.1:${port}/nothing-here` }), { initialBackoffMs: 5000, maxAttempts: 5, onOutcome: (o) => outcomes.push(o) });
    q.enqueue([notification(), notification({ id: 'second' })]);
    await waitFor(() => q.stats.retries === 1, 'the first failed attempt');
    await q.close(50);
    expect(outcomes.map((o) => o.state)).toEqual(['dropped', 'dropped']);
    expect(outcomes.map((o) => o.reason).join('\n')).toMatch(/ECONNREFUSED; the pipeline shut down before a retry/);
    expect(outcomes.map((o) => o.reason).join('\n')).toMatch(/the pipeline shut down before it was sent/);
  });

  it('sends secret headers from the environment, and a missing variable is an error at start naming it', async () => {
    const hook = await receiver((_i, res) => res.writeHead(204).end());
    const cfg = AlertsConfig.parse({ sinks: [{ type: 'webhook', url_from_env: 'TEST_HOOK_URL', headers_from_env: { Authorization: 'TEST_HOOK_AUTH' }, format: 'json' }] });
    const [built] = await buildSinks(cfg.sinks, { env: { TEST_HOOK_URL: hook.url, TEST_HOOK_AUTH: 'Bearer s3cret' } });
    await built!.sink.send([notification()]);
    expect(hook.received[0]!.headers.authorization).toBe('Bearer s3cret');
    expect(hook.received[0]!.body).toMatchObject({ key: 'customer_silence|brand=acme', count: 3, state: 'firing' });
    await expect(buildSinks(cfg.sinks, { env: { TEST_HOOK_URL: hook.url } })).rejects.toThrow(
      new AlertConfigError('alerts.sinks.0.headers_from_env.Authorization: environment variable TEST_HOOK_AUTH is not set. Export it before starting crisiscx, or change alerts.sinks.0.headers_from_env.Authorization.'),
    );
  });
});

describe('alertmanager sink with big groups', () => {
  it('posts each alert once when it joins or resolves (500 a request), nothing at a re-notify, and stops re-sending one that left quietly', async () => {
    const { url, received } = await receiver((_i, res) => res.writeHead(200).end());
    const sent: AlertNotification[] = [];
    const engine = new AlertEngine({
      rules: [{ name: 'customer_silence', forMs: 0, keepFiringForMs: 0, renotifyMs: 3600_000, groupBy: [], groupWaitMs: 60_000, groupIntervalMs: 300_000, notify: true, notifyResolved: false }],
      hooks: { record: () => undefined, notify: (n) => sent.push(n), groupSummary },
    });
    const silence = (i: number, at: number, active = true) => ({
      rule: 'customer_silence', key: `acme|c${i}`, brand: 'acme', active, at, severity: 'warning' as const,
      summary: `customer c${i} waiting`, labels: { channel: 'chat', conversation_id: `c${i}` }, values: { wait_secs: 300 },
    });
    const sink = new AlertmanagerSink({ url: url.replace(/\/hook$/, ''), resendMs: 3600_000 });
    const posted = () => received.flatMap((r) => r.body as PostableAlert[]);
    try {
      engine.apply(Array.from({ length: 1200 }, (_, i) => silence(i, T0)), T0 + 60_000);
      await sink.send(sent.splice(0));
      expect(received.map((r) => (r.body as PostableAlert[]).length)).toEqual([500, 500, 200]);
      expect(sink.firing).toBe(1200);
      // An hour later the group is re-notified (one page, 20 listed): Alertmanager has them all already.
      engine.advance(T0 + 60_000 + 3600_000);
      expect(sent.map((n) => [n.count, n.alerts!.length, n.truncated])).toEqual([[1200, 20, 1180]]);
      await sink.send(sent.splice(0));
      expect(received).toHaveLength(3);
      // c0 ends quietly (notify_resolved off) and c1200 joins: only the newcomer is posted, c0 is no longer re-sent.
      engine.apply([silence(0, T0 + 3700_000, false), silence(1200, T0 + 3700_000)], T0 + 3700_000);
      engine.advance(T0 + 60_000 + 3600_000 + 300_000);
      await sink.send(sent.splice(0));
      expect(posted().slice(1200).map((a) => a.labels.alert_key)).toEqual(['customer_silence|acme|c1200']);
      expect(sink.firing).toBe(1200);
    } finally {
      await sink.close();
    }
  });
});

describe('slack message', () => {
  it('carries summary, count, brand and a link button, and escapes what alerts contain', () => {
    const m = slackMessage(notification({ summary: 'hi <!channel> <http://evil.example|click> & more', query: "SELECT * FROM silence_gaps WHERE brand = 'acme' AND open" }));
    expect(m.text).toBe(':large_orange_circle: [FIRING ×3] customer_silence acme: hi &lt;!channel&gt; &lt;http://evil.example|click&gt; &amp; more <http://127.0.0.1:8080/api/sql?q=SELECT%201|open the data>');
    const json = JSON.stringify(m.blocks);
    expect(json).not.toContain('<!channel>');
    expect(m.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🟠 FIRING ×3 customer_silence · acme', emoji: true } });
    expect(m.blocks[2]).toMatchObject({ type: 'actions', elements: [{ type: 'button', url: 'http://127.0.0.1:8080/api/sql?q=SELECT%201' }] });
    expect(m.blocks[3]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: "The data:\n```SELECT * FROM silence_gaps WHERE brand = 'acme' AND open```" } });
    const fields = (m.blocks[1] as { fields: { text: string }[] }).fields.map((f) => f.text);
    expect(fields).toContain('*Alerts*\n3');
    expect(fields).toContain('*Brand*\nacme');
  });

  it('a resolved notification says when it ended and how long it lasted', () => {
    const m = slackMessage(notification({ state: 'resolved', endsAt: T0 + 47 * 60_000, summary: 'Resolved: 3 customers of acme got a reply' }));
    expect(m.text.startsWith(':white_check_mark: [RESOLVED ×3]')).toBe(true);
    expect(JSON.stringify(m.blocks)).toContain('*Ended*\\n2026-03-14 10:47 UTC (after 47 min)');
  });
});

describe('backoff', () => {
  const o = { initialBackoffMs: 500, maxBackoffMs: 30_000 };
  it('doubles from the initial wait, within ±25 % jitter, capped', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, o, () => 0.5))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(1, o, () => 0)).toBe(375);
    expect(backoffMs(1, o, () => 0.999999)).toBe(625);
    expect(backoffMs(20, o, () => 0.999999)).toBe(30_000);
  });
  it("waits at least the server's Retry-After, still capped", () => {
    expect(backoffMs(1, o, () => 0.5, 7000)).toBe(7000);
    expect(backoffMs(1, o, () => 0.5, 120_000)).toBe(30_000);
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Sat, 14 Mar 2026 10:00:10 GMT', T0)).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
