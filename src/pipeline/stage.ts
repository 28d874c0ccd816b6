/**
 * @module pipeline/stage
 * The shape of a stage after normalize (score, each detector, the alert engine): it sees every
 * stored-for-the-first-time event once, in batch order, and may keep timers. Stages are called in
 * registration order, so a later stage (alerts) sees what earlier ones (detectors) found.
 */
import type { Clock } from '../contract/clock.js';
import type { Envelope } from '../contract/records.js';
import type { TableRow } from '../store/rows.js';

/** Something a detector found, for the alert engine and the live page. */
export interface Detection {
  /** `silence`, `brand_silence`, `spike`, `promise`, ... */
  kind: string;
  /** Stable identity of the condition (one per conversation, per brand × channel, ...). */
  key: string;
  brand: string;
  /** `firing` while the condition holds, `resolved` when it ends, `warning` before a breach. */
  state: 'warning' | 'firing' | 'resolved';
  /** Event time (or live clock time) at which the state was reached, epoch ms. */
  at: number;
  severity: 'critical' | 'warning' | 'info';
  summary: string;
  labels: Record<string, string>;
  /** Numbers behind it (waiting seconds, magnitude, ...). */
  values?: Record<string, number>;
  /**
   * Kafka scale-out: the condition changed owner, not state. `adopt` (with state firing): it holds
   * and the instance that owned its brand before already notified it; `release` (with state
   * resolved): another instance owns its brand now. The alert engine takes these over or forgets
   * them without a page; a stage that does not know the field reads the state as usual.
   */
  handover?: 'adopt' | 'release';
}

export interface StageContext {
  readonly clock: Clock;
  /** true when the pipeline follows a live stream (timers on the clock), false for replays. */
  readonly live: boolean;
  /** Rows to store in the same transaction as the batch. */
  emit(table: string, row: TableRow): void;
  /** Detections made during this batch or tick, in order; stages append and later stages read. */
  readonly detections: Detection[];
}

export interface Stage {
  readonly name: string;
  /** Fresh events of one batch, in order (duplicates already removed). */
  onEvents?(events: Envelope[], ctx: StageContext): void | Promise<void>;
  /** Time passes without events: live timers (silence) on the clock, or the replay watermark. */
  onTick?(now: number, ctx: StageContext): void | Promise<void>;
  /** End of input (replays and `ingest`): close what is still open. */
  onFlush?(now: number, ctx: StageContext): void | Promise<void>;
  /** After the batch's transaction committed: send alerts, push to live pages. */
  afterCommit?(info: CommitInfo): void | Promise<void>;
  close?(): void | Promise<void>;
}

export interface CommitInfo {
  events: Envelope[];
  detections: Detection[];
  deadLetters: number;
  duplicates: number;
}
