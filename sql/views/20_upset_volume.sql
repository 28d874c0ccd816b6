-- Analysts' views (sql/README.md documents each: grain, columns, an example query).
-- Every figure a manager sees comes from a view in sql/views/. Views read event time only, so
-- results do not depend on arrival order, and "now" is the latest stored event (data_as_of),
-- never the wall clock: a what-if replay of a past crisis reproduces them.

-- One row: the time of the latest stored event, the "now" of every view.
CREATE OR REPLACE VIEW data_as_of AS
SELECT max(ts) AS as_of
FROM events;

-- Per brand, channel and minute with inbound messages: how many, how many scored upset.
CREATE OR REPLACE VIEW upset_volume AS
SELECT
  brand,
  channel,
  cx_minute(ts) AS minute,
  count(*) AS inbound,
  count(upset_label) AS scored,
  count(*) FILTER (WHERE upset_label = 'upset') AS upset,
  count(*) FILTER (WHERE upset_label = 'upset') / nullif(count(upset_label), 0) AS upset_share,
  avg(upset) AS mean_upset
FROM messages
WHERE direction = 'inbound'
GROUP BY brand, channel, cx_minute(ts);
