import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Normalizer } from '../../src/normalize/normalize.js';
import { FileSource } from '../../src/sources/file/file.js';
import { readLines } from '../../src/sources/file/lines.js';
import { loadCorpus } from '../fixtures/hostile/corpus.js';
import { buildCorpus, FIXTURE_DIR } from '../fixtures/hostile/generate.js';
import { tempDir } from '../helpers/tmp.js';

const MIB = 1024 * 1024;

describe('hostile corpus', () => {
  it('is what generate.ts writes (line numbers and expectations cannot drift apart)', () => {
    const { corpus, manifest } = buildCorpus();
    expect(readFileSync(join(FIXTURE_DIR, 'corpus.ndjson')).equals(corpus), 'corpus.ndjson is stale: run npx tsx test/fixtures/hostile/generate.ts').toBe(true);
    expect(readFileSync(join(FIXTURE_DIR, 'manifest.yaml'), 'utf8')).toBe(manifest);
  });

  it('covers every kind of hostile input the contract names, each followed by a valid record', () => {
    const { records } = loadCorpus();
    const stages = new Set(records.filter((r) => r.expect === 'dead_letter').map((r) => r.stage));
    expect([...stages].sort()).toEqual(['adapter', 'encoding', 'parse', 'schema', 'size']);
    expect(records.some((r) => r.expect === 'duplicate')).toBe(true);
    const bad = records.filter((r, i) => r.expect === 'dead_letter' && i + 1 < records.length && records[i + 1]!.expect !== 'stored');
    expect(bad.map((r) => r.case)).toEqual([]);
  });
});

describe('huge lines', () => {
  it('keep at most maxLineBytes in memory, whatever the line length, and the next line is intact', async () => {
    const chunk = Buffer.alloc(MIB, 0x61); // one buffer yielded again and again: the input itself costs nothing
    let peak = 0;
    const base = process.memoryUsage().arrayBuffers;
    async function* input() {
      for (let i = 0; i < 256; i++) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
        yield chunk;
      }
      yield Buffer.from('\n{"next":true}\n');
    }
    const out = [];
    for await (const l of readLines(input(), { maxLineBytes: MIB })) out.push(l);
    expect(out).toHaveLength(2);
    expect(out[0]!.bytes.length).toBe(MIB);
    expect(out[0]!.truncatedFrom).toBe(256 * MIB);
    expect(out[1]!.bytes.toString()).toBe('{"next":true}');
    expect(out[1]!.line).toBe(2);
    // Holding the whole 256 MiB line would show here; the reader's own copy is 1 MiB.
    expect(peak).toBeLessThan(32 * MIB);
  });

  it('become a size dead letter that keeps their start and says how long they were', async () => {
    const dir = tempDir('crisiscx-hugeline-');
    const file = join(dir, 'huge.ndjson');
    writeFileSync(file, Buffer.concat([Buffer.from('{"text":"'), Buffer.alloc(20 * MIB, 0x62), Buffer.from('"}\n{"id":"after"}\n')]));
    const src = new FileSource([file], { maxRecordBytes: 2 * MIB });
    const records = [];
    for await (const b of src.batches()) records.push(...b.records);
    expect(records).toHaveLength(2);
    const { deadLetters } = new Normalizer({ format: 'canonical', maxEventBytes: MIB }).normalize(records);
    expect(deadLetters[0]!.stage).toBe('size');
    expect(deadLetters[0]!.reason).toMatch(/^record is 20\.0 MiB, over the limit of 1\.0 MiB .* \(its first 2\.0 MiB are kept here\)$/);
    expect(deadLetters[0]!.raw.length).toBe(2 * MIB);
    // The line after it is read on its own (and fails the schema for its own reason).
    expect(deadLetters[1]!.raw.toString()).toBe('{"id":"after"}');
    expect(deadLetters[1]!.stage).toBe('schema');
  });
});
