import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import type { RawRecord } from '../../src/contract/records.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { ScoreConfig } from '../../src/score/config.js';
import { ContactTracker } from '../../src/score/contacts.js';
import { createScoreStage } from '../../src/score/stage.js';
import { UpsetScorer } from '../../src/score/upset/scorer.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = Date.parse('2026-03-14T10:00:00Z');
const MIN = 60_000;

interface Msg {
  id: string;
  at: number;
  conv: string;
  customer?: string;
  channel?: string;
  direction?: 'inbound' | 'outbound';
  text?: string;
  lang?: string;
  sentiment?: number;
  public?: boolean;
}

const line = (m: Msg) =>
  JSON.stringify({
    id: m.id,
    type: 'message',
    ts: new Date(T0 + m.at).toISOString(),
    brand: 'air',
    conversationId: m.conv,
    channel: m.channel ?? 'chat',
    direction: m.direction ?? 'inbound',
    ...(m.customer ? { customerId: m.customer } : {}),
    ...(m.direction === 'outbound' ? { agentId: 'agent-1' } : {}),
    ...(m.text !== undefined ? { text: m.text } : {}),
    ...(m.lang ? { lang: m.lang } : {}),
    ...(m.sentiment !== undefined ? { sentiment: m.sentiment } : {}),
    ...(m.public === false ? { public: false } : {}),
  });

/** Runs messages through a real pipeline (score stage only) into a real DuckDB file, one batch per call. */
async function run(path: string, batches: Msg[][], score: Record<string, unknown> = {}) {
  const db = await Database.open(path);
  const writer = await EventWriter.create(db);
  const stage = createScoreStage(ScoreConfig.parse(score));
  const p = new Pipeline({ writer, stages: [stage] });
  let n = 0;
  for (const b of batches) {
    const records: RawRecord[] = b.map((m) => ({ bytes: Buffer.from(line(m)), origin: { kind: 'file', name: 'msgs', line: ++n } }));
    await p.process({ records });
  }
  await p.flush();
  const rows = await db.query<{ id: string; upset: number | null; upset_label: string | null; lang_detected: string | null }>(
    'SELECT id, upset, upset_label, lang_detected FROM messages ORDER BY id',
  );
  await p.close();
  await db.close();
  return { rows: Object.fromEntries(rows.map((r) => [r.id, r])), stage };
}

describe('score stage', () => {
  const dir = tempDir();

  it('stores score, label and language for every inbound message and nothing for outbound ones', async () => {
    const { rows } = await run(join(dir, 'a.duckdb'), [
      [
        { id: 'm1', at: 0, conv: 'c1', customer: 'u1', text: 'Still waiting for my refund, this is the third time I ask', lang: 'en' },
        { id: 'm2', at: MIN, conv: 'c1', direction: 'outbound', text: 'Sorry, I am checking now' },
        { id: 'm3', at: 2 * MIN, conv: 'c2', customer: 'u2', text: 'ధన్యవాదాలు' },
        { id: 'm4', at: 3 * MIN, conv: 'c3', customer: 'u3', text: 'Sigo esperando, nadie contesta' },
        { id: 'm5', at: 4 * MIN, conv: 'c4', customer: 'u4' },
      ],
    ]);
    const scorer = new UpsetScorer();
    expect(rows.m1).toMatchObject({ upset_label: 'upset', lang_detected: 'eng' });
    expect(rows.m1!.upset).toBe(scorer.score({ text: 'Still waiting for my refund, this is the third time I ask', lang: 'en' }).score);
    expect(rows.m2).toEqual({ id: 'm2', upset: null, upset_label: null, lang_detected: null });
    // Telugu has no lexicon: scored on lexicon-free signals, language stored as NULL.
    expect(rows.m3).toMatchObject({ upset_label: 'not_upset', lang_detected: null });
    expect(rows.m4).toMatchObject({ upset_label: 'upset', lang_detected: 'spa' });
    // No text at all (an attachment): still scored, from context only.
    expect(rows.m5!.upset).toBeGreaterThan(0);
    expect(rows.m5!.upset_label).toBe('not_upset');
  });

  it('counts unanswered messages until a public reply; an internal note answers nobody', async () => {
    const chase = (id: string, at: number) => ({ id, at, conv: 'c1', customer: 'u1', text: 'Hello?', lang: 'en' });
    const { rows } = await run(join(dir, 'b.duckdb'), [
      [chase('a1', 0), chase('a2', 5 * MIN), chase('a3', 10 * MIN)],
      [{ id: 'a4', at: 11 * MIN, conv: 'c1', direction: 'outbound', text: 'note: checking', public: false }, chase('a5', 12 * MIN)],
      [{ id: 'a6', at: 13 * MIN, conv: 'c1', direction: 'outbound', text: 'We are on it' }, chase('a7', 14 * MIN)],
    ]);
    const s = (id: string) => rows[id]!.upset!;
    expect(s('a2')).toBeGreaterThan(s('a1'));
    expect(s('a3')).toBeGreaterThan(s('a2'));
    expect(rows.a1!.upset_label).toBe('not_upset');
    expect(rows.a5!.upset_label).toBe('upset');
    expect(s('a7')).toBe(s('a1'));
  });

  it('raises the score when the customer writes again on another channel within the window, not after it', async () => {
    const text = 'I need to talk to someone about my booking';
    const { rows } = await run(
      join(dir, 'c.duckdb'),
      [
        [
          { id: 'b1', at: 0, conv: 'chat-1', customer: 'u9', channel: 'chat', text, lang: 'en' },
          { id: 'b2', at: 20 * MIN, conv: 'social-1', customer: 'u9', channel: 'social', text, lang: 'en' },
          { id: 'b3', at: 200 * MIN, conv: 'email-1', customer: 'u9', channel: 'email', text, lang: 'en' },
        ],
      ],
      { repeat_contact_window_secs: 3600 },
    );
    expect(rows.b2!.upset!).toBeGreaterThan(rows.b1!.upset!);
    expect(rows.b3!.upset).toBe(rows.b1!.upset);
  });

  it('blends an upstream sentiment by score.sentiment_weight', async () => {
    const text = 'About booking 58213';
    const msgs = [{ id: 's1', at: 0, conv: 'c1', customer: 'u1', text, lang: 'en', sentiment: -1 }];
    const light = await run(join(dir, 'd1.duckdb'), [msgs], { sentiment_weight: 0.1 });
    const heavy = await run(join(dir, 'd2.duckdb'), [msgs], { sentiment_weight: 0.9 });
    expect(heavy.rows.s1!.upset!).toBeGreaterThan(light.rows.s1!.upset!);
    expect(heavy.rows.s1!.upset_label).toBe('upset');
    expect(light.rows.s1!.upset_label).toBe('not_upset');
  });

  it('uses score.upset_threshold for the label', async () => {
    const msgs = [{ id: 't1', at: 0, conv: 'c1', customer: 'u1', text: 'I am disappointed', lang: 'en' }];
    const strict = await run(join(dir, 'e1.duckdb'), [msgs], { upset_threshold: 0.9 });
    const lax = await run(join(dir, 'e2.duckdb'), [msgs], { upset_threshold: 0.2 });
    expect(strict.rows.t1!.upset).toBe(lax.rows.t1!.upset);
    expect(strict.rows.t1!.upset_label).toBe('not_upset');
    expect(lax.rows.t1!.upset_label).toBe('upset');
  });
});

describe('contact tracker', () => {
  it('stays within max entries however many customers write, forgetting the least recently seen', () => {
    const t = new ContactTracker({ windowMs: 3_600_000, maxEntries: 1000 });
    for (let i = 0; i < 50_000; i++) t.inbound({ brand: 'b', conversationId: `c${i}`, customerId: `u${i}`, channel: 'chat', ts: T0 + i });
    expect(t.size).toEqual({ customers: 1000, conversations: 1000 });
    // The most recent customer is remembered, the first ones are not.
    expect(t.inbound({ brand: 'b', conversationId: 'x', customerId: 'u49999', channel: 'social', ts: T0 + 60_000 })).toEqual({
      unanswered: 0,
      otherConversations: 1,
      otherChannels: 1,
    });
    expect(t.inbound({ brand: 'b', conversationId: 'y', customerId: 'u0', channel: 'social', ts: T0 + 60_000 }).otherConversations).toBe(0);
  });

  it('forgets everything older than the window on a tick', () => {
    const t = new ContactTracker({ windowMs: 3_600_000, maxEntries: 1000 });
    for (let i = 0; i < 100; i++) t.inbound({ brand: 'b', conversationId: `c${i}`, customerId: `u${i}`, channel: 'chat', ts: T0 + i * MIN });
    // Window from minute 89: customers seen at minutes 89..99 stay.
    t.expire(T0 + 89 * MIN + 3_600_000);
    expect(t.size.customers).toBe(11);
    t.expire(T0 + 200 * 3_600_000);
    expect(t.size).toEqual({ customers: 0, conversations: 0 });
  });

  it('keeps brands apart: the same customer id under two brands is two customers', () => {
    const t = new ContactTracker({ windowMs: 3_600_000, maxEntries: 1000 });
    t.inbound({ brand: 'a', conversationId: 'c1', customerId: 'u1', channel: 'chat', ts: T0 });
    expect(t.inbound({ brand: 'b', conversationId: 'c2', customerId: 'u1', channel: 'email', ts: T0 + MIN })).toEqual({ unanswered: 0, otherConversations: 0, otherChannels: 0 });
  });

  it('rejects a window or bound that makes no sense, naming the value', () => {
    expect(() => new ContactTracker({ windowMs: 0, maxEntries: 10 })).toThrow('contact window must be positive, got 0 ms');
    expect(() => new ContactTracker({ windowMs: 1000, maxEntries: 0 })).toThrow('max tracked entries must be at least 1, got 0');
  });
});

describe('score config', () => {
  it('defaults, and explains a bad value with the key and the fix', () => {
    expect(parsePipelineConfig({}).score).toEqual({
      upset_threshold: 0.5,
      sentiment_weight: 0.35,
      repeat_contact_window_secs: 3600,
      max_tracked_customers: 100_000,
      default_lang: 'en',
      detect_min_chars: 20,
    });
    expect(() => parsePipelineConfig({ score: { sentiment_weight: 2 } }, 'p.yaml')).toThrow('p.yaml: score.sentiment_weight: must be at most 1, got 2');
    expect(() => parsePipelineConfig({ score: { repeat_window: 60 } }, 'p.yaml')).toThrow('p.yaml: score: unknown keys repeat_window');
  });
});

describe('the score stage in the default pipeline', () => {
  const dir = tempDir();

  it('is registered: `crisiscx ingest` stores upset labels', async () => {
    const file = join(dir, 'in.ndjson');
    writeFileSync(
      file,
      [
        line({ id: 'i1', at: 0, conv: 'c1', customer: 'u1', text: 'My flight was cancelled and nobody answers!!', lang: 'en' }),
        line({ id: 'i2', at: MIN, conv: 'c2', customer: 'u2', text: 'Merci beaucoup, tout est réglé' }),
      ].join('\n') + '\n',
    );
    const db = join(dir, 'ingest.duckdb');
    expect((await cli(['ingest', file, '--db', db, '--quiet'])).code).toBe(0);
    const r = await cli(['sql', 'SELECT id, upset_label, lang_detected FROM messages ORDER BY id', '--db', db, '--format', 'csv']);
    expect(r.stdout).toBe('id,upset_label,lang_detected\ni1,upset,eng\ni2,not_upset,fra\n');
  });
});
