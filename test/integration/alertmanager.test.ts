/**
 * The Alertmanager sink against a real Prometheus Alertmanager (Debian package
 * prometheus-alertmanager, installed by scripts/provision.sh) on a loopback port: alerts the engine
 * fires show up in Alertmanager's API with our labels, are re-sent while firing, and end when they
 * resolve. Fails (never skips) when Alertmanager is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsConfig } from '../../src/alert/config.js';
import { AlertmanagerSink } from '../../src/alert/sinks/alertmanager.js';
import { AlertStage } from '../../src/alert/stage.js';
import { ManualClock } from '../../src/contract/clock.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Detection, Stage, StageContext } from '../../src/pipeline/stage.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort, waitFor } from '../helpers/wait.js';

const BINARY = '/usr/bin/prometheus-alertmanager';
const dir = tempDir('crisiscx-alertmanager-');

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

let am: ChildProcess | undefined;
let url = '';
let log = '';

beforeAll(async () => {
  if (!existsSync(BINARY)) {
    throw new Error(`${BINARY} is missing: run scripts/provision.sh as root (it installs the Debian package prometheus-alertmanager)`);
  }
  const port = await freePort();
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, 'route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n');
  am = spawn(BINARY, [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  am.stdout!.on('data', (d) => (log += d));
  am.stderr!.on('data', (d) => (log += d));
  url = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), `Alertmanager to be ready (log: ${log.slice(-500)})`);
});

afterAll(async () => {
  if (am && am.exitCode === null) {
    const exited = new Promise((r) => am!.once('exit', r));
    am.kill('SIGTERM');
    await exited;
  }
});

async function alerts(filter = ''): Promise<AmAlert[]> {
  const res = await fetch(`${url}/api/v2/alerts${filter}`);
  if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status}`);
  return (await res.json()) as AmAlert[];
}

class Scripted implements Stage {
  readonly name = 'scripted';
  queue: Detection[] = [];
  onTick(_now: number, ctx: StageContext): void {
    ctx.detections.push(...this.queue.splice(0));
  }
}

function silence(conv: string, at: number, state: Detection['state'] = 'firing'): Detection {
  return {
    kind: 'customer_silence',
    key: `aurora-air|${conv}`,
    brand: 'aurora-air',
    state,
    at,
    severity: 'warning',
    summary: `Customer on ${conv} has waited 6 min for a reply on chat`,
    labels: { channel: 'chat', severity: 'high', customer: `cust-${conv}` },
    values: { wait_secs: 360 },
  };
}

describe('Alertmanager sink (real Alertmanager)', () => {
  it('posts firing alerts with our labels, and they end when resolved', async () => {
    const db = await Database.open(join(dir, 'am.duckdb'));
    const t0 = Date.now();
    const clock = new ManualClock(t0);
    const stage = await AlertStage.create({
      config: AlertsConfig.parse({ sinks: [{ type: 'alertmanager', url, resend_secs: 1, initial_backoff_ms: 50 }] }),
      db,
      clock,
      live: true,
    });
    const detector = new Scripted();
    const pipeline = new Pipeline({ writer: await EventWriter.create(db), stages: [detector, stage], live: true, clock });
    try {
      detector.queue.push(silence('chat-1', t0), silence('chat-2', t0));
      await pipeline.tick(t0);

      const firing = await waitFor(async () => {
        const a = (await alerts()).filter((x) => x.labels.alertname === 'customer_silence');
        return a.length === 2 ? a : undefined;
      }, 'two customer_silence alerts in Alertmanager');
      const one = firing.find((a) => a.labels.alert_key === 'customer_silence|aurora-air|chat-1')!;
      expect(one.labels).toEqual({
        alertname: 'customer_silence',
        brand: 'aurora-air',
        severity: 'warning',
        alert_key: 'customer_silence|aurora-air|chat-1',
        channel: 'chat',
        label_severity: 'high',
        customer: 'cust-chat-1',
        conversation_id: 'chat-1',
      });
      expect(one.annotations.summary).toBe('Customer on chat-1 has waited 6 min for a reply on chat');
      expect(one.annotations.description).toBe('2 customers waiting for a reply from aurora-air: chat 2; longest 6 min');
      expect(one.annotations.query).toBe("SELECT * FROM silence_gaps WHERE brand = 'aurora-air' AND conversation_id = 'chat-1' ORDER BY started_at DESC");
      expect(one.annotations.link).toBe(`crisiscx sql "${one.annotations.query}"`);
      expect(one.status.state).toBe('active');

      // Re-sent while firing: Alertmanager's endsAt moves forward, so it never times out on its own.
      const firstEnd = Date.parse(one.endsAt);
      await waitFor(async () => {
        const a = (await alerts()).find((x) => x.labels.alert_key === one.labels.alert_key);
        return a && Date.parse(a.endsAt) > firstEnd ? a : undefined;
      }, 'a re-send with a later endsAt');

      // The reply comes: the alert resolves, the group is told at its next flush (group_interval).
      detector.queue.push(silence('chat-1', clock.now(), 'resolved'));
      clock.set(t0 + 1000);
      await pipeline.tick(clock.now());
      clock.set(t0 + 6 * 60_000);
      await pipeline.tick(clock.now());
      const after = await waitFor(async () => {
        const a = (await alerts()).filter((x) => x.labels.alertname === 'customer_silence');
        return a.length === 1 ? a : undefined;
      }, 'the resolved alert to leave the active list');
      expect(after[0]!.labels.alert_key).toBe('customer_silence|aurora-air|chat-2');
      expect(stage.queues[0]!.stats.failed).toBe(0);
    } finally {
      await pipeline.close();
      await db.close();
    }
  });

  it('never sends Alertmanager an alert that starts in its future (accelerated or event-time clocks)', async () => {
    const sink = new AlertmanagerSink({ url, resendMs: 60_000 });
    const future = Date.now() + 3 * 3600_000;
    await sink.send([
      {
        id: 'spike|brand=x@future',
        key: 'spike|brand=x',
        rule: 'spike',
        state: 'resolved',
        severity: 'critical',
        brand: 'x',
        summary: 'Upset volume back to normal',
        labels: { brand: 'x', channel: 'social' },
        values: {},
        startsAt: future,
        endsAt: future + 60_000,
        count: 1,
      },
    ]);
    await sink.close();
    // Accepted (a 400 would have thrown) and already over.
    expect((await alerts()).filter((a) => a.labels.brand === 'x')).toEqual([]);
  });
});
