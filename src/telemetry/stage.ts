/**
 * @module telemetry/stage
 * Instruments the pipeline: a stage that counts what each committed batch stored and detected and
 * keeps the open silences for their gauge, a batch observer (dead letters by step, batch latency)
 * for the pipeline's `onBatch` hook, and a wrapper counting the records a source reads. Everything
 * records on the global meter, so with telemetry off it costs nothing.
 *
 * @example
 * const stage = createTelemetryStage({ config, db, clock, live: true });
 * const pipeline = new Pipeline({ writer, stages: [...others, stage], onBatch: observeBatch() });
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Clock } from '../contract/clock.js';
import type { PipelineConfig } from '../config/pipeline.js';
import type { BatchInfo, PipelineStats } from '../pipeline/pipeline.js';
import type { CommitInfo, Stage } from '../pipeline/stage.js';
import type { Source, SourceBatch } from '../sources/source.js';
import type { Database } from '../store/database.js';
import { canonicalKind } from '../serve/live/active.js';
import { PipelineMetrics } from './metrics.js';

/** Detection kinds counted by `crisiscx_open_silences`. */
export const SILENCE_KINDS = ['customer_silence', 'brand_silence'] as const;

/** Most silences of one kind the gauge keeps at once; beyond it the least recently changed is forgotten. */
const MAX_SILENCES = 50_000;

/** A silence holding now: what the gauge counts. */
interface OpenSilence {
  brand: string;
  kind: string;
  firing: boolean;
}

export interface TelemetryStageDeps {
  config: PipelineConfig;
  db: Database;
  clock: Clock;
  live: boolean;
}

export class TelemetryStage implements Stage {
  readonly name = 'telemetry';
  /**
   * Silences holding now by key, least recently changed first (one map per kind). Only what the gauge needs:
   * a copy of every detection's labels and values (what the live page keeps) cost more than
   * counting the batch's events.
   */
  private readonly customerSilences = new Map<string, OpenSilence>();
  private readonly brandSilences = new Map<string, OpenSilence>();
  private newest = 0;
  /** Brands that ever had a silence: their gauge stays (at 0) once the silences close. */
  private readonly silenceBrands = new Set<string>();
  private reader: DuckDBConnection | undefined;
  private closed = false;

  constructor(
    private readonly metrics: PipelineMetrics,
    private readonly clock: Clock,
    private readonly live: boolean,
    private readonly db?: Database,
  ) {
    metrics.observableGauge('open_silences').addCallback((r) => {
      // Report zero for kinds with nothing open, so a resolved silence shows as 0, not as a gap.
      // Past the limit (firing), not the warnings before it.
      const counts = new Map<string, number>();
      for (const silences of [this.customerSilences, this.brandSilences]) for (const c of silences.values()) if (c.firing) counts.set(`${c.brand}\0${c.kind}`, (counts.get(`${c.brand}\0${c.kind}`) ?? 0) + 1);
      for (const brand of this.silenceBrands) {
        for (const kind of SILENCE_KINDS) r.observe(counts.get(`${brand}\0${kind}`) ?? 0, { brand, kind });
      }
    });
    metrics.observableGauge('event_time_lag').addCallback((r) => {
      if (this.newest > 0 && this.live) r.observe(Math.max(0, (this.clock.now() - this.newest) / 1000));
    });
    if (db) {
      metrics.observableCounter('alerts_fired').addCallback(async (r) => {
        for (const row of await this.firedByRule()) r.observe(row.n, { rule: row.rule });
      });
    }
  }

  /** Firing transitions per rule in the alerts table (a separate connection: never inside a batch's transaction). */
  private async firedByRule(): Promise<{ rule: string; n: number }[]> {
    if (!this.db || this.closed) return [];
    try {
      this.reader ??= await this.db.instance.connect();
      const res = await this.reader.runAndReadAll("SELECT rule, count(*) AS n FROM alerts WHERE state = 'firing' GROUP BY rule");
      return (res.getRowObjectsJS() as { rule: string; n: bigint }[]).map((x) => ({ rule: x.rule, n: Number(x.n) }));
    } catch {
      // No alerts table (alerts disabled, older file): nothing fired.
      return [];
    }
  }

  afterCommit(info: CommitInfo): void {
    // Counted per batch into a few locals and added once per label set: an OTel `add` hashes its
    // attributes, and a per-event string key cost more than the counting.
    const byKind = new Map<string, Map<string, number>>();
    let kind = '';
    let byType: Map<string, number> | undefined;
    let newest = this.newest;
    for (const env of info.events) {
      const e = env.event;
      if (e.ts > newest) newest = e.ts;
      if (byType === undefined || env.origin.kind !== kind) {
        kind = env.origin.kind;
        byType = byKind.get(kind);
        if (byType === undefined) byKind.set(kind, (byType = new Map()));
      }
      byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    }
    this.newest = newest;
    for (const [source, types] of byKind) for (const [type, n] of types) this.metrics.eventsStored.add(n, { source, type });
    if (info.duplicates > 0) this.metrics.duplicates.add(info.duplicates);
    if (info.detections.length === 0) return;
    // Per detection kind: warnings, firings, resolutions.
    const detected = new Map<string, [number, number, number]>();
    let joined = false;
    for (const d of info.detections) {
      const state = d.state === 'warning' ? 0 : d.state === 'firing' ? 1 : 2;
      let c = detected.get(d.kind);
      if (c === undefined) detected.set(d.kind, (c = [0, 0, 0]));
      c[state]++;
      const kind = canonicalKind(d.kind);
      const silences = kind === 'customer_silence' ? this.customerSilences : kind === 'brand_silence' ? this.brandSilences : undefined;
      if (silences === undefined) continue;
      const open = silences.get(d.key);
      if (state === 2) {
        if (open) silences.delete(d.key);
        continue;
      }
      if (open) {
        // Re-inserted: the map keeps recency order for the bound.
        silences.delete(d.key);
        open.brand = d.brand;
        open.firing = state === 1;
        silences.set(d.key, open);
      } else {
        silences.set(d.key, { brand: d.brand, kind, firing: state === 1 });
        if (silences.size > MAX_SILENCES) silences.delete(silences.keys().next().value!);
      }
      if (!this.silenceBrands.has(d.brand)) joined = true;
    }
    for (const [kind, c] of detected) {
      if (c[0] > 0) this.metrics.detections.add(c[0], { kind, state: 'warning' });
      if (c[1] > 0) this.metrics.detections.add(c[1], { kind, state: 'firing' });
      if (c[2] > 0) this.metrics.detections.add(c[2], { kind, state: 'resolved' });
    }
    // A brand counts once one of its silences holds after the batch (one that opened and closed within it does not).
    if (joined) for (const silences of [this.customerSilences, this.brandSilences]) for (const c of silences.values()) this.silenceBrands.add(c.brand);
  }

  close(): void {
    this.closed = true;
    this.reader?.closeSync();
    this.reader = undefined;
  }
}

/** The stage factory registered in src/pipeline/stages.ts (none when telemetry is off). */
export function createTelemetryStage(deps: TelemetryStageDeps): TelemetryStage | undefined {
  if (!deps.config.telemetry.enabled) return undefined;
  return new TelemetryStage(PipelineMetrics.fromGlobal(), deps.clock, deps.live, deps.db);
}

/** An `onBatch` hook recording dead letters by step, batches and batch latency. */
export function observeBatch(metrics = PipelineMetrics.fromGlobal()): (stats: PipelineStats, batch: BatchInfo) => void {
  return (_stats, batch) => {
    metrics.batches.add(1);
    metrics.batchLatency.record(batch.durationMs / 1000);
    if (batch.deadLetters.length === 0) return;
    const byStage = new Map<string, number>();
    for (const d of batch.deadLetters) byStage.set(d.stage, (byStage.get(d.stage) ?? 0) + 1);
    for (const [stage, n] of byStage) metrics.deadLetters.add(n, { stage });
  };
}

/** Wraps a source so every record it reads counts in `crisiscx_events_in_total{source}`; everything else passes through. */
export function instrumentSource<S extends Source>(source: S, metrics = PipelineMetrics.fromGlobal()): S {
  async function* batches(signal?: AbortSignal): AsyncGenerator<SourceBatch> {
    for await (const batch of source.batches(signal)) {
      const kind = batch.records[0]?.origin.kind;
      if (kind) metrics.eventsIn.add(batch.records.length, { source: kind });
      yield batch;
    }
  }
  return new Proxy(source, {
    get(target, prop) {
      if (prop === 'batches') return batches;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
