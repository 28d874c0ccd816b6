-- Per brand × crisis period × severity (period_id NULL: outside any crisis period): first
-- response times, target share, inversions, and one "bleeding first" score per period:
--   bleeding_first_score = 100 × (1 − queue_inversions / queue_inversion_chances)
-- summed over the period's conversations (those opened in it). A pair is a more severe
-- conversation and a less severe one of the same channel opened while the first still waited;
-- it is inverted when the less severe one got its first reply first. 100: the most severe were
-- always answered first; 0: never. Pairs are taken within a channel because each channel is its
-- own queue with its own pace (a chat answered in 2 minutes while an e-mail waits an hour is not a
-- triage failure). NULL when the period has no such pair.
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
  CAST(sum(inversions) AS BIGINT) AS inversions,
  CAST(sum(inversion_chances) AS BIGINT) AS inversion_chances,
  CAST(sum(queue_inversions) AS BIGINT) AS queue_inversions,
  CAST(sum(queue_inversion_chances) AS BIGINT) AS queue_inversion_chances,
  round(100 * (1 - sum(sum(queue_inversions)) OVER w / nullif(sum(sum(queue_inversion_chances)) OVER w, 0)), 1) AS bleeding_first_score
FROM triage_outcomes
GROUP BY brand, period_id, severity
WINDOW w AS (PARTITION BY brand, period_id);
