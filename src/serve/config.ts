/**
 * @module serve/config
 * The `serve` section of a pipeline config: where the HTTP server listens, how it is protected,
 * and the limits of its SQL API. The access token itself never appears in a config file: the
 * config names where to read it (an environment variable or a secrets file).
 */
import { z } from 'zod';

export const SqlApiConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('serve POST /api/sql (read-only queries for analysts and Grafana)'),
  max_rows: z
    .number()
    .int()
    .positive()
    .max(1_000_000)
    .default(10_000)
    .describe('rows returned per query at most; a larger result is cut and reported as truncated'),
  max_response_bytes: z
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024)
    .describe('JSON bytes of rows per response at most; a larger result is cut and reported as truncated'),
  timeout_ms: z.number().int().positive().max(600_000).default(5000).describe('a query running longer is interrupted'),
  max_concurrent: z.number().int().positive().max(16).default(2).describe('queries run at once (one DuckDB connection each); more wait in line'),
  max_queued: z.number().int().min(0).max(1000).default(32).describe('queries waiting for a connection at most; more are refused with 503'),
});
export type SqlApiConfig = z.output<typeof SqlApiConfig>;

export const ServeConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('start the HTTP server'),
  host: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('bind address; anything but loopback (127.0.0.1, ::1, localhost) needs an access token'),
  port: z.number().int().min(0).max(65535).default(8080).describe('HTTP port (0 picks a free one)'),
  token_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name such as CRISISCX_TOKEN')
    .default('CRISISCX_TOKEN')
    .describe('environment variable holding the access token; when set, every request needs it (bearer header or login cookie)'),
  token_file: z
    .string()
    .min(1)
    .optional()
    .describe('file holding the access token (a mounted secret); used when the variable of token_env is unset'),
  allowed_hosts: z
    .array(z.string().min(1))
    .default([])
    .describe('extra names the Host header may carry (e.g. a proxy name); loopback names are always allowed'),
  session_ttl_secs: z
    .number()
    .int()
    .positive()
    .default(12 * 3600)
    .describe('how long a login cookie stays valid'),
  max_body_bytes: z.number().int().positive().default(1 << 20).describe('larger request bodies are refused with 413'),
  sql_api: SqlApiConfig.prefault({}),
});
export type ServeConfig = z.output<typeof ServeConfig>;
