-- Time arithmetic the views share. DuckDB's TIMESTAMPTZ subtraction and interval addition go
-- through the session's calendar: several times slower than integer microseconds over millions of
-- rows, and in a session zone with daylight saving (the DuckDB CLI's default is the machine's
-- zone) `epoch(b - a)` across a clock change is off by the hour. These are exact elapsed time in
-- any session zone.

-- Seconds from from_ts to to_ts (negative if to_ts is earlier; NULL if either is NULL).
CREATE OR REPLACE MACRO cx_seconds(from_ts, to_ts) AS (epoch_us(to_ts) - epoch_us(from_ts)) / 1000000;

-- ts moved by secs seconds (finite times only).
CREATE OR REPLACE MACRO cx_add_seconds(ts, secs) AS make_timestamptz(epoch_us(ts) + CAST(secs * 1000000 AS BIGINT));

-- The start of ts's minute (UTC minutes: the same in every zone with a whole-minute offset).
CREATE OR REPLACE MACRO cx_minute(ts) AS make_timestamptz(epoch_us(ts) - ((epoch_us(ts) % 60000000) + 60000000) % 60000000);
