import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { tempDir } from '../helpers/tmp.js';
import { OUTREACH_STORY } from './views-outreach.story.js';
import { openStory, rows } from './views-story.js';

describe('outreach views on a hand-checked incident', () => {
  const dir = tempDir();
  let db: Database;
  beforeAll(async () => {
    db = await openStory(dir, 'outreach', OUTREACH_STORY);
  });
  afterAll(async () => db?.close());

  it('impacted_customers: what each affected customer and the brand did since the impact', async () => {
    expect(await rows(db, 'SELECT incident_id, customer_id, impacted_at, impact_severity, first_inbound_at, first_outreach_at, wrote_in, reached_first FROM impacted_customers ORDER BY incident_id NULLS LAST, customer_id')).toEqual([
      { incident_id: 'I1', customer_id: 'u1', impacted_at: '2026-03-14T10:00:00Z', impact_severity: null, first_inbound_at: '2026-03-14T10:10:00Z', first_outreach_at: '2026-03-14T10:15:00Z', wrote_in: true, reached_first: false },
      { incident_id: 'I1', customer_id: 'u2', impacted_at: '2026-03-14T10:00:00Z', impact_severity: null, first_inbound_at: null, first_outreach_at: '2026-03-14T10:20:00Z', wrote_in: false, reached_first: true },
      { incident_id: 'I1', customer_id: 'u3', impacted_at: '2026-03-14T10:00:00Z', impact_severity: 'high', first_inbound_at: null, first_outreach_at: null, wrote_in: false, reached_first: false },
      { incident_id: 'I1', customer_id: 'u4', impacted_at: '2026-03-14T10:00:00Z', impact_severity: null, first_inbound_at: '2026-03-14T10:30:00Z', first_outreach_at: '2026-03-14T10:05:00Z', wrote_in: true, reached_first: true },
      { incident_id: 'I1', customer_id: 'u6', impacted_at: '2026-03-14T10:00:00Z', impact_severity: null, first_inbound_at: null, first_outreach_at: null, wrote_in: false, reached_first: false },
      { incident_id: 'I2', customer_id: 'u2', impacted_at: '2026-03-14T11:00:00Z', impact_severity: null, first_inbound_at: null, first_outreach_at: null, wrote_in: false, reached_first: false },
      { incident_id: 'I2', customer_id: 'u5', impacted_at: '2026-03-14T11:00:00Z', impact_severity: null, first_inbound_at: null, first_outreach_at: null, wrote_in: false, reached_first: false },
      { incident_id: null, customer_id: 'u7', impacted_at: '2026-03-14T10:00:00Z', impact_severity: null, first_inbound_at: null, first_outreach_at: null, wrote_in: false, reached_first: false },
    ]);
  });

  it('proactive_coverage: the share of affected customers the brand reached before they wrote in', async () => {
    expect(await rows(db, 'SELECT * FROM proactive_coverage ORDER BY incident_id NULLS LAST')).toEqual([
      { brand: 'acme', incident_id: 'I1', affected: 5, wrote_in: 2, silent: 3, reached_first: 2, silent_reached: 1, silent_unreached: 2, proactive_coverage: 0.4 },
      { brand: 'acme', incident_id: 'I2', affected: 2, wrote_in: 0, silent: 2, reached_first: 0, silent_reached: 0, silent_unreached: 2, proactive_coverage: 0 },
      { brand: 'acme', incident_id: null, affected: 1, wrote_in: 0, silent: 1, reached_first: 0, silent_reached: 0, silent_unreached: 1, proactive_coverage: 0 },
    ]);
  });

  it('silent_sufferers: the outreach list, per incident', async () => {
    expect(await rows(db, 'SELECT * FROM silent_sufferers ORDER BY incident_id NULLS LAST, customer_id')).toEqual([
      { brand: 'acme', incident_id: 'I1', customer_id: 'u2', impacted_at: '2026-03-14T10:00:00Z', impact_severity: null, reached_out_at: '2026-03-14T10:20:00Z', reached: true, silent_seconds: 10800, incident_affected: 5, proactive_coverage: 0.4 },
      { brand: 'acme', incident_id: 'I1', customer_id: 'u3', impacted_at: '2026-03-14T10:00:00Z', impact_severity: 'high', reached_out_at: null, reached: false, silent_seconds: 10800, incident_affected: 5, proactive_coverage: 0.4 },
      { brand: 'acme', incident_id: 'I1', customer_id: 'u6', impacted_at: '2026-03-14T10:00:00Z', impact_severity: null, reached_out_at: null, reached: false, silent_seconds: 10800, incident_affected: 5, proactive_coverage: 0.4 },
      { brand: 'acme', incident_id: 'I2', customer_id: 'u2', impacted_at: '2026-03-14T11:00:00Z', impact_severity: null, reached_out_at: null, reached: false, silent_seconds: 7200, incident_affected: 2, proactive_coverage: 0 },
      { brand: 'acme', incident_id: 'I2', customer_id: 'u5', impacted_at: '2026-03-14T11:00:00Z', impact_severity: null, reached_out_at: null, reached: false, silent_seconds: 7200, incident_affected: 2, proactive_coverage: 0 },
      { brand: 'acme', incident_id: null, customer_id: 'u7', impacted_at: '2026-03-14T10:00:00Z', impact_severity: null, reached_out_at: null, reached: false, silent_seconds: 10800, incident_affected: 1, proactive_coverage: 0 },
    ]);
  });
});
