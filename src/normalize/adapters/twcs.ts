/**
 * @module normalize/adapters/twcs
 * The public "Customer Support on Twitter" dataset (twcs.csv: tweet_id, author_id, inbound,
 * created_at, text, response_tweet_id, in_response_to_tweet_id), read by the CSV framer. Mapping
 * table and the conversation rule's limits: docs/adapters.md#twcs.
 *
 * Conversations without state: every customer tweet opens a conversation named after itself, and
 * a company reply joins the conversation of the tweet it answers (`in_response_to_tweet_id`). Both
 * are known from the row alone, so the result is the same whatever order rows arrive in (a reply
 * before the tweet it answers included). A customer's follow-up tweet opens a new conversation;
 * the `thread` field on every event keeps the links to rebuild whole threads in SQL.
 *
 * Outside a CSV file (a Kafka topic), a record may be one CSV line in the dataset's column order,
 * or a JSON object with the same keys.
 *
 * @example
 * const a = twcs({}); // brand: the replying company's handle
 * a.map({ tweet_id: '2', author_id: 'AppleSupport', inbound: 'False', ... }, rec);
 */
import type { RawRecord } from '../../contract/records.js';
import { parseCsvFields } from '../../sources/file/csv.js';
import type { Adapter, AdapterFactory, AdapterResult } from './adapter.js';
import { accountSet, compact, describe, idOf, isObject, kindOf, timeOf, type Json } from './fields.js';

export const TWCS_COLUMNS = ['tweet_id', 'author_id', 'inbound', 'created_at', 'text', 'response_tweet_id', 'in_response_to_tweet_id'] as const;
const REQUIRED = ['tweet_id', 'author_id', 'inbound', 'created_at', 'text'] as const;
const MENTION = /(?:^|[^\w@])@(\w{1,50})/g;

/** "True"/"False" as the dataset writes them (and the spellings other exports use). */
function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const s = String(v ?? '').trim().toLowerCase();
  if (s === 'true' || s === '1' || s === 't' || s === 'yes') return true;
  if (s === 'false' || s === '0' || s === 'f' || s === 'no') return false;
  return undefined;
}

/** An id column: empty and pandas' "nan" mean none; "3.0" is 3. */
function optionalId(v: unknown): string | undefined {
  const s = typeof v === 'string' ? v.trim() : v;
  if (s === '' || s === null || s === undefined || (typeof s === 'string' && /^nan$/i.test(s))) return undefined;
  return idOf(s);
}

function mentions(text: string): string[] {
  return [...text.matchAll(MENTION)].map((m) => m[1]!);
}

/** The row: the framer's object, or (outside CSV files) the record as JSON or as one CSV line. */
function rowOf(value: unknown, record: RawRecord): { row?: Json } | { error: string } {
  if (record.meta?.csvError) return { error: record.meta.csvError };
  if (isObject(value)) return { row: value };
  if (value !== null) return { error: `expected a CSV row, got ${kindOf(value)}` };
  const text = record.bytes.toString('utf8');
  if (/^\s*\{/.test(text)) {
    try {
      const v: unknown = JSON.parse(text);
      return isObject(v) ? { row: v } : { error: `expected a JSON object, got ${kindOf(v)}` };
    } catch (err) {
      return { error: `not valid JSON: ${(err as Error).message}` };
    }
  }
  const r = parseCsvFields(record.bytes.subarray(0, record.bytes.length - (record.bytes[record.bytes.length - 1] === 13 ? 1 : 0)));
  if ('error' in r) return r;
  if (r.fields[0]?.trim() === 'tweet_id') return {}; // a header line sent as a message
  if (r.fields.length !== TWCS_COLUMNS.length) {
    return { error: `a CSV line with ${r.fields.length} fields; a twcs line has ${TWCS_COLUMNS.length}: ${TWCS_COLUMNS.join(', ')}` };
  }
  return { row: Object.fromEntries(TWCS_COLUMNS.map((c, i) => [c, r.fields[i]])) };
}

export const twcs: AdapterFactory = (options): Adapter => {
  const preferred = accountSet(options.brandAccounts);

  /** The company a customer tweet addresses: its first non-numeric mention (customers are anonymized to numbers). */
  function addressed(text: string): string | undefined {
    const companies = mentions(text).filter((m) => !/^\d+$/.test(m));
    return companies.find((m) => preferred.has(m.toLowerCase())) ?? companies[0];
  }

  function map(row: Json): AdapterResult {
    const missing = REQUIRED.filter((c) => !(c in row));
    if (missing.length > 0) return { error: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the row has ${Object.keys(row).join(', ')}` };
    const id = optionalId(row.tweet_id);
    if (!id) return { error: `tweet_id is ${describe(row.tweet_id)}` };
    if (id === 'tweet_id') return { events: [] }; // a repeated header (files concatenated)
    const author = optionalId(row.author_id);
    if (!author) return { error: `tweet ${id}: author_id is ${describe(row.author_id)}` };
    const inbound = bool(row.inbound);
    if (inbound === undefined) return { error: `tweet ${id}: inbound is ${describe(row.inbound)}, expected True or False` };
    const t = timeOf(row.created_at);
    if ('error' in t) return { error: `tweet ${id}: created_at: ${t.error}` };
    // Stray carriage returns (copies edited on Windows, Excel) become line breaks.
    const body = typeof row.text === 'string' ? row.text.replace(/\r\n?/g, '\n') : '';
    const parent = optionalId(row.in_response_to_tweet_id);
    const responses = String(row.response_tweet_id ?? '')
      .split(',')
      .map(optionalId)
      .filter((r): r is string => r !== undefined);
    const thread = compact({ tweetId: id, inResponseTo: parent, responses: responses.length > 0 ? responses : undefined });
    const base = { id: `twcs:${id}`, ts: t.ms, source: 'twcs', text: body === '' ? undefined : body, thread };

    if (inbound) {
      return {
        events: [
          compact({
            ...base,
            brand: options.brand ?? addressed(body)?.toLowerCase(),
            type: 'message',
            conversationId: `twcs:${id}`,
            channel: 'social',
            direction: 'inbound',
            customerId: `twcs:${author}`,
          }),
        ],
      };
    }
    // Handles are compared without case (customers write @applesupport as often as @AppleSupport).
    const brand = options.brand ?? author.toLowerCase();
    const customer = mentions(body).find((m) => /^\d+$/.test(m));
    if (!parent && !customer) {
      // A company tweet that answers nothing and addresses no customer: a public update.
      return { events: [compact({ ...base, brand, type: 'broadcast', channel: 'social' })] };
    }
    return {
      events: [
        compact({
          ...base,
          brand,
          type: 'message',
          // Without a parent (not in the dataset) but addressed to a customer: its own conversation.
          conversationId: `twcs:${parent ?? id}`,
          channel: 'social',
          direction: 'outbound',
          customerId: customer ? `twcs:${customer}` : undefined,
          agentId: `twcs:${author}`,
        }),
      ],
    };
  }

  return {
    name: 'twcs',
    framing: 'csv',
    standaloneRecords: true,
    description: 'the "Customer Support on Twitter" dataset (twcs.csv); threads become conversations, the replying company is the brand',
    map(value, record) {
      const r = rowOf(value, record);
      if ('error' in r) return r;
      return r.row ? map(r.row) : { events: [] };
    },
  };
};
