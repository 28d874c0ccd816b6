/**
 * @module normalize/adapters/intercom
 * Intercom conversation webhooks (`notification_event` with `topic` and `data.item`, a
 * conversation): created, user and admin replies, notes, closes and reopens, priority changes and
 * ratings. Mapping table: docs/adapters.md#intercom.
 *
 * Messages take the ids of Intercom's conversation parts, which every notification that carries a
 * part repeats, so retried deliveries and overlapping topics store each part once.
 *
 * @example
 * const a = intercom({ brand: 'acme' });
 * a.map({ type: 'notification_event', topic: 'conversation.user.replied', data: { item: conv } }, rec);
 */
import type { Adapter, AdapterFactory, AdapterResult } from './adapter.js';
import { compact, describe, htmlToText, idOf, isObject, kindOf, obj, timeOf, type Json } from './fields.js';

const BRAND_AUTHORS = new Set(['admin', 'bot', 'team', 'operator']);
const CUSTOMER_AUTHORS = new Set(['user', 'lead', 'contact']);
/** Parts that are internal notes, never seen by the customer. */
const NOTE_PARTS = new Set(['note', 'note_and_reopen']);
/** Topics about the conversation object that carry nothing to map (parts are still read). */
const SKIPPED_TOPICS = new Set(['conversation.deleted', 'conversation.read', 'conversation.contact.attached', 'conversation.contact.detached']);

/** The conversation's first message (`source.type`) to a channel. */
export function intercomChannel(sourceType: unknown): string {
  const t = typeof sourceType === 'string' ? sourceType.toLowerCase() : '';
  if (t === 'email') return 'email';
  if (t === 'twitter' || t === 'facebook' || t === 'instagram') return 'social';
  if (t === 'sms') return 'sms';
  if (t === 'phone_call' || t === 'call' || t === 'phone') return 'voice';
  return 'chat';
}

export const intercom: AdapterFactory = (options): Adapter => {
  const base = (id: string, ts: number): Json => compact({ id, ts, brand: options.brand, source: 'intercom' });

  function map(n: Json): AdapterResult {
    const topic = n.topic;
    if (typeof topic !== 'string') {
      return { error: `no "topic": expected an Intercom webhook notification (type "notification_event", topic, data.item); check the --format of this input` };
    }
    if (!topic.startsWith('conversation.') || SKIPPED_TOPICS.has(topic)) return { events: [] }; // contacts, companies, tickets, ping
    const item = obj(obj(n.data).item);
    const conv = idOf(item.id);
    if (!conv) return { error: `${topic}: data.item.id is ${describe(item.id)}, expected the conversation id` };
    const conversationId = `intercom:${conv}`;
    const src = obj(item.source);
    const channel = intercomChannel(src.type);
    const contacts = obj(item.contacts).contacts;
    const contact = idOf(Array.isArray(contacts) ? obj(contacts[0]).id : undefined) ?? idOf(obj(item.user).id);
    const customerId = contact ? `intercom:contact:${contact}` : undefined;
    const events: Json[] = [];

    const msg = (id: string, part: Json, where: string): { event: Json } | { error: string } => {
      const author = obj(part.author);
      const type = String(author.type ?? '').toLowerCase();
      const inbound = CUSTOMER_AUTHORS.has(type);
      if (!inbound && !BRAND_AUTHORS.has(type)) return { error: `${where}: author.type ${describe(author.type)} is not user, lead, contact, admin, bot or team` };
      const t = timeOf(part.created_at ?? item.created_at);
      if ('error' in t) return { error: `${where}: created_at: ${t.error}` };
      const authorId = idOf(author.id);
      const isNote = NOTE_PARTS.has(String(part.part_type ?? ''));
      return {
        event: compact({
          ...base(id, t.ms),
          type: 'message',
          conversationId,
          channel,
          direction: inbound ? 'inbound' : 'outbound',
          customerId: inbound && authorId ? `intercom:contact:${authorId}` : customerId,
          agentId: !inbound && authorId ? `intercom:admin:${authorId}` : undefined,
          text: typeof part.body === 'string' ? htmlToText(part.body) || undefined : undefined,
          public: !isNote,
        }),
      };
    };

    if (topic === 'conversation.user.created' || topic === 'conversation.admin.single.created') {
      const t = timeOf(item.created_at);
      if ('error' in t) return { error: `${topic}: data.item.created_at: ${t.error}` };
      // Only a customer's conversation opens a case; an admin's outreach is a message.
      if (topic === 'conversation.user.created') {
        events.push(compact({ ...base(`intercom:conversation:${conv}:opened`, t.ms), type: 'ticket', conversationId, action: 'opened', severity: severityOf(item.priority), status: stateOf(item), customerId, channel }));
      }
      const srcId = idOf(src.id);
      if (srcId && typeof src.body === 'string') {
        const r = msg(`intercom:source:${srcId}`, { ...src, created_at: src.created_at ?? item.created_at }, `conversation ${conv} source`);
        if ('error' in r) return r;
        events.push(r.event);
      }
    }

    const partsList = obj(item.conversation_parts).conversation_parts;
    const parts = Array.isArray(partsList) ? partsList : [];
    for (const p of parts) {
      if (!isObject(p)) return { error: `conversation ${conv}: a conversation part is ${kindOf(p)}` };
      const partId = idOf(p.id);
      if (!partId) return { error: `conversation ${conv}: a part has id ${describe(p.id)}` };
      const partType = String(p.part_type ?? '');
      const body = typeof p.body === 'string' ? htmlToText(p.body) : '';
      if (body !== '' || partType === 'comment' || NOTE_PARTS.has(partType)) {
        const r = msg(`intercom:part:${partId}`, p, `conversation ${conv} part ${partId}`);
        if ('error' in r) return r;
        events.push(r.event);
      }
      const action = partType === 'close' ? 'closed' : partType === 'open' || partType.endsWith('_and_reopen') ? 'reopened' : undefined;
      if (action) {
        const t = timeOf(p.created_at);
        if ('error' in t) return { error: `conversation ${conv} part ${partId}: created_at: ${t.error}` };
        events.push(compact({ ...base(`intercom:part:${partId}:${action}`, t.ms), type: 'ticket', conversationId, action, status: action === 'closed' ? 'closed' : 'open', customerId }));
      }
    }

    if (topic === 'conversation.admin.closed' && !parts.some((p) => obj(p).part_type === 'close')) {
      // A close without its part (older payloads): the notification is the only trace.
      const t = timeOf(item.updated_at ?? n.created_at);
      if ('error' in t) return { error: `${topic}: updated_at: ${t.error}` };
      events.push(compact({ ...base(`intercom:notification:${idOf(n.id) ?? `${conv}:${t.ms}`}`, t.ms), type: 'ticket', conversationId, action: 'closed', status: 'closed', customerId }));
    }
    if (topic === 'conversation.priority.updated') {
      const t = timeOf(item.updated_at ?? n.created_at);
      if ('error' in t) return { error: `${topic}: updated_at: ${t.error}` };
      const severity = severityOf(item.priority);
      if (!severity) return { error: `${topic}: data.item.priority is ${describe(item.priority)}, expected "priority" or "not_priority"` };
      events.push(compact({ ...base(`intercom:conversation:${conv}:priority:${t.ms}`, t.ms), type: 'ticket', conversationId, action: 'updated', severity, status: stateOf(item), customerId }));
    }
    if (topic === 'conversation.rating.added') {
      const rating = obj(item.conversation_rating);
      const score = typeof rating.rating === 'number' ? rating.rating : Number(rating.rating);
      if (!Number.isInteger(score) || score < 1 || score > 5) return { error: `${topic}: conversation_rating.rating is ${describe(rating.rating)}, expected 1..5` };
      const t = timeOf(rating.created_at ?? item.updated_at ?? n.created_at);
      if ('error' in t) return { error: `${topic}: conversation_rating.created_at: ${t.error}` };
      events.push(compact({ ...base(`intercom:conversation:${conv}:rating:${t.ms}`, t.ms), type: 'csat', conversationId, score, customerId }));
    }
    return { events };
  }

  return {
    name: 'intercom',
    framing: 'ndjson',
    description: 'Intercom conversation webhooks (user/admin replies, notes, closes, priority, ratings)',
    map(value) {
      if (!isObject(value)) return { error: `expected a JSON object (a webhook notification), got ${kindOf(value)}` };
      return map(value);
    },
  };
};

/** Intercom's priority flag: a prioritized conversation is high severity. */
function severityOf(p: unknown): string | undefined {
  if (p === 'priority') return 'high';
  if (p === 'not_priority') return 'normal';
  return undefined;
}

function stateOf(item: Json): string | undefined {
  return typeof item.state === 'string' ? item.state : undefined;
}
