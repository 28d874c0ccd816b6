/**
 * Production connection settings against the test broker's SASL and SASL-over-TLS listeners:
 * SCRAM over verified TLS for the source and `crisiscx produce`, PLAIN for the alert sink, and a
 * wrong password that fails with a clear error that never shows the password.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SinkConfig } from '../../src/alert/config.js';
import type { AlertNotification } from '../../src/alert/sink.js';
import { createKafkaAlertSink } from '../../src/alert/sinks/kafka.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline } from '../../src/pipeline/build.js';
import type { KafkaSourceConfig } from '../../src/sources/kafka/config.js';
import { KafkaSource } from '../../src/sources/kafka/source.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { broker, createTopics, readTopic, syntheticEvents, unique, waitFor } from './kafka-helpers.js';

function secured() {
  const b = broker();
  if (!b.saslBrokers || !b.saslSslBrokers || !b.tlsCa || !b.user || !b.password) {
    throw new Error('this test needs the SASL and SASL_SSL listeners of the test broker (test/setup/kafka.ts starts them; with KAFKA_BROKERS set, also set KAFKA_SASL_BROKERS, KAFKA_SASL_SSL_BROKERS, KAFKA_TLS_CA, KAFKA_SASL_USER, KAFKA_SASL_PASSWORD)');
  }
  return b;
}

describe('kafka security settings', () => {
  const dir = tempDir('crisiscx-kafka-sec-');

  it('publishes with `crisiscx produce` and consumes with the source over SCRAM-SHA-512 on verified TLS', async () => {
    const b = secured();
    const topic = unique('sec-events');
    const group = unique('sec-group');
    await createTopics([{ topic, numPartitions: 2 }]);
    const lines = syntheticEvents(300, 31);
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');

    const env = { KAFKA_SASL_PASSWORD: b.password, KAFKA_BROKERS: b.saslSslBrokers };
    const produced = await cli(['produce', file, '--topic', topic, '--tls-ca', b.tlsCa, '--sasl-mechanism', 'scram-sha-512', '--sasl-username', b.user], { env });
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stdout).toContain(`${lines.length} records published`);
    expect(produced.stderr).toContain(`(TLS, SASL scram-sha-512 as ${b.user}`);
    expect(produced.stderr).not.toContain(b.password);

    const config = parsePipelineConfig(
      {
        database: join(dir, 'sec.duckdb'),
        sources: [
          {
            type: 'kafka',
            brokers_from_env: 'CX_TEST_BROKERS',
            group_id: group,
            topics: [{ name: topic }],
            dead_letter_topic: null,
            tls: { ca_file: b.tlsCa },
            sasl: { mechanism: 'scram-sha-512', username_from_env: 'CX_TEST_USER', password_from_env: 'CX_TEST_PASSWORD' },
          },
        ],
        serve: { enabled: false },
        alerts: { sinks: [] },
        telemetry: { enabled: false },
      },
      'test',
    );
    process.env.CX_TEST_BROKERS = b.saslSslBrokers;
    process.env.CX_TEST_USER = b.user;
    process.env.CX_TEST_PASSWORD = b.password;
    const logs: string[] = [];
    const source = new KafkaSource({ config: config.sources[0] as KafkaSourceConfig, log: (l) => logs.push(l) });
    const built = await buildPipeline(config, { live: true });
    await source.attach({ db: built.db });
    const ac = new AbortController();
    const running = built.pipeline.runSource(source, ac.signal);
    try {
      await waitFor('every event stored over TLS', () => built.pipeline.stats.stored >= lines.length, 60_000);
    } finally {
      ac.abort();
      await running;
      await source.close();
      await built.close();
    }
    expect(built.pipeline.stats.stored).toBe(lines.length);
    expect(logs.join('\n')).toContain(`(TLS, SASL scram-sha-512 as ${b.user}`);
    expect(logs.join('\n')).not.toContain(b.password);
  });

  it('fails with a clear error, without showing it, when the password is wrong', async () => {
    const b = secured();
    const file = join(dir, 'one.ndjson');
    writeFileSync(file, `${syntheticEvents(1, 32)[0]}\n`);
    const wrong = 'not-the-password-7f3a9c';
    const r = await cli(['produce', file, '--topic', unique('sec-never'), '--brokers', b.saslBrokers, '--sasl-mechanism', 'scram-sha-256', '--sasl-username', b.user], {
      env: { KAFKA_SASL_PASSWORD: wrong },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('authentication to Kafka failed');
    expect(r.stderr).toContain('check the SASL mechanism, user and the password variable');
    expect(r.stderr + r.stdout).not.toContain(wrong);
  });

  it('publishes alert notifications to a topic over SASL PLAIN, keyed and with routing headers', async () => {
    const b = secured();
    const topic = unique('sec-alerts');
    await createTopics([{ topic }]);
    process.env.CX_TEST_PASSWORD = b.password;
    const sink = createKafkaAlertSink(
      SinkConfig.parse({ type: 'kafka', brokers: b.saslBrokers.split(','), topic, sasl: { mechanism: 'plain', username: b.user, password_from_env: 'CX_TEST_PASSWORD' } }) as Extract<SinkConfig, { type: 'kafka' }>,
    );
    const base: AlertNotification = {
      key: 'brand_silence|aurora-air',
      rule: 'brand_silence',
      state: 'firing',
      severity: 'critical',
      brand: 'aurora-air',
      summary: 'aurora-air has been silent in public for 45 minutes during a crisis',
      labels: { channel: 'social' },
      values: { silent_secs: 2700 },
      startsAt: Date.parse('2026-03-14T10:00:00Z'),
      count: 1,
      id: 'n-1',
    };
    try {
      await sink.send([base, { ...base, state: 'resolved', endsAt: Date.parse('2026-03-14T11:00:00Z'), id: 'n-2' }]);
    } finally {
      await sink.close();
    }
    const got = await readTopic(topic);
    expect(got.map((m) => m.key)).toEqual(['brand_silence|aurora-air', 'brand_silence|aurora-air']);
    expect(got.map((m) => m.headers['crisiscx.state'])).toEqual(['firing', 'resolved']);
    expect(got[0]!.headers).toMatchObject({ 'crisiscx.rule': 'brand_silence', 'crisiscx.severity': 'critical', 'crisiscx.brand': 'aurora-air', 'crisiscx.notification_id': 'n-1' });
    expect(JSON.parse(got[1]!.value)).toEqual({ v: 1, ...base, state: 'resolved', endsAt: Date.parse('2026-03-14T11:00:00Z'), id: 'n-2' });
  });
});
