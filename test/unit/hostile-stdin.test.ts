import { expect } from 'vitest';
import { cli } from '../helpers/cli.js';
import { runCorpus } from '../fixtures/hostile/corpus.js';

let runs = 0;

// Through the real CLI reading standard input, as `producer | crisiscx ingest -` would.
runCorpus({
  name: 'stdin',
  replay: true,
  timeoutMs: 180_000,
  async ingest(input, dbPath, records) {
    const r = await cli(['ingest', '-', '--db', dbPath, '--batch-size', '5', '--quiet'], { input });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The first run stores every dead letter; a replay finds them all stored already.
    const dead = runs++ === 0 ? records.filter((x) => x.expect === 'dead_letter').length : 0;
    expect(r.stdout).toMatch(new RegExp(`^${records.length} records read: \\d+ stored, \\d+ duplicates skipped, ${dead} dead letters`));
  },
  locate: (r) => ({ source_kind: 'stdin', line: r.line, origin: `stdin:${r.line}` }),
});
