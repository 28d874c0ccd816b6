-- crisiscx storage schema (contract version 1, ../shared/EVENTS.md).
-- Applied every time a database opens: every statement here is idempotent (IF NOT EXISTS).
-- All times are TIMESTAMPTZ in UTC; measures are DOUBLE.

-- Every accepted event once, whatever its type: the idempotency ledger and the raw JSON
-- (unknown extra fields are kept here).
CREATE TABLE IF NOT EXISTS events (
  id              VARCHAR NOT NULL,   -- the event's id: stored once however often it arrives
  type            VARCHAR NOT NULL,   -- message, ticket, promise, broadcast, impact, incident, csat
  ts              TIMESTAMPTZ NOT NULL,
  brand           VARCHAR NOT NULL,
  source          VARCHAR,
  conversation_id VARCHAR,
  customer_id     VARCHAR,
  origin          VARCHAR,            -- file:line or topic[partition]@offset it was read from
  ingested_at     TIMESTAMPTZ NOT NULL,
  raw             JSON NOT NULL
);

CREATE TABLE IF NOT EXISTS messages (
  id              VARCHAR NOT NULL,
  ts              TIMESTAMPTZ NOT NULL,
  brand           VARCHAR NOT NULL,
  source          VARCHAR,
  conversation_id VARCHAR NOT NULL,
  channel         VARCHAR NOT NULL,   -- ticket, chat, social, email, sms, voice
  direction       VARCHAR NOT NULL,   -- inbound (customer to brand) or outbound
  customer_id     VARCHAR,
  agent_id        VARCHAR,
  text            VARCHAR,
  lang            VARCHAR,            -- as sent (BCP 47)
  public          BOOLEAN NOT NULL,   -- false: an internal note, which ends no silence
  sentiment       DOUBLE,             -- upstream model's score in [-1, 1], when sent
  upset           DOUBLE,             -- crisiscx upset score in [0, 1] (inbound only)
  upset_label     VARCHAR,            -- upset or not_upset (inbound only)
  lang_detected   VARCHAR             -- language the scorer used (ISO 639-3), inbound only
);

CREATE TABLE IF NOT EXISTS tickets (
  id              VARCHAR NOT NULL,
  ts              TIMESTAMPTZ NOT NULL,
  brand           VARCHAR NOT NULL,
  source          VARCHAR,
  conversation_id VARCHAR NOT NULL,
  action          VARCHAR NOT NULL,   -- opened, updated, solved, reopened, closed
  severity        VARCHAR,            -- critical, high, normal, low
  status          VARCHAR,
  customer_id     VARCHAR,
  channel         VARCHAR,
  topic           VARCHAR
);

CREATE TABLE IF NOT EXISTS promises (
  id              VARCHAR NOT NULL,
  ts              TIMESTAMPTZ NOT NULL,
  brand           VARCHAR NOT NULL,
  source          VARCHAR,
  conversation_id VARCHAR NOT NULL,
  promise_id      VARCHAR NOT NULL,
  action          VARCHAR NOT NULL,   -- made, kept, cancelled
  due_at          TIMESTAMPTZ,
  kind            VARCHAR,            -- callback, refund, fix, update, other
  agent_id        VARCHAR,
  text            VARCHAR
);

CREATE TABLE IF NOT EXISTS broadcasts (
  id              VARCHAR NOT NULL,
  ts              TIMESTAMPTZ NOT NULL,
  brand           VARCHAR NOT NULL,
  source          VARCHAR,
  channel         VARCHAR NOT NULL,   -- social, status_page, email, sms, web
  text            VARCHAR,
  incident_id     VARCHAR
);

CREATE TABLE IF NOT EXISTS impacts (
  id              VARCHAR NOT NULL,
  ts              TIMESTAMPTZ NOT NULL,
  brand           VARCHAR NOT NULL,
  source          VARCHAR,
  customer_id     VARCHAR NOT NULL,
  incident_id     VARCHAR,
  severity        VARCHAR
);

CREATE TABLE IF NOT EXISTS incidents (
  id              VARCHAR NOT NULL,
  ts              TIMESTAMPTZ NOT NULL,
  brand           VARCHAR NOT NULL,
  source          VARCHAR,
  incident_id     VARCHAR NOT NULL,
  action          VARCHAR NOT NULL,   -- declared, resolved
  title           VARCHAR,
  severity        VARCHAR
);

CREATE TABLE IF NOT EXISTS csat (
  id              VARCHAR NOT NULL,
  ts              TIMESTAMPTZ NOT NULL,
  brand           VARCHAR NOT NULL,
  source          VARCHAR,
  conversation_id VARCHAR NOT NULL,
  score           INTEGER NOT NULL,   -- 1..5
  customer_id     VARCHAR
);

-- What could not become an event: raw bytes kept whole, where it came from, and why.
CREATE TABLE IF NOT EXISTS dead_letters (
  id              VARCHAR NOT NULL,   -- sha1 of origin and bytes: a replay stores it once
  received_at     TIMESTAMPTZ NOT NULL,
  stage           VARCHAR NOT NULL,   -- size, encoding, parse, schema, adapter, store
  format          VARCHAR NOT NULL,   -- canonical, zendesk, chatwoot, ...
  reason          VARCHAR NOT NULL,   -- a sentence a person can act on
  source_kind     VARCHAR NOT NULL,   -- file, stdin, kafka, scenario, http
  source_name     VARCHAR NOT NULL,   -- file path or topic
  line            BIGINT,             -- 1-based line (files, stdin)
  kafka_partition INTEGER,
  kafka_offset    BIGINT,
  raw             BLOB NOT NULL,
  raw_bytes       BIGINT NOT NULL
);

-- Consumed Kafka offsets, written in the same transaction as the rows they produced
-- (exactly-once into DuckDB). next_offset is the offset of the next message to read.
CREATE TABLE IF NOT EXISTS kafka_offsets (
  consumer_group  VARCHAR NOT NULL,
  topic           VARCHAR NOT NULL,
  kafka_partition INTEGER NOT NULL,
  next_offset     BIGINT NOT NULL,
  updated_at      TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (consumer_group, topic, kafka_partition)
);

-- One row per ingest run (CLI ingest, pipeline run): what was read and what became of it.
CREATE TABLE IF NOT EXISTS ingest_runs (
  run_id          VARCHAR NOT NULL,
  started_at      TIMESTAMPTZ NOT NULL,
  finished_at     TIMESTAMPTZ,
  command         VARCHAR NOT NULL,
  sources         VARCHAR NOT NULL,
  records         BIGINT,
  stored          BIGINT,
  duplicates      BIGINT,
  dead_letters    BIGINT,
  config_json     JSON                -- the pipeline config in force (what-if replays compare these)
);

-- ---- Analysts' views (sql/views/, sql/README.md): the config values they read, extracted
-- promises, and config versions with the results they produced. ----

-- Config values the views read, written from the pipeline config whenever a pipeline opens the
-- file (src/detect/crisis/settings.ts); the defaults below hold until then.
CREATE TABLE IF NOT EXISTS view_settings (
  key             VARCHAR PRIMARY KEY,
  value           DOUBLE NOT NULL,
  description     VARCHAR
);
INSERT INTO view_settings VALUES
  ('crisis_merge_gap_secs', 900, 'spikes and incidents of a brand closer than this form one crisis period (detect.crisis.merge_gap_secs)'),
  ('promise_grace_secs', 1800, 'a promise unfulfilled this long after its due time is broken (detect.promises.grace_secs)'),
  ('promise_match_window_secs', 900, 'an extracted promise this close to an explicit one of the same conversation is that promise (detect.promises.match_window_secs)')
ON CONFLICT DO NOTHING;

-- First-response targets (detect.triage); channel '*' applies to any channel without its own row.
CREATE TABLE IF NOT EXISTS triage_targets (
  severity        VARCHAR NOT NULL,   -- critical, high, normal, low
  channel         VARCHAR NOT NULL,   -- a message channel, or '*'
  target_secs     DOUBLE NOT NULL,
  PRIMARY KEY (severity, channel)
);
INSERT INTO triage_targets VALUES
  ('critical', '*', 900), ('high', '*', 3600), ('normal', '*', 14400), ('low', '*', 86400)
ON CONFLICT DO NOTHING;

-- Per-conversation facts behind view conversations, kept by the store as data arrives
-- (sql/views/19_conversation_facts.sql, src/store/conversation-facts.ts). Each *_k column is the
-- ordering key (event microseconds × 2^64 + hash of the event id) of the value beside it, so
-- partial rows merge in any arrival order. conversation_facts: one row per conversation, as of
-- its last compaction; conversation_facts_delta: the batches' partial rows since.
CREATE TABLE IF NOT EXISTS conversation_facts (
  brand              VARCHAR NOT NULL,
  conversation_id    VARCHAR NOT NULL,
  first_message_k    HUGEINT,
  first_channel      VARCHAR,           -- the first message's channel
  first_message_at   TIMESTAMPTZ,
  first_inbound_at   TIMESTAMPTZ,
  first_outbound_at  TIMESTAMPTZ,       -- first public outbound message
  msg_customer_k     HUGEINT,
  msg_customer_id    VARCHAR,           -- customer of the first message that names one
  inbound_messages   BIGINT NOT NULL,
  outbound_messages  BIGINT NOT NULL,   -- public ones
  ticket_events      BIGINT NOT NULL,   -- 0: no ticket
  ticket_opened_at   TIMESTAMPTZ,       -- first `opened` event
  first_ticket_at    TIMESTAMPTZ,
  initial_severity_k HUGEINT,
  initial_severity   VARCHAR,
  severity_k         HUGEINT,
  severity           VARCHAR,           -- latest
  ticket_channel_k   HUGEINT,
  ticket_channel     VARCHAR,
  ticket_customer_k  HUGEINT,
  ticket_customer_id VARCHAR,
  topic_k            HUGEINT,
  topic              VARCHAR,
  last_action_k      HUGEINT,
  last_action        VARCHAR,
  last_solved_at     TIMESTAMPTZ        -- latest solved or closed event
);
CREATE TABLE IF NOT EXISTS conversation_facts_delta AS SELECT * FROM conversation_facts LIMIT 0;
-- How far the facts have read messages and tickets (rowid of the next row to summarize).
CREATE TABLE IF NOT EXISTS conversation_facts_marks (
  relation        VARCHAR PRIMARY KEY,  -- messages, tickets
  next_rowid      BIGINT NOT NULL
);
INSERT INTO conversation_facts_marks VALUES ('messages', 0), ('tickets', 0) ON CONFLICT DO NOTHING;

-- Every config that shaped results in this file (scoring, detectors, alert rules), by hash.
CREATE TABLE IF NOT EXISTS config_versions (
  config_hash     VARCHAR PRIMARY KEY,
  name            VARCHAR,
  first_applied_at TIMESTAMPTZ NOT NULL,
  last_applied_at TIMESTAMPTZ NOT NULL, -- the latest applied is the one the views read now
  config_json     JSON NOT NULL
);

-- Promises read out of agents' public outbound messages (src/detect/promises/).
CREATE TABLE IF NOT EXISTS promises_extracted (
  id              VARCHAR NOT NULL,   -- message id '#' n-th promise of the message
  message_id      VARCHAR NOT NULL,
  ts              TIMESTAMPTZ NOT NULL, -- made at: the message time
  brand           VARCHAR NOT NULL,
  conversation_id VARCHAR NOT NULL,
  channel         VARCHAR NOT NULL,
  agent_id        VARCHAR,
  kind            VARCHAR NOT NULL,   -- callback, refund, fix, update, other
  due_at          TIMESTAMPTZ NOT NULL,
  lang            VARCHAR NOT NULL,   -- the language it was read in
  utc_offset_minutes INTEGER NOT NULL, -- the customer's offset "by 5pm" was resolved in
  matched_text    VARCHAR NOT NULL,   -- the time phrase ("within 2 hours")
  sentence        VARCHAR NOT NULL,
  config_hash     VARCHAR             -- config version that extracted it
);

-- What-if replays (crisiscx replay): one row per run.
CREATE TABLE IF NOT EXISTS replay_runs (
  run_id          VARCHAR NOT NULL,
  started_at      TIMESTAMPTZ NOT NULL,
  finished_at     TIMESTAMPTZ,
  config_hash     VARCHAR NOT NULL,   -- the config replayed under
  previous_config_hash VARCHAR,       -- the config the replaced results were produced under
  pipeline_file   VARCHAR,
  source_db       VARCHAR,            -- the database whose events were replayed
  events          BIGINT
);

-- Results as a config produced them (scorecards, crisis periods, counts of derived rows), taken
-- before and after every replay, so configs can be compared side by side.
CREATE TABLE IF NOT EXISTS result_snapshots (
  run_id          VARCHAR NOT NULL,
  phase           VARCHAR NOT NULL,   -- before (the results the replay replaced) or after
  config_hash     VARCHAR,            -- the config that produced them (NULL: none recorded)
  taken_at        TIMESTAMPTZ NOT NULL,
  relation        VARCHAR NOT NULL,   -- the view or table the row comes from
  row_json        JSON NOT NULL
);

-- Alerts (src/alert): one row per change, never updated. Lifecycle rows (pending, firing,
-- resolved, inactive) per alert; `notified` rows per notification sent to the sinks (a group of
-- alerts with a count); delivered / failed / dropped rows per sink as deliveries end; `error` rows
-- when a view threshold's query fails. Views in sql/views/18_alerts.sql.
CREATE TABLE IF NOT EXISTS alerts (
  ts              TIMESTAMPTZ NOT NULL, -- when it happened, on the pipeline clock (event time in replays)
  recorded_at     TIMESTAMPTZ NOT NULL, -- wall-clock time it was recorded
  state           VARCHAR NOT NULL,     -- pending, firing, resolved, inactive, notified, delivered, failed, dropped, error
  alert_id        VARCHAR NOT NULL,     -- one episode of an alert (alert_key@start), or one notification
  alert_key       VARCHAR NOT NULL,     -- stable dedupe key: rule|detection key (notifications: the group key)
  rule            VARCHAR NOT NULL,     -- customer_silence, brand_silence, spike, promise, or a view threshold's name
  brand           VARCHAR NOT NULL,
  severity        VARCHAR NOT NULL,     -- critical, warning, info
  started_at      TIMESTAMPTZ,          -- when the condition started
  ended_at        TIMESTAMPTZ,          -- resolved (and resolved notifications): when it ended
  summary         VARCHAR,
  labels          JSON,                 -- channel, customer, conversation_id, ... (notifications: the group's)
  measures        JSON,                 -- the numbers behind it (wait_secs, magnitude, count, ...)
  link            VARCHAR,              -- back to the data: a URL or a `crisiscx sql` command
  inhibited       BOOLEAN,              -- held back from sinks by a firing brand-level alert
  inhibited_by    VARCHAR,              -- the alert_key holding it back
  group_key       VARCHAR,              -- the notification group (rule|brand=...)
  notify_state    VARCHAR,              -- notified/delivered/failed/dropped: firing or resolved
  alert_count     INTEGER,              -- alerts a notification stands for (1 for lifecycle rows)
  member_ids      JSON,                 -- unused (NULL): see alert_notification_members
  sinks           VARCHAR,              -- notified: sinks it was handed to ('' = none, e.g. a replay); outcomes: the sink
  attempts        INTEGER,              -- delivery attempts
  reason          VARCHAR,              -- why: failure or drop reason, inactive reason, query error
  query           VARCHAR               -- the SQL over the views behind it (what `link` opens)
);
-- Files made before `query` existed get it too.
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS query VARCHAR;

-- ---- Spike and silence detectors (src/detect/spikes/, src/detect/silence/, docs/detectors.md) ----

-- Every change of a spike of upset volume, never updated: start, peak (a fuller bucket), end,
-- restate (re-judged after late data), retract (late data showed there was none). View spikes
-- (sql/views/10_spikes.sql) keeps the latest row of each spike.
CREATE TABLE IF NOT EXISTS spike_updates (
  seq             BIGINT NOT NULL,      -- order of the changes, across runs on this file
  spike_id        VARCHAR NOT NULL,     -- brand|channel|started_at: the same spike always gets the same id
  change          VARCHAR NOT NULL,     -- start, peak, end, restate, retract
  brand           VARCHAR NOT NULL,
  channel         VARCHAR NOT NULL,     -- a message channel, or '*' for the brand over all channels
  started_at      TIMESTAMPTZ NOT NULL, -- start of its first hot bucket
  peak_at         TIMESTAMPTZ NOT NULL, -- start of its bucket with the most upset messages
  ended_at        TIMESTAMPTZ,          -- start of the first bucket of the calm run that ended it; NULL while open
  peak_upset      DOUBLE NOT NULL,      -- upset inbound messages in the peak bucket
  baseline        DOUBLE NOT NULL,      -- upset inbound messages expected in the peak bucket
  magnitude       DOUBLE NOT NULL,      -- (peak_upset + 1) / (baseline + 1)
  peak_z          DOUBLE NOT NULL,      -- how unusual the peak bucket was (Poisson deviance z over the dispersion)
  bucket_secs     INTEGER NOT NULL,
  detected_at     TIMESTAMPTZ NOT NULL, -- end of the bucket that confirmed it: when a live detector knew
  end_detected_at TIMESTAMPTZ,          -- end of the bucket that confirmed its end
  updated_at      TIMESTAMPTZ NOT NULL, -- event time the detector had judged up to when it recorded this
  recorded_at     TIMESTAMPTZ NOT NULL, -- wall clock
  config_hash     VARCHAR               -- config version that produced it (config_versions)
);

-- Customer silence thresholds per channel and severity ('none': no severity known), shared by the
-- live detector and view silence_gaps; written from detect.silence whenever a pipeline opens the file.
CREATE TABLE IF NOT EXISTS silence_thresholds (
  channel         VARCHAR NOT NULL,
  severity        VARCHAR NOT NULL,     -- critical, high, normal, low, none
  threshold_secs  DOUBLE NOT NULL,
  PRIMARY KEY (channel, severity)
);

-- The other rules view silence_gaps shares with the live detector (detect.silence): the pattern of
-- a closing pleasantry, the ticket statuses that pause the clock.
CREATE TABLE IF NOT EXISTS silence_settings (
  key             VARCHAR PRIMARY KEY,
  value           VARCHAR NOT NULL,
  description     VARCHAR
);

-- Business hours per channel (detect.silence.business_hours): where a channel has rows, its
-- silence clock only runs inside them. One row per day of week (ISO: 1 = Monday).
CREATE TABLE IF NOT EXISTS silence_business_hours (
  channel         VARCHAR NOT NULL,
  timezone        VARCHAR NOT NULL,     -- IANA name
  iso_dow         INTEGER NOT NULL,
  from_minute     INTEGER NOT NULL,     -- minutes after local midnight
  to_minute       INTEGER NOT NULL
);

-- Which alerts each notification covered, as changes: an alert `joined` with the first
-- notification of its group that listed it and `left` with the last one (every notification of the
-- group in between listed it too). Re-notifying a group of thousands adds no rows; view
-- alert_episodes counts each alert's notifications from these runs (sql/views/18_alerts.sql).
CREATE TABLE IF NOT EXISTS alert_notification_members (
  notification_id VARCHAR NOT NULL,     -- alerts.alert_id of the `notified` row
  alert_id        VARCHAR NOT NULL,     -- an alert episode it covered
  ts              TIMESTAMPTZ NOT NULL, -- when that notification was made (pipeline clock)
  change          VARCHAR               -- joined, left (NULL only in files made before: one row per notification and alert, migrated at open)
);
ALTER TABLE alert_notification_members ADD COLUMN IF NOT EXISTS change VARCHAR;
