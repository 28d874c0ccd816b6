/**
 * @module alert/sink
 * Where alert notifications go (stdout, webhook, Kafka topic, Alertmanager). A sink never stalls
 * the pipeline: it retries what is retriable in the background and reports what it gave up on.
 */

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** One alert (one condition: one conversation, one brand, one brand × channel) inside a notification. */
export interface AlertInstance {
  /** One episode of the alert: `key@startsAt`; the same condition firing again later has a new id. */
  id: string;
  /** Stable dedupe key: `rule|detection key`. */
  key: string;
  rule: string;
  state: 'firing' | 'resolved';
  severity: AlertSeverity;
  brand: string;
  summary: string;
  labels: Record<string, string>;
  values: Record<string, number>;
  startsAt: number;
  endsAt?: number;
  link?: string;
  /** The SQL over the views behind it (for `crisiscx sql` or the SQL API). */
  query?: string;
}

/**
 * One notification: a single alert, or a group of alerts of one kind (count > 1). It carries the
 * fields of an alert (for a group: the group key, its summary and labels), plus what grouping adds.
 */
export interface AlertNotification extends Omit<AlertInstance, 'id'> {
  /** How many alerts this notification stands for (grouping). */
  count: number;
  /** Unique per notification (the `alert_id` of its `notified` row in the `alerts` table). */
  id?: string;
  /** When the engine decided to send it, on the pipeline clock (epoch ms). */
  at?: number;
  /**
   * Some of the alerts it stands for, at most `alerts.max_alerts_listed`: the newcomers since the
   * group's last notification first, then the longest firing, then those resolved since the last
   * notification. `count` says how many fire in all.
   */
  alerts?: AlertInstance[];
  /** Alerts it stands for that `alerts` leaves out (firing and resolved). */
  truncated?: number;
  /** Alerts of the group held back because a brand-level alert fires (inhibition). */
  inhibited?: number;
  /**
   * What changed in the group since its last notification, for sinks that keep each alert's state
   * (Alertmanager). A non-enumerable property: JSON payloads (webhook, Kafka, stdout) leave it out,
   * so they stay bounded however large the group.
   */
  changes?: MembershipChanges;
}

/** A group's membership changes carried by one notification (linear in what changed, not in the group). */
export interface MembershipChanges {
  /** Firing alerts listed for the first time (or again after being held back). */
  joined: AlertInstance[];
  /** Alerts resolved since the last notification, listed in this one as resolved. */
  resolved: AlertInstance[];
  /** Keys of alerts that left without a resolved notification (held back, resolved quietly, handed over). */
  left: string[];
}

export interface AlertSink {
  readonly name: string;
  /** How many notifications one `send` may carry (a Slack webhook takes one message per request). */
  readonly maxBatch?: number;
  /**
   * Delivers the notifications or throws. Throw an error with `retriable: true` (see SinkError) for
   * failures worth retrying (5xx, 429, network); anything else is given up at once.
   */
  send(notifications: AlertNotification[]): Promise<void>;
  close?(): Promise<void>;
}
