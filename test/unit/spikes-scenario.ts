/**
 * Test helpers for the detectors on the built-in scenario: a stage that labels inbound messages
 * upset or not from what the story made them say (ground truth, so detector tests do not depend on
 * the scorer's accuracy; the real score stage, when registered, runs after it and has the last
 * word), and a way to run the scenario through the registered stages into a database.
 */
import type { Clock } from '../../src/contract/clock.js';
import type { Envelope } from '../../src/contract/records.js';
import { parsePipelineConfig, type PipelineConfig } from '../../src/config/pipeline.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Detection, Stage, StageContext } from '../../src/pipeline/stage.js';
import { buildStages } from '../../src/pipeline/stages.js';
import { PHRASES } from '../../src/sources/scenario/phrases.js';
import { ScenarioSource } from '../../src/sources/scenario/source.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const template = (s: string) => new RegExp(`^${escape(s).replace('\\{f\\}', 'AU\\d{3}').replace('\\{n\\}', '\\d{5}')}$`);

const UPSET: RegExp[] = [
  ...Object.values(PHRASES).flatMap((p) => [...p.upset, ...p.chase].map(template)),
  /AU451 is cancelled/,
  /without his insulin/,
  /worst airline/,
];

export function isScenarioUpset(text: string | undefined): boolean {
  return text !== undefined && UPSET.some((r) => r.test(text));
}

/**
 * Labels inbound messages by the story's truth. Placed before the score stage it only fills in
 * where no scorer runs; with `force` (placed after it) it overrides the scorer, so a detector test
 * neither depends on the scorer's accuracy nor on its order-dependent context signals.
 */
export function truthLabels(force = false): Stage {
  return {
    name: 'truth-labels',
    onEvents(events: Envelope[]) {
      for (const env of events) {
        const e = env.event;
        if (e.type !== 'message' || e.direction !== 'inbound' || (env.upset && !force)) continue;
        const upset = isScenarioUpset(e.text);
        env.upset = { score: upset ? 0.9 : 0.1, label: upset ? 'upset' : 'not_upset', lang: null };
      }
    },
  };
}

/** The registered stages with the story's truth labels right after the score stage (or first). */
export async function stagesWithTruth(deps: Parameters<typeof buildStages>[0]): Promise<Stage[]> {
  const stages = await buildStages(deps);
  const at = stages.findIndex((s) => s.name === 'score');
  stages.splice(at + 1, 0, truthLabels(true));
  return stages;
}

/** Records every detection the stages push (for assertions). */
export function detectionLog(into: Detection[]): Stage {
  const take = (ctx: StageContext, seen: WeakMap<Detection[], number>) => {
    const from = seen.get(ctx.detections) ?? 0;
    into.push(...ctx.detections.slice(from));
    seen.set(ctx.detections, ctx.detections.length);
  };
  const seen = new WeakMap<Detection[], number>();
  return {
    name: 'detection-log',
    onEvents: (_e, ctx) => take(ctx, seen),
    onTick: (_n, ctx) => take(ctx, seen),
    onFlush: (_n, ctx) => take(ctx, seen),
  };
}

export interface ScenarioRun {
  db: Database;
  pipeline: Pipeline;
  source: ScenarioSource;
  detections: Detection[];
  config: PipelineConfig;
}

/**
 * Replays the scenario (as fast as possible) through the registered stages into `path`; with
 * `truth`, inbound messages carry the story's labels instead of the scorer's.
 */
export async function replayScenario(
  path: string,
  overrides: Record<string, unknown> = {},
  options: { seed?: number; clock?: Clock; truth?: boolean; onStages?: (stages: Stage[]) => void } = {},
): Promise<ScenarioRun> {
  const config = parsePipelineConfig({ database: path, serve: { enabled: false }, ...overrides });
  const db = await Database.open(path);
  const writer = await EventWriter.create(db);
  const detections: Detection[] = [];
  const clock = options.clock ?? { now: () => 0 };
  const deps = { config, db, clock, live: false };
  const stages = [...(options.truth ? await stagesWithTruth(deps) : [truthLabels(), ...(await buildStages(deps))]), detectionLog(detections)];
  options.onStages?.(stages);
  const pipeline = new Pipeline({ writer, stages });
  const source = new ScenarioSource({ seed: options.seed ?? 42, batchSize: 2000 });
  await pipeline.runSource(source);
  await pipeline.flush();
  return { db, pipeline, source, detections, config };
}
