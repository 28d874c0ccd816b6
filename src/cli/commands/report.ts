/**
 * @module cli/commands/report
 * `crisiscx report --period ID | --from T --to T --out report.html`: one self-contained HTML file
 * (inline SVG charts, no script, no external request) a manager can mail; `--list` shows the
 * crisis periods to choose from. The same report is served at /report while a pipeline runs.
 */
import { writeFileSync } from 'node:fs';
import { type Command } from 'commander';
import { loadPipelineConfig } from '../../config/pipeline.js';
import { formatDateTime, formatDuration } from '../../serve/live/page/format.js';
import { parseRange, RangeRequestError } from '../../serve/live/range.js';
import { ViewReader } from '../../serve/live/reader.js';
import { loadReport } from '../../serve/report/data.js';
import { renderReport } from '../../serve/report/render.js';
import { dbOption, withDatabase } from './shared.js';

interface ReportOptions {
  db: string;
  period?: string;
  from?: string;
  to?: string;
  all?: boolean;
  brand?: string;
  out?: string;
  list?: boolean;
  pipeline?: string;
  brandSilenceSecs?: number;
}

export class ReportUsageError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ReportUsageError';
  }
}

/** The range the options ask for, as the page's query parameters. */
export function reportParams(o: Pick<ReportOptions, 'period' | 'from' | 'to' | 'all' | 'brand'>): URLSearchParams {
  const p = new URLSearchParams();
  const chosen = [o.period !== undefined, o.from !== undefined || o.to !== undefined, o.all === true].filter(Boolean).length;
  if (chosen > 1) throw new ReportUsageError('choose one range: --period ID, or --from T --to T, or --all');
  if (o.brand) p.set('brand', o.brand);
  if (o.period !== undefined) p.set('period', o.period);
  else if (o.from !== undefined || o.to !== undefined) {
    if (o.from === undefined || o.to === undefined) throw new ReportUsageError('--from and --to go together: e.g. --from 2026-03-14T08:00:00Z --to 2026-03-14T12:00:00Z');
    p.set('from', o.from);
    p.set('to', o.to);
  } else if (o.all) p.set('range', 'all');
  return p;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write a crisis report (one self-contained HTML file) for a crisis period or a time range')
    .option('--period <id>', 'a period_id of view crisis_periods (see --list), e.g. aurora-air/2026-03-14T08:05Z')
    .option('--from <time>', 'start of a custom range (ISO 8601 with zone)')
    .option('--to <time>', 'end of a custom range (ISO 8601 with zone)')
    .option('--all', 'all stored data')
    .option('--brand <brand>', 'the brand (default: the period\'s, else the one with the latest crisis)')
    .option('--out <file>', 'where to write the HTML ("-" for standard output)')
    .option('--list', 'list the crisis periods and exit')
    .option('--pipeline <file>', 'read the database and the brand-silence threshold from this pipeline config')
    .option('--brand-silence-secs <n>', 'public silence during a crisis shown as too long past this (default 1800)', (v) => Number(v))
    .addOption(dbOption())
    .action(async (opts: ReportOptions, cmd: Command) => {
      let db = opts.db;
      let threshold = opts.brandSilenceSecs;
      if (opts.pipeline) {
        const cfg = loadPipelineConfig(opts.pipeline);
        if (cmd.getOptionValueSource('db') === 'default') db = cfg.database;
        const silence = (cfg.detect as Record<string, unknown>).silence as { brand?: { threshold_secs?: number } } | undefined;
        threshold ??= silence?.brand?.threshold_secs;
      }
      if (threshold !== undefined && !(threshold > 0)) throw new ReportUsageError(`--brand-silence-secs ${opts.brandSilenceSecs}: give a number of seconds above 0, e.g. 1800`);
      await withDatabase(db, async (database) => {
        const reader = await ViewReader.open(database);
        try {
          if (opts.list) {
            const rows = await reader.rows('SELECT brand, period_id, started_at, ended_at, trigger, duration_seconds, inbound FROM crisis_periods ORDER BY started_at DESC');
            if (rows.length === 0) process.stdout.write(`no crisis periods in ${db} yet (view crisis_periods is empty)\n`);
            for (const r of rows) {
              process.stdout.write(
                `${String(r.period_id)}\t${formatDateTime(Number(r.started_at))} – ${r.ended_at === null ? 'ongoing' : formatDateTime(Number(r.ended_at))}\t${formatDuration(Number(r.duration_seconds))}\t${String(r.trigger)}\t${String(r.inbound)} inbound\n`,
              );
            }
            return;
          }
          if (!opts.out) throw new ReportUsageError('say where to write the report: --out report.html (or --out - for standard output)');
          let params = reportParams(opts);
          if (!params.has('period') && !params.has('from') && !params.has('range')) {
            // No range given: the latest crisis period (of the brand, if given).
            const latest = await reader.one<{ period_id: string }>(
              `SELECT period_id FROM crisis_periods ${opts.brand ? 'WHERE brand = $brand' : ''} ORDER BY started_at DESC LIMIT 1`,
              opts.brand ? { brand: opts.brand } : undefined,
            );
            if (!latest) {
              throw new ReportUsageError(`no crisis period in ${db}${opts.brand ? ` for brand ${opts.brand}` : ''}: give a range with --from T --to T or --all`);
            }
            params = reportParams({ ...opts, period: latest.period_id });
            process.stderr.write(`crisiscx: no range given; reporting the latest crisis period ${latest.period_id}\n`);
          }
          let data;
          try {
            const range = parseRange(params);
            data = await reader.consistent((r) => loadReport(r, range, { database: db, brandSilenceThresholdSecs: threshold }));
          } catch (err) {
            if (err instanceof RangeRequestError) throw new ReportUsageError(err.message.replace(/^period=/, '--period ').replace(/\b(from|to)=/g, '--$1 '));
            throw err;
          }
          const html = renderReport(data);
          if (opts.out === '-') process.stdout.write(html);
          else {
            writeFileSync(opts.out, html);
            const s = data.snapshot;
            process.stderr.write(
              `crisiscx: wrote ${opts.out} (${Math.round(html.length / 1024)} KB): ${s.brand ?? 'no brand'}, ${s.focus_period ? `crisis period ${s.focus_period.period_id}` : 'no crisis period in range'}; open it in a browser or attach it to a mail\n`,
            );
          }
        } finally {
          reader.close();
        }
      });
    });
}
