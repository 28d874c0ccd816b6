/**
 * @module sources/source
 * What every source gives the pipeline: batches of raw records, in order, with where they came from.
 */
import type { DeadLetter, RawRecord } from '../contract/records.js';
import type { Database } from '../store/database.js';
import type { AdapterOptions } from '../normalize/adapters/adapter.js';

export interface OffsetCommit {
  group: string;
  topic: string;
  partition: number;
  /** Offset of the next message to consume after this batch. */
  nextOffset: string;
}

export interface SourceBatch {
  records: RawRecord[];
  /** Offsets to store atomically with the batch's rows (Kafka). */
  offsets?: OffsetCommit[];
  /** The adapter format this batch's records are in, when a source mixes formats (per Kafka topic). */
  format?: string;
  /** The adapter options of the source (or topic) the batch came from: brand, brand accounts. */
  adapter?: AdapterOptions;
  /**
   * Called by the pipeline once the batch's transaction committed (rows and offsets are durable),
   * with the dead letters its records became (stored now or before). A read-ahead source that may
   * act only after its batch is stored (commit Kafka offsets) waits for this: with read-ahead, the
   * pipeline asks for the next batch before the previous one is stored.
   */
  onStored?: (info: { deadLetters: readonly DeadLetter[] }) => void;
  /** Called instead of `onStored` when the pipeline will not store the batch (read ahead and dropped, or failed). */
  onDropped?: () => void;
}

export interface SourceProgress {
  /** What has been read: bytes of a file, or records. */
  done: number;
  /** The total when known (file size). */
  total?: number;
  unit: 'bytes' | 'records';
  records: number;
}

export interface Source {
  /** For logs and progress lines: the file path, `stdin`, the topic list. */
  readonly name: string;
  /** Batches until the input ends (files) or `signal` aborts (live sources). */
  batches(signal?: AbortSignal): AsyncIterable<SourceBatch>;
  progress(): SourceProgress;
  /** A live stream (Kafka): the pipeline runs its timers on the wall clock. */
  readonly live?: boolean;
  /**
   * The next batch may be read before the previous one is stored: the pipeline then reads and
   * normalizes it while the previous one is committed. A source that must act only once a batch is
   * stored (Kafka commits its offsets to the group) waits for the batch's `onStored`/`onDropped`.
   */
  readonly readAhead?: boolean;
  /**
   * Called once the database is open, before `batches()`: sources that keep their position in the
   * database (Kafka offsets) read it here.
   */
  attach?(deps: SourceDeps): Promise<void>;
  close?(): Promise<void>;
}

export interface SourceDeps {
  db: Database;
}
