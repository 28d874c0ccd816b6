/**
 * @module store/rows
 * How a canonical event becomes rows: one in `events` (the ledger, with raw JSON) and one in the
 * table of its type. Column names are the tables' own (sql/schema.sql). Columns are read straight
 * from the envelope by getters, so the hot path builds no intermediate row objects.
 */
import type { BroadcastEvent, CanonicalEvent, CsatEvent, ImpactEvent, IncidentEvent, MessageEvent, PromiseEvent, TicketEvent } from '../contract/events.js';
import { describeOrigin, type DeadLetter, type Envelope } from '../contract/records.js';

export type RowValue = string | number | boolean | bigint | Buffer | null | undefined;
export type TableRow = Record<string, RowValue>;
/** Reads one column's value from an item; missing columns are NULL. */
export type Getters<T> = Record<string, (item: T) => RowValue>;

export const TYPE_TABLE: Record<CanonicalEvent['type'], string> = {
  message: 'messages',
  ticket: 'tickets',
  promise: 'promises',
  broadcast: 'broadcasts',
  impact: 'impacts',
  incident: 'incidents',
  csat: 'csat',
};

// Each column reads its property by name at its own site (not through one shared keyed read):
// V8 then caches each site for the few shapes it sees, which matters at millions of rows.
const str = (v: unknown): RowValue => (typeof v === 'string' ? v : undefined);
const msg = (env: Envelope) => env.event as MessageEvent;
const tkt = (env: Envelope) => env.event as TicketEvent;
const prm = (env: Envelope) => env.event as PromiseEvent;
const bc = (env: Envelope) => env.event as BroadcastEvent;
const imp = (env: Envelope) => env.event as ImpactEvent;
const inc = (env: Envelope) => env.event as IncidentEvent;
const cst = (env: Envelope) => env.event as CsatEvent;

const common: Getters<Envelope> = {
  id: (env) => env.event.id,
  ts: (env) => env.event.ts,
  brand: (env) => env.event.brand,
  source: (env) => env.event.source,
};

/** `ingested_at` is set per batch through the getter's closure. */
export function ledgerGetters(ingestedAt: () => number): Getters<Envelope> {
  return {
    ...common,
    type: (env) => env.event.type,
    conversation_id: (env) => str((env.event as { conversationId?: unknown }).conversationId),
    customer_id: (env) => str((env.event as { customerId?: unknown }).customerId),
    origin: (env) => describeOrigin(env.origin),
    ingested_at: () => ingestedAt(),
    // The input line's bytes when there are (no second UTF-8 encoding of the string).
    raw: (env) => env.rawBytes ?? env.raw,
  };
}

export const TYPED_GETTERS: Record<CanonicalEvent['type'], Getters<Envelope>> = {
  message: {
    ...common,
    conversation_id: (env) => msg(env).conversationId,
    channel: (env) => msg(env).channel,
    direction: (env) => msg(env).direction,
    customer_id: (env) => msg(env).customerId,
    agent_id: (env) => msg(env).agentId,
    text: (env) => msg(env).text,
    lang: (env) => msg(env).lang,
    public: (env) => msg(env).public,
    sentiment: (env) => msg(env).sentiment,
    upset: (env) => env.upset?.score,
    upset_label: (env) => env.upset?.label,
    lang_detected: (env) => env.upset?.lang,
  },
  ticket: {
    ...common,
    conversation_id: (env) => tkt(env).conversationId,
    action: (env) => tkt(env).action,
    severity: (env) => tkt(env).severity,
    status: (env) => tkt(env).status,
    customer_id: (env) => tkt(env).customerId,
    channel: (env) => tkt(env).channel,
    topic: (env) => tkt(env).topic,
  },
  promise: {
    ...common,
    conversation_id: (env) => prm(env).conversationId,
    promise_id: (env) => prm(env).promiseId,
    action: (env) => prm(env).action,
    due_at: (env) => prm(env).dueAt,
    kind: (env) => prm(env).kind,
    agent_id: (env) => prm(env).agentId,
    text: (env) => prm(env).text,
  },
  broadcast: { ...common, channel: (env) => bc(env).channel, text: (env) => bc(env).text, incident_id: (env) => bc(env).incidentId },
  impact: { ...common, customer_id: (env) => imp(env).customerId, incident_id: (env) => imp(env).incidentId, severity: (env) => imp(env).severity },
  incident: {
    ...common,
    incident_id: (env) => inc(env).incidentId,
    action: (env) => inc(env).action,
    title: (env) => inc(env).title,
    severity: (env) => inc(env).severity,
  },
  csat: { ...common, conversation_id: (env) => cst(env).conversationId, score: (env) => cst(env).score, customer_id: (env) => cst(env).customerId },
};

export const DEAD_LETTER_GETTERS: Getters<DeadLetter> = {
  id: (d) => d.id,
  received_at: (d) => d.receivedAt,
  stage: (d) => d.stage,
  format: (d) => d.format,
  reason: (d) => d.reason,
  source_kind: (d) => d.origin.kind,
  source_name: (d) => d.origin.name,
  line: (d) => (d.origin.kind === 'kafka' ? undefined : d.origin.line),
  kafka_partition: (d) => (d.origin.kind === 'kafka' ? d.origin.partition : undefined),
  kafka_offset: (d) => (d.origin.kind === 'kafka' ? BigInt(d.origin.offset) : undefined),
  raw: (d) => d.raw,
  raw_bytes: (d) => d.raw.length,
};
