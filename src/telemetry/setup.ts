/**
 * @module telemetry/setup
 * Configures the OpenTelemetry SDK at start: a meter provider read by the Prometheus exporter
 * (served on the crisiscx server's `/metrics`, no second port) and, when a collector endpoint is
 * set, by an OTLP/HTTP exporter; a tracer provider exporting the batch spans over OTLP. Both are
 * registered as the API's globals, so instrumented code (`PipelineMetrics.fromGlobal()`,
 * `trace.getTracer('crisiscx')`) reports to them.
 *
 * @example
 * const telemetry = startTelemetry(config.telemetry);
 * const server = await startServer({ db, routes: telemetry.routes() });
 * // ...
 * await telemetry.shutdown();
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Handler } from '../serve/server.js';
import { TelemetryConfig } from './config.js';
import { consumerLags } from './lag.js';
import { METER_NAME, PipelineMetrics } from './metrics.js';

export class TelemetryConfigError extends Error {
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TelemetryConfigError';
  }
}

export interface StartTelemetryOptions {
  /** Register the providers as the OpenTelemetry API's globals (default true). */
  register?: boolean;
  /** Environment for `headers_from_env` (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface Telemetry {
  readonly config: TelemetryConfig;
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider | undefined;
  /** Instruments on this setup's meter provider. */
  readonly metrics: PipelineMetrics;
  /** Route handlers for the crisiscx server (`GET /metrics` unless disabled). */
  routes(): Record<string, Handler>;
  /** Serves the Prometheus text format (for servers other than crisiscx's). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Pushes pending OTLP data now (before exit). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function headersOf(config: TelemetryConfig['otlp'], env: Record<string, string | undefined>): Record<string, string> {
  const headers: Record<string, string> = { ...config.headers };
  for (const [name, variable] of Object.entries(config.headers_from_env)) {
    const value = env[variable];
    if (value === undefined || value === '') {
      throw new TelemetryConfigError(`telemetry.otlp.headers_from_env.${name}: environment variable ${variable} is not set; export it or remove the header`);
    }
    headers[name] = value;
  }
  return headers;
}

/** Starts the SDK; call once at start (the CLI does in `run` and `demo`). */
export function startTelemetry(config: TelemetryConfig, options: StartTelemetryOptions = {}): Telemetry {
  const cfg = TelemetryConfig.parse(config);
  const env = options.env ?? process.env;
  const resource = resourceFromAttributes({ 'service.name': cfg.service_name, 'service.version': packageVersion() });
  const readers: IMetricReader[] = [];
  const prometheus = cfg.prometheus.enabled ? new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true }) : undefined;
  if (prometheus) readers.push(prometheus);
  const otlp = cfg.otlp;
  const base = otlp.endpoint?.replace(/\/+$/, '');
  const headers = base ? headersOf(otlp, env) : {};
  if (base && otlp.metrics) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics`, headers, timeoutMillis: otlp.timeout_secs * 1000 }),
        exportIntervalMillis: otlp.export_interval_secs * 1000,
        exportTimeoutMillis: Math.min(otlp.timeout_secs, otlp.export_interval_secs) * 1000,
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });
  const tracerProvider =
    base && otlp.traces
      ? new BasicTracerProvider({
          resource,
          spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces`, headers, timeoutMillis: otlp.timeout_secs * 1000 }))],
        })
      : undefined;

  const register = options.register ?? true;
  if (register) {
    // A second start in one process (tests) replaces the first setup.
    metrics.disable();
    metrics.setGlobalMeterProvider(meterProvider);
    if (tracerProvider) {
      trace.disable();
      trace.setGlobalTracerProvider(tracerProvider);
    }
  }

  const meter = meterProvider.getMeter(METER_NAME);
  const pm = new PipelineMetrics(meter);
  pm.observableGauge('consumer_lag').addCallback((r) => {
    for (const l of consumerLags()) r.observe(l.lag, { topic: l.topic, partition: String(l.partition) });
  });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!prometheus) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('the Prometheus endpoint is disabled (telemetry.prometheus.enabled: false)\n');
      return;
    }
    prometheus.getMetricsRequestHandler(req, res);
  };

  let stopped = false;
  return {
    config: cfg,
    meterProvider,
    tracerProvider,
    metrics: pm,
    handle,
    routes: () => (cfg.prometheus.enabled ? { [`GET ${cfg.prometheus.path}`]: ({ req, res }) => handle(req, res) } : {}),
    async flush() {
      await Promise.all([meterProvider.forceFlush(), tracerProvider?.forceFlush()]);
    },
    async shutdown() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([meterProvider.shutdown(), tracerProvider?.shutdown()]);
      if (register) {
        metrics.disable();
        if (tracerProvider) trace.disable();
      }
    },
  };
}
