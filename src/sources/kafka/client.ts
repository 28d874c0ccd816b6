/**
 * @module sources/kafka/client
 * Turns the connection keys of a config (brokers, client id, TLS, SASL) into a kafkajs client.
 * Secrets come from the environment; a missing variable or unreadable file is an error at start
 * that names the key. Secrets never reach a log line: kafkajs's logs go through a redactor, and
 * `describeConnection` shows the mechanism and user, never the password.
 *
 * @example
 * const kafka = createKafka(cfg, { env: process.env });
 * const producer = kafka.producer();
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel as LogLevel, type ConsumerConfig, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaConnectionConfig, KafkaSourceConfig } from './config.js';

/** Base of the errors of the Kafka integration: `retriable` says whether trying again may help. */
export class KafkaIntegrationError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KafkaIntegrationError';
    this.retriable = options.retriable ?? false;
  }
}

/** A connection setting that cannot work (missing environment variable, unreadable certificate). */
export class KafkaConfigError extends KafkaIntegrationError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'KafkaConfigError';
  }
}

export interface ResolvedConnection {
  clientId: string;
  brokers: string[];
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
  connectionTimeout: number;
  requestTimeout: number;
  /** Values that must never appear in a log line. */
  secrets: string[];
}

type Connection = Pick<
  KafkaConnectionConfig,
  'brokers' | 'brokers_from_env' | 'client_id' | 'tls' | 'sasl' | 'connection_timeout_ms' | 'request_timeout_ms'
>;

function fromEnv(env: NodeJS.ProcessEnv, name: string, where: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    throw new KafkaConfigError(`${where}: environment variable ${name} is not set; export it before starting crisiscx, or change ${where}`);
  }
  return v;
}

function readPem(path: string, where: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new KafkaConfigError(`${where}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give the path of a PEM file`, { cause: err });
  }
}

/** Splits `a:9092, b:9092` into brokers, rejecting empty entries. */
export function parseBrokerList(text: string, where: string): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new KafkaConfigError(`${where}: no broker in ${JSON.stringify(text)}; give host:port[,host:port...]`);
  for (const b of list) {
    if (/\s/.test(b)) throw new KafkaConfigError(`${where}: ${JSON.stringify(b)} is not host:port`);
  }
  return list;
}

/**
 * Resolves the connection keys of a config section against the environment. `where` names the
 * section in errors (`sources.0`, `alerts.sinks.2`).
 */
export function resolveConnection(cfg: Connection, options: { env?: NodeJS.ProcessEnv; where?: string } = {}): ResolvedConnection {
  const env = options.env ?? process.env;
  const where = options.where ?? 'kafka';
  let brokers: string[];
  if (cfg.brokers && cfg.brokers.length > 0) brokers = cfg.brokers;
  else if (cfg.brokers_from_env) brokers = parseBrokerList(fromEnv(env, cfg.brokers_from_env, `${where}.brokers_from_env`), `${where}.brokers_from_env (${cfg.brokers_from_env})`);
  else throw new KafkaConfigError(`${where}: no brokers; set brokers: [host:port, ...] or brokers_from_env: KAFKA_BROKERS`);
  brokers = brokers.map((b) => (/:\d+$/.test(b) ? b : `${b}:9092`));

  const secrets: string[] = [];
  let ssl: ConnectionOptions | boolean | undefined;
  if (cfg.tls) {
    const t = cfg.tls;
    const o: ConnectionOptions = { rejectUnauthorized: t.reject_unauthorized };
    if (t.ca_file) o.ca = [readPem(t.ca_file, `${where}.tls.ca_file`)];
    if (t.cert_file) o.cert = readPem(t.cert_file, `${where}.tls.cert_file`);
    if (t.key_file) o.key = readPem(t.key_file, `${where}.tls.key_file`);
    if ((t.cert_file === undefined) !== (t.key_file === undefined)) {
      throw new KafkaConfigError(`${where}.tls: cert_file and key_file go together (mutual TLS); set both or neither`);
    }
    if (t.key_password_from_env) {
      o.passphrase = fromEnv(env, t.key_password_from_env, `${where}.tls.key_password_from_env`);
      secrets.push(o.passphrase);
    }
    if (t.servername) o.servername = t.servername;
    ssl = o;
  }

  let sasl: SASLOptions | undefined;
  if (cfg.sasl) {
    const s = cfg.sasl;
    if ((s.username === undefined) === (s.username_from_env === undefined)) {
      throw new KafkaConfigError(`${where}.sasl: set exactly one of username and username_from_env`);
    }
    const username = s.username ?? fromEnv(env, s.username_from_env!, `${where}.sasl.username_from_env`);
    const password = fromEnv(env, s.password_from_env, `${where}.sasl.password_from_env`);
    secrets.push(password);
    sasl = { mechanism: s.mechanism, username, password } as SASLOptions;
  }

  const out: ResolvedConnection = {
    clientId: cfg.client_id,
    brokers,
    connectionTimeout: cfg.connection_timeout_ms,
    requestTimeout: cfg.request_timeout_ms,
    secrets,
  };
  if (ssl !== undefined) out.ssl = ssl;
  if (sasl) out.sasl = sasl;
  return out;
}

/** One line for logs: brokers, TLS, SASL mechanism and user; never a password. */
export function describeConnection(c: ResolvedConnection): string {
  const tls = c.ssl ? 'TLS' : 'plaintext';
  const sasl = c.sasl ? `, SASL ${c.sasl.mechanism} as ${(c.sasl as { username?: string }).username ?? '?'}` : '';
  return `${c.brokers.join(',')} (${tls}${sasl}, client id ${c.clientId})`;
}

/** Replaces every secret in a text with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}

const LEVELS: Record<string, LogLevel> = { error: LogLevel.ERROR, warn: LogLevel.WARN, info: LogLevel.INFO, debug: LogLevel.DEBUG };
const LEVEL_NAMES: Record<number, string> = { [LogLevel.ERROR]: 'error', [LogLevel.WARN]: 'warning', [LogLevel.INFO]: 'info', [LogLevel.DEBUG]: 'debug' };

/**
 * kafkajs logs as sentences on stderr, redacted. kafkajs logs every error response of the broker
 * at ERROR even when it retries it (a coordinator still loading); those are debug here, since what
 * finally fails reaches crisiscx as a thrown error. Level: $CRISISCX_KAFKA_LOG (default warn).
 */
function logCreator(secrets: readonly string[], env: NodeJS.ProcessEnv) {
  const max = LEVELS[env.CRISISCX_KAFKA_LOG ?? 'warn'] ?? LogLevel.WARN;
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const retried = namespace === 'Connection' && /^Response /.test(log.message);
      // Our exactly-once does not rest on the producer's retries: a send that fails aborts the
      // transaction or stops the consumer, and the range is published again on the next assignment.
      const eos = /Limiting retries for the idempotent producer/.test(log.message);
      const effective = retried || eos ? LogLevel.DEBUG : level;
      if (effective > max) return;
      const { message, timestamp: _t, logger: _l, ...rest } = log as LogEntry['log'] & { logger?: string };
      const extra = Object.entries(rest)
        .filter(([k]) => k !== 'stack')
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const name = LEVEL_NAMES[effective] ?? 'log';
      process.stderr.write(redact(`crisiscx: kafka ${name} [${namespace}] ${message}${extra ? ` (${extra})` : ''}\n`, secrets));
    };
}

/** A kafkajs client for resolved connection settings. */
export function kafkaClient(c: ResolvedConnection, env: NodeJS.ProcessEnv = process.env): Kafka {
  const config: KafkaConfig = {
    clientId: c.clientId,
    brokers: c.brokers,
    connectionTimeout: c.connectionTimeout,
    requestTimeout: c.requestTimeout,
    logLevel: LogLevel.DEBUG, // filtered in logCreator
    logCreator: logCreator(c.secrets, env),
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
  };
  if (c.ssl !== undefined) config.ssl = c.ssl;
  if (c.sasl) config.sasl = c.sasl;
  return new Kafka(config);
}

/** Resolves the connection keys of a config section and makes the client. */
export function createKafka(cfg: Connection, options: { env?: NodeJS.ProcessEnv; where?: string } = {}): { kafka: Kafka; connection: ResolvedConnection } {
  const connection = resolveConnection(cfg, options);
  return { kafka: kafkaClient(connection, options.env), connection };
}

/**
 * The consumer settings of a Kafka source: group membership and fetch sizes. One place, so the
 * benchmark's bare kafkajs consumer fetches exactly as the source does.
 */
export function consumerConfig(cfg: KafkaSourceConfig): ConsumerConfig {
  return {
    groupId: cfg.group_id,
    sessionTimeout: cfg.session_timeout_ms,
    heartbeatInterval: cfg.heartbeat_interval_ms,
    rebalanceTimeout: cfg.rebalance_timeout_ms,
    maxBytesPerPartition: cfg.max_bytes_per_partition,
    maxWaitTimeInMs: cfg.max_wait_ms,
    allowAutoTopicCreation: false,
    // Exactly-once needs committed data only (partials and dead letters are written transactionally).
    readUncommitted: false,
  };
}

/** An error from kafkajs (or anything) as a sentence without secrets, with whether it is retriable. */
export function explainKafkaError(err: unknown, secrets: readonly string[] = []): { message: string; retriable: boolean } {
  const e = err as { message?: string; retriable?: boolean; name?: string; type?: string };
  let message = e?.message ?? String(err);
  if (e?.name === 'KafkaJSSASLAuthenticationError' || /SASL .*authentication failed/i.test(message)) {
    message = `authentication to Kafka failed (${message}); check the SASL mechanism, user and the password variable`;
  } else if (e?.name === 'KafkaJSConnectionError' || /ECONNREFUSED|ENOTFOUND|Connection timeout/i.test(message)) {
    message = `cannot reach the Kafka brokers (${message}); check brokers, the network and TLS settings`;
  }
  return { message: redact(message, secrets), retriable: e?.retriable === true };
}
