/**
 * @module pipeline/stages
 * The stages after normalize, in order: one line per stage. Each stage reads its own section of
 * the pipeline config.
 */
import type { Clock } from '../contract/clock.js';
import type { PipelineConfig } from '../config/pipeline.js';
import type { Database } from '../store/database.js';
import { viewSettings } from '../detect/crisis/settings.js';
import { createPromiseStage } from '../detect/promises/stage.js';
import { createSilenceStage } from '../detect/silence/stage.js';
import { createSpikeStage } from '../detect/spikes/stage.js';
import { partialCountStage } from '../sources/kafka/aggregates.js';
import { alertStage } from '../alert/stage.js';
import { createLiveStage } from '../serve/live/stage.js';
import { createTelemetryStage } from '../telemetry/stage.js';
import { createScoreStage } from '../score/stage.js';
import type { Stage } from './stage.js';

export interface StageDeps {
  config: PipelineConfig;
  db: Database;
  clock: Clock;
  live: boolean;
}

export type StageFactory = (deps: StageDeps) => Stage | Stage[] | undefined | Promise<Stage | Stage[] | undefined>;

/**
 * Registration order is execution order. Keep the groups in this order:
 * 1. score (annotates inbound messages with upset);
 * 2. detectors (spikes, silence, triage, promises), which read the score and emit detections;
 * 3. alerts (reads detections, stores alerts, notifies sinks);
 * 4. live outputs (live page, telemetry), which read everything above after commit.
 */
export const STAGE_FACTORIES: StageFactory[] = [
  // 1. score
  ({ config }) => createScoreStage(config.score), // upset score, label and language of every inbound message (env.upset → messages.upset)
  // 2. detect
  partialCountStage, // Kafka scale-out: partial brand × channel counts, published to the aggregates topic (only with scale_out)
  viewSettings, // writes the config values the SQL views read (triage targets, crisis gap, promise grace); no stage
  createSpikeStage, // spikes of upset volume per brand × channel → spike_updates, `spike` detections (before silence: brand silence needs the crisis state)
  createSilenceStage, // customers waiting for a reply, the brand quiet during a crisis → `customer_silence`, `brand_silence` detections; rules for view silence_gaps
  createPromiseStage,
  // 3. alert
  alertStage,
  // 4. live
  createLiveStage, // pushes each committed batch and its detections to the live page (when serving)
  createTelemetryStage, // counts stored events, detections, open silences for /metrics and OTLP
];

export async function buildStages(deps: StageDeps): Promise<Stage[]> {
  const out: Stage[] = [];
  for (const f of STAGE_FACTORIES) {
    const s = await f(deps);
    if (Array.isArray(s)) out.push(...s);
    else if (s) out.push(s);
  }
  return out;
}
