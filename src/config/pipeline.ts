/**
 * @module config/pipeline
 * The pipeline config a user edits (pipelines/*.yaml), validated by zod. Keys are snake_case with
 * units in their names; unknown keys are rejected so a typo never silently falls back to a default.
 *
 * @example
 * const cfg = loadPipelineConfig('pipelines/default.yaml');
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ADAPTER_CONFIG_FIELDS } from '../normalize/adapters/options.js';
import { formatIssues } from '../normalize/reasons.js';
import { AlertsConfig } from '../alert/config.js';
import { DetectConfig } from '../detect/config.js';
import { ScoreConfig } from '../score/config.js';
import { ServeConfig } from '../serve/config.js';
import { TelemetryConfig } from '../telemetry/config.js';
import { KafkaSourceConfig } from '../sources/kafka/config.js';

const FileSourceConfig = z.strictObject({
  type: z.literal('file').describe('NDJSON (or adapter-format) files, read once from start to end'),
  paths: z.array(z.string().min(1)).min(1).describe('files to read in order; "-" is standard input'),
  // format, brand, brand_accounts: the same keys as a Kafka topic's (docs/adapters.md).
  ...ADAPTER_CONFIG_FIELDS,
});

const ScenarioSourceConfig = z.strictObject({
  type: z.literal('scenario').describe('the built-in crisis scenario'),
  seed: z.number().int().default(42),
  speed: z.number().min(0).default(0).describe('event-time speed-up (180 plays 6 h in 2 min); 0 replays as fast as possible'),
  start: z.string().optional().describe('ISO time of minute 0; default: fixed for replays, now for accelerated runs'),
  scale: z.number().positive().max(1000).default(1).describe('multiplies customer volume'),
});

export const SourceConfig = z.discriminatedUnion('type', [FileSourceConfig, ScenarioSourceConfig, KafkaSourceConfig]);
export type SourceConfig = z.output<typeof SourceConfig>;

export const PipelineConfig = z.strictObject({
  name: z.string().default('default').describe('a name for logs and stored runs'),
  database: z.string().default('crisiscx.duckdb').describe('the DuckDB file (":memory:" for none)'),
  sources: z.array(SourceConfig).min(1).default([{ type: 'scenario', seed: 42, speed: 0, scale: 1 }]),
  limits: z
    .strictObject({
      max_event_bytes: z.number().int().positive().default(1 << 20).describe('larger records go to dead letters'),
      batch_size: z.number().int().positive().max(1_000_000).default(5000).describe('records per transaction'),
      database_memory_limit: z
        .string()
        .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size like "1GB" or "512MiB"')
        .default('1GB')
        .describe("DuckDB's memory_limit: its buffer cache stays under this; larger queries spill to disk"),
      database_checkpoint_threshold: z
        .string()
        .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size like "256MB" or "1GiB"')
        .default('256MB')
        .describe("DuckDB's checkpoint_threshold: write-ahead log size that triggers a checkpoint; smaller checkpoints more often and slows ingest, larger takes longer to recover after a crash"),
    })
    .prefault({}),
  // Each section's schema lives with its stage; `.prefault({})` applies the section's own defaults.
  serve: ServeConfig.prefault({}),
  score: ScoreConfig.prefault({}),
  detect: DetectConfig.prefault({}),
  alerts: AlertsConfig.prefault({}),
  telemetry: TelemetryConfig.prefault({}),
}).superRefine((c, ctx) => {
  // Kafka scale-out: the spike detector judges the combined buckets, so they must be its buckets.
  c.sources.forEach((s, i) => {
    if (s.type !== 'kafka' || !s.scale_out.enabled || !c.detect.spikes.enabled || s.scale_out.bucket_secs === c.detect.spikes.bucket_secs) return;
    ctx.addIssue({
      code: 'custom',
      path: ['sources', i, 'scale_out', 'bucket_secs'],
      input: s.scale_out.bucket_secs,
      message: `scale_out.bucket_secs (${s.scale_out.bucket_secs}) must equal detect.spikes.bucket_secs (${c.detect.spikes.bucket_secs}): spikes are judged on the combined buckets; set both to the same value`,
    });
  });
});

export type PipelineConfig = z.output<typeof PipelineConfig>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates a parsed config object; `where` names the file in errors. */
export function parsePipelineConfig(value: unknown, where = 'pipeline config'): PipelineConfig {
  const r = PipelineConfig.safeParse(value ?? {}, { reportInput: true });
  if (!r.success) {
    throw new ConfigError(`${where}: ${formatIssues(r.error.issues, '', 5)}. Fix the key in ${where} (see pipelines/README.md for every key).`);
  }
  return r.data;
}

export function loadPipelineConfig(path: string): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read pipeline config ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      throw new ConfigError(`${path}${pos ? `:${pos.line}:${pos.col}` : ''}: not valid YAML: ${err.message.split('\n')[0]}`);
    }
    throw err;
  }
  return parsePipelineConfig(value, path);
}
