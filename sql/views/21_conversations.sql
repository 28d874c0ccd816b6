-- One row per conversation (brand × conversation id) from its messages and ticket events: who
-- opened it, when, the first public reply, its severity and whether it is solved. The triage,
-- promise and channel views build on it.
--
-- Performance (10M events, bench/sections/views.ts): "first of the conversation" is arg_min over
-- one fixed-width key per event, epoch microseconds then a hash of the event id (events at the
-- same microsecond are ordered by that hash: arbitrary but the same in any arrival order), which
-- costs half what a (ts, id) struct key does and keeps the aggregate inside the 1 GB memory limit.
-- The first public reply is the conversation's first public outbound message when that came after
-- the opening (nearly always); only the others are looked up again in messages.
CREATE OR REPLACE VIEW conversations AS
WITH msg AS (
  SELECT
    brand,
    conversation_id,
    arg_min(channel, k) AS first_channel,
    min(ts) AS first_message_at,
    min(ts) FILTER (WHERE direction = 'inbound') AS first_inbound_at,
    min(ts) FILTER (WHERE direction = 'outbound' AND public) AS first_outbound_at,
    arg_min(customer_id, k) FILTER (WHERE customer_id IS NOT NULL) AS msg_customer_id,
    count(*) FILTER (WHERE direction = 'inbound') AS inbound_messages,
    count(*) FILTER (WHERE direction = 'outbound' AND public) AS outbound_messages
  FROM (SELECT *, epoch_us(ts)::HUGEINT * 18446744073709551616 + hash(id) AS k FROM messages)
  GROUP BY brand, conversation_id
),
tk AS (
  SELECT
    brand,
    conversation_id,
    min(ts) FILTER (WHERE action = 'opened') AS ticket_opened_at,
    min(ts) AS first_ticket_at,
    arg_min(severity, k) FILTER (WHERE severity IS NOT NULL) AS initial_severity,
    arg_max(severity, k) FILTER (WHERE severity IS NOT NULL) AS severity,
    arg_min(channel, k) FILTER (WHERE channel IS NOT NULL) AS ticket_channel,
    arg_min(customer_id, k) FILTER (WHERE customer_id IS NOT NULL) AS ticket_customer_id,
    arg_min(topic, k) FILTER (WHERE topic IS NOT NULL) AS topic,
    arg_max(action, k) AS last_action,
    max(ts) FILTER (WHERE action IN ('solved', 'closed')) AS last_solved_at
  FROM (SELECT *, epoch_us(ts)::HUGEINT * 18446744073709551616 + hash(id) AS k FROM tickets)
  GROUP BY brand, conversation_id
),
base AS (
  SELECT
    coalesce(m.brand, t.brand) AS brand,
    coalesce(m.conversation_id, t.conversation_id) AS conversation_id,
    coalesce(m.first_channel, t.ticket_channel) AS channel,
    coalesce(t.ticket_customer_id, m.msg_customer_id) AS customer_id,
    CASE WHEN t.conversation_id IS NOT NULL OR m.first_inbound_at IS NOT NULL THEN 'customer' ELSE 'brand' END AS initiated_by,
    -- A ticket's opening is when the clock starts; without one, the customer's first message.
    coalesce(t.ticket_opened_at, least(t.first_ticket_at, m.first_inbound_at), m.first_message_at) AS opened_at,
    m.first_outbound_at,
    t.severity,
    t.initial_severity,
    t.topic,
    t.conversation_id IS NOT NULL AS has_ticket,
    CASE WHEN t.last_action IN ('solved', 'closed') THEN t.last_solved_at END AS solved_at,
    coalesce(m.inbound_messages, 0) AS inbound_messages,
    coalesce(m.outbound_messages, 0) AS outbound_messages
  FROM msg m
  FULL OUTER JOIN tk t ON t.brand = m.brand AND t.conversation_id = m.conversation_id
),
late_reply AS (
  -- The brand wrote before the clock started (e.g. a ticket opened after its outreach): the first
  -- public reply at or after the opening.
  SELECT b.brand, b.conversation_id, min(m.ts) AS first_response_at
  FROM base b
  JOIN messages m
    ON m.brand = b.brand AND m.conversation_id = b.conversation_id
   AND m.direction = 'outbound' AND m.public AND m.ts >= b.opened_at
  WHERE b.initiated_by = 'customer' AND b.first_outbound_at < b.opened_at
  GROUP BY b.brand, b.conversation_id
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
