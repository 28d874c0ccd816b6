/**
 * @module alert/sinks/alertmanager
 * Sends alerts to Prometheus Alertmanager's API v2 (`POST /api/v2/alerts`) the way Prometheus
 * does: every alert of a notification individually (Alertmanager groups, routes and silences them
 * itself; from the engine, the alerts that joined, resolved or left since the group's last
 * notification, in requests of at most 500), labels that identify the alert (alertname = the rule, brand, severity, alert_key, the
 * detector's labels), annotations that describe it, and firing alerts re-sent every `resend_secs`
 * with an `endsAt` a few periods ahead, so that Alertmanager resolves them by itself if crisiscx
 * stops. A resolved alert is sent once with its end time.
 *
 * Alertmanager runs on the wall clock while a pipeline may run on event time (replays) or an
 * accelerated clock (the demo): times after "now" are capped to now, so Alertmanager never sees
 * an alert that starts in its future.
 *
 * @example
 * const sink = new AlertmanagerSink({ url: 'http://127.0.0.1:9093' });
 * await sink.send([notification]);
 */
import type { AlertInstance, AlertNotification, AlertSink } from '../sink.js';
import { postJson } from './http.js';

export interface AlertmanagerSinkOptions {
  url: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** How often firing alerts are re-sent (wall clock). */
  resendMs?: number;
  wall?: () => number;
  name?: string;
}

/** The body of one alert in Alertmanager's API v2 (postableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

const RESERVED = new Set(['alertname', 'brand', 'severity', 'alert_key']);

/** Alertmanager label names match [a-zA-Z_][a-zA-Z0-9_]*. */
export function labelName(k: string): string {
  const s = k.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[a-zA-Z_]/.test(s) ? s : `_${s}`;
}

export class AlertmanagerSink implements AlertSink {
  readonly name: string;
  readonly maxBatch = 50;
  private readonly endpoint: string;
  private readonly resendMs: number;
  private readonly wall: () => number;
  /** Firing alerts by key, with the group (notification key) they were last sent in. */
  private readonly active = new Map<string, { alert: AlertInstance; context: AlertNotification; group: string }>();
  private timer: NodeJS.Timeout | undefined;
  /** The last error of a periodic re-send (they are retried by the next period). */
  lastResendError: string | undefined;

  constructor(private readonly options: AlertmanagerSinkOptions) {
    this.name = options.name ?? 'alertmanager';
    this.endpoint = `${options.url.replace(/\/+$/, '')}/api/v2/alerts`;
    this.resendMs = options.resendMs ?? 60_000;
    this.wall = options.wall ?? Date.now;
  }

  /** How many alerts this sink keeps re-sending. */
  get firing(): number {
    return this.active.size;
  }

  toPostable(a: AlertInstance, n: AlertNotification): PostableAlert {
    const now = this.wall();
    const own: Record<string, string> = { alertname: a.rule, brand: a.brand, severity: a.severity, alert_key: a.key };
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(a.labels)) {
      if (v === '') continue;
      let name = labelName(k);
      if (RESERVED.has(name)) {
        // A detector label that clashes with ours (a ticket's severity) keeps its value under another name.
        if (own[name] === v) continue;
        name = `label_${name}`;
      }
      labels[name] = v;
    }
    Object.assign(labels, own);
    const annotations: Record<string, string> = { summary: a.summary, crisiscx_alert_id: a.id };
    if (n.count > 1 || n.inhibited) annotations.description = n.summary;
    if (a.link) annotations.link = a.link;
    if (a.query) annotations.query = a.query;
    for (const [k, v] of Object.entries(a.values)) annotations[`value_${labelName(k)}`] = String(v);
    const startsAt = Math.min(a.startsAt, now);
    const endsAt = a.state === 'resolved' ? Math.max(startsAt, Math.min(a.endsAt ?? now, now)) : now + 4 * this.resendMs;
    const p: PostableAlert = { labels, annotations, startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString() };
    if (a.link && /^https?:\/\//.test(a.link)) p.generatorURL = a.link;
    return p;
  }

  async send(notifications: AlertNotification[]): Promise<void> {
    const body: PostableAlert[] = [];
    for (const n of notifications) {
      const c = n.changes;
      if (c) {
        // From the engine: only what changed (a group of thousands re-notified is no request at
        // all); the alerts it already has are kept alive by the periodic re-send.
        for (const a of c.joined) {
          this.active.set(a.key, { alert: a, context: n, group: n.key });
          body.push(this.toPostable(a, n));
        }
        for (const a of c.resolved) {
          this.active.delete(a.key);
          body.push(this.toPostable(a, n));
        }
        for (const k of c.left) if (this.active.get(k)?.group === n.key) this.active.delete(k);
        continue;
      }
      const members = n.alerts ?? [fromNotification(n)];
      const seen = new Set<string>();
      for (const a of members) {
        seen.add(a.key);
        if (a.state === 'firing') this.active.set(a.key, { alert: a, context: n, group: n.key });
        else this.active.delete(a.key);
        body.push(this.toPostable(a, n));
      }
      // Left out of its group's notification without resolving (held back by inhibition): stop
      // re-sending it; Alertmanager lets it lapse at its endsAt.
      for (const [k, v] of this.active) if (v.group === n.key && !seen.has(k)) this.active.delete(k);
    }
    for (let i = 0; i < body.length; i += 500) await this.post(body.slice(i, i + 500));
    this.startResend();
  }

  private post(body: PostableAlert[]): Promise<string> {
    return postJson(this.endpoint, body, { sink: this.name, headers: this.options.headers, timeoutMs: this.options.timeoutMs ?? 5000 });
  }

  private startResend(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.resend(), this.resendMs);
    this.timer.unref();
  }

  /** Re-sends every firing alert with a fresh endsAt. */
  async resend(): Promise<void> {
    if (this.active.size === 0) return;
    const body = [...this.active.values()].map((v) => this.toPostable(v.alert, v.context));
    try {
      for (let i = 0; i < body.length; i += 500) await this.post(body.slice(i, i + 500));
      this.lastResendError = undefined;
    } catch (err) {
      this.lastResendError = (err as Error).message;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function fromNotification(n: AlertNotification): AlertInstance {
  const a: AlertInstance = {
    id: n.id ?? `${n.key}@${new Date(n.startsAt).toISOString()}`,
    key: n.key,
    rule: n.rule,
    state: n.state,
    severity: n.severity,
    brand: n.brand,
    summary: n.summary,
    labels: n.labels,
    values: n.values,
    startsAt: n.startsAt,
  };
  if (n.endsAt !== undefined) a.endsAt = n.endsAt;
  if (n.link !== undefined) a.link = n.link;
  return a;
}
