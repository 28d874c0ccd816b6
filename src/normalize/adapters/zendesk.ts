/**
 * @module normalize/adapters/zendesk
 * Zendesk Support: ticket events of the Incremental Ticket Event Export
 * (`GET /api/v2/incremental/ticket_events?include=comment_events`, one event per line, or whole
 * response pages) and ticket event webhooks (`zen:event-type:ticket.*`). Mapping table:
 * docs/adapters.md#zendesk.
 *
 * Ids are built from Zendesk's own ids (comment id, ticket id), so a comment that arrives once
 * from the export and once from a webhook, or a webhook delivered twice, is stored once.
 *
 * @example
 * const a = zendesk({ brandAccounts: ['361234'] }); // agent user ids (optional)
 * a.map({ ticket_id: 155, id: 9001, created_at: '2026-03-14T10:00:00Z', child_events: [...] }, rec);
 */
import type { Adapter, AdapterFactory, AdapterOptions, AdapterResult } from './adapter.js';
import { accountSet, compact, describe, idOf, isObject, kindOf, obj, text, timeOf, type Json } from './fields.js';

const SEVERITY: Record<string, string> = { urgent: 'critical', high: 'high', normal: 'normal', low: 'low' };
const CLOSED = new Set(['solved', 'closed']);

/** Zendesk's "via" (export: "Web form", "Mail"; webhooks: "web", "email", "native_messaging") to a channel. */
export function zendeskChannel(via: unknown): string {
  const v = (typeof via === 'string' ? via : typeof obj(via).channel === 'string' ? String(obj(via).channel) : '').toLowerCase();
  if (/mail/.test(v)) return 'email';
  if (/twitter|tweet|facebook|instagram|social/.test(v)) return 'social';
  if (/voice|phone|call/.test(v)) return 'voice';
  if (/sms|^text/.test(v)) return 'sms';
  if (/chat|messaging|widget|whatsapp|line|wechat|telegram/.test(v)) return 'chat';
  return 'ticket';
}

function severityOf(priority: unknown): { severity?: string } | { error: string } {
  if (priority === null || priority === undefined || priority === '' || priority === '-') return {};
  const s = typeof priority === 'string' ? SEVERITY[priority.toLowerCase()] : undefined;
  if (!s) return { error: `priority ${describe(priority)} is not one of urgent, high, normal, low` };
  return { severity: s };
}

/** The action a status change means for the contract. */
function actionFor(status: string | undefined, previous: string | undefined): string {
  if (status === undefined) return 'updated';
  if (status === 'solved' || status === 'closed') return status;
  if (previous !== undefined && CLOSED.has(previous)) return 'reopened';
  return 'updated';
}

function lower(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v.toLowerCase() : undefined;
}

/** A child event's value for a field: flattened (`"status": "open"`) or audit style (`field_name`/`value`). */
function field(child: Json, name: string): { present: boolean; value: unknown; previous: unknown } {
  if (Object.hasOwn(child, name)) return { present: true, value: child[name], previous: child.previous_value };
  if (child.field_name === name) return { present: true, value: child.value, previous: child.previous_value };
  return { present: false, value: undefined, previous: undefined };
}

class Who {
  private readonly agents: Set<string>;
  constructor(options: AdapterOptions) {
    this.agents = accountSet(options.brandAccounts);
  }

  /**
   * Who wrote a comment, most certain first: the author's staff flag (webhooks), the configured
   * agent ids, the ticket's requester named in the same record (the requester is the customer,
   * everyone else is the brand), then a private comment (only agents write internal notes).
   */
  direction(author: string, requester: string | undefined, isStaff: unknown, isPublic: boolean): 'inbound' | 'outbound' | undefined {
    if (typeof isStaff === 'boolean') return isStaff ? 'outbound' : 'inbound';
    if (author === '-1') return 'outbound'; // Zendesk's system user: triggers and automations
    if (this.agents.size > 0) return this.agents.has(author.toLowerCase()) ? 'outbound' : 'inbound';
    if (requester !== undefined) return author === requester ? 'inbound' : 'outbound';
    if (!isPublic) return 'outbound';
    return undefined;
  }
}

const UNKNOWN_AUTHOR =
  'names no requester and the author is not marked staff or agent: list your agents\' Zendesk user ids in brand_accounts (--brand-accounts) so crisiscx can tell customers from agents';

export const zendesk: AdapterFactory = (options): Adapter => {
  const who = new Who(options);
  const brand = options.brand;
  const base = (id: string, ts: number): Json => compact({ id, ts, brand, source: 'zendesk' });

  function audit(te: Json): AdapterResult {
    const ticket = idOf(te.ticket_id);
    if (!ticket) return { error: `ticket event ${describe(te.id)} has no ticket_id (got ${describe(te.ticket_id)})` };
    const auditId = idOf(te.id);
    if (!auditId) return { error: `ticket event of ticket ${ticket} has no id (got ${describe(te.id)})` };
    if (!Array.isArray(te.child_events)) return { error: `ticket event ${auditId}: child_events is ${describe(te.child_events)}, expected an array` };
    const t = timeOf(te.created_at ?? te.timestamp);
    if ('error' in t) return { error: `ticket event ${auditId}: created_at: ${t.error}` };
    const conversationId = `zendesk:${ticket}`;
    const channel = zendeskChannel(te.via);
    const events: Json[] = [];

    let created = false;
    let requester: string | undefined;
    let status: string | undefined;
    let previousStatus: string | undefined;
    let priority: { present: boolean; value: unknown } = { present: false, value: undefined };
    let changeChild: string | undefined;
    const comments: Json[] = [];
    for (const c of te.child_events) {
      if (!isObject(c)) return { error: `ticket event ${auditId}: a child event is ${kindOf(c)}, expected an object` };
      const type = c.event_type ?? c.type;
      if (type === 'Create' || type === 'Change') {
        const r = field(c, 'requester_id');
        if (r.present && idOf(r.value)) requester = idOf(r.value);
        const s = field(c, 'status');
        if (s.present && lower(s.value)) {
          status = lower(s.value);
          if (type === 'Change' && previousStatus === undefined) previousStatus = lower(s.previous);
        }
        const p = field(c, 'priority');
        if (p.present) priority = p;
        if (type === 'Create') created = true;
        else if ((s.present || p.present) && changeChild === undefined) changeChild = idOf(c.id);
      } else if (type === 'Comment' || type === 'VoiceComment') {
        comments.push(c);
      }
    }
    const sev = priority.present ? severityOf(priority.value) : {};
    if ('error' in sev) return { error: `ticket event ${auditId}: ${sev.error}` };

    if (created) {
      // One "opened" per ticket, whatever else the creating audit set (triggers often change
      // status or priority in the same audit). Same id as the ticket.created webhook's.
      events.push(
        compact({
          ...base(`zendesk:ticket:${ticket}:opened`, t.ms),
          type: 'ticket',
          conversationId,
          action: 'opened',
          severity: sev.severity,
          status,
          customerId: requester ? `zendesk:user:${requester}` : undefined,
          channel,
        }),
      );
    } else if (changeChild !== undefined || status !== undefined || priority.present) {
      events.push(
        compact({
          ...base(`zendesk:audit:${auditId}:${changeChild ?? 'change'}`, t.ms),
          type: 'ticket',
          conversationId,
          action: actionFor(status, previousStatus),
          severity: sev.severity,
          status,
          customerId: requester ? `zendesk:user:${requester}` : undefined,
        }),
      );
    }

    for (const c of comments) {
      const commentId = idOf(c.id);
      if (!commentId) return { error: `ticket event ${auditId}: a comment has no id (got ${describe(c.id)})` };
      const author = idOf(c.author_id) ?? idOf(te.updater_id);
      if (!author) return { error: `comment ${commentId} on ticket ${ticket}: no author_id and no updater_id on the ticket event` };
      const isPublic = typeof c.public === 'boolean' ? c.public : typeof c.comment_public === 'boolean' ? c.comment_public : true;
      const direction = who.direction(author, requester, undefined, isPublic);
      if (!direction) return { error: `comment ${commentId} on ticket ${ticket} by user ${author}: ticket event ${auditId} ${UNKNOWN_AUTHOR}` };
      const ct = c.created_at !== undefined ? timeOf(c.created_at) : t;
      if ('error' in ct) return { error: `comment ${commentId}: created_at: ${ct.error}` };
      events.push(
        message(commentId, ct.ms, conversationId, direction, author, requester, text(c.plain_body) ?? text(c.body), isPublic, zendeskChannel(c.via ?? te.via)),
      );
    }
    return { events };
  }

  function message(commentId: string, ts: number, conversationId: string, direction: 'inbound' | 'outbound', author: string, requester: string | undefined, body: string | undefined, isPublic: boolean, channel: string): Json {
    const inbound = direction === 'inbound';
    return compact({
      ...base(`zendesk:comment:${commentId}`, ts),
      type: 'message',
      conversationId,
      channel,
      direction,
      customerId: inbound ? `zendesk:user:${author}` : requester ? `zendesk:user:${requester}` : undefined,
      agentId: inbound ? undefined : `zendesk:user:${author}`,
      text: body,
      public: isPublic,
    });
  }

  function webhook(w: Json): AdapterResult {
    const type = String(w.type);
    const kind = type.slice('zen:event-type:'.length);
    if (!kind.startsWith('ticket.')) return { events: [] }; // user, organization, article events: nothing to map
    const detail = obj(w.detail);
    const ticket = idOf(detail.id) ?? /^zen:ticket:(\d+)$/.exec(String(w.subject ?? ''))?.[1];
    if (!ticket) return { error: `${type} webhook has no ticket id (detail.id ${describe(detail.id)}, subject ${describe(w.subject)})` };
    const eventId = idOf(w.id);
    if (!eventId) return { error: `${type} webhook for ticket ${ticket} has no id` };
    const t = timeOf(w.time);
    if ('error' in t) return { error: `${type} webhook ${eventId}: time: ${t.error}` };
    const conversationId = `zendesk:${ticket}`;
    const requester = idOf(detail.requester_id);
    const event = obj(w.event);
    const sev = severityOf(detail.priority);
    if ('error' in sev) return { error: `${type} webhook ${eventId}: detail.${sev.error}` };
    const customerId = requester ? `zendesk:user:${requester}` : undefined;

    switch (kind) {
      case 'ticket.created': {
        const ct = detail.created_at !== undefined ? timeOf(detail.created_at) : t;
        if ('error' in ct) return { error: `${type} webhook ${eventId}: detail.created_at: ${ct.error}` };
        return {
          events: [
            compact({
              ...base(`zendesk:ticket:${ticket}:opened`, ct.ms),
              type: 'ticket',
              conversationId,
              action: 'opened',
              severity: sev.severity,
              status: lower(detail.status),
              customerId,
              channel: zendeskChannel(detail.via),
            }),
          ],
        };
      }
      case 'ticket.comment_added': {
        const comment = obj(event.comment);
        const commentId = idOf(comment.id);
        if (!commentId) return { error: `${type} webhook ${eventId}: event.comment.id is ${describe(comment.id)}` };
        const author = obj(comment.author);
        const authorId = idOf(author.id);
        if (!authorId) return { error: `comment ${commentId} on ticket ${ticket}: event.comment.author.id is ${describe(author.id)}` };
        const isPublic = typeof comment.is_public === 'boolean' ? comment.is_public : true;
        const direction = who.direction(authorId, requester, author.is_staff, isPublic);
        if (!direction) return { error: `comment ${commentId} on ticket ${ticket} by user ${authorId}: the webhook ${UNKNOWN_AUTHOR}` };
        return { events: [message(commentId, t.ms, conversationId, direction, authorId, requester, text(comment.body), isPublic, zendeskChannel(detail.via))] };
      }
      case 'ticket.status_changed': {
        const current = lower(isObject(event.current) ? event.current.status : event.current);
        const previous = lower(isObject(event.previous) ? event.previous.status : event.previous);
        if (!current) return { error: `${type} webhook ${eventId}: event.current is ${describe(event.current)}, expected the new status` };
        return {
          events: [
            compact({ ...base(`zendesk:event:${eventId}`, t.ms), type: 'ticket', conversationId, action: actionFor(current, previous), severity: sev.severity, status: current, customerId }),
          ],
        };
      }
      case 'ticket.priority_changed': {
        const p = severityOf(isObject(event.current) ? event.current.priority : event.current);
        if ('error' in p) return { error: `${type} webhook ${eventId}: event.current: ${p.error}` };
        return {
          events: [
            compact({ ...base(`zendesk:event:${eventId}`, t.ms), type: 'ticket', conversationId, action: 'updated', severity: p.severity, status: lower(detail.status), customerId }),
          ],
        };
      }
      default:
        return { events: [] }; // tags, assignee, custom fields...: not part of the contract
    }
  }

  return {
    name: 'zendesk',
    framing: 'ndjson',
    description: 'Zendesk Incremental Ticket Event Export (ticket_events, one per line or whole pages) and ticket event webhooks',
    map(value) {
      if (!isObject(value)) return { error: `expected a JSON object (a ticket event or a webhook), got ${kindOf(value)}` };
      if (Array.isArray(value.ticket_events)) {
        // A whole export page saved as one line: every ticket event in it, all or nothing.
        const events: unknown[] = [];
        for (const te of value.ticket_events) {
          if (!isObject(te)) return { error: `ticket_events holds ${kindOf(te)}, expected objects` };
          const r = audit(te);
          if ('error' in r) return r;
          events.push(...r.events);
        }
        return { events };
      }
      if ('child_events' in value || 'ticket_id' in value) return audit(value);
      if (typeof value.type === 'string' && value.type.startsWith('zen:event-type:')) return webhook(value);
      const keys = Object.keys(value).slice(0, 6).join(', ');
      return {
        error: `not a Zendesk ticket event (ticket_id, child_events) nor a ticket webhook (type "zen:event-type:ticket.…"); the object has keys ${keys || '(none)'}. Check the --format of this input`,
      };
    },
  };
};
