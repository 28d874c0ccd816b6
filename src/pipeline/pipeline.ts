/**
 * @module pipeline/pipeline
 * Wires the stages: source batches → normalize → (dedupe) → score → detect → alerts → store, one
 * DuckDB transaction per batch, then after-commit hooks (alert sinks, live pages).
 *
 * @example
 * const p = new Pipeline({ db, writer, stages: [scorer, ...detectors] });
 * await p.runSource(new FileSource(['a.ndjson']));
 * await p.flush();
 */
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { wallClock, type Clock } from '../contract/clock.js';
import type { DeadLetter, Envelope } from '../contract/records.js';
import { Normalizer, type NormalizedBatch, type NormalizerOptions } from '../normalize/normalize.js';
import type { AdapterOptions } from '../normalize/adapters/index.js';
import type { Source, SourceBatch } from '../sources/source.js';
import type { EventWriter, WriteResult } from '../store/writer.js';
import type { TableRow } from '../store/rows.js';
import type { Detection, Stage, StageContext } from './stage.js';

export interface PipelineStats {
  records: number;
  stored: number;
  duplicates: number;
  deadLetters: number;
  batches: number;
  /** Latest event time seen (the replay watermark), epoch ms. */
  watermark: number;
}

export interface PipelineOptions {
  writer: EventWriter;
  stages?: Stage[];
  /** Event clock for live timers; replays use the watermark instead. */
  clock?: Clock;
  live?: boolean;
  normalizer?: Omit<NormalizerOptions, 'format'>;
  /** Called after every committed batch (progress lines, metrics). */
  onBatch?: (stats: PipelineStats, batch: BatchInfo) => void;
}

/** What one committed batch did (for progress lines and metrics). */
export interface BatchInfo {
  stored: number;
  deadLetters: DeadLetter[];
  records: number;
  duplicates: number;
  /** Wall time from the start of the batch's processing to the end of its after-commit hooks. */
  durationMs: number;
}

/** A source batch with its records normalized: the part of the work that may run ahead of the store. */
interface PreparedBatch {
  batch: SourceBatch;
  format: string;
  normalized: NormalizedBatch;
  /** Wall time normalizing took (counted in the batch's duration). */
  normalizeMs: number;
  /** The source was told the batch's fate (onStored or onDropped). */
  told?: boolean;
}

/** Tells the source its batch was stored (once). */
function stored(p: PreparedBatch): void {
  if (p.told) return;
  p.told = true;
  p.batch.onStored?.({ deadLetters: p.normalized.deadLetters });
}

/** Tells the source its batch will not be stored (once, unless it was stored). */
function dropped(p: PreparedBatch | undefined): void {
  if (!p || p.told) return;
  p.told = true;
  p.batch.onDropped?.();
}

/** A batch whose transaction is committing while the next batch is detected (see runSource). */
interface Committing {
  prepared: PreparedBatch;
  done: Promise<WriteResult>;
  /** Counters, after-commit hooks and onBatch, once committed. */
  finish(res: WriteResult): Promise<void>;
  span: Span;
}

class BatchContext implements StageContext {
  readonly tables: Record<string, TableRow[]> = {};
  readonly detections: Detection[] = [];
  constructor(
    readonly clock: Clock,
    readonly live: boolean,
  ) {}
  emit(table: string, row: TableRow): void {
    (this.tables[table] ??= []).push(row);
  }
}

export class Pipeline {
  readonly stats: PipelineStats = { records: 0, stored: 0, duplicates: 0, deadLetters: 0, batches: 0, watermark: 0 };
  readonly stages: Stage[];
  private readonly normalizers = new Map<string, Normalizer>();
  private readonly clock: Clock;
  private readonly live: boolean;
  /** Batches and ticks are processed one at a time, in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The batch committing behind the one being detected (read-ahead sources only). */
  private committing: Committing | undefined;

  constructor(private readonly options: PipelineOptions) {
    this.stages = options.stages ?? [];
    this.live = options.live ?? false;
    this.clock = options.clock ?? (this.live ? wallClock : { now: () => this.stats.watermark });
  }

  /** One normalizer per format and adapter options (a source's brand and brand accounts). */
  normalizer(format: string, adapter?: AdapterOptions): Normalizer {
    const key = adapter ? `${format}\0${JSON.stringify(adapter)}` : format;
    let n = this.normalizers.get(key);
    if (!n) {
      n = new Normalizer({ maxEventBytes: 1 << 20, ...this.options.normalizer, ...adapter, format });
      this.normalizers.set(key, n);
    }
    return n;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Normalizes, detects and stores one source batch (offsets, if any, in the same transaction). */
  process(batch: SourceBatch, format = batch.format ?? 'canonical'): Promise<PipelineStats> {
    return this.serial(() => this.processTraced(this.prepare(batch, format)));
  }

  /** Decodes, parses and validates a batch: pure, so it may run while an earlier batch is stored. */
  private prepare(batch: SourceBatch, format = batch.format ?? 'canonical'): PreparedBatch {
    const t0 = performance.now();
    const normalized = this.normalizer(format, batch.adapter).normalize(batch.records);
    return { batch, format, normalized, normalizeMs: performance.now() - t0 };
  }

  /** `behind`: return once the batch's commit has started; the next batch's processing waits for it (settle). */
  private processTraced(prepared: PreparedBatch, behind = false): Promise<PipelineStats> {
    const { batch, format } = prepared;
    // Looked up per batch: a no-op until telemetry registers a tracer provider (src/telemetry/setup.ts).
    return trace.getTracer('crisiscx').startActiveSpan('crisiscx.batch', { attributes: { 'crisiscx.records': batch.records.length, 'crisiscx.format': format } }, async (span) => {
      try {
        // The span ends once the batch is committed and its hooks ran (in settle() when behind).
        return await this.processNow(prepared, span, behind);
      } catch (err) {
        dropped(prepared);
        failSpan(span, err);
        throw err;
      }
    });
  }

  private async processNow(prepared: PreparedBatch, span: Span, behind: boolean): Promise<PipelineStats> {
    const started = performance.now() - prepared.normalizeMs;
    const { batch } = prepared;
    const { events, deadLetters } = prepared.normalized;
    span.setAttribute('crisiscx.normalize_ms', prepared.normalizeMs);
    const fresh = await this.options.writer.fresh(events);
    const ctx = new BatchContext(this.clock, this.live);
    for (const env of fresh) if (env.event.ts > this.stats.watermark) this.stats.watermark = env.event.ts;
    for (const s of this.stages) if (s.onEvents) await s.onEvents(fresh, ctx);
    // The previous batch committed while this one was detected; its after-commit hooks run before
    // this batch's timers, and timers that query the database see it stored.
    await this.settle();
    // Replays advance timers on event time at every batch boundary.
    if (!this.live) for (const s of this.stages) if (s.onTick) await s.onTick(this.stats.watermark, ctx);
    span.addEvent('detected', { 'crisiscx.fresh': fresh.length, 'crisiscx.detections': ctx.detections.length });
    const pending = await this.options.writer.writeBehind({ events: fresh, deadLetters, tables: ctx.tables, offsets: batch.offsets }, true);
    const finish = async (res: WriteResult): Promise<void> => {
      span.addEvent('stored');
      try {
        span.setAttributes({ 'crisiscx.stored': res.stored, 'crisiscx.dead_letters': res.deadLetters, 'crisiscx.duplicates': events.length - fresh.length });
        this.stats.records += batch.records.length;
        this.stats.stored += res.stored;
        this.stats.duplicates += events.length - fresh.length;
        this.stats.deadLetters += res.deadLetters;
        this.stats.batches++;
        stored(prepared);
        await this.afterCommit(fresh, ctx, res.deadLetters, events.length - fresh.length);
        this.options.onBatch?.(this.stats, {
          stored: res.stored,
          deadLetters,
          records: batch.records.length,
          duplicates: events.length - fresh.length,
          durationMs: performance.now() - started,
        });
      } finally {
        span.end();
      }
    };
    if (behind) {
      // Handled in settle(); a rejection must not count as unhandled meanwhile.
      pending.done.catch(() => undefined);
      this.committing = { prepared, done: pending.done, finish, span };
    } else {
      await finish(await pending.done);
    }
    return this.stats;
  }

  /** Waits for the batch committing behind (if any) and runs what follows its commit. */
  private async settle(): Promise<void> {
    const c = this.committing;
    if (!c) return;
    this.committing = undefined;
    let res: WriteResult;
    try {
      res = await c.done;
    } catch (err) {
      dropped(c.prepared);
      failSpan(c.span, err);
      throw err;
    }
    await c.finish(res);
  }

  private async afterCommit(events: Envelope[], ctx: BatchContext, deadLetters: number, duplicates: number): Promise<void> {
    for (const s of this.stages) {
      if (!s.afterCommit) continue;
      try {
        await s.afterCommit({ events, detections: ctx.detections, deadLetters, duplicates });
      } catch (err) {
        // A failing sink must not stall ingestion; stages report their own failures.
        process.emitWarning(`stage ${s.name} failed after commit: ${(err as Error).message}`);
      }
    }
  }

  /** Runs timers (live mode: called by a wall-clock interval) and stores what they produce. */
  tick(now = this.clock.now()): Promise<void> {
    return this.serial(async () => {
      await this.settle();
      const ctx = new BatchContext(this.clock, this.live);
      for (const s of this.stages) if (s.onTick) await s.onTick(now, ctx);
      await this.commitContext(ctx);
    });
  }

  /** End of input: stages close what is open (at the watermark), and it is stored. */
  flush(): Promise<void> {
    return this.serial(async () => {
      await this.settle();
      const ctx = new BatchContext(this.clock, this.live);
      const now = this.live ? this.clock.now() : this.stats.watermark;
      for (const s of this.stages) if (s.onFlush) await s.onFlush(now, ctx);
      await this.commitContext(ctx);
    });
  }

  private async commitContext(ctx: BatchContext): Promise<void> {
    if (Object.keys(ctx.tables).length === 0 && ctx.detections.length === 0) return;
    await this.options.writer.write({ events: [], tables: ctx.tables }, true);
    await this.afterCommit([], ctx, 0, 0);
  }

  /**
   * Reads a source to its end (or until `signal` aborts), batch by batch, and resolves once all
   * of it is stored. A source that allows it (`readAhead`: files, replays, Kafka) is pipelined: DuckDB commits on
   * its own thread, and meanwhile the main thread reads and normalizes the next batch and runs the
   * stages' onEvents on it. Stages still see the batches one at a time, in order; a batch's
   * timers (onTick) and its store wait for the previous batch's commit and after-commit hooks.
   */
  async runSource(source: Source, signal?: AbortSignal, format?: string): Promise<void> {
    if (!source.readAhead) {
      for await (const batch of source.batches(signal)) {
        await this.process(batch, format ?? batch.format);
        if (signal?.aborted) break;
      }
      return;
    }
    const it = source.batches(signal)[Symbol.asyncIterator]();
    const ahead = (): Promise<PreparedBatch | undefined> => it.next().then((r) => (r.done ? undefined : this.prepare(r.value, format ?? r.value.format)));
    let next = ahead();
    let finished = false;
    let failed = false;
    try {
      for (;;) {
        // A slow source (a pipe on stdin) must not hold back the hooks (alerts, live page) of the
        // batch already committed: settle it as soon as its commit is done, if that comes first.
        const c = this.committing;
        if (c) {
          const first = await Promise.race([next.then(() => 'batch', () => 'batch'), c.done.then(() => 'commit', () => 'commit')]);
          if (first === 'commit') await this.serial(() => this.settle());
        }
        const current = await next;
        if (!current) {
          finished = true;
          break;
        }
        next = ahead();
        // Not awaited when this loop ends early: a read failure after a failed batch is moot.
        next.catch(() => undefined);
        await this.serial(() => this.processTraced(current, true));
        if (signal?.aborted) break;
      }
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      // Ends the source's generator (closes the file); one batch read ahead is dropped unstored.
      if (!finished) {
        next.then(dropped, () => undefined);
        void it.return?.(undefined).catch(() => undefined);
      }
      // The last batch's commit; after an earlier failure, the first error is the one reported.
      try {
        await this.serial(() => this.settle());
      } catch (err) {
        if (!failed) throw err;
      }
    }
  }

  /** Starts live timers every `everyMs`; returns a function that stops them. */
  startTimers(everyMs = 250): () => void {
    const t = setInterval(() => {
      this.tick().catch((err) => process.emitWarning(`timer tick failed: ${(err as Error).message}`));
    }, everyMs);
    t.unref();
    return () => clearInterval(t);
  }

  async close(): Promise<void> {
    await this.serial(() => this.settle());
    await this.queue;
    for (const s of this.stages) await s.close?.();
  }
}

function failSpan(span: Span, err: unknown): void {
  if (!span.isRecording()) return; // ended already (the failure came after the batch's hooks)
  span.recordException(err as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
  span.end();
}
