import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/contract/records.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Stage } from '../../src/pipeline/stage.js';
import type { Source, SourceBatch, SourceProgress } from '../../src/sources/source.js';
import { Database } from '../../src/store/database.js';
import { EventWriter } from '../../src/store/writer.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.parse('2026-03-14T10:00:00Z');

function record(n: number): RawRecord {
  const line = JSON.stringify({ id: `e${n}`, type: 'message', ts: T0 + n * 1000, conversationId: `c${n % 7}`, channel: 'chat', direction: 'inbound', text: `message ${n}` });
  return { bytes: Buffer.from(line), origin: { kind: 'file', name: 'mem', line: n + 1 } };
}

/** A source of `batches` batches of `size` records that logs when each batch is asked for and when its generator ends. */
class LoggingSource implements Source {
  readonly name = 'mem';
  readonly log: string[] = [];
  closed = false;
  constructor(
    readonly readAhead: boolean,
    private readonly batches_: number,
    private readonly size = 3,
  ) {}
  progress(): SourceProgress {
    return { done: 0, unit: 'records', records: 0 };
  }
  async *batches(): AsyncGenerator<SourceBatch> {
    try {
      for (let b = 0; b < this.batches_; b++) {
        // Ready at once (as a file's next lines usually are): always there before a commit ends.
        this.log.push(`read ${b}`);
        yield { records: Array.from({ length: this.size }, (_, i) => record(b * this.size + i)) };
      }
    } finally {
      this.closed = true;
    }
  }
}

/** Logs the batches the stages see, their timers, and when each one's transaction committed. */
function probe(log: string[], failOn?: string): Stage {
  let batch = 0;
  let ticks = 0;
  return {
    name: 'probe',
    onEvents(events) {
      if (events.some((e) => e.event.id === failOn)) throw new Error(`stage failed on ${failOn}`);
      log.push(`stage ${events.map((e) => e.event.id).join(',')}`);
    },
    onTick() {
      log.push(`tick ${ticks++}`);
    },
    afterCommit(info) {
      if (info.events.length > 0) log.push(`committed ${batch++}`);
    },
  };
}

async function setup(dir: string, name: string, stages: Stage[]): Promise<{ db: Database; pipeline: Pipeline }> {
  const db = await Database.open(join(dir, `${name}.duckdb`));
  return { db, pipeline: new Pipeline({ writer: await EventWriter.create(db), stages }) };
}

describe('pipeline read-ahead', () => {
  const dir = tempDir();

  it('pipelines a file-like source (next batch read and detected while one commits), batches still in order', async () => {
    const src = new LoggingSource(true, 4);
    const { db, pipeline } = await setup(dir, 'ahead', [probe(src.log)]);
    await pipeline.runSource(src);
    // The next batch is asked for before the current one is committed...
    expect(src.log.indexOf('read 1')).toBeLessThan(src.log.indexOf('committed 0'));
    // ...stages see the batches whole and in order, the next one while the previous commits; a
    // batch's timers run only after the previous batch committed and its hooks ran.
    const seen = src.log.filter((l) => !l.startsWith('read'));
    expect(seen).toEqual([
      'stage e0,e1,e2',
      'tick 0',
      'stage e3,e4,e5',
      'committed 0',
      'tick 1',
      'stage e6,e7,e8',
      'committed 1',
      'tick 2',
      'stage e9,e10,e11',
      'committed 2',
      'tick 3',
      'committed 3',
    ]);
    // runSource resolves with everything stored.
    expect(pipeline.stats.stored).toBe(12);
    const ids = await db.query<{ id: string }>("SELECT id FROM events ORDER BY CAST(substr(id, 2) AS INTEGER)");
    expect(ids.map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => `e${i}`));
    expect(src.closed).toBe(true);
    await db.close();
  });

  it('stores an id once when the next batch repeats one of the batch still committing', async () => {
    const ids = [[0, 1, 2], [2, 3, 1], [3, 4, 0]];
    const src: Source = {
      name: 'dups',
      readAhead: true,
      progress: () => ({ done: 0, unit: 'records', records: 0 }),
      async *batches() {
        for (const b of ids) yield { records: b.map(record) };
      },
    };
    const { db, pipeline } = await setup(dir, 'dups', []);
    await pipeline.runSource(src);
    const rows = await db.query<{ id: string; n: bigint }>('SELECT id, count(*) AS n FROM events GROUP BY id ORDER BY id');
    expect(rows).toEqual(['e0', 'e1', 'e2', 'e3', 'e4'].map((id) => ({ id, n: 1n })));
    expect((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM messages'))[0]!.n).toBe(5n);
    expect(pipeline.stats).toMatchObject({ stored: 5, duplicates: 4 });
    await db.close();
  });

  it('runs the hooks of a committed batch while a slow source (a pipe) has nothing more yet', async () => {
    let release!: () => void;
    const more = new Promise<void>((r) => (release = r));
    const log: string[] = [];
    const src: Source = {
      name: 'pipe',
      readAhead: true,
      progress: () => ({ done: 0, unit: 'records', records: 0 }),
      async *batches() {
        yield { records: [0, 1].map(record) };
        log.push('waiting for input');
        await more;
        yield { records: [2].map(record) };
      },
    };
    const { db, pipeline } = await setup(dir, 'pipe', [probe(log)]);
    const run = pipeline.runSource(src);
    await waitFor(() => log.includes('committed 0'), 'the hooks of batch 0 while the source waits', 10_000, 5);
    expect(log).toEqual(['waiting for input', 'stage e0,e1', 'tick 0', 'committed 0']);
    release();
    await run;
    expect(log.slice(4)).toEqual(['stage e2', 'tick 1', 'committed 1']);
    await db.close();
  });

  it('never asks a source without read-ahead for a batch before the previous one is committed', async () => {
    const src = new LoggingSource(false, 3);
    const { db, pipeline } = await setup(dir, 'no-ahead', [probe(src.log)]);
    await pipeline.runSource(src);
    expect(src.log).toEqual([
      'read 0',
      'stage e0,e1,e2',
      'tick 0',
      'committed 0',
      'read 1',
      'stage e3,e4,e5',
      'tick 1',
      'committed 1',
      'read 2',
      'stage e6,e7,e8',
      'tick 2',
      'committed 2',
    ]);
    await db.close();
  });

  it('stops at an abort after the batch in progress, stores nothing read ahead, and closes the source', async () => {
    const src = new LoggingSource(true, 10);
    const ac = new AbortController();
    const stop: Stage = {
      name: 'stop',
      afterCommit: (info) => {
        if (info.events.length > 0) ac.abort();
      },
    };
    const { db, pipeline } = await setup(dir, 'abort', [stop]);
    await pipeline.runSource(src, ac.signal);
    await new Promise((r) => setImmediate(r));
    // Batch 0's hooks (the abort) ran while batch 1 was in progress: both are stored, no more.
    expect((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM events'))[0]!.n).toBe(6n);
    expect(pipeline.stats.stored).toBe(6);
    expect(src.closed).toBe(true);
    await db.close();
  });

  it('tells a read-ahead source once per batch: stored (after its commit, with its dead letters) or dropped (failed, or read ahead)', async () => {
    const told: string[] = [];
    let pipeline!: Pipeline;
    const src: Source = {
      name: 'acks',
      readAhead: true,
      progress: () => ({ done: 0, unit: 'records', records: 0 }),
      async *batches() {
        for (let b = 0; b < 10; b++) {
          const records = [0, 1, 2].map((i) => record(b * 3 + i));
          if (b === 1) records.push({ bytes: Buffer.from('not json'), origin: { kind: 'file', name: 'mem', line: 99 } });
          yield {
            records,
            // Stats count a batch once it committed: batch b is the (b+1)th.
            onStored: ({ deadLetters }) => told.push(`stored ${b}: ${deadLetters.length} dead, ${pipeline.stats.batches} committed`),
            onDropped: () => told.push(`dropped ${b}`),
          };
        }
      },
    };
    const set = await setup(dir, 'acks', [probe([], 'e7')]);
    pipeline = set.pipeline;
    await expect(pipeline.runSource(src)).rejects.toThrow('stage failed on e7');
    await new Promise((r) => setImmediate(r));
    // Batch 2 failed in its stage; batch 3 had been read ahead; nothing after it was read.
    expect(told.sort()).toEqual(['dropped 2', 'dropped 3', 'stored 0: 0 dead, 1 committed', 'stored 1: 1 dead, 2 committed']);
    await set.db.close();
  });

  it('fails with the stage error, keeps the batches before it (the one committing too), and closes the source', async () => {
    const src = new LoggingSource(true, 10);
    const { db, pipeline } = await setup(dir, 'fail', [probe(src.log, 'e7')]);
    await expect(pipeline.runSource(src)).rejects.toThrow('stage failed on e7');
    await new Promise((r) => setImmediate(r));
    const n = (await db.query<{ n: bigint }>('SELECT count(*) AS n FROM events'))[0]!.n;
    expect(n).toBe(6n);
    expect(src.log.filter((l) => l.startsWith('committed'))).toEqual(['committed 0', 'committed 1']);
    expect(src.closed).toBe(true);
    await db.close();
  });
});
