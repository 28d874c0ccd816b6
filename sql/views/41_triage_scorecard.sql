-- Per brand × crisis period × severity (period_id NULL: outside any crisis period): first
-- response times, target share, inversions, and one "bleeding first" score per period.
-- bleeding_first_score = 100 × (1 − inversions / inversion_chances) over the period's
-- conversations: 100 means every more severe case that was waiting got its reply before any less
-- severe case opened after it; 0 means it never did. NULL when no such pair exists.
CREATE OR REPLACE VIEW triage_scorecard AS
SELECT
  brand,
  period_id,
  severity,
  any_value(severity_rank) AS severity_rank,
  count(*) AS conversations,
  count(first_response_at) AS answered,
  median(first_response_seconds) AS median_first_response_seconds,
  quantile_cont(first_response_seconds, 0.9) AS p90_first_response_seconds,
  count(*) FILTER (WHERE within_target) AS within_target,
  count(*) FILTER (WHERE NOT within_target) AS breaches,
  count(*) FILTER (WHERE within_target) / nullif(count(within_target), 0) AS within_target_share,
  sum(inversions) AS inversions,
  sum(inversion_chances) AS inversion_chances,
  round(100 * (1 - sum(sum(inversions)) OVER w / nullif(sum(sum(inversion_chances)) OVER w, 0)), 1) AS bleeding_first_score
FROM triage_outcomes
GROUP BY brand, period_id, severity
WINDOW w AS (PARTITION BY brand, period_id);
