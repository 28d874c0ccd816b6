/**
 * @module sources/file/file
 * Reads NDJSON (or a framed format such as CSV) from files or stdin, streaming: memory stays flat
 * whatever the file size.
 *
 * @example
 * const src = new FileSource(['events.ndjson'], { batchSize: 5000 });
 * for await (const batch of src.batches()) handle(batch.records);
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { RawRecord } from '../../contract/records.js';
import type { AdapterOptions } from '../../normalize/adapters/adapter.js';
import type { Source, SourceBatch, SourceProgress } from '../source.js';
import { readLines, type Line } from './lines.js';

/** Cuts a byte stream into records; `lines` is the default, adapters with CSV bring their own. */
export type Framer = (input: Readable, name: string, options: { maxRecordBytes: number; onBytes: (n: number) => void }) => AsyncIterable<RawRecord>;

export const lineFramer =
  (kind: 'file' | 'stdin'): Framer =>
  async function* (input, name, options) {
    for await (const l of readLines(input, { maxLineBytes: options.maxRecordBytes, onBytes: options.onBytes })) {
      yield lineRecord(l, kind, name);
    }
  };

function lineRecord(l: Line, kind: 'file' | 'stdin', name: string): RawRecord {
  const rec: RawRecord = {
    bytes: l.bytes,
    origin: kind === 'stdin' ? { kind: 'stdin', name: 'stdin', line: l.line } : { kind: 'file', name, line: l.line },
  };
  if (l.truncatedFrom !== undefined) rec.meta = { totalBytes: String(l.truncatedFrom) };
  return rec;
}

export interface FileSourceOptions {
  batchSize?: number;
  /** Longest record kept whole in a dead letter; longer ones keep their start. Default 64 MiB. */
  maxRecordBytes?: number;
  framer?: Framer;
  /** Format of the records (adapter name), passed along with each batch. */
  format?: string;
  /** Adapter options (brand, brand accounts), passed along with each batch. */
  adapter?: AdapterOptions;
}

export class FileSource implements Source {
  readonly name: string;
  /** Asking for the next batch moves nothing but the read position: a rerun rereads the file. */
  readonly readAhead = true;
  private bytesDone = 0;
  private bytesBefore = 0;
  private records = 0;
  private readonly total: number | undefined;

  /** @param paths files to read in order; `-` means standard input. */
  constructor(
    private readonly paths: string[],
    private readonly options: FileSourceOptions = {},
  ) {
    this.name = paths.join(', ');
    let total = 0;
    for (const p of paths) {
      if (p === '-') {
        total = Number.NaN;
        continue;
      }
      total += statSync(p).size; // throws ENOENT with the path: the CLI reports it
    }
    this.total = Number.isNaN(total) ? undefined : total;
  }

  progress(): SourceProgress {
    return { done: this.bytesBefore + this.bytesDone, total: this.total, unit: 'bytes', records: this.records };
  }

  async *batches(signal?: AbortSignal): AsyncGenerator<SourceBatch> {
    const size = this.options.batchSize ?? 5000;
    for (const path of this.paths) {
      const stdin = path === '-';
      const input: Readable = stdin ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
      const framer = this.options.framer ?? lineFramer(stdin ? 'stdin' : 'file');
      let batch: RawRecord[] = [];
      this.bytesDone = 0;
      try {
        for await (const rec of framer(input, stdin ? 'stdin' : path, {
          maxRecordBytes: this.options.maxRecordBytes ?? 64 * 1024 * 1024,
          onBytes: (n) => (this.bytesDone = n),
        })) {
          batch.push(rec);
          this.records++;
          if (batch.length >= size) {
            yield this.out(batch);
            batch = [];
            if (signal?.aborted) return;
          }
        }
        if (batch.length > 0) yield this.out(batch);
      } finally {
        if (!stdin) (input as ReturnType<typeof createReadStream>).destroy();
      }
      this.bytesBefore += this.bytesDone;
      this.bytesDone = 0;
      if (signal?.aborted) return;
    }
  }

  private out(records: RawRecord[]): SourceBatch {
    const batch: SourceBatch = { records };
    if (this.options.format) batch.format = this.options.format;
    if (this.options.adapter) batch.adapter = this.options.adapter;
    return batch;
  }
}
