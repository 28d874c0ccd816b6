-- One row per conversation with a severity: how fast it got its first public reply against the
-- target for its (latest) severity and channel (table triage_targets), and how often a less
-- severe conversation of the same brand, opened later, was answered while it still waited
-- (inversions; queue_inversions counts those in the same channel only). An inversion chance is
-- such a pair in which at least one of the two has been answered.
--
-- How the pairs are counted without pairing them (a pairwise join is quadratic: a critical case
-- left waiting pairs with every later case; 10M events took minutes or ran out of memory):
--   * inversions of a case A = cases B, less severe, opened after A and answered before A was
--     (any time, if A is still waiting). "Less severe" = every case minus those of A's level and
--     above, so with lane t = the cases of level >= t, inversions = G(lane 1) − G(lane of A), where
--     G(lane) counts the cases of the lane answered before A and opened after it: the rank of A's
--     opening among the cases preceding A in reply order (DuckDB's framed rank, a merge-sort tree).
--     Ties in reply time are ordered by opening time, so a tie never counts.
--   * chances of an answered case = less severe cases opened while it waited: running counts per
--     level over openings, read at A's reply (counts strictly before) minus at A's opening (counts
--     ties too). Chances of a waiting case are its inversions (only answered ones can jump ahead).
-- Checked against the pairwise definition on random cases with many ties: test/unit/views-triage-inversions.test.ts.
CREATE OR REPLACE VIEW triage_outcomes AS
WITH c AS MATERIALIZED (
  SELECT
    c.*,
    CASE c.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'normal' THEN 2 WHEN 'low' THEN 1 END AS severity_rank,
    coalesce(tc.target_secs, td.target_secs) AS target_secs,
    epoch_us(c.opened_at) AS o_us,
    epoch_us(c.first_response_at) AS f_us,
    -- A compact key for the joins below (the CTE is materialized, so it is stable within the query).
    row_number() OVER () AS k
  FROM conversations c
  LEFT JOIN triage_targets tc ON tc.severity = c.severity AND tc.channel = c.channel
  LEFT JOIN triage_targets td ON td.severity = c.severity AND td.channel = '*'
  WHERE c.severity IS NOT NULL AND c.opened_at IS NOT NULL
),
queues AS MATERIALIZED (
  -- Small integer keys for the window partitions below: sorting and hashing on an integer rather
  -- than on brand and channel strings made the passes about a quarter cheaper over 1.5M cases.
  SELECT brand, channel, dense_rank() OVER (ORDER BY brand) AS bk, row_number() OVER (ORDER BY brand, channel) AS qk
  FROM (SELECT DISTINCT brand, channel FROM c)
),
keyed AS NOT MATERIALIZED (
  SELECT c.k, c.severity_rank, c.o_us, c.f_us, c.channel IS NOT NULL AS has_channel, q.bk, q.qk
  FROM c JOIN queues q ON q.brand = c.brand AND q.channel IS NOT DISTINCT FROM c.channel
),
lanes AS NOT MATERIALIZED (
  -- Each ranked case once in every lane t up to its own level (lane t: the cases of level >= t),
  -- with its lane's partition keys in the brand (bt) and in the channel (qt).
  SELECT k, severity_rank, o_us, f_us, has_channel, l.t, bk * 8 + l.t AS bt, qk * 8 + l.t AS qt
  FROM keyed
  JOIN (VALUES (1), (2), (3), (4)) l(t) ON l.t <= severity_rank
),
inverted AS (
  -- Per lane: cases of the lane answered before this one (waiting ones last, by opening) and opened after it.
  SELECT k, CAST(sum(CASE WHEN t = 1 THEN g ELSE -g END) AS BIGINT) AS inversions
  FROM (
    SELECT k, t, severity_rank,
      rank(ORDER BY o_us DESC) OVER (PARTITION BY bt ORDER BY f_us, o_us ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) - 1 AS g
    FROM lanes
  )
  WHERE (t = 1) <> (t = severity_rank)
  GROUP BY k
),
queue_inverted AS (
  -- The same within the case's channel (a separate pass: one merge-sort tree in memory at a time).
  SELECT k, CAST(sum(CASE WHEN t = 1 THEN g ELSE -g END) AS BIGINT) AS queue_inversions
  FROM (
    SELECT k, t, severity_rank,
      rank(ORDER BY o_us DESC) OVER (PARTITION BY qt ORDER BY f_us, o_us ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) - 1 AS g
    FROM lanes
    WHERE has_channel
  )
  WHERE (t = 1) <> (t = severity_rank)
  GROUP BY k
),
points AS (
  -- Every case at its opening, and answered ones above the lowest level again at their reply. On
  -- one time line (2 × microseconds) a reply point sorts before the openings of its instant and an
  -- opening after them, so a running count reads "opened before" at a reply and "opened up to and
  -- at" at an opening.
  SELECT k, bk, qk, has_channel, severity_rank, f_us IS NOT NULL AS answered, 1 AS is_open, 2 * o_us + 1 AS pos FROM keyed
  UNION ALL
  SELECT k, bk, qk, has_channel, severity_rank, true, 0, 2 * f_us FROM keyed WHERE f_us IS NOT NULL AND severity_rank > 1
),
counted AS (
  -- Openings so far of each less severe level, in the brand and in the channel, summed over the
  -- levels below the case's own: at its reply minus at its opening.
  SELECT
    k,
    is_open,
    CASE severity_rank WHEN 4 THEN n1 + n2 + n3 WHEN 3 THEN n1 + n2 WHEN 2 THEN n1 ELSE 0 END AS n,
    CASE severity_rank WHEN 4 THEN q1 + q2 + q3 WHEN 3 THEN q1 + q2 WHEN 2 THEN q1 ELSE 0 END AS q
  FROM (
    SELECT
      k, is_open, answered, severity_rank,
      sum(CASE WHEN is_open = 1 AND severity_rank = 1 THEN 1 ELSE 0 END) OVER w AS n1,
      sum(CASE WHEN is_open = 1 AND severity_rank = 2 THEN 1 ELSE 0 END) OVER w AS n2,
      sum(CASE WHEN is_open = 1 AND severity_rank = 3 THEN 1 ELSE 0 END) OVER w AS n3,
      CASE WHEN has_channel THEN sum(CASE WHEN is_open = 1 AND severity_rank = 1 THEN 1 ELSE 0 END) OVER q END AS q1,
      CASE WHEN has_channel THEN sum(CASE WHEN is_open = 1 AND severity_rank = 2 THEN 1 ELSE 0 END) OVER q END AS q2,
      CASE WHEN has_channel THEN sum(CASE WHEN is_open = 1 AND severity_rank = 3 THEN 1 ELSE 0 END) OVER q END AS q3
    FROM points
    -- Plain sums (a FILTER clause on a window aggregate takes a slow path in DuckDB 1.5).
    WINDOW w AS (PARTITION BY bk ORDER BY pos), q AS (PARTITION BY qk ORDER BY pos)
  )
  WHERE answered AND severity_rank > 1
),
chances AS (
  -- Answered cases: less severe ones opened after the opening and before the reply (0 if answered at once).
  SELECT
    k,
    CAST(greatest(0, sum(CASE WHEN is_open = 1 THEN -n ELSE n END)) AS BIGINT) AS inversion_chances,
    CAST(greatest(0, sum(CASE WHEN is_open = 1 THEN -q ELSE q END)) AS BIGINT) AS queue_inversion_chances
  FROM counted
  GROUP BY k
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
    WHEN cx_seconds(c.opened_at, a.as_of) > c.target_secs THEN false
  END AS within_target,
  CASE WHEN c.first_response_at IS NULL THEN cx_seconds(c.opened_at, a.as_of) END AS waiting_seconds,
  c.solved_at,
  c.resolution_seconds,
  coalesce(i.inversions, 0) AS inversions,
  CASE WHEN c.f_us IS NULL THEN coalesce(i.inversions, 0) ELSE coalesce(h.inversion_chances, 0) END AS inversion_chances,
  CASE WHEN c.channel IS NULL THEN 0 ELSE coalesce(qi.queue_inversions, 0) END AS queue_inversions,
  CASE
    WHEN c.channel IS NULL THEN 0
    WHEN c.f_us IS NULL THEN coalesce(qi.queue_inversions, 0)
    ELSE coalesce(h.queue_inversion_chances, 0)
  END AS queue_inversion_chances,
  cp.period_id
FROM c
CROSS JOIN data_as_of a
LEFT JOIN inverted i ON i.k = c.k
LEFT JOIN queue_inverted qi ON qi.k = c.k
LEFT JOIN chances h ON h.k = c.k
LEFT JOIN crisis_periods cp
  ON cp.brand = c.brand
 AND c.opened_at >= cp.started_at
 AND c.opened_at <= coalesce(cp.ended_at, 'infinity'::TIMESTAMPTZ);
