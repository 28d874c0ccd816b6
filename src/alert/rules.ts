/**
 * @module alert/rules
 * From config and detections to the engine's terms: the rule settings (seconds → ms), and the
 * signals a detection stands for. A detection `firing` is a condition that holds, `resolved` one
 * that ended; a `warning` (before a silence breach) is its own `customer_silence_warning` alert
 * when the config asks for it, ended by the breach or the reply.
 */
import type { Detection } from '../pipeline/stage.js';
import { BUILTIN_RULES, type AlertsConfig, type DetectionRuleConfig, type ViewThresholdRule } from './config.js';
import type { InhibitSettings, RuleSettings, Signal } from './engine.js';

/** Detection kinds other names are accepted for. */
export const KIND_ALIASES: Record<string, string> = { silence: 'customer_silence' };

export const WARNING_SUFFIX = '_warning';

type LifecycleConfig = Pick<
  DetectionRuleConfig,
  | 'severity'
  | 'for_secs'
  | 'keep_firing_for_secs'
  | 'renotify_secs'
  | 'group_by'
  | 'group_wait_secs'
  | 'group_interval_secs'
  | 'notify'
  | 'notify_resolved'
  | 'resolve_after_secs'
>;

export function settingsOf(name: string, c: LifecycleConfig): RuleSettings {
  const s: RuleSettings = {
    name,
    forMs: c.for_secs * 1000,
    keepFiringForMs: c.keep_firing_for_secs * 1000,
    renotifyMs: c.renotify_secs * 1000,
    groupBy: c.group_by,
    groupWaitMs: c.group_wait_secs * 1000,
    groupIntervalMs: c.group_interval_secs * 1000,
    notify: c.notify,
    notifyResolved: c.notify_resolved,
  };
  if (c.severity) s.severity = c.severity;
  if (c.resolve_after_secs !== undefined) s.resolveAfterMs = c.resolve_after_secs * 1000;
  return s;
}

export function ruleSettings(config: AlertsConfig): RuleSettings[] {
  const out: RuleSettings[] = [];
  for (const name of BUILTIN_RULES) {
    const c = config.rules[name];
    if (!c.enabled) continue;
    out.push(settingsOf(name, c));
  }
  const cs = config.rules.customer_silence;
  if (cs.enabled && cs.warnings !== 'ignore') {
    out.push({ ...settingsOf(`customer_silence${WARNING_SUFFIX}`, cs), severity: 'info', forMs: 0, keepFiringForMs: 0, notify: cs.warnings === 'notify' });
  }
  for (const v of config.view_thresholds) if (v.enabled) out.push(settingsOf(v.name, v));
  return out;
}

export function inhibitSettings(config: AlertsConfig): InhibitSettings[] {
  return config.inhibit.map((r) => ({ sourceRules: r.source_rules, targetRules: r.target_rules, equal: r.equal }));
}

/** The rule config of a rule name (built-in, warning or view threshold). */
export function ruleConfig(config: AlertsConfig, rule: string): DetectionRuleConfig | ViewThresholdRule | undefined {
  const base = rule.endsWith(WARNING_SUFFIX) ? rule.slice(0, -WARNING_SUFFIX.length) : rule;
  if ((BUILTIN_RULES as readonly string[]).includes(base)) return config.rules[base as (typeof BUILTIN_RULES)[number]];
  return config.view_thresholds.find((v) => v.name === rule);
}

/** The signals one detection stands for. */
export function detectionSignals(d: Detection, warnings: 'ignore' | 'store' | 'notify'): Signal[] {
  const rule = KIND_ALIASES[d.kind] ?? d.kind;
  const labels = { ...d.labels };
  // Silences are keyed brand|conversation; the conversation is what a person looks up.
  if (rule === 'customer_silence' && labels.conversation_id === undefined) {
    const conv = labels.conversation ?? (d.key.startsWith(`${d.brand}|`) ? d.key.slice(d.brand.length + 1) : undefined);
    if (conv !== undefined) labels.conversation_id = conv;
  }
  const base: Signal = { rule, key: d.key, brand: d.brand, active: true, at: d.at, severity: d.severity, summary: d.summary, labels, values: { ...d.values } };
  if (d.handover) return [{ ...base, active: d.state !== 'resolved', handover: d.handover }];
  const warningRule = `${rule}${WARNING_SUFFIX}`;
  const withWarnings = rule === 'customer_silence' && warnings !== 'ignore';
  switch (d.state) {
    case 'firing':
      return withWarnings ? [{ ...base, rule: warningRule, active: false }, base] : [base];
    case 'resolved':
      return withWarnings ? [{ ...base, rule: warningRule, active: false }, { ...base, active: false }] : [{ ...base, active: false }];
    case 'warning':
      return withWarnings ? [{ ...base, rule: warningRule, severity: 'info' }] : [];
  }
}
