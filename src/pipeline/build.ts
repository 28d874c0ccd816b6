/**
 * @module pipeline/build
 * Builds a running pipeline from a validated config: the database, the writer, the stages, and the
 * sources.
 */
import { wallClock, type Clock } from '../contract/clock.js';
import type { PipelineConfig, SourceConfig } from '../config/pipeline.js';
import { getAdapter } from '../normalize/normalize.js';
import { adapterOptionsFromConfig } from '../normalize/adapters/options.js';
import { csvFramer } from '../sources/file/csv.js';
import { FileSource } from '../sources/file/file.js';
import { ScenarioSource } from '../sources/scenario/source.js';
import { KafkaSource } from '../sources/kafka/source.js';
import type { Source } from '../sources/source.js';
import { Database } from '../store/database.js';
import { EventWriter } from '../store/writer.js';
import { Pipeline, type PipelineOptions } from './pipeline.js';
import { buildStages } from './stages.js';

export interface Built {
  config: PipelineConfig;
  db: Database;
  writer: EventWriter;
  pipeline: Pipeline;
  close(): Promise<void>;
}

export function buildSource(cfg: SourceConfig, config: PipelineConfig): Source {
  switch (cfg.type) {
    case 'file': {
      const options = adapterOptionsFromConfig(cfg);
      // Built once here so a format that cannot work with these options fails before reading.
      const adapter = getAdapter({ format: cfg.format, maxEventBytes: config.limits.max_event_bytes, ...options });
      return new FileSource(cfg.paths, {
        batchSize: config.limits.batch_size,
        format: cfg.format,
        adapter: options,
        ...(adapter.framing === 'csv' ? { framer: csvFramerFor(cfg.format) } : {}),
      });
    }
    case 'scenario':
      return new ScenarioSource({
        seed: cfg.seed,
        speed: cfg.speed,
        scale: cfg.scale,
        start: cfg.start ? Date.parse(cfg.start) : cfg.speed ? Math.floor(Date.now() / 60_000) * 60_000 : undefined,
        batchSize: config.limits.batch_size,
      });
    case 'kafka':
      return new KafkaSource({ config: cfg, batchSize: config.limits.batch_size, where: `sources.${config.sources.indexOf(cfg)}` });
  }
}

/** CSV-framed adapters register their framer here (see normalize/adapters). */
export const CSV_FRAMERS: Record<string, NonNullable<ConstructorParameters<typeof FileSource>[1]>['framer']> = {
  twcs: csvFramer(),
};
function csvFramerFor(format: string) {
  const f = CSV_FRAMERS[format];
  if (!f) throw new Error(`format ${format} reads CSV but registered no CSV framer`);
  return f;
}

export interface BuildOptions {
  clock?: Clock;
  live?: boolean;
  onBatch?: PipelineOptions['onBatch'];
}

export async function buildPipeline(config: PipelineConfig, options: BuildOptions = {}): Promise<Built> {
  const db = await Database.open(config.database, {
    settings: { memory_limit: config.limits.database_memory_limit, checkpoint_threshold: config.limits.database_checkpoint_threshold },
  });
  try {
    const writer = await EventWriter.create(db);
    const live = options.live ?? false;
    const clock = options.clock ?? wallClock;
    const stages = await buildStages({ config, db, clock, live });
    const pipeline = new Pipeline({
      writer,
      stages,
      live,
      clock: live ? clock : undefined,
      normalizer: { maxEventBytes: config.limits.max_event_bytes },
      onBatch: options.onBatch,
    });
    return {
      config,
      db,
      writer,
      pipeline,
      async close() {
        await pipeline.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
