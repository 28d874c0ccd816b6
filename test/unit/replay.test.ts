import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { replay } from '../../src/replay/replay.js';
import { Database } from '../../src/store/database.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { PROMISE_CONFIG, PROMISE_STORY } from './views-promises.story.js';
import { openStory, rows } from './views-story.js';
import { TRIAGE_STORY } from './views-triage.story.js';

const STORY = [...TRIAGE_STORY, ...PROMISE_STORY];
const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function withDb<T>(path: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open(path);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const withinTarget = (db: Database) =>
  rows(db, "SELECT conversation_id, target_secs, within_target FROM triage_outcomes WHERE conversation_id IN ('c2', 'c5') ORDER BY conversation_id");

describe('what-if replay', () => {
  const dir = tempDir();

  it('recomputes the crisis under other targets into a new database, leaving the source as it was', async () => {
    const source = join(dir, 'crisis.duckdb');
    const original = await openStory(dir, 'crisis', STORY, { config: PROMISE_CONFIG });
    const sourceHash = (await rows(original, 'SELECT config_hash FROM config_versions'))[0]!.config_hash;
    await original.close();
    const sourceDigest = digest(source);

    const whatIf = join(dir, 'what-if.duckdb');
    const config = parsePipelineConfig(
      { database: whatIf, detect: { triage: { channel_targets_secs: { chat: 120 } }, promises: { grace_secs: 3600, brand_timezones: { acme: 'Europe/Madrid' } } } },
      'what-if.yaml',
    );
    const batches: number[] = [];
    const report = await replay({ config, from: source, pipelineFile: 'what-if.yaml', onBatch: (s) => batches.push(s.records) });
    expect(report.events).toBe(STORY.length);
    expect(batches.at(-1)).toBe(STORY.length);
    expect(report.previousConfigHash).toBe(sourceHash);
    expect(report.configHash).not.toBe(sourceHash);

    await withDb(whatIf, async (db) => {
      // A 2-minute chat target: the 4-minute reply to c2 is now a breach; c5's 1-minute one is not.
      expect(await withinTarget(db)).toEqual([
        { conversation_id: 'c2', target_secs: 120, within_target: false },
        { conversation_id: 'c5', target_secs: 120, within_target: true },
      ]);
      // A one-hour grace: the callback replied to 60 minutes after its due time is late, not broken.
      expect(await rows(db, "SELECT outcome FROM promise_outcomes WHERE promise_id = 'P3'")).toEqual([{ outcome: 'late' }]);
      // Promises were read out of the text again, under the new config.
      expect(await rows(db, 'SELECT count(*) AS n, count(DISTINCT config_hash) AS versions, any_value(config_hash) AS hash FROM promises_extracted')).toEqual([
        { n: 5, versions: 1, hash: report.configHash },
      ]);
      expect(await rows(db, 'SELECT config_hash FROM config_versions ORDER BY config_hash')).toEqual(
        [{ config_hash: sourceHash }, { config_hash: report.configHash }].sort((a, b) => String(a.config_hash).localeCompare(String(b.config_hash))),
      );
      expect(await rows(db, 'SELECT run_id, config_hash, previous_config_hash, pipeline_file, events FROM replay_runs')).toEqual([
        { run_id: report.runId, config_hash: report.configHash, previous_config_hash: sourceHash, pipeline_file: 'what-if.yaml', events: STORY.length },
      ]);
      // The headline figures under each config, stored side by side.
      const breaches = await rows(
        db,
        `SELECT phase, config_hash, (row_json->>'triage_breaches')::INT AS breaches, (row_json->>'promises_broken')::INT AS broken
         FROM result_snapshots WHERE relation = 'brand_summary' AND (row_json->>'brand') = 'acme' ORDER BY phase DESC`,
      );
      expect(breaches).toEqual([
        { phase: 'before', config_hash: sourceHash, breaches: 2, broken: 1 },
        { phase: 'after', config_hash: report.configHash, breaches: 3, broken: 0 },
      ]);
    });
    // The source is untouched, byte for byte, and keeps its results under its own settings.
    expect(digest(source)).toBe(sourceDigest);
    await withDb(source, async (db) => {
      expect(await withinTarget(db)).toEqual([
        { conversation_id: 'c2', target_secs: 14400, within_target: true },
        { conversation_id: 'c5', target_secs: 14400, within_target: true },
      ]);
      expect(await rows(db, 'SELECT count(*) AS n FROM replay_runs')).toEqual([{ n: 0 }]);
    });

    // A second replay refuses to overwrite what the first wrote unless asked.
    await expect(replay({ config, from: source })).rejects.toThrow(/what-if\.duckdb exists; pass --force to overwrite it/);
  });

  it('replays in place and keeps the history of runs; the CLI prints the comparison', async () => {
    const db0 = await openStory(dir, 'inplace', STORY, { config: PROMISE_CONFIG });
    await db0.close();
    const path = join(dir, 'inplace.duckdb');
    const yaml = join(dir, 'chat2min.yaml');
    writeFileSync(
      yaml,
      ['name: chat-2min', 'detect:', '  triage:', '    channel_targets_secs:', '      chat: 120', '  promises:', '    brand_timezones:', '      acme: Europe/Madrid', ''].join('\n'),
    );
    const r = await cli(['replay', '--pipeline', yaml, '--db', path, '--quiet']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`replayed ${STORY.length} events of ${path} under ${yaml}`);
    expect(r.stdout).toMatch(/first-response target breaches +2 +3\n/);
    expect(r.stdout).toMatch(/answered within target +71\.4% +57\.1%\n/);
    // No temporary file left behind.
    expect(readdirSync(dir).filter((f) => f.includes('.replay-'))).toEqual([]);

    // Back to the defaults, in place again: two runs, four snapshots of acme's figures.
    const back = join(dir, 'defaults.yaml');
    writeFileSync(back, ['name: defaults', 'detect:', '  promises:', '    brand_timezones:', '      acme: Europe/Madrid', ''].join('\n'));
    const r2 = await cli(['replay', '--pipeline', back, '--db', path, '--quiet']);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toMatch(/first-response target breaches +3 +2\n/);
    await withDb(path, async (db) => {
      expect(await rows(db, 'SELECT count(*) AS runs FROM replay_runs')).toEqual([{ runs: 2 }]);
      expect(
        await rows(db, "SELECT phase, (row_json->>'triage_breaches')::INT AS breaches FROM result_snapshots WHERE relation = 'brand_summary' AND (row_json->>'brand') = 'acme' ORDER BY taken_at, phase DESC"),
      ).toEqual([
        { phase: 'before', breaches: 2 },
        { phase: 'after', breaches: 3 },
        { phase: 'before', breaches: 3 },
        { phase: 'after', breaches: 2 },
      ]);
      expect(await rows(db, 'SELECT count(*) AS n FROM events')).toEqual([{ n: STORY.length }]);
    });
  });

  it('says what to do when the source is missing or the config is wrong', async () => {
    const missing = await cli(['replay', '--pipeline', 'pipelines/default.yaml', '--db', join(dir, 'x.duckdb'), '--from', join(dir, 'nope.duckdb')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no database');
    expect(missing.stderr).toContain('--from FILE');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'detect:\n  triage:\n    targets_secs:\n      critical: fast\n');
    const r = await cli(['replay', '--pipeline', bad, '--db', join(dir, 'x.duckdb')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('detect.triage.targets_secs.critical: expected number, got string "fast"');
  });
});
