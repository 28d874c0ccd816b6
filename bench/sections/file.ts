/**
 * file → DuckDB with every detector on, against DuckDB's own bulk load (read_ndjson_objects) of the
 * same NDJSON into the same tables, measured in the same run on the same machine.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, buildSource } from '../../src/pipeline/build.js';
import { Database } from '../../src/store/database.js';
import { fmtRate, rate, workloadFile } from '../workload.js';
import type { BenchResult } from './index.js';

function fresh(name: string): string {
  const p = join(tmpdir(), `crisiscx-bench-${process.pid}-${name}.duckdb`);
  rmSync(p, { force: true });
  rmSync(`${p}.wal`, { force: true });
  return p;
}

/** DuckDB parses and loads the NDJSON itself: the ceiling for "NDJSON into these tables". */
async function bulkLoad(file: string): Promise<{ ms: number; rows: number }> {
  const path = fresh('bulk');
  const db = await Database.open(path, { settings: { memory_limit: '1GB' } });
  const t0 = performance.now();
  const f = file.replaceAll("'", "''");
  await db.run('BEGIN');
  await db.run(`CREATE TEMP TABLE stage AS
    SELECT json AS raw, json->>'id' AS id, json->>'type' AS type,
           CASE WHEN json_type(json->'ts') = 'VARCHAR' THEN (json->>'ts')::TIMESTAMPTZ ELSE to_timestamp((json->>'ts')::DOUBLE / 1000) END AS ts,
           coalesce(json->>'brand', 'default') AS brand, json->>'source' AS source,
           json->>'conversationId' AS conversation_id, json->>'customerId' AS customer_id,
           json->>'channel' AS channel, json->>'direction' AS direction, json->>'agentId' AS agent_id,
           json->>'text' AS text, json->>'lang' AS lang, coalesce((json->>'public')::BOOLEAN, true) AS public,
           (json->>'sentiment')::DOUBLE AS sentiment, json->>'action' AS action, json->>'severity' AS severity,
           json->>'status' AS status, json->>'topic' AS topic, json->>'promiseId' AS promise_id,
           (json->>'dueAt')::TIMESTAMPTZ AS due_at, json->>'kind' AS kind, json->>'incidentId' AS incident_id,
           json->>'title' AS title, (json->>'score')::INTEGER AS score
    FROM read_ndjson_objects('${f}', ignore_errors = true)
    WHERE try_cast(json->>'ts' AS TIMESTAMPTZ) IS NOT NULL OR json_type(json->'ts') IN ('BIGINT', 'UBIGINT', 'DOUBLE')`);
  await db.run(`INSERT INTO events SELECT id, type, ts, brand, source, conversation_id, customer_id, NULL, now(), raw FROM stage`);
  await db.run(`INSERT INTO messages SELECT id, ts, brand, source, conversation_id, channel, direction, customer_id, agent_id, text, lang, public, sentiment, NULL, NULL, NULL FROM stage WHERE type = 'message'`);
  await db.run(`INSERT INTO tickets SELECT id, ts, brand, source, conversation_id, action, severity, status, customer_id, channel, topic FROM stage WHERE type = 'ticket'`);
  await db.run(`INSERT INTO promises SELECT id, ts, brand, source, conversation_id, promise_id, action, due_at, kind, agent_id, text FROM stage WHERE type = 'promise'`);
  await db.run(`INSERT INTO broadcasts SELECT id, ts, brand, source, channel, text, incident_id FROM stage WHERE type = 'broadcast'`);
  await db.run(`INSERT INTO impacts SELECT id, ts, brand, source, customer_id, incident_id, severity FROM stage WHERE type = 'impact'`);
  await db.run(`INSERT INTO incidents SELECT id, ts, brand, source, incident_id, action, title, severity FROM stage WHERE type = 'incident'`);
  await db.run(`INSERT INTO csat SELECT id, ts, brand, source, conversation_id, score, customer_id FROM stage WHERE type = 'csat'`);
  await db.run('COMMIT');
  const ms = performance.now() - t0;
  const rows = Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM events'))[0]!.n);
  await db.close();
  rmSync(path, { force: true });
  return { ms, rows };
}

async function pipelineLoad(file: string): Promise<{ ms: number; stored: number; stages: string[] }> {
  const path = fresh('pipeline');
  const config = parsePipelineConfig({ database: path, sources: [{ type: 'file', paths: [file] }], serve: { enabled: false } }, 'bench');
  const source = buildSource(config.sources[0]!, config);
  let last = 0;
  const built = await buildPipeline(config, {
    onBatch: (s) => {
      if (Date.now() - last > 2000) {
        last = Date.now();
        const p = source.progress();
        process.stderr.write(`   pipeline: ${((100 * p.done) / (p.total ?? 1)).toFixed(0)}% ${s.records} records\n`);
      }
    },
  });
  const t0 = performance.now();
  await built.pipeline.runSource(source);
  await built.pipeline.flush();
  const ms = performance.now() - t0;
  const stored = built.pipeline.stats.stored;
  const stages = built.pipeline.stages.map((s) => s.name);
  await built.close();
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  return { ms, stored, stages };
}

export async function fileIngest(): Promise<BenchResult[]> {
  const w = await workloadFile();
  process.stdout.write(`   workload: ${w.lines} lines, ${(w.bytes / 2 ** 20).toFixed(0)} MiB (${(w.bytes / w.lines).toFixed(0)} bytes/event)\n`);
  const bulk = await bulkLoad(w.path);
  const bulkRate = rate(bulk.rows, bulk.ms);
  process.stdout.write(`   DuckDB bulk load (read_ndjson_objects → same tables): ${bulk.rows} rows in ${(bulk.ms / 1000).toFixed(1)} s = ${fmtRate(bulkRate)}\n`);
  const p = await pipelineLoad(w.path);
  const pRate = rate(p.stored, p.ms);
  process.stdout.write(`   crisiscx pipeline (stages: ${p.stages.join(', ') || 'none'}): ${p.stored} events in ${(p.ms / 1000).toFixed(1)} s = ${fmtRate(pRate)}\n`);
  const ratio = pRate / bulkRate;
  return [
    { section: 'file', figure: 'file → DuckDB, all detectors', value: fmtRate(pRate), target: '≥ 300k/s', met: pRate >= 300_000 },
    { section: 'file', figure: 'DuckDB bulk load, same file', value: fmtRate(bulkRate) },
    { section: 'file', figure: 'ratio pipeline / bulk load', value: `${(ratio * 100).toFixed(0)} %`, target: '≥ 60 %', met: ratio >= 0.6 },
  ];
}
