/**
 * @module sources/kafka/state
 * What the Kafka source reads back from DuckDB, the source of truth for what was consumed: the
 * stored offsets (where to resume), and the dead letters and partial counts of a range of offsets
 * (to publish them again after a crash). It reads through its own connection, so it only ever sees
 * committed batches, never one the pipeline is writing.
 *
 * @example
 * const state = await KafkaState.open(db);
 * const offsets = await state.offsets('crisiscx');
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Database } from '../../store/database.js';
import type { FactKind, FactRecord } from './brand-records.js';

export interface StoredDeadLetter {
  id: string;
  stage: string;
  format: string;
  reason: string;
  raw: Buffer;
  offset: bigint;
}

export interface StoredPartial {
  partialId: string;
  instanceId: string;
  topic: string;
  partition: number;
  minOffset: bigint;
  maxOffset: bigint;
  brand: string;
  channel: string;
  bucketStart: number;
  bucketSecs: number;
  inbound: number;
  upset: number;
}

/** `topic:partition` */
export const tpKey = (topic: string, partition: number): string => `${topic}:${partition}`;

export class KafkaState {
  private constructor(private readonly conn: DuckDBConnection) {}

  static async open(db: Database): Promise<KafkaState> {
    const conn = await db.instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    return new KafkaState(conn);
  }

  /** Next offset to consume per `topic:partition` of a group, as stored with the batches. */
  async offsets(group: string): Promise<Map<string, bigint>> {
    const r = await this.conn.runAndReadAll('SELECT topic, kafka_partition, next_offset FROM kafka_offsets WHERE consumer_group = $1', [group]);
    const out = new Map<string, bigint>();
    for (const [topic, partition, next] of r.getRowsJS()) out.set(tpKey(String(topic), Number(partition)), BigInt(next as bigint));
    return out;
  }

  async offset(group: string, topic: string, partition: number): Promise<bigint | undefined> {
    const r = await this.conn.runAndReadAll(
      'SELECT next_offset FROM kafka_offsets WHERE consumer_group = $1 AND topic = $2 AND kafka_partition = $3',
      [group, topic, partition],
    );
    const row = r.getRowsJS()[0];
    return row ? BigInt(row[0] as bigint) : undefined;
  }

  /** What crisiscx last committed to the group, per `topic:partition`. */
  async groupCommits(group: string): Promise<Map<string, bigint>> {
    const r = await this.conn.runAndReadAll('SELECT topic, kafka_partition, committed_offset FROM kafka_group_commits WHERE consumer_group = $1', [group]);
    const out = new Map<string, bigint>();
    for (const [topic, partition, offset] of r.getRowsJS()) out.set(tpKey(String(topic), Number(partition)), BigInt(offset as bigint));
    return out;
  }

  /** Records a commit to the group (after the broker acknowledged it). */
  async recordGroupCommit(group: string, topic: string, partition: number, offset: bigint): Promise<void> {
    await this.conn.run(
      `INSERT INTO kafka_group_commits VALUES ($1, $2, $3, $4::BIGINT, now())
       ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE SET committed_offset = excluded.committed_offset, committed_at = excluded.committed_at`,
      [group, topic, partition, offset.toString()],
    );
  }

  /** Dead letters of messages `from <= offset < to` of one partition, in offset order. */
  async deadLetters(topic: string, partition: number, from: bigint, to: bigint): Promise<StoredDeadLetter[]> {
    const r = await this.conn.runAndReadAll(
      `SELECT id, stage, format, reason, raw, kafka_offset FROM dead_letters
       WHERE source_kind = 'kafka' AND source_name = $1 AND kafka_partition = $2 AND kafka_offset >= $3::BIGINT AND kafka_offset < $4::BIGINT
       ORDER BY kafka_offset`,
      [topic, partition, from.toString(), to.toString()],
    );
    return r.getRowsJS().map(([id, stage, format, reason, raw, offset]) => ({
      id: String(id),
      stage: String(stage),
      format: String(format),
      reason: String(reason),
      raw: Buffer.from(raw as Uint8Array),
      offset: BigInt(offset as bigint),
    }));
  }

  /** Partial counts of one partition whose last counted message is at or after `from` and before `to`. */
  async partials(topic: string, partition: number, from: bigint, to: bigint): Promise<StoredPartial[]> {
    const r = await this.conn.runAndReadAll(
      `SELECT partial_id, instance_id, min_offset, max_offset, brand, channel, epoch_ms(bucket_start), bucket_secs, inbound, upset
       FROM kafka_partials
       WHERE source_topic = $1 AND source_partition = $2 AND max_offset >= $3::BIGINT AND max_offset < $4::BIGINT
       ORDER BY max_offset, partial_id`,
      [topic, partition, from.toString(), to.toString()],
    );
    return r.getRowsJS().map(([partialId, instanceId, minOffset, maxOffset, brand, channel, bucketStart, bucketSecs, inbound, upset]) => ({
      partialId: String(partialId),
      instanceId: String(instanceId),
      topic,
      partition,
      minOffset: BigInt(minOffset as bigint),
      maxOffset: BigInt(maxOffset as bigint),
      brand: String(brand),
      channel: String(channel),
      bucketStart: Number(bucketStart),
      bucketSecs: Number(bucketSecs),
      inbound: Number(inbound),
      upset: Number(upset),
    }));
  }

  /**
   * Partial counts of messages `from <= offset < to` of one partition, counted again from the
   * stored events (as the partial-count stage counted them: inbound messages, upset by label).
   */
  async partialsFromEvents(topic: string, partition: number, from: bigint, to: bigint, bucketSecs: number, instanceId: string): Promise<StoredPartial[]> {
    const ms = Math.round(bucketSecs * 1000);
    const r = await this.conn.runAndReadAll(
      `WITH m AS (
         SELECT m.brand, m.channel, m.upset_label, epoch_ms(m.ts) AS ts_ms, split_part(e.origin, '@', 2)::BIGINT AS off
         FROM events e JOIN messages m USING (id)
         WHERE starts_with(e.origin, $1) AND m.direction = 'inbound')
       SELECT brand, channel, (ts_ms // ${ms}) * ${ms} AS bucket, count(*) AS inbound, count(*) FILTER (WHERE upset_label = 'upset') AS upset, min(off), max(off)
       FROM m WHERE off >= $2::BIGINT AND off < $3::BIGINT
       GROUP BY ALL ORDER BY brand, channel, bucket`,
      [`${topic}[${partition}]@`, from.toString(), to.toString()],
    );
    return r.getRowsJS().map(([brand, channel, bucket, inbound, upset, minOffset, maxOffset]) => ({
      partialId: `${topic}:${partition}:${minOffset}-${maxOffset}:${brand}|${channel}|${bucket}`,
      instanceId,
      topic,
      partition,
      minOffset: BigInt(minOffset as bigint),
      maxOffset: BigInt(maxOffset as bigint),
      brand: String(brand),
      channel: String(channel),
      bucketStart: Number(bucket),
      bucketSecs,
      inbound: Number(inbound),
      upset: Number(upset),
    }));
  }

  /** Brand facts (broadcasts, incidents) of messages `from <= offset < to` of one partition, in offset order. */
  async facts(topic: string, partition: number, from: bigint, to: bigint): Promise<FactRecord[]> {
    const r = await this.conn.runAndReadAll(
      `SELECT source_offset, brand, fact, incident_id, epoch_ms(ts) FROM kafka_brand_facts
       WHERE source_topic = $1 AND source_partition = $2 AND source_offset >= $3::BIGINT AND source_offset < $4::BIGINT
       ORDER BY source_offset`,
      [topic, partition, from.toString(), to.toString()],
    );
    return r.getRowsJS().map(([offset, brand, fact, incidentId, ts]) => {
      const f: FactRecord = { kind: 'fact', id: `${topic}:${partition}:${String(offset)}`, brand: String(brand), fact: fact as FactKind, ts: Number(ts) };
      if (incidentId !== null && incidentId !== undefined) f.incident_id = String(incidentId);
      return f;
    });
  }

  /** Drops partial counts and facts older than `keepDays`: by then they were published long ago. */
  async prunePartials(keepDays: number): Promise<void> {
    const days = Math.max(1, Math.floor(keepDays));
    await this.conn.run(`DELETE FROM kafka_partials WHERE created_at < now() - to_days(${days})`);
    await this.conn.run(`DELETE FROM kafka_brand_facts WHERE created_at < now() - to_days(${days})`);
  }

  close(): void {
    this.conn.closeSync();
  }
}
