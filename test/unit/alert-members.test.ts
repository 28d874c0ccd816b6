import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertEngine, type AlertRecord, type MemberChange, type RuleSettings, type Signal } from '../../src/alert/engine.js';
import { ALERT_MEMBERS_TABLE, memberRow, transitionRow } from '../../src/alert/rows.js';
import type { AlertNotification } from '../../src/alert/sink.js';
import { groupSummary } from '../../src/alert/summary.js';
import { TableAppender } from '../../src/store/appender.js';
import { Database } from '../../src/store/database.js';
import type { TableRow } from '../../src/store/rows.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = Date.parse('2026-03-14T10:00:00Z');
const MIN = 60_000;

const rule: RuleSettings = {
  name: 'customer_silence',
  forMs: 0,
  keepFiringForMs: 0,
  renotifyMs: 30 * MIN,
  groupBy: [],
  groupWaitMs: 0,
  groupIntervalMs: 5 * MIN,
  notify: true,
  notifyResolved: true,
};
const brandRule: RuleSettings = { ...rule, name: 'brand_silence' };

const signal = (rule: string, key: string, at: number, active: boolean): Signal => ({
  rule,
  key,
  brand: 'acme',
  active,
  at,
  severity: 'warning',
  summary: `${key} waiting`,
  labels: { channel: 'chat', conversation_id: key },
  values: { wait_secs: 300 },
});

/** A day of silences coming and going, with a brand-level alert holding them back for a while. */
function history(): { records: AlertRecord[]; sent: AlertNotification[]; members: MemberChange[] } {
  const records: AlertRecord[] = [];
  const sent: AlertNotification[] = [];
  const members: MemberChange[] = [];
  const engine = new AlertEngine({
    rules: [rule, brandRule],
    inhibit: [{ sourceRules: ['brand_silence'], targetRules: ['customer_silence'], equal: ['brand'] }],
    hooks: { record: (r) => records.push(r), notify: (n) => sent.push(n), member: (c) => members.push(c), groupSummary },
    maxListed: 1_000_000,
  });
  const signals: Signal[] = [];
  for (let i = 0; i < 200; i++) {
    const at = T0 + i * 7 * MIN;
    signals.push(signal('customer_silence', `c${i % 37}`, at, i % 5 !== 4));
    if (i % 50 === 10) signals.push(signal('brand_silence', 'acme', at, true));
    if (i % 50 === 30) signals.push(signal('brand_silence', 'acme', at, false));
  }
  engine.apply(signals, T0 + 200 * 7 * MIN);
  engine.advance(T0 + 200 * 7 * MIN + 60 * MIN);
  return { records, sent, members };
}

async function append(db: Database, table: string, rows: TableRow[]): Promise<void> {
  const a = await TableAppender.create(db.connection, table);
  await db.transaction(() => a.append(db.connection, rows));
}

describe('notification membership rows', () => {
  const dir = tempDir();

  it('alert_episodes counts every notification of each alert from the runs, as full lists would', async () => {
    const { records, sent, members } = history();
    // Not vacuous: re-notifications, held-back spells and resolved pages are all there.
    expect(sent.length).toBeGreaterThan(40);
    expect(sent.some((n) => n.state === 'resolved' || (n.changes?.resolved.length ?? 0) > 0)).toBe(true);
    expect(records.some((r) => r.inhibited)).toBe(true);
    const expected = new Map<string, number>();
    for (const n of sent) for (const a of n.alerts!) expected.set(a.id, (expected.get(a.id) ?? 0) + 1);
    const totalListed = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(members.length).toBeLessThan(totalListed / 3);

    const db = await Database.open(join(dir, 'runs.duckdb'));
    await append(db, 'alerts', records.map((r) => transitionRow(r, T0, r.state === 'notified' ? '' : undefined)));
    await append(db, ALERT_MEMBERS_TABLE, members.map(memberRow));
    const got = await db.query<{ alert_id: string; notifications: bigint }>('SELECT alert_id, notifications FROM alert_episodes WHERE notifications > 0');
    expect(new Map(got.map((r) => [r.alert_id, Number(r.notifications)]))).toEqual(expected);
    await db.close();
  });

  it('a file made by an older crisiscx (one member row per notification and alert) is migrated to runs once, at open, with the same counts', async () => {
    const { records, sent } = history();
    const path = join(dir, 'old.duckdb');
    let db = await Database.open(path);
    await append(db, 'alerts', records.map((r) => transitionRow(r, T0, r.state === 'notified' ? '' : undefined)));
    // The old format: every notification lists every alert it covered.
    const old = sent.flatMap((n) => n.alerts!.map((a) => ({ notification_id: n.id!, alert_id: a.id, ts: n.at! })));
    await append(db, ALERT_MEMBERS_TABLE, old);
    const before = await db.query<{ alert_id: string; first: Date; notifications: bigint }>(
      `SELECT alert_id, min(ts) AS first, count(*) AS notifications FROM alert_notification_members GROUP BY alert_id ORDER BY alert_id`,
    );
    await db.close();

    db = await Database.open(path);
    const rows = await db.query<{ change: string | null; n: bigint }>('SELECT change, count(*) AS n FROM alert_notification_members GROUP BY change ORDER BY change');
    expect(rows.map((r) => r.change)).toEqual(['joined', 'left']);
    const total = rows.reduce((a, r) => a + Number(r.n), 0);
    expect(total).toBeLessThan(old.length / 3);
    const after = await db.query<{ alert_id: string; first: Date; notifications: bigint }>(
      'SELECT alert_id, first_notified_at AS first, notifications FROM alert_episodes WHERE notifications > 0 ORDER BY alert_id',
    );
    expect(after).toEqual(before);
    await db.close();

    // Opening again changes nothing.
    db = await Database.open(path);
    const again = await db.query<{ n: bigint }>('SELECT count(*) AS n FROM alert_notification_members');
    expect(Number(again[0]!.n)).toBe(total);
    await db.close();
  });
});
