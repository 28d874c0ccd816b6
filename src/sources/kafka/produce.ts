/**
 * @module sources/kafka/produce
 * Publishes NDJSON files (canonical events, or records of an adapter's format) to a Kafka topic,
 * one message per line, keyed as the event contract says (conversationId, else customerId, else
 * id), so every event of a conversation lands in one partition. Lines are sent as they are, bytes
 * untouched: validation is the consuming pipeline's job, and a line that is not an event reaches
 * its dead letters there (it is sent without a key and counted as such here).
 *
 * @example
 * const r = await produceFiles({ kafka, topic: 'support.events', paths: ['events.ndjson'] });
 * console.log(`${r.records} published, ${r.unkeyed} without a key`);
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { CompressionTypes, Partitioners, type Kafka, type Message } from 'kafkajs';
import { eventKey } from '../../contract/events.js';
import type { RawRecord } from '../../contract/records.js';
import { ADAPTERS, type Adapter, type AdapterOptions } from '../../normalize/adapters/index.js';
import { readLines } from '../file/lines.js';
import { KafkaIntegrationError } from './client.js';

export interface ProduceOptions {
  kafka: Kafka;
  topic: string;
  /** Files to read in order; `-` is standard input. */
  paths: string[];
  /** Format of the lines: canonical or an adapter name (used to find each record's key). */
  format?: string;
  adapter?: AdapterOptions;
  /** Largest message the topic takes (the broker's message.max.bytes; default 1 MB). */
  maxMessageBytes?: number;
  /** Bytes per produce request. */
  batchBytes?: number;
  compression?: 'none' | 'gzip';
  signal?: AbortSignal;
  onProgress?: (p: ProduceProgress) => void;
}

export interface ProduceProgress {
  bytes: number;
  totalBytes?: number;
  records: number;
}

export interface ProduceResult {
  records: number;
  bytes: number;
  /** Lines sent without a key: not JSON, or not an event the format can map. */
  unkeyed: number;
  /** Lines not sent because they exceed maxMessageBytes: `file:line (size)`. */
  tooLarge: string[];
  ms: number;
}

function keyFinder(format: string, options: AdapterOptions): (value: unknown, rec: RawRecord) => string | null {
  if (format === 'canonical') {
    return (v) => {
      const o = v as { id?: unknown };
      return o && typeof o === 'object' && typeof o.id === 'string' ? eventKey(o as { id: string }) : null;
    };
  }
  const factory = ADAPTERS[format];
  if (!factory) throw new KafkaIntegrationError(`unknown format "${format}": use one of ${Object.keys(ADAPTERS).join(', ')}`);
  const adapter: Adapter = factory(options);
  if (adapter.framing === 'csv') {
    throw new KafkaIntegrationError(
      `format "${format}" is read from CSV files with a header row; a Kafka message has no header. Read the file with \`crisiscx ingest --format ${format}\`, or publish its records as JSON lines`,
    );
  }
  return (v, rec) => {
    const mapped = adapter.map(v, rec);
    if ('error' in mapped) return null;
    const first = mapped.events[0] as { id?: unknown } | undefined;
    return first && typeof first.id === 'string' ? eventKey(first as { id: string }) : null;
  };
}

export async function produceFiles(options: ProduceOptions): Promise<ProduceResult> {
  const t0 = Date.now();
  const format = options.format ?? 'canonical';
  const keyOf = keyFinder(format, options.adapter ?? {});
  const maxMessage = options.maxMessageBytes ?? 1_000_000;
  const batchBytes = options.batchBytes ?? 512 * 1024;
  let totalBytes: number | undefined = 0;
  for (const p of options.paths) {
    if (p === '-') totalBytes = undefined;
    else if (totalBytes !== undefined) totalBytes += statSync(p).size; // ENOENT names the path
  }
  const producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const result: ProduceResult = { records: 0, bytes: 0, unkeyed: 0, tooLarge: [], ms: 0 };
  let bytesBefore = 0;
  let pending: Message[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const messages = pending;
    pending = [];
    pendingBytes = 0;
    await producer.send({
      topic: options.topic,
      acks: -1,
      compression: options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      messages,
    });
    result.records += messages.length;
    options.onProgress?.({ bytes: result.bytes, totalBytes, records: result.records });
  };
  try {
    for (const path of options.paths) {
      const input: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
      const name = path === '-' ? 'stdin' : path;
      for await (const l of readLines(input, { maxLineBytes: maxMessage + 1, onBytes: (n) => (result.bytes = bytesBefore + n) })) {
        if (options.signal?.aborted) break;
        const size = l.truncatedFrom ?? l.bytes.length;
        if (size > maxMessage) {
          result.tooLarge.push(`${name}:${l.line} (${size} bytes)`);
          continue;
        }
        let key: string | null = null;
        try {
          const rec: RawRecord = { bytes: l.bytes, origin: { kind: 'file', name, line: l.line } };
          key = keyOf(JSON.parse(l.bytes.toString('utf8')), rec);
        } catch {
          key = null;
        }
        if (key === null) result.unkeyed++;
        pending.push({ key, value: l.bytes });
        pendingBytes += l.bytes.length + (key?.length ?? 0) + 64;
        if (pendingBytes >= batchBytes || pending.length >= 10_000) await flush();
      }
      bytesBefore = result.bytes;
      if (options.signal?.aborted) break;
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  result.ms = Date.now() - t0;
  return result;
}
