/**
 * @module normalize/fast-path
 * A cheap check of the common event shape that returns exactly what `EventSchema.safeParse` would
 * (same values, same keys in the same order, defaults filled), or `undefined` whenever it is not
 * certain: the caller then runs zod, which also writes the reasons for refusals. So the contract's
 * behaviour stays zod's; this only skips zod's generic machinery (about half of the normalizer's
 * CPU at a million events) for the events that are plainly valid.
 *
 * Each field's rule below mirrors src/contract/events.ts. Keys and their order are taken from the
 * zod schemas at load, and a type whose keys differ from the rules here is never fast-pathed, so a
 * field added to the contract without a rule here costs speed, never correctness. The property test
 * (test/unit/normalize-fast-path.test.ts) compares both on random and hostile input.
 *
 * @example
 * const event = fastParse(value) ?? EventSchema.safeParse(value);
 */
import {
  BROADCAST_CHANNELS,
  BroadcastEvent,
  CsatEvent,
  INCIDENT_ACTIONS,
  ImpactEvent,
  IncidentEvent,
  MAX_TEXT_CHARS,
  MESSAGE_CHANNELS,
  MessageEvent,
  PROMISE_ACTIONS,
  PROMISE_KINDS,
  PromiseEvent,
  SEVERITIES,
  TICKET_ACTIONS,
  TicketEvent,
  parseEventTime,
  type CanonicalEvent,
} from '../contract/events.js';

/** Returns the field's output value, or NO when only zod can say (invalid or unusual). */
type Rule = (v: unknown) => unknown;
const NO = Symbol('no');

interface Field {
  key: string;
  rule: Rule;
  /** Output when the key is absent: a default value, OPTIONAL (key left out) or REQUIRED (zod decides). */
  absent: unknown;
}
const OPTIONAL = Symbol('optional');
const REQUIRED = Symbol('required');

const str =
  (min: number, max: number): Rule =>
  (v) =>
    typeof v === 'string' && v.length >= min && v.length <= max ? v : NO;
const oneOf = (values: readonly string[]): Rule => {
  const set = new Set(values);
  return (v) => (typeof v === 'string' && set.has(v) ? v : NO);
};
const literal =
  (value: string): Rule =>
  (v) =>
    v === value ? v : NO;
const time: Rule = (v) => {
  const r = parseEventTime(v);
  return r.ok ? r.ms : NO;
};
const id = str(1, 200);
const short = str(0, 1000);
const text = str(0, MAX_TEXT_CHARS);

const req = (key: string, rule: Rule): Field => ({ key, rule, absent: REQUIRED });
const opt = (key: string, rule: Rule): Field => ({ key, rule, absent: OPTIONAL });
const dflt = (key: string, rule: Rule, value: unknown): Field => ({ key, rule, absent: value });

const envelope = [req('id', id), req('ts', time), dflt('brand', str(1, 200), 'default'), opt('source', short)];

/** The rules per type, keyed as the contract's schemas (order comes from the schemas). */
const RULES: Record<CanonicalEvent['type'], { schema: { shape: Record<string, unknown> }; fields: Field[] }> = {
  message: {
    schema: MessageEvent,
    fields: [
      ...envelope,
      req('type', literal('message')),
      req('conversationId', id),
      req('channel', oneOf(MESSAGE_CHANNELS)),
      req('direction', oneOf(['inbound', 'outbound'])),
      opt('customerId', id),
      opt('agentId', id),
      opt('text', text),
      opt('lang', str(1, 35)),
      dflt('public', (v) => (typeof v === 'boolean' ? v : NO), true),
      opt('sentiment', (v) => (typeof v === 'number' && v >= -1 && v <= 1 ? v : NO)),
    ],
  },
  ticket: {
    schema: TicketEvent,
    fields: [
      ...envelope,
      req('type', literal('ticket')),
      req('conversationId', id),
      req('action', oneOf(TICKET_ACTIONS)),
      opt('severity', oneOf(SEVERITIES)),
      opt('status', short),
      opt('customerId', id),
      opt('channel', oneOf(MESSAGE_CHANNELS)),
      opt('topic', short),
    ],
  },
  promise: {
    // A refined schema: its shape is the inner object's.
    schema: PromiseEvent,
    fields: [
      ...envelope,
      req('type', literal('promise')),
      req('conversationId', id),
      req('promiseId', id),
      req('action', oneOf(PROMISE_ACTIONS)),
      opt('dueAt', time),
      opt('kind', oneOf(PROMISE_KINDS)),
      opt('agentId', id),
      opt('text', text),
    ],
  },
  broadcast: {
    schema: BroadcastEvent,
    fields: [...envelope, req('type', literal('broadcast')), req('channel', oneOf(BROADCAST_CHANNELS)), opt('text', text), opt('incidentId', id)],
  },
  impact: {
    schema: ImpactEvent,
    fields: [...envelope, req('type', literal('impact')), req('customerId', id), opt('incidentId', id), opt('severity', oneOf(SEVERITIES))],
  },
  incident: {
    schema: IncidentEvent,
    fields: [
      ...envelope,
      req('type', literal('incident')),
      req('incidentId', id),
      req('action', oneOf(INCIDENT_ACTIONS)),
      opt('title', short),
      opt('severity', oneOf(SEVERITIES)),
    ],
  },
  csat: {
    schema: CsatEvent,
    fields: [
      ...envelope,
      req('type', literal('csat')),
      req('conversationId', id),
      req('score', (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= 5 ? v : NO)),
      opt('customerId', id),
    ],
  },
};

interface Plan {
  fields: Field[];
  keys: Set<string>;
  /** `promise`: dueAt is required when the action is `made` (the schema's refinement). */
  promise: boolean;
}

/** The rules in the schema's key order; none for a type whose keys the rules do not match. */
function plan(type: CanonicalEvent['type']): Plan | undefined {
  const { schema, fields } = RULES[type];
  const order = Object.keys(schema.shape);
  const byKey = new Map(fields.map((f) => [f.key, f]));
  if (order.length !== fields.length || !order.every((k) => byKey.has(k))) return undefined;
  return { fields: order.map((k) => byKey.get(k)!), keys: new Set(order), promise: type === 'promise' };
}

const PLANS = new Map<unknown, Plan>();
for (const type of Object.keys(RULES) as CanonicalEvent['type'][]) {
  const p = plan(type);
  if (p) PLANS.set(type, p);
}

/** Whether every type has a fast path (false means the contract changed without this module). */
export function fastPathCoversContract(): boolean {
  return PLANS.size === Object.keys(RULES).length;
}

/**
 * The event zod would return for `value`, when `value` is a plain object that is plainly valid;
 * otherwise `undefined` (run zod).
 */
export function fastParse(value: unknown): CanonicalEvent | undefined {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const input = value as Record<string, unknown>;
  const p = PLANS.get(input.type);
  if (!p) return undefined;
  const out: Record<string, unknown> = {};
  for (const f of p.fields) {
    const v = input[f.key];
    if (v === undefined) {
      // Absent (or an own `undefined`, which zod treats apart: leave it to zod).
      if (f.absent === REQUIRED || Object.hasOwn(input, f.key)) return undefined;
      if (f.absent !== OPTIONAL) out[f.key] = f.absent;
      continue;
    }
    const r = f.rule(v);
    if (r === NO) return undefined;
    out[f.key] = r;
  }
  if (p.promise && out.action === 'made' && out.dueAt === undefined) return undefined;
  // Unknown fields are kept, in the input's order, as zod's loose objects keep them.
  for (const key in input) {
    if (p.keys.has(key)) continue;
    const v = input[key];
    if (v === undefined || key === '__proto__') return undefined;
    out[key] = v;
  }
  return out as CanonicalEvent;
}
