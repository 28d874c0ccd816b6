/**
 * vitest globalSetup of the integration project: a real Apache Kafka broker for the run.
 *
 * With KAFKA_BROKERS set, the tests use that broker (SASL/TLS tests then need KAFKA_SASL_BROKERS,
 * KAFKA_SASL_SSL_BROKERS, KAFKA_TLS_CA, KAFKA_SASL_USER and KAFKA_SASL_PASSWORD too). Otherwise
 * scripts/kafka-local.sh starts a single-node KRaft broker in a temp folder, with a SASL listener
 * (PLAIN, SCRAM) and a SASL over TLS listener, and stops it after the run. Tests read the addresses
 * with `inject('kafka')`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

export interface KafkaTestBroker {
  brokers: string;
  saslBrokers: string;
  saslSslBrokers: string;
  tlsCa: string;
  user: string;
  password: string;
  /** How long the broker took to start (0 when given). */
  startMs: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: KafkaTestBroker;
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = join(root, 'scripts', 'kafka-local.sh');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [script, ...args], { env, cwd: root, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/kafka-local.sh ${args.join(' ')} failed:\n${stderr}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

/** Only file filters on the command line that name no Kafka test skip the broker. */
function kafkaTestsWanted(): boolean {
  const paths = process.argv.slice(2).filter((a) => !a.startsWith('-') && /[/.]|test/.test(a));
  return paths.length === 0 || paths.some((p) => /kafka/i.test(p));
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.KAFKA_BROKERS;
  if (given) {
    project.provide('kafka', {
      brokers: given,
      saslBrokers: process.env.KAFKA_SASL_BROKERS ?? '',
      saslSslBrokers: process.env.KAFKA_SASL_SSL_BROKERS ?? '',
      tlsCa: process.env.KAFKA_TLS_CA ?? '',
      user: process.env.KAFKA_SASL_USER ?? '',
      password: process.env.KAFKA_SASL_PASSWORD ?? '',
      startMs: 0,
    });
    return undefined;
  }
  if (!kafkaTestsWanted()) return undefined;
  const runDir = mkdtempSync(join(tmpdir(), 'crisiscx-kafka-run-'));
  const user = 'crisiscx-test';
  const password = randomBytes(12).toString('hex');
  const env = { ...process.env, KAFKA_RUN_DIR: runDir, KAFKA_PORT: '0', KAFKA_SASL_USERS: `${user}:${password}`, KAFKA_TLS: '1' };
  const t0 = Date.now();
  const out = await run(['start'], env);
  const vars = Object.fromEntries(
    out
      .split('\n')
      .map((l) => l.trim().split('='))
      .filter((kv) => kv.length === 2) as [string, string][],
  );
  if (!vars.KAFKA_BROKERS) throw new Error(`scripts/kafka-local.sh start printed no KAFKA_BROKERS:\n${out}`);
  const startMs = Number(vars.KAFKA_START_MS ?? Date.now() - t0);
  process.stderr.write(`kafka: test broker on ${vars.KAFKA_BROKERS} started in ${(startMs / 1000).toFixed(1)} s (jars fetched and formatted: ${((Date.now() - t0) / 1000).toFixed(1)} s in all)\n`);
  project.provide('kafka', {
    brokers: vars.KAFKA_BROKERS,
    saslBrokers: vars.KAFKA_SASL_BROKERS ?? '',
    saslSslBrokers: vars.KAFKA_SASL_SSL_BROKERS ?? '',
    tlsCa: vars.KAFKA_TLS_CA ?? '',
    user,
    password,
    startMs,
  });
  return async () => {
    await run(['stop'], env).catch((err: Error) => process.stderr.write(`${err.message}\n`));
    rmSync(runDir, { recursive: true, force: true });
  };
}
