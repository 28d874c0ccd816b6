-- Promise keeping per brand × agent, per brand × channel and per brand (column grouped_by says which).
-- keep_rate = kept / (kept + late + broken): open and cancelled promises are not decided yet or
-- not owed. median_margin_seconds over kept and late promises: positive means early
-- ("under-promise, over-deliver"), negative late.
CREATE OR REPLACE VIEW promise_scorecard AS
WITH p AS (
  SELECT *, coalesce(agent_id, '(none)') AS agent, coalesce(channel, '(unknown)') AS chan
  FROM promise_outcomes
)
SELECT
  brand,
  CASE WHEN GROUPING(agent) = 0 THEN 'agent' WHEN GROUPING(chan) = 0 THEN 'channel' ELSE 'brand' END AS grouped_by,
  CASE WHEN GROUPING(agent) = 0 THEN agent END AS agent_id,
  CASE WHEN GROUPING(chan) = 0 THEN chan END AS channel,
  count(*) AS made,
  count(*) FILTER (WHERE outcome = 'kept') AS kept,
  count(*) FILTER (WHERE outcome = 'late') AS late,
  count(*) FILTER (WHERE outcome = 'broken') AS broken,
  count(*) FILTER (WHERE outcome = 'open') AS open,
  count(*) FILTER (WHERE outcome = 'cancelled') AS cancelled,
  count(*) FILTER (WHERE outcome = 'kept') / nullif(count(*) FILTER (WHERE outcome IN ('kept', 'late', 'broken')), 0) AS keep_rate,
  median(margin_seconds) FILTER (WHERE outcome IN ('kept', 'late')) AS median_margin_seconds
FROM p
GROUP BY GROUPING SETS ((brand, agent), (brand, chan), (brand));
