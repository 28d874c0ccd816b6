-- The spike detector defines view spikes (10_spikes.sql, applied before this file); this empty
-- stand-in only exists where that file is absent, so the views below always bind.
CREATE VIEW IF NOT EXISTS spikes AS
SELECT
  NULL::VARCHAR AS spike_id, NULL::VARCHAR AS brand, NULL::VARCHAR AS channel,
  NULL::TIMESTAMPTZ AS started_at, NULL::TIMESTAMPTZ AS peak_at, NULL::TIMESTAMPTZ AS ended_at
WHERE false;

-- One row per crisis period of a brand: contiguous time in which a spike of upset volume is
-- active (any channel of the brand, or the brand overall: view spikes) or an incident is declared
-- and not yet resolved; spans closer than view_settings.crisis_merge_gap_secs are merged.
CREATE OR REPLACE VIEW crisis_periods AS
WITH gap AS (
  SELECT coalesce(max(value) FILTER (WHERE key = 'crisis_merge_gap_secs'), 900) AS secs FROM view_settings
),
incident_spans AS (
  SELECT
    brand,
    incident_id AS ref,
    min(ts) FILTER (WHERE action = 'declared') AS started_at,
    max(ts) FILTER (WHERE action = 'resolved') AS resolved_at
  FROM incidents
  GROUP BY brand, incident_id
),
spans AS (
  SELECT brand, 'spike' AS kind, CAST(spike_id AS VARCHAR) AS ref, started_at, ended_at
  FROM spikes
  WHERE started_at IS NOT NULL
  UNION ALL
  SELECT brand, 'incident', ref, started_at, CASE WHEN resolved_at >= started_at THEN resolved_at END
  FROM incident_spans
  WHERE started_at IS NOT NULL
),
ordered AS (
  SELECT
    *,
    coalesce(ended_at, 'infinity'::TIMESTAMPTZ) AS end_x,
    max(coalesce(ended_at, 'infinity'::TIMESTAMPTZ)) OVER (
      PARTITION BY brand ORDER BY started_at, coalesce(ended_at, 'infinity'::TIMESTAMPTZ), kind, ref
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS prev_end
  FROM spans
),
numbered AS (
  SELECT
    o.*,
    CAST(sum(CASE WHEN o.prev_end IS NULL OR o.started_at >= o.prev_end + to_seconds(g.secs) THEN 1 ELSE 0 END) OVER (
      PARTITION BY o.brand ORDER BY o.started_at, o.end_x, o.kind, o.ref
      ROWS UNBOUNDED PRECEDING
    ) AS BIGINT) AS period_no
  FROM ordered o, gap g
),
periods AS (
  SELECT
    brand,
    period_no,
    min(started_at) AS started_at,
    max(end_x) AS end_x,
    count(*) FILTER (WHERE kind = 'spike') AS spikes,
    count(*) FILTER (WHERE kind = 'incident') AS incidents,
    string_agg(DISTINCT ref, ',' ORDER BY ref) FILTER (WHERE kind = 'incident') AS incident_ids
  FROM numbered
  GROUP BY brand, period_no
),
bounded AS (
  SELECT
    p.*,
    CASE WHEN p.end_x = 'infinity'::TIMESTAMPTZ THEN NULL ELSE p.end_x END AS ended_at,
    -- An open period counts up to the latest stored event.
    CASE WHEN p.end_x = 'infinity'::TIMESTAMPTZ THEN greatest(a.as_of, p.started_at) ELSE p.end_x END AS counted_until
  FROM periods p, data_as_of a
),
minutes AS (
  SELECT brand, minute, CAST(sum(inbound) AS BIGINT) AS inbound, CAST(sum(upset) AS BIGINT) AS upset
  FROM upset_volume
  GROUP BY brand, minute
),
totals AS (
  SELECT
    b.brand,
    b.period_no,
    count(m.id) AS inbound,
    count(m.id) FILTER (WHERE m.upset_label = 'upset') AS upset
  FROM bounded b
  LEFT JOIN messages m
    ON m.brand = b.brand AND m.direction = 'inbound'
   AND m.ts >= b.started_at AND m.ts <= b.counted_until
  GROUP BY b.brand, b.period_no
),
peaks AS (
  SELECT
    b.brand,
    b.period_no,
    coalesce(max(m.upset), 0) AS peak_upset_per_minute,
    arg_max(m.minute, (m.upset, -epoch_us(m.minute))) FILTER (WHERE m.upset > 0) AS peak_minute
  FROM bounded b
  LEFT JOIN minutes m
    ON m.brand = b.brand
   AND m.minute >= cx_minute(b.started_at)
   AND m.minute <= b.counted_until
  GROUP BY b.brand, b.period_no
)
SELECT
  b.brand,
  b.brand || '/' || strftime(b.started_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%MZ') AS period_id,
  b.period_no,
  b.started_at,
  b.ended_at,
  b.ended_at IS NULL AS open,
  cx_seconds(b.started_at, b.counted_until) AS duration_seconds,
  CASE WHEN b.spikes > 0 AND b.incidents > 0 THEN 'both' WHEN b.spikes > 0 THEN 'spike' ELSE 'incident' END AS trigger,
  b.spikes,
  b.incident_ids,
  k.peak_upset_per_minute,
  k.peak_minute,
  v.inbound,
  v.upset,
  v.upset / nullif(v.inbound, 0) AS upset_share
FROM bounded b
JOIN totals v ON v.brand = b.brand AND v.period_no = b.period_no
JOIN peaks k ON k.brand = b.brand AND k.period_no = b.period_no;
