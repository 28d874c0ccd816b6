/**
 * @module sources/kafka/dead-letters
 * A dead letter as a Kafka message: the record's exact bytes as the value, keyed by the dead
 * letter's id (deterministic: republishing after a crash repeats the key, so a consumer or a
 * compacted topic can drop the repeat), and the reason and origin in headers.
 *
 * @example
 * await producer.send({ topic: 'crisiscx.dead-letters', messages: [deadLetterMessage(d, 'support.events', 0)] });
 */
import type { StoredDeadLetter } from './state.js';

/** Header names, documented in docs/kafka.md. */
export const DLQ_HEADERS = {
  reason: 'crisiscx.reason',
  stage: 'crisiscx.stage',
  format: 'crisiscx.format',
  topic: 'crisiscx.source.topic',
  partition: 'crisiscx.source.partition',
  offset: 'crisiscx.source.offset',
  id: 'crisiscx.dead_letter_id',
} as const;

export interface DeadLetterMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export function deadLetterMessage(d: StoredDeadLetter, topic: string, partition: number): DeadLetterMessage {
  return {
    key: d.id,
    value: d.raw,
    headers: {
      [DLQ_HEADERS.reason]: d.reason,
      [DLQ_HEADERS.stage]: d.stage,
      [DLQ_HEADERS.format]: d.format,
      [DLQ_HEADERS.topic]: topic,
      [DLQ_HEADERS.partition]: String(partition),
      [DLQ_HEADERS.offset]: d.offset.toString(),
      [DLQ_HEADERS.id]: d.id,
    },
  };
}
