-- One row per spike of upset volume (src/detect/spikes/, docs/detectors.md): its latest state from
-- spike_updates; withdrawn spikes (late data showed there was none) are left out. Channel '*' is the
-- brand over all channels. Times are bucket boundaries in event time, so a replay of the same
-- events gives the same rows in any arrival order (except recorded_at).
--   magnitude = (peak_upset + 1) / (baseline + 1): how many times the expected count the peak
--   bucket held, add-one smoothed so a near-zero baseline gives a finite, comparable number.
CREATE OR REPLACE VIEW spikes AS
WITH latest AS (
  SELECT *, row_number() OVER (PARTITION BY spike_id ORDER BY seq DESC) AS rn
  FROM spike_updates
)
SELECT
  spike_id,
  brand,
  channel,
  started_at,
  peak_at,
  ended_at,
  ended_at IS NULL AS open,
  peak_upset,
  baseline,
  magnitude,
  peak_z,
  bucket_secs,
  detected_at,
  end_detected_at,
  cx_seconds(started_at, detected_at) AS detection_delay_seconds,
  cx_seconds(started_at, ended_at) AS duration_seconds,
  config_hash,
  recorded_at
FROM latest
WHERE rn = 1 AND change <> 'retract';
