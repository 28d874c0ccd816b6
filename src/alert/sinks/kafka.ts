/**
 * @module alert/sinks/kafka
 * Alert notifications as JSON messages on a Kafka topic (`crisiscx.alerts` by default), for
 * whatever a team already runs on Kafka (an incident bus, a paging bridge, a data lake). The key is
 * the notification's dedupe key, so every notification about one condition lands in one partition,
 * in order; headers carry rule, state, severity and brand for routing without parsing the value.
 * Failures are classified for the sink queue: kafkajs's retriable errors (leader moved, broker
 * unreachable, timeouts) are retried, the rest (authorization, a message too large) are not.
 *
 * @example
 * const sink = await createKafkaAlertSink({ type: 'kafka', brokers: ['kafka:9092'], topic: 'crisiscx.alerts', ... });
 * await sink.send([notification]);
 */
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { SinkConfig } from '../config.js';
import { SinkError } from '../errors.js';
import type { AlertNotification, AlertSink } from '../sink.js';
import { createKafka, explainKafkaError } from '../../sources/kafka/client.js';

export interface KafkaAlertSinkOptions {
  kafka: Kafka;
  topic: string;
  name?: string;
  /** Never shown in errors. */
  secrets?: readonly string[];
  timeoutMs?: number;
}

/** The message of one notification: key, JSON value, routing headers. */
export function alertMessage(n: AlertNotification): { key: string; value: string; headers: Record<string, string> } {
  return {
    key: n.key,
    value: JSON.stringify({ v: 1, ...n }),
    headers: {
      'crisiscx.rule': n.rule,
      'crisiscx.state': n.state,
      'crisiscx.severity': n.severity,
      'crisiscx.brand': n.brand,
      ...(n.id ? { 'crisiscx.notification_id': n.id } : {}),
    },
  };
}

export class KafkaAlertSink implements AlertSink {
  readonly name: string;
  readonly maxBatch = 500;
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(private readonly options: KafkaAlertSinkOptions) {
    this.name = options.name ?? 'kafka';
  }

  private connect(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const p = this.options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      try {
        await p.connect();
      } catch (err) {
        this.connecting = undefined;
        throw err;
      }
      this.producer = p;
      return p;
    })();
    return this.connecting;
  }

  async send(notifications: AlertNotification[]): Promise<void> {
    if (notifications.length === 0) return;
    try {
      const p = await this.connect();
      await p.send({ topic: this.options.topic, acks: -1, timeout: this.options.timeoutMs ?? 5000, messages: notifications.map(alertMessage) });
    } catch (err) {
      const { message, retriable } = explainKafkaError(err, this.options.secrets);
      // Not reaching the brokers at all is worth retrying too (kafkajs marks some of those final).
      const transient = retriable || /cannot reach the Kafka brokers|ECONNREFUSED|timed? ?out/i.test(message);
      throw new SinkError(this.name, `publishing ${notifications.length} alert notification(s) to Kafka topic ${this.options.topic} failed: ${message}`, {
        cause: err,
        retriable: transient,
      });
    }
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    await p?.disconnect();
  }
}

/** The sink for an `alerts.sinks` entry of type kafka (connection secrets from the environment). */
export function createKafkaAlertSink(cfg: Extract<SinkConfig, { type: 'kafka' }>, options: { env?: NodeJS.ProcessEnv; where?: string; name?: string } = {}): KafkaAlertSink {
  const { kafka, connection } = createKafka(cfg, { env: options.env, where: options.where ?? 'alerts.sinks (kafka)' });
  return new KafkaAlertSink({ kafka, topic: cfg.topic, name: options.name, secrets: connection.secrets, timeoutMs: cfg.timeout_ms });
}
