import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { tempDir } from '../helpers/tmp.js';
import { OUTREACH_STORY } from './views-outreach.story.js';
import { PROMISE_CONFIG, PROMISE_STORY } from './views-promises.story.js';
import { openStory, rows, shuffled, type StoryEvent } from './views-story.js';
import { TRIAGE_SPIKES, TRIAGE_STORY } from './views-triage.story.js';

/** Every view of the database (and the extracted promises), each sorted on all its columns. */
async function everything(db: Database): Promise<Record<string, Record<string, unknown>[]>> {
  const views = await rows(db, "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' ORDER BY view_name");
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const { view_name } of views as { view_name: string }[]) out[view_name] = await rows(db, `SELECT * FROM "${view_name}" ORDER BY ALL`);
  out.promises_extracted = await rows(db, 'SELECT * EXCLUDE (config_hash) FROM promises_extracted ORDER BY ALL');
  return out;
}

// The three stories at once, with their ids kept apart.
const ALL: StoryEvent[] = [...TRIAGE_STORY, ...PROMISE_STORY, ...OUTREACH_STORY];
const byTime = (events: StoryEvent[]) => [...events].sort((a, b) => Date.parse(String(a.ts)) - Date.parse(String(b.ts)));

describe('views are computed from event time', () => {
  const dir = tempDir();

  it('gives identical contents of every view whatever order and batching the events arrive in', async () => {
    const reference = await openStory(dir, 'in-order', ALL, { order: byTime, config: PROMISE_CONFIG, spikes: TRIAGE_SPIKES });
    const expected = await everything(reference);
    await reference.close();
    // The stories fill the views: an empty comparison would prove nothing.
    for (const v of ['upset_volume', 'crisis_periods', 'triage_outcomes', 'triage_scorecard', 'promise_outcomes', 'promise_scorecard', 'silent_sufferers', 'proactive_coverage', 'channel_guidance']) {
      expect(expected[v]?.length, v).toBeGreaterThan(0);
    }
    // factsRefreshRows: the conversation facts refreshed after every few rows (partials merged
    // across batches), or never (the views read every row as the unsummarized tail).
    for (const [name, order, batchSize, factsRefreshRows] of [
      ['reversed', (e: StoryEvent[]) => byTime(e).reverse(), 7, 10],
      ['shuffled-1', (e: StoryEvent[]) => shuffled(e, 1), 1, 1_000_000],
      ['shuffled-2', (e: StoryEvent[]) => shuffled(e, 2), 13, 1],
    ] as const) {
      const db = await openStory(dir, name, ALL, { order, batchSize, factsRefreshRows, config: PROMISE_CONFIG, spikes: TRIAGE_SPIKES });
      try {
        expect(await everything(db), name).toEqual(expected);
      } finally {
        await db.close();
      }
    }
    // Several hundred single-event transactions, some refreshing the facts after each.
  }, 90_000);
});
