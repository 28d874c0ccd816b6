-- Kafka scale-out (src/sources/kafka/aggregates.ts). Each instance counts inbound and upset
-- messages per brand × channel × bucket from the input partitions it owns, and stores the partial
-- counts here in the same transaction as the events and the consumed offsets. They are then
-- published to the aggregates topic in a Kafka transaction with the group's offsets; a partial whose
-- events are past the group's committed offset after a crash is published again on restart.
CREATE TABLE IF NOT EXISTS kafka_partials (
  partial_id       VARCHAR NOT NULL,   -- topic:partition:min-max:brand|channel|bucket (deterministic)
  instance_id      VARCHAR NOT NULL,   -- the crisiscx instance that counted
  source_topic     VARCHAR NOT NULL,
  source_partition INTEGER NOT NULL,
  min_offset       BIGINT NOT NULL,    -- offsets of the first and last counted message
  max_offset       BIGINT NOT NULL,
  brand            VARCHAR NOT NULL,
  channel          VARCHAR NOT NULL,
  bucket_start     TIMESTAMPTZ NOT NULL,
  bucket_secs      INTEGER NOT NULL,
  inbound          BIGINT NOT NULL,    -- inbound messages in the bucket
  upset            BIGINT NOT NULL,    -- of which the score stage labelled upset
  created_at       TIMESTAMPTZ NOT NULL
);

-- The offsets crisiscx last committed to the consumer group, recorded after each commit that
-- published something: dead letters, or (scale-out) partial counts (the group's own record can be
-- reset or expire). After a crash, the range between this and kafka_offsets is what may still need
-- its dead letters and partial counts published.
CREATE TABLE IF NOT EXISTS kafka_group_commits (
  consumer_group   VARCHAR NOT NULL,
  topic            VARCHAR NOT NULL,
  kafka_partition  INTEGER NOT NULL,
  committed_offset BIGINT NOT NULL,
  committed_at     TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (consumer_group, topic, kafka_partition)
);

-- Kafka scale-out: broadcasts and incident events read from the input partitions an instance owns,
-- one row per event, stored in the batch's transaction and published to the aggregates topic (keyed
-- by brand) with the partial counts, so the one instance that owns a brand judges brand silence on
-- every instance's share (src/sources/kafka/brand-records.ts).
CREATE TABLE IF NOT EXISTS kafka_brand_facts (
  source_topic     VARCHAR NOT NULL,
  source_partition INTEGER NOT NULL,
  source_offset    BIGINT NOT NULL,
  brand            VARCHAR NOT NULL,
  fact             VARCHAR NOT NULL,   -- broadcast, incident_declared, incident_resolved
  incident_id      VARCHAR,
  ts               TIMESTAMPTZ NOT NULL,
  created_at       TIMESTAMPTZ NOT NULL
);
