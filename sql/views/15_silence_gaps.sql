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
CREATE MACRO IF NOT EXISTS silence_is_pleasantry(t) AS (t IS NULL AND t IS NOT NULL);
CREATE MACRO IF NOT EXISTS silence_is_pause(status) AS (status IS NULL AND status IS NOT NULL);
CREATE MACRO IF NOT EXISTS silence_clock_seconds(ch, a, b) AS CASE WHEN ch IS NULL OR b <= a THEN 0 ELSE epoch(b - a) END;

CREATE OR REPLACE VIEW silence_gaps AS
WITH timeline AS (
  -- At equal times an inbound message comes first: a reply sent in the same instant answers it.
  SELECT brand, conversation_id, ts, id, CASE WHEN direction = 'inbound' THEN 0 ELSE 1 END AS ord,
         CASE WHEN direction = 'inbound' THEN 'inbound' ELSE 'reply' END AS kind,
         channel, customer_id, text, NULL::VARCHAR AS action
  FROM messages
  WHERE direction = 'inbound' OR public
  UNION ALL
  SELECT brand, conversation_id, ts, id, 1, 'ticket', NULL, NULL, NULL, action
  FROM tickets
  WHERE action IN ('opened', 'reopened', 'solved', 'closed')
),
marked AS (
  SELECT
    *,
    count(*) FILTER (WHERE kind = 'reply') OVER w AS replies,
    -- A new segment after every reply and every solve: a gap lives inside one segment.
    count(*) FILTER (WHERE kind = 'reply' OR action IN ('solved', 'closed')) OVER w AS seg,
    last_value(action IGNORE NULLS) OVER w AS lifecycle
  FROM timeline
  WINDOW w AS (PARTITION BY brand, conversation_id ORDER BY ts, ord, id ROWS UNBOUNDED PRECEDING)
),
inbound AS (
  SELECT
    *,
    coalesce(lifecycle, '') NOT IN ('solved', 'closed') AND NOT (replies > 0 AND coalesce(silence_is_pleasantry(text), false)) AS actionable
  FROM marked
  WHERE kind = 'inbound'
),
gaps AS (
  SELECT
    brand,
    conversation_id,
    seg,
    min(ts) FILTER (WHERE actionable) AS started_at,
    arg_min(channel, (ts, id)) FILTER (WHERE actionable) AS channel,
    arg_min(customer_id, (ts, id)) FILTER (WHERE actionable) AS msg_customer_id
  FROM inbound
  GROUP BY brand, conversation_id, seg
  HAVING min(ts) FILTER (WHERE actionable) IS NOT NULL
),
counted AS (
  SELECT g.brand, g.conversation_id, g.seg, count(*) AS inbound_count
  FROM gaps g
  JOIN inbound i ON i.brand = g.brand AND i.conversation_id = g.conversation_id AND i.seg = g.seg AND i.ts >= g.started_at
  GROUP BY ALL
),
ends AS (
  SELECT brand, conversation_id, seg - 1 AS seg, ts AS ended_at, CASE WHEN kind = 'reply' THEN 'reply' ELSE 'solved' END AS ended_by
  FROM marked
  WHERE kind = 'reply' OR action IN ('solved', 'closed')
),
tk AS (
  SELECT
    brand,
    conversation_id,
    arg_max(severity, (ts, id)) FILTER (WHERE severity IS NOT NULL) AS severity,
    arg_max(customer_id, (ts, id)) FILTER (WHERE customer_id IS NOT NULL) AS ticket_customer_id
  FROM tickets
  GROUP BY ALL
),
statuses AS (
  SELECT
    brand,
    conversation_id,
    ts AS from_ts,
    lead(ts) OVER (PARTITION BY brand, conversation_id ORDER BY ts, id) AS to_ts,
    coalesce(silence_is_pause(status), false) AS paused
  FROM tickets
  WHERE status IS NOT NULL
),
bounded AS (
  SELECT
    g.*,
    e.ended_at,
    e.ended_by,
    coalesce(e.ended_at, greatest(a.as_of, g.started_at)) AS until,
    t.severity,
    coalesce(g.msg_customer_id, t.ticket_customer_id) AS customer_id,
    c.inbound_count
  FROM gaps g
  CROSS JOIN (SELECT max(ts) AS as_of FROM events) a -- the same 'now' as view data_as_of (defined later)
  LEFT JOIN ends e USING (brand, conversation_id, seg)
  LEFT JOIN tk t USING (brand, conversation_id)
  JOIN counted c USING (brand, conversation_id, seg)
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
  epoch(b.until - b.started_at) AS gap_seconds,
  greatest(0, silence_clock_seconds(b.channel, b.started_at, b.until) - coalesce(p.paused_seconds, 0)) AS waited_seconds,
  th.threshold_secs,
  greatest(0, silence_clock_seconds(b.channel, b.started_at, b.until) - coalesce(p.paused_seconds, 0)) >= th.threshold_secs AS breached,
  b.inbound_count,
  b.ended_at IS NULL AND coalesce(p.paused_now, false) AS paused
FROM bounded b
LEFT JOIN pauses p USING (brand, conversation_id, seg)
LEFT JOIN silence_thresholds th ON th.channel = b.channel AND th.severity = coalesce(b.severity, 'none');
