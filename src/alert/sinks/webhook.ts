/**
 * @module alert/sinks/webhook
 * POSTs each notification to a URL: a Slack-compatible message (`{text, blocks}`) or the
 * notification itself as JSON. One message per request, as Slack's incoming webhooks expect.
 *
 * @example
 * const sink = new WebhookSink({ url: process.env.SLACK_WEBHOOK_URL!, format: 'slack', timeoutMs: 5000 });
 * await sink.send([notification]);
 */
import type { AlertNotification, AlertSink } from '../sink.js';
import { postJson } from './http.js';
import { slackMessage } from './slack.js';

export interface WebhookSinkOptions {
  url: string;
  format?: 'slack' | 'json';
  headers?: Record<string, string>;
  timeoutMs?: number;
  name?: string;
}

export class WebhookSink implements AlertSink {
  readonly name: string;
  readonly maxBatch = 1;

  constructor(private readonly options: WebhookSinkOptions) {
    this.name = options.name ?? 'webhook';
  }

  async send(notifications: AlertNotification[]): Promise<void> {
    for (const n of notifications) {
      const body = this.options.format === 'json' ? n : slackMessage(n);
      await postJson(this.options.url, body, { sink: this.name, headers: this.options.headers, timeoutMs: this.options.timeoutMs ?? 5000 });
    }
  }
}
