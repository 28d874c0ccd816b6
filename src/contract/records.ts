/**
 * @module contract/records
 * What flows between the stages besides canonical events: raw records as sources read them, their
 * origin, and dead letters.
 */
import { createHash } from 'node:crypto';
import type { CanonicalEvent } from './events.js';

/** Where a raw record came from, precise enough for a person to go and look. */
export type Origin =
  | { kind: 'file'; name: string; line: number }
  | { kind: 'stdin'; name: 'stdin'; line: number }
  | { kind: 'kafka'; name: string; partition: number; offset: string }
  | { kind: 'scenario'; name: string; line: number }
  | { kind: 'http'; name: string; line: number };

/** One record as a source read it: the exact bytes, not yet parsed. */
export interface RawRecord {
  bytes: Buffer;
  origin: Origin;
  /** Headers or side data a source has (Kafka headers); adapters may read them. */
  meta?: Record<string, string>;
}

export type DeadLetterStage = 'size' | 'encoding' | 'parse' | 'schema' | 'adapter' | 'store';

/** A record that could not become an event: kept whole, with why and from where. */
export interface DeadLetter {
  /** Deterministic (origin + bytes), so replaying a file does not store its dead letters twice. */
  id: string;
  stage: DeadLetterStage;
  reason: string;
  origin: Origin;
  raw: Buffer;
  /** Adapter or format that was applied (`canonical`, `zendesk`, ...). */
  format: string;
  receivedAt: number;
}

export function describeOrigin(o: Origin): string {
  switch (o.kind) {
    case 'kafka':
      return `${o.name}[${o.partition}]@${o.offset}`;
    default:
      return `${o.name}:${o.line}`;
  }
}

export function deadLetter(
  rec: RawRecord,
  stage: DeadLetterStage,
  reason: string,
  format: string,
  now: number = Date.now(),
): DeadLetter {
  const h = createHash('sha1');
  h.update(describeOrigin(rec.origin));
  h.update('\0');
  h.update(rec.bytes);
  return {
    id: h.digest('hex'),
    stage,
    reason,
    origin: rec.origin,
    raw: rec.bytes,
    format,
    receivedAt: now,
  };
}

/** How upset an inbound message is, as the score stage judged it. */
export interface UpsetAnnotation {
  /** In [0, 1]. */
  score: number;
  label: 'upset' | 'not_upset';
  /** The language the scorer used (ISO 639-3), or null when it fell back to script-free signals. */
  lang: string | null;
}

/** A validated event with what later stages need alongside it. */
export interface Envelope {
  event: CanonicalEvent;
  /** The event as JSON text: the input line for canonical events, the mapped object for adapters. */
  raw: string;
  /**
   * `raw` as the UTF-8 bytes it was decoded from, when it is the input line exactly: the store
   * writes these instead of encoding the string again.
   */
  rawBytes?: Buffer;
  origin: Origin;
  /** Set by the score stage on inbound messages. */
  upset?: UpsetAnnotation;
}
