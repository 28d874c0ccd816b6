-- One row per conversation (brand × conversation id) from its messages and ticket events: who
-- opened it, when, the first public reply, its severity and whether it is solved. The triage,
-- promise and channel views build on it.
--
-- Performance (10M events, bench/sections/views.ts): the per-conversation aggregates come from
-- the facts the store keeps as data arrives (sql/views/19_conversation_facts.sql: compacted rows
-- merged with the few pending ones) instead of grouping every message by its text id on each
-- query. "First of the conversation" is by event microseconds, then a hash of the event id
-- (events at the same microsecond: arbitrary but the same in any arrival order). The first public
-- reply is the conversation's first public outbound message when that came after the opening
-- (nearly always); only the others are looked up again in messages.
CREATE OR REPLACE VIEW conversations AS
WITH base AS (
  SELECT
    brand,
    conversation_id,
    coalesce(first_channel, ticket_channel) AS channel,
    coalesce(ticket_customer_id, msg_customer_id) AS customer_id,
    CASE WHEN ticket_events > 0 OR first_inbound_at IS NOT NULL THEN 'customer' ELSE 'brand' END AS initiated_by,
    -- A ticket's opening is when the clock starts; without one, the customer's first message.
    coalesce(ticket_opened_at, least(first_ticket_at, first_inbound_at), first_message_at) AS opened_at,
    first_outbound_at,
    severity,
    initial_severity,
    topic,
    ticket_events > 0 AS has_ticket,
    CASE WHEN last_action IN ('solved', 'closed') THEN last_solved_at END AS solved_at,
    inbound_messages,
    outbound_messages
  FROM cx_conversation_facts()
),
late AS (
  -- The brand wrote before the clock started (e.g. a ticket opened after its outreach): rare.
  SELECT brand, conversation_id, opened_at FROM base WHERE initiated_by = 'customer' AND first_outbound_at < opened_at
),
late_reply AS (
  -- Their first public reply at or after the opening. Messages are first narrowed to those
  -- conversations by a semi join, whose hash table is built on the few late ones (a plain join
  -- built it on the 2M public outbound messages).
  SELECT l.brand, l.conversation_id, min(m.ts) AS first_response_at
  FROM (
    SELECT brand, conversation_id, ts FROM messages
    WHERE direction = 'outbound' AND public AND (brand, conversation_id) IN (SELECT brand, conversation_id FROM late)
  ) m
  JOIN late l ON m.brand = l.brand AND m.conversation_id = l.conversation_id AND m.ts >= l.opened_at
  GROUP BY l.brand, l.conversation_id
),
answered AS (
  SELECT
    b.*,
    CASE WHEN b.initiated_by = 'customer' THEN
      CASE WHEN b.first_outbound_at >= b.opened_at THEN b.first_outbound_at ELSE r.first_response_at END
    END AS first_response_at
  FROM base b
  LEFT JOIN late_reply r ON r.brand = b.brand AND r.conversation_id = b.conversation_id
)
SELECT
  brand,
  conversation_id,
  channel,
  customer_id,
  initiated_by,
  opened_at,
  severity,
  initial_severity,
  topic,
  first_response_at,
  cx_seconds(opened_at, first_response_at) AS first_response_seconds,
  has_ticket,
  solved_at,
  cx_seconds(opened_at, solved_at) AS resolution_seconds,
  inbound_messages,
  outbound_messages
FROM answered;
