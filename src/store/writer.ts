/**
 * @module store/writer
 * Writes batches to DuckDB, idempotently: an event whose id is already stored is stored once,
 * however often it arrives. Each batch (events, dead letters, detector rows, consumed offsets) is
 * one transaction, so a crash leaves either all of a batch or none of it.
 *
 * @example
 * const w = await EventWriter.create(db);
 * const r = await w.write({ events, deadLetters });
 * console.log(r.stored, r.duplicates);
 */
import { listValue } from '@duckdb/node-api';
import type { DeadLetter, Envelope } from '../contract/records.js';
import { ScalableBloom } from './bloom.js';
import type { Database } from './database.js';
import { TableAppender } from './appender.js';
import { ConversationFactsKeeper } from './conversation-facts.js';
import { DEAD_LETTER_GETTERS, ledgerGetters, TYPE_TABLE, TYPED_GETTERS, type TableRow } from './rows.js';
import type { CanonicalEvent } from '../contract/events.js';

export interface OffsetCommit {
  group: string;
  topic: string;
  partition: number;
  /** Offset of the next message to consume. */
  nextOffset: string;
}

export interface StoreBatch {
  events: readonly Envelope[];
  deadLetters?: readonly DeadLetter[];
  /** Rows produced by later stages (detectors, alerts), by table name. */
  tables?: Readonly<Record<string, readonly TableRow[]>>;
  offsets?: readonly OffsetCommit[];
}

export interface WriteResult {
  stored: number;
  duplicates: number;
  deadLetters: number;
  /** The events actually stored (first sight of their id), in batch order. */
  fresh: Envelope[];
}

/** False-positive rate of the id filters (see create()). */
const ID_FALSE_POSITIVE_RATE = 1e-6;

/** A batch appended in a transaction whose commit is under way (see EventWriter.writeBehind). */
export interface PendingWrite {
  /** Resolves once the transaction committed; rejects (nothing of the batch stored) if it failed. */
  readonly done: Promise<WriteResult>;
}

export class EventWriter {
  private readonly appenders = new Map<string, TableAppender>();
  private lastCommit: Promise<void> = Promise.resolve();
  private constructor(
    private readonly db: Database,
    private readonly seen: ScalableBloom,
    private readonly seenDeadLetters: ScalableBloom,
    private readonly now: () => number,
    private readonly facts: ConversationFactsKeeper,
  ) {}

  /**
   * Loads the ids already stored into the in-memory filter (about 1 s per 10M events).
   * `factsRefreshRows`: rows of messages and tickets between refreshes of the conversation facts.
   */
  static async create(db: Database, options: { now?: () => number; factsRefreshRows?: number } = {}): Promise<EventWriter> {
    const count = Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM events'))[0]?.n ?? 0);
    // A "maybe seen" costs a scan of the whole table, so the filter is kept at one false positive
    // per million ids (~3.6 bytes an id): a 10M-event file then scans about ten times in total.
    const seen = new ScalableBloom(Math.max(1 << 16, count * 2), ID_FALSE_POSITIVE_RATE);
    const dl = new ScalableBloom(1 << 12, ID_FALSE_POSITIVE_RATE);
    const w = new EventWriter(db, seen, dl, options.now ?? Date.now, new ConversationFactsKeeper(options.factsRefreshRows));
    await w.loadIds('SELECT id FROM events', seen);
    await w.loadIds('SELECT id FROM dead_letters', dl);
    return w;
  }

  private async loadIds(sql: string, into: ScalableBloom): Promise<void> {
    const result = await this.db.connection.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const col = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) into.add(String(col.getItem(i)));
    }
  }

  private async appender(table: string): Promise<TableAppender> {
    let a = this.appenders.get(table);
    if (!a) {
      a = await TableAppender.create(this.db.connection, table);
      this.appenders.set(table, a);
    }
    return a;
  }

  /** Of the given ids, those already stored in `table` (exact check for the filter's "maybe"). */
  private async storedIds(table: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.connection.runAndReadAll(
      `SELECT id FROM ${table} WHERE id IN (SELECT unnest($1::VARCHAR[]))`,
      [listValue(ids)],
    );
    return new Set(rows.getRowsJS().map((r) => String(r[0])));
  }

  /** The events of `events` not stored yet (first of each id), in order. */
  async fresh(events: readonly Envelope[]): Promise<Envelope[]> {
    const firstById = new Map<string, Envelope>();
    const maybe: string[] = [];
    for (const env of events) {
      const id = env.event.id;
      if (firstById.has(id)) continue;
      firstById.set(id, env);
      if (this.seen.has(id)) maybe.push(id);
    }
    // The exact check reads the table after the commit under way, so it sees that batch (or, if
    // the commit failed, does not).
    if (maybe.length > 0) await this.lastCommit;
    const already = await this.storedIds('events', maybe);
    const fresh: Envelope[] = [];
    for (const env of firstById.values()) if (!already.has(env.event.id)) fresh.push(env);
    return fresh;
  }

  /**
   * Stores a batch in one transaction. Events are deduplicated here too; pass `alreadyFresh` when
   * they came from `fresh()` in the same single-writer flow to skip the second look-up.
   */
  async write(batch: StoreBatch, alreadyFresh = false): Promise<WriteResult> {
    return (await this.writeBehind(batch, alreadyFresh)).done;
  }

  /**
   * Appends a batch in its own transaction and starts its commit without waiting for it: DuckDB
   * commits (and checkpoints) on its own thread, so the caller can work on the next batch
   * meanwhile. fresh() looks up a repeat of the batch's ids once the commit settled; the next
   * write waits for it (one connection, one transaction at a time). If the commit fails, nothing
   * of the batch is stored and its ids are found new when they come again.
   */
  async writeBehind(batch: StoreBatch, alreadyFresh = false): Promise<PendingWrite> {
    await this.lastCommit;
    const now = this.now();
    const fresh = alreadyFresh ? [...batch.events] : await this.fresh(batch.events);

    const dlFirst = new Map<string, DeadLetter>();
    const dlMaybe: string[] = [];
    for (const d of batch.deadLetters ?? []) {
      if (dlFirst.has(d.id)) continue;
      dlFirst.set(d.id, d);
      if (this.seenDeadLetters.has(d.id)) dlMaybe.push(d.id);
    }
    const dlAlready = await this.storedIds('dead_letters', dlMaybe);
    const dls = [...dlFirst.values()].filter((d) => !dlAlready.has(d.id));
    const result: WriteResult = { stored: fresh.length, duplicates: batch.events.length - fresh.length, deadLetters: dls.length, fresh };

    // Group by table; events go in through column getters, stage rows as plain objects.
    const byType = new Map<CanonicalEvent['type'], Envelope[]>();
    for (const env of fresh) {
      let l = byType.get(env.event.type);
      if (!l) byType.set(env.event.type, (l = []));
      l.push(env);
    }
    const stageRows = Object.entries(batch.tables ?? {}).filter(([, rows]) => rows.length > 0);
    const offsets = batch.offsets ?? [];
    if (fresh.length === 0 && dls.length === 0 && stageRows.length === 0 && offsets.length === 0) return { done: Promise.resolve(result) };

    // One transaction for everything, offsets included.
    const conn = this.db.connection;
    const ledger = await this.appender('events');
    const typed = new Map<CanonicalEvent['type'], TableAppender>();
    for (const t of byType.keys()) typed.set(t, await this.appender(TYPE_TABLE[t]));
    const dlAppender = dls.length > 0 ? await this.appender('dead_letters') : undefined;
    const stageAppenders: [TableAppender, readonly TableRow[]][] = [];
    for (const [t, rows] of stageRows) stageAppenders.push([await this.appender(t), rows]);
    await conn.run('BEGIN TRANSACTION');
    try {
      await ledger.appendItems(conn, fresh, ledgerGetters(() => now));
      for (const [t, envs] of byType) await typed.get(t)!.appendItems(conn, envs, TYPED_GETTERS[t]);
      // The per-conversation facts behind view conversations, in the same transaction.
      const convRows = (byType.get('message')?.length ?? 0) + (byType.get('ticket')?.length ?? 0);
      if (convRows > 0) await this.facts.afterAppend(conn, convRows);
      if (dlAppender) await dlAppender.appendItems(conn, dls, DEAD_LETTER_GETTERS);
      for (const [a, rows] of stageAppenders) await a.append(conn, rows);
      for (const o of offsets) {
        await conn.run(
          `INSERT INTO kafka_offsets VALUES ($1, $2, $3, $4::BIGINT, now())
           ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`,
          [o.group, o.topic, o.partition, o.nextOffset],
        );
      }
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
    // Into the filter before the commit, so the next batch's fresh() takes a repeat of these ids
    // to the exact check, which waits for this commit. Should the commit fail, the filter only
    // says "maybe" for ids that are not stored: the exact check then finds them new.
    for (const env of fresh) this.seen.add(env.event.id);
    const done = conn.run('COMMIT').then(
      () => {
        for (const d of dls) this.seenDeadLetters.add(d.id);
        return result;
      },
      async (err: unknown) => {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      },
    );
    // Awaited by the caller (maybe later) and by the next write, which must not fail for this one.
    this.lastCommit = done.then(
      () => undefined,
      () => undefined,
    );
    return { done };
  }
}
