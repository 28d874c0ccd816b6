import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { tempDir } from '../helpers/tmp.js';
import { openStory, rows } from './views-story.js';
import { TRIAGE_SPIKES, TRIAGE_STORY } from './views-triage.story.js';

describe('upset, crisis, triage and channel views on a hand-checked crisis', () => {
  const dir = tempDir();
  let db: Database;
  beforeAll(async () => {
    db = await openStory(dir, 'triage', TRIAGE_STORY, { spikes: TRIAGE_SPIKES });
  });
  afterAll(async () => db?.close());

  it('data_as_of is the latest event time', async () => {
    expect(await rows(db, 'SELECT as_of FROM data_as_of')).toEqual([{ as_of: '2026-03-14T13:00:00Z' }]);
  });

  it('upset_volume: inbound and upset per brand, channel and minute', async () => {
    expect(await rows(db, 'SELECT * FROM upset_volume ORDER BY brand, channel, minute')).toEqual([
      { brand: 'acme', channel: 'chat', minute: '2026-03-14T10:06:00Z', inbound: 1, scored: 1, upset: 1, upset_share: 1, mean_upset: 0.9 },
      { brand: 'acme', channel: 'chat', minute: '2026-03-14T12:02:00Z', inbound: 1, scored: 1, upset: 1, upset_share: 1, mean_upset: 0.9 },
      { brand: 'acme', channel: 'email', minute: '2026-03-14T10:07:00Z', inbound: 1, scored: 1, upset: 0, upset_share: 0, mean_upset: 0.1 },
      { brand: 'acme', channel: 'social', minute: '2026-03-14T10:03:00Z', inbound: 1, scored: 1, upset: 1, upset_share: 1, mean_upset: 0.9 },
      { brand: 'acme', channel: 'ticket', minute: '2026-03-14T10:05:00Z', inbound: 2, scored: 2, upset: 2, upset_share: 1, mean_upset: 0.9 },
      { brand: 'acme', channel: 'ticket', minute: '2026-03-14T10:08:00Z', inbound: 2, scored: 2, upset: 1, upset_share: 0.5, mean_upset: 0.5 },
      { brand: 'acme', channel: 'ticket', minute: '2026-03-14T10:10:00Z', inbound: 1, scored: 1, upset: 0, upset_share: 0, mean_upset: 0.1 },
      { brand: 'other', channel: 'chat', minute: '2026-03-14T13:00:00Z', inbound: 1, scored: 1, upset: 0, upset_share: 0, mean_upset: 0.1 },
    ]);
  });

  it('crisis_periods: spikes and the incident merge across a gap under 15 minutes; an open spike keeps its period open', async () => {
    expect(await rows(db, 'SELECT * FROM crisis_periods ORDER BY brand, started_at')).toEqual([
      {
        brand: 'acme',
        period_id: 'acme/2026-03-14T10:02Z',
        period_no: 1,
        started_at: '2026-03-14T10:02:00Z',
        ended_at: '2026-03-14T11:00:00Z',
        open: false,
        duration_seconds: 3480,
        trigger: 'both',
        spikes: 2,
        incident_ids: 'I1',
        peak_upset_per_minute: 2,
        peak_minute: '2026-03-14T10:05:00Z',
        inbound: 8,
        upset: 5,
        upset_share: 0.625,
      },
      {
        brand: 'acme',
        period_id: 'acme/2026-03-14T12:00Z',
        period_no: 2,
        started_at: '2026-03-14T12:00:00Z',
        ended_at: null,
        open: true,
        duration_seconds: 3600,
        trigger: 'spike',
        spikes: 1,
        incident_ids: null,
        peak_upset_per_minute: 1,
        peak_minute: '2026-03-14T12:02:00Z',
        inbound: 1,
        upset: 1,
        upset_share: 1,
      },
    ]);
  });

  it('triage_outcomes: first response against the severity target, inversions', async () => {
    const got = await rows(
      db,
      `SELECT conversation_id, channel, opened_at, severity, initial_severity, first_response_at, first_response_seconds, target_secs,
              within_target, waiting_seconds, solved_at, resolution_seconds, inversions, inversion_chances, queue_inversions, queue_inversion_chances, period_id
       FROM triage_outcomes ORDER BY brand, opened_at`,
    );
    const P1 = 'acme/2026-03-14T10:02Z';
    expect(got).toEqual([
      { conversation_id: 'c1', channel: 'ticket', opened_at: '2026-03-14T10:05:00Z', severity: 'critical', initial_severity: 'critical', first_response_at: '2026-03-14T10:30:00Z', first_response_seconds: 1500, target_secs: 900, within_target: false, waiting_seconds: null, solved_at: '2026-03-14T11:00:00Z', resolution_seconds: 3300, inversions: 2, inversion_chances: 4, queue_inversions: 1, queue_inversion_chances: 2, period_id: P1 },
      { conversation_id: 'c2', channel: 'chat', opened_at: '2026-03-14T10:06:00Z', severity: 'normal', initial_severity: 'low', first_response_at: '2026-03-14T10:10:00Z', first_response_seconds: 240, target_secs: 14400, within_target: true, waiting_seconds: null, solved_at: null, resolution_seconds: null, inversions: 0, inversion_chances: 1, queue_inversions: 0, queue_inversion_chances: 0, period_id: P1 },
      { conversation_id: 'c3', channel: 'email', opened_at: '2026-03-14T10:07:00Z', severity: 'low', initial_severity: 'low', first_response_at: '2026-03-14T10:40:00Z', first_response_seconds: 1980, target_secs: 86400, within_target: true, waiting_seconds: null, solved_at: null, resolution_seconds: null, inversions: 0, inversion_chances: 0, queue_inversions: 0, queue_inversion_chances: 0, period_id: P1 },
      // Never answered (an internal note is no reply): 172 minutes waiting by 13:00, past its hour.
      { conversation_id: 'c4', channel: 'ticket', opened_at: '2026-03-14T10:08:00Z', severity: 'high', initial_severity: 'high', first_response_at: null, first_response_seconds: null, target_secs: 3600, within_target: false, waiting_seconds: 10320, solved_at: null, resolution_seconds: null, inversions: 2, inversion_chances: 2, queue_inversions: 1, queue_inversion_chances: 1, period_id: P1 },
      { conversation_id: 'c8', channel: 'ticket', opened_at: '2026-03-14T10:10:00Z', severity: 'low', initial_severity: 'low', first_response_at: '2026-03-14T10:12:00Z', first_response_seconds: 120, target_secs: 86400, within_target: true, waiting_seconds: null, solved_at: '2026-03-14T10:20:00Z', resolution_seconds: 600, inversions: 0, inversion_chances: 0, queue_inversions: 0, queue_inversion_chances: 0, period_id: P1 },
      { conversation_id: 'c5', channel: 'chat', opened_at: '2026-03-14T12:02:00Z', severity: 'normal', initial_severity: 'normal', first_response_at: '2026-03-14T12:03:00Z', first_response_seconds: 60, target_secs: 14400, within_target: true, waiting_seconds: null, solved_at: '2026-03-14T12:10:00Z', resolution_seconds: 480, inversions: 0, inversion_chances: 0, queue_inversions: 0, queue_inversion_chances: 0, period_id: 'acme/2026-03-14T12:00Z' },
      // Opened at "now": not answered, not yet late either.
      { conversation_id: 'o1', channel: 'chat', opened_at: '2026-03-14T13:00:00Z', severity: 'low', initial_severity: 'low', first_response_at: null, first_response_seconds: null, target_secs: 86400, within_target: null, waiting_seconds: 0, solved_at: null, resolution_seconds: null, inversions: 0, inversion_chances: 0, queue_inversions: 0, queue_inversion_chances: 0, period_id: null },
    ]);
  });

  it('triage_scorecard: per period and severity, with one bleeding-first score per period', async () => {
    const got = await rows(db, 'SELECT * EXCLUDE (severity_rank) FROM triage_scorecard ORDER BY brand, period_id NULLS LAST, severity_rank DESC');
    const P1 = 'acme/2026-03-14T10:02Z';
    const P2 = 'acme/2026-03-14T12:00Z';
    // P1: queue inversions c1←c8 and c4←c8 out of 3 queue pairs (c1/c4, c1/c8, c4/c8): 100 × (1 − 2/3).
    expect(got).toEqual([
      { brand: 'acme', period_id: P1, severity: 'critical', conversations: 1, answered: 1, median_first_response_seconds: 1500, p90_first_response_seconds: 1500, within_target: 0, breaches: 1, within_target_share: 0, inversions: 2, inversion_chances: 4, queue_inversions: 1, queue_inversion_chances: 2, bleeding_first_score: 33.3 },
      { brand: 'acme', period_id: P1, severity: 'high', conversations: 1, answered: 0, median_first_response_seconds: null, p90_first_response_seconds: null, within_target: 0, breaches: 1, within_target_share: 0, inversions: 2, inversion_chances: 2, queue_inversions: 1, queue_inversion_chances: 1, bleeding_first_score: 33.3 },
      { brand: 'acme', period_id: P1, severity: 'normal', conversations: 1, answered: 1, median_first_response_seconds: 240, p90_first_response_seconds: 240, within_target: 1, breaches: 0, within_target_share: 1, inversions: 0, inversion_chances: 1, queue_inversions: 0, queue_inversion_chances: 0, bleeding_first_score: 33.3 },
      { brand: 'acme', period_id: P1, severity: 'low', conversations: 2, answered: 2, median_first_response_seconds: 1050, p90_first_response_seconds: 1794, within_target: 2, breaches: 0, within_target_share: 1, inversions: 0, inversion_chances: 0, queue_inversions: 0, queue_inversion_chances: 0, bleeding_first_score: 33.3 },
      { brand: 'acme', period_id: P2, severity: 'normal', conversations: 1, answered: 1, median_first_response_seconds: 60, p90_first_response_seconds: 60, within_target: 1, breaches: 0, within_target_share: 1, inversions: 0, inversion_chances: 0, queue_inversions: 0, queue_inversion_chances: 0, bleeding_first_score: null },
      { brand: 'other', period_id: null, severity: 'low', conversations: 1, answered: 0, median_first_response_seconds: null, p90_first_response_seconds: null, within_target: 0, breaches: 0, within_target_share: null, inversions: 0, inversion_chances: 0, queue_inversions: 0, queue_inversion_chances: 0, bleeding_first_score: null },
    ]);
  });

  it('channel_guidance: which channel answered fastest in each crisis period', async () => {
    const got = await rows(db, 'SELECT * EXCLUDE (period_started_at, period_ended_at) FROM channel_guidance ORDER BY brand, period_id, speed_rank');
    const P1 = 'acme/2026-03-14T10:02Z';
    expect(got).toEqual([
      { brand: 'acme', period_id: P1, channel: 'chat', conversations: 1, answered: 1, answered_share: 1, median_first_response_seconds: 240, p90_first_response_seconds: 240, resolution_rate: 0, median_resolution_seconds: null, inbound: 1, upset_share: 1, speed_rank: 1 },
      { brand: 'acme', period_id: P1, channel: 'social', conversations: 1, answered: 1, answered_share: 1, median_first_response_seconds: 720, p90_first_response_seconds: 720, resolution_rate: null, median_resolution_seconds: null, inbound: 1, upset_share: 1, speed_rank: 2 },
      { brand: 'acme', period_id: P1, channel: 'ticket', conversations: 3, answered: 2, answered_share: 2 / 3, median_first_response_seconds: 810, p90_first_response_seconds: 1362, resolution_rate: 2 / 3, median_resolution_seconds: 1950, inbound: 5, upset_share: 0.6, speed_rank: 3 },
      { brand: 'acme', period_id: P1, channel: 'email', conversations: 1, answered: 1, answered_share: 1, median_first_response_seconds: 1980, p90_first_response_seconds: 1980, resolution_rate: 0, median_resolution_seconds: null, inbound: 1, upset_share: 0, speed_rank: 4 },
      { brand: 'acme', period_id: 'acme/2026-03-14T12:00Z', channel: 'chat', conversations: 1, answered: 1, answered_share: 1, median_first_response_seconds: 60, p90_first_response_seconds: 60, resolution_rate: 1, median_resolution_seconds: 480, inbound: 1, upset_share: 1, speed_rank: 1 },
    ]);
  });
});

describe('config-driven views', () => {
  const dir = tempDir();

  it('a 5-minute merge gap splits the crisis; a 2-minute chat target turns a 4-minute chat reply into a breach', async () => {
    const db = await openStory(dir, 'config', TRIAGE_STORY, {
      spikes: TRIAGE_SPIKES,
      config: { detect: { crisis: { merge_gap_secs: 300 }, triage: { channel_targets_secs: { chat: 120 }, targets_secs: { critical: 1800 } } } },
    });
    try {
      expect(await rows(db, 'SELECT period_id, ended_at, trigger, spikes, incident_ids, inbound, upset, upset_share, peak_upset_per_minute, peak_minute FROM crisis_periods ORDER BY started_at')).toEqual([
        { period_id: 'acme/2026-03-14T10:02Z', ended_at: '2026-03-14T10:40:00Z', trigger: 'both', spikes: 1, incident_ids: 'I1', inbound: 8, upset: 5, upset_share: 0.625, peak_upset_per_minute: 2, peak_minute: '2026-03-14T10:05:00Z' },
        { period_id: 'acme/2026-03-14T10:50Z', ended_at: '2026-03-14T11:00:00Z', trigger: 'spike', spikes: 1, incident_ids: null, inbound: 0, upset: 0, upset_share: null, peak_upset_per_minute: 0, peak_minute: null },
        { period_id: 'acme/2026-03-14T12:00Z', ended_at: null, trigger: 'spike', spikes: 1, incident_ids: null, inbound: 1, upset: 1, upset_share: 1, peak_upset_per_minute: 1, peak_minute: '2026-03-14T12:02:00Z' },
      ]);
      expect(await rows(db, 'SELECT conversation_id, target_secs, within_target FROM triage_outcomes ORDER BY opened_at')).toEqual([
        { conversation_id: 'c1', target_secs: 1800, within_target: true },
        { conversation_id: 'c2', target_secs: 120, within_target: false },
        { conversation_id: 'c3', target_secs: 86400, within_target: true },
        { conversation_id: 'c4', target_secs: 3600, within_target: false },
        { conversation_id: 'c8', target_secs: 86400, within_target: true },
        { conversation_id: 'c5', target_secs: 120, within_target: true },
        { conversation_id: 'o1', target_secs: 120, within_target: null },
      ]);
      expect(await rows(db, "SELECT severity, channel, target_secs FROM triage_targets WHERE channel <> '*' ORDER BY severity")).toEqual([
        { severity: 'critical', channel: 'chat', target_secs: 120 },
        { severity: 'high', channel: 'chat', target_secs: 120 },
        { severity: 'low', channel: 'chat', target_secs: 120 },
        { severity: 'normal', channel: 'chat', target_secs: 120 },
      ]);
    } finally {
      await db.close();
    }
  });

  it('rejects bad triage and crisis keys with the fix', async () => {
    const { parsePipelineConfig } = await import('../../src/config/pipeline.js');
    expect(() => parsePipelineConfig({ detect: { triage: { targets_secs: { urgent: 60 } } } }, 'p.yaml')).toThrow(/detect\.triage\.targets_secs: unknown keys urgent/);
    expect(() => parsePipelineConfig({ detect: { triage: { channel_targets_secs: { fax: 60 } } } }, 'p.yaml')).toThrow(/detect\.triage\.channel_targets_secs/);
    expect(() => parsePipelineConfig({ detect: { triage: { targets_secs: { critical: -5 } } } }, 'p.yaml')).toThrow(/critical: must be at least|too small|positive/);
    expect(() => parsePipelineConfig({ detect: { crisis: { merge_gap_mins: 5 } } }, 'p.yaml')).toThrow(/unknown keys merge_gap_mins/);
  });
});
