-- Alerts, as analysts and the live page read them (the raw history is the `alerts` table,
-- one row per change; see sql/schema.sql and docs/alerts.md).

-- One row per alert episode: an alert from the moment its condition held until it resolved.
-- state: pending (waiting out for_secs), firing, resolved, or inactive (ended before it fired).
-- first_notified_at: when it was first part of a notification (NULL: never, e.g. held back by
-- inhibition the whole time, or its rule does not notify). In replays nothing is sent, but the
-- notifications that would have been sent are recorded, so what-if replays count pages too.
CREATE OR REPLACE VIEW alert_episodes AS
WITH life AS (
  SELECT *,
         CASE state WHEN 'pending' THEN 1 WHEN 'firing' THEN 2 ELSE 3 END AS step
  FROM alerts
  WHERE state IN ('pending', 'firing', 'resolved', 'inactive')
),
notified AS (
  SELECT alert_id, min(ts) AS first_notified_at, count(*) AS notifications
  FROM (
    SELECT alert_id, ts FROM alert_notification_members
  )
  GROUP BY alert_id
),
episodes AS (
  SELECT
    alert_id,
    any_value(alert_key)                              AS alert_key,
    any_value(rule)                                   AS rule,
    any_value(brand)                                  AS brand,
    arg_max(state, step)                              AS state,
    arg_max(severity, step)                           AS severity,
    min(started_at)                                   AS started_at,
    min(ts) FILTER (WHERE state = 'pending')          AS pending_at,
    min(ts) FILTER (WHERE state = 'firing')           AS fired_at,
    max(ts) FILTER (WHERE state IN ('resolved', 'inactive')) AS ended_at,
    coalesce(bool_or(inhibited) FILTER (WHERE state = 'firing'), false) AS inhibited_at_firing,
    any_value(inhibited_by) FILTER (WHERE state = 'firing') AS inhibited_by,
    arg_max(summary, step)                            AS summary,
    arg_max(labels, step)                             AS labels,
    arg_max(measures, step)                           AS measures,
    any_value(link)                                   AS link,
    any_value(query)                                  AS query,
    any_value(group_key)                              AS group_key
  FROM life
  GROUP BY alert_id
)
SELECT
  e.*,
  cx_seconds(e.fired_at, coalesce(e.ended_at, e.fired_at)) AS firing_secs,
  n.first_notified_at,
  coalesce(n.notifications, 0)                         AS notifications
FROM episodes e
LEFT JOIN notified n USING (alert_id);

-- Alerts firing now (as of the latest stored data), worst first.
CREATE OR REPLACE VIEW alerts_firing AS
SELECT *
FROM alert_episodes
WHERE state = 'firing'
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, fired_at;

-- One row per notification (a group of alerts with a count) and how its deliveries went:
-- sinks it was handed to, delivered / failed / dropped per sink, and the wall-clock delay from
-- the decision to the first delivery.
CREATE OR REPLACE VIEW alert_notifications AS
WITH deliveries AS (
  SELECT
    alert_id,
    count(*) FILTER (WHERE state = 'delivered')           AS delivered,
    count(*) FILTER (WHERE state = 'failed')              AS failed,
    count(*) FILTER (WHERE state = 'dropped')             AS dropped,
    max(attempts)                                         AS max_attempts,
    min(recorded_at) FILTER (WHERE state = 'delivered')   AS first_delivered_at,
    string_agg(sinks || ': ' || reason, '; ') FILTER (WHERE state <> 'delivered') AS problems
  FROM alerts
  WHERE state IN ('delivered', 'failed', 'dropped')
  GROUP BY alert_id
)
SELECT
  n.alert_id                                                   AS notification_id,
  n.ts,
  n.recorded_at,
  n.alert_key                                                  AS group_key,
  n.rule,
  n.brand,
  n.severity,
  n.notify_state                                               AS state,
  n.alert_count,
  coalesce(TRY_CAST(json_extract_string(n.measures, '$.inhibited') AS INTEGER), 0) AS held_back,
  n.summary,
  n.link,
  n.query,
  n.sinks,
  coalesce(d.delivered, 0)                                     AS delivered,
  coalesce(d.failed, 0)                                        AS failed,
  coalesce(d.dropped, 0)                                       AS dropped,
  d.max_attempts,
  cx_seconds(n.recorded_at, d.first_delivered_at)              AS delivery_secs,
  d.problems
FROM alerts n
LEFT JOIN deliveries d USING (alert_id)
WHERE n.state = 'notified';
