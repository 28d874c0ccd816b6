/**
 * @module sources/scenario/source
 * Feeds the built-in crisis into the pipeline: as fast as possible (replay), or in accelerated
 * time (`speed` 180 plays 6 hours in 2 minutes) with an event clock the live detectors share.
 *
 * @example
 * const src = new ScenarioSource({ seed: 7, speed: 180 });
 * for await (const b of src.batches(signal)) ...
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AcceleratedClock, type Clock } from '../../contract/clock.js';
import type { RawRecord } from '../../contract/records.js';
import type { Source, SourceBatch, SourceProgress } from '../source.js';
import { generateScenario, scenarioLines, type Scenario, type ScenarioOptions } from './generate.js';

export interface ScenarioSourceOptions extends ScenarioOptions {
  /** Event-time speed-up against the wall clock; 0 or undefined replays as fast as possible. */
  speed?: number;
  batchSize?: number;
  /** How often to release due events in accelerated mode. */
  tickMs?: number;
}

export class ScenarioSource implements Source {
  readonly name: string;
  readonly scenario: Scenario;
  /** Event time in accelerated mode; undefined when replaying as fast as possible. */
  readonly clock: Clock | undefined;
  private readonly lines: { ts: number; line: string }[];
  private emitted = 0;

  constructor(private readonly options: ScenarioSourceOptions = {}) {
    this.scenario = generateScenario(options);
    this.lines = scenarioLines(this.scenario);
    this.name = `scenario(seed=${this.scenario.script.seed})`;
    this.clock = options.speed ? new AcceleratedClock(this.scenario.script.start, options.speed, this.scenario.script.end) : undefined;
  }

  progress(): SourceProgress {
    return { done: this.emitted, total: this.lines.length, unit: 'records', records: this.emitted };
  }

  private record(i: number): RawRecord {
    return { bytes: Buffer.from(this.lines[i]!.line), origin: { kind: 'scenario', name: this.name, line: i + 1 } };
  }

  async *batches(signal?: AbortSignal): AsyncGenerator<SourceBatch> {
    const size = this.options.batchSize ?? 2000;
    let i = 0;
    while (i < this.lines.length) {
      if (signal?.aborted) return;
      let until = this.lines.length;
      if (this.clock) {
        const now = this.clock.now();
        until = i;
        // The few events dated after the story's end (late ratings) are released at its end, so a
        // live demo does not idle for minutes of wall time waiting for them.
        const due = Math.min(now, this.scenario.script.end);
        while (until < this.lines.length && Math.min(this.lines[until]!.ts, this.scenario.script.end) <= due) until++;
        if (until === i) {
          try {
            await sleep(this.options.tickMs ?? 100, undefined, { signal });
          } catch {
            return;
          }
          continue;
        }
      }
      const end = Math.min(until, i + size);
      const records: RawRecord[] = [];
      for (; i < end; i++) records.push(this.record(i));
      this.emitted = i;
      yield { records };
    }
  }
}
