/**
 * @module sources/kafka/config
 * The `kafka` source of a pipeline config, and the connection settings every Kafka client of
 * crisiscx shares (source, dead-letter producer, aggregate exchange, alert sink, `crisiscx produce`).
 * Secrets never live in the file: passwords are named by environment variable (`*_from_env`).
 *
 * @example
 * const cfg = KafkaSourceConfig.parse({
 *   type: 'kafka', brokers: ['kafka-1:9092'], topics: [{ name: 'support.events' }],
 *   sasl: { mechanism: 'scram-sha-512', username: 'crisiscx', password_from_env: 'KAFKA_PASSWORD' },
 * });
 */
import { z } from 'zod';
import { ADAPTER_CONFIG_FIELDS } from '../../normalize/adapters/options.js';

const EnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name such as KAFKA_PASSWORD')
  .describe('name of an environment variable');

/** host:port, or host alone (port 9092). */
const Broker = z
  .string()
  .min(1)
  .regex(/^[^\s,]+$/, 'one broker per entry, as host:port, without spaces or commas')
  .describe('a bootstrap broker, host:port');

/** A Kafka topic name as the broker accepts it (legal characters, at most 249). */
export const TopicName = z
  .string()
  .min(1)
  .max(249)
  .regex(/^[A-Za-z0-9._-]+$/, 'a topic name has only letters, digits, ".", "_" and "-"');

export const KafkaTlsConfig = z
  .strictObject({
    ca_file: z.string().min(1).optional().describe("PEM file of the CA that signed the brokers' certificates (default: the system CAs)"),
    cert_file: z.string().min(1).optional().describe('PEM client certificate, for brokers that require mutual TLS'),
    key_file: z.string().min(1).optional().describe('PEM private key of cert_file'),
    key_password_from_env: EnvName.optional().describe('environment variable holding the passphrase of key_file'),
    servername: z.string().min(1).optional().describe('TLS server name (SNI) to verify, when it differs from the broker host'),
    reject_unauthorized: z
      .boolean()
      .default(true)
      .describe('verify the brokers\' certificates; false only for a test broker with a self-signed certificate'),
  })
  .describe('TLS to the brokers; present (even empty: `tls: {}`) means TLS on');
export type KafkaTlsConfig = z.output<typeof KafkaTlsConfig>;

export const KafkaSaslConfig = z
  .strictObject({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).describe('SASL mechanism the brokers offer'),
    username: z.string().min(1).optional().describe('SASL user name (or username_from_env)'),
    username_from_env: EnvName.optional().describe('environment variable holding the user name'),
    password_from_env: EnvName.describe('environment variable holding the password; the password is never written in the config'),
  })
  .describe('SASL authentication; use it with tls in production, since PLAIN sends the password as is');
export type KafkaSaslConfig = z.output<typeof KafkaSaslConfig>;

/** The connection keys shared by every Kafka client in a config (source, alert sink). */
export function kafkaConnectionFields(defaultClientId: string) {
  return {
    brokers: z.array(Broker).min(1).optional().describe('bootstrap brokers, host:port; several for failover (or brokers_from_env)'),
    brokers_from_env: EnvName.optional().describe('environment variable holding a comma-separated broker list; used when brokers is not set'),
    client_id: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
      .default(defaultClientId)
      .describe('client id the brokers see in their logs, quotas and ACLs'),
    tls: KafkaTlsConfig.optional(),
    sasl: KafkaSaslConfig.optional(),
    connection_timeout_ms: z.number().int().positive().default(3000).describe('time to open a connection to a broker'),
    request_timeout_ms: z.number().int().positive().default(30_000).describe('time to wait for a broker to answer a request'),
  };
}

export const KafkaConnectionConfig = z.strictObject(kafkaConnectionFields('crisiscx'));
export type KafkaConnectionConfig = z.output<typeof KafkaConnectionConfig>;

export const KafkaTopicConfig = z.strictObject({
  name: TopicName.describe('topic to consume'),
  // format, brand, brand_accounts: the same keys as a file source's (docs/adapters.md).
  ...ADAPTER_CONFIG_FIELDS,
});

export const KafkaScaleOutConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe('run as one of several instances of one consumer group, combining aggregates through Kafka'),
    instance_id: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
      .optional()
      .describe('stable name of this instance (its transactional id fences a restarted twin); default: the host name, or $CRISISCX_INSTANCE_ID'),
    aggregates_topic: TopicName.default('crisiscx.aggregates').describe('topic where instances exchange partial per-bucket counts, keyed by brand'),
    combine_group_id: z
      .string()
      .min(1)
      .optional()
      .describe('consumer group of the second stage that sums the partials (default: <group_id>.combine)'),
    combined_topic: TopicName.nullable()
      .default('crisiscx.aggregates.combined')
      .describe('where the second stage publishes the running total of each brand|channel|bucket it changed (null: only in-process consumers such as spike detection)'),
    bucket_secs: z.number().int().min(1).max(86_400).default(60).describe('width of a count bucket; keep it equal to detect.spikes.bucket_secs'),
    lookback_secs: z
      .number()
      .int()
      .min(60)
      .default(86_400)
      .describe('on taking over a partition of the aggregates topic, the combiner re-reads partials published this far back to rebuild its totals'),
    partitions: z.number().int().min(1).max(10_000).default(6).describe('partitions of the aggregates topic when crisiscx creates it'),
    transaction_timeout_ms: z
      .number()
      .int()
      .min(1000)
      .max(900_000)
      .default(15_000)
      .describe('an instance that dies inside a Kafka transaction holds back read_committed readers of the aggregates topic until this passes (or it restarts)'),
  })
  .describe('scale-out: several crisiscx instances share the input partitions');
export type KafkaScaleOutConfig = z.output<typeof KafkaScaleOutConfig>;

export const KafkaSourceConfig = z
  .strictObject({
    type: z.literal('kafka').describe('Apache Kafka topics, consumed as a consumer group, exactly once into DuckDB'),
    ...kafkaConnectionFields('crisiscx'),
    group_id: z.string().min(1).default('crisiscx').describe('consumer group; instances with the same group share the partitions'),
    topics: z.array(KafkaTopicConfig).min(1).describe('topics to consume, each with the format of its messages'),
    dead_letter_topic: TopicName.nullable()
      .default('crisiscx.dead-letters')
      .describe('where records that fail validation are also published, raw, with the reason in a header (null: only the dead_letters table)'),
    from_beginning: z
      .boolean()
      .default(true)
      .describe('where a partition with no stored offset starts: its earliest message (true) or only new ones (false)'),
    session_timeout_ms: z.number().int().min(6000).default(30_000).describe('the group drops a member silent this long and gives its partitions to others'),
    heartbeat_interval_ms: z.number().int().min(100).default(3000).describe('how often the consumer tells the group it is alive'),
    rebalance_timeout_ms: z.number().int().min(1000).default(60_000).describe('how long the group waits for members to finish their batch during a rebalance'),
    max_bytes_per_partition: z
      .number()
      .int()
      .min(1024)
      .default(2 * 1024 * 1024)
      .describe('largest fetch per partition: with batch_size, bounds the memory a batch takes (backpressure)'),
    max_wait_ms: z.number().int().min(0).default(500).describe('how long a fetch waits for data before returning fewer messages'),
    create_topics: z
      .boolean()
      .default(false)
      .describe('create missing input, dead-letter and aggregates topics at start (development; production topics are usually managed)'),
    scale_out: KafkaScaleOutConfig.prefault({}),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.topics.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: ['topics', i, 'name'], input: t.name, message: `topic "${t.name}" is listed twice; list each topic once` });
      seen.add(t.name);
      if (t.name === c.dead_letter_topic) {
        ctx.addIssue({ code: 'custom', path: ['topics', i, 'name'], input: t.name, message: `topic "${t.name}" is also the dead_letter_topic; consuming it would loop, choose another dead_letter_topic` });
      }
    });
    if (c.heartbeat_interval_ms * 3 > c.session_timeout_ms) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeat_interval_ms'],
        input: c.heartbeat_interval_ms,
        message: `heartbeat_interval_ms (${c.heartbeat_interval_ms}) should be at most a third of session_timeout_ms (${c.session_timeout_ms}); lower it`,
      });
    }
  })
  .describe('Kafka topics');
export type KafkaSourceConfig = z.output<typeof KafkaSourceConfig>;

/** The Kafka source of a config that runs as one of several instances (`scale_out.enabled`), if any. */
export function scaleOutSource(config: { sources: readonly { type: string }[] }): KafkaSourceConfig | undefined {
  return config.sources.find((s): s is KafkaSourceConfig => s.type === 'kafka' && (s as KafkaSourceConfig).scale_out.enabled);
}
