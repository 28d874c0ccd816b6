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
import { bulkLoadStatements, fmtRate, rate, workloadFile } from '../workload.js';
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
  await db.run('BEGIN');
  for (const [, sql] of bulkLoadStatements(file)) await db.run(sql);
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
