/**
 * @module alert/config
 * The `alerts` section of a pipeline config: rules (one per detection kind, plus thresholds on any
 * view), their lifecycle (`for`, `keep_firing_for`, re-notify), grouping, inhibition and the sinks.
 *
 * @example
 * const cfg = AlertsConfig.parse({ rules: { customer_silence: { for_secs: 60 } }, sinks: [{ type: 'stdout' }] });
 */
import { z } from 'zod';
import { kafkaConnectionFields, TopicName } from '../sources/kafka/config.js';

const Severity = z.enum(['critical', 'warning', 'info']);

/** A URL, with an error that quotes what was given. */
const Url = (example: string) =>
  z.url({ protocol: /^https?$/, error: (issue) => `expected a URL such as ${example}, got ${JSON.stringify(String(issue.input ?? '')).slice(0, 80)}` });

/** Names a rule or a label can take: they become Alertmanager labels and SQL placeholders. */
const Name = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case: lower-case letters, digits and "_", starting with a letter');

interface RuleDefaults {
  severity?: z.output<typeof Severity>;
  resolve_after_secs?: number;
  notify_resolved?: boolean;
  for_secs: number;
  keep_firing_for_secs: number;
  renotify_secs: number;
  group_wait_secs: number;
  group_interval_secs: number;
}

/** The lifecycle, grouping and notification keys every rule has. */
function lifecycleFields(d: RuleDefaults) {
  return {
    enabled: z.boolean().default(true).describe('false: the rule makes no alerts at all'),
    severity: (d.severity ? Severity.default(d.severity) : Severity.optional()).describe(
      "overrides the severity the detector gave (critical, warning or info); default: the detector's",
    ),
    for_secs: z
      .number()
      .min(0)
      .default(d.for_secs)
      .describe('pending period: the condition must hold this long before the alert fires (like Prometheus `for`)'),
    keep_firing_for_secs: z
      .number()
      .min(0)
      .default(d.keep_firing_for_secs)
      .describe('keeps an alert firing this long after its condition ends, so a flapping condition pages once'),
    renotify_secs: z
      .number()
      .positive()
      .default(d.renotify_secs)
      .describe('re-sends a still-firing, unchanged group after this long (Alertmanager repeat_interval); a live pipeline catching up after downtime or a backlog sends one reminder per group, not the missed ones'),
    group_by: z
      .array(Name)
      .default([])
      .describe('labels that split a rule\'s alerts into separate notifications besides brand (e.g. ["channel"]); alerts of one rule and brand are one notification with a count'),
    group_wait_secs: z
      .number()
      .min(0)
      .default(d.group_wait_secs)
      .describe('how long a new group waits for more alerts before its first notification (0: at once)'),
    group_interval_secs: z
      .number()
      .positive()
      .default(d.group_interval_secs)
      .describe('how long a group waits after a notification before telling about alerts that joined or resolved'),
    notify: z.boolean().default(true).describe('false: alerts are stored in the `alerts` table but never sent to sinks'),
    notify_resolved: z
      .boolean()
      .default(d.notify_resolved ?? true)
      .describe('send a notification when a notified group resolves'),
    resolve_after_secs: (d.resolve_after_secs !== undefined ? z.number().positive().default(d.resolve_after_secs) : z.number().positive().optional()).describe(
      'resolves an alert its detector has not confirmed for this long, for detections that never say "resolved" (a broken promise stays broken); default: never',
    ),
  };
}

const DetectionRuleFields = {
  drilldown_sql: z
    .string()
    .min(1)
    .optional()
    .describe('SQL behind one alert\'s link; {label} placeholders become SQL literals ({brand}, {conversation}, {channel}, {key}...)'),
  group_drilldown_sql: z
    .string()
    .min(1)
    .optional()
    .describe("SQL behind a grouped notification's link; placeholders: {brand}, {rule} and the group_by labels"),
};

const CustomerSilenceRule = z
  .strictObject({
    ...lifecycleFields({ for_secs: 0, keep_firing_for_secs: 0, renotify_secs: 3600, group_wait_secs: 0, group_interval_secs: 300 }),
    ...DetectionRuleFields,
    warnings: z
      .enum(['ignore', 'store', 'notify'])
      .default('ignore')
      .describe("the detector's early warnings (before the breach): ignore, store as `customer_silence_warning` alerts, or store and notify"),
  })
  .describe('a customer waiting for a reply past the threshold of the silence detector (detection kind customer_silence)');

const BrandSilenceRule = z
  .strictObject({
    ...lifecycleFields({ for_secs: 0, keep_firing_for_secs: 0, renotify_secs: 1800, group_wait_secs: 0, group_interval_secs: 300 }),
    ...DetectionRuleFields,
  })
  .describe('the brand silent in public during a crisis (detection kind brand_silence)');

const SpikeRule = z
  .strictObject({
    ...lifecycleFields({ for_secs: 0, keep_firing_for_secs: 300, renotify_secs: 3600, group_wait_secs: 0, group_interval_secs: 300 }),
    ...DetectionRuleFields,
  })
  .describe('a spike of upset volume per brand and channel (detection kind spike)');

const PromiseRule = z
  .strictObject({
    // A broken promise stays broken and its detector never resolves it: page once, clear after an hour, quietly.
    // Updates about more broken promises every 30 min are plenty: none of them can still be kept.
    ...lifecycleFields({ for_secs: 0, keep_firing_for_secs: 0, renotify_secs: 3600, group_wait_secs: 0, group_interval_secs: 1800, resolve_after_secs: 3600, notify_resolved: false }),
    ...DetectionRuleFields,
  })
  .describe('a promise to a customer broken: not kept by its due time and grace (detection kind promise)');

export const ViewThresholdRule = z
  .strictObject({
    name: Name.describe('the rule name (alertname); unique, not a built-in rule name'),
    query: z
      .string()
      .min(1)
      .describe('one read-only SELECT over the views; it must return a numeric `value` column, other columns become labels (a `brand` column names the brand); one alert per row'),
    condition: z
      .enum(['above', 'at_least', 'below', 'at_most'])
      .default('above')
      .describe('value > threshold (above), >= (at_least), < (below), <= (at_most)'),
    threshold: z.number().describe('the number the value is compared with'),
    every_secs: z.number().positive().default(60).describe('how often the query runs, on the pipeline clock'),
    summary: z
      .string()
      .optional()
      .describe('text of the alert; {value}, {threshold} and {column} placeholders; default: "<name>: value <v> above <threshold>"'),
    ...lifecycleFields({ severity: 'warning', for_secs: 0, keep_firing_for_secs: 0, renotify_secs: 3600, group_wait_secs: 0, group_interval_secs: 300 }),
  })
  .describe('a threshold on any view, evaluated by running a query');
export type ViewThresholdRule = z.output<typeof ViewThresholdRule>;

export const InhibitRule = z.strictObject({
  source_rules: z.array(Name).min(1).describe('while an alert of one of these rules fires...'),
  target_rules: z.array(Name).min(1).describe('...alerts of these rules are held back from sinks (still stored, flagged inhibited)'),
  equal: z.array(Name).default(['brand']).describe('labels that must be equal on both (brand, channel, ...)'),
});
export type InhibitRule = z.output<typeof InhibitRule>;

/** Delivery settings shared by the network sinks. */
const deliveryFields = {
  timeout_ms: z.number().int().positive().default(5000).describe('per request'),
  max_attempts: z.number().int().min(1).max(100).default(5).describe('tries per notification (5xx, 429 and network errors are retried; other errors are not)'),
  initial_backoff_ms: z.number().int().positive().default(500).describe('wait before the 2nd attempt; doubles each time, with jitter'),
  max_backoff_ms: z.number().int().positive().default(30_000).describe('longest wait between attempts'),
  queue_size: z.number().int().positive().default(1000).describe('notifications waiting per sink; beyond it the oldest is dropped (and recorded)'),
};

const StdoutSink = z.strictObject({
  type: z.literal('stdout').describe('one line per notification on standard output'),
  format: z.enum(['text', 'json']).default('text').describe('text: a sentence; json: the notification as one NDJSON line'),
});

const HttpAuth = {
  headers: z.record(z.string(), z.string()).default({}).describe('extra request headers (not secrets: use headers_from_env)'),
  headers_from_env: z
    .record(z.string(), z.string().min(1))
    .default({})
    .describe('header name → environment variable holding its value (e.g. Authorization: CRISISCX_WEBHOOK_AUTH)'),
};

const WebhookSink = z
  .strictObject({
    type: z.literal('webhook').describe('HTTP POST of each notification (Slack incoming-webhook compatible)'),
    url: Url('https://hooks.slack.com/services/...').optional().describe('the endpoint; or url_from_env for a secret URL such as a Slack webhook'),
    url_from_env: z.string().min(1).optional().describe('environment variable holding the URL'),
    format: z.enum(['slack', 'json']).default('slack').describe('slack: {text, blocks}; json: the notification object as is'),
    ...HttpAuth,
    ...deliveryFields,
  })
  .refine((s) => (s.url === undefined) !== (s.url_from_env === undefined), {
    message: 'set exactly one of url and url_from_env',
  });

const AlertmanagerSink = z.strictObject({
  type: z.literal('alertmanager').describe("Prometheus Alertmanager's API v2 (POST /api/v2/alerts)"),
  url: Url('http://127.0.0.1:9093').describe('Alertmanager base URL, e.g. http://127.0.0.1:9093'),
  resend_secs: z
    .number()
    .positive()
    .default(60)
    .describe('re-sends firing alerts this often (wall clock), as Alertmanager expects from its clients'),
  ...HttpAuth,
  ...deliveryFields,
});

const KafkaSink = z.strictObject({
  type: z.literal('kafka').describe('each notification as a JSON message on a Kafka topic (key: the dedupe key)'),
  // brokers (or brokers_from_env), client_id, tls, sasl: the same keys as the kafka source's.
  ...kafkaConnectionFields('crisiscx-alerts'),
  topic: TopicName.default('crisiscx.alerts').describe('topic the notifications are published to'),
  ...deliveryFields,
});

export const SinkConfig = z.discriminatedUnion('type', [StdoutSink, WebhookSink, AlertmanagerSink, KafkaSink]);
export type SinkConfig = z.output<typeof SinkConfig>;

export const BUILTIN_RULES = ['customer_silence', 'brand_silence', 'spike', 'promise'] as const;

export const AlertsConfig = z
  .strictObject({
    enabled: z.boolean().default(true).describe('false: no alert engine (detections are still stored by the detectors)'),
    notify_replays: z
      .boolean()
      .default(false)
      .describe('send notifications when replaying past events (ingest, replay); by default replays only store what would have been sent'),
    link_base_url: Url('http://127.0.0.1:8080')
      .optional()
      .describe('the address people reach the crisiscx server at, for links in alerts; default: the server this pipeline runs (serve), else links are `crisiscx sql "..."` commands'),
    link_template: z
      .string()
      .default('{base_url}/?brand={brand}')
      .describe("how a link is made from the base URL: {base_url}, {brand}, {rule}, {key}, {sql} (the drill-down query); default: the brand's live page"),
    rules: z
      .strictObject({
        customer_silence: CustomerSilenceRule.prefault({}),
        brand_silence: BrandSilenceRule.prefault({}),
        spike: SpikeRule.prefault({}),
        promise: PromiseRule.prefault({}),
      })
      .prefault({}),
    view_thresholds: z.array(ViewThresholdRule).default([]),
    inhibit: z
      .array(InhibitRule)
      .default([{ source_rules: ['brand_silence', 'spike'], target_rules: ['customer_silence', 'customer_silence_warning', 'promise'], equal: ['brand'] }])
      .describe('while a brand-level alert fires, per-conversation alerts of that brand are held back (stored, not sent)'),
    sinks: z.array(SinkConfig).default([{ type: 'stdout', format: 'text' }]).describe('where notifications go; [] for nowhere'),
    max_alerts_listed: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(20)
      .describe(
        'most alerts a grouped notification lists one by one (newcomers first, then the longest firing, then the resolved); its count and summary cover all, `truncated` says how many were left out, so a page about 10,000 waiting customers stays small',
      ),
    replay_hold_secs: z
      .number()
      .min(0)
      .default(300)
      .describe('replays evaluate alerts this far behind the event-time watermark, so detections a detector decides late (a spike confirmed after its allowed lateness) still take their place in time'),
    restore_grace_secs: z
      .number()
      .min(0)
      .default(600)
      .describe('live restarts take back the alerts that were firing; those no detector confirms within this long resolve quietly (replays take them back too, and resolve those no detector reports with its first batch)'),
    drain_on_close_ms: z
      .number()
      .int()
      .min(0)
      .default(5000)
      .describe('on shutdown, how long to wait for sinks to finish sending'),
  })
  .superRefine((c, ctx) => {
    const names = new Set<string>([...BUILTIN_RULES, 'customer_silence_warning']);
    c.view_thresholds.forEach((r, i) => {
      if (names.has(r.name)) {
        ctx.addIssue({ code: 'custom', path: ['view_thresholds', i, 'name'], input: r.name, message: `"${r.name}" is already a rule name; choose another name` });
      }
      names.add(r.name);
    });
    c.inhibit.forEach((r, i) => {
      for (const field of ['source_rules', 'target_rules'] as const) {
        r[field].forEach((n, j) => {
          if (!names.has(n)) {
            ctx.addIssue({
              code: 'custom',
              path: ['inhibit', i, field, j],
              input: n,
              message: `unknown rule "${n}"; expected one of ${[...names].join(', ')}`,
            });
          }
        });
      }
    });
  });
export type AlertsConfig = z.output<typeof AlertsConfig>;
export type CustomerSilenceRule = z.output<typeof CustomerSilenceRule>;
export type DetectionRuleConfig = z.output<typeof BrandSilenceRule>;
