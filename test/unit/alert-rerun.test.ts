/**
 * Running ingest again on a database that has alerts (the same file after a crash or by mistake,
 * the next day's export, a config change): the alerts still open at the end of the stored data are
 * taken back, so the new run continues them instead of leaving them open for ever. The same file
 * again changes nothing; the next file ends them where the condition really ends, with the rows
 * one ingest of both files gives; an alert whose condition no longer holds for the detectors
 * rebuilt from the stored data is resolved at the end of that data, saying why. Real CLI and
 * pipeline, real DuckDB files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECONCILE_REASON } from '../../src/alert/stage.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, buildSource } from '../../src/pipeline/build.js';
import { Database } from '../../src/store/database.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('crisiscx-alert-rerun-');

const msg = (id: string, ts: string, conv: string, direction: 'inbound' | 'outbound', text: string) =>
  JSON.stringify({ id, type: 'message', ts: `2026-03-16T${ts}Z`, brand: 'acme', conversationId: conv, channel: 'chat', direction, text });

/** Day one: c1 is still waiting for a reply when the file ends (chat target 5 min); c2 and c3 were answered. */
const fileA = join(dir, 'a.ndjson');
writeFileSync(
  fileA,
  [
    msg('m1', '10:00:00', 'c1', 'inbound', 'my order never arrived, where is it?'),
    msg('m2', '10:00:00', 'c2', 'inbound', 'a question about my bill'),
    msg('m3', '10:01:00', 'c2', 'outbound', 'happy to help, checking now'),
    msg('m4', '10:20:00', 'c3', 'inbound', 'hello'),
    msg('m5', '10:20:30', 'c3', 'outbound', 'hello, how can I help?'),
  ].join('\n') + '\n',
);
/** The next file: c1 gets its reply at 10:25. */
const fileB = join(dir, 'b.ndjson');
writeFileSync(
  fileB,
  [msg('m6', '10:25:00', 'c1', 'outbound', 'sorry for the wait, it ships today'), msg('m7', '10:40:00', 'c4', 'inbound', 'hi'), msg('m8', '10:40:20', 'c4', 'outbound', 'hi there')].join(
    '\n',
  ) + '\n',
);

async function ingestCli(db: string, ...files: string[]): Promise<void> {
  const r = await cli(['ingest', '--db', db, '--quiet', ...files]);
  expect(r.stderr.replace(/npm warn[^\n]*\n/g, '')).toBe('');
  expect(r.code).toBe(0);
}

/** The same as `ingest`, in process, with a pipeline config on top of the defaults. */
async function ingest(db: string, files: string[], config: Record<string, unknown> = {}): Promise<void> {
  const alerts = (config.alerts ?? {}) as Record<string, unknown>;
  const cfg = parsePipelineConfig({ ...config, database: db, sources: [{ type: 'file', paths: files }], serve: { enabled: false }, alerts: { sinks: [], ...alerts } }, 'test');
  const built = await buildPipeline(cfg);
  try {
    await built.pipeline.runSource(buildSource(cfg.sources[0]!, cfg));
    await built.pipeline.flush();
  } finally {
    await built.close();
  }
}

async function alertRows(path: string): Promise<string[][]> {
  const db = await Database.open(path);
  try {
    const rows = await db.query<Record<string, unknown>>(
      `SELECT state, alert_key, strftime(ts, '%H:%M:%S') AS t, coalesce(reason, '') AS reason, summary, alert_count
       FROM alerts WHERE state NOT IN ('delivered', 'failed', 'dropped') ORDER BY ts, state = 'notified', alert_key`,
    );
    return rows.map((r) => [r.state, r.alert_key, r.t, r.reason, r.summary, r.alert_count].map(String));
  } finally {
    await db.close();
  }
}

const open = async (path: string) => {
  const db = await Database.open(path);
  try {
    return (await db.query<{ alert_key: string }>('SELECT alert_key FROM alerts_firing ORDER BY alert_key')).map((r) => r.alert_key);
  } finally {
    await db.close();
  }
};

describe('ingest again on a database with open alerts', () => {
  it('the same file changes nothing; the next file ends the alert where one ingest of both would', async () => {
    const once = join(dir, 'once.duckdb');
    await ingestCli(once, fileA, fileB);
    const expected = await alertRows(once);
    // The story: c1 waited from 10:00, paged at 10:05, answered at 10:25 (the resolved page too).
    expect(expected.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['firing', 'customer_silence|acme|c1', '10:05:00'],
      ['notified', 'customer_silence|brand=acme', '10:05:00'],
      ['resolved', 'customer_silence|acme|c1', '10:25:00'],
      ['notified', 'customer_silence|brand=acme', '10:25:00'],
    ]);

    const twice = join(dir, 'twice.duckdb');
    await ingestCli(twice, fileA);
    const afterA = await alertRows(twice);
    expect(await open(twice)).toEqual(['customer_silence|acme|c1']);
    // Again, by mistake or after a crash: c1 still waits at the end of the data, so its alert stays
    // the one open alert, with no new row and no new page.
    await ingestCli(twice, fileA);
    expect(await alertRows(twice)).toEqual(afterA);
    // The next day's file: the reply ends the same alert, at the reply.
    await ingestCli(twice, fileB);
    expect(await alertRows(twice)).toEqual(expected);
    expect(await open(twice)).toEqual([]);
  }, 180_000);

  it('an alert whose condition no longer holds under the new config is resolved at the end of the stored data, quietly, saying why', async () => {
    const path = join(dir, 'config.duckdb');
    await ingest(path, [fileA]);
    expect(await open(path)).toEqual(['customer_silence|acme|c1']);
    // The chat target raised to an hour: c1's 20-minute wait is no breach any more.
    await ingest(path, [fileA], { detect: { silence: { customer: { channel_thresholds_secs: { chat: 3600 } } } } });
    expect(await open(path)).toEqual([]);
    const rows = await alertRows(path);
    expect(rows.slice(2)).toEqual([['resolved', 'customer_silence|acme|c1', '10:20:30', RECONCILE_REASON, rows[0]![4]!, '1']]);
  });

  it('a broken-promise alert (nothing reports it again) lives out resolve_after_secs as in one run', async () => {
    const p1 = join(dir, 'p1.ndjson');
    const p2 = join(dir, 'p2.ndjson');
    const promise = JSON.stringify({ id: 'p-p1', type: 'promise', ts: '2026-03-16T10:00:30Z', brand: 'acme', conversationId: 'c9', promiseId: 'cb1', action: 'made', dueAt: '2026-03-16T10:10:00Z', kind: 'callback' });
    writeFileSync(
      p1,
      [msg('p-m1', '10:00:00', 'c9', 'inbound', 'I need my refund'), msg('p-m2', '10:00:30', 'c9', 'outbound', 'we will call you back within 10 minutes'), promise, msg('p-m3', '10:40:00', 'c8', 'inbound', 'hello'), msg('p-m4', '10:40:10', 'c8', 'outbound', 'hi')].join('\n') + '\n',
    );
    writeFileSync(p2, [msg('p-m5', '11:00:00', 'c7', 'inbound', 'hello'), msg('p-m6', '11:00:10', 'c7', 'outbound', 'hi'), msg('p-m7', '12:00:00', 'c6', 'inbound', 'hello'), msg('p-m8', '12:00:10', 'c6', 'outbound', 'hi')].join('\n') + '\n');
    const once = join(dir, 'promise-once.duckdb');
    await ingest(once, [p1, p2]);
    const expected = await alertRows(once);
    expect(expected.map((r) => [r[0], r[1], r[2], r[3]])).toEqual([
      ['firing', 'promise|promise:acme:c9:c9/cb1', '10:40:00', ''],
      ['notified', 'promise|brand=acme', '10:40:00', ''],
      ['resolved', 'promise|promise:acme:c9:c9/cb1', '11:40:00', 'not confirmed for 3600 s (resolve_after_secs)'],
    ]);
    const twice = join(dir, 'promise-twice.duckdb');
    await ingest(twice, [p1]);
    await ingest(twice, [p2]);
    expect(await alertRows(twice)).toEqual(expected);
  });

  it('an alert of a rule switched off since is resolved, naming the rule', async () => {
    const path = join(dir, 'rule-off.duckdb');
    await ingest(path, [fileA]);
    await ingest(path, [fileB], { alerts: { rules: { customer_silence: { enabled: false } } } });
    expect(await open(path)).toEqual([]);
    const rows = await alertRows(path);
    expect(rows.map((r) => [r[0], r[1], r[2], r[3]])).toEqual([
      ['firing', 'customer_silence|acme|c1', '10:05:00', ''],
      ['notified', 'customer_silence|brand=acme', '10:05:00', ''],
      ['resolved', 'customer_silence|acme|c1', '10:20:30', 'its rule customer_silence is no longer enabled in alerts.rules or alerts.view_thresholds, so nothing judges it any more'],
    ]);
  });
});
