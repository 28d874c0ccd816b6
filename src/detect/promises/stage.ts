/**
 * @module detect/promises/stage
 * The promise stage: reads the promises agents make in their public outbound messages into
 * `promises_extracted` (the `promise_outcomes` view merges them with explicit promise events), and
 * tracks every promise live so a broken one becomes a `promise` detection for the alert engine.
 *
 * @example
 * const stage = createPromiseStage({ config: parsePipelineConfig({}), db, clock, live: false });
 */
import type { Clock } from '../../contract/clock.js';
import type { Envelope } from '../../contract/records.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import type { Stage, StageContext } from '../../pipeline/stage.js';
import { configHash } from '../crisis/settings.js';
import type { PromisesConfig } from './config.js';
import { extractPromises, offsetOfIsoTime, zoneOffsetMinutes, type ExtractedPromise } from './extract.js';
import { PromiseTracker } from './tracker.js';

export const PROMISES_TABLE = 'promises_extracted';
const DAY_MS = 86_400_000;

export interface PromiseStageDeps {
  config: PipelineConfig;
  clock?: Clock;
  live?: boolean;
}

/** The customer's offset for a message: the one written in its `ts`, else the brand's zone, else the default. */
export function messageOffsetMinutes(env: Envelope, cfg: PromisesConfig): number {
  let written: number | undefined;
  try {
    written = offsetOfIsoTime((JSON.parse(env.raw) as { ts?: unknown }).ts);
  } catch {
    written = undefined;
  }
  if (written !== undefined) return written;
  const zone = cfg.brand_timezones[env.event.brand] ?? cfg.default_timezone;
  return zoneOffsetMinutes(zone, env.event.ts);
}

export class PromiseStage implements Stage {
  readonly name = 'promises';
  private readonly tracker: PromiseTracker;
  private readonly hash: string;

  constructor(private readonly config: PipelineConfig) {
    const p = config.detect.promises;
    this.tracker = new PromiseTracker({ graceMs: p.grace_secs * 1000, matchWindowMs: p.match_window_secs * 1000 });
    this.hash = configHash(config);
  }

  /** Promises in one outbound message and the customer's UTC offset they were resolved in. */
  extract(env: Envelope): { promises: ExtractedPromise[]; offsetMinutes: number } {
    const e = env.event;
    const cfg = this.config.detect.promises;
    const zone = cfg.brand_timezones[e.brand] ?? cfg.default_timezone;
    const guess = zoneOffsetMinutes(zone, e.ts);
    if (e.type !== 'message' || e.direction !== 'outbound' || !e.public || !e.text) return { promises: [], offsetMinutes: guess };
    const base = { madeAt: e.ts, lang: e.lang, languages: cfg.languages, maxHorizonMs: cfg.max_horizon_days * DAY_MS };
    // The zone only matters once a sentence is a promise; parsing the raw line is left until then.
    const found = extractPromises(e.text, { ...base, offsetMinutes: guess });
    if (found.length === 0) return { promises: found, offsetMinutes: guess };
    const off = messageOffsetMinutes(env, cfg);
    return { promises: off === guess ? found : extractPromises(e.text, { ...base, offsetMinutes: off }), offsetMinutes: off };
  }

  onEvents(events: Envelope[], ctx: StageContext): void {
    const extract = this.config.detect.promises.extract;
    for (const env of events) {
      const e = env.event;
      switch (e.type) {
        case 'message': {
          if (e.direction !== 'outbound' || !e.public) break;
          // A reply keeps earlier promises before this message makes new ones.
          this.tracker.replied(e.brand, e.conversationId, e.ts);
          if (!extract) break;
          const { promises, offsetMinutes } = this.extract(env);
          for (const p of promises) {
            const id = `${e.id}#${p.index}`;
            ctx.emit(PROMISES_TABLE, {
              id,
              message_id: e.id,
              ts: e.ts,
              brand: e.brand,
              conversation_id: e.conversationId,
              channel: e.channel,
              agent_id: e.agentId,
              kind: p.kind,
              due_at: p.dueAt,
              lang: p.lang,
              utc_offset_minutes: offsetMinutes,
              matched_text: p.matched,
              sentence: p.sentence.slice(0, 1000),
              config_hash: this.hash,
            });
            this.tracker.made({ key: id, brand: e.brand, conversationId: e.conversationId, kind: p.kind, madeAt: e.ts, dueAt: p.dueAt, explicit: false, agentId: e.agentId });
          }
          break;
        }
        case 'promise':
          if (e.action === 'made' && e.dueAt !== undefined) {
            this.tracker.made({
              key: `${e.conversationId}/${e.promiseId}`,
              brand: e.brand,
              conversationId: e.conversationId,
              kind: e.kind ?? 'other',
              madeAt: e.ts,
              dueAt: e.dueAt,
              explicit: true,
              agentId: e.agentId,
              promiseId: e.promiseId,
            });
          } else if (e.action === 'kept' || e.action === 'cancelled') {
            this.tracker.settled(e.brand, e.conversationId, e.promiseId, e.ts, e.action);
          }
          break;
        case 'ticket':
          if (e.action === 'solved' || e.action === 'closed') this.tracker.solved(e.brand, e.conversationId, e.ts);
          break;
        default:
          break;
      }
    }
    ctx.detections.push(...this.tracker.drain());
  }

  onTick(now: number, ctx: StageContext): void {
    ctx.detections.push(...this.tracker.tick(now));
  }

  onFlush(now: number, ctx: StageContext): void {
    ctx.detections.push(...this.tracker.tick(now));
  }
}

/** Stage factory (pipeline/stages.ts). */
export function createPromiseStage(deps: PromiseStageDeps): Stage {
  return new PromiseStage(deps.config);
}
