-- Customers affected by an incident (impact events) and what they and the brand did since: the
-- first inbound message from them, the first public outbound message to them (any conversation
-- of theirs: messages or tickets carrying their customer id). Base of silent_sufferers and
-- proactive_coverage.
CREATE OR REPLACE VIEW impacted_customers AS
WITH imp AS (
  SELECT
    brand,
    incident_id,
    customer_id,
    min(ts) AS impacted_at,
    arg_max(severity, (ts, id)) FILTER (WHERE severity IS NOT NULL) AS impact_severity
  FROM impacts
  GROUP BY brand, incident_id, customer_id
),
-- Only the affected customers' messages and tickets are read further (semi-joins): a small
-- share of millions of events.
affected AS (
  SELECT DISTINCT brand, customer_id FROM imp
),
customer_conversations AS (
  SELECT DISTINCT m.brand, m.customer_id, m.conversation_id
  FROM messages m SEMI JOIN affected a ON a.brand = m.brand AND a.customer_id = m.customer_id
  UNION
  SELECT DISTINCT t.brand, t.customer_id, t.conversation_id
  FROM tickets t SEMI JOIN affected a ON a.brand = t.brand AND a.customer_id = t.customer_id
),
watched AS MATERIALIZED (
  -- (impact, conversation of that customer) pairs, joined to messages as one relation: left to
  -- reorder a three-way join, DuckDB joined impacts to a brand's messages on the brand alone
  -- when the query filtered one brand (minutes instead of seconds).
  SELECT i.brand, i.incident_id, i.customer_id, i.impacted_at, cc.conversation_id
  FROM imp i
  JOIN customer_conversations cc ON cc.brand = i.brand AND cc.customer_id = i.customer_id
),
contact AS (
  SELECT
    w.brand,
    w.incident_id,
    w.customer_id,
    min(m.ts) FILTER (WHERE m.direction = 'inbound') AS first_inbound_at,
    min(m.ts) FILTER (WHERE m.direction = 'outbound' AND m.public) AS first_outreach_at
  FROM watched w
  JOIN messages m ON m.brand = w.brand AND m.conversation_id = w.conversation_id AND m.ts >= w.impacted_at
  GROUP BY w.brand, w.incident_id, w.customer_id
)
SELECT
  i.brand,
  i.incident_id,
  i.customer_id,
  i.impacted_at,
  i.impact_severity,
  c.first_inbound_at,
  c.first_outreach_at,
  c.first_inbound_at IS NOT NULL AS wrote_in,
  c.first_outreach_at IS NOT NULL AND (c.first_inbound_at IS NULL OR c.first_outreach_at < c.first_inbound_at) AS reached_first
FROM imp i
LEFT JOIN contact c
  ON c.brand = i.brand AND c.customer_id = i.customer_id AND c.incident_id IS NOT DISTINCT FROM i.incident_id;

-- Per incident: how many affected customers the brand reached out to before they had to write in.
CREATE OR REPLACE VIEW proactive_coverage AS
SELECT
  brand,
  incident_id,
  count(*) AS affected,
  count(*) FILTER (WHERE wrote_in) AS wrote_in,
  count(*) FILTER (WHERE NOT wrote_in) AS silent,
  count(*) FILTER (WHERE reached_first) AS reached_first,
  count(*) FILTER (WHERE NOT wrote_in AND first_outreach_at IS NOT NULL) AS silent_reached,
  count(*) FILTER (WHERE NOT wrote_in AND first_outreach_at IS NULL) AS silent_unreached,
  count(*) FILTER (WHERE reached_first) / count(*) AS proactive_coverage
FROM impacted_customers
GROUP BY brand, incident_id;

-- The proactive outreach list: affected customers who sent no inbound message since their
-- impact, per incident, whether the brand has reached them yet, and the incident's coverage
-- (as view proactive_coverage has it, computed here over the same rows rather than joined, which
-- would compute impacted_customers twice).
CREATE OR REPLACE VIEW silent_sufferers AS
WITH i AS (
  SELECT
    *,
    count(*) OVER incident AS incident_affected,
    sum(CASE WHEN reached_first THEN 1 ELSE 0 END) OVER incident / count(*) OVER incident AS incident_coverage
  FROM impacted_customers
  WINDOW incident AS (PARTITION BY brand, incident_id)
)
SELECT
  i.brand,
  i.incident_id,
  i.customer_id,
  i.impacted_at,
  i.impact_severity,
  i.first_outreach_at AS reached_out_at,
  i.first_outreach_at IS NOT NULL AS reached,
  cx_seconds(i.impacted_at, a.as_of) AS silent_seconds,
  i.incident_affected,
  i.incident_coverage AS proactive_coverage
FROM i
CROSS JOIN data_as_of a
WHERE NOT i.wrote_in;
