-- One row per brand: the headline figures of the views above, as of the latest event. What a
-- what-if replay compares before and after (result_snapshots), and a quick first look.
CREATE OR REPLACE VIEW brand_summary AS
WITH brands AS (
  SELECT DISTINCT brand FROM events
),
crisis AS (
  SELECT brand, count(*) AS crisis_periods, sum(duration_seconds) AS crisis_seconds, CAST(sum(inbound) AS BIGINT) AS crisis_inbound, CAST(sum(upset) AS BIGINT) AS crisis_upset
  FROM crisis_periods GROUP BY brand
),
triage AS (
  SELECT
    brand,
    count(*) AS triaged_conversations,
    count(*) FILTER (WHERE NOT within_target) AS triage_breaches,
    count(*) FILTER (WHERE within_target) / nullif(count(within_target), 0) AS within_target_share,
    round(100 * (1 - sum(queue_inversions) FILTER (WHERE period_id IS NOT NULL)
      / nullif(sum(queue_inversion_chances) FILTER (WHERE period_id IS NOT NULL), 0)), 1) AS crisis_bleeding_first_score
  FROM triage_outcomes GROUP BY brand
),
promise AS (
  SELECT brand, made AS promises_made, kept AS promises_kept, late AS promises_late, broken AS promises_broken, open AS promises_open, keep_rate AS promise_keep_rate
  FROM promise_scorecard WHERE grouped_by = 'brand'
),
outreach AS (
  SELECT brand, CAST(sum(affected) AS BIGINT) AS affected_customers, CAST(sum(silent) AS BIGINT) AS silent_sufferers, sum(reached_first) / nullif(sum(affected), 0) AS proactive_coverage
  FROM proactive_coverage GROUP BY brand
)
SELECT
  b.brand,
  coalesce(c.crisis_periods, 0) AS crisis_periods,
  coalesce(c.crisis_seconds, 0) AS crisis_seconds,
  coalesce(c.crisis_inbound, 0) AS crisis_inbound,
  coalesce(c.crisis_upset, 0) AS crisis_upset,
  coalesce(t.triaged_conversations, 0) AS triaged_conversations,
  coalesce(t.triage_breaches, 0) AS triage_breaches,
  t.within_target_share,
  t.crisis_bleeding_first_score,
  coalesce(p.promises_made, 0) AS promises_made,
  coalesce(p.promises_kept, 0) AS promises_kept,
  coalesce(p.promises_late, 0) AS promises_late,
  coalesce(p.promises_broken, 0) AS promises_broken,
  coalesce(p.promises_open, 0) AS promises_open,
  p.promise_keep_rate,
  coalesce(o.affected_customers, 0) AS affected_customers,
  coalesce(o.silent_sufferers, 0) AS silent_sufferers,
  o.proactive_coverage
FROM brands b
LEFT JOIN crisis c ON c.brand = b.brand
LEFT JOIN triage t ON t.brand = b.brand
LEFT JOIN promise p ON p.brand = b.brand
LEFT JOIN outreach o ON o.brand = b.brand;
