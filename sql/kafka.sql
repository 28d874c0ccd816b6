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

-- The offsets crisiscx last committed to the consumer group, recorded after each commit (the group's
-- own record can be reset or expire). After a crash, the range between this and kafka_offsets is
-- what may still need its dead letters and partial counts published.
CREATE TABLE IF NOT EXISTS kafka_group_commits (
  consumer_group   VARCHAR NOT NULL,
  topic            VARCHAR NOT NULL,
  kafka_partition  INTEGER NOT NULL,
  committed_offset BIGINT NOT NULL,
  committed_at     TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (consumer_group, topic, kafka_partition)
);
