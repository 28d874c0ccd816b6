/**
 * @module alert/rows
 * Alert transitions, notifications and delivery outcomes as rows of the `alerts` table
 * (sql/schema.sql): one row per change, never updated, so the table is the full history.
 */
import type { TableRow } from '../store/rows.js';
import type { DeliveryOutcome } from './dispatch.js';
import type { AlertRecord, MemberChange } from './engine.js';

function json(v: unknown): string | undefined {
  return v === undefined ? undefined : JSON.stringify(v);
}

export function transitionRow(r: AlertRecord, recordedAt: number, sinks?: string): TableRow {
  return {
    ts: r.at,
    recorded_at: recordedAt,
    state: r.state,
    alert_id: r.alertId,
    alert_key: r.alertKey,
    rule: r.rule,
    brand: r.brand,
    severity: r.severity,
    started_at: r.startedAt,
    ended_at: r.endedAt,
    summary: r.summary,
    labels: json(r.labels),
    measures: json(r.values),
    link: r.link,
    query: r.query,
    inhibited: r.inhibited,
    inhibited_by: r.inhibitedBy,
    group_key: r.groupKey,
    notify_state: r.notifyState,
    alert_count: r.count,
    // Members are rows of alert_notification_members (memberRow), not a JSON list here.
    member_ids: undefined,
    sinks,
    attempts: undefined,
    reason: r.reason,
  };
}

export function outcomeRow(o: DeliveryOutcome, at: number): TableRow {
  const n = o.notification;
  return {
    ts: at,
    recorded_at: o.at,
    state: o.state,
    alert_id: n.id ?? `${n.key}@${new Date(n.at ?? n.startsAt).toISOString()}`,
    alert_key: n.key,
    rule: n.rule,
    brand: n.brand,
    severity: n.severity,
    started_at: n.startsAt,
    ended_at: n.endsAt,
    summary: n.summary,
    labels: json(n.labels),
    measures: json(n.values),
    link: n.link,
    query: n.query,
    inhibited: false,
    group_key: n.key,
    notify_state: n.state,
    alert_count: n.count,
    sinks: o.sink,
    attempts: o.attempts,
    reason: o.reason,
  };
}

export const ALERT_MEMBERS_TABLE = 'alert_notification_members';

/**
 * A change of a notification group's membership (see MemberChange): `joined` with the first
 * notification that listed the alert, `left` with the last. Re-notifications add no rows, so the
 * table grows with what changes, not with the group's size times its notifications.
 */
export function memberRow(c: MemberChange): TableRow {
  return { notification_id: c.notificationId, alert_id: c.alertId, ts: c.at, change: c.change };
}
