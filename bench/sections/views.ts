/**
 * Query latency of every view in sql/ over 10M events (BENCH_VIEW_EVENTS overrides), two figures
 * per view:
 *  - full: the view materialized in full over every event (CREATE TEMP TABLE AS SELECT * FROM
 *    view), so DuckDB cannot prune columns or stop early the way `count(*)` would let it. What a
 *    replay snapshot, an export or a brand-wide report costs.
 *  - analyst: what an analyst or the live page typically asks: one brand over one crisis period
 *    (the busiest in crisis_periods), every column. Views with a brand column get `brand = ?`;
 *    views with a period_id get `period_id = ?`, else their event-time column (opened_at,
 *    started_at, ...) within the period's first day.
 * BENCH_VIEW_SQL=dir applies the views of another sql/ folder (e.g. from an older commit) for a
 * before/after comparison on the same database.
 * The database is DuckDB's own bulk load of the scenario workload (the SQL the file section
 * compares against), cached in .cache/bench/ keyed by the workload file and a hash of schema.sql,
 * the scenario generator and the load statements, so reruns after a view edit start in seconds
 * (Database.open applies the current sql/views/ to it). BENCH_VIEW_FRESH=1 rebuilds it.
 * Settings are the product's: DuckDB's default threads (one per core), the pipeline's default
 * limits.database_memory_limit (the live page and the SQL API query from the pipeline's process),
 * and the default config's view settings and silence rules, written as a pipeline writes them.
 * Tables only the pipeline's stages fill (spike_updates, alerts, promises_extracted, upset scores...)
 * stay empty after a bulk load; the output says which.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineConfig } from '../../src/config/pipeline.js';
import { applyViewSettings } from '../../src/detect/crisis/settings.js';
import { applySilenceSettings } from '../../src/detect/silence/settings.js';
import { Database, sqlDir } from '../../src/store/database.js';
import { bulkLoadStatements, CACHE, workloadFile } from '../workload.js';
import type { BenchResult } from './index.js';

const LIMIT_MS = 2000;
/** A view still running after this is interrupted and reported as "over", so one slow view cannot hold the run for hours. */
const GIVE_UP_MS = Number(process.env.BENCH_VIEW_TIMEOUT_SECS ?? 60) * 1000;
const SCENARIO_DIR = 'src/sources/scenario';
/** Event-time columns, in the order an analyst's period filter picks the first a view has. */
const TIME_COLUMNS = ['opened_at', 'started_at', 'made_at', 'impacted_at', 'minute', 'fired_at', 'ts'];

/** The product's defaults: `crisiscx` with no pipeline file. */
const DEFAULTS = PipelineConfig.parse({});

function settings(): Record<string, string> {
  return { memory_limit: DEFAULTS.limits.database_memory_limit };
}

/** What the cached database depends on: the workload file, the tables it is loaded into, the generator, the load SQL. */
function cacheKey(workload: string): string {
  const h = createHash('sha1');
  const st = statSync(workload);
  h.update(`${workload} ${st.size} ${st.mtimeMs}\n`);
  h.update(readFileSync(join(sqlDir(), 'schema.sql')));
  for (const f of readdirSync(SCENARIO_DIR).sort()) h.update(readFileSync(join(SCENARIO_DIR, f)));
  for (const [, sql] of bulkLoadStatements(workload)) h.update(sql);
  return h.digest('hex').slice(0, 12);
}

/** The same columns and casts as the file section's bulk load, into a database that is kept. */
async function bulkLoad(path: string, file: string): Promise<void> {
  const db = await Database.open(path, { settings: settings() });
  try {
    for (const [what, sql] of bulkLoadStatements(file)) {
      const t0 = performance.now();
      process.stdout.write(`   load: ${what}...`);
      await db.run(sql);
      process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    await db.checkpoint();
  } finally {
    await db.close();
  }
}

/** The bulk-loaded database for `n` events: reused from .cache/bench/ when nothing it depends on changed. */
async function cachedDatabase(n: number): Promise<string> {
  const w = await workloadFile(n);
  process.stdout.write(`   workload: ${w.lines} lines, ${(w.bytes / 2 ** 30).toFixed(2)} GiB\n`);
  const key = cacheKey(w.path);
  const path = `${CACHE}/views-${n}-${key}.duckdb`;
  if (process.env.BENCH_VIEW_FRESH === '1') rmSync(path, { force: true });
  // Databases of this size from older keys are stale: a few GiB each.
  for (const f of readdirSync(CACHE)) {
    if (f.startsWith(`views-${n}-`) && !f.startsWith(`views-${n}-${key}.duckdb`)) rmSync(join(CACHE, f), { force: true, recursive: true });
  }
  if (existsSync(path)) {
    process.stdout.write(`   database: ${path} (cached; BENCH_VIEW_FRESH=1 rebuilds it)\n`);
    return path;
  }
  // Built under another name and renamed once complete, so an interrupted load is never reused.
  const tmp = `${path}.building`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  process.stdout.write(`   database: building ${path}\n`);
  await bulkLoad(tmp, w.path);
  rmSync(`${tmp}.wal`, { force: true });
  renameSync(tmp, path);
  return path;
}

interface Timed {
  ms: number;
  rows: number | undefined;
  gaveUp: boolean;
  /** The query failed (e.g. out of memory under the product's memory_limit). */
  error?: string;
}

/** Materializes `select` into a temp table; interrupted after GIVE_UP_MS. */
async function timeQuery(db: Database, select: string, params: Record<string, string> = {}): Promise<Timed> {
  const t0 = performance.now();
  let gaveUp = false;
  const timer = setTimeout(() => {
    gaveUp = true;
    db.connection.interrupt();
  }, GIVE_UP_MS);
  let error: string | undefined;
  try {
    await db.run(`CREATE TEMP TABLE bench_view AS ${select}`, params);
  } catch (err) {
    if (!gaveUp) error = (err as Error).message.split('\n')[0];
  } finally {
    clearTimeout(timer);
  }
  const ms = performance.now() - t0;
  const rows = gaveUp || error ? undefined : Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM bench_view'))[0]!.n);
  await db.run('DROP TABLE IF EXISTS bench_view');
  return { ms, rows, gaveUp, error };
}

const shown = (t: Timed) => (t.error ? 'failed' : t.gaveUp ? `> ${(GIVE_UP_MS / 1000).toFixed(0)} s` : `${(t.ms / 1000).toFixed(2)} s`);
const over = (t: Timed) => t.gaveUp || t.error !== undefined || t.ms >= LIMIT_MS;
const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;

export async function viewLatency(): Promise<BenchResult[]> {
  const n = Number(process.env.BENCH_VIEW_EVENTS ?? 10_000_000);
  const path = await cachedDatabase(n);
  const db = await Database.open(path, { settings: settings() });
  // What a pipeline writes when it opens the file (targets, merge gap, silence thresholds,
  // pleasantry and pause rules): the views then do the work they do in the product.
  await applyViewSettings(db, DEFAULTS);
  await applySilenceSettings(db, DEFAULTS.detect.silence);
  // Another version of the views (e.g. a copy of sql/ at an older commit), for before/after figures.
  if (process.env.BENCH_VIEW_SQL) {
    process.stdout.write(`   views from ${process.env.BENCH_VIEW_SQL} (BENCH_VIEW_SQL)\n`);
    await db.migrate(process.env.BENCH_VIEW_SQL);
  }
  const out: BenchResult[] = [];
  try {
    const [cfg] = await db.query<{ threads: bigint; memory_limit: string }>(
      `SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory_limit`,
    );
    process.stdout.write(`   DuckDB settings (the product's): threads ${cfg!.threads}, memory_limit ${cfg!.memory_limit}\n`);
    const events = Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM events'))[0]!.n);
    const empty = (
      await db.query<{ t: string }>(
        `SELECT table_name AS t FROM duckdb_tables() WHERE NOT internal AND NOT temporary AND estimated_size = 0 ORDER BY 1`,
      )
    ).map((r) => r.t);
    const label = events >= 1e5 ? `${(events / 1e6).toFixed(1)}M` : `${(events / 1e3).toFixed(0)}k`;
    process.stdout.write(`   ${events} events stored. Empty after a bulk load (only the pipeline's stages fill them): ${empty.join(', ') || 'none'}\n`);

    // The analyst's slice: the crisis period with the most inbound messages; time filters keep its
    // first day (the workload's seeds overlap, so its periods run for days, unlike a real crisis).
    const [period] = await db.query<{ brand: string; period_id: string; from_ts: string; to_ts: string; inbound: bigint }>(
      `SELECT brand, period_id, CAST(started_at AS VARCHAR) AS from_ts,
              CAST(least(coalesce(ended_at, (SELECT as_of FROM data_as_of)), started_at + INTERVAL 1 DAY) AS VARCHAR) AS to_ts, inbound
       FROM crisis_periods ORDER BY inbound DESC, period_id LIMIT 1`,
    );
    const periods = Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM crisis_periods'))[0]!.n);
    if (period) {
      process.stdout.write(
        `   analyst's slice: brand ${period.brand}, period ${period.period_id} (${period.inbound} inbound messages; ${periods} periods in all); ` +
          `time filters ${period.from_ts} → ${period.to_ts}\n`,
      );
    } else process.stdout.write('   no crisis period: the analyst query filters by brand only\n');

    const views = await db.query<{ schema_name: string; view_name: string }>(
      `SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary ORDER BY view_name`,
    );
    const columns = new Map<string, Set<string>>();
    for (const c of await db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal`,
    )) {
      if (!columns.has(c.table_name)) columns.set(c.table_name, new Set());
      columns.get(c.table_name)!.add(c.column_name);
    }
    process.stdout.write(
      `   ${views.length} views; full = CREATE TEMP TABLE AS SELECT * FROM view; analyst = one brand over one crisis period:\n` +
        `     ${'view'.padEnd(26)} ${'full'.padStart(9)} ${'rows'.padStart(9)}   ${'analyst'.padStart(9)} ${'rows'.padStart(7)}  filter\n`,
    );
    let slowest = { name: '', ms: 0 };
    let overCount = 0;
    for (const v of views) {
      const rel = `${quote(v.schema_name)}.${quote(v.view_name)}`;
      const full = await timeQuery(db, `SELECT * FROM ${rel}`);
      const cols = columns.get(v.view_name) ?? new Set<string>();
      const where: string[] = [];
      const params: Record<string, string> = {};
      if (period && cols.has('brand')) {
        where.push('brand = $brand');
        params.brand = period.brand;
      }
      const timeCol = TIME_COLUMNS.find((c) => cols.has(c));
      if (period && cols.has('period_id')) {
        where.push('period_id = $period');
        params.period = period.period_id;
      } else if (period && timeCol) {
        where.push(`${quote(timeCol)} BETWEEN CAST($from AS TIMESTAMPTZ) AND CAST($to AS TIMESTAMPTZ)`);
        params.from = period.from_ts;
        params.to = period.to_ts;
      }
      const analyst = where.length ? await timeQuery(db, `SELECT * FROM ${rel} WHERE ${where.join(' AND ')}`, params) : undefined;
      const slow = over(full);
      const slowAnalyst = analyst !== undefined && over(analyst);
      if (slow) overCount++;
      if (full.ms > slowest.ms) slowest = { name: v.view_name, ms: full.ms };
      const filter = where.length ? where.join(' AND ').replace(/CAST\(\$(\w+) AS TIMESTAMPTZ\)/g, '$$$1') : '(no brand or time column)';
      process.stdout.write(
        `   ${slow || slowAnalyst ? '✘' : '✔'} ${v.view_name.padEnd(26)} ${shown(full).padStart(9)} ${String(full.rows ?? '-').padStart(9)}   ` +
          `${analyst ? shown(analyst).padStart(9) : '-'.padStart(9)} ${String(analyst?.rows ?? '-').padStart(7)}  ${filter}\n`,
      );
      for (const [what, t] of [['full', full], ['analyst', analyst]] as const) {
        if (t?.error) process.stdout.write(`       ${what} query failed: ${t.error}\n`);
      }
      out.push({ section: 'views', figure: `${v.view_name} (${label} events, full)`, value: shown(full), target: '< 2 s', met: !slow });
      if (analyst) {
        out.push({ section: 'views', figure: `${v.view_name} (${label} events, one brand × period)`, value: shown(analyst), target: '< 2 s', met: !slowAnalyst });
      }
    }
    process.stdout.write(`   ${overCount} of ${views.length} views over ${LIMIT_MS / 1000} s in full; slowest ${slowest.name} ${(slowest.ms / 1000).toFixed(2)} s\n`);
  } finally {
    await db.close();
  }
  return out;
}
