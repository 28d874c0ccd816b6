/**
 * @module alert/sink
 * Where alert notifications go (stdout, webhook, Kafka topic, Alertmanager). A sink never stalls
 * the pipeline: it retries what is retriable in the background and reports what it gave up on.
 */

/** One notification: a single alert, or a group of alerts of one kind (count > 1). */
export interface AlertNotification {
  /** Stable dedupe key: the same condition always has the same key. */
  key: string;
  /** The rule that fired (`customer_silence`, `brand_silence`, `spike`, ...). */
  rule: string;
  state: 'firing' | 'resolved';
  severity: 'critical' | 'warning' | 'info';
  brand: string;
  summary: string;
  labels: Record<string, string>;
  values: Record<string, number>;
  /** When the condition started (epoch ms) and, once resolved, when it ended. */
  startsAt: number;
  endsAt?: number;
  /** How many alerts this notification stands for (grouping). */
  count: number;
  /** Link back to the data (a page or a SQL query). */
  link?: string;
}

export interface AlertSink {
  readonly name: string;
  send(notifications: AlertNotification[]): Promise<void>;
  close?(): Promise<void>;
}
