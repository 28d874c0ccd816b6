-- One row per conversation with a severity: how fast it got its first public reply against the
-- target for its (latest) severity and channel (table triage_targets), and how often a less
-- severe conversation of the same brand, opened later, was answered while it still waited
-- (inversions; queue_inversions counts those in the same channel only). An inversion chance is
-- such a pair in which at least one of the two has been answered.
CREATE OR REPLACE VIEW triage_outcomes AS
WITH c AS (
  SELECT
    c.*,
    CASE c.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'normal' THEN 2 WHEN 'low' THEN 1 END AS severity_rank,
    coalesce(tc.target_secs, td.target_secs) AS target_secs
  FROM conversations c
  LEFT JOIN triage_targets tc ON tc.severity = c.severity AND tc.channel = c.channel
  LEFT JOIN triage_targets td ON td.severity = c.severity AND td.channel = '*'
  WHERE c.severity IS NOT NULL AND c.opened_at IS NOT NULL
),
pairs AS (
  -- a: the more severe, opened first; b: less severe, opened while a still waited.
  SELECT
    a.brand,
    a.conversation_id,
    count(*) FILTER (WHERE b.first_response_at < coalesce(a.first_response_at, 'infinity'::TIMESTAMPTZ)) AS inversions,
    count(*) FILTER (WHERE b.first_response_at IS NOT NULL OR a.first_response_at IS NOT NULL) AS inversion_chances,
    -- The same within the conversation's own channel (its queue): what the scorecard's score reads.
    count(*) FILTER (WHERE b.channel = a.channel AND b.first_response_at < coalesce(a.first_response_at, 'infinity'::TIMESTAMPTZ)) AS queue_inversions,
    count(*) FILTER (WHERE b.channel = a.channel AND (b.first_response_at IS NOT NULL OR a.first_response_at IS NOT NULL)) AS queue_inversion_chances
  FROM c a
  JOIN c b
    ON b.brand = a.brand
   AND b.severity_rank < a.severity_rank
   AND b.opened_at > a.opened_at
   AND b.opened_at < coalesce(a.first_response_at, 'infinity'::TIMESTAMPTZ)
  GROUP BY a.brand, a.conversation_id
)
SELECT
  c.brand,
  c.conversation_id,
  c.channel,
  c.customer_id,
  c.topic,
  c.opened_at,
  c.severity,
  c.initial_severity,
  c.severity_rank,
  c.first_response_at,
  c.first_response_seconds,
  c.target_secs,
  CASE
    WHEN c.first_response_at IS NOT NULL THEN c.first_response_seconds <= c.target_secs
    WHEN epoch(a.as_of - c.opened_at) > c.target_secs THEN false
  END AS within_target,
  CASE WHEN c.first_response_at IS NULL THEN epoch(a.as_of - c.opened_at) END AS waiting_seconds,
  c.solved_at,
  c.resolution_seconds,
  coalesce(p.inversions, 0) AS inversions,
  coalesce(p.inversion_chances, 0) AS inversion_chances,
  coalesce(p.queue_inversions, 0) AS queue_inversions,
  coalesce(p.queue_inversion_chances, 0) AS queue_inversion_chances,
  cp.period_id
FROM c
CROSS JOIN data_as_of a
LEFT JOIN pairs p ON p.brand = c.brand AND p.conversation_id = c.conversation_id
LEFT JOIN crisis_periods cp
  ON cp.brand = c.brand
 AND c.opened_at >= cp.started_at
 AND c.opened_at <= coalesce(cp.ended_at, 'infinity'::TIMESTAMPTZ);
