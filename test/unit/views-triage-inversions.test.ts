/**
 * View triage_outcomes counts inversions with ranks and running counts instead of pairing every
 * two conversations (sql/views/40_triage_outcomes.sql). Here random crises, written through the
 * real pipeline into a real DuckDB file, are checked against the definition itself, worked out
 * pair by pair in TypeScript from the conversations view: B inverts A when B is less severe, of
 * the same brand, opened after A and answered before A was (any time, if A still waits); a chance
 * is such a pair (B opened while A waited) in which either has been answered; the queue variants
 * keep the pairs of one channel. Times sit on a coarse grid so that openings and replies tie
 * often; some tickets change severity, some never get a reply, some have no channel.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../src/sources/scenario/random.js';
import type { Database } from '../../src/store/database.js';
import { tempDir } from '../helpers/tmp.js';
import { openStory, rows, type StoryEvent } from './views-story.js';

const SEVERITIES = ['low', 'normal', 'high', 'critical'] as const;
const RANK: Record<string, number> = { low: 1, normal: 2, high: 3, critical: 4 };
const CHANNELS = ['ticket', 'chat', 'email'] as const;

/** A random crisis: `n` conversations over two brands, on a 1-minute grid of 90 minutes. */
function randomCrisis(seed: number, n: number): StoryEvent[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const t = (min: number) => new Date(Date.parse('2026-03-14T10:00:00Z') + min * 60_000).toISOString();
  let e = 0;
  const events: StoryEvent[] = [];
  for (let i = 0; i < n; i++) {
    const brand = rand() < 0.8 ? 'acme' : 'other';
    const conv = `r${seed}-${i}`;
    const opened = Math.floor(rand() * 90);
    const severity = pick(SEVERITIES);
    const channel = pick(CHANNELS);
    const ticketOnly = rand() < 0.1;
    // A ticket without a channel and without messages: the conversation has no channel (no queue).
    events.push({ id: `x${seed}-${++e}`, type: 'ticket', ts: t(opened), brand, conversationId: conv, action: 'opened', severity, ...(ticketOnly ? {} : { channel }) } as StoryEvent);
    if (!ticketOnly) {
      events.push({ id: `x${seed}-${++e}`, type: 'message', ts: t(opened), brand, conversationId: conv, channel, direction: 'inbound', text: 'help' } as StoryEvent);
    }
    if (rand() < 0.2) {
      const later = opened + Math.floor(rand() * 10);
      events.push({ id: `x${seed}-${++e}`, type: 'ticket', ts: t(later), brand, conversationId: conv, action: 'updated', severity: pick(SEVERITIES) } as StoryEvent);
    }
    // Three in four get a public reply, some in the minute they opened; an internal note answers nothing.
    if (rand() < 0.75) {
      const reply = opened + Math.floor(rand() * 40);
      events.push({ id: `x${seed}-${++e}`, type: 'message', ts: t(reply), brand, conversationId: conv, channel: ticketOnly ? 'ticket' : channel, direction: 'outbound', text: 'On it.' } as StoryEvent);
    } else if (rand() < 0.3) {
      events.push({ id: `x${seed}-${++e}`, type: 'message', ts: t(opened + 5), brand, conversationId: conv, channel: ticketOnly ? 'ticket' : channel, direction: 'outbound', public: false, text: 'note' } as StoryEvent);
    }
  }
  // The latest event: "now" for the waiting ones.
  events.push({ id: `x${seed}-now`, type: 'incident', ts: t(200), brand: 'acme', incidentId: 'I', action: 'declared' } as StoryEvent);
  return events;
}

interface Conv {
  brand: string;
  conversation_id: string;
  channel: string | null;
  severity: string;
  opened_at: string;
  first_response_at: string | null;
}

type Counts = { inversions: number; inversion_chances: number; queue_inversions: number; queue_inversion_chances: number };

/** The definition, pair by pair. */
function bruteForce(convs: Conv[]): Map<string, Counts> {
  const out = new Map<string, Counts>();
  const ms = (s: string | null) => (s === null ? Infinity : Date.parse(s));
  for (const a of convs) {
    const c: Counts = { inversions: 0, inversion_chances: 0, queue_inversions: 0, queue_inversion_chances: 0 };
    const aOpen = ms(a.opened_at);
    const aReply = ms(a.first_response_at);
    for (const b of convs) {
      if (b.brand !== a.brand || RANK[b.severity]! >= RANK[a.severity]!) continue;
      const bOpen = ms(b.opened_at);
      if (!(bOpen > aOpen && bOpen < aReply)) continue;
      const bReply = ms(b.first_response_at);
      const inverted = bReply < aReply;
      const chance = b.first_response_at !== null || a.first_response_at !== null;
      const queue = a.channel !== null && b.channel === a.channel;
      if (inverted) c.inversions++;
      if (chance) c.inversion_chances++;
      if (queue && inverted) c.queue_inversions++;
      if (queue && chance) c.queue_inversion_chances++;
    }
    out.set(`${a.brand}/${a.conversation_id}`, c);
  }
  return out;
}

describe('triage_outcomes inversions', () => {
  const dir = tempDir();
  const dbs: Database[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.close();
  });

  for (const seed of [1, 2, 3]) {
    it(`match the pairwise definition on a random crisis with ties (seed ${seed})`, async () => {
      const db = await openStory(dir, `inversions-${seed}`, randomCrisis(seed, 160));
      dbs.push(db);
      const convs = (await rows(
        db,
        `SELECT brand, conversation_id, channel, severity, opened_at, first_response_at FROM conversations WHERE severity IS NOT NULL ORDER BY ALL`,
      )) as unknown as Conv[];
      const got = await rows(
        db,
        `SELECT brand, conversation_id, inversions, inversion_chances, queue_inversions, queue_inversion_chances FROM triage_outcomes ORDER BY ALL`,
      );
      const want = bruteForce(convs);
      expect(got).toHaveLength(convs.length);
      for (const r of got) expect({ key: `${r.brand}/${r.conversation_id}`, ...want.get(`${r.brand}/${r.conversation_id}`) }).toEqual({ key: `${r.brand}/${r.conversation_id}`, inversions: r.inversions, inversion_chances: r.inversion_chances, queue_inversions: r.queue_inversions, queue_inversion_chances: r.queue_inversion_chances });
      // The set is not trivial: ties, waiting cases, cases without a channel and real inversions all occur.
      const total = [...want.values()].reduce((s, c) => s + c.inversions, 0);
      expect(total).toBeGreaterThan(50);
      expect(convs.some((c) => c.first_response_at === null)).toBe(true);
      expect(convs.some((c) => c.channel === null)).toBe(true);
      expect(new Set(convs.map((c) => c.opened_at)).size).toBeLessThan(convs.length);
    });
  }
});
