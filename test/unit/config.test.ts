import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPipelineConfig, parsePipelineConfig } from '../../src/config/pipeline.js';

describe('pipeline config', () => {
  it.each(readdirSync('pipelines').filter((f) => f.endsWith('.yaml')))('pipelines/%s is valid', (f) => {
    expect(() => loadPipelineConfig(`pipelines/${f}`)).not.toThrow();
  });

  it('fills defaults for an empty config', () => {
    const c = parsePipelineConfig({});
    expect(c).toMatchObject({ database: 'crisiscx.duckdb', serve: { host: '127.0.0.1', port: 8080 }, limits: { max_event_bytes: 1 << 20 } });
  });

  it('names the file, the key and what is wrong', () => {
    expect(() => parsePipelineConfig({ sources: [{ type: 'scenario', speed: 'fast' }] }, 'x.yaml')).toThrow(
      'x.yaml: sources.0.speed: expected number, got string "fast"',
    );
    expect(() => parsePipelineConfig({ sources: [{ type: 'kafak' }] }, 'x.yaml')).toThrow(/x\.yaml: sources\.0\.type: expected "file", "scenario" or "kafka", got "kafak"/);
    expect(() => parsePipelineConfig({ serve: { port: 70000 } }, 'x.yaml')).toThrow(/serve\.port: must be at most 65535, got 70000/);
  });
});
