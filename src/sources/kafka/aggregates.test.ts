import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadLetter, type Envelope } from '../../contract/records.js';
import type { StageContext } from '../../pipeline/stage.js';
import type { TableRow } from '../../store/rows.js';
import { CombineState, parseAggregate, parsePartial, partialCountStage, partialMessage, PartialCountStage, TotalsToIncrements, type PartialMessage } from './aggregates.js';
import { BrandFeed } from './brand-feed.js';
import { FACTS_TABLE, recordMessage, type BrandRecord } from './brand-records.js';
import { deadLetterMessage, DLQ_HEADERS } from './dead-letters.js';
import { HandOff } from './handoff.js';
import { isFenced } from './source.js';

const T = Date.parse('2026-03-14T10:00:00Z');

function msg(id: string, brand: string, channel: string, ts: number, offset: number, opts: { partition?: number; direction?: 'inbound' | 'outbound'; upset?: boolean; kind?: 'kafka' | 'file' } = {}): Envelope {
  return {
    event: { id, type: 'message', ts, brand, conversationId: `c-${id}`, channel, direction: opts.direction ?? 'inbound', public: true } as Envelope['event'],
    raw: '{}',
    origin: opts.kind === 'file' ? { kind: 'file', name: 'f', line: offset } : { kind: 'kafka', name: 'in', partition: opts.partition ?? 0, offset: String(offset) },
    ...(opts.upset !== undefined ? { upset: { score: opts.upset ? 0.9 : 0.1, label: opts.upset ? 'upset' : 'not_upset', lang: 'eng' } as const } : {}),
  };
}

function ctx(): StageContext & { rows: TableRow[] } {
  const rows: TableRow[] = [];
  return { clock: { now: () => 0 }, live: true, detections: [], rows, emit: (_t: string, r: TableRow) => void rows.push(r) };
}

describe('partial counts (stage 1)', () => {
  it('counts inbound Kafka messages per source partition × brand × channel × bucket, with the offsets they cover', () => {
    const stage = new PartialCountStage('inst-1', 60, () => 0);
    const c = ctx();
    stage.onEvents(
      [
        msg('1', 'acme', 'chat', T + 5_000, 10, { upset: true }),
        msg('2', 'acme', 'chat', T + 59_000, 12, { upset: false }),
        msg('3', 'acme', 'chat', T + 61_000, 13, { upset: true }),
        msg('4', 'acme', 'social', T + 1_000, 14),
        msg('5', 'acme', 'chat', T + 2_000, 15, { direction: 'outbound' }),
        msg('6', 'acme', 'chat', T + 3_000, 7, { partition: 1, upset: true }),
        msg('7', 'acme', 'chat', T + 3_000, 99, { kind: 'file', upset: true }),
      ],
      c,
    );
    const rows = c.rows.map((r) => [r.source_partition, r.channel, r.bucket_start, r.inbound, r.upset, String(r.min_offset), String(r.max_offset)]);
    expect(rows).toEqual([
      [0, 'chat', T, 2, 1, '10', '12'],
      [0, 'chat', T + 60_000, 1, 1, '13', '13'],
      [0, 'social', T, 1, 0, '14', '14'],
      [1, 'chat', T, 1, 1, '7', '7'],
    ]);
    expect(c.rows[0]!.partial_id).toBe(`in:0:10-12:acme|chat|${T}`);
    expect(c.rows[0]!.instance_id).toBe('inst-1');
  });

  it('is only built for a kafka source with scale_out enabled', () => {
    expect(partialCountStage({ config: { sources: [{ type: 'file' }] } })).toBeUndefined();
    expect(partialCountStage({ config: { sources: [{ type: 'kafka', scale_out: { enabled: false } } as never] } })).toBeUndefined();
    expect(partialCountStage({ config: { sources: [{ type: 'kafka', scale_out: { enabled: true, instance_id: 'x', bucket_secs: 60 } } as never] } })).toBeInstanceOf(PartialCountStage);
  });

  it('round-trips through the topic format, and refuses what is not a partial', () => {
    const m = partialMessage({ partialId: 'p1', instanceId: 'i', topic: 'in', partition: 2, minOffset: 5n, maxOffset: 9n, brand: 'acme', channel: 'chat', bucketStart: T, bucketSecs: 60, inbound: 4, upset: 3 });
    expect(m.key).toBe('acme');
    expect(parsePartial(Buffer.from(m.value))).toMatchObject({ id: 'p1', inbound: 4, upset: 3, source: { partition: 2, min_offset: '5', max_offset: '9' } });
    expect(parsePartial(Buffer.from('{"v":2}'))).toEqual({ error: 'not a crisiscx partial count (v 1)' });
    expect(parsePartial(Buffer.from('nope'))).toEqual({ error: 'not JSON' });
    expect(parsePartial(null)).toEqual({ error: 'empty message' });
  });
});

describe('combining partials (stage 2)', () => {
  const partial = (id: string, bucket: number, inbound: number, upset: number, brand = 'acme', channel = 'chat'): PartialMessage => ({
    v: 1,
    id,
    brand,
    channel,
    bucket_start: bucket,
    bucket_secs: 60,
    inbound,
    upset,
    instance: 'i',
    source: { topic: 'in', partition: 0, min_offset: '0', max_offset: '0' },
  });

  it('sums each partial once, whatever the order and however often it is delivered', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ bucket: fc.integer({ min: 0, max: 5 }), inbound: fc.integer({ min: 0, max: 50 }), upset: fc.integer({ min: 0, max: 50 }), key: fc.integer({ min: 0, max: 2 }) }), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (parts, order) => {
          const ps = parts.map((p, i) => partial(`p${i}`, T + p.bucket * 60_000, p.inbound, p.upset, 'acme', `ch${p.key}`));
          const s = new CombineState();
          // Delivered in some order, with repeats.
          for (const o of order) if (ps.length) s.apply(ps[o % ps.length]!);
          for (const p of ps) s.apply(p);
          const want = new Map<string, [number, number]>();
          for (const p of ps) {
            const k = `${p.channel}|${p.bucket_start}`;
            const w = want.get(k) ?? [0, 0];
            want.set(k, [w[0] + p.inbound, w[1] + p.upset]);
          }
          const got = new Map(s.totals().map((b) => [`${b.channel}|${b.bucketStart}`, [b.inbound, b.upset]]));
          expect(got).toEqual(want);
        },
      ),
    );
  });

  it('returns the new running total of the bucket a partial changed, nothing for a repeat', () => {
    const s = new CombineState();
    expect(s.apply(partial('a', T, 3, 1))).toMatchObject({ inbound: 3, upset: 1, partials: 1 });
    expect(s.apply(partial('b', T, 2, 2))).toMatchObject({ inbound: 5, upset: 3, partials: 2 });
    expect(s.apply(partial('a', T, 3, 1))).toBeUndefined();
    s.prune(T + 1);
    expect(s.totals()).toEqual([]);
  });

  it('turns running totals into increments that never count twice, rebalance replays included', () => {
    const inc = new TotalsToIncrements();
    const b = (inbound: number, upset: number) => ({ brand: 'acme', channel: 'chat', bucketStart: T, bucketSecs: 60, inbound, upset, partials: 1 });
    expect(inc.next(b(3, 1))).toEqual({ brand: 'acme', channel: 'chat', bucketStart: T, inbound: 3, upset: 1 });
    expect(inc.next(b(5, 1))).toEqual({ brand: 'acme', channel: 'chat', bucketStart: T, inbound: 2, upset: 0 });
    // A new owner replays the bucket from scratch: 2, then 5 again, then more.
    expect(inc.next(b(2, 0))).toBeUndefined();
    expect(inc.next(b(5, 1))).toBeUndefined();
    expect(inc.next(b(7, 2))).toEqual({ brand: 'acme', channel: 'chat', bucketStart: T, inbound: 2, upset: 1 });
  });
});

describe('dead letters on the topic', () => {
  it('carry the raw bytes, the id as key and the reason and origin in headers', () => {
    const m = deadLetterMessage({ id: 'abc', stage: 'schema', format: 'canonical', reason: 'message.direction: expected "inbound" or "outbound", got "in"', raw: Buffer.from('{"x":1}'), offset: 42n }, 'support.events', 3);
    expect(m.key).toBe('abc');
    expect(m.value.toString()).toBe('{"x":1}');
    expect(m.headers).toEqual({
      [DLQ_HEADERS.reason]: 'message.direction: expected "inbound" or "outbound", got "in"',
      [DLQ_HEADERS.stage]: 'schema',
      [DLQ_HEADERS.format]: 'canonical',
      [DLQ_HEADERS.topic]: 'support.events',
      [DLQ_HEADERS.partition]: '3',
      [DLQ_HEADERS.offset]: '42',
      [DLQ_HEADERS.id]: 'abc',
    });
  });
});

describe('a dead letter read twice', () => {
  it('(a killed instance\'s last batch, read again by the next owner) is the same message: same key and id header', () => {
    const rec = { bytes: Buffer.from('{"id":"x","type":"message"'), origin: { kind: 'kafka' as const, name: 'support.events', partition: 3, offset: '1207' } };
    const first = deadLetterMessage({ ...deadLetter(rec, 'parse', 'not JSON', 'canonical', 1), offset: 1207n }, 'support.events', 3);
    const again = deadLetterMessage({ ...deadLetter({ ...rec, bytes: Buffer.from(rec.bytes) }, 'parse', 'not JSON', 'canonical', 99), offset: 1207n }, 'support.events', 3);
    expect(again.key).toBe(first.key);
    expect(again.headers[DLQ_HEADERS.id]).toBe(first.headers[DLQ_HEADERS.id]);
    // Another offset is another dead letter, even with the same bytes.
    const other = deadLetter({ ...rec, origin: { ...rec.origin, offset: '1208' } }, 'parse', 'not JSON', 'canonical', 1);
    expect(other.id).not.toBe(first.key);
  });
});

describe('brand facts and records on the aggregates topic', () => {
  it('counts broadcasts and incidents read from Kafka as facts, one row per event', () => {
    const stage = new PartialCountStage('i1', 60, () => T);
    const rows: { table: string; row: TableRow }[] = [];
    const ctx = { emit: (table: string, row: TableRow) => rows.push({ table, row }), detections: [], live: true, clock: { now: () => T } } as unknown as StageContext;
    const ev = (id: string, event: Record<string, unknown>, offset: number): Envelope => ({
      event: { id, ts: T + offset, brand: 'acme', ...event } as Envelope['event'],
      raw: '{}',
      origin: { kind: 'kafka', name: 'in', partition: 2, offset: String(offset) },
    });
    stage.onEvents([ev('b1', { type: 'broadcast', channel: 'status_page' }, 5), ev('i1', { type: 'incident', incidentId: 'INC-1', action: 'declared' }, 6)], ctx);
    expect(rows.filter((r) => r.table === FACTS_TABLE).map((r) => [r.row.fact, r.row.incident_id, r.row.source_offset])).toEqual([
      ['broadcast', null, 5n],
      ['incident_declared', 'INC-1', 6n],
    ]);
  });

  it('tells partials and brand records apart, and rejects malformed records', () => {
    const fact: BrandRecord = { kind: 'fact', id: 'in:2:5', brand: 'acme', fact: 'broadcast', ts: T };
    const m = recordMessage(fact);
    expect(m.key).toBe('acme');
    expect(parseAggregate(Buffer.from(m.value))).toEqual({ record: { v: 1, ...fact } });
    const p: PartialMessage = { v: 1, id: 'p', brand: 'acme', channel: 'chat', bucket_start: T, bucket_secs: 60, inbound: 2, upset: 1, instance: 'i', source: { topic: 'in', partition: 0, min_offset: '0', max_offset: '1' } };
    expect(parseAggregate(Buffer.from(JSON.stringify(p)))).toEqual({ partial: p });
    expect(parseAggregate(Buffer.from(JSON.stringify({ v: 1, kind: 'fact', brand: 'acme', fact: 'tweet', id: 'x', ts: T })))).toMatchObject({ error: expect.stringMatching(/fact/) });
    expect(parseAggregate(Buffer.from(JSON.stringify({ v: 1, kind: 'spike', brand: 'acme', owner: 'a', update: {} })))).toMatchObject({ error: expect.stringMatching(/spike/) });
    expect(parseAggregate(Buffer.from('[1]'))).toEqual({ error: 'not a JSON object' });
  });
});

describe('the brand feed', () => {
  it('gives every reader of one context the events up to the same point', () => {
    const feed = new BrandFeed();
    feed.subscribe('spikes');
    feed.subscribe('brand_silence');
    feed.assigned([1]);
    const ctx1 = {};
    expect(feed.take('spikes', ctx1).map((e) => e.type)).toEqual(['assigned']);
    // Arrives between the two readers of ctx1: the second stops where the first did.
    feed.caughtUp();
    expect(feed.take('brand_silence', ctx1).map((e) => e.type)).toEqual(['assigned']);
    const ctx2 = {};
    expect(feed.take('spikes', ctx2).map((e) => e.type)).toEqual(['caught_up']);
    expect(feed.take('brand_silence', ctx2).map((e) => e.type)).toEqual(['caught_up']);
    expect(feed.take('spikes', {})).toEqual([]);
    expect(() => feed.take('nobody', {})).toThrow(/subscrib/);
  });
});

describe('hand-off between kafkajs and the pipeline', () => {
  it('tells the Kafka side when the pipeline is done with a batch, and cancels on close', async () => {
    const h = new HandOff<number>();
    const put = h.put(1);
    const item = await h.take();
    expect(item!.value).toBe(1);
    let settled = false;
    void put.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false); // not before the pipeline stored it
    item!.done();
    expect(await put).toBe('done');

    // Handed out, then the pipeline stops before storing it: the taker cancels it.
    const waiting = h.take();
    const second = h.put(2);
    const item2 = (await waiting)!;
    expect(item2.value).toBe(2);
    item2.cancel();
    expect(await second).toBe('cancelled');
    // Waiting in the slot when the source closes: cancelled; after closing nothing is taken.
    const third = h.put(3);
    h.close();
    expect(await third).toBe('cancelled');
    expect(await h.put(4)).toBe('cancelled');
    expect(await h.take()).toBeUndefined();
  });

  it('queues several partitions\' batches in arrival order, saying when each was taken, and cancels the waiting ones on close', async () => {
    const h = new HandOff<string>();
    const a = h.offer('a');
    const b = h.offer('b');
    const c = h.offer('c');
    let bTaken = false;
    void b.taken.then(() => (bTaken = true));
    expect(h.peek()).toBe('a');
    const first = (await h.take())!;
    expect(first.value).toBe('a');
    await a.taken;
    await Promise.resolve();
    expect(bTaken).toBe(false);
    // Merging: what waits behind is taken at once, without waiting.
    expect(h.takeNow()!.value).toBe('b');
    await b.taken;
    first.done();
    expect(await a.outcome).toBe('done');
    expect(h.isClosed).toBe(false);
    h.close();
    expect(h.isClosed).toBe(true);
    await c.taken; // a cancelled offer counts as taken: its producer must not wait for ever
    expect(await c.outcome).toBe('cancelled');
    expect(h.takeNow()).toBeUndefined();
  });

  it('ends a waiting taker on abort, and hands a consumer failure to it', async () => {
    const ac = new AbortController();
    const h = new HandOff<number>();
    const t = h.take(ac.signal);
    ac.abort();
    expect(await t).toBeUndefined();
    const h2 = new HandOff<number>();
    const t2 = h2.take();
    h2.fail(new Error('broker gone'));
    await expect(t2).rejects.toThrow('broker gone');
  });
});

describe('fencing', () => {
  it('recognises a fenced producer however kafkajs wraps it', () => {
    expect(isFenced({ type: 'INVALID_PRODUCER_EPOCH' })).toBe(true);
    expect(isFenced({ name: 'KafkaJSNumberOfRetriesExceeded', originalError: { code: 90 } })).toBe(true);
    expect(isFenced(new Error('timeout'))).toBe(false);
  });
});
