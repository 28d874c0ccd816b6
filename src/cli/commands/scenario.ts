/** @module cli/commands/scenario — `crisiscx scenario --out FILE`: the built-in crisis as NDJSON. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { type Command } from 'commander';
import { DEFAULT_SCENARIO_START, generateScenario, scenarioLines } from '../../sources/scenario/generate.js';

export function register(program: Command): void {
  program
    .command('scenario')
    .description('write the built-in crisis scenario as NDJSON (events in time order, with a few invalid lines) and print its script')
    .option('--out <file>', 'output file ("-" for stdout)', '-')
    .option('--seed <n>', 'seed', (v) => Number.parseInt(v, 10), 42)
    .option('--start <iso>', 'time of minute 0', new Date(DEFAULT_SCENARIO_START).toISOString())
    .option('--scale <x>', 'multiplies customer volume', Number, 1)
    .option('--script <file>', 'also write what the story put where (JSON)')
    .action(async (opts: { out: string; seed: number; start: string; scale: number; script?: string }) => {
      const start = Date.parse(opts.start);
      if (Number.isNaN(start)) throw new Error(`--start: not a time: ${opts.start} (use ISO 8601, e.g. 2026-03-14T06:00:00Z)`);
      const s = generateScenario({ seed: opts.seed, start, scale: opts.scale });
      const out = opts.out === '-' ? process.stdout : createWriteStream(opts.out);
      for (const { line } of scenarioLines(s)) {
        if (!out.write(line + '\n')) await once(out, 'drain');
      }
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
        process.stderr.write(`wrote ${s.events.length + s.garbage.length} lines to ${opts.out}\n`);
      }
      if (opts.script) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(opts.script, JSON.stringify(s.script, null, 2) + '\n');
      }
    });
}
