/**
 * Query latency of every view in sql/ over 10M events (BENCH_VIEW_EVENTS overrides): the database
 * is built with DuckDB's own bulk load of the scenario workload (the SQL the file section compares
 * against), then each view listed by duckdb_views() is fully materialized into a temp table, so
 * DuckDB cannot prune columns or stop early the way `count(*)` over the view would let it.
 * Tables only the pipeline's stages fill (spike_updates, alerts, promises_extracted, upset scores...)
 * stay empty after a bulk load; the output says which views read empty inputs.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../src/store/database.js';
import { bulkLoadStatements, workloadFile } from '../workload.js';
import type { BenchResult } from './index.js';

const LIMIT_MS = 2000;
/** A view still running after this is interrupted and reported as "over", so one slow view cannot hold the run for hours. */
const GIVE_UP_MS = Number(process.env.BENCH_VIEW_TIMEOUT_SECS ?? 60) * 1000;

/** The same columns and casts as the file section's bulk load, but the database is kept. */
async function bulkLoad(db: Database, file: string): Promise<void> {
  const step = async (what: string, sql: string) => {
    const t0 = performance.now();
    process.stdout.write(`   load: ${what}...`);
    await db.run(sql);
    process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  };
  for (const [what, sql] of bulkLoadStatements(file)) await step(what, sql);
  await db.checkpoint();
}

export async function viewLatency(): Promise<BenchResult[]> {
  const n = Number(process.env.BENCH_VIEW_EVENTS ?? 10_000_000);
  const w = await workloadFile(n);
  process.stdout.write(`   workload: ${w.lines} lines, ${(w.bytes / 2 ** 30).toFixed(2)} GiB\n`);
  const path = join(tmpdir(), `crisiscx-bench-${process.pid}-views.duckdb`);
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  const db = await Database.open(path);
  const out: BenchResult[] = [];
  try {
    await bulkLoad(db, w.path);
    const events = Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM events'))[0]!.n);
    const empty = (
      await db.query<{ t: string }>(
        `SELECT table_name AS t FROM duckdb_tables() WHERE NOT internal AND NOT temporary AND estimated_size = 0 ORDER BY 1`,
      )
    ).map((r) => r.t);
    const label = events >= 1e5 ? `${(events / 1e6).toFixed(1)}M` : `${(events / 1e3).toFixed(0)}k`;
    process.stdout.write(`   ${events} events stored. Empty after a bulk load (only the pipeline's stages fill them): ${empty.join(', ') || 'none'}\n`);
    const views = (
      await db.query<{ schema_name: string; view_name: string }>(
        `SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary ORDER BY view_name`,
      )
    ).map((v) => ({ name: v.view_name, sql: `"${v.schema_name.replaceAll('"', '""')}"."${v.view_name.replaceAll('"', '""')}"` }));
    process.stdout.write(`   ${views.length} views, each materialized in full (CREATE TEMP TABLE AS SELECT * FROM view):\n`);
    let slowest = { name: '', ms: 0 };
    let over = 0;
    for (const v of views) {
      const t0 = performance.now();
      let gaveUp = false;
      const timer = setTimeout(() => {
        gaveUp = true;
        db.connection.interrupt();
      }, GIVE_UP_MS);
      let rows = '';
      try {
        await db.run(`CREATE TEMP TABLE bench_view AS SELECT * FROM ${v.sql}`);
      } catch (err) {
        if (!gaveUp) throw err;
      } finally {
        clearTimeout(timer);
      }
      const ms = performance.now() - t0;
      if (gaveUp) rows = `interrupted after ${GIVE_UP_MS / 1000} s`;
      else rows = `${Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM bench_view'))[0]!.n)} rows`;
      await db.run('DROP TABLE IF EXISTS bench_view');
      const slow = gaveUp || ms >= LIMIT_MS;
      if (slow) over++;
      if (ms > slowest.ms) slowest = { name: v.name, ms };
      const shown = gaveUp ? `> ${(GIVE_UP_MS / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`;
      process.stdout.write(`   ${slow ? '✘' : '✔'} ${v.name.padEnd(28)} ${shown.padStart(9)}  ${rows}\n`);
      out.push({ section: 'views', figure: `${v.name} (${label} events)`, value: shown, target: '< 2 s', met: !slow });
    }
    process.stdout.write(`   ${over} of ${views.length} views over ${LIMIT_MS / 1000} s; slowest ${slowest.name} ${(slowest.ms / 1000).toFixed(2)} s\n`);
  } finally {
    await db.close();
    rmSync(path, { force: true });
    rmSync(`${path}.wal`, { force: true });
  }
  return out;
}
