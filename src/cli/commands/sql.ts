/** @module cli/commands/sql — `crisiscx sql "SELECT ..."` against the database. */
import { Option, type Command } from 'commander';
import { formatRows, type OutputFormat } from '../format.js';
import { dbOption, withDatabase } from './shared.js';

export function register(program: Command): void {
  program
    .command('sql')
    .description('run a SQL query against the database and print the result')
    .argument('<query>', 'SQL text, e.g. "SELECT type, count(*) FROM events GROUP BY ALL"')
    .addOption(dbOption())
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(async (query: string, opts: { db: string; format: OutputFormat }) => {
      await withDatabase(opts.db, async (db) => {
        const reader = await db.connection.runAndReadAll(query);
        const columns = reader.columnNames();
        const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
        process.stdout.write(formatRows(opts.format, columns, rows));
      });
    });
}
