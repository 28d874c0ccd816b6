/**
 * A hand-checked outreach story for impacted_customers, proactive_coverage and silent_sufferers
 * (worked out in sql/README.md's examples). Brand acme, 14 March 2026 (UTC), latest event 13:00.
 * Incident I1 affects u1, u2, u3, u4, u6 at 10:00; incident I2 affects u2 and u5 at 11:00; u7 is
 * affected at 10:00 with no incident named.
 * - u1 writes in at 10:10 and is answered: not silent, not reached first.
 * - u2 gets an e-mail from the brand at 10:20 and never writes: silent, reached (for I1); for I2,
 *   which hit u2 at 11:00, that e-mail came before: silent and unreached there.
 * - u3 hears nothing and says nothing: silent, unreached.
 * - u4 gets an SMS at 10:05 and answers it at 10:30: wrote in, but the brand was first.
 * - u5 has only an internal note about them (no outreach): silent, unreached.
 * - u6 wrote at 09:00, before the incident, and not since: silent, unreached.
 */
import { at, type StoryEvent } from './views-story.js';

let n = 0;
const id = () => `o${String(++n).padStart(3, '0')}`;
const impact = (customerId: string, ts: string, incidentId?: string, severity?: string): StoryEvent =>
  ({ id: id(), type: 'impact', ts, brand: 'acme', customerId, ...(incidentId ? { incidentId } : {}), ...(severity ? { severity } : {}) }) as StoryEvent;
const msg = (conv: string, ts: string, channel: string, direction: 'inbound' | 'outbound', customerId: string | undefined, extra: Record<string, unknown> = {}): StoryEvent =>
  ({ id: id(), type: 'message', ts, brand: 'acme', conversationId: conv, channel, direction, ...(customerId ? { customerId } : {}), text: 'about the outage', ...extra }) as StoryEvent;

export const OUTREACH_STORY: StoryEvent[] = [
  msg('k6', at('09:00'), 'chat', 'inbound', 'u6'),
  msg('k6', at('09:05'), 'chat', 'outbound', undefined, { agentId: 'a1' }),
  { id: id(), type: 'incident', ts: at('10:00'), brand: 'acme', incidentId: 'I1', action: 'declared' } as StoryEvent,
  impact('u1', at('10:00'), 'I1'),
  impact('u2', at('10:00'), 'I1'),
  impact('u3', at('10:00'), 'I1', 'high'),
  impact('u4', at('10:00'), 'I1'),
  impact('u6', at('10:00'), 'I1'),
  impact('u7', at('10:00')),
  msg('out-u4', at('10:05'), 'sms', 'outbound', 'u4', { agentId: 'outreach-bot' }),
  msg('k1', at('10:10'), 'chat', 'inbound', 'u1'),
  msg('k1', at('10:15'), 'chat', 'outbound', undefined, { agentId: 'a1' }),
  msg('out-u2', at('10:20'), 'email', 'outbound', 'u2', { agentId: 'outreach-bot' }),
  msg('out-u4', at('10:30'), 'sms', 'inbound', undefined),
  impact('u2', at('11:00'), 'I2'),
  impact('u5', at('11:00'), 'I2'),
  msg('out-u5', at('11:30'), 'email', 'outbound', 'u5', { agentId: 'a2', public: false, text: 'Internal: reach u5' }),
  msg('k9', at('13:00'), 'chat', 'inbound', 'u9'),
];
