#!/usr/bin/env node
/**
 * @module cli/main
 * The `crisiscx` command. Each command lives in its own file under commands/ and registers itself.
 */
import { Command, CommanderError } from 'commander';
import { register as ingest } from './commands/ingest.js';
import { register as run } from './commands/run.js';
import { register as scenario } from './commands/scenario.js';
import { register as sql } from './commands/sql.js';
import { register as scoreSeries } from './commands/score-series.js';
import { register as replay } from './commands/replay.js';
import { register as exportCommand } from './commands/export.js';
import { register as produce } from './commands/produce.js';
import { register as report } from './commands/report.js';
import { register as dashboards } from './commands/dashboards.js';
import { register as scoreText } from './commands/score-text.js';

export function buildProgram(): Command {
  const program = new Command('crisiscx')
    .description('crisis customer-experience analytics: upset, spikes, silence, triage and promises, in DuckDB')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)');
  for (const r of [run, ingest, sql, scenario, replay, exportCommand, scoreSeries, produce, report, dashboards, scoreText]) r(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`crisiscx: ${msg}\n`);
    if (process.env.CRISISCX_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}

await main();
