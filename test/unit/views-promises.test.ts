import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { tempDir } from '../helpers/tmp.js';
import { PROMISE_CONFIG, PROMISE_STORY } from './views-promises.story.js';
import { openStory, rows } from './views-story.js';

describe('promise views on a hand-checked day of promises', () => {
  const dir = tempDir();
  let db: Database;
  beforeAll(async () => {
    db = await openStory(dir, 'promises', PROMISE_STORY, { config: PROMISE_CONFIG });
  });
  afterAll(async () => db?.close());

  it('the promise stage reads promises out of outbound text, in the customer time zone', async () => {
    expect(await rows(db, 'SELECT id, conversation_id, agent_id, kind, ts, due_at, lang, utc_offset_minutes, matched_text FROM promises_extracted ORDER BY id')).toEqual([
      { id: 'm-p1-out1#0', conversation_id: 'p1', agent_id: 'a1', kind: 'callback', ts: '2026-03-14T10:00:00Z', due_at: '2026-03-14T12:00:00Z', lang: 'en', utc_offset_minutes: 60, matched_text: 'within 2 hours' },
      { id: 'm-p10-out1#0', conversation_id: 'p10', agent_id: 'a1', kind: 'callback', ts: '2026-03-14T10:00:00Z', due_at: '2026-03-14T10:30:00Z', lang: 'en', utc_offset_minutes: 60, matched_text: 'in 30 minutes' },
      { id: 'm-p2-out1#0', conversation_id: 'p2', agent_id: 'a2', kind: 'update', ts: '2026-03-14T10:00:00Z', due_at: '2026-03-14T11:00:00Z', lang: 'en', utc_offset_minutes: 60, matched_text: 'within the hour' },
      // "mañana" in Madrid (UTC+1): by the end of 15 March there.
      { id: 'm-p7-out1#0', conversation_id: 'p7', agent_id: 'a3', kind: 'callback', ts: '2026-03-14T10:00:00Z', due_at: '2026-03-15T22:59:59Z', lang: 'es', utc_offset_minutes: 60, matched_text: 'mañana' },
      // The offset written in the message time wins over the brand's zone: 5pm at +05:30.
      { id: 'm-p9-out1#0', conversation_id: 'p9', agent_id: 'a3', kind: 'update', ts: '2026-03-14T10:00:00Z', due_at: '2026-03-14T11:30:00Z', lang: 'en', utc_offset_minutes: 330, matched_text: '5pm' },
    ]);
  });

  it('promise_outcomes: one row per promise, explicit events winning over extracted ones', async () => {
    const got = await rows(
      db,
      'SELECT promise_id, source, conversation_id, channel, kind, agent_id, made_at, due_at, promised_seconds, fulfilled_at, fulfilled_by, outcome, margin_seconds, cancelled_at, message_id FROM promise_outcomes ORDER BY made_at, conversation_id',
    );
    const row = (promise_id: string, source: string, conversation_id: string, channel: string | null, kind: string, agent_id: string, made_at: string, due_at: string, promised_seconds: number, fulfilled_at: string | null, fulfilled_by: string | null, outcome: string, margin_seconds: number | null, cancelled_at: string | null, message_id: string | null) =>
      ({ promise_id, source, conversation_id, channel, kind, agent_id, made_at, due_at, promised_seconds, fulfilled_at, fulfilled_by, outcome, margin_seconds, cancelled_at, message_id });
    const T = (hhmm: string) => `2026-03-14T${hhmm}:00Z`;
    expect(got).toEqual([
      row('P1', 'explicit', 'p1', 'chat', 'callback', 'a1', T('10:00'), T('12:00'), 7200, T('11:00'), 'reply', 'kept', 3600, null, 'm-p1-out1'),
      row('m-p10-out1#0', 'extracted', 'p10', 'chat', 'callback', 'a1', T('10:00'), T('10:30'), 1800, T('10:25'), 'reply', 'kept', 300, null, 'm-p10-out1'),
      row('m-p2-out1#0', 'extracted', 'p2', 'social', 'update', 'a2', T('10:00'), T('11:00'), 3600, T('11:10'), 'reply', 'late', -600, null, 'm-p2-out1'),
      row('P3', 'explicit', 'p3', 'ticket', 'callback', 'a1', T('10:00'), T('10:30'), 1800, T('11:30'), 'reply', 'broken', -3600, null, null),
      row('P4', 'explicit', 'p4', 'email', 'refund', 'a2', T('10:00'), '2026-03-19T10:00:00Z', 432000, null, null, 'open', null, null, null),
      row('P5', 'explicit', 'p5', 'chat', 'update', 'a1', T('10:00'), T('11:00'), 3600, null, null, 'cancelled', null, T('10:30'), null),
      row('P6', 'explicit', 'p6', 'ticket', 'fix', 'a2', T('10:00'), T('12:00'), 7200, T('11:30'), 'ticket_solved', 'kept', 1800, null, null),
      row('m-p7-out1#0', 'extracted', 'p7', 'chat', 'callback', 'a3', T('10:00'), '2026-03-15T22:59:59Z', 133199, null, null, 'open', null, null, 'm-p7-out1'),
      row('P8', 'explicit', 'p8', 'chat', 'callback', 'a1', T('10:00'), T('10:30'), 1800, T('10:20'), 'kept_event', 'kept', 600, null, null),
      row('m-p9-out1#0', 'extracted', 'p9', 'chat', 'update', 'a3', T('10:00'), T('11:30'), 5400, T('11:20'), 'reply', 'kept', 600, null, 'm-p9-out1'),
      row('P10', 'explicit', 'p10', 'chat', 'callback', 'a1', T('10:20'), T('11:00'), 2400, T('10:25'), 'reply', 'kept', 2100, null, null),
    ]);
  });

  it('promise_scorecard: per agent, per channel and per brand', async () => {
    const got = await rows(db, 'SELECT * FROM promise_scorecard ORDER BY grouped_by, agent_id, channel');
    const r = (grouped_by: string, agent_id: string | null, channel: string | null, made: number, kept: number, late: number, broken: number, open: number, cancelled: number, keep_rate: number | null, median_margin_seconds: number | null) =>
      ({ brand: 'acme', grouped_by, agent_id, channel, made, kept, late, broken, open, cancelled, keep_rate, median_margin_seconds });
    expect(got).toEqual([
      r('agent', 'a1', null, 6, 4, 0, 1, 0, 1, 0.8, 1350),
      r('agent', 'a2', null, 3, 1, 1, 0, 1, 0, 0.5, 600),
      r('agent', 'a3', null, 2, 1, 0, 0, 1, 0, 1, 600),
      r('brand', null, null, 11, 6, 1, 1, 2, 1, 0.75, 600),
      r('channel', null, 'chat', 7, 5, 0, 0, 1, 1, 1, 600),
      r('channel', null, 'email', 1, 0, 0, 0, 1, 0, null, null),
      r('channel', null, 'social', 1, 0, 1, 0, 0, 0, 0, -600),
      r('channel', null, 'ticket', 2, 1, 0, 1, 0, 0, 0.5, 1800),
    ]);
  });

  it('a longer grace turns the broken callback into a late one; a wider match window merges p10\'s two promises', async () => {
    const db2 = await openStory(dir, 'promises-config', PROMISE_STORY, {
      config: { detect: { promises: { grace_secs: 3600, match_window_secs: 1800, brand_timezones: { acme: 'Europe/Madrid' } } } },
    });
    try {
      const got = await rows(db2, "SELECT promise_id, source, outcome, message_id FROM promise_outcomes WHERE conversation_id IN ('p3', 'p10') ORDER BY promise_id");
      expect(got).toEqual([
        { promise_id: 'P10', source: 'explicit', outcome: 'kept', message_id: 'm-p10-out1' },
        { promise_id: 'P3', source: 'explicit', outcome: 'late', message_id: null },
      ]);
      expect(await rows(db2, "SELECT key, value FROM view_settings WHERE key LIKE 'promise%' ORDER BY key")).toEqual([
        { key: 'promise_grace_secs', value: 3600 },
        { key: 'promise_match_window_secs', value: 1800 },
      ]);
    } finally {
      await db2.close();
    }
  });
});
