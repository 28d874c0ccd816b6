/**
 * @module telemetry/config
 * The `telemetry` section of a pipeline config: the pipeline's own metrics and traces
 * (OpenTelemetry). Metrics are served for Prometheus on the crisiscx server's `/metrics`; users who
 * run an OpenTelemetry collector add an OTLP/HTTP endpoint for metrics and traces.
 *
 * @example
 * const t = TelemetryConfig.parse({ otlp: { endpoint: 'http://localhost:4318' } });
 */
import { z } from 'zod';

const HeaderName = z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name such as "Authorization" or "x-api-key"');

export const PrometheusConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('serve the metrics in Prometheus text format on the crisiscx server (serve.host:serve.port)'),
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9/_.-]*$/, 'a URL path starting with "/", e.g. "/metrics"')
    .default('/metrics')
    .describe('the scrape path Prometheus reads'),
});

export const OtlpConfig = z
  .strictObject({
    endpoint: z
      .url({ protocol: /^https?$/, error: 'an http:// or https:// URL such as "http://localhost:4318"' })
      .optional()
      .describe('OTLP/HTTP base URL of an OpenTelemetry collector (metrics go to /v1/metrics, traces to /v1/traces); unset: no OTLP export'),
    metrics: z.boolean().default(true).describe('export metrics over OTLP when endpoint is set'),
    traces: z.boolean().default(true).describe('export the batch spans over OTLP when endpoint is set'),
    export_interval_secs: z.number().min(1).max(3600).default(15).describe('how often metrics are pushed to the collector'),
    timeout_secs: z.number().positive().max(300).default(10).describe('how long one export may take before it is abandoned'),
    headers: z.record(HeaderName, z.string()).default({}).describe('extra request headers (not secrets: use headers_from_env)'),
    headers_from_env: z
      .record(HeaderName, z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'))
      .default({})
      .describe('header name → environment variable holding its value (e.g. Authorization: CRISISCX_OTLP_AUTH)'),
  })
  .refine((o) => o.endpoint !== undefined || (Object.keys(o.headers).length === 0 && Object.keys(o.headers_from_env).length === 0), {
    message: 'headers are set but endpoint is not: set telemetry.otlp.endpoint (e.g. "http://localhost:4318") or remove the headers',
  });

export const TelemetryConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('false: no metrics, no spans, no /metrics route (the pipeline runs the same)'),
  service_name: z
    .string()
    .min(1)
    .default('crisiscx')
    .describe('service.name resource attribute on exported metrics and traces (tells pipelines apart in a collector)'),
  prometheus: PrometheusConfig.prefault({}),
  otlp: OtlpConfig.prefault({}),
});
export type TelemetryConfig = z.output<typeof TelemetryConfig>;
