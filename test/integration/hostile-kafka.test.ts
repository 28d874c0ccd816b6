/**
 * The hostile-input corpus through the Kafka source, against the real broker of the integration
 * run (test/setup/kafka.ts): one message per corpus record, on a fresh single-partition topic, so
 * a record's offset is its index. Records over 900 kB are left out (a broker's default message size
 * limit is 1 MB; the file and stdin runs cover them).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { inject } from 'vitest';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, buildSource } from '../../src/pipeline/build.js';
import { runCorpus } from '../fixtures/hostile/corpus.js';

const topic = `hostile-${randomUUID()}`;

runCorpus({
  name: 'kafka',
  maxRecordBytes: 900_000,
  timeoutMs: 240_000,
  async ingest(_input, dbPath, records) {
    const brokers = inject('kafka').brokers.split(',');
    const kafka = new Kafka({ brokers, clientId: 'crisiscx-hostile-test', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // One send per record keeps each request under the broker's size limit, and the order exact.
    for (const r of records) await producer.send({ topic, acks: -1, messages: [{ value: r.bytes, partition: 0 }] });
    await producer.disconnect();

    const config = parsePipelineConfig({
      database: dbPath,
      sources: [{ type: 'kafka', brokers, topics: [{ name: topic }], group_id: `g-${topic}`, dead_letter_topic: null }],
      limits: { batch_size: 7 },
      serve: { enabled: false },
    });
    const done = new AbortController();
    const built = await buildPipeline(config, {
      onBatch: (s) => {
        if (s.records >= records.length) done.abort();
      },
    });
    const source = buildSource(config.sources[0]!, config);
    try {
      await source.attach?.({ db: built.db });
      await built.pipeline.runSource(source, done.signal);
      await built.pipeline.flush();
    } finally {
      await source.close?.();
      await built.close();
    }
  },
  locate: (r) => ({ source_kind: 'kafka', kafka_offset: r.index, origin: `${topic}[0]@${r.index}` }),
});
