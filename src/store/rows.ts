/**
 * @module store/rows
 * How a canonical event becomes rows: one in `events` (the ledger, with raw JSON) and one in the
 * table of its type. Column names are the tables' own (sql/schema.sql). Columns are read straight
 * from the envelope by getters, so the hot path builds no intermediate row objects.
 */
import type { CanonicalEvent } from '../contract/events.js';
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

type Ev = Record<string, unknown>;
const field =
  (key: string) =>
  (env: Envelope): RowValue =>
    (env.event as Ev)[key] as RowValue;
const str =
  (key: string) =>
  (env: Envelope): RowValue => {
    const v = (env.event as Ev)[key];
    return typeof v === 'string' ? v : undefined;
  };

const common: Getters<Envelope> = {
  id: field('id'),
  ts: field('ts'),
  brand: field('brand'),
  source: field('source'),
};

/** `ingested_at` is set per batch through the getter's closure. */
export function ledgerGetters(ingestedAt: () => number): Getters<Envelope> {
  return {
    ...common,
    type: field('type'),
    conversation_id: str('conversationId'),
    customer_id: str('customerId'),
    origin: (env) => describeOrigin(env.origin),
    ingested_at: () => ingestedAt(),
    raw: (env) => env.raw,
  };
}

export const TYPED_GETTERS: Record<CanonicalEvent['type'], Getters<Envelope>> = {
  message: {
    ...common,
    conversation_id: field('conversationId'),
    channel: field('channel'),
    direction: field('direction'),
    customer_id: field('customerId'),
    agent_id: field('agentId'),
    text: field('text'),
    lang: field('lang'),
    public: field('public'),
    sentiment: field('sentiment'),
    upset: (env) => env.upset?.score,
    upset_label: (env) => env.upset?.label,
    lang_detected: (env) => env.upset?.lang,
  },
  ticket: {
    ...common,
    conversation_id: field('conversationId'),
    action: field('action'),
    severity: field('severity'),
    status: field('status'),
    customer_id: field('customerId'),
    channel: field('channel'),
    topic: field('topic'),
  },
  promise: {
    ...common,
    conversation_id: field('conversationId'),
    promise_id: field('promiseId'),
    action: field('action'),
    due_at: field('dueAt'),
    kind: field('kind'),
    agent_id: field('agentId'),
    text: field('text'),
  },
  broadcast: { ...common, channel: field('channel'), text: field('text'), incident_id: field('incidentId') },
  impact: { ...common, customer_id: field('customerId'), incident_id: field('incidentId'), severity: field('severity') },
  incident: { ...common, incident_id: field('incidentId'), action: field('action'), title: field('title'), severity: field('severity') },
  csat: { ...common, conversation_id: field('conversationId'), score: field('score'), customer_id: field('customerId') },
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
