import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parsePipelineConfig } from '../../config/pipeline.js';
import { connectionFromFlags } from '../../cli/commands/produce.js';
import { describeConnection, explainKafkaError, KafkaConfigError, parseBrokerList, redact, resolveConnection } from './client.js';
import { KafkaConnectionConfig, KafkaSourceConfig } from './config.js';
import { KafkaSource } from './source.js';

const source = (extra: Record<string, unknown> = {}) => ({ type: 'kafka', brokers: ['k1:9092'], topics: [{ name: 'support.events' }], ...extra });

describe('kafka source config', () => {
  it('fills production defaults: group, client id, dead-letter topic, fetch bounds', () => {
    const c = KafkaSourceConfig.parse(source());
    expect(c.group_id).toBe('crisiscx');
    expect(c.client_id).toBe('crisiscx');
    expect(c.dead_letter_topic).toBe('crisiscx.dead-letters');
    expect(c.topics[0]!.format).toBe('canonical');
    expect(c.max_bytes_per_partition).toBe(2 * 1024 * 1024);
    expect(c.scale_out.enabled).toBe(false);
    expect(c.scale_out.aggregates_topic).toBe('crisiscx.aggregates');
  });

  it('is a source type of the pipeline config, with errors that name the key and quote the value', () => {
    const cfg = parsePipelineConfig({ sources: [source({ topics: [{ name: 'zendesk.raw', format: 'zendesk' }] })] });
    expect(cfg.sources[0]!.type).toBe('kafka');
    expect(() => parsePipelineConfig({ sources: [source({ group: 'x' })] }, 'p.yaml')).toThrow(ConfigError);
    expect(() => parsePipelineConfig({ sources: [source({ group: 'x' })] }, 'p.yaml')).toThrow(/group/);
    expect(() => parsePipelineConfig({ sources: [source({ topics: [{ name: 'a b' }] })] }, 'p.yaml')).toThrow(/"a b"|topic name/);
    expect(() => parsePipelineConfig({ sources: [source({ topics: [{ name: 't', format: 'zendsk' }] })] }, 'p.yaml')).toThrow(/zendsk/);
  });

  it('refuses a topic listed twice, a dead-letter topic that is also an input, and a heartbeat too slow for the session', () => {
    expect(KafkaSourceConfig.safeParse(source({ topics: [{ name: 't' }, { name: 't' }] })).error?.issues[0]?.message).toMatch(/listed twice/);
    expect(KafkaSourceConfig.safeParse(source({ topics: [{ name: 't' }], dead_letter_topic: 't' })).error?.issues[0]?.message).toMatch(/would loop/);
    expect(KafkaSourceConfig.safeParse(source({ session_timeout_ms: 6000, heartbeat_interval_ms: 3000 })).error?.issues[0]?.message).toMatch(/a third of session_timeout_ms/);
  });

  it('refuses scale-out buckets that are not the spike detector\'s buckets, naming both keys', () => {
    const so = (bucket: number, spikes: number) => parsePipelineConfig({ sources: [source({ scale_out: { enabled: true, bucket_secs: bucket } })], detect: { spikes: { bucket_secs: spikes } } }, 'p.yaml');
    expect(() => so(60, 10)).toThrow(/sources\.0\.scale_out\.bucket_secs.*\(60\) must equal detect\.spikes\.bucket_secs \(10\)/);
    expect(so(10, 10).sources[0]!.type).toBe('kafka');
  });

  it('never takes a password in the file: only the name of a variable holding it', () => {
    const r = KafkaSourceConfig.safeParse(source({ sasl: { mechanism: 'plain', username: 'u', password: 'hunter2' } }));
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('password');
  });

  it('takes twcs on a topic (its rows stand alone as headerless CSV or JSON) and refuses an unknown format in the config', () => {
    const ok = KafkaSourceConfig.parse(source({ topics: [{ name: 'tweets', format: 'twcs' }] }));
    expect(() => new KafkaSource({ config: ok })).not.toThrow();
    const bad = KafkaSourceConfig.safeParse(source({ topics: [{ name: 'tweets', format: 'twcz' }] }));
    expect(JSON.stringify(bad.error?.issues)).toContain('unknown format \\"twcz\\": use one of canonical');
  });
});

describe('kafka connection settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crisiscx-kafka-cfg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes brokers from the config or from a variable, and adds the default port', () => {
    const a = resolveConnection(KafkaConnectionConfig.parse({ brokers: ['k1', 'k2:9093'] }));
    expect(a.brokers).toEqual(['k1:9092', 'k2:9093']);
    const b = resolveConnection(KafkaConnectionConfig.parse({ brokers_from_env: 'MY_BROKERS' }), { env: { MY_BROKERS: 'k1:1, k2:2 ,' } });
    expect(b.brokers).toEqual(['k1:1', 'k2:2']);
    expect(() => resolveConnection(KafkaConnectionConfig.parse({}))).toThrow(/set brokers: \[host:port, \.\.\.\] or brokers_from_env/);
    expect(() => resolveConnection(KafkaConnectionConfig.parse({ brokers_from_env: 'NOPE' }), { env: {}, where: 'sources.0' })).toThrow(
      'sources.0.brokers_from_env: environment variable NOPE is not set',
    );
    expect(() => parseBrokerList(' , ', 'x')).toThrow(KafkaConfigError);
  });

  it('builds TLS and SASL from files and variables, and never shows the password', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const cfg = KafkaConnectionConfig.parse({
      brokers: ['k1:9093'],
      client_id: 'cx-prod',
      tls: { ca_file: ca },
      sasl: { mechanism: 'scram-sha-512', username: 'crisiscx', password_from_env: 'KAFKA_PW' },
    });
    const c = resolveConnection(cfg, { env: { KAFKA_PW: 's3cr3t-value' } });
    expect(c.ssl).toMatchObject({ rejectUnauthorized: true, ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
    expect(c.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'crisiscx', password: 's3cr3t-value' });
    const shown = describeConnection(c);
    expect(shown).toBe('k1:9093 (TLS, SASL scram-sha-512 as crisiscx, client id cx-prod)');
    expect(shown).not.toContain('s3cr3t');
    expect(redact('auth failed for crisiscx:s3cr3t-value at k1', c.secrets)).toBe('auth failed for crisiscx:*** at k1');
    expect(explainKafkaError(Object.assign(new Error('SASL SCRAM SHA512 authentication failed: s3cr3t-value'), { name: 'KafkaJSSASLAuthenticationError' }), c.secrets).message).toBe(
      'authentication to Kafka failed (SASL SCRAM SHA512 authentication failed: ***); check the SASL mechanism, user and the password variable',
    );
  });

  it('says which key is wrong: a missing password variable, an unreadable certificate, half a client certificate', () => {
    const sasl = KafkaConnectionConfig.parse({ brokers: ['k'], sasl: { mechanism: 'plain', username: 'u', password_from_env: 'KAFKA_PW' } });
    expect(() => resolveConnection(sasl, { env: {}, where: 'alerts.sinks.1' })).toThrow('alerts.sinks.1.sasl.password_from_env: environment variable KAFKA_PW is not set');
    const noCa = KafkaConnectionConfig.parse({ brokers: ['k'], tls: { ca_file: join(dir, 'missing.pem') } });
    expect(() => resolveConnection(noCa)).toThrow(/kafka.tls.ca_file: cannot read .*missing.pem \(ENOENT\)/);
    const half = KafkaConnectionConfig.parse({ brokers: ['k'], tls: { cert_file: join(dir, 'ca.pem') } });
    expect(() => resolveConnection(half)).toThrow(/cert_file and key_file go together/);
    const both = KafkaConnectionConfig.parse({ brokers: ['k'], sasl: { mechanism: 'plain', password_from_env: 'P' } });
    expect(() => resolveConnection(both, { env: { P: 'x' } })).toThrow(/exactly one of username and username_from_env/);
  });

  it('gives `crisiscx produce` the same settings from flags and the environment', () => {
    const c = connectionFromFlags({ clientId: 'p', tlsCa: '/ca.pem', saslMechanism: 'plain', saslPasswordEnv: 'KAFKA_SASL_PASSWORD' }, { KAFKA_SASL_USERNAME: 'bob' });
    expect(c).toMatchObject({ brokers_from_env: 'KAFKA_BROKERS', client_id: 'p', tls: { ca_file: '/ca.pem', reject_unauthorized: true }, sasl: { mechanism: 'plain', username: 'bob', password_from_env: 'KAFKA_SASL_PASSWORD' } });
    const d = connectionFromFlags({ clientId: 'p', brokers: 'a:1,b:2', saslPasswordEnv: 'X' }, {});
    expect(d.brokers).toEqual(['a:1', 'b:2']);
    expect(d.sasl).toBeUndefined();
  });
});
