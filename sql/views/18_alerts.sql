-- Alerts, as analysts and the live page read them (the raw history is the `alerts` table,
-- one row per change; see sql/schema.sql and docs/alerts.md).

-- Files made before membership changes were stored hold one member row per notification and alert
-- (change NULL: a group of 8,000 re-notified every hour grew by 8,000 rows an hour). They are
-- turned into runs once, when a newer crisiscx opens the file: consecutive notifications of a group
-- that listed an alert become a `joined` row (the first) and a `left` row (the last), except a run
-- still going on (its alert fires and its group's latest notification listed it), which stays
-- open. Idempotent: nothing to do once no NULL row is left.
BEGIN TRANSACTION;
INSERT INTO alert_notification_members (notification_id, alert_id, ts, change)
WITH n AS (
  SELECT alert_id AS notification_id, alert_key AS group_key, ts,
         row_number() OVER (PARTITION BY alert_key ORDER BY ts, alert_id) AS seq,
         count(*) OVER (PARTITION BY alert_key) AS group_last_seq
  FROM alerts
  WHERE state = 'notified'
),
m AS (
  SELECT o.alert_id, n.notification_id, n.ts, n.group_key, n.seq, n.group_last_seq,
         n.seq - row_number() OVER (PARTITION BY o.alert_id, n.group_key ORDER BY n.seq) AS island
  FROM alert_notification_members o
  JOIN n USING (notification_id)
  WHERE o.change IS NULL
),
runs AS (
  SELECT alert_id,
         arg_min(notification_id, seq) AS first_id, min(ts) AS first_ts,
         arg_max(notification_id, seq) AS last_id, max(ts) AS last_ts,
         max(seq) = max(group_last_seq) AS at_group_end
  FROM m
  GROUP BY alert_id, group_key, island
)
SELECT first_id, alert_id, first_ts, 'joined' FROM runs
UNION ALL
SELECT last_id, alert_id, last_ts, 'left' FROM runs
WHERE NOT at_group_end OR alert_id IN (SELECT alert_id FROM alerts WHERE state IN ('resolved', 'inactive'));
DELETE FROM alert_notification_members WHERE change IS NULL;
COMMIT;

-- One row per alert episode: an alert from the moment its condition held until it resolved.
-- state: pending (waiting out for_secs), firing, resolved, or inactive (ended before it fired).
-- first_notified_at: when it was first part of a notification (NULL: never, e.g. held back by
-- inhibition the whole time, or its rule does not notify). In replays nothing is sent, but the
-- notifications that would have been sent are recorded, so what-if replays count pages too.
-- notifications: how many notifications listed it, counted from its membership runs (a run
-- covers every notification of its group from the one it joined with to the one it left with; a
-- run still open, up to the group's latest notification before the episode ended).
CREATE OR REPLACE VIEW alert_episodes AS
WITH life AS (
  SELECT *,
         CASE state WHEN 'pending' THEN 1 WHEN 'firing' THEN 2 ELSE 3 END AS step
  FROM alerts
  WHERE state IN ('pending', 'firing', 'resolved', 'inactive')
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
),
-- Each group's notifications in order (seq), so a run's length is a difference of two numbers.
n AS (
  SELECT alert_id AS notification_id, alert_key AS group_key, ts,
         row_number() OVER (PARTITION BY alert_key ORDER BY ts, alert_id) AS seq
  FROM alerts
  WHERE state = 'notified'
),
changes AS (
  SELECT m.alert_id, m.change, n.group_key, n.ts, n.seq,
         row_number() OVER (PARTITION BY m.alert_id, m.change ORDER BY n.seq) AS k
  FROM alert_notification_members m
  JOIN n USING (notification_id)
),
-- An alert's k-th join and k-th leave are one run (runs of one alert never overlap).
runs AS (
  SELECT j.alert_id, j.group_key, j.ts AS joined_at, j.seq AS first_seq, l.seq AS last_seq,
         coalesce(e.ended_at, 'infinity'::TIMESTAMPTZ) AS until
  FROM changes j
  LEFT JOIN changes l ON l.alert_id = j.alert_id AND l.change = 'left' AND l.k = j.k
  LEFT JOIN episodes e ON e.alert_id = j.alert_id
  WHERE j.change = 'joined'
),
open_runs AS (
  SELECT r.alert_id, r.first_seq, n.seq AS last_seq
  FROM (SELECT * FROM runs WHERE last_seq IS NULL) r
  ASOF LEFT JOIN n ON n.group_key = r.group_key AND r.until >= n.ts
),
notified AS (
  SELECT alert_id, min(joined_at) AS first_notified_at, sum(runs) AS notifications
  FROM (
    SELECT alert_id, joined_at, 0 AS runs FROM runs
    UNION ALL
    SELECT alert_id, NULL, last_seq - first_seq + 1 FROM runs WHERE last_seq IS NOT NULL
    UNION ALL
    SELECT alert_id, NULL, greatest(coalesce(last_seq, first_seq) - first_seq + 1, 1) FROM open_runs
  )
  GROUP BY alert_id
)
SELECT
  e.*,
  cx_seconds(e.fired_at, coalesce(e.ended_at, e.fired_at)) AS firing_secs,
  n.first_notified_at,
  coalesce(n.notifications, 0)                         AS notifications
FROM episodes e
LEFT JOIN notified n USING (alert_id);

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
