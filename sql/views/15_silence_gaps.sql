-- Customer silence (src/detect/silence/, docs/detectors.md): one row per gap, i.e. a run of inbound
-- messages with no public reply between them, from the first one that needs an answer to the first
-- public reply after it (ended_by 'reply') or the ticket being solved or closed (ended_by 'solved');
-- open gaps have no end and count up to the latest stored event (data_as_of). The live detector
-- applies the same rules, so its alerts and these rows agree:
--   * an internal note (public = false) ends nothing;
--   * a closing pleasantry ("thanks!", "ok 👍", "gracias") after a reply starts no gap
--     (macro silence_is_pleasantry); nor does a message while the case is solved or closed;
--   * waited_seconds counts only business hours of the gap's channel (macro silence_clock_seconds)
--     and not the time the ticket waited on the customer (statuses of macro silence_is_pause);
--   * the limit is the smaller of the channel's and the severity's (table silence_thresholds).
-- The pipeline writes the macros and tables from detect.silence whenever it opens the file; the
-- stand-ins below (no pleasantries, no pauses, no business hours) only hold before that.
--
-- Performance (10M events, bench/sections/views.ts): one ordered pass over each conversation
-- (running sums, not FILTERed window aggregates, which take a slow path in DuckDB 1.5), message
-- text reduced to a pleasantry flag before the sort (carrying it made the sort run out of the 1 GB
-- memory limit), each segment holding the event that ends its gap (no second pass to find the
-- ends, no self-join to count the messages), and status intervals only for conversations where a
-- status pauses the clock. Events at the same microsecond and of the same kind are ordered by a
-- hash of their id.
CREATE MACRO IF NOT EXISTS silence_is_pleasantry(t) AS (t IS NULL AND t IS NOT NULL);
CREATE MACRO IF NOT EXISTS silence_is_pause(status) AS (status IS NULL AND status IS NOT NULL);
CREATE MACRO IF NOT EXISTS silence_clock_seconds(ch, a, b) AS CASE WHEN ch IS NULL OR b <= a THEN 0 ELSE cx_seconds(a, b) END;

CREATE OR REPLACE VIEW silence_gaps AS
WITH timeline AS (
  -- At equal times an inbound message comes first: a reply sent in the same instant answers it.
  -- key orders a conversation's events: time, then inbound before the rest, then a hash of the id.
  SELECT
    brand, conversation_id, ts,
    (epoch_us(ts)::HUGEINT * 2 + CASE WHEN direction = 'inbound' THEN 0 ELSE 1 END) * 18446744073709551616 + hash(id) AS key,
    direction = 'inbound' AS inbound,
    direction <> 'inbound' AS is_end,
    NULL::BOOLEAN AS closing,
    channel, customer_id,
    direction = 'inbound' AND coalesce(silence_is_pleasantry(text), false) AS pleasantry
  FROM messages
  WHERE direction = 'inbound' OR public
  UNION ALL
  SELECT
    brand, conversation_id, ts,
    (epoch_us(ts)::HUGEINT * 2 + 1) * 18446744073709551616 + hash(id),
    false, action IN ('solved', 'closed'), action IN ('solved', 'closed'),
    NULL, NULL, false
  FROM tickets
  WHERE action IN ('opened', 'reopened', 'solved', 'closed')
),
marked AS (
  SELECT
    brand, conversation_id, ts, key, inbound, is_end, closing, channel, customer_id,
    -- seg: the reply or solve events before this one. A gap lives in one segment, which ends
    -- with the event that ends the gap (the segment's only end event).
    sum(CASE WHEN is_end THEN 1 ELSE 0 END) OVER w - CASE WHEN is_end THEN 1 ELSE 0 END AS seg,
    -- A pleasantry after a reply starts no gap, nor does a message while the case is solved or closed
    -- (the latest ticket event so far: running max of its key, its last bit saying solved/closed).
    inbound AND NOT (pleasantry AND sum(CASE WHEN is_end AND NOT coalesce(closing, false) THEN 1 ELSE 0 END) OVER w > 0)
      AND coalesce(max(CASE WHEN closing IS NOT NULL THEN key * 2 + CASE WHEN closing THEN 1 ELSE 0 END END) OVER w % 2, 0) = 0 AS actionable
  FROM timeline
  WINDOW w AS (PARTITION BY brand, conversation_id ORDER BY key ROWS UNBOUNDED PRECEDING)
),
segments AS (
  SELECT
    brand,
    conversation_id,
    seg,
    min(ts) FILTER (WHERE actionable) AS started_at,
    arg_min(channel, key) FILTER (WHERE actionable) AS channel,
    arg_min(customer_id, key) FILTER (WHERE actionable) AS msg_customer_id,
    list(ts) FILTER (WHERE inbound) AS inbound_ts,
    max(ts) FILTER (WHERE is_end) AS ended_at,
    bool_or(is_end AND closing IS NULL) AS ended_by_reply
  FROM marked
  GROUP BY brand, conversation_id, seg
  HAVING min(ts) FILTER (WHERE actionable) IS NOT NULL
),
tk AS (
  SELECT
    brand,
    conversation_id,
    arg_max(severity, k) FILTER (WHERE severity IS NOT NULL) AS severity,
    arg_max(customer_id, k) FILTER (WHERE customer_id IS NOT NULL) AS ticket_customer_id
  FROM (SELECT brand, conversation_id, severity, customer_id, epoch_us(ts)::HUGEINT * 18446744073709551616 + hash(id) AS k FROM tickets)
  GROUP BY ALL
),
statuses AS (
  -- Ticket status changes, only in conversations where some status pauses the clock.
  SELECT
    brand,
    conversation_id,
    ts AS from_ts,
    lead(ts) OVER (PARTITION BY brand, conversation_id ORDER BY ts, id) AS to_ts,
    coalesce(silence_is_pause(status), false) AS paused
  FROM tickets
  WHERE status IS NOT NULL
    AND (brand, conversation_id) IN (SELECT brand, conversation_id FROM tickets WHERE coalesce(silence_is_pause(status), false))
),
bounded AS (
  SELECT
    g.brand,
    g.conversation_id,
    g.seg,
    g.started_at,
    g.channel,
    g.ended_at,
    CASE WHEN g.ended_by_reply THEN 'reply' WHEN g.ended_at IS NOT NULL THEN 'solved' END AS ended_by,
    coalesce(g.ended_at, greatest(a.as_of, g.started_at)) AS until,
    t.severity,
    coalesce(g.msg_customer_id, t.ticket_customer_id) AS customer_id,
    len(list_filter(g.inbound_ts, x -> x >= g.started_at)) AS inbound_count
  FROM segments g
  CROSS JOIN (SELECT max(ts) AS as_of FROM events) a -- the same 'now' as view data_as_of (defined later)
  LEFT JOIN tk t USING (brand, conversation_id)
),
pauses AS (
  SELECT
    b.brand,
    b.conversation_id,
    b.seg,
    sum(silence_clock_seconds(b.channel, greatest(s.from_ts, b.started_at), least(coalesce(s.to_ts, b.until), b.until))) AS paused_seconds,
    bool_or(s.to_ts IS NULL) AS paused_now
  FROM bounded b
  JOIN statuses s
    ON s.brand = b.brand AND s.conversation_id = b.conversation_id AND s.paused
   AND s.from_ts < b.until AND coalesce(s.to_ts, 'infinity'::TIMESTAMPTZ) > b.started_at
  GROUP BY ALL
)
SELECT
  b.brand,
  b.conversation_id,
  b.channel,
  b.customer_id,
  b.severity,
  b.started_at,
  b.ended_at,
  b.ended_by,
  b.ended_at IS NULL AS open,
  cx_seconds(b.started_at, b.until) AS gap_seconds,
  greatest(0, silence_clock_seconds(b.channel, b.started_at, b.until) - coalesce(p.paused_seconds, 0)) AS waited_seconds,
  th.threshold_secs,
  greatest(0, silence_clock_seconds(b.channel, b.started_at, b.until) - coalesce(p.paused_seconds, 0)) >= th.threshold_secs AS breached,
  b.inbound_count,
  b.ended_at IS NULL AND coalesce(p.paused_now, false) AS paused
FROM bounded b
LEFT JOIN pauses p USING (brand, conversation_id, seg)
LEFT JOIN silence_thresholds th ON th.channel = b.channel AND th.severity = coalesce(b.severity, 'none');
