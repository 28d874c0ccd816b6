/**
 * @module serve/live/stage
 * The live page's pipeline stage: after every committed batch (and every live tick that stored
 * something) it hands what was stored and detected to the database's live hub, which pushes it to
 * the browsers. It does no work of its own when nobody watches.
 *
 * @example
 * const stage = createLiveStage({ config, db, clock, live: true });
 */
import type { Clock } from '../../contract/clock.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import type { CommitInfo, Stage } from '../../pipeline/stage.js';
import type { Database } from '../../store/database.js';
import { PipelineMetrics } from '../../telemetry/metrics.js';
import { liveHubFor, type LiveHub } from './hub.js';

export interface LiveStageDeps {
  config: PipelineConfig;
  db: Database;
  clock: Clock;
  live: boolean;
}

export class LiveStage implements Stage {
  readonly name = 'live';
  constructor(readonly hub: LiveHub) {}

  afterCommit(info: CommitInfo): void {
    this.hub.publish(info);
  }
}

/** Seconds of public quiet during a crisis the brand-silence detector allows, when it is configured. */
function brandSilenceThreshold(config: PipelineConfig): number | undefined {
  // Read loosely: the silence detector's section is its own; the page only needs this one number.
  const silence = (config.detect as Record<string, unknown>).silence as Record<string, unknown> | undefined;
  const brand = (silence?.brand ?? silence?.brand_silence) as Record<string, unknown> | undefined;
  const v = brand?.threshold_secs ?? silence?.brand_threshold_secs;
  return typeof v === 'number' && v > 0 ? v : undefined;
}

/** The stage factory registered in src/pipeline/stages.ts (none when the server is off). */
export function createLiveStage(deps: LiveStageDeps): LiveStage | undefined {
  if (!deps.config.serve.enabled) return undefined;
  const hub = liveHubFor(deps.db);
  hub.attachPipeline({ clock: deps.clock, live: deps.live });
  const threshold = brandSilenceThreshold(deps.config);
  if (threshold !== undefined) hub.configure({ brandSilenceThresholdSecs: threshold });
  if (deps.config.telemetry.enabled) PipelineMetrics.fromGlobal().observableGauge('live_clients').addCallback((r) => r.observe(hub.clients));
  return new LiveStage(hub);
}
