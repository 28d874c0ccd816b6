/**
 * A hand-checked crisis for the upset, crisis, triage and channel views (worked out in
 * sql/README.md's examples). Brand acme, 14 March 2026 (UTC):
 * - incident I1 declared 10:05, resolved 10:40; spikes s1 (chat) 10:02–10:20, s2 (brand) 10:50–11:00,
 *   s3 (social) from 12:00, still open;
 * - c1 critical ticket opened 10:05, answered 10:30 (a 15-minute target missed), solved 11:00;
 * - c2 chat opened 10:06 as low, raised to normal at 10:08, answered 10:10;
 * - c3 low e-mail opened 10:07, answered 10:40;
 * - c4 high ticket opened 10:08, only an internal note, never answered;
 * - c8 low ticket opened 10:10, answered 10:12 (while c1 and c4 waited), solved 10:20;
 * - c6 social post 10:03 without a ticket, answered 10:15;
 * - c5 normal chat opened 12:02, answered 12:03, solved 12:10;
 * - brand other: o1, a low chat ticket at 13:00, the latest event (the views' "now").
 */
import { at, type SpikeRow, type StoryEvent } from './views-story.js';

let n = 0;
const id = () => `e${String(++n).padStart(3, '0')}`;

const ticket = (conv: string, ts: string, action: 'opened' | 'updated' | 'solved', extra: Record<string, unknown> = {}, brand = 'acme'): StoryEvent =>
  ({ id: id(), type: 'ticket', ts, brand, conversationId: conv, action, ...extra }) as StoryEvent;
const msg = (conv: string, ts: string, channel: string, direction: 'inbound' | 'outbound', extra: Record<string, unknown> = {}, brand = 'acme'): StoryEvent =>
  ({ id: id(), type: 'message', ts, brand, conversationId: conv, channel, direction, text: direction === 'inbound' ? 'help' : 'Looking into it now.', ...extra }) as StoryEvent;

export const TRIAGE_STORY: StoryEvent[] = [
  { id: id(), type: 'incident', ts: at('10:05'), brand: 'acme', incidentId: 'I1', action: 'declared', title: 'Outage' },
  { id: id(), type: 'incident', ts: at('10:40'), brand: 'acme', incidentId: 'I1', action: 'resolved' },
  ticket('c1', at('10:05'), 'opened', { severity: 'critical', channel: 'ticket', customerId: 'u1' }),
  msg('c1', at('10:05'), 'ticket', 'inbound', { customerId: 'u1', x_upset: true }),
  msg('c1', '2026-03-14T10:05:30Z', 'ticket', 'inbound', { customerId: 'u1', x_upset: true }),
  msg('c1', at('10:30'), 'ticket', 'outbound', { agentId: 'a1' }),
  ticket('c1', at('11:00'), 'solved', { severity: 'critical' }),
  ticket('c2', at('10:06'), 'opened', { severity: 'low', channel: 'chat', customerId: 'u2' }),
  msg('c2', at('10:06'), 'chat', 'inbound', { customerId: 'u2', x_upset: true }),
  ticket('c2', at('10:08'), 'updated', { severity: 'normal' }),
  msg('c2', at('10:10'), 'chat', 'outbound', { agentId: 'a2' }),
  ticket('c3', at('10:07'), 'opened', { severity: 'low', channel: 'email', customerId: 'u3' }),
  msg('c3', at('10:07'), 'email', 'inbound', { customerId: 'u3', x_upset: false }),
  msg('c3', at('10:40'), 'email', 'outbound', { agentId: 'a3' }),
  ticket('c4', at('10:08'), 'opened', { severity: 'high', channel: 'ticket', customerId: 'u4' }),
  msg('c4', at('10:08'), 'ticket', 'inbound', { customerId: 'u4', x_upset: true }),
  msg('c4', '2026-03-14T10:08:40Z', 'ticket', 'inbound', { customerId: 'u4', x_upset: false }),
  msg('c4', at('10:20'), 'ticket', 'outbound', { agentId: 'a1', public: false, text: 'Internal: waiting for ops.' }),
  msg('c6', at('10:03'), 'social', 'inbound', { customerId: 'u6', x_upset: true }),
  msg('c6', at('10:15'), 'social', 'outbound', { agentId: 'a4' }),
  ticket('c8', at('10:10'), 'opened', { severity: 'low', channel: 'ticket', customerId: 'u8' }),
  msg('c8', at('10:10'), 'ticket', 'inbound', { customerId: 'u8', x_upset: false }),
  msg('c8', at('10:12'), 'ticket', 'outbound', { agentId: 'a2' }),
  ticket('c8', at('10:20'), 'solved', { severity: 'low' }),
  ticket('c5', at('12:02'), 'opened', { severity: 'normal', channel: 'chat', customerId: 'u5' }),
  msg('c5', at('12:02'), 'chat', 'inbound', { customerId: 'u5', x_upset: true }),
  msg('c5', at('12:03'), 'chat', 'outbound', { agentId: 'a2' }),
  ticket('c5', at('12:10'), 'solved', { severity: 'normal' }),
  ticket('o1', at('13:00'), 'opened', { severity: 'low', channel: 'chat', customerId: 'v1' }, 'other'),
  msg('o1', at('13:00'), 'chat', 'inbound', { customerId: 'v1', x_upset: false }, 'other'),
];

export const TRIAGE_SPIKES: SpikeRow[] = [
  { spike_id: 's1', brand: 'acme', channel: 'chat', started_at: at('10:02'), ended_at: at('10:20') },
  { spike_id: 's2', brand: 'acme', channel: '*', started_at: at('10:50'), ended_at: at('11:00') },
  { spike_id: 's3', brand: 'acme', channel: 'social', started_at: at('12:00'), ended_at: null },
];
