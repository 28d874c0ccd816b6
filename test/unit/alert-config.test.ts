import { describe, expect, it } from 'vitest';
import { AlertsConfig } from '../../src/alert/config.js';
import { inhibitSettings, ruleSettings } from '../../src/alert/rules.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';

describe('alerts config', () => {
  it('defaults: every detector rule on, pages at once, re-notifies hourly, brand-level alerts hold back per-conversation pages, stdout', () => {
    const a = parsePipelineConfig({}).alerts;
    expect(a.sinks).toEqual([{ type: 'stdout', format: 'text' }]);
    expect(a.notify_replays).toBe(false);
    expect(a.rules.customer_silence).toMatchObject({ enabled: true, for_secs: 0, group_wait_secs: 0, group_interval_secs: 300, renotify_secs: 3600, warnings: 'ignore' });
    expect(a.rules.spike.keep_firing_for_secs).toBe(300);
    expect(inhibitSettings(a)).toEqual([{ sourceRules: ['brand_silence', 'spike'], targetRules: ['customer_silence', 'customer_silence_warning', 'promise'], equal: ['brand'] }]);
    expect(ruleSettings(a).map((r) => r.name)).toEqual(['customer_silence', 'brand_silence', 'spike', 'promise']);
  });

  it('turns seconds into the engine\'s milliseconds, and makes warning alerts only when asked', () => {
    const a = AlertsConfig.parse({
      rules: { customer_silence: { for_secs: 30, keep_firing_for_secs: 60, warnings: 'store' }, promise: { enabled: false } },
      view_thresholds: [{ name: 'open_silences', query: 'SELECT count(*) AS value FROM silence_gaps WHERE open', threshold: 50, severity: 'critical' }],
    });
    const rules = ruleSettings(a);
    expect(rules.map((r) => r.name)).toEqual(['customer_silence', 'brand_silence', 'spike', 'customer_silence_warning', 'open_silences']);
    expect(rules[0]).toMatchObject({ forMs: 30_000, keepFiringForMs: 60_000, groupIntervalMs: 300_000, renotifyMs: 3_600_000 });
    expect(rules[3]).toMatchObject({ severity: 'info', forMs: 0, notify: false });
    expect(rules[4]).toMatchObject({ severity: 'critical', forMs: 0 });
  });

  it.each([
    [{ rules: { customer_silence: { for: 5 } } }, 'x.yaml: alerts.rules.customer_silence: unknown keys for.'],
    [{ rules: { spike: { for_secs: -1 } } }, 'x.yaml: alerts.rules.spike.for_secs: must be at least 0, got -1.'],
    [
      { inhibit: [{ source_rules: ['brand_silense'], target_rules: ['customer_silence'] }] },
      'x.yaml: alerts.inhibit.0.source_rules.0: unknown rule "brand_silense"; expected one of customer_silence, brand_silence, spike, promise, customer_silence_warning.',
    ],
    [{ view_thresholds: [{ name: 'spike', query: 'SELECT 1 AS value', threshold: 1 }] }, 'x.yaml: alerts.view_thresholds.0.name: "spike" is already a rule name; choose another name.'],
    [{ view_thresholds: [{ name: 'Open Silences', query: 'SELECT 1 AS value', threshold: 1 }] }, 'alerts.view_thresholds.0.name: must be snake_case'],
    [{ view_thresholds: [{ name: 'x', query: 'SELECT 1 AS value' }] }, 'alerts.view_thresholds.0.threshold: is required (number)'],
    [{ sinks: [{ type: 'slack' }] }, 'x.yaml: alerts.sinks.0.type: expected "stdout", "webhook", "alertmanager" or "kafka", got "slack".'],
    [{ sinks: [{ type: 'webhook', url: 'http://a', url_from_env: 'HOOK' }] }, 'x.yaml: alerts.sinks.0: set exactly one of url and url_from_env.'],
    [{ sinks: [{ type: 'alertmanager', url: 'localhost:9093' }] }, 'x.yaml: alerts.sinks.0.url: expected a URL such as http://127.0.0.1:9093, got "localhost:9093".'],
    [{ sinks: [{ type: 'webhook', url: 'https://hooks.example/x', timeout_ms: 0 }] }, 'alerts.sinks.0.timeout_ms: must be at least'],
  ])('rejects %j and says where and what', (alerts, message) => {
    expect(() => parsePipelineConfig({ alerts }, 'x.yaml')).toThrow(message);
  });
});
