/**
 * @module store/rows
 * How a canonical event becomes rows: one in `events` (the ledger, with raw JSON) and one in the
 * table of its type. Column names are the tables' own (sql/schema.sql).
 */
import type { CanonicalEvent } from '../contract/events.js';
import { describeOrigin, type DeadLetter, type Envelope } from '../contract/records.js';

export type RowValue = string | number | boolean | bigint | Buffer | null | undefined;
export type TableRow = Record<string, RowValue>;

export const TYPE_TABLE: Record<CanonicalEvent['type'], string> = {
  message: 'messages',
  ticket: 'tickets',
  promise: 'promises',
  broadcast: 'broadcasts',
  impact: 'impacts',
  incident: 'incidents',
  csat: 'csat',
};

function optionalString(e: CanonicalEvent, key: 'conversationId' | 'customerId'): string | undefined {
  const v = (e as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

export function ledgerRow(env: Envelope, ingestedAt: number): TableRow {
  const e = env.event;
  return {
    id: e.id,
    type: e.type,
    ts: e.ts,
    brand: e.brand,
    source: e.source,
    conversation_id: optionalString(e, 'conversationId'),
    customer_id: optionalString(e, 'customerId'),
    origin: describeOrigin(env.origin),
    ingested_at: ingestedAt,
    raw: env.raw,
  };
}

export function typedRow(env: Envelope): TableRow {
  const e = env.event;
  const base = { id: e.id, ts: e.ts, brand: e.brand, source: e.source };
  switch (e.type) {
    case 'message':
      return {
        ...base,
        conversation_id: e.conversationId,
        channel: e.channel,
        direction: e.direction,
        customer_id: e.customerId,
        agent_id: e.agentId,
        text: e.text,
        lang: e.lang,
        public: e.public,
        sentiment: e.sentiment,
        upset: env.upset?.score,
        upset_label: env.upset?.label,
        lang_detected: env.upset?.lang,
      };
    case 'ticket':
      return {
        ...base,
        conversation_id: e.conversationId,
        action: e.action,
        severity: e.severity,
        status: e.status,
        customer_id: e.customerId,
        channel: e.channel,
        topic: e.topic,
      };
    case 'promise':
      return {
        ...base,
        conversation_id: e.conversationId,
        promise_id: e.promiseId,
        action: e.action,
        due_at: e.dueAt,
        kind: e.kind,
        agent_id: e.agentId,
        text: e.text,
      };
    case 'broadcast':
      return { ...base, channel: e.channel, text: e.text, incident_id: e.incidentId };
    case 'impact':
      return { ...base, customer_id: e.customerId, incident_id: e.incidentId, severity: e.severity };
    case 'incident':
      return { ...base, incident_id: e.incidentId, action: e.action, title: e.title, severity: e.severity };
    case 'csat':
      return { ...base, conversation_id: e.conversationId, score: e.score, customer_id: e.customerId };
  }
}

export function deadLetterRow(d: DeadLetter): TableRow {
  const o = d.origin;
  return {
    id: d.id,
    received_at: d.receivedAt,
    stage: d.stage,
    format: d.format,
    reason: d.reason,
    source_kind: o.kind,
    source_name: o.name,
    line: o.kind === 'kafka' ? undefined : o.line,
    kafka_partition: o.kind === 'kafka' ? o.partition : undefined,
    kafka_offset: o.kind === 'kafka' ? BigInt(o.offset) : undefined,
    raw: d.raw,
    raw_bytes: d.raw.length,
  };
}
