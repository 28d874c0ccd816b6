/**
 * @module cli/commands/run
 * `crisiscx run --pipeline FILE` and `crisiscx demo`: run sources through the pipeline into the
 * database while serving the page; finite sources end, the server stays until Ctrl-C.
 */
import { type Command } from 'commander';
import type { Clock } from '../../contract/clock.js';
import { loadPipelineConfig, parsePipelineConfig, type PipelineConfig } from '../../config/pipeline.js';
import { buildPipeline, buildSource } from '../../pipeline/build.js';
import { ScenarioSource } from '../../sources/scenario/source.js';
import { serverOptions, startServer, type RunningServer } from '../../serve/server.js';
import { liveHubFor } from '../../serve/live/hub.js';
import { liveRoutes } from '../../serve/live/routes.js';
import { startTelemetry } from '../../telemetry/setup.js';
import { instrumentSource, observeBatch } from '../../telemetry/stage.js';
import { ProgressLine } from '../progress.js';
import { stopSignal } from './shared.js';

export interface RunOptions {
  /** Keep serving after the sources end (default: when serving). */
  stay?: boolean;
  quiet?: boolean;
}

export async function runPipeline(config: PipelineConfig, options: RunOptions = {}): Promise<void> {
  const { signal, stopped } = stopSignal();
  // Token and exposure are checked before anything runs: a server it may not start stops the run.
  const serve = config.serve.enabled ? serverOptions(config.serve) : undefined;
  const sources = config.sources.map((s) => buildSource(s, config));
  // A live (accelerated) scenario brings its own event clock; the live timers follow it.
  const liveClock: Clock | undefined = sources.find((s): s is ScenarioSource => s instanceof ScenarioSource && s.clock !== undefined)?.clock;
  // A Kafka source is a live stream: timers follow the wall clock.
  const live = liveClock !== undefined || sources.some((s) => s.live === true);
  const progress = new ProgressLine(config.name);
  let current = sources[0]!;
  // Before the stages are built: they take their instruments from the global meter provider.
  const telemetry = config.telemetry.enabled ? startTelemetry(config.telemetry) : undefined;
  const observe = telemetry ? observeBatch(telemetry.metrics) : undefined;
  const built = await buildPipeline(config, {
    live,
    clock: liveClock,
    onBatch: (s, batch) => {
      observe?.(s, batch);
      if (!options.quiet) progress.update(current.progress(), s);
    },
  });
  let server: RunningServer | undefined;
  const stopTimers = live ? built.pipeline.startTimers() : () => undefined;
  try {
    // Sources that keep their position in the database (Kafka offsets) read it before starting.
    for (const src of sources) await src.attach?.({ db: built.db });
    if (serve) {
      const routes = { ...liveRoutes(liveHubFor(built.db), { database: config.database }), ...telemetry?.routes() };
      server = await startServer({ db: built.db, ...serve, routes });
      process.stderr.write(`crisiscx: serving ${server.describeAccess()} (database ${config.database})\n`);
    }
    for (const src of sources) {
      current = src;
      process.stderr.write(`crisiscx: reading ${src.name}\n`);
      await built.pipeline.runSource(telemetry ? instrumentSource(src, telemetry.metrics) : src, signal);
      if (signal.aborted) break;
    }
    await built.pipeline.flush();
    const s = built.pipeline.stats;
    if (!options.quiet) progress.done(current.progress(), s);
    process.stderr.write(`crisiscx: ${s.records} records read, ${s.stored} stored, ${s.duplicates} duplicates, ${s.deadLetters} dead letters\n`);
    if (server && (options.stay ?? true) && !signal.aborted) {
      process.stderr.write(`crisiscx: input finished; still serving ${server.url} — press Ctrl-C to stop\n`);
      await stopped;
    }
  } finally {
    stopTimers();
    await server?.close();
    await liveHubFor(built.db).close();
    for (const src of sources) await src.close?.().catch((err: Error) => process.stderr.write(`crisiscx: closing ${src.name}: ${err.message}\n`));
    await built.close();
    await telemetry?.shutdown();
  }
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a pipeline config: its sources into its database, serving its page')
    .requiredOption('--pipeline <file>', 'pipeline config (YAML), e.g. pipelines/default.yaml')
    .option('--db <file>', 'override the database file of the config')
    .option('--no-serve', 'do not start the HTTP server; exit when the input ends')
    .action(async (opts: { pipeline: string; db?: string; serve: boolean }) => {
      const config = loadPipelineConfig(opts.pipeline);
      if (opts.db) config.database = opts.db;
      if (!opts.serve) config.serve.enabled = false;
      await runPipeline(config);
    });

  program
    .command('demo')
    .description('play the built-in crisis (6 hours in 2 minutes) into ./crisiscx.duckdb and serve http://localhost:8080')
    .option('--db <file>', 'database file', 'crisiscx.duckdb')
    .option('--seed <n>', 'scenario seed', (v) => Number.parseInt(v, 10), 42)
    .option('--speed <x>', 'event-time speed-up; 0 replays as fast as possible', Number, 180)
    .option('--port <n>', 'HTTP port', (v) => Number.parseInt(v, 10), 8080)
    .option('--host <addr>', 'bind address', '127.0.0.1')
    .option('--no-serve', 'do not serve; exit when the scenario ends')
    .action(async (opts: { db: string; seed: number; speed: number; port: number; host: string; serve: boolean }) => {
      const config = parsePipelineConfig(
        {
          name: 'demo',
          database: opts.db,
          sources: [{ type: 'scenario', seed: opts.seed, speed: opts.speed }],
          serve: { enabled: opts.serve, host: opts.host, port: opts.port },
        },
        'demo options',
      );
      await runPipeline(config);
    });
}
