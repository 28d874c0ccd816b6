/**
 * @module normalize/adapters/chatwoot
 * Chatwoot webhooks: `message_created` (incoming, outgoing, private notes), `conversation_created`
 * and `conversation_status_changed`; the inbox type (`Channel::Email`, `Channel::WebWidget`, ...)
 * gives the channel. Mapping table: docs/adapters.md#chatwoot.
 *
 * A message's id is Chatwoot's message id, so a webhook retried by Chatwoot, or a message seen
 * both in `message_created` and in a conversation payload's `messages`, is stored once.
 *
 * @example
 * const a = chatwoot({ brand: 'acme' });
 * a.map({ event: 'message_created', id: 118, message_type: 'incoming', content: 'hi', ... }, rec);
 */
import type { Adapter, AdapterFactory, AdapterResult } from './adapter.js';
import { compact, describe, idOf, isObject, kindOf, obj, text, timeOf, type Json } from './fields.js';

/** Webhook events that carry nothing the contract stores. */
const IGNORED_EVENTS = new Set([
  'message_updated',
  'conversation_updated',
  'conversation_opened',
  'conversation_resolved',
  'conversation_typing_on',
  'conversation_typing_off',
  'contact_created',
  'contact_updated',
  'inbox_created',
  'inbox_updated',
  'webwidget_triggered',
]);

/** Chatwoot's priority (v3+) to the contract's severity. */
const SEVERITY: Record<string, string> = { urgent: 'critical', high: 'high', medium: 'normal', low: 'low' };

/** Inbox type to channel: Twitter profiles post in public; Messenger, Instagram and WhatsApp are private chats. */
export function chatwootChannel(inboxType: unknown): string {
  const t = typeof inboxType === 'string' ? inboxType.replace(/^Channel::/, '').toLowerCase() : '';
  if (t === 'email') return 'email';
  if (t === 'twitterprofile' || t === 'twitter') return 'social';
  if (t === 'sms' || t === 'twiliosms') return 'sms';
  if (t === 'voice') return 'voice';
  return 'chat';
}

type Kind = 'incoming' | 'outgoing' | 'activity' | 'template';
const MESSAGE_TYPES: readonly Kind[] = ['incoming', 'outgoing', 'activity', 'template'];

function messageType(v: unknown): Kind | undefined {
  if (typeof v === 'number') return MESSAGE_TYPES[v];
  return typeof v === 'string' && (MESSAGE_TYPES as readonly string[]).includes(v) ? (v as Kind) : undefined;
}

export const chatwoot: AdapterFactory = (options): Adapter => {
  const base = (id: string, ts: number): Json => compact({ id, ts, brand: options.brand, source: 'chatwoot' });

  /** One message (a `message_created` payload, or an entry of a conversation's `messages`). */
  function message(m: Json, conversation: Json, where: string): { event?: Json } | { error: string } {
    const id = idOf(m.id);
    if (!id) return { error: `${where}: message id is ${describe(m.id)}` };
    const kind = messageType(m.message_type);
    if (!kind) return { error: `message ${id}: message_type ${describe(m.message_type)} is not incoming, outgoing, activity or template` };
    // Activity lines ("Conversation was resolved by ...") restate status changes; templates are
    // automated bot forms and cards, which answer no one.
    if (kind === 'activity' || kind === 'template') return {};
    const conv = idOf(conversation.id) ?? idOf(m.conversation_id);
    if (!conv) return { error: `message ${id}: no conversation id (conversation.id ${describe(conversation.id)})` };
    const t = timeOf(m.created_at);
    if ('error' in t) return { error: `message ${id}: created_at: ${t.error}` };
    const sender = obj(m.sender);
    const senderType = String(sender.type ?? m.sender_type ?? '').toLowerCase();
    const senderId = idOf(sender.id) ?? idOf(m.sender_id);
    const contactId = idOf(obj(conversation.contact_inbox).contact_id) ?? idOf(obj(obj(conversation.meta).sender).id);
    const inbound = kind === 'incoming';
    const isPrivate = m.private === true;
    return {
      event: compact({
        ...base(`chatwoot:message:${id}`, t.ms),
        type: 'message',
        conversationId: `chatwoot:${conv}`,
        channel: chatwootChannel(conversation.channel),
        direction: inbound ? 'inbound' : 'outbound',
        customerId: inbound && senderId && senderType === 'contact' ? `chatwoot:contact:${senderId}` : contactId ? `chatwoot:contact:${contactId}` : undefined,
        agentId: !inbound && senderId && senderType !== 'contact' ? `chatwoot:user:${senderId}` : undefined,
        text: text(m.content),
        public: !isPrivate,
      }),
    };
  }

  /** `conversation_created` and `conversation_status_changed`: the conversation object at top level. */
  function conversation(c: Json, event: string): AdapterResult {
    const conv = idOf(c.id);
    if (!conv) return { error: `${event}: conversation id is ${describe(c.id)}` };
    const status = typeof c.status === 'string' ? c.status.toLowerCase() : undefined;
    const priority = typeof c.priority === 'string' ? SEVERITY[c.priority.toLowerCase()] : undefined;
    if (typeof c.priority === 'string' && !priority) return { error: `conversation ${conv}: priority ${describe(c.priority)} is not one of urgent, high, medium, low` };
    const contact = idOf(obj(obj(c.meta).sender).id) ?? idOf(obj(c.contact_inbox).contact_id);
    const common = { conversationId: `chatwoot:${conv}`, severity: priority, status, customerId: contact ? `chatwoot:contact:${contact}` : undefined };
    const events: Json[] = [];
    if (event === 'conversation_created') {
      const t = timeOf(c.created_at ?? c.timestamp);
      if ('error' in t) return { error: `conversation ${conv}: created_at: ${t.error}` };
      events.push(compact({ ...base(`chatwoot:conversation:${conv}:opened`, t.ms), type: 'ticket', action: 'opened', channel: chatwootChannel(c.channel), ...common }));
    } else {
      if (!status) return { error: `conversation ${conv}: status is ${describe(c.status)}` };
      // updated_at is the change itself (Chatwoot 3+); older versions only send the last activity.
      const t = timeOf(c.updated_at ?? c.timestamp);
      if ('error' in t) return { error: `conversation ${conv}: updated_at: ${t.error}` };
      const previous = previousStatus(c);
      const action = status === 'resolved' ? 'solved' : status === 'open' && previous === 'resolved' ? 'reopened' : 'updated';
      events.push(compact({ ...base(`chatwoot:conversation:${conv}:status:${status}:${t.ms}`, t.ms), type: 'ticket', action, ...common }));
    }
    // The payload's messages (usually the latest one) are mapped too: same ids as their
    // message_created webhooks, so nothing is counted twice.
    if (Array.isArray(c.messages)) {
      for (const m of c.messages) {
        if (!isObject(m)) continue;
        const r = message(m, c, `conversation ${conv}`);
        if ('error' in r) return r;
        if (r.event) events.push(r.event);
      }
    }
    return { events };
  }

  return {
    name: 'chatwoot',
    framing: 'ndjson',
    description: 'Chatwoot webhooks: message_created, conversation_created, conversation_status_changed',
    map(value) {
      if (!isObject(value)) return { error: `expected a JSON object (a webhook payload), got ${kindOf(value)}` };
      const event = value.event;
      if (typeof event !== 'string') {
        return { error: `no "event" name: expected a Chatwoot webhook payload (message_created, conversation_created, conversation_status_changed); check the --format of this input` };
      }
      switch (event) {
        case 'message_created': {
          const r = message(value, obj(value.conversation), 'message_created');
          if ('error' in r) return r;
          return { events: r.event ? [r.event] : [] };
        }
        case 'conversation_created':
        case 'conversation_status_changed':
          return conversation(value, event);
        default:
          if (IGNORED_EVENTS.has(event)) return { events: [] };
          return { error: `unknown webhook event ${describe(event)}: crisiscx maps message_created, conversation_created and conversation_status_changed` };
      }
    },
  };
};

function previousStatus(c: Json): string | undefined {
  // Chatwoot 3+ lists what changed: changed_attributes: [{ status: { previous_value, current_value } }].
  if (!Array.isArray(c.changed_attributes)) return undefined;
  for (const a of c.changed_attributes) {
    const s = obj(obj(a).status);
    if (typeof s.previous_value === 'string') return s.previous_value.toLowerCase();
  }
  return undefined;
}
