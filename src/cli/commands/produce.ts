/**
 * @module cli/commands/produce
 * `crisiscx produce FILE... --topic T [--format F]`: publishes NDJSON (canonical events or an
 * adapter's records) to Kafka, keyed per the event contract, with a progress line. Connection from
 * flags or the environment (KAFKA_BROKERS, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD); the password
 * is only ever read from the environment.
 */
import { Option, type Command } from 'commander';
import { ADAPTERS } from '../../normalize/adapters/index.js';
import { adapterOptionsFromConfig } from '../../normalize/adapters/options.js';
import { createKafka, describeConnection, explainKafkaError, KafkaConfigError } from '../../sources/kafka/client.js';
import { KafkaConnectionConfig, TopicName } from '../../sources/kafka/config.js';
import { produceFiles } from '../../sources/kafka/produce.js';
import { formatIssues } from '../../normalize/reasons.js';
import { ProgressLine } from '../progress.js';
import { stopSignal } from './shared.js';

interface ProduceFlags {
  topic: string;
  format: string;
  brand?: string;
  brokers?: string;
  clientId: string;
  tls?: boolean;
  tlsCa?: string;
  tlsInsecure?: boolean;
  saslMechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  saslUsername?: string;
  saslPasswordEnv: string;
  compression: 'none' | 'gzip';
  maxMessageBytes: number;
  quiet?: boolean;
}

/** The connection keys a pipeline config would have, from flags and the environment. */
export function connectionFromFlags(f: Omit<ProduceFlags, 'topic' | 'format' | 'compression' | 'maxMessageBytes'>, env: NodeJS.ProcessEnv): KafkaConnectionConfig {
  const raw: Record<string, unknown> = { client_id: f.clientId };
  if (f.brokers) raw.brokers = f.brokers.split(',').map((b) => b.trim()).filter(Boolean);
  else raw.brokers_from_env = 'KAFKA_BROKERS';
  if (f.tls || f.tlsCa || f.tlsInsecure) {
    raw.tls = { ...(f.tlsCa ? { ca_file: f.tlsCa } : {}), reject_unauthorized: !f.tlsInsecure };
  }
  const mechanism = f.saslMechanism ?? (env.KAFKA_SASL_MECHANISM as ProduceFlags['saslMechanism']);
  if (mechanism) {
    const user = f.saslUsername ?? env.KAFKA_SASL_USERNAME;
    raw.sasl = { mechanism, ...(user ? { username: user } : { username_from_env: 'KAFKA_SASL_USERNAME' }), password_from_env: f.saslPasswordEnv };
  }
  const r = KafkaConnectionConfig.safeParse(raw, { reportInput: true });
  if (!r.success) throw new KafkaConfigError(`command line: ${formatIssues(r.error.issues, '', 3)}`);
  return r.data;
}

export function register(program: Command): void {
  program
    .command('produce')
    .description('publish NDJSON files (canonical events or an adapter format) to a Kafka topic, keyed by conversation')
    .argument('<files...>', 'NDJSON files to publish in order; "-" reads stdin')
    .requiredOption('--topic <name>', 'topic to publish to')
    .option('--format <name>', `format of the lines: ${Object.keys(ADAPTERS).join(', ')}`, 'canonical')
    .option('--brand <name>', 'brand the adapter stamps (only used to find keys; the lines are sent unchanged)')
    .option('--brokers <list>', 'bootstrap brokers, host:port[,host:port]; default $KAFKA_BROKERS')
    .option('--client-id <id>', 'client id the brokers see', 'crisiscx-produce')
    .option('--tls', 'connect with TLS (system CAs)')
    .option('--tls-ca <file>', 'PEM file of the CA that signed the brokers (implies --tls)')
    .option('--tls-insecure', 'do not verify the brokers\' certificates (test brokers only)')
    .addOption(new Option('--sasl-mechanism <m>', 'SASL mechanism; default $KAFKA_SASL_MECHANISM').choices(['plain', 'scram-sha-256', 'scram-sha-512']))
    .option('--sasl-username <user>', 'SASL user; default $KAFKA_SASL_USERNAME')
    .option('--sasl-password-env <name>', 'environment variable holding the SASL password', 'KAFKA_SASL_PASSWORD')
    .addOption(new Option('--compression <c>', 'compress messages').choices(['none', 'gzip']).default('none'))
    .option('--max-message-bytes <n>', "largest message the topic takes (the broker's message.max.bytes); larger lines are reported, not sent", (v) => Number.parseInt(v, 10), 1_000_000)
    .option('--quiet', 'no progress line')
    .action(async (files: string[], flags: ProduceFlags) => {
      const topic = TopicName.safeParse(flags.topic);
      if (!topic.success) throw new KafkaConfigError(`--topic ${JSON.stringify(flags.topic)}: ${topic.error.issues[0]?.message}`);
      const env = process.env;
      const cfg = connectionFromFlags(flags, env);
      const { kafka, connection } = createKafka(cfg, { env, where: 'command line' });
      const progress = new ProgressLine(`produce ${flags.topic}`);
      const { signal } = stopSignal();
      if (!flags.quiet) process.stderr.write(`crisiscx: publishing to ${flags.topic} on ${describeConnection(connection)}\n`);
      try {
        const r = await produceFiles({
          kafka,
          topic: flags.topic,
          paths: files,
          format: flags.format,
          adapter: adapterOptionsFromConfig({ brand: flags.brand }),
          compression: flags.compression,
          maxMessageBytes: flags.maxMessageBytes,
          signal,
          onProgress: (p) => {
            if (!flags.quiet) progress.update({ done: p.bytes, total: p.totalBytes, unit: 'bytes', records: p.records }, { stored: p.records, duplicates: 0, deadLetters: 0 });
          },
        });
        if (!flags.quiet) progress.done({ done: r.bytes, total: r.bytes, unit: 'bytes', records: r.records }, { stored: r.records, duplicates: 0, deadLetters: 0 });
        const rate = r.ms > 0 ? Math.round((r.records * 1000) / r.ms) : r.records;
        process.stdout.write(
          `${r.records} records published to ${flags.topic} in ${(r.ms / 1000).toFixed(1)} s (${rate}/s)` +
            (r.unkeyed ? `; ${r.unkeyed} without a key (not JSON or not a ${flags.format} event: the pipeline will dead-letter them)` : '') +
            (signal.aborted ? '; stopped early (interrupted)' : '') +
            '\n',
        );
        if (r.tooLarge.length > 0) {
          process.stderr.write(
            `crisiscx: ${r.tooLarge.length} lines not published, larger than --max-message-bytes ${flags.maxMessageBytes}: ${r.tooLarge.slice(0, 10).join(', ')}${r.tooLarge.length > 10 ? ', ...' : ''}. ` +
              `Raise the topic's max.message.bytes and --max-message-bytes, or shorten those records.\n`,
          );
          process.exitCode = 1;
        }
      } catch (err) {
        if (err instanceof KafkaConfigError) throw err;
        throw new Error(`publishing to ${flags.topic} failed: ${explainKafkaError(err, connection.secrets).message}`, { cause: err });
      }
    });
}
