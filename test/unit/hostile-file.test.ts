import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, buildSource } from '../../src/pipeline/build.js';
import { runCorpus } from '../fixtures/hostile/corpus.js';

const fileFor = (dbPath: string) => join(dirname(dbPath), 'hostile.ndjson');

// Small batches put hostile records at batch edges and duplicates in other batches than their first.
runCorpus({
  name: 'file',
  replay: true,
  async ingest(input, dbPath) {
    const file = fileFor(dbPath);
    writeFileSync(file, input);
    const config = parsePipelineConfig({ database: dbPath, sources: [{ type: 'file', paths: [file] }], limits: { batch_size: 7 }, serve: { enabled: false } });
    const built = await buildPipeline(config);
    try {
      await built.pipeline.runSource(buildSource(config.sources[0]!, config));
      await built.pipeline.flush();
    } finally {
      await built.close();
    }
  },
  locate: (r, dbPath) => ({ source_kind: 'file', line: r.line, origin: `${fileFor(dbPath)}:${r.line}` }),
});
