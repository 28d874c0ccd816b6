-- One row per promise: explicit promise events (by promise id) and promises read out of agents'
-- messages (promises_extracted), an extracted one dropped when an explicit one of the same
-- conversation and kind (or either "other") was made within view_settings.promise_match_window_secs.
-- Fulfilled by an explicit `kept` event; without one, a callback or update by the next public
-- outbound message (or call) of the conversation, and a fix by the ticket being solved.
-- kept: fulfilled by the due time; late: within promise_grace_secs after it; broken: not
-- fulfilled by then; open: not due + grace yet; cancelled: cancelled before being fulfilled.
CREATE OR REPLACE VIEW promise_outcomes AS
WITH s AS (
  SELECT
    coalesce(max(value) FILTER (WHERE key = 'promise_grace_secs'), 1800) AS grace_secs,
    coalesce(max(value) FILTER (WHERE key = 'promise_match_window_secs'), 900) AS window_secs
  FROM view_settings
),
explicit AS (
  SELECT
    brand,
    conversation_id,
    promise_id,
    min(ts) FILTER (WHERE action = 'made') AS made_at,
    -- A promise made again is rescheduled: the latest `made` sets the due time.
    arg_max(due_at, (ts, id)) FILTER (WHERE action = 'made') AS due_at,
    coalesce(arg_max(kind, (ts, id)) FILTER (WHERE action = 'made' AND kind IS NOT NULL), 'other') AS kind,
    arg_max(agent_id, (ts, id)) FILTER (WHERE action = 'made' AND agent_id IS NOT NULL) AS agent_id,
    arg_max(text, (ts, id)) FILTER (WHERE action = 'made' AND text IS NOT NULL) AS text,
    min(ts) FILTER (WHERE action = 'kept') AS kept_at,
    min(ts) FILTER (WHERE action = 'cancelled') AS cancelled_at
  FROM promises
  GROUP BY brand, conversation_id, promise_id
  HAVING min(ts) FILTER (WHERE action = 'made') IS NOT NULL
),
matches AS (
  -- Extracted promises that are explicit ones; the message that made it is remembered so it
  -- does not count as its own fulfilment.
  SELECT
    x.brand, x.conversation_id, x.promise_id, e.id AS extracted_id, e.message_id,
    row_number() OVER (PARTITION BY x.brand, x.conversation_id, x.promise_id ORDER BY abs(cx_seconds(x.made_at, e.ts)), e.id) AS rank_for_explicit
  FROM explicit x
  JOIN promises_extracted e
    ON e.brand = x.brand AND e.conversation_id = x.conversation_id
   AND (e.kind = x.kind OR e.kind = 'other' OR x.kind = 'other')
  CROSS JOIN s
  WHERE abs(cx_seconds(x.made_at, e.ts)) <= s.window_secs
),
candidates AS (
  SELECT
    x.brand, x.conversation_id, x.promise_id, 'explicit' AS source, x.kind, x.agent_id,
    x.made_at, x.due_at, x.kept_at, x.cancelled_at, m.message_id, x.text
  FROM explicit x
  LEFT JOIN matches m
    ON m.brand = x.brand AND m.conversation_id = x.conversation_id AND m.promise_id = x.promise_id AND m.rank_for_explicit = 1
  UNION ALL
  SELECT
    e.brand, e.conversation_id, e.id, 'extracted', e.kind, e.agent_id,
    e.ts, e.due_at, NULL, NULL, e.message_id, e.sentence
  FROM promises_extracted e
  WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.extracted_id = e.id)
),
replies AS (
  SELECT
    p.brand, p.conversation_id, p.promise_id,
    min(m.ts) AS first_reply_at
  FROM candidates p
  JOIN messages m
    ON m.brand = p.brand AND m.conversation_id = p.conversation_id
   AND m.direction = 'outbound' AND m.public
   AND m.ts > p.made_at
   AND m.id IS DISTINCT FROM p.message_id
  WHERE p.kind IN ('callback', 'update')
  GROUP BY p.brand, p.conversation_id, p.promise_id
),
solves AS (
  SELECT p.brand, p.conversation_id, p.promise_id, min(t.ts) AS solved_at
  FROM candidates p
  JOIN tickets t
    ON t.brand = p.brand AND t.conversation_id = p.conversation_id
   AND t.action IN ('solved', 'closed') AND t.ts > p.made_at
  WHERE p.kind = 'fix'
  GROUP BY p.brand, p.conversation_id, p.promise_id
),
reached AS (
  SELECT
    p.*,
    coalesce(p.kept_at, r.first_reply_at, v.solved_at) AS reached_at,
    CASE
      WHEN p.kept_at IS NOT NULL THEN 'kept_event'
      WHEN r.first_reply_at IS NOT NULL THEN 'reply'
      WHEN v.solved_at IS NOT NULL THEN 'ticket_solved'
    END AS fulfilled_by
  FROM candidates p
  LEFT JOIN replies r ON r.brand = p.brand AND r.conversation_id = p.conversation_id AND r.promise_id = p.promise_id
  LEFT JOIN solves v ON v.brand = p.brand AND v.conversation_id = p.conversation_id AND v.promise_id = p.promise_id
),
promise_conversations AS (
  SELECT DISTINCT brand, conversation_id FROM candidates
),
channels AS (
  -- The conversation's channel as view conversations has it (its first message's, else its
  -- ticket's), for the promises' conversations only: the full conversations view costs seconds
  -- over millions of events.
  SELECT
    p.brand,
    p.conversation_id,
    coalesce(m.channel, t.channel) AS channel
  FROM promise_conversations p
  LEFT JOIN (
    SELECT m.brand, m.conversation_id, arg_min(m.channel, epoch_us(m.ts)::HUGEINT * 18446744073709551616 + hash(m.id)) AS channel
    FROM messages m SEMI JOIN promise_conversations p ON p.brand = m.brand AND p.conversation_id = m.conversation_id
    GROUP BY ALL
  ) m ON m.brand = p.brand AND m.conversation_id = p.conversation_id
  LEFT JOIN (
    SELECT t.brand, t.conversation_id, arg_min(t.channel, epoch_us(t.ts)::HUGEINT * 18446744073709551616 + hash(t.id)) AS channel
    FROM tickets t SEMI JOIN promise_conversations p ON p.brand = t.brand AND p.conversation_id = t.conversation_id
    GROUP BY ALL
  ) t ON t.brand = p.brand AND t.conversation_id = p.conversation_id
),
fulfilled AS (
  -- What happens after a cancellation fulfils nothing.
  SELECT
    * EXCLUDE (reached_at, fulfilled_by),
    cancelled_at IS NOT NULL AND (reached_at IS NULL OR reached_at > cancelled_at) AS is_cancelled,
    CASE WHEN NOT is_cancelled THEN reached_at END AS fulfilled_at,
    CASE WHEN NOT is_cancelled THEN fulfilled_by END AS fulfilled_by
  FROM reached
)
SELECT
  f.brand,
  f.promise_id,
  f.source,
  f.conversation_id,
  c.channel,
  f.kind,
  f.agent_id,
  f.made_at,
  f.due_at,
  cx_seconds(f.made_at, f.due_at) AS promised_seconds,
  f.fulfilled_at,
  f.fulfilled_by,
  CASE
    WHEN f.is_cancelled THEN 'cancelled'
    WHEN f.fulfilled_at <= f.due_at THEN 'kept'
    WHEN f.fulfilled_at <= cx_add_seconds(f.due_at, s.grace_secs) THEN 'late'
    WHEN f.fulfilled_at IS NOT NULL OR a.as_of > cx_add_seconds(f.due_at, s.grace_secs) THEN 'broken'
    ELSE 'open'
  END AS outcome,
  cx_seconds(f.fulfilled_at, f.due_at) AS margin_seconds,
  f.cancelled_at,
  f.message_id,
  f.text
FROM fulfilled f
CROSS JOIN s
CROSS JOIN data_as_of a
LEFT JOIN channels c ON c.brand = f.brand AND c.conversation_id = f.conversation_id;
