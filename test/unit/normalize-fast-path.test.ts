/**
 * The normalizer's fast path must be zod's result or nothing: same acceptance, same values, same
 * keys in the same order (defaults included), on valid events and on every near miss around the
 * contract's limits. And it must actually take the plainly valid events, or it is no fast path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventSchema, MAX_TEXT_CHARS, MAX_TS_MS, MIN_TS_MS } from '../../src/contract/events.js';
import { fastParse, fastPathCoversContract } from '../../src/normalize/fast-path.js';

const TYPES = ['message', 'ticket', 'promise', 'broadcast', 'impact', 'incident', 'csat'] as const;

/** Every field of every type, with a generator of values the contract accepts. */
const str = (min: number, max: number) => fc.string({ unit: 'binary', minLength: min, maxLength: max });
const id = str(1, 40);
const ts = fc.oneof(
  fc.integer({ min: MIN_TS_MS, max: MAX_TS_MS - 1 }),
  fc.integer({ min: MIN_TS_MS, max: MAX_TS_MS - 1 }).map((ms) => new Date(ms).toISOString()),
  fc.constantFrom('2026-03-14T15:30:00+05:30', '2026-03-14T10:00Z', '2024-02-29T23:59:59.123456789-0800'),
);
const VALID: Record<string, fc.Arbitrary<unknown>> = {
  id,
  ts,
  brand: str(1, 30),
  source: str(0, 30),
  conversationId: id,
  customerId: id,
  agentId: id,
  promiseId: id,
  incidentId: id,
  text: str(0, 200),
  title: str(0, 50),
  lang: fc.constantFrom('en', 'pt-BR', 'zh-Hant-TW'),
  public: fc.boolean(),
  sentiment: fc.double({ min: -1, max: 1, noNaN: true }),
  status: str(0, 20),
  topic: str(0, 20),
  dueAt: ts,
  score: fc.integer({ min: 1, max: 5 }),
};
const BODY: Record<(typeof TYPES)[number], Record<string, fc.Arbitrary<unknown>>> = {
  message: { channel: fc.constantFrom('ticket', 'chat', 'social', 'email', 'sms', 'voice'), direction: fc.constantFrom('inbound', 'outbound') },
  ticket: { action: fc.constantFrom('opened', 'updated', 'solved', 'reopened', 'closed'), severity: fc.constantFrom('critical', 'high', 'normal', 'low'), channel: fc.constantFrom('chat', 'email') },
  promise: { action: fc.constantFrom('made', 'kept', 'cancelled'), kind: fc.constantFrom('callback', 'refund', 'fix', 'update', 'other') },
  broadcast: { channel: fc.constantFrom('social', 'status_page', 'email', 'sms', 'web') },
  impact: { severity: fc.constantFrom('critical', 'low') },
  incident: { action: fc.constantFrom('declared', 'resolved'), severity: fc.constantFrom('high') },
  csat: {},
};
const FIELDS: Record<(typeof TYPES)[number], string[]> = {
  message: ['conversationId', 'channel', 'direction', 'customerId', 'agentId', 'text', 'lang', 'public', 'sentiment'],
  ticket: ['conversationId', 'action', 'severity', 'status', 'customerId', 'channel', 'topic'],
  promise: ['conversationId', 'promiseId', 'action', 'dueAt', 'kind', 'agentId', 'text'],
  broadcast: ['channel', 'text', 'incidentId'],
  impact: ['customerId', 'incidentId', 'severity'],
  incident: ['incidentId', 'action', 'title', 'severity'],
  csat: ['conversationId', 'score', 'customerId'],
};

/** A valid event of `type` with each optional field present or not, extra fields, keys in any order. */
function validOf(type: (typeof TYPES)[number]) {
  const keys = ['id', 'ts', 'brand', 'source', ...FIELDS[type]];
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const k of keys) parts[k] = BODY[type][k] ?? VALID[k]!;
  return fc
    .record({
      fields: fc.record(parts),
      present: fc.array(fc.boolean(), { minLength: keys.length, maxLength: keys.length }),
      extra: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => !keys.includes(k) && k !== 'type' && k !== '__proto__'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      order: fc.integer(),
    })
    .map(({ fields, present, extra, order }) => {
      const required = new Set(['id', 'ts', 'conversationId', 'channel', 'direction', 'action', 'promiseId', 'customerId', 'incidentId', 'score']);
      const optionalHere = new Set(['customerId'].filter(() => type === 'message' || type === 'ticket' || type === 'csat'));
      const entries: [string, unknown][] = [['type', type], ...Object.entries(extra)];
      keys.forEach((k, i) => {
        if ((required.has(k) && !optionalHere.has(k)) || present[i]) entries.push([k, fields[k]]);
      });
      if (type === 'promise' && fields.action === 'made' && !entries.some(([k]) => k === 'dueAt')) entries.push(['dueAt', fields.dueAt]);
      // A deterministic shuffle: key order must not matter to acceptance, and is kept for extras.
      const rot = Math.abs(order) % entries.length;
      return Object.fromEntries([...entries.slice(rot), ...entries.slice(0, rot)]) as Record<string, unknown>;
    });
}
const validEvent = fc.constantFrom(...TYPES).chain(validOf);

/** Values around every limit and type the contract checks. */
const nearMiss = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, '', 'x', true, false, 0, -0, 1, -1, 1.5, -1.0000001, 5, 6, 2.5, Number.NaN, Infinity, -Infinity, 2 ** 53, [], {}, ['inbound']),
  fc.constantFrom('a'.repeat(35), 'a'.repeat(36), 'a'.repeat(200), 'a'.repeat(201), 'a'.repeat(1000), 'a'.repeat(1001), 'x'.repeat(MAX_TEXT_CHARS + 1)),
  fc.constantFrom('inbound', 'in', 'made', 'kept', 'chat', 'status_page', 'web', 'critical', 'Critical', 'message', 'csat', 'declared'),
  fc.constantFrom(1773482400, 1773482400000, MIN_TS_MS - 1, MAX_TS_MS, '2026-03-14 10:00', '2026-03-14T10:00:00', '2025-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2999-01-01T00:00:00Z', '2026-03-14T10:00:00z'),
  fc.string({ unit: 'binary', maxLength: 5 }),
);
const ALL_KEYS = ['type', 'id', 'ts', 'brand', 'source', ...new Set(Object.values(FIELDS).flat()), 'vendor', 'constructor', 'toString', 'hasOwnProperty'];

/** A valid event with some fields replaced, removed or added. */
const mutated = fc
  .record({
    base: validEvent,
    edits: fc.array(fc.record({ key: fc.constantFrom(...ALL_KEYS), value: nearMiss, remove: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  })
  .map(({ base, edits }) => {
    const e = { ...base };
    for (const { key, value, remove } of edits) {
      if (remove) delete e[key];
      else e[key] = value;
    }
    return e;
  });

/** zod's result and the fast path's: the same, or the fast path declined. */
function agree(value: unknown): 'fast' | 'zod' {
  const fast = fastParse(value);
  const z = EventSchema.safeParse(value);
  if (fast === undefined) return 'zod';
  expect(z.success, `fast path accepted what zod refuses: ${JSON.stringify(value)}`).toBe(true);
  if (!z.success) return 'fast';
  expect(Object.keys(fast)).toEqual(Object.keys(z.data));
  for (const k of Object.keys(fast)) expect(Object.is((fast as Record<string, unknown>)[k], (z.data as Record<string, unknown>)[k]), `key ${k}`).toBe(true);
  return 'fast';
}

describe('normalizer fast path', () => {
  it('has a rule for every field of every event type of the contract', () => {
    expect(fastPathCoversContract()).toBe(true);
  });

  it('takes every plainly valid event and returns exactly what zod returns (values, defaults, key order)', () => {
    fc.assert(
      fc.property(validEvent, (e) => {
        expect(agree(e)).toBe('fast');
        // As parsed from a line, too.
        expect(agree(JSON.parse(JSON.stringify(e)))).toBe('fast');
      }),
      { numRuns: 3000 },
    );
  });

  it('never accepts what zod refuses, and agrees with zod on every near miss it does accept', () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(mutated, (e) => {
        runs++;
        if (agree(e) === 'fast') taken++;
      }),
      { numRuns: 5000 },
    );
    // Some mutations keep the event valid (an optional field dropped, a valid enum value): those are taken.
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(runs);
  });

  it('leaves unusual objects to zod: own undefined values, __proto__ keys, class instances, arrays', () => {
    const msg = { id: 'm1', type: 'message', ts: '2026-03-14T10:00:00Z', conversationId: 'c1', channel: 'chat', direction: 'inbound' };
    expect(fastParse(msg)).toBeDefined();
    expect(fastParse({ ...msg, text: undefined })).toBeUndefined();
    expect(fastParse({ ...msg, vendor: undefined })).toBeUndefined();
    expect(fastParse(JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(msg).slice(1)}`))).toBeUndefined();
    expect(fastParse(Object.assign(Object.create({ inherited: 1 }) as object, msg))).toBeUndefined();
    expect(fastParse([msg])).toBeUndefined();
    expect(fastParse({ ...msg, type: 'mesage' })).toBeUndefined();
    expect(fastParse({ id: 'p', type: 'promise', ts: msg.ts, conversationId: 'c', promiseId: 'p1', action: 'made' })).toBeUndefined();
  });
});
