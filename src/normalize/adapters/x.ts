/**
 * @module normalize/adapters/x
 * X (Twitter) API v2 posts: a response of the search, timeline or filtered-stream endpoints
 * (`data` holding one post or a list, `includes.users`), or a bare post object. The brand's own
 * accounts (ids or @handles, from config) decide direction; the thread (`conversation_id`) is the
 * conversation. Mapping table: docs/adapters.md#x.
 *
 * @example
 * const a = x({ brand: 'acme', brandAccounts: ['@AcmeHelp', '1490001'] });
 * a.map({ data: [{ id: '1', text: '@AcmeHelp down again', author_id: '42', ... }] }, rec);
 */
import type { Adapter, AdapterFactory, AdapterResult } from './adapter.js';
import { AdapterConfigError } from './errors.js';
import { accountSet, compact, describe, idOf, isObject, kindOf, normalizeAccount, obj, text, timeOf, type Json } from './fields.js';

/** X's pseudo-languages: undetermined, media only, hashtags only... not a language to score in. */
const NO_LANGUAGE = new Set(['und', 'zxx', 'qme', 'qam', 'qct', 'qht', 'qst', 'art']);

export const x: AdapterFactory = (options): Adapter => {
  const brandAccounts = accountSet(options.brandAccounts);
  if (brandAccounts.size === 0) {
    throw new AdapterConfigError(
      'x',
      "format x needs the brand's own accounts to tell its posts from customers': set brand_accounts (or --brand-accounts) to the brand's X user ids or @handles",
    );
  }
  const base = (id: string, ts: number): Json => compact({ id, ts, brand: options.brand, source: 'x' });

  function post(p: Json, users: Map<string, string>): { event?: Json } | { error: string } {
    const id = idOf(p.id);
    if (!id) return { error: `a post has id ${describe(p.id)}` };
    const refs = Array.isArray(p.referenced_tweets) ? p.referenced_tweets.map(obj) : [];
    // A repost restates someone else's words; it is neither a question nor an answer.
    if (refs.some((r) => r.type === 'retweeted')) return {};
    const author = idOf(p.author_id);
    if (!author) return { error: `post ${id}: no author_id; request it with expansions=author_id or tweet.fields=author_id` };
    const t = timeOf(p.created_at);
    if ('error' in t) return { error: `post ${id}: created_at: ${t.error}${p.created_at === undefined ? '; request tweet.fields=created_at,conversation_id,lang' : ''}` };
    const handle = users.get(author);
    const ours = brandAccounts.has(author.toLowerCase()) || (handle !== undefined && brandAccounts.has(normalizeAccount(handle)));
    const conversation = idOf(p.conversation_id) ?? id;
    const repliedTo = refs.find((r) => r.type === 'replied_to');
    const lang = typeof p.lang === 'string' && p.lang !== '' && !NO_LANGUAGE.has(p.lang) ? p.lang : undefined;
    const body = text(p.note_tweet && isObject(p.note_tweet) ? p.note_tweet.text : undefined) ?? text(p.text);
    if (ours && !repliedTo && conversation === id) {
      // The brand posting in public, not answering anyone: an update to everyone.
      return { event: compact({ ...base(`x:${id}`, t.ms), type: 'broadcast', channel: 'social', text: body, lang }) };
    }
    const inReplyTo = idOf(p.in_reply_to_user_id);
    const customer = ours ? (inReplyTo && !brandAccounts.has(inReplyTo.toLowerCase()) ? inReplyTo : undefined) : author;
    return {
      event: compact({
        ...base(`x:${id}`, t.ms),
        type: 'message',
        conversationId: `x:${conversation}`,
        channel: 'social',
        direction: ours ? 'outbound' : 'inbound',
        customerId: customer ? `x:${customer}` : undefined,
        agentId: ours ? `x:${author}` : undefined,
        text: body,
        lang,
      }),
    };
  }

  return {
    name: 'x',
    framing: 'ndjson',
    description: 'X API v2 posts (search, timelines, filtered stream: data + includes.users); brand_accounts decides direction',
    map(value): AdapterResult {
      if (!isObject(value)) return { error: `expected a JSON object (an API v2 response or a post), got ${kindOf(value)}` };
      const users = new Map<string, string>();
      const included = obj(value.includes).users;
      if (Array.isArray(included)) {
        for (const u of included) {
          const id = idOf(obj(u).id);
          const name = obj(u).username;
          if (id && typeof name === 'string') users.set(id, name);
        }
      }
      let posts: unknown[];
      if ('data' in value) posts = Array.isArray(value.data) ? value.data : [value.data];
      else if ('text' in value && 'id' in value) posts = [value];
      else if (Array.isArray(value.errors)) {
        return { error: `an API error response, not posts: ${describe(obj(value.errors[0]).detail ?? obj(value.errors[0]).message)}` };
      } else if (isObject(value.meta) && value.meta.result_count === 0) {
        return { events: [] }; // an empty page
      } else {
        return { error: `no "data": expected an X API v2 response ({"data": [...], "includes": {"users": [...]}}) or a post with id and text; check the --format of this input` };
      }
      const events: Json[] = [];
      for (const p of posts) {
        if (!isObject(p)) return { error: `data holds ${kindOf(p)}, expected post objects` };
        const r = post(p, users);
        if ('error' in r) return r;
        if (r.event) events.push(r.event);
      }
      return { events };
    },
  };
};
