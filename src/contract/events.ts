/**
 * @module contract/events
 * The crisiscx event contract (../shared/EVENTS.md, version 1) as zod schemas: the one source of
 * truth for both the TypeScript types and the validation every source goes through.
 *
 * @example
 * const r = EventSchema.safeParse(JSON.parse(line));
 * if (r.success) use(r.data); // r.data.ts is epoch milliseconds (UTC)
 */
import { z } from 'zod';

export const CONTRACT_VERSION = 1;

export const EVENT_TYPES = ['message', 'ticket', 'promise', 'broadcast', 'impact', 'incident', 'csat'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const MESSAGE_CHANNELS = ['ticket', 'chat', 'social', 'email', 'sms', 'voice'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];
export const BROADCAST_CHANNELS = ['social', 'status_page', 'email', 'sms', 'web'] as const;
export const SEVERITIES = ['critical', 'high', 'normal', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const TICKET_ACTIONS = ['opened', 'updated', 'solved', 'reopened', 'closed'] as const;
export const PROMISE_ACTIONS = ['made', 'kept', 'cancelled'] as const;
export const PROMISE_KINDS = ['callback', 'refund', 'fix', 'update', 'other'] as const;
export type PromiseKind = (typeof PROMISE_KINDS)[number];
export const INCIDENT_ACTIONS = ['declared', 'resolved'] as const;

export const MAX_TEXT_CHARS = 100_000;

/** ISO 8601 with an explicit offset: 2026-03-14T10:00:00Z, 2026-03-14T15:30:00.250+05:30. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Earliest and latest event time accepted: anything outside is a clock or unit error upstream. */
export const MIN_TS_MS = Date.UTC(2000, 0, 1);
export const MAX_TS_MS = Date.UTC(2100, 0, 1);

/** Parses an event time (ISO string with offset, or epoch milliseconds) to epoch ms, or explains why not. */
export function parseEventTime(value: unknown): { ok: true; ms: number } | { ok: false; reason: string } {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: `expected epoch milliseconds, got ${String(value)}` };
    ms = value;
    if (Math.abs(ms) < 1e11 && ms !== 0) {
      // 1e11 ms is 1973; a value this small is almost always epoch *seconds*.
      return { ok: false, reason: `epoch value ${value} looks like seconds; send milliseconds (${value * 1000})` };
    }
  } else if (typeof value === 'string') {
    if (!ISO_WITH_OFFSET.test(value)) {
      return {
        ok: false,
        reason: `expected an ISO 8601 time with an offset like "2026-03-14T10:00:00Z", got ${JSON.stringify(value.slice(0, 60))}`,
      };
    }
    ms = Date.parse(value);
    if (Number.isNaN(ms) || !calendarDay(value)) return { ok: false, reason: `not a valid date: ${JSON.stringify(value.slice(0, 60))}` };
  } else if (value === undefined) {
    return { ok: false, reason: 'is required (an ISO 8601 time with offset, or epoch milliseconds)' };
  } else {
    return { ok: false, reason: `expected an ISO 8601 string or epoch milliseconds, got ${describe(value)}` };
  }
  if (ms < MIN_TS_MS || ms >= MAX_TS_MS) {
    // Beyond ±8.64e15 ms there is no Date to show (toISOString would throw): show the number.
    const shown = Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`;
    return { ok: false, reason: `time ${shown} is outside the accepted range 2000-01-01 .. 2100-01-01` };
  }
  return { ok: true, ms };
}

/** Date.parse rolls "2025-02-29" or "2026-04-31" over into the next month; the contract does not. */
function calendarDay(iso: string): boolean {
  const y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  const d = Number(iso.slice(8, 10));
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Event time: validated and turned into epoch milliseconds. */
export const EventTime = z.unknown().transform((v, ctx) => {
  const r = parseEventTime(v);
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: r.reason, input: v });
    return z.NEVER;
  }
  return r.ms;
});

const Id = z.string().min(1).max(200);
const Str = z.string().max(1000);

const Envelope = {
  id: Id,
  ts: EventTime,
  brand: z.string().min(1).max(200).default('default'),
  source: Str.optional(),
};

export const MessageEvent = z.looseObject({
  ...Envelope,
  type: z.literal('message'),
  conversationId: Id,
  channel: z.enum(MESSAGE_CHANNELS),
  direction: z.enum(['inbound', 'outbound']),
  customerId: Id.optional(),
  agentId: Id.optional(),
  text: z.string().max(MAX_TEXT_CHARS).optional(),
  lang: z.string().min(1).max(35).optional(),
  public: z.boolean().default(true),
  sentiment: z.number().min(-1).max(1).optional(),
});

export const TicketEvent = z.looseObject({
  ...Envelope,
  type: z.literal('ticket'),
  conversationId: Id,
  action: z.enum(TICKET_ACTIONS),
  severity: z.enum(SEVERITIES).optional(),
  status: Str.optional(),
  customerId: Id.optional(),
  channel: z.enum(MESSAGE_CHANNELS).optional(),
  topic: Str.optional(),
});

export const PromiseEvent = z
  .looseObject({
    ...Envelope,
    type: z.literal('promise'),
    conversationId: Id,
    promiseId: Id,
    action: z.enum(PROMISE_ACTIONS),
    dueAt: EventTime.optional(),
    kind: z.enum(PROMISE_KINDS).optional(),
    agentId: Id.optional(),
    text: z.string().max(MAX_TEXT_CHARS).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.action === 'made' && e.dueAt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['dueAt'], message: 'required when action is "made"' });
    }
  });

export const BroadcastEvent = z.looseObject({
  ...Envelope,
  type: z.literal('broadcast'),
  channel: z.enum(BROADCAST_CHANNELS),
  text: z.string().max(MAX_TEXT_CHARS).optional(),
  incidentId: Id.optional(),
});

export const ImpactEvent = z.looseObject({
  ...Envelope,
  type: z.literal('impact'),
  customerId: Id,
  incidentId: Id.optional(),
  severity: z.enum(SEVERITIES).optional(),
});

export const IncidentEvent = z.looseObject({
  ...Envelope,
  type: z.literal('incident'),
  incidentId: Id,
  action: z.enum(INCIDENT_ACTIONS),
  title: Str.optional(),
  severity: z.enum(SEVERITIES).optional(),
});

export const CsatEvent = z.looseObject({
  ...Envelope,
  type: z.literal('csat'),
  conversationId: Id,
  score: z.number().int().min(1).max(5),
  customerId: Id.optional(),
});

export const EventSchema = z.discriminatedUnion('type', [
  MessageEvent,
  TicketEvent,
  PromiseEvent,
  BroadcastEvent,
  ImpactEvent,
  IncidentEvent,
  CsatEvent,
]);

/** A canonical event as validated (ts and dueAt are epoch milliseconds, UTC). */
export type CanonicalEvent = z.output<typeof EventSchema>;
/** What producers send (ts may be an ISO string). */
export type EventInput = z.input<typeof EventSchema>;

export type MessageEvent = z.output<typeof MessageEvent>;
export type TicketEvent = z.output<typeof TicketEvent>;
export type PromiseEvent = z.output<typeof PromiseEvent>;
export type BroadcastEvent = z.output<typeof BroadcastEvent>;
export type ImpactEvent = z.output<typeof ImpactEvent>;
export type IncidentEvent = z.output<typeof IncidentEvent>;
export type CsatEvent = z.output<typeof CsatEvent>;

/** The Kafka message key the contract prescribes: conversationId, else customerId, else id. */
export function eventKey(e: { id: string; conversationId?: unknown; customerId?: unknown }): string {
  if (typeof e.conversationId === 'string') return e.conversationId;
  if (typeof e.customerId === 'string') return e.customerId;
  return e.id;
}
