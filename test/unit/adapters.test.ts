/**
 * Adapter mapping rules one by one, through the Normalizer (so every event is also checked against
 * the contract): who counts as customer or brand, what is ignored on purpose, what becomes a dead
 * letter and with which reason.
 */
import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/contract/records.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { AdapterConfigError } from '../../src/normalize/adapters/errors.js';
import { htmlToText, idOf, timeOf } from '../../src/normalize/adapters/fields.js';
import { adapterOptionsFromConfig } from '../../src/normalize/adapters/options.js';
import { zendeskChannel } from '../../src/normalize/adapters/zendesk.js';
import { Normalizer, type NormalizerOptions } from '../../src/normalize/normalize.js';

const rec = (v: unknown, meta?: Record<string, string>): RawRecord => ({
  bytes: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)),
  origin: { kind: 'file', name: 'in', line: 1 },
  ...(meta ? { meta } : {}),
});

function run(format: string, values: unknown[], options: Partial<NormalizerOptions> = {}) {
  const n = new Normalizer({ format, maxEventBytes: 1 << 20, ...options });
  const { events, deadLetters } = n.normalize(values.map((v) => (v && typeof v === 'object' && 'bytes' in (v as object) ? (v as RawRecord) : rec(v))));
  return { events: events.map((e) => e.event as Record<string, unknown>), reasons: deadLetters.map((d) => d.reason) };
}

describe('adapter field readers', () => {
  it('reads every time format the platforms use, to the same instant', () => {
    const want = Date.UTC(2017, 9, 31, 22, 10, 47);
    for (const v of ['2017-10-31T22:10:47Z', '2017-10-31T23:10:47+01:00', '2017-10-31 22:10:47 UTC', '2017-10-31 22:10:47 +0000', 'Tue Oct 31 22:10:47 +0000 2017', want / 1000, want, String(want / 1000)]) {
      expect(timeOf(v), String(v)).toEqual({ ms: want });
    }
    expect(timeOf('31/10/2017 22:10')).toEqual({ error: expect.stringContaining('expected a time with an offset') });
    expect(timeOf('2017-10-31T22:10:47')).toEqual({ error: expect.stringContaining('"2017-10-31T22:10:47"') });
    expect(timeOf(undefined)).toEqual({ error: 'is missing, expected a time' });
  });

  it('reads ids sent as numbers, strings or spreadsheet floats', () => {
    expect([idOf(3), idOf('3.0'), idOf(' 3 '), idOf('abc'), idOf(3.5), idOf(''), idOf(null)]).toEqual(['3', '3', '3', 'abc', undefined, undefined, undefined]);
  });

  it('turns message HTML into text', () => {
    expect(htmlToText('<p>Fix due <b>today</b> &amp; &#x1F600;</p><p>a&nbsp;b<br/>c &unknown;</p>')).toBe('Fix due today & 😀\na b\nc &unknown;');
  });
});

describe('adapter options in the pipeline config', () => {
  it('refuses an unknown format by naming the known ones, and accepts brand and brand_accounts on a file source', () => {
    expect(() => parsePipelineConfig({ sources: [{ type: 'file', paths: ['a'], format: 'zendex' }] }, 'p.yaml')).toThrow(
      'p.yaml: sources.0.format: unknown format "zendex": use one of canonical, zendesk, chatwoot, intercom, x, twcs',
    );
    const cfg = parsePipelineConfig({ sources: [{ type: 'file', paths: ['a'], format: 'x', brand: 'acme', brand_accounts: ['@AcmeHelp'] }] });
    const src = cfg.sources[0]!;
    expect(src.type === 'file' && adapterOptionsFromConfig(src)).toEqual({ brand: 'acme', brandAccounts: ['@AcmeHelp'] });
    const dflt = parsePipelineConfig({ sources: [{ type: 'file', paths: ['a'] }] }).sources[0]!;
    expect(dflt).toMatchObject({ format: 'canonical', brand_accounts: [] });
    expect(() => parsePipelineConfig({ sources: [{ type: 'file', paths: ['a'], brand_acounts: [] }] }, 'p.yaml')).toThrow('unknown keys brand_acounts');
  });
});

const audit = (children: unknown[], extra: Record<string, unknown> = {}) => ({ id: 77, ticket_id: 12, created_at: '2026-03-14T10:00:00Z', updater_id: 500, via: 'Web form', event_type: 'Audit', child_events: children, ...extra });
const comment = (id: number, author: number, isPublic = true) => ({ id, type: 'Comment', event_type: 'Comment', author_id: author, body: 'text', public: isPublic, created_at: '2026-03-14T10:00:00Z' });

describe('zendesk', () => {
  it('decides who wrote a comment from the record alone, or says what to configure', () => {
    // The requester named in the same audit: the requester is the customer, the rest is the brand.
    const withRequester = run('zendesk', [audit([{ id: 1, event_type: 'Create', requester_id: 9 }, comment(2, 9), comment(3, 500)])]).events;
    expect(withRequester.filter((e) => e.type === 'message').map((e) => [e.id, e.direction, e.customerId, e.agentId])).toEqual([
      ['zendesk:comment:2', 'inbound', 'zendesk:user:9', undefined],
      ['zendesk:comment:3', 'outbound', 'zendesk:user:9', 'zendesk:user:500'],
    ]);
    // Only agents write private comments; Zendesk's system user (-1) is automation.
    expect(run('zendesk', [audit([comment(4, 500, false), comment(5, -1)])]).events.map((e) => [e.direction, e.public])).toEqual([
      ['outbound', false],
      ['outbound', true],
    ]);
    const unknown = run('zendesk', [audit([comment(6, 9)])]);
    expect(unknown.reasons).toEqual([
      "zendesk: comment 6 on ticket 12 by user 9: ticket event 77 names no requester and the author is not marked staff or agent: list your agents' Zendesk user ids in brand_accounts (--brand-accounts) so crisiscx can tell customers from agents",
    ]);
    // With the agents listed, everyone else is a customer, even with a requester named.
    const agents = run('zendesk', [audit([comment(6, 9), comment(7, 500)])], { brandAccounts: ['500'] }).events;
    expect(agents.map((e) => e.direction)).toEqual(['inbound', 'outbound']);
  });

  it('maps a comment without the comment_events sideload (no body) to a message without text', () => {
    const e = run('zendesk', [audit([{ id: 8, via: 'Mail', comment_present: true, comment_public: true, event_type: 'Comment' }], { updater_id: 9 })], { brandAccounts: ['500'] }).events;
    expect(e).toMatchObject([{ id: 'zendesk:comment:8', direction: 'inbound', customerId: 'zendesk:user:9', channel: 'email', public: true }]);
    expect(e[0]).not.toHaveProperty('text');
  });

  it('reads audit-style child events (field_name/value) and reopenings from webhooks', () => {
    const e = run('zendesk', [
      audit([{ id: 1, type: 'Change', field_name: 'status', value: 'open', previous_value: 'solved' }, { id: 2, type: 'Change', field_name: 'priority', value: 'urgent', previous_value: 'low' }]),
      { type: 'zen:event-type:ticket.status_changed', id: 'w1', time: '2026-03-14T11:00:00Z', subject: 'zen:ticket:12', detail: { priority: null }, event: { current: 'OPEN', previous: 'SOLVED' } },
    ]).events;
    expect(e.map((x) => [x.action, x.severity, x.status])).toEqual([
      ['reopened', 'critical', 'open'],
      ['reopened', undefined, 'open'],
    ]);
  });

  it('maps a whole export page, or none of it when one ticket event is bad', () => {
    const good = audit([{ id: 1, event_type: 'Create', requester_id: 9, priority: 'high' }]);
    expect(run('zendesk', [{ ticket_events: [good, { ...good, id: 78, ticket_id: 13 }], end_of_stream: true }]).events.map((x) => x.conversationId)).toEqual(['zendesk:12', 'zendesk:13']);
    expect(run('zendesk', [{ ticket_events: [good, { ...good, child_events: 'x' }] }])).toEqual({ events: [], reasons: ['zendesk: ticket event 77: child_events is "x", expected an array'] });
  });

  it('ignores ticket webhooks and child events outside the contract, and non-ticket webhooks', () => {
    expect(run('zendesk', [
      audit([{ id: 1, event_type: 'Notification', body: 'x' }, { id: 2, event_type: 'Change', tags: ['a'] }]),
      { type: 'zen:event-type:ticket.agent_assignment_changed', id: 'w', time: '2026-03-14T11:00:00Z', detail: { id: '12' }, event: {} },
      { type: 'zen:event-type:user.created', id: 'u', time: '2026-03-14T11:00:00Z', detail: { id: '5' } },
    ])).toEqual({ events: [], reasons: [] });
  });

  it('maps Zendesk channels', () => {
    expect(['Mail', 'email', 'Web form', 'web', 'Chat', 'native_messaging', 'Twitter', 'Facebook Post', 'Voice', 'Text', 'sms', 'API', 'whatsapp'].map(zendeskChannel)).toEqual([
      'email', 'email', 'ticket', 'ticket', 'chat', 'chat', 'social', 'social', 'voice', 'sms', 'sms', 'ticket', 'chat',
    ]);
  });
});

describe('chatwoot', () => {
  const conversation = { id: 7, channel: 'Channel::TwilioSms', contact_inbox: { contact_id: 3 } };
  it('maps the numeric message types of conversation payloads, skips activity and template messages, maps the inbox type to a channel', () => {
    const r = run('chatwoot', [
      { event: 'conversation_status_changed', ...conversation, status: 'snoozed', timestamp: 1773482400, messages: [
        { id: 1, message_type: 0, content: 'hi', created_at: 1773482300, sender_type: 'Contact', sender_id: 3 },
        { id: 2, message_type: 2, content: 'Conversation was snoozed', created_at: 1773482400 },
        { id: 3, message_type: 3, content_type: 'input_email', content: 'Get notified by email', created_at: 1773482300 },
      ] },
    ]);
    expect(r.reasons).toEqual([]);
    expect(r.events.map((e) => [e.type, e.action ?? e.direction, e.channel])).toEqual([
      ['ticket', 'updated', undefined],
      ['message', 'inbound', 'sms'],
    ]);
  });

  it('explains a payload that is not a Chatwoot webhook', () => {
    expect(run('chatwoot', [{ id: 1, content: 'hi' }, [1]]).reasons).toEqual([
      'chatwoot: no "event" name: expected a Chatwoot webhook payload (message_created, conversation_created, conversation_status_changed); check the --format of this input',
      'chatwoot: expected a JSON object (a webhook payload), got an array',
    ]);
  });
});

describe('intercom', () => {
  const item = { type: 'conversation', id: '5', created_at: 1773482400, source: { id: 's1', type: 'email', body: '<p>Hello</p>', author: { type: 'admin', id: 'a1' } }, contacts: { contacts: [{ id: 'c1' }] }, conversation_parts: { conversation_parts: [] } };
  it('maps an admin-initiated conversation to an outbound message without opening a case, and ignores other topics', () => {
    const r = run('intercom', [
      { type: 'notification_event', id: 'n1', topic: 'conversation.admin.single.created', created_at: 1773482400, data: { item } },
      { type: 'notification_event', id: 'n2', topic: 'contact.created', created_at: 1773482400, data: { item: { type: 'contact' } } },
      { type: 'notification_event', id: 'n3', topic: 'conversation.read', created_at: 1773482400, data: { item } },
    ]);
    expect(r.events).toMatchObject([{ type: 'message', direction: 'outbound', channel: 'email', customerId: 'intercom:contact:c1', agentId: 'intercom:admin:a1', text: 'Hello' }]);
    expect(r.events).toHaveLength(1);
  });

  it('rejects a rating outside 1..5 with the value', () => {
    const r = run('intercom', [{ topic: 'conversation.rating.added', data: { item: { ...item, conversation_rating: { rating: 7, created_at: 1773482400 } } } }]);
    expect(r.reasons).toEqual(['intercom: conversation.rating.added: conversation_rating.rating is 7, expected 1..5']);
  });
});

describe('x', () => {
  it('needs the brand accounts, and says where to set them', () => {
    expect(() => new Normalizer({ format: 'x', maxEventBytes: 100 })).toThrow(AdapterConfigError);
    expect(() => new Normalizer({ format: 'x', maxEventBytes: 100, brandAccounts: [' '] })).toThrow(/set brand_accounts \(or --brand-accounts\) to the brand's X user ids or @handles/);
  });

  it('decides direction by account id without includes, prefers the long text of a note post, and never makes the brand its own customer', () => {
    const post = (id: string, author: string, extra: Record<string, unknown> = {}) => ({ id, text: 'short…', author_id: author, conversation_id: '1', created_at: '2026-03-14T10:00:00Z', ...extra });
    const r = run('x', [post('2', '900', { in_reply_to_user_id: '900', referenced_tweets: [{ type: 'replied_to', id: '1' }], note_tweet: { text: 'the whole long update' } }), { data: post('3', '42', { lang: 'und' }) }], { brandAccounts: ['900'] });
    expect(r.reasons).toEqual([]);
    expect(r.events.map((e) => [e.direction, e.customerId, e.text, e.lang])).toEqual([
      ['outbound', undefined, 'the whole long update', undefined],
      ['inbound', 'x:42', 'short…', undefined],
    ]);
  });
});

describe('twcs', () => {
  const line = (s: string) => rec(s);
  it('reads records without the CSV framer (a Kafka topic): a CSV line in the dataset\'s order or a JSON object; skips a header line', () => {
    const r = run('twcs', [
      line('tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id'),
      line('7.0,AcmeHelp,False,Tue Oct 31 22:10:47 +0000 2017,"@99 on it, sorry",,6.0\r'),
      line(JSON.stringify({ tweet_id: '6', author_id: '99', inbound: 'True', created_at: 'Tue Oct 31 22:00:00 +0000 2017', text: '@acmehelp @Other down', response_tweet_id: '7,8', in_response_to_tweet_id: 'nan' })),
      line('1,2,3'),
    ]);
    expect(r.events.map((e) => [e.id, e.brand, e.conversationId, e.direction, e.customerId, e.thread])).toEqual([
      ['twcs:7', 'acmehelp', 'twcs:6', 'outbound', 'twcs:99', { tweetId: '7', inResponseTo: '6' }],
      ['twcs:6', 'acmehelp', 'twcs:6', 'inbound', 'twcs:99', { tweetId: '6', responses: ['7', '8'] }],
    ]);
    expect(r.reasons).toEqual(['twcs: a CSV line with 3 fields; a twcs line has 7: tweet_id, author_id, inbound, created_at, text, response_tweet_id, in_response_to_tweet_id']);
  });

  it('lets brand_accounts pick the company a customer addresses, and --brand override the brand', () => {
    const row = { tweet_id: '1', author_id: '5', inbound: 'True', created_at: 'Tue Oct 31 22:00:00 +0000 2017', text: '@OtherCo @AcmeHelp hi', response_tweet_id: '', in_response_to_tweet_id: '' };
    const csv = (v: object) => rec('ignored', { csvRow: JSON.stringify(v) });
    expect(run('twcs', [csv(row)]).events[0]!.brand).toBe('otherco');
    expect(run('twcs', [csv(row)], { brandAccounts: ['@acmehelp'] }).events[0]!.brand).toBe('acmehelp');
    expect(run('twcs', [csv(row)], { brand: 'Acme' }).events[0]!.brand).toBe('Acme');
    // A company tweet whose parent is not in the data but which addresses a customer is a message, not a public update.
    const orphan = { ...row, tweet_id: '2', author_id: 'AcmeHelp', inbound: 'False', text: '@115 we replied by DM' };
    expect(run('twcs', [csv(orphan), csv({ ...orphan, tweet_id: '3', text: 'All services restored.' })]).events.map((e) => [e.type, e.conversationId, e.customerId])).toEqual([
      ['message', 'twcs:2', 'twcs:115'],
      ['broadcast', undefined, undefined],
    ]);
    expect(run('twcs', [csv({ tweet_id: '1' })]).reasons).toEqual(['twcs: missing columns author_id, inbound, created_at, text; the row has tweet_id']);
    expect(run('twcs', [rec('x', { csvError: 'row has 2 fields, the header (line 1) has 7' })]).reasons).toEqual(['twcs: row has 2 fields, the header (line 1) has 7']);
  });
});
