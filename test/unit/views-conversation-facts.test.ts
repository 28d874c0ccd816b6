/**
 * View conversations reads per-conversation facts the store keeps batch by batch
 * (sql/views/19_conversation_facts.sql, src/store/conversation-facts.ts) instead of aggregating
 * every message on each query. Here random conversations, written through the real pipeline into
 * a real DuckDB file in random orders and batch sizes, must give exactly the rows of the one-pass
 * definition (REFERENCE below: the view as it was before the facts), whether the facts are all
 * pending partials, compacted, or not there at all (a file written before they existed).
 */
import { describe, expect, it } from 'vitest';
import { rng } from '../../src/sources/scenario/random.js';
import { CONVERSATION_FACTS_BULK, CONVERSATION_FACTS_COMPACT } from '../../src/store/conversation-facts.js';
import type { Database } from '../../src/store/database.js';
import { tempDir } from '../helpers/tmp.js';
import { openStory, rows, shuffled, type StoryEvent } from './views-story.js';

/** The conversations view computed in one pass over messages and tickets. */
const REFERENCE = `
WITH msg AS (
  SELECT brand, conversation_id,
    arg_min(channel, k) AS first_channel, min(ts) AS first_message_at,
    min(ts) FILTER (WHERE direction = 'inbound') AS first_inbound_at,
    min(ts) FILTER (WHERE direction = 'outbound' AND public) AS first_outbound_at,
    arg_min(customer_id, k) FILTER (WHERE customer_id IS NOT NULL) AS msg_customer_id,
    count(*) FILTER (WHERE direction = 'inbound') AS inbound_messages,
    count(*) FILTER (WHERE direction = 'outbound' AND public) AS outbound_messages
  FROM (SELECT *, epoch_us(ts)::HUGEINT * 18446744073709551616 + hash(id) AS k FROM messages)
  GROUP BY brand, conversation_id
),
tk AS (
  SELECT brand, conversation_id,
    min(ts) FILTER (WHERE action = 'opened') AS ticket_opened_at, min(ts) AS first_ticket_at,
    arg_min(severity, k) FILTER (WHERE severity IS NOT NULL) AS initial_severity,
    arg_max(severity, k) FILTER (WHERE severity IS NOT NULL) AS severity,
    arg_min(channel, k) FILTER (WHERE channel IS NOT NULL) AS ticket_channel,
    arg_min(customer_id, k) FILTER (WHERE customer_id IS NOT NULL) AS ticket_customer_id,
    arg_min(topic, k) FILTER (WHERE topic IS NOT NULL) AS topic,
    arg_max(action, k) AS last_action,
    max(ts) FILTER (WHERE action IN ('solved', 'closed')) AS last_solved_at
  FROM (SELECT *, epoch_us(ts)::HUGEINT * 18446744073709551616 + hash(id) AS k FROM tickets)
  GROUP BY brand, conversation_id
),
base AS (
  SELECT coalesce(m.brand, t.brand) AS brand, coalesce(m.conversation_id, t.conversation_id) AS conversation_id,
    coalesce(m.first_channel, t.ticket_channel) AS channel, coalesce(t.ticket_customer_id, m.msg_customer_id) AS customer_id,
    CASE WHEN t.conversation_id IS NOT NULL OR m.first_inbound_at IS NOT NULL THEN 'customer' ELSE 'brand' END AS initiated_by,
    coalesce(t.ticket_opened_at, least(t.first_ticket_at, m.first_inbound_at), m.first_message_at) AS opened_at,
    m.first_outbound_at, t.severity, t.initial_severity, t.topic, t.conversation_id IS NOT NULL AS has_ticket,
    CASE WHEN t.last_action IN ('solved', 'closed') THEN t.last_solved_at END AS solved_at,
    coalesce(m.inbound_messages, 0) AS inbound_messages, coalesce(m.outbound_messages, 0) AS outbound_messages
  FROM msg m FULL OUTER JOIN tk t ON t.brand = m.brand AND t.conversation_id = m.conversation_id
),
late_reply AS (
  SELECT b.brand, b.conversation_id, min(m.ts) AS first_response_at
  FROM base b JOIN messages m ON m.brand = b.brand AND m.conversation_id = b.conversation_id
   AND m.direction = 'outbound' AND m.public AND m.ts >= b.opened_at
  WHERE b.initiated_by = 'customer' AND b.first_outbound_at < b.opened_at
  GROUP BY b.brand, b.conversation_id
),
answered AS (
  SELECT b.*, CASE WHEN b.initiated_by = 'customer' THEN
    CASE WHEN b.first_outbound_at >= b.opened_at THEN b.first_outbound_at ELSE r.first_response_at END END AS first_response_at
  FROM base b LEFT JOIN late_reply r ON r.brand = b.brand AND r.conversation_id = b.conversation_id
)
SELECT brand, conversation_id, channel, customer_id, initiated_by, opened_at, severity, initial_severity, topic,
  first_response_at, cx_seconds(opened_at, first_response_at) AS first_response_seconds, has_ticket, solved_at,
  cx_seconds(opened_at, solved_at) AS resolution_seconds, inbound_messages, outbound_messages
FROM answered`;

const CHANNELS = ['chat', 'email', 'ticket', 'social'] as const;
const SEVERITIES = ['low', 'normal', 'high', 'critical'] as const;
const ACTIONS = ['opened', 'updated', 'solved', 'closed', 'reopened'] as const;

/** Random conversations on a 1-minute grid (ties are common): messages, tickets, or both, over two brands. */
function randomConversations(seed: number, n: number): StoryEvent[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const maybe = <T>(p: number, v: () => T): T | undefined => (rand() < p ? v() : undefined);
  const t = (min: number) => new Date(Date.parse('2026-03-14T10:00:00Z') + min * 60_000).toISOString();
  const events: StoryEvent[] = [];
  let e = 0;
  for (let i = 0; i < n; i++) {
    const brand = rand() < 0.7 ? 'acme' : 'other';
    const conv = `c${seed}-${i}`;
    const start = Math.floor(rand() * 60);
    const kind = rand();
    if (kind < 0.8) {
      for (let j = Math.floor(rand() * 6); j >= 0; j--) {
        const inbound = rand() < 0.55;
        events.push({
          id: `m${seed}-${++e}`, type: 'message', ts: t(start + Math.floor(rand() * 30) - 3), brand, conversationId: conv,
          channel: pick(CHANNELS), direction: inbound ? 'inbound' : 'outbound', text: inbound ? 'help' : 'on it',
          ...(inbound || rand() < 0.8 ? {} : { public: false }),
          ...(rand() < 0.6 ? { customerId: `u${Math.floor(rand() * 20)}` } : {}),
        } as StoryEvent);
      }
    }
    if (kind > 0.4) {
      for (let j = Math.floor(rand() * 4); j >= 0; j--) {
        const sev = maybe(0.6, () => pick(SEVERITIES));
        const ch = maybe(0.5, () => pick(CHANNELS));
        const cust = maybe(0.5, () => `u${Math.floor(rand() * 20)}`);
        const topic = maybe(0.3, () => pick(['billing', 'outage']));
        events.push({
          id: `t${seed}-${++e}`, type: 'ticket', ts: t(start + Math.floor(rand() * 20)), brand, conversationId: conv,
          action: j === 0 && rand() < 0.7 ? 'opened' : pick(ACTIONS),
          ...(sev ? { severity: sev } : {}), ...(ch ? { channel: ch } : {}), ...(cust ? { customerId: cust } : {}), ...(topic ? { topic } : {}),
        } as StoryEvent);
      }
    }
  }
  return events;
}

const sorted = (db: Database, sql: string) => rows(db, `SELECT * FROM (${sql}) ORDER BY brand, conversation_id`);

describe('conversation facts kept as data arrives', () => {
  const dir = tempDir();
  const events = randomConversations(7, 250);

  it('give the one-pass conversations in any arrival order and batching, pending, compacted or absent', async () => {
    // The writer refreshes the facts after every batch here (factsRefreshRows 1).
    for (const [name, order, batchSize] of [
      ['in-order', (e: StoryEvent[]) => e, 10_000],
      ['shuffled-1', (e: StoryEvent[]) => shuffled(e, 1), 3],
      ['shuffled-2', (e: StoryEvent[]) => shuffled(e, 2), 13],
      ['reversed', (e: StoryEvent[]) => [...e].reverse(), 97],
    ] as const) {
      const db = await openStory(dir, name, events, { order, batchSize, factsRefreshRows: 1 });
      try {
        const expected = await sorted(db, REFERENCE);
        expect(expected.length, name).toBeGreaterThan(200);
        // Several partial rows per conversation after small batches: the merge is exercised.
        const [parts] = await rows(db, 'SELECT (SELECT count(*) FROM conversation_facts) AS facts, (SELECT count(*) FROM conversation_facts_delta) AS delta');
        if (batchSize < 100) expect(Number(parts!.delta), name).toBeGreaterThan(batchSize < 10 ? expected.length : 0);
        expect(await sorted(db, 'SELECT * FROM conversations'), `${name}: pending`).toEqual(expected);

        // Compacted: one row per conversation, nothing pending, same rows.
        await db.transaction(async () => {
          for (const sql of CONVERSATION_FACTS_COMPACT) await db.run(sql);
        });
        const [after] = await rows(db, 'SELECT count(*) AS n, count(DISTINCT (brand, conversation_id)) AS d, (SELECT count(*) FROM conversation_facts_delta) AS delta FROM conversation_facts');
        expect(after, name).toEqual({ n: expected.length, d: expected.length, delta: 0 });
        expect(await sorted(db, 'SELECT * FROM conversations'), `${name}: compacted`).toEqual(expected);

        // A file written before the facts existed: everything is past the marks (the tail).
        await db.run('DELETE FROM conversation_facts');
        await db.run('UPDATE conversation_facts_marks SET next_rowid = 0');
        expect(await sorted(db, 'SELECT * FROM conversations'), `${name}: tail only`).toEqual(expected);
        // ... and the bulk refresh fills the facts from it.
        for (const sql of CONVERSATION_FACTS_BULK) await db.run(sql);
        const [marks] = await rows(db, "SELECT (SELECT next_rowid FROM conversation_facts_marks WHERE relation = 'messages') AS m, (SELECT count(*) FROM messages) AS n");
        expect(marks!.m, name).toBe(marks!.n);
        expect(await sorted(db, 'SELECT * FROM conversations'), `${name}: bulk`).toEqual(expected);
      } finally {
        await db.close();
      }
    }
  }, 120_000);

  it('stay exact when late events arrive after a compaction', async () => {
    const all = shuffled(events, 3);
    const half = Math.floor(all.length / 2);
    const db = await openStory(dir, 'late', all.slice(0, half), { batchSize: 50, factsRefreshRows: 1 });
    await db.transaction(async () => {
      for (const sql of CONVERSATION_FACTS_COMPACT) await db.run(sql);
    });
    await db.close();
    // The other half, reopened through the pipeline: partials on top of compacted rows.
    const again = await openStory(dir, 'late', all.slice(half), { batchSize: 17, factsRefreshRows: 40 });
    try {
      const expected = await sorted(again, REFERENCE);
      expect(expected.length).toBeGreaterThan(200);
      expect(await sorted(again, 'SELECT * FROM conversations')).toEqual(expected);
    } finally {
      await again.close();
    }
  }, 60_000);
});
