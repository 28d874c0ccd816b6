/**
 * @module sources/file/lines
 * Cuts a byte stream into lines without decoding it (so invalid UTF-8 reaches the dead letters
 * byte for byte), with 1-based line numbers, in bounded memory.
 */
import type { Readable } from 'node:stream';

export interface Line {
  bytes: Buffer;
  /** 1-based line number in the input. */
  line: number;
  /** The line's real length when it was longer than the keep limit and `bytes` holds only its start. */
  truncatedFrom?: number;
}

export interface LineOptions {
  /** Longest line kept whole; longer lines keep this many bytes and report their real size. */
  maxLineBytes?: number;
  /** Called with the bytes read so far (for progress). */
  onBytes?: (n: number) => void;
}

const NL = 10;
const CR = 13;

function trimCr(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] === CR ? b.subarray(0, b.length - 1) : b;
}

function isBlank(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c !== 32 && c !== 9 && c !== CR) return false;
  }
  return true;
}

/** Yields the non-blank lines of `input`. A final line without a newline is yielded too. */
export async function* readLines(input: Readable | AsyncIterable<Buffer | string>, options: LineOptions = {}): AsyncGenerator<Line> {
  const max = options.maxLineBytes ?? 64 * 1024 * 1024;
  let parts: Buffer[] = [];
  let partLen = 0;
  let realLen = 0;
  let lineNo = 0;
  let bytes = 0;

  const finish = (tail: Buffer): Line | undefined => {
    lineNo++;
    let buf: Buffer;
    if (parts.length === 0) buf = tail.length > max ? Buffer.from(tail.subarray(0, max)) : tail;
    else {
      if (partLen < max) {
        parts.push(tail.subarray(0, max - partLen));
      }
      buf = Buffer.concat(parts);
    }
    const total = realLen + tail.length;
    parts = [];
    partLen = 0;
    realLen = 0;
    const trimmed = trimCr(buf);
    if (isBlank(trimmed)) return undefined;
    const line: Line = { bytes: trimmed, line: lineNo };
    if (total > max) line.truncatedFrom = total;
    return line;
  };

  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buf.length;
    options.onBytes?.(bytes);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NL, start);
      if (nl < 0) break;
      // Copy: a line must not pin the whole read buffer in memory after it is parsed.
      const l = finish(parts.length === 0 ? Buffer.from(buf.subarray(start, nl)) : buf.subarray(start, nl));
      if (l) yield l;
      start = nl + 1;
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      realLen += rest.length;
      if (partLen < max) {
        const keep = Buffer.from(rest.subarray(0, max - partLen));
        parts.push(keep);
        partLen += keep.length;
      }
    }
  }
  if (partLen > 0 || realLen > 0) {
    const l = finish(Buffer.alloc(0));
    if (l) yield l;
  }
}
