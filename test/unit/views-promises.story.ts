/**
 * A hand-checked day of promises for promise_outcomes and promise_scorecard (worked out in
 * sql/README.md's examples). Brand acme (time zone Europe/Madrid in the story's config), 14 March
 * 2026, every promise made at 10:00 UTC unless said otherwise; the latest event is at 13:00.
 * - p1: "I will call you back within 2 hours." and an explicit promise event P1 for it (the
 *   explicit one wins); the agent writes again at 11:00: kept by that reply.
 * - p2: "We will update you within the hour." (read from the text only); next reply 11:10: late.
 * - p3: explicit callback due 10:30; an internal note at 10:20; next public reply 11:30, after the
 *   30-minute grace: broken.
 * - p4: explicit refund due in 5 days: open.
 * - p5: explicit update due 11:00, cancelled 10:30, a reply at 10:45: cancelled.
 * - p6: explicit fix due 12:00, ticket solved 11:30: kept.
 * - p7: "Le llamamos mañana." in Spanish: due by the end of tomorrow in Madrid: open.
 * - p8: explicit callback due 10:30 with a kept event at 10:20 (and a reply at 10:10): kept at 10:20.
 * - p9: "We will update you by 5pm." sent with a +05:30 time (10:00 UTC is 15:30 there): due
 *   11:30 UTC, replied 11:20: kept.
 * - p10: "I'll call you back in 30 minutes." at 10:00, and an explicit callback made at 10:20
 *   (more than the 15-minute match window apart: two promises); a reply at 10:25 keeps both.
 */
import { at, type StoryEvent } from './views-story.js';

const m = (id: string, conv: string, ts: string, channel: string, direction: 'inbound' | 'outbound', extra: Record<string, unknown> = {}): StoryEvent =>
  ({ id, type: 'message', ts, brand: 'acme', conversationId: conv, channel, direction, text: direction === 'inbound' ? 'help please' : 'Here is an update on your case.', ...extra }) as StoryEvent;
const p = (id: string, conv: string, ts: string, action: 'made' | 'kept' | 'cancelled', extra: { promiseId: string } & Record<string, unknown>): StoryEvent =>
  ({ id, type: 'promise', ts, brand: 'acme', conversationId: conv, action, ...extra }) as StoryEvent;
const t = (id: string, conv: string, ts: string, action: 'opened' | 'solved', channel: string): StoryEvent =>
  ({ id, type: 'ticket', ts, brand: 'acme', conversationId: conv, action, channel, severity: 'normal' }) as StoryEvent;

export const PROMISE_STORY: StoryEvent[] = [
  m('m-p1-in', 'p1', at('09:55'), 'chat', 'inbound', { customerId: 'u1' }),
  m('m-p1-out1', 'p1', at('10:00'), 'chat', 'outbound', { agentId: 'a1', text: 'I will call you back within 2 hours.' }),
  p('p1-made', 'p1', at('10:00'), 'made', { promiseId: 'P1', dueAt: at('12:00'), kind: 'callback', agentId: 'a1', text: 'I will call you back within 2 hours.' }),
  m('m-p1-out2', 'p1', at('11:00'), 'chat', 'outbound', { agentId: 'a1', text: 'Calling you now.' }),

  m('m-p2-in', 'p2', at('09:58'), 'social', 'inbound', { customerId: 'u2' }),
  m('m-p2-out1', 'p2', at('10:00'), 'social', 'outbound', { agentId: 'a2', text: 'We will update you within the hour.' }),
  m('m-p2-out2', 'p2', at('11:10'), 'social', 'outbound', { agentId: 'a2', text: 'Update: still working on it, sorry for the delay.' }),

  t('t-p3', 'p3', at('09:50'), 'opened', 'ticket'),
  p('p3-made', 'p3', at('10:00'), 'made', { promiseId: 'P3', dueAt: at('10:30'), kind: 'callback', agentId: 'a1' }),
  m('m-p3-note', 'p3', at('10:20'), 'ticket', 'outbound', { agentId: 'a1', public: false, text: 'Internal: call the customer back.' }),
  m('m-p3-out', 'p3', at('11:30'), 'ticket', 'outbound', { agentId: 'a1' }),

  t('t-p4', 'p4', at('09:50'), 'opened', 'email'),
  p('p4-made', 'p4', at('10:00'), 'made', { promiseId: 'P4', dueAt: '2026-03-19T10:00:00Z', kind: 'refund', agentId: 'a2', text: 'Expect your refund in 5 days.' }),

  m('m-p5-in', 'p5', at('09:59'), 'chat', 'inbound', { customerId: 'u5' }),
  p('p5-made', 'p5', at('10:00'), 'made', { promiseId: 'P5', dueAt: at('11:00'), kind: 'update', agentId: 'a1' }),
  p('p5-cancelled', 'p5', at('10:30'), 'cancelled', { promiseId: 'P5' }),
  m('m-p5-out', 'p5', at('10:45'), 'chat', 'outbound', { agentId: 'a1' }),

  t('t-p6', 'p6', at('09:50'), 'opened', 'ticket'),
  p('p6-made', 'p6', at('10:00'), 'made', { promiseId: 'P6', dueAt: at('12:00'), kind: 'fix', agentId: 'a2' }),
  t('t-p6-solved', 'p6', at('11:30'), 'solved', 'ticket'),

  m('m-p7-in', 'p7', at('09:57'), 'chat', 'inbound', { customerId: 'u7', lang: 'es' }),
  m('m-p7-out1', 'p7', at('10:00'), 'chat', 'outbound', { agentId: 'a3', lang: 'es', text: 'Le llamamos mañana.' }),

  m('m-p8-in', 'p8', at('09:59'), 'chat', 'inbound', { customerId: 'u8' }),
  p('p8-made', 'p8', at('10:00'), 'made', { promiseId: 'P8', dueAt: at('10:30'), kind: 'callback', agentId: 'a1' }),
  m('m-p8-out', 'p8', at('10:10'), 'chat', 'outbound', { agentId: 'a1' }),
  p('p8-kept', 'p8', at('10:20'), 'kept', { promiseId: 'P8' }),

  m('m-p9-in', 'p9', at('09:59'), 'chat', 'inbound', { customerId: 'u9' }),
  m('m-p9-out1', 'p9', '2026-03-14T15:30:00+05:30', 'chat', 'outbound', { agentId: 'a3', text: 'We will update you by 5pm.' }),
  m('m-p9-out2', 'p9', at('11:20'), 'chat', 'outbound', { agentId: 'a3' }),

  m('m-p10-in', 'p10', at('09:59'), 'chat', 'inbound', { customerId: 'u10' }),
  m('m-p10-out1', 'p10', at('10:00'), 'chat', 'outbound', { agentId: 'a1', text: "I'll call you back in 30 minutes." }),
  p('p10-made', 'p10', at('10:20'), 'made', { promiseId: 'P10', dueAt: at('11:00'), kind: 'callback', agentId: 'a1' }),
  m('m-p10-out2', 'p10', at('10:25'), 'chat', 'outbound', { agentId: 'a1' }),

  m('m-z', 'z', at('13:00'), 'chat', 'inbound', { customerId: 'u99' }),
];

export const PROMISE_CONFIG = { detect: { promises: { brand_timezones: { acme: 'Europe/Madrid' } } } };
