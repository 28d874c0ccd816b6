/**
 * file → DuckDB, against DuckDB's own bulk load (read_ndjson_objects) of the same NDJSON into the
 * same tables, measured in the same run on the same machine:
 *   (a) the bulk load, run first and last so drift on a shared machine shows (the ratio uses their mean);
 *   (b) crisiscx with no stages: read, normalize, dedupe and store (the store path alone);
 *   (c) crisiscx with every stage of the default pipeline config.
 * Each is timed from the first read to its last commit, and again including the close (the final
 * checkpoint that makes the file self-contained), which is what `crisiscx ingest` waits for. The
 * CPU time per event (all threads of the process) is printed too: it compares runs on a busy
 * machine, where the rates do not.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePipelineConfig, type PipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, buildSource } from '../../src/pipeline/build.js';
import { Pipeline, type PipelineStats } from '../../src/pipeline/pipeline.js';
import type { Source } from '../../src/sources/source.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { bulkLoadStatements, fmtRate, rate, workloadFile } from '../workload.js';
import type { BenchResult } from './index.js';

interface Timed {
  /** Rows or events stored. */
  rows: number;
  /** First read to last commit. */
  ms: number;
  /** The same plus closing the database (final checkpoint). */
  msClosed: number;
  /** CPU time of the process (all threads) from the first read to the last commit, µs. */
  cpuUs: number;
}

function cpuSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}

function fresh(name: string): string {
  const p = join(tmpdir(), `crisiscx-bench-${process.pid}-${name}.duckdb`);
  remove(p);
  return p;
}

function remove(p: string): void {
  rmSync(p, { force: true });
  rmSync(`${p}.wal`, { force: true });
}

/** DuckDB parses and loads the NDJSON itself: the ceiling for "NDJSON into these tables". */
async function bulkLoad(file: string, config: PipelineConfig): Promise<Timed> {
  const path = fresh('bulk');
  const db = await Database.open(path, { settings: { memory_limit: config.limits.database_memory_limit } });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await db.run('BEGIN');
  for (const [, sql] of bulkLoadStatements(file)) await db.run(sql);
  await db.run('COMMIT');
  const ms = performance.now() - t0;
  const cpuUs = cpuSince(c0);
  const rows = Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM events'))[0]!.n);
  const tc = performance.now();
  await db.close();
  const msClosed = ms + performance.now() - tc;
  remove(path);
  return { rows, ms, msClosed, cpuUs };
}

function progress(label: string, source: Source): (s: PipelineStats) => void {
  let last = Date.now();
  return (s) => {
    if (Date.now() - last < 2000) return;
    last = Date.now();
    const p = source.progress();
    process.stderr.write(`   ${label}: ${((100 * p.done) / (p.total ?? 1)).toFixed(0)}% ${s.records} records\n`);
  };
}

/** The store path alone: the pipeline of the config with no stage after normalize. */
async function noStages(file: string): Promise<Timed> {
  const path = fresh('nostages');
  const config = parsePipelineConfig({ database: path, sources: [{ type: 'file', paths: [file] }], serve: { enabled: false } }, 'bench');
  const source = buildSource(config.sources[0]!, config);
  const db = await Database.open(path, { settings: { memory_limit: config.limits.database_memory_limit } });
  const pipeline = new Pipeline({
    writer: await EventWriter.create(db),
    stages: [],
    normalizer: { maxEventBytes: config.limits.max_event_bytes },
    onBatch: progress('no stages', source),
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await pipeline.runSource(source);
  await pipeline.flush();
  const ms = performance.now() - t0;
  const cpuUs = cpuSince(c0);
  await pipeline.close();
  await db.close();
  const msClosed = performance.now() - t0;
  remove(path);
  return { rows: pipeline.stats.stored, ms, msClosed, cpuUs };
}

async function everyStage(file: string): Promise<Timed & { stages: string[] }> {
  const path = fresh('pipeline');
  const config = parsePipelineConfig({ database: path, sources: [{ type: 'file', paths: [file] }], serve: { enabled: false } }, 'bench');
  const source = buildSource(config.sources[0]!, config);
  const built = await buildPipeline(config, { onBatch: progress('every stage', source) });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await built.pipeline.runSource(source);
  await built.pipeline.flush();
  const ms = performance.now() - t0;
  const cpuUs = cpuSince(c0);
  const stored = built.pipeline.stats.stored;
  const stages = built.pipeline.stages.map((s) => s.name);
  await built.close();
  const msClosed = performance.now() - t0;
  remove(path);
  return { rows: stored, ms, msClosed, cpuUs, stages };
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export async function fileIngest(): Promise<BenchResult[]> {
  const w = await workloadFile();
  const config = parsePipelineConfig({}, 'bench');
  process.stdout.write(`   workload: ${w.lines} lines, ${(w.bytes / 2 ** 20).toFixed(0)} MiB (${(w.bytes / w.lines).toFixed(0)} bytes/event)\n`);
  const line = (label: string, t: Timed): void =>
    void process.stdout.write(
      `   ${label}: ${t.rows} events in ${secs(t.ms)} = ${fmtRate(rate(t.rows, t.ms))}; with the closing checkpoint ${secs(t.msClosed)} = ${fmtRate(rate(t.rows, t.msClosed))}; ` +
        `CPU ${(t.cpuUs / Math.max(1, t.rows)).toFixed(1)} µs per event (process, all threads)\n`,
    );

  const bulk1 = await bulkLoad(w.path, config);
  line('DuckDB bulk load (read_ndjson_objects → same tables), first', bulk1);
  const none = await noStages(w.path);
  line('crisiscx, no stages (read, normalize, dedupe, store)', none);
  const all = await everyStage(w.path);
  line(`crisiscx, every stage (${all.stages.join(', ')})`, all);
  const bulk2 = await bulkLoad(w.path, config);
  line('DuckDB bulk load, again (drift on a shared machine)', bulk2);

  const bulkRate = (rate(bulk1.rows, bulk1.ms) + rate(bulk2.rows, bulk2.ms)) / 2;
  const bulkClosed = (rate(bulk1.rows, bulk1.msClosed) + rate(bulk2.rows, bulk2.msClosed)) / 2;
  const allRate = rate(all.rows, all.ms);
  const noneRate = rate(none.rows, none.ms);
  const ratio = allRate / bulkRate;
  process.stdout.write(
    `   ratio to the bulk load (mean of both): every stage ${(100 * ratio).toFixed(0)} %, no stages ${((100 * noneRate) / bulkRate).toFixed(0)} %; ` +
      `with the closing checkpoint: ${((100 * rate(all.rows, all.msClosed)) / bulkClosed).toFixed(0)} % and ${((100 * rate(none.rows, none.msClosed)) / bulkClosed).toFixed(0)} %\n`,
  );
  return [
    { section: 'file', figure: 'file → DuckDB, all detectors', value: fmtRate(allRate), target: '≥ 300k/s', met: allRate >= 300_000 },
    { section: 'file', figure: 'file → DuckDB, no stages (store path)', value: fmtRate(noneRate) },
    { section: 'file', figure: 'DuckDB bulk load, same file', value: `${fmtRate(bulkRate)} (runs ${fmtRate(rate(bulk1.rows, bulk1.ms))}, ${fmtRate(rate(bulk2.rows, bulk2.ms))})` },
    { section: 'file', figure: 'ratio pipeline / bulk load', value: `${(ratio * 100).toFixed(0)} % (no stages ${((100 * noneRate) / bulkRate).toFixed(0)} %)`, target: '≥ 60 %', met: ratio >= 0.6 },
  ];
}
