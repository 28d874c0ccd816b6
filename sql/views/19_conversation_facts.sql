-- Per-conversation facts, kept as data arrives, behind view conversations (and through it the
-- triage, promise and channel views). Aggregating 9M messages by their text conversation id took
-- seconds on every query; the facts are aggregated once, batch by batch.
--
-- Three parts, whose union is always exact (tables in sql/schema.sql):
--   * conversation_facts: one row per conversation, as of its last compaction;
--   * conversation_facts_delta: partial rows of the batches since (a conversation may have several);
--   * the tail: messages and tickets past conversation_facts_marks (rowid), not yet summarized:
--     normally empty; everything, in a file written before the facts existed.
-- A partial keeps, for every "first"/"latest" value, the ordering key it was chosen by (event
-- microseconds, then a hash of the event id, as before), so partials merge in any order: late and
-- out-of-order events give the same conversations as one pass over everything.
-- src/store/conversation-facts.ts runs the refresh in the writer's batch transaction every 100k
-- message and ticket rows, and after a bulk load (CONVERSATION_FACTS_BULK).

-- Partial facts of the messages and tickets from the given rowids on (constants: the scan skips
-- the rows before them).
CREATE OR REPLACE MACRO cx_conversation_partials(msg_from, tk_from) AS TABLE
WITH msg AS (
  SELECT
    brand,
    conversation_id,
    min(k) AS first_message_k,
    arg_min(channel, k) AS first_channel,
    min(ts) AS first_message_at,
    min(ts) FILTER (WHERE direction = 'inbound') AS first_inbound_at,
    min(ts) FILTER (WHERE direction = 'outbound' AND public) AS first_outbound_at,
    min(k) FILTER (WHERE customer_id IS NOT NULL) AS msg_customer_k,
    arg_min(customer_id, k) FILTER (WHERE customer_id IS NOT NULL) AS msg_customer_id,
    count(*) FILTER (WHERE direction = 'inbound') AS inbound_messages,
    count(*) FILTER (WHERE direction = 'outbound' AND public) AS outbound_messages
  FROM (SELECT brand, conversation_id, channel, ts, direction, public, customer_id, epoch_us(ts)::HUGEINT * 18446744073709551616 + hash(id) AS k FROM messages WHERE rowid >= msg_from)
  GROUP BY brand, conversation_id
),
tk AS (
  SELECT
    brand,
    conversation_id,
    count(*) AS ticket_events,
    min(ts) FILTER (WHERE action = 'opened') AS ticket_opened_at,
    min(ts) AS first_ticket_at,
    min(k) FILTER (WHERE severity IS NOT NULL) AS initial_severity_k,
    arg_min(severity, k) FILTER (WHERE severity IS NOT NULL) AS initial_severity,
    max(k) FILTER (WHERE severity IS NOT NULL) AS severity_k,
    arg_max(severity, k) FILTER (WHERE severity IS NOT NULL) AS severity,
    min(k) FILTER (WHERE channel IS NOT NULL) AS ticket_channel_k,
    arg_min(channel, k) FILTER (WHERE channel IS NOT NULL) AS ticket_channel,
    min(k) FILTER (WHERE customer_id IS NOT NULL) AS ticket_customer_k,
    arg_min(customer_id, k) FILTER (WHERE customer_id IS NOT NULL) AS ticket_customer_id,
    min(k) FILTER (WHERE topic IS NOT NULL) AS topic_k,
    arg_min(topic, k) FILTER (WHERE topic IS NOT NULL) AS topic,
    max(k) AS last_action_k,
    arg_max(action, k) AS last_action,
    max(ts) FILTER (WHERE action IN ('solved', 'closed')) AS last_solved_at
  FROM (SELECT brand, conversation_id, ts, action, severity, channel, customer_id, topic, epoch_us(ts)::HUGEINT * 18446744073709551616 + hash(id) AS k FROM tickets WHERE rowid >= tk_from)
  GROUP BY brand, conversation_id
)
SELECT
  brand, conversation_id,
  first_message_k, first_channel, first_message_at, first_inbound_at, first_outbound_at,
  msg_customer_k, msg_customer_id,
  coalesce(inbound_messages, 0) AS inbound_messages,
  coalesce(outbound_messages, 0) AS outbound_messages,
  coalesce(ticket_events, 0) AS ticket_events,
  ticket_opened_at, first_ticket_at,
  initial_severity_k, initial_severity, severity_k, severity,
  ticket_channel_k, ticket_channel, ticket_customer_k, ticket_customer_id, topic_k, topic,
  last_action_k, last_action, last_solved_at
FROM msg FULL OUTER JOIN tk USING (brand, conversation_id);

-- The value whose key is smaller (larger), of two partials' (a value without a key is absent).
CREATE OR REPLACE MACRO cx_pick_first(v1, k1, v2, k2) AS CASE WHEN k1 IS NULL OR k2 < k1 THEN v2 ELSE v1 END;
CREATE OR REPLACE MACRO cx_pick_last(v1, k1, v2, k2) AS CASE WHEN k1 IS NULL OR k2 > k1 THEN v2 ELSE v1 END;

-- The partials not yet compacted (delta and tail), one row per conversation.
CREATE OR REPLACE MACRO cx_conversation_pending() AS TABLE
SELECT
  brand, conversation_id,
  min(first_message_k) AS first_message_k,
  arg_min(first_channel, first_message_k) AS first_channel,
  min(first_message_at) AS first_message_at,
  min(first_inbound_at) AS first_inbound_at,
  min(first_outbound_at) AS first_outbound_at,
  min(msg_customer_k) AS msg_customer_k,
  arg_min(msg_customer_id, msg_customer_k) AS msg_customer_id,
  sum(inbound_messages)::BIGINT AS inbound_messages,
  sum(outbound_messages)::BIGINT AS outbound_messages,
  sum(ticket_events)::BIGINT AS ticket_events,
  min(ticket_opened_at) AS ticket_opened_at,
  min(first_ticket_at) AS first_ticket_at,
  min(initial_severity_k) AS initial_severity_k,
  arg_min(initial_severity, initial_severity_k) AS initial_severity,
  max(severity_k) AS severity_k,
  arg_max(severity, severity_k) AS severity,
  min(ticket_channel_k) AS ticket_channel_k,
  arg_min(ticket_channel, ticket_channel_k) AS ticket_channel,
  min(ticket_customer_k) AS ticket_customer_k,
  arg_min(ticket_customer_id, ticket_customer_k) AS ticket_customer_id,
  min(topic_k) AS topic_k,
  arg_min(topic, topic_k) AS topic,
  max(last_action_k) AS last_action_k,
  arg_max(last_action, last_action_k) AS last_action,
  max(last_solved_at) AS last_solved_at
FROM (
  SELECT * FROM conversation_facts_delta
  UNION ALL BY NAME
  SELECT * FROM cx_conversation_partials(
    (SELECT next_rowid FROM conversation_facts_marks WHERE relation = 'messages'),
    (SELECT next_rowid FROM conversation_facts_marks WHERE relation = 'tickets'))
)
GROUP BY brand, conversation_id;

-- Every conversation's facts: the compacted rows merged with the pending partials. A hash join
-- built on the pending side (small), so the compacted rows are read once, not aggregated again.
CREATE OR REPLACE MACRO cx_conversation_facts() AS TABLE
SELECT
  coalesce(f.brand, p.brand) AS brand,
  coalesce(f.conversation_id, p.conversation_id) AS conversation_id,
  least(f.first_message_k, p.first_message_k) AS first_message_k,
  cx_pick_first(f.first_channel, f.first_message_k, p.first_channel, p.first_message_k) AS first_channel,
  least(f.first_message_at, p.first_message_at) AS first_message_at,
  least(f.first_inbound_at, p.first_inbound_at) AS first_inbound_at,
  least(f.first_outbound_at, p.first_outbound_at) AS first_outbound_at,
  least(f.msg_customer_k, p.msg_customer_k) AS msg_customer_k,
  cx_pick_first(f.msg_customer_id, f.msg_customer_k, p.msg_customer_id, p.msg_customer_k) AS msg_customer_id,
  coalesce(f.inbound_messages, 0) + coalesce(p.inbound_messages, 0) AS inbound_messages,
  coalesce(f.outbound_messages, 0) + coalesce(p.outbound_messages, 0) AS outbound_messages,
  coalesce(f.ticket_events, 0) + coalesce(p.ticket_events, 0) AS ticket_events,
  least(f.ticket_opened_at, p.ticket_opened_at) AS ticket_opened_at,
  least(f.first_ticket_at, p.first_ticket_at) AS first_ticket_at,
  least(f.initial_severity_k, p.initial_severity_k) AS initial_severity_k,
  cx_pick_first(f.initial_severity, f.initial_severity_k, p.initial_severity, p.initial_severity_k) AS initial_severity,
  greatest(f.severity_k, p.severity_k) AS severity_k,
  cx_pick_last(f.severity, f.severity_k, p.severity, p.severity_k) AS severity,
  least(f.ticket_channel_k, p.ticket_channel_k) AS ticket_channel_k,
  cx_pick_first(f.ticket_channel, f.ticket_channel_k, p.ticket_channel, p.ticket_channel_k) AS ticket_channel,
  least(f.ticket_customer_k, p.ticket_customer_k) AS ticket_customer_k,
  cx_pick_first(f.ticket_customer_id, f.ticket_customer_k, p.ticket_customer_id, p.ticket_customer_k) AS ticket_customer_id,
  least(f.topic_k, p.topic_k) AS topic_k,
  cx_pick_first(f.topic, f.topic_k, p.topic, p.topic_k) AS topic,
  greatest(f.last_action_k, p.last_action_k) AS last_action_k,
  cx_pick_last(f.last_action, f.last_action_k, p.last_action, p.last_action_k) AS last_action,
  greatest(f.last_solved_at, p.last_solved_at) AS last_solved_at
FROM conversation_facts f
FULL OUTER JOIN cx_conversation_pending() p ON p.brand = f.brand AND p.conversation_id = f.conversation_id;
