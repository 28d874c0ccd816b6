/**
 * The pipeline's own telemetry: the metrics a real pipeline run reports on /metrics (Prometheus
 * text format), the OTLP/HTTP export a collector receives (wire format checked on a real HTTP
 * server), and the telemetry config's errors.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline } from '../../src/pipeline/build.js';
import type { Detection } from '../../src/pipeline/stage.js';
import { startServer } from '../../src/serve/server.js';
import { FileSource } from '../../src/sources/file/file.js';
import { TelemetryConfig } from '../../src/telemetry/config.js';
import { forgetConsumerLag, reportConsumerLag } from '../../src/telemetry/lag.js';
import { startTelemetry, TelemetryConfigError, type Telemetry } from '../../src/telemetry/setup.js';
import { instrumentSource, observeBatch, TelemetryStage } from '../../src/telemetry/stage.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('crisiscx-telemetry-');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const T0 = Date.parse('2026-03-14T10:00:00Z');
const msg = (id: string, minute: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, type: 'message', ts: new Date(T0 + minute * 60_000).toISOString(), brand: 'acme', conversationId: `c-${id}`, channel: 'chat', direction: 'inbound', text: 'where is my order', ...extra });

function ndjson(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Values of one metric in Prometheus text, by their label set. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

let dbN = 0;
async function runFile(telemetry: Telemetry, lines: string[]) {
  const config = parsePipelineConfig({ database: join(dir, `t${++dbN}.duckdb`), serve: { enabled: false }, alerts: { enabled: false } });
  const built = await buildPipeline(config, { onBatch: observeBatch(telemetry.metrics) });
  cleanup.push(() => built.close());
  const path = ndjson(`in${dbN}.ndjson`, lines);
  await built.pipeline.runSource(instrumentSource(new FileSource([path]), telemetry.metrics));
  await built.pipeline.flush();
  return built;
}

describe('metrics on /metrics', () => {
  it('counts what a pipeline read, stored, skipped and rejected, and how long batches took', async () => {
    const telemetry = startTelemetry(TelemetryConfig.parse({}));
    cleanup.push(() => telemetry.shutdown());
    await runFile(telemetry, [
      msg('a', 0),
      msg('b', 1),
      msg('a', 0), // a duplicate id
      JSON.stringify({ id: 'bad', type: 'message', ts: new Date(T0).toISOString(), conversationId: 'x', channel: 'chat', direction: 'in' }),
      '{"id": "truncated',
    ]);
    const db = (await runFile(telemetry, [msg('c', 2)])).db;
    expect(db).toBeDefined();

    const server = await startServer({ db, host: '127.0.0.1', port: 0, routes: telemetry.routes() });
    cleanup.push(() => server.close());
    const text = await scrape(`${server.url}/metrics`);

    expect(samples(text, 'crisiscx_events_in_total').get('{source="file"}')).toBe(6);
    expect(samples(text, 'crisiscx_events_stored_total').get('{source="file",type="message"}')).toBe(3);
    expect(samples(text, 'crisiscx_duplicates_total').get('')).toBe(1);
    const dead = samples(text, 'crisiscx_dead_letters_total');
    expect(dead.get('{stage="schema"}')).toBe(1);
    expect(dead.get('{stage="parse"}')).toBe(1);
    expect(samples(text, 'crisiscx_batches_total').get('')).toBe(2);
    expect(samples(text, 'crisiscx_batch_latency_seconds_count').get('')).toBe(2);
    expect(samples(text, 'crisiscx_batch_latency_seconds_sum').get('')).toBeGreaterThan(0);
    expect(samples(text, 'crisiscx_batch_latency_seconds_bucket').get('{le="+Inf"}')).toBe(2);
    expect(text).toMatch(/# HELP crisiscx_events_in_total Records read from the sources/);
  });

  it('reports silences past their limit per brand and kind, back to 0 when they resolve, and the consumer lag sources report', async () => {
    const telemetry = startTelemetry(TelemetryConfig.parse({}));
    cleanup.push(() => telemetry.shutdown());
    const stage = new TelemetryStage(telemetry.metrics, { now: () => T0 }, true);
    const d = (key: string, kind: string, state: Detection['state']): Detection => ({
      kind,
      key,
      brand: 'acme',
      state,
      at: T0,
      severity: 'warning',
      summary: `${kind} ${key}`,
      labels: { channel: 'chat' },
      values: { wait_secs: 600 },
    });
    // A warning (before the limit) is not a silence past its limit yet.
    stage.afterCommit({
      events: [],
      detections: [d('acme|c1', 'silence', 'firing'), d('acme|c2', 'customer_silence', 'firing'), d('acme|c3', 'customer_silence', 'warning'), d('acme', 'brand_silence', 'firing')],
      deadLetters: 0,
      duplicates: 0,
    });
    reportConsumerLag('crisiscx.events', 0, 42n);
    reportConsumerLag('crisiscx.events', 1, -3);
    cleanup.push(() => forgetConsumerLag('crisiscx.events'));
    const server = await startServer({ db: (await runFile(telemetry, [msg('z', 0)])).db, host: '127.0.0.1', port: 0, routes: telemetry.routes() });
    cleanup.push(() => server.close());

    let text = await scrape(`${server.url}/metrics`);
    expect(samples(text, 'crisiscx_open_silences').get('{brand="acme",kind="customer_silence"}')).toBe(2);
    expect(samples(text, 'crisiscx_open_silences').get('{brand="acme",kind="brand_silence"}')).toBe(1);
    expect(samples(text, 'crisiscx_detections_total').get('{kind="silence",state="firing"}')).toBe(1);
    const lag = samples(text, 'crisiscx_consumer_lag');
    expect(lag.get('{topic="crisiscx.events",partition="0"}')).toBe(42);
    expect(lag.get('{topic="crisiscx.events",partition="1"}')).toBe(0);

    stage.afterCommit({ events: [], detections: [d('acme|c1', 'silence', 'resolved'), d('acme', 'brand_silence', 'resolved')], deadLetters: 0, duplicates: 0 });
    text = await scrape(`${server.url}/metrics`);
    expect(samples(text, 'crisiscx_open_silences').get('{brand="acme",kind="customer_silence"}')).toBe(1);
    expect(samples(text, 'crisiscx_open_silences').get('{brand="acme",kind="brand_silence"}')).toBe(0);
  });

  it('serves no /metrics route when the Prometheus endpoint is off, and another path when configured', () => {
    const off = startTelemetry(TelemetryConfig.parse({ prometheus: { enabled: false } }), { register: false });
    cleanup.push(() => off.shutdown());
    expect(Object.keys(off.routes())).toEqual([]);
    const other = startTelemetry(TelemetryConfig.parse({ prometheus: { path: '/internal/metrics' } }), { register: false });
    cleanup.push(() => other.shutdown());
    expect(Object.keys(other.routes())).toEqual(['GET /internal/metrics']);
  });
});

describe('OTLP export to a collector', () => {
  it('posts metrics and batch spans as OTLP/HTTP JSON with the configured headers', async () => {
    const received: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
    const collector: Server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => collector.close(() => r())));
    const port = (collector.address() as AddressInfo).port;

    const telemetry = startTelemetry(
      TelemetryConfig.parse({
        service_name: 'crisiscx-test',
        otlp: { endpoint: `http://127.0.0.1:${port}/`, export_interval_secs: 3600, headers: { 'x-team': 'cx' }, headers_from_env: { Authorization: 'TEST_OTLP_AUTH' } },
      }),
      { env: { TEST_OTLP_AUTH: 'Bearer s3cret' } },
    );
    cleanup.push(() => telemetry.shutdown());
    await runFile(telemetry, [msg('a', 0), msg('b', 1)]);
    await telemetry.flush();

    const metrics = received.find((r) => r.path === '/v1/metrics');
    const traces = received.find((r) => r.path === '/v1/traces');
    expect(metrics, `collector got ${received.map((r) => r.path).join(', ') || 'nothing'}`).toBeDefined();
    expect(traces).toBeDefined();
    for (const r of [metrics!, traces!]) {
      expect(r.headers['content-type']).toMatch(/application\/json/);
      expect(r.headers.authorization).toBe('Bearer s3cret');
      expect(r.headers['x-team']).toBe('cx');
    }
    const m = JSON.parse(metrics!.body) as {
      resourceMetrics: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeMetrics: { metrics: { name: string; sum?: { dataPoints: { asInt?: string | number; asDouble?: number; attributes: { key: string; value: { stringValue?: string } }[] }[] } }[] }[] }[];
    };
    const rm = m.resourceMetrics[0]!;
    expect(rm.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue).toBe('crisiscx-test');
    const stored = rm.scopeMetrics.flatMap((s) => s.metrics).find((x) => x.name === 'crisiscx_events_stored_total');
    expect(stored).toBeDefined();
    const total = stored!.sum!.dataPoints.reduce((n, p) => n + Number(p.asInt ?? p.asDouble ?? 0), 0);
    expect(total).toBe(2);

    const t = JSON.parse(traces!.body) as { resourceSpans: { scopeSpans: { spans: { name: string; attributes: { key: string; value: { intValue?: string | number } }[] }[] }[] }[] };
    const spans = t.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const batch = spans.find((s) => s.name === 'crisiscx.batch');
    expect(batch, `spans: ${spans.map((s) => s.name).join(', ')}`).toBeDefined();
    expect(Number(batch!.attributes.find((a) => a.key === 'crisiscx.stored')?.value.intValue)).toBe(2);
  });

  it('refuses a header from an unset environment variable, saying which', () => {
    expect(() =>
      startTelemetry(TelemetryConfig.parse({ otlp: { endpoint: 'http://127.0.0.1:4318', headers_from_env: { Authorization: 'NOPE_NOT_SET' } } }), { register: false, env: {} }),
    ).toThrow(TelemetryConfigError);
    expect(() =>
      startTelemetry(TelemetryConfig.parse({ otlp: { endpoint: 'http://127.0.0.1:4318', headers_from_env: { Authorization: 'NOPE_NOT_SET' } } }), { register: false, env: {} }),
    ).toThrow(/NOPE_NOT_SET is not set/);
  });
});

describe('telemetry config', () => {
  it('has working defaults: Prometheus on /metrics, no OTLP', () => {
    const c = parsePipelineConfig({}).telemetry;
    expect(c).toMatchObject({ enabled: true, service_name: 'crisiscx', prometheus: { enabled: true, path: '/metrics' } });
    expect(c.otlp.endpoint).toBeUndefined();
  });

  it('rejects unknown keys, bad endpoints and headers without an endpoint with the key and the fix', () => {
    expect(() => parsePipelineConfig({ telemetry: { prometheus: { port: 9464 } } }, 'p.yaml')).toThrow(/telemetry\.prometheus.*port/s);
    expect(() => parsePipelineConfig({ telemetry: { otlp: { endpoint: 'localhost:4318' } } }, 'p.yaml')).toThrow(/telemetry\.otlp\.endpoint.*http:\/\/ or https:\/\//s);
    expect(() => parsePipelineConfig({ telemetry: { otlp: { headers: { 'x-api-key': 'k' } } } }, 'p.yaml')).toThrow(/set telemetry\.otlp\.endpoint/);
    expect(() => parsePipelineConfig({ telemetry: { prometheus: { path: 'metrics' } } }, 'p.yaml')).toThrow(/telemetry\.prometheus\.path.*starting with "\/"/s);
  });
});
