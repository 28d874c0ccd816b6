/**
 * Live alert latency: from the moment a customer's wait passes the silence threshold to the alert
 * arriving at a webhook. The real pipeline in live mode (wall clock, 250 ms timer), the real silence
 * and alert stages, the real webhook sink posting to a node:http server on 127.0.0.1. Conversations
 * start staggered, so thresholds fall all over the timer period and there are many samples.
 * Grouping: group_by conversation_id with group_wait 0, so every alert is its own notification
 * sent at once (with a group_wait the latency would include it by design).
 * BENCH_ALERT_CONVERSATIONS and BENCH_ALERT_THRESHOLD_SECS change the workload.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertNotification } from '../../src/alert/sink.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { wallClock } from '../../src/contract/clock.js';
import type { RawRecord } from '../../src/contract/records.js';
import { buildPipeline } from '../../src/pipeline/build.js';
import type { BenchResult } from './index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export async function alertLatency(): Promise<BenchResult[]> {
  const n = Number(process.env.BENCH_ALERT_CONVERSATIONS ?? 300);
  const thresholdMs = Number(process.env.BENCH_ALERT_THRESHOLD_SECS ?? 3) * 1000;
  const spreadMs = 6000;

  const received = new Map<string, number>();
  let notifications = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const at = Date.now();
      const note = JSON.parse(body) as AlertNotification;
      notifications++;
      if (note.rule === 'customer_silence' && note.state === 'firing') {
        for (const a of note.alerts ?? []) {
          const conv = a.labels.conversation_id;
          if (conv && !received.has(conv)) received.set(conv, at);
        }
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

  const path = join(tmpdir(), `crisiscx-bench-${process.pid}-alerts.duckdb`);
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  const config = parsePipelineConfig(
    {
      database: path,
      serve: { enabled: false },
      detect: { silence: { customer: { channel_thresholds_secs: { chat: thresholdMs / 1000 }, warn_at: [] } } },
      alerts: {
        sinks: [{ type: 'webhook', url, format: 'json' }],
        rules: { customer_silence: { group_by: ['conversation_id'], group_wait_secs: 0, group_interval_secs: 1 } },
      },
    },
    'bench',
  );
  process.stdout.write(
    `   ${n} chat conversations left unanswered, started over ${spreadMs / 1000} s; chat threshold ${thresholdMs / 1000} s; ` +
      'rule customer_silence: group_by [conversation_id], group_wait_secs 0 (each alert its own notification, sent at once); pipeline timer 250 ms\n',
  );
  const built = await buildPipeline(config, { live: true, clock: wallClock });
  const stop = built.pipeline.startTimers(250);
  const asked = new Map<string, number>();
  try {
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      // Staggered starts: each conversation arrives on its own, as live traffic does.
      const due = t0 + Math.floor((i * spreadMs) / n);
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      const conv = `bench-chat-${i}`;
      const ts = Date.now();
      asked.set(conv, ts);
      const e = { id: `bench-alert-in-${i}`, type: 'message', ts, brand: i % 2 ? 'aurora-air' : 'northwind', conversationId: conv, channel: 'chat', direction: 'inbound', customerId: `cust-${i}`, text: 'My flight was cancelled and nobody answers, I need help now' };
      const rec: RawRecord = { bytes: Buffer.from(JSON.stringify(e)), origin: { kind: 'file', name: 'bench-alerts', line: i + 1 } };
      await built.pipeline.process({ records: [rec] });
    }
    const until = Date.now() + thresholdMs + 10_000;
    while (received.size < n && Date.now() < until) await sleep(50);
  } finally {
    stop();
    await built.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(path, { force: true });
    rmSync(`${path}.wal`, { force: true });
  }

  const lat: number[] = [];
  for (const [conv, at] of received) lat.push(at - (asked.get(conv)! + thresholdMs));
  lat.sort((a, b) => a - b);
  const missing = n - lat.length;
  if (lat.length === 0) throw new Error(`no customer_silence alert reached the webhook (${notifications} notifications): check the alert config`);
  const [p50, p90, p99, max] = [quantile(lat, 0.5), quantile(lat, 0.9), quantile(lat, 0.99), lat[lat.length - 1]!];
  process.stdout.write(
    `   ${lat.length}/${n} alerts at the webhook (${notifications} notifications); threshold → webhook: p50 ${p50} ms, p90 ${p90} ms, p99 ${p99} ms, max ${max} ms, min ${lat[0]} ms\n`,
  );
  const ok = missing === 0 && p99 < 1000;
  return [
    { section: 'alerts', figure: 'silence threshold → webhook, p99', value: `${p99} ms${missing ? ` (${missing} of ${n} never arrived)` : ''}`, target: '< 1 s', met: ok },
    { section: 'alerts', figure: 'same, p50 / p90 / max', value: `${p50} / ${p90} / ${max} ms` },
  ];
}
