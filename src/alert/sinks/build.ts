/**
 * @module alert/sinks/build
 * Makes the sinks of an `alerts.sinks` config, each behind its own background queue. Secrets come
 * from the environment (`url_from_env`, `headers_from_env`), never from the config file, and a
 * missing variable is an error at start that names it.
 *
 * @example
 * const queues = await buildSinkQueues(config.alerts.sinks, { onOutcome });
 */
import { AlertConfigError } from '../errors.js';
import type { SinkConfig } from '../config.js';
import { SinkQueue, type DeliveryOutcome } from '../dispatch.js';
import type { AlertSink } from '../sink.js';
import { AlertmanagerSink } from './alertmanager.js';
import { createKafkaAlertSink } from './kafka.js';
import { StdoutSink } from './stdout.js';
import { WebhookSink } from './webhook.js';

function fromEnv(env: NodeJS.ProcessEnv, name: string, where: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    throw new AlertConfigError(`${where}: environment variable ${name} is not set. Export it before starting crisiscx, or change ${where}.`);
  }
  return v;
}

function headers(cfg: { headers: Record<string, string>; headers_from_env: Record<string, string> }, env: NodeJS.ProcessEnv, where: string): Record<string, string> {
  const h = { ...cfg.headers };
  for (const [k, name] of Object.entries(cfg.headers_from_env)) h[k] = fromEnv(env, name, `${where}.headers_from_env.${k}`);
  return h;
}

export interface BuildSinksOptions {
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** One sink per config entry; names get a suffix when a type repeats (webhook, webhook#2). */
export async function buildSinks(configs: readonly SinkConfig[], options: BuildSinksOptions = {}): Promise<{ sink: AlertSink; config: SinkConfig }[]> {
  const env = options.env ?? process.env;
  const seen = new Map<string, number>();
  const out: { sink: AlertSink; config: SinkConfig }[] = [];
  for (const [i, cfg] of configs.entries()) {
    const where = `alerts.sinks.${i}`;
    const n = (seen.get(cfg.type) ?? 0) + 1;
    seen.set(cfg.type, n);
    const name = n === 1 ? cfg.type : `${cfg.type}#${n}`;
    switch (cfg.type) {
      case 'stdout':
        out.push({ sink: new StdoutSink({ format: cfg.format, stream: options.stdout }), config: cfg });
        break;
      case 'webhook': {
        const url = cfg.url ?? fromEnv(env, cfg.url_from_env!, `${where}.url_from_env`);
        if (!/^https?:\/\//.test(url)) throw new AlertConfigError(`${where}: the webhook URL must start with http:// or https://; got ${url.slice(0, 12)}…`);
        out.push({ sink: new WebhookSink({ name, url, format: cfg.format, headers: headers(cfg, env, where), timeoutMs: cfg.timeout_ms }), config: cfg });
        break;
      }
      case 'alertmanager':
        out.push({
          sink: new AlertmanagerSink({ name, url: cfg.url, headers: headers(cfg, env, where), timeoutMs: cfg.timeout_ms, resendMs: cfg.resend_secs * 1000 }),
          config: cfg,
        });
        break;
      case 'kafka':
        // Connection errors (a missing password variable) throw here, at start, naming the key.
        out.push({ sink: createKafkaAlertSink(cfg, { env, where, name }), config: cfg });
        break;
    }
  }
  return out;
}

/** Puts each sink behind its own queue with the retry settings of its config. */
export function queueSinks(sinks: readonly { sink: AlertSink; config: SinkConfig }[], onOutcome: (o: DeliveryOutcome) => void): SinkQueue[] {
  return sinks.map(({ sink, config }) => {
    const retry =
      config.type === 'stdout'
        ? { maxAttempts: 1, queueSize: 10_000 }
        : { maxAttempts: config.max_attempts, initialBackoffMs: config.initial_backoff_ms, maxBackoffMs: config.max_backoff_ms, queueSize: config.queue_size };
    return new SinkQueue(sink, { ...retry, onOutcome });
  });
}
