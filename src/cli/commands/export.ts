/**
 * @module cli/commands/export
 * `crisiscx export outreach --incident X [--out F]`: the proactive outreach list as CSV;
 * `crisiscx export parquet --out DIR [--from T --to T]`: every table and view as Parquet by day.
 */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { parseEventTime } from '../../contract/events.js';
import { outreachCsv } from '../../export/outreach.js';
import { exportParquet } from '../../export/parquet.js';
import { dbOption, withDatabase } from './shared.js';

/** An ISO time with offset, or a date (midnight UTC). */
export function parseTimeOption(value: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(`${value}T00:00:00Z`);
  const r = parseEventTime(value);
  if (!r.ok) throw new InvalidArgumentError(`${r.reason} (or a date such as 2026-03-14, meaning midnight UTC)`);
  return r.ms;
}

export function register(program: Command): void {
  const exp = program.command('export').description('write views and tables out of the database: the outreach list (CSV), everything (Parquet)');

  exp
    .command('outreach')
    .description('the proactive outreach list of an incident (view silent_sufferers) as CSV')
    .requiredOption('--incident <id>', 'the incident id (as in impact events)')
    .option('--out <file>', 'CSV file to write (default: standard output)')
    .option('--unreached', 'only customers the brand has not reached yet')
    .option('--brand <name>', 'only this brand')
    .addOption(dbOption())
    .action(async (opts: { incident: string; out?: string; unreached?: boolean; brand?: string; db: string }) => {
      await withDatabase(opts.db, async (db) => {
        const { csv, rows } = await outreachCsv(db, { incidentId: opts.incident, unreachedOnly: opts.unreached, brand: opts.brand });
        if (opts.out) {
          writeFileSync(opts.out, csv);
          process.stderr.write(`wrote ${rows} customers of incident ${opts.incident} to ${opts.out}\n`);
        } else {
          process.stdout.write(csv);
        }
      });
    });

  exp
    .command('parquet')
    .description('every table and view as Parquet, partitioned by day (Hive style), with a manifest.json')
    .requiredOption('--out <dir>', 'output folder (must be empty unless --force)')
    .option('--from <time>', 'only rows at or after this event time (ISO 8601 with offset, or a date)', parseTimeOption)
    .option('--to <time>', 'only rows before this event time', parseTimeOption)
    .option('--force', 'replace what is in --out')
    .option('--quiet', 'no progress lines')
    .addOption(dbOption())
    .action(async (opts: { out: string; from?: number; to?: number; force?: boolean; quiet?: boolean; db: string }) => {
      await withDatabase(opts.db, async (db) => {
        const m = await exportParquet(db, {
          out: opts.out,
          from: opts.from,
          to: opts.to,
          force: opts.force,
          onRelation: (r, i, n) => {
            if (!opts.quiet) process.stderr.write(`[${i + 1}/${n}] ${r.name}: ${r.rows} rows${r.partitioned_by ? ` by ${r.partitioned_by} of ${r.time_column}` : ''}\n`);
          },
        });
        const rows = m.relations.reduce((s, r) => s + r.rows, 0);
        process.stdout.write(`exported ${m.relations.length} tables and views (${rows} rows) to ${opts.out}; see ${opts.out}/manifest.json\n`);
      });
    });
}
