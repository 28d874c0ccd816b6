-- Per brand × crisis period × channel: which channel actually serves customers fastest during the
-- crisis (the latest period is the current one). Conversations opened by customers in the period.
CREATE OR REPLACE VIEW channel_guidance AS
WITH p AS MATERIALIZED (
  -- Computed once: both parts below read the periods (inlined twice, crisis_periods ran twice).
  SELECT brand, period_id, started_at, ended_at, coalesce(ended_at, 'infinity'::TIMESTAMPTZ) AS until_at FROM crisis_periods
),
conv AS (
  SELECT
    p.brand, p.period_id, p.started_at AS period_started_at, p.ended_at AS period_ended_at, c.channel,
    count(*) AS conversations,
    count(c.first_response_at) AS answered,
    median(c.first_response_seconds) AS median_first_response_seconds,
    quantile_cont(c.first_response_seconds, 0.9) AS p90_first_response_seconds,
    count(*) FILTER (WHERE c.has_ticket) AS with_ticket,
    count(c.solved_at) AS solved,
    median(c.resolution_seconds) AS median_resolution_seconds
  FROM p
  JOIN conversations c
    ON c.brand = p.brand AND c.initiated_by = 'customer'
   AND c.opened_at >= p.started_at AND c.opened_at <= p.until_at
  GROUP BY p.brand, p.period_id, p.started_at, p.ended_at, c.channel
),
mood AS (
  SELECT
    p.brand, p.period_id, m.channel,
    count(*) AS inbound,
    count(*) FILTER (WHERE m.upset_label = 'upset') AS upset,
    count(m.upset_label) AS scored
  FROM p
  JOIN messages m
    ON m.brand = p.brand AND m.direction = 'inbound'
   AND m.ts >= p.started_at AND m.ts <= p.until_at
  GROUP BY p.brand, p.period_id, m.channel
)
SELECT
  c.brand,
  c.period_id,
  c.period_started_at,
  c.period_ended_at,
  c.channel,
  c.conversations,
  c.answered,
  c.answered / c.conversations AS answered_share,
  c.median_first_response_seconds,
  c.p90_first_response_seconds,
  c.solved / nullif(c.with_ticket, 0) AS resolution_rate,
  c.median_resolution_seconds,
  coalesce(m.inbound, 0) AS inbound,
  m.upset / nullif(m.scored, 0) AS upset_share,
  rank() OVER (PARTITION BY c.brand, c.period_id ORDER BY c.median_first_response_seconds ASC NULLS LAST) AS speed_rank
FROM conv c
LEFT JOIN mood m ON m.brand = c.brand AND m.period_id = c.period_id AND m.channel = c.channel;
