/**
 * Property tests over the normalizer and the store: whatever bytes arrive, every record becomes
 * exactly one event or one dead letter with its bytes and a reason, nothing throws, and what is
 * stored reads back exactly as sent.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSchema, MAX_TS_MS, MIN_TS_MS } from '../../src/contract/events.js';
import type { RawRecord } from '../../src/contract/records.js';
import { Normalizer } from '../../src/normalize/normalize.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { tempDir } from '../helpers/tmp.js';

const normalizer = new Normalizer({ format: 'canonical', maxEventBytes: 64 * 1024 });
const records = (lines: Buffer[]): RawRecord[] => lines.map((bytes, i) => ({ bytes, origin: { kind: 'file', name: 'fuzz.ndjson', line: i + 1 } }));

/** Text as hostile producers send it: any code point, plus lone surrogates, controls and bidi marks. */
const hostileChar = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\u202e', '\u2066', '\u2069', '\u200f', '\u2028', '\u2029', '\ufeff', '\u0000', "'", '"', '\\', '<', '>', '&') },
);
const hostileText = (maxLength: number) => fc.string({ unit: hostileChar, maxLength });

const TYPES = ['message', 'ticket', 'promise', 'broadcast', 'impact', 'incident', 'csat'] as const;
const validTs = fc.integer({ min: MIN_TS_MS, max: MAX_TS_MS - 1 });
const wellFormed = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
const idArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 60 });

/** Events the contract accepts, of every type, with hostile-but-valid text. */
const validEvent = fc
  .record({
    type: fc.constantFrom(...TYPES),
    id: idArb,
    ts: validTs,
    iso: fc.boolean(),
    brand: fc.option(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), { nil: undefined }),
    text: fc.string({ unit: 'binary', maxLength: 300 }),
    conversationId: idArb,
    score: fc.integer({ min: 1, max: 5 }),
    extra: fc.dictionary(fc.string({ maxLength: 10 }).filter((k) => !['id', 'type', 'ts', 'brand', '__proto__'].includes(k)), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
  })
  .map(({ type, id, ts, iso, brand, text, conversationId, score, extra }): Record<string, unknown> => {
    const e: Record<string, unknown> = { ...extra, id, type, ts: iso ? new Date(ts).toISOString() : ts };
    if (brand !== undefined) e.brand = brand;
    switch (type) {
      case 'message':
        return { ...e, conversationId, channel: 'social', direction: 'inbound', text };
      case 'ticket':
        return { ...e, conversationId, action: 'opened' };
      case 'promise':
        return { ...e, conversationId, promiseId: 'p', action: 'made', dueAt: ts + 3_600_000 > MAX_TS_MS - 1 ? ts : ts + 3_600_000, text };
      case 'broadcast':
        return { ...e, channel: 'status_page', text };
      case 'impact':
        return { ...e, customerId: conversationId };
      case 'incident':
        return { ...e, incidentId: conversationId, action: 'declared' };
      case 'csat':
        return { ...e, conversationId, score };
    }
  });

/** One record's invariants: one outcome, bytes kept, a bounded reason. */
function checkBatch(lines: Buffer[]) {
  const recs = records(lines);
  const { events, deadLetters } = normalizer.normalize(recs);
  expect(events.length + deadLetters.length).toBe(recs.length);
  for (const d of deadLetters) {
    const rec = recs.find((r) => r.origin.kind === 'file' && d.origin.kind === 'file' && r.origin.line === d.origin.line)!;
    expect(d.raw.equals(rec.bytes)).toBe(true);
    expect(d.reason.length).toBeGreaterThan(5);
    expect(d.reason.length).toBeLessThan(1000);
  }
  for (const e of events) {
    expect(e.event.ts).toBeGreaterThanOrEqual(MIN_TS_MS);
    expect(e.event.ts).toBeLessThan(MAX_TS_MS);
    expect(e.event.id.length).toBeGreaterThan(0);
    expect(wellFormed(e.raw)).toBe(true);
  }
  return { events, deadLetters };
}

describe('normalizer under fuzzing', () => {
  it('turns arbitrary bytes into one outcome per record, never throwing', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 20 }), (arrays) => void checkBatch(arrays.map((a) => Buffer.from(a)))), { numRuns: 300 });
  });

  it('turns arbitrary JSON values into one outcome per record', () => {
    fc.assert(fc.property(fc.array(fc.jsonValue({ maxDepth: 6 }), { minLength: 1, maxLength: 20 }), (values) => void checkBatch(values.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')))), { numRuns: 300 });
  });

  it('accepts every event the contract allows, keeping id, time and text exactly', () => {
    fc.assert(
      fc.property(validEvent, (e) => {
        const { events, deadLetters } = checkBatch([Buffer.from(JSON.stringify(e))]);
        expect(deadLetters.map((d) => d.reason)).toEqual([]);
        const got = events[0]!.event as Record<string, unknown>;
        expect(got.id).toBe(e.id);
        expect(got.ts).toBe(typeof e.ts === 'number' ? e.ts : Date.parse(e.ts as string));
        if ('text' in e) expect(got.text).toBe(e.text);
      }),
      { numRuns: 500 },
    );
  });

  it('survives any field of a valid event replaced by anything, and names the field when it refuses', () => {
    const fields = ['id', 'type', 'ts', 'brand', 'conversationId', 'channel', 'direction', 'text', 'score', 'action', 'dueAt', 'public', 'sentiment'];
    fc.assert(
      fc.property(validEvent, fc.constantFrom(...fields), fc.oneof(fc.anything({ maxDepth: 3 }), hostileText(50), fc.double(), fc.constant(undefined)), (e, field, value) => {
        const mutated: Record<string, unknown> = { ...e, [field]: value };
        const { events, deadLetters } = checkBatch([Buffer.from(JSON.stringify(mutated) ?? 'null')]);
        if (deadLetters.length === 1 && deadLetters[0]!.stage === 'schema') {
          // The reason names a path: the field itself, or `type` when the body no longer fits any type.
          expect(deadLetters[0]!.reason).toMatch(/^[\w.]+: |type: /);
        }
        for (const ev of events) expect(EventSchema.safeParse(ev.event).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('survives byte-level damage to valid lines: flips, cuts, insertions', () => {
    const damage = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('flip', 'cut', 'insert', 'delete') });
    fc.assert(
      fc.property(validEvent, fc.array(damage, { minLength: 1, maxLength: 4 }), (e, hits) => {
        let b = Buffer.from(JSON.stringify(e));
        for (const h of hits) {
          const at = h.at % Math.max(1, b.length);
          if (h.kind === 'flip') b[at] = h.byte;
          else if (h.kind === 'cut') b = b.subarray(0, at);
          else if (h.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([h.byte]), b.subarray(at)]);
          else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
        }
        checkBatch([b]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('pipeline and store under fuzzing (real DuckDB)', () => {
  const dir = tempDir('crisiscx-fuzz-');
  let db: Database;
  let pipeline: Pipeline;
  let line = 0;
  beforeAll(async () => {
    db = await Database.open(join(dir, 'fuzz.duckdb'));
    pipeline = new Pipeline({ writer: await EventWriter.create(db) });
  });
  afterAll(async () => {
    await pipeline?.close();
    await db?.close();
  });

  it('stores hostile text exactly or dead-letters it, and DuckDB can read every stored raw JSON', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ text: hostileText(80), brand: hostileText(20), id: hostileText(30) }), { minLength: 1, maxLength: 15 }), async (items) => {
        const lines = items.map((it, i) => {
          n++;
          return Buffer.from(JSON.stringify({ id: `f${n}-${it.id}`, type: 'message', ts: MIN_TS_MS + n * 1000, brand: it.brand || 'b', conversationId: `c${i}`, channel: 'chat', direction: 'inbound', text: it.text }));
        });
        const recs: RawRecord[] = lines.map((bytes) => ({ bytes, origin: { kind: 'file', name: 'fuzz', line: ++line } }));
        const before = { ...pipeline.stats };
        await pipeline.process({ records: recs });
        const stored = pipeline.stats.stored - before.stored;
        const dead = pipeline.stats.deadLetters - before.deadLetters;
        expect(stored + dead + (pipeline.stats.duplicates - before.duplicates)).toBe(items.length);
        // Exactly the well-formed ones are stored, with their text as sent.
        for (const [i, it] of items.entries()) {
          const id = `f${n - items.length + i + 1}-${it.id}`;
          // Compared inside DuckDB: @duckdb/node-api drops a leading U+FEFF when it reads a VARCHAR
          // into JavaScript, though the stored bytes are right.
          const rows = await db.query<{ text_same: boolean; brand_same: boolean }>(
            'SELECT text = $2 AS text_same, brand = $3 AS brand_same FROM messages WHERE id = $1',
            [id, it.text, it.brand || 'b'],
          );
          const ok = wellFormed(it.text) && wellFormed(it.brand) && wellFormed(it.id);
          if (ok && rows.length === 1) {
            expect(rows[0]).toEqual({ text_same: true, brand_same: true });
          } else if (ok) {
            throw new Error(`well-formed event ${JSON.stringify(id)} was not stored`);
          } else {
            expect(rows).toEqual([]);
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(await db.query('SELECT id FROM events WHERE NOT json_valid(raw)')).toEqual([]);
    const dl = await db.query<{ stage: string; n: bigint }>('SELECT stage, count(*) AS n FROM dead_letters GROUP BY stage');
    expect(dl.every((r) => r.stage === 'encoding')).toBe(true);
  });
});
