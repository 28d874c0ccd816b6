/**
 * Each adapter fixture through the real `crisiscx ingest --format F`, checking the rows it leaves in
 * DuckDB; then the same records in reverse order (every reply before the message it answers) into
 * a fresh database, which must hold the same rows; then the file again, which must store nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/contract/records.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline } from '../../src/pipeline/build.js';
import { readCsvRecords } from '../../src/sources/file/csv.js';
import { Database } from '../../src/store/database.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/adapters/', import.meta.url));
const T = "strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts";
const SQL = {
  messages: `SELECT id, ${T}, brand, source, conversation_id, channel, direction, customer_id, agent_id, public, text, lang FROM messages ORDER BY ts, id`,
  tickets: `SELECT id, ${T}, brand, conversation_id, action, severity, status, customer_id, channel FROM tickets ORDER BY ts, id`,
  broadcasts: `SELECT id, ${T}, brand, channel, text FROM broadcasts ORDER BY ts, id`,
  csat: `SELECT id, ${T}, brand, conversation_id, score, customer_id FROM csat ORDER BY ts, id`,
  deadLetters: 'SELECT line::INTEGER AS line, stage, reason FROM dead_letters ORDER BY line',
  // Everything an event stored, for comparing two databases (origin and ingest time differ by design).
  events: 'SELECT id, type, ts, brand, source, conversation_id, customer_id, raw::VARCHAR AS raw FROM events ORDER BY id',
};

type Row = Record<string, unknown>;

async function tables(db: string): Promise<Record<keyof typeof SQL, Row[]>> {
  const d = await Database.open(db);
  try {
    const out = {} as Record<keyof typeof SQL, Row[]>;
    for (const [k, q] of Object.entries(SQL)) out[k as keyof typeof SQL] = (await d.queryJson(q)).rows;
    return out;
  } finally {
    await d.close();
  }
}

/** The fixture with its records in reverse order (CSV: header kept first, multi-line records kept whole). */
async function reversed(file: string): Promise<string> {
  const text = readFileSync(file);
  if (!file.endsWith('.csv')) return text.toString().trimEnd().split('\n').reverse().join('\n') + '\n';
  const recs: string[] = [];
  for await (const r of readCsvRecords(Readable.from([text]))) recs.push(r.bytes.toString());
  return [recs[0], ...recs.slice(1).reverse()].join('\n') + '\n';
}

const msg = (id: string, ts: string, conversation_id: string, channel: string, direction: string, rest: Partial<Row> = {}): Row => ({
  id, ts, brand: 'acme', conversation_id, channel, direction, customer_id: null, agent_id: null, public: true, text: null, lang: null, ...rest,
});
const tkt = (id: string, ts: string, conversation_id: string, action: string, rest: Partial<Row> = {}): Row => ({
  id, ts, brand: 'acme', conversation_id, action, severity: null, status: null, customer_id: null, channel: null, ...rest,
});

interface Case {
  name: string;
  file: string;
  args: string[];
  summary: string;
  again: string;
  expected: Partial<Record<keyof typeof SQL, Row[]>>;
  /** Dead letters: line and a part of the reason. */
  dead: [number, string][];
}

const CASES: Case[] = [
  {
    name: 'zendesk ticket event export',
    file: 'zendesk/ticket_events.ndjson',
    args: ['--format', 'zendesk', '--brand', 'acme', '--brand-accounts', '361'],
    summary: '11 records read: 12 stored, 0 duplicates skipped, 2 dead letters',
    again: '11 records read: 0 stored, 12 duplicates skipped, 0 dead letters',
    expected: {
      messages: [
        msg('zendesk:comment:880002', '2026-03-14T09:00:00.000Z', 'zendesk:5001', 'email', 'inbound', { customer_id: 'zendesk:user:9001', text: 'No signal anywhere in Porto since 8am. I work from home and cannot work!' }),
        msg('zendesk:comment:880044', '2026-03-14T09:05:00.000Z', 'zendesk:5002', 'chat', 'inbound', { customer_id: 'zendesk:user:9002', text: 'Is the outage going to affect my business line too?' }),
        msg('zendesk:comment:880011', '2026-03-14T09:20:00.000Z', 'zendesk:5001', 'ticket', 'outbound', {
          agent_id: 'zendesk:user:361',
          text: 'We are sorry. There is a regional outage; engineers are on site. We will update you by 11:00.',
        }),
        msg('zendesk:comment:880021', '2026-03-14T09:25:00.000Z', 'zendesk:5001', 'ticket', 'outbound', {
          agent_id: 'zendesk:user:361',
          public: false,
          text: 'Linked to incident INC-77. Customer is a remote worker, call back if not fixed.',
        }),
        msg('zendesk:comment:880084', '2026-03-14T09:30:00.000Z', 'zendesk:5003', 'social', 'inbound', { customer_id: 'zendesk:user:9003', text: '@AcmeTelecom any news on the outage?' }),
        msg('zendesk:comment:880051', '2026-03-14T09:40:00.000Z', 'zendesk:5002', 'chat', 'inbound', { customer_id: 'zendesk:user:9002', text: 'Hello?? Still waiting for an answer.' }),
      ].map((m) => ({ ...m, source: 'zendesk' })),
      tickets: [
        tkt('zendesk:ticket:5001:opened', '2026-03-14T09:00:00.000Z', 'zendesk:5001', 'opened', { severity: 'critical', status: 'new', customer_id: 'zendesk:user:9001', channel: 'email' }),
        tkt('zendesk:ticket:5002:opened', '2026-03-14T09:05:00.000Z', 'zendesk:5002', 'opened', { severity: 'high', status: 'new', customer_id: 'zendesk:user:9002', channel: 'chat' }),
        tkt('zendesk:audit:880010:880012', '2026-03-14T09:20:00.000Z', 'zendesk:5001', 'updated', { status: 'open' }),
        tkt('zendesk:ticket:5003:opened', '2026-03-14T09:30:00.000Z', 'zendesk:5003', 'opened', { severity: 'low', status: 'new', customer_id: 'zendesk:user:9003', channel: 'social' }),
        tkt('zendesk:audit:880030:880031', '2026-03-14T10:05:00.000Z', 'zendesk:5001', 'solved', { status: 'solved' }),
        tkt('zendesk:audit:880060:880061', '2026-03-14T11:00:00.000Z', 'zendesk:5001', 'reopened', { severity: 'normal', status: 'open' }),
      ],
    },
    dead: [
      [10, 'zendesk: not a Zendesk ticket event (ticket_id, child_events) nor a ticket webhook'],
      [11, 'zendesk: ticket event 880090: priority "asap" is not one of urgent, high, normal, low'],
    ],
  },
  {
    name: 'zendesk ticket webhooks',
    file: 'zendesk/webhooks.ndjson',
    args: ['--format', 'zendesk', '--brand', 'acme'],
    summary: '8 records read: 5 stored, 1 duplicates skipped, 1 dead letters',
    again: '8 records read: 0 stored, 6 duplicates skipped, 0 dead letters',
    expected: {
      messages: [
        msg('zendesk:comment:91000001', '2026-03-14T12:00:02.000Z', 'zendesk:6001', 'ticket', 'inbound', { customer_id: 'zendesk:user:9101', text: 'My router shows a red light since noon.' }),
        msg('zendesk:comment:91000002', '2026-03-14T12:14:00.500Z', 'zendesk:6001', 'ticket', 'outbound', {
          customer_id: 'zendesk:user:9101',
          agent_id: 'zendesk:user:361',
          text: 'Hi, we are aware of the outage in your area. Expect service back by 15:00.',
        }),
      ].map((m) => ({ ...m, source: 'zendesk' })),
      tickets: [
        tkt('zendesk:ticket:6001:opened', '2026-03-14T12:00:00.000Z', 'zendesk:6001', 'opened', { severity: 'critical', status: 'new', customer_id: 'zendesk:user:9101', channel: 'ticket' }),
        tkt('zendesk:event:0a1b2c3d-0004', '2026-03-14T12:20:00.000Z', 'zendesk:6001', 'updated', { severity: 'low', status: 'open', customer_id: 'zendesk:user:9101' }),
        tkt('zendesk:event:0a1b2c3d-0005', '2026-03-14T15:10:00.000Z', 'zendesk:6001', 'solved', { severity: 'low', status: 'solved', customer_id: 'zendesk:user:9101' }),
      ],
    },
    dead: [[8, 'zendesk: comment 91000003 on ticket 6001: event.comment.author.id is missing']],
  },
  {
    name: 'chatwoot webhooks',
    file: 'chatwoot/webhooks.ndjson',
    args: ['--format', 'chatwoot', '--brand', 'acme'],
    summary: '11 records read: 6 stored, 2 duplicates skipped, 2 dead letters',
    again: '11 records read: 0 stored, 8 duplicates skipped, 0 dead letters',
    expected: {
      messages: [
        msg('chatwoot:message:501', '2026-03-14T12:00:05.000Z', 'chatwoot:41', 'chat', 'inbound', { customer_id: 'chatwoot:contact:77', text: 'is the internet down in Porto?? nothing loads' }),
        msg('chatwoot:message:502', '2026-03-14T12:03:10.000Z', 'chatwoot:41', 'chat', 'outbound', {
          customer_id: 'chatwoot:contact:77',
          agent_id: 'chatwoot:user:3',
          text: 'Hi! Yes, there is an outage in Porto. We expect it fixed by 15:00.',
        }),
        msg('chatwoot:message:503', '2026-03-14T12:04:00.000Z', 'chatwoot:41', 'chat', 'outbound', {
          customer_id: 'chatwoot:contact:77',
          agent_id: 'chatwoot:user:3',
          public: false,
          text: 'Customer on fibre plan, flagged for credit.',
        }),
        msg('chatwoot:message:505', '2026-03-14T12:10:00.000Z', 'chatwoot:42', 'email', 'inbound', {
          customer_id: 'chatwoot:contact:78',
          text: 'Subject: outage\n\nMy whole street has no service. When will it be back?',
        }),
      ].map((m) => ({ ...m, source: 'chatwoot' })),
      tickets: [
        tkt('chatwoot:conversation:41:opened', '2026-03-14T12:00:00.000Z', 'chatwoot:41', 'opened', { status: 'open', customer_id: 'chatwoot:contact:77', channel: 'chat' }),
        tkt('chatwoot:conversation:41:status:resolved:1773491400250', '2026-03-14T12:30:00.250Z', 'chatwoot:41', 'solved', { severity: 'high', status: 'resolved', customer_id: 'chatwoot:contact:77' }),
      ],
    },
    dead: [
      [10, 'chatwoot: unknown webhook event "conversation_snoozed": crisiscx maps message_created, conversation_created and conversation_status_changed'],
      [11, 'chatwoot: message 506: message_type "broadcast" is not incoming, outgoing, activity or template'],
    ],
  },
  {
    name: 'intercom webhooks',
    file: 'intercom/webhooks.ndjson',
    args: ['--format', 'intercom', '--brand', 'acme'],
    summary: '10 records read: 9 stored, 1 duplicates skipped, 1 dead letters',
    again: '10 records read: 0 stored, 10 duplicates skipped, 0 dead letters',
    expected: {
      messages: [
        msg('intercom:source:403918', '2026-03-14T13:00:00.000Z', 'intercom:1911', 'chat', 'inbound', { customer_id: 'intercom:contact:c-55', text: 'My internet is down & the app says "no service".\nHelp!' }),
        msg('intercom:part:p-2', '2026-03-14T13:05:00.000Z', 'intercom:1911', 'chat', 'outbound', {
          customer_id: 'intercom:contact:c-55',
          agent_id: 'intercom:admin:a-7',
          text: 'Hi Marta, we know about the outage. A fix is due by 16:00.',
        }),
        msg('intercom:part:p-3', '2026-03-14T13:06:00.000Z', 'intercom:1911', 'chat', 'outbound', {
          customer_id: 'intercom:contact:c-55',
          agent_id: 'intercom:admin:a-7',
          public: false,
          text: 'Promised 16:00, check back.',
        }),
        msg('intercom:part:p-4', '2026-03-14T14:10:00.000Z', 'intercom:1911', 'chat', 'inbound', { customer_id: 'intercom:contact:c-55', text: 'It is 16:10 and still nothing. Unacceptable.' }),
        msg('intercom:part:p-5', '2026-03-14T14:20:00.000Z', 'intercom:1911', 'chat', 'outbound', {
          customer_id: 'intercom:contact:c-55',
          agent_id: 'intercom:admin:a-7',
          text: 'Service is back. Sorry for the trouble!',
        }),
      ].map((m) => ({ ...m, source: 'intercom' })),
      tickets: [
        tkt('intercom:conversation:1911:opened', '2026-03-14T13:00:00.000Z', 'intercom:1911', 'opened', { severity: 'normal', status: 'open', customer_id: 'intercom:contact:c-55', channel: 'chat' }),
        tkt('intercom:conversation:1911:priority:1773494000000', '2026-03-14T13:13:20.000Z', 'intercom:1911', 'updated', { severity: 'high', status: 'open', customer_id: 'intercom:contact:c-55' }),
        tkt('intercom:part:p-5:closed', '2026-03-14T14:20:00.000Z', 'intercom:1911', 'closed', { status: 'closed', customer_id: 'intercom:contact:c-55' }),
      ],
      csat: [{ id: 'intercom:conversation:1911:rating:1773498600000', ts: '2026-03-14T14:30:00.000Z', brand: 'acme', conversation_id: 'intercom:1911', score: 2, customer_id: 'intercom:contact:c-55' }],
    },
    dead: [[10, 'intercom: conversation 1911 part p-6: author.type "robot" is not user, lead, contact, admin, bot or team']],
  },
  {
    name: 'x posts',
    file: 'x/posts.ndjson',
    args: ['--format', 'x', '--brand', 'acme', '--brand-accounts', '@acmehelp'],
    summary: '7 records read: 5 stored, 0 duplicates skipped, 2 dead letters',
    again: '7 records read: 0 stored, 5 duplicates skipped, 0 dead letters',
    expected: {
      messages: [
        msg('x:1900000000000000101', '2026-03-14T12:00:00.000Z', 'x:1900000000000000101', 'social', 'inbound', {
          customer_id: 'x:42',
          lang: 'en',
          text: '@AcmeHelp internet down in all of Porto for 2 hours and no word from you. Ridiculous.',
        }),
        msg('x:1900000000000000102', '2026-03-14T12:06:00.000Z', 'x:1900000000000000101', 'social', 'outbound', {
          customer_id: 'x:42',
          agent_id: 'x:1500000001',
          lang: 'en',
          text: '@1500000001 hi Joana, sorry! Our team is working on it. Service back by 15:00.',
        }),
        msg('x:1900000000000000106', '2026-03-14T12:12:00.000Z', 'x:1900000000000000106', 'social', 'inbound', { customer_id: 'x:45', text: '@AcmeHelp https://t.co/abc123' }),
        msg('x:1900000000000000103', '2026-03-14T12:30:00.000Z', 'x:1900000000000000101', 'social', 'inbound', {
          customer_id: 'x:43',
          lang: 'es',
          text: '@AcmeHelp ¡Sigue sin funcionar! Llevo tres horas sin servicio.',
        }),
      ].map((m) => ({ ...m, source: 'x' })),
      broadcasts: [
        { id: 'x:1900000000000000104', ts: '2026-03-14T12:10:00.000Z', brand: 'acme', channel: 'social', text: 'We are aware of a network outage in Porto. Engineers are on site; next update 14:00.' },
      ],
      tickets: [],
    },
    dead: [
      [6, 'x: post 1900000000000000107: created_at: is missing, expected a time; request tweet.fields=created_at,conversation_id,lang'],
      [7, 'x: an API error response, not posts: "Too Many Requests"'],
    ],
  },
  {
    name: 'twcs csv',
    file: 'twcs/sample.csv',
    args: ['--format', 'twcs'],
    summary: '11 records read: 8 stored, 0 duplicates skipped, 3 dead letters',
    again: '11 records read: 0 stored, 8 duplicates skipped, 0 dead letters',
    expected: {
      messages: [
        msg('twcs:101', '2026-03-14T12:00:00.000Z', 'twcs:101', 'social', 'inbound', { customer_id: 'twcs:115712', text: '@AcmeTelecom my internet has been down for 3 hours!! is anyone there?' }),
        msg('twcs:102', '2026-03-14T12:07:30.000Z', 'twcs:101', 'social', 'outbound', {
          customer_id: 'twcs:115712',
          agent_id: 'twcs:AcmeTelecom',
          text: '@115712 Sorry to hear that! There is an outage in your area, we expect a fix by 15:00. Can you DM us your account number, please? ^JS',
        }),
        msg('twcs:103', '2026-03-14T12:15:00.000Z', 'twcs:103', 'social', 'inbound', { customer_id: 'twcs:115712', text: '@acmetelecom done, sent the DM. still nothing working' }),
        msg('twcs:104', '2026-03-14T12:20:00.000Z', 'twcs:103', 'social', 'outbound', {
          customer_id: 'twcs:115712',
          agent_id: 'twcs:AcmeTelecom',
          text: '@115712 Thanks, a technician is assigned to your street. We will update you here. ^JS',
        }),
        msg('twcs:105', '2026-03-14T12:30:00.000Z', 'twcs:105', 'social', 'inbound', {
          customer_id: 'twcs:115713',
          text: '@AcmeTelecom @BetaMobile Two lines:\nfirst line broken\nand the "router" blinks, red',
        }),
        msg('twcs:110', '2026-03-14T12:40:00.000Z', 'twcs:110', 'social', 'inbound', { customer_id: 'twcs:115717', text: '@AcmeTelecom line with a CRLF\ninside and a bare\ncarriage return' }),
        msg('twcs:111', '2026-03-14T12:41:00.000Z', 'twcs:111', 'social', 'inbound', { customer_id: 'twcs:115718', text: '@AcmeTelecom unquoted text with a stray\ncarriage return' }),
      ].map((m) => ({ ...m, brand: 'acmetelecom', source: 'twcs' })),
      broadcasts: [
        { id: 'twcs:106', ts: '2026-03-14T12:31:00.000Z', brand: 'acmetelecom', channel: 'social', text: 'Update: the outage in Porto affects fibre customers. Next update at 14:00.' },
      ],
      tickets: [],
    },
    dead: [
      [10, 'twcs: tweet 107: inbound is "Maybe", expected True or False'],
      [11, 'twcs: row has 8 fields, the header (line 1) has 7'],
      [12, 'twcs: tweet 109: created_at: expected a time with an offset'],
    ],
  },
];

describe('adapters through crisiscx ingest', () => {
  const dir = tempDir('crisiscx-adapters-');

  it.each(CASES)('$name: exact rows, dead letters with reasons, same rows in reverse order, nothing stored twice', async (c) => {
    const file = join(FIXTURES, c.file);
    const db = join(dir, `${c.name.replace(/\W+/g, '-')}.duckdb`);
    const first = await cli(['ingest', file, '--db', db, '--quiet', ...c.args]);
    expect(first.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(first.stdout).toContain(c.summary);
    const got = await tables(db);
    for (const [k, rows] of Object.entries(c.expected)) expect(got[k as keyof typeof SQL], k).toEqual(rows);
    expect(got.deadLetters.map((d) => [d.line, d.stage])).toEqual(c.dead.map(([line]) => [line, 'adapter']));
    got.deadLetters.forEach((d, i) => expect(String(d.reason)).toContain(c.dead[i]![1]));

    // Replies before the messages they answer, ticket changes before creations: same rows.
    const rev = join(dir, `${c.name.replace(/\W+/g, '-')}-reversed${c.file.endsWith('.csv') ? '.csv' : '.ndjson'}`);
    writeFileSync(rev, await reversed(file));
    const dbRev = join(dir, `${c.name.replace(/\W+/g, '-')}-reversed.duckdb`);
    const second = await cli(['ingest', rev, '--db', dbRev, '--quiet', ...c.args]);
    // stderr first in the message, so a failure shows why the command printed nothing.
    expect(`${second.stderr}${second.stdout}`, `exit ${second.code}`).toContain(c.summary);
    const gotRev = await tables(dbRev);
    for (const k of ['events', 'messages', 'tickets', 'broadcasts', 'csat'] as const) expect(gotRev[k], k).toEqual(got[k]);

    // The same deliveries again: nothing new.
    const again = await cli(['ingest', file, '--db', db, '--quiet', ...c.args]);
    expect(again.stdout).toContain(c.again);
    expect((await tables(db)).events).toEqual(got.events);
  }, 120_000);
});

describe('adapter formats on Kafka topics (batches as the Kafka source hands them over)', () => {
  const dir = tempDir('crisiscx-adapters-kafka-');

  it('normalizes each batch with its topic\'s format and adapter options; dead letters keep topic, partition and offset', async () => {
    const db = join(dir, 'k.duckdb');
    const built = await buildPipeline(parsePipelineConfig({ database: db, serve: { enabled: false } }, 'test'));
    const msg = (topic: string, offset: number, value: string | object): RawRecord => ({
      bytes: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
      origin: { kind: 'kafka', name: topic, partition: 1, offset: String(offset) },
    });
    const post = (id: string, author: string, handle: string, text: string) => ({
      data: { id, text, author_id: author, conversation_id: id, created_at: '2026-03-14T12:00:00Z' },
      includes: { users: [{ id: author, username: handle }] },
    });
    try {
      // twcs on a topic: one CSV line per message, no header row.
      await built.pipeline.process({
        format: 'twcs',
        records: [
          msg('twcs', 0, '202,AcmeHelp,False,Sat Mar 14 12:05:00 +0000 2026,"@5001 we are on it, sorry",,201'),
          msg('twcs', 1, '201,5001,True,Sat Mar 14 12:00:00 +0000 2026,@AcmeHelp down again,202,'),
          msg('twcs', 2, '203,5002,True,yesterday,@AcmeHelp ??,,'),
        ],
      });
      // Two topics with the same format and different brands: each with its own options.
      await built.pipeline.process({ format: 'x', adapter: { brand: 'acme', brandAccounts: ['@AcmeHelp'] }, records: [msg('x-acme', 0, post('11', '1500', 'AcmeHelp', 'Outage update: fixed by 15:00'))] });
      await built.pipeline.process({ format: 'x', adapter: { brand: 'beta', brandAccounts: ['@BetaHelp'] }, records: [msg('x-beta', 0, post('12', '1500', 'AcmeHelp', '@BetaHelp is your network down too?'))] });
      await built.pipeline.flush();
    } finally {
      await built.close();
    }
    const d = await Database.open(db);
    try {
      const q = async (sql: string) => (await d.queryJson(sql)).rows;
      expect(await q('SELECT id, brand, conversation_id, direction FROM messages ORDER BY id')).toEqual([
        { id: 'twcs:201', brand: 'acmehelp', conversation_id: 'twcs:201', direction: 'inbound' },
        { id: 'twcs:202', brand: 'acmehelp', conversation_id: 'twcs:201', direction: 'outbound' },
        { id: 'x:12', brand: 'beta', conversation_id: 'x:12', direction: 'inbound' },
      ]);
      expect(await q('SELECT id, brand FROM broadcasts')).toEqual([{ id: 'x:11', brand: 'acme' }]);
      expect(await q('SELECT format, source_kind, source_name, kafka_partition, kafka_offset::INTEGER AS kafka_offset, reason, raw::VARCHAR AS raw FROM dead_letters')).toEqual([
        {
          format: 'twcs',
          source_kind: 'kafka',
          source_name: 'twcs',
          kafka_partition: 1,
          kafka_offset: 2,
          reason: 'twcs: tweet 203: created_at: expected a time with an offset (ISO 8601, "2026-03-14 10:00:00 UTC" or epoch seconds), got "yesterday"',
          raw: '203,5002,True,yesterday,@AcmeHelp ??,,',
        },
      ]);
    } finally {
      await d.close();
    }
  });
});
