/**
 * Small hand-checked crisis stories for the view tests: events in the contract's format go through
 * the real pipeline (normalize, dedupe, the promise stage, the DuckDB writer) into a real database
 * file. Upset labels come from the story itself (`x_upset`), not from a model, so the expected
 * rows can be worked out by hand; spikes are given as the spike detector would report them.
 */
import { join } from 'node:path';
import type { EventInput } from '../../src/contract/events.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { applyViewSettings } from '../../src/detect/crisis/settings.js';
import { createPromiseStage } from '../../src/detect/promises/stage.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Stage } from '../../src/pipeline/stage.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';

/** 2026-03-14 at hh:mm (UTC), as an ISO string. */
export const at = (hhmm: string, day = 14): string => `2026-03-${String(day).padStart(2, '0')}T${hhmm}:00Z`;

export type StoryEvent = EventInput & { x_upset?: boolean };

export interface SpikeRow {
  spike_id: string;
  brand: string;
  channel: string;
  started_at: string;
  ended_at: string | null;
}

export interface StoryOptions {
  /** Pipeline config overrides (detect.triage, detect.promises, detect.crisis ...). */
  config?: Record<string, unknown>;
  spikes?: SpikeRow[];
  /** Arrival order of the events (default: as listed). */
  order?: (events: StoryEvent[]) => StoryEvent[];
  batchSize?: number;
  /** Rows of messages and tickets between refreshes of the conversation facts (default: the writer's). */
  factsRefreshRows?: number;
}

/** Labels inbound messages from the story's `x_upset` field, as the score stage would. */
const storyScorer: Stage = {
  name: 'story-scorer',
  onEvents(events) {
    for (const env of events) {
      const e = env.event as { type: string; direction?: string; x_upset?: unknown };
      if (e.type !== 'message' || e.direction !== 'inbound') continue;
      const upset = e.x_upset === true;
      env.upset = { score: upset ? 0.9 : 0.1, label: upset ? 'upset' : 'not_upset', lang: 'eng' };
    }
  },
};

/**
 * Stands in for the spike detector's output. The spikes view belongs to the spike detector
 * (sql/views/10_spikes.sql); the story replaces it in this test database only.
 */
export async function setSpikes(db: Database, spikes: SpikeRow[]): Promise<void> {
  const values = spikes
    .map(
      (s) =>
        `('${s.spike_id}', '${s.brand}', '${s.channel}', TIMESTAMPTZ '${s.started_at}', ${s.ended_at ? `TIMESTAMPTZ '${s.ended_at}'` : 'NULL::TIMESTAMPTZ'})`,
    )
    .join(', ');
  const body = spikes.length
    ? `SELECT * FROM (VALUES ${values}) AS s(spike_id, brand, channel, started_at, ended_at)`
    : `SELECT NULL::VARCHAR AS spike_id, NULL::VARCHAR AS brand, NULL::VARCHAR AS channel, NULL::TIMESTAMPTZ AS started_at, NULL::TIMESTAMPTZ AS ended_at WHERE false`;
  await db.run(`CREATE OR REPLACE VIEW spikes AS SELECT spike_id, brand, channel, started_at, NULL::TIMESTAMPTZ AS peak_at, ended_at, ended_at IS NULL AS open FROM (${body})`);
}

/** Writes the story into a new database file in `dir` and returns it open. */
export async function openStory(dir: string, name: string, events: StoryEvent[], options: StoryOptions = {}): Promise<Database> {
  const path = join(dir, `${name}.duckdb`);
  const db = await Database.open(path);
  const config = parsePipelineConfig({ database: path, ...options.config }, 'story');
  await applyViewSettings(db, config);
  const writer = await EventWriter.create(db, { factsRefreshRows: options.factsRefreshRows });
  const pipeline = new Pipeline({ writer, stages: [storyScorer, createPromiseStage({ config })] });
  const ordered = (options.order ?? ((x) => x))([...events]);
  const size = options.batchSize ?? 1000;
  for (let i = 0; i < ordered.length; i += size) {
    const records = ordered.slice(i, i + size).map((e, j) => ({
      bytes: Buffer.from(JSON.stringify(e)),
      origin: { kind: 'file' as const, name: `${name}.ndjson`, line: i + j + 1 },
    }));
    await pipeline.process({ records });
  }
  await pipeline.flush();
  await pipeline.close();
  await setSpikes(db, options.spikes ?? []);
  return db;
}

/** Rows of a query as plain values: counts as numbers, times as ISO strings (no .000). */
export async function rows(db: Database, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await db.connection.runAndReadAll(sql);
  return (reader.getRowObjectsJS() as Record<string, unknown>[]).map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString().replace('.000Z', 'Z') : v,
      ]),
    ),
  );
}

/** Seeded shuffle (mulberry32), so an order-independence failure can be reproduced. */
export function shuffled<T>(xs: T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
