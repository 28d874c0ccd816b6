-- One row per conversation (brand × conversation id) from its messages and ticket events: who
-- opened it, when, the first public reply, its severity and whether it is solved. The triage,
-- promise and channel views build on it.
CREATE OR REPLACE VIEW conversations AS
WITH msg AS (
  SELECT
    brand,
    conversation_id,
    arg_min(channel, (ts, id)) AS first_channel,
    min(ts) AS first_message_at,
    min(ts) FILTER (WHERE direction = 'inbound') AS first_inbound_at,
    arg_min(customer_id, (ts, id)) FILTER (WHERE customer_id IS NOT NULL) AS msg_customer_id,
    count(*) FILTER (WHERE direction = 'inbound') AS inbound_messages,
    count(*) FILTER (WHERE direction = 'outbound' AND public) AS outbound_messages
  FROM messages
  GROUP BY brand, conversation_id
),
tk AS (
  SELECT
    brand,
    conversation_id,
    min(ts) FILTER (WHERE action = 'opened') AS ticket_opened_at,
    min(ts) AS first_ticket_at,
    arg_min(severity, (ts, id)) FILTER (WHERE severity IS NOT NULL) AS initial_severity,
    arg_max(severity, (ts, id)) FILTER (WHERE severity IS NOT NULL) AS severity,
    arg_min(channel, (ts, id)) FILTER (WHERE channel IS NOT NULL) AS ticket_channel,
    arg_min(customer_id, (ts, id)) FILTER (WHERE customer_id IS NOT NULL) AS ticket_customer_id,
    arg_min(topic, (ts, id)) FILTER (WHERE topic IS NOT NULL) AS topic,
    arg_max(action, (ts, id)) AS last_action,
    max(ts) FILTER (WHERE action IN ('solved', 'closed')) AS last_solved_at
  FROM tickets
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
reply AS (
  SELECT b.brand, b.conversation_id, min(m.ts) AS first_response_at
  FROM base b
  JOIN messages m
    ON m.brand = b.brand AND m.conversation_id = b.conversation_id
   AND m.direction = 'outbound' AND m.public AND m.ts >= b.opened_at
  WHERE b.initiated_by = 'customer'
  GROUP BY b.brand, b.conversation_id
)
SELECT
  b.brand,
  b.conversation_id,
  b.channel,
  b.customer_id,
  b.initiated_by,
  b.opened_at,
  b.severity,
  b.initial_severity,
  b.topic,
  r.first_response_at,
  epoch(r.first_response_at - b.opened_at) AS first_response_seconds,
  b.has_ticket,
  b.solved_at,
  epoch(b.solved_at - b.opened_at) AS resolution_seconds,
  b.inbound_messages,
  b.outbound_messages
FROM base b
LEFT JOIN reply r ON r.brand = b.brand AND r.conversation_id = b.conversation_id;
