/**
 * @module sources/file/csv
 * A streaming CSV framer (RFC 4180): cuts a byte stream into records, honouring quoted fields with
 * commas, doubled quotes and line breaks inside them, in bounded memory. The first record is the
 * header; every later record becomes a RawRecord whose bytes are the record exactly as written
 * (for dead letters), whose origin is the line the record starts on, and whose `meta.csvRow` is
 * the row as a JSON object keyed by the header's names (`meta.csvError` when it cannot be read).
 *
 * Lenient where real exports are sloppy: a bare CR inside an unquoted field is data, CRLF and LF
 * both end records, a UTF-8 byte-order mark before the header is dropped, text after a closing
 * quote is kept as part of the field.
 *
 * @example
 * const src = new FileSource(['twcs.csv'], { framer: csvFramer(), format: 'twcs' });
 */
import type { Readable } from 'node:stream';
import type { RawRecord } from '../../contract/records.js';
import type { Framer } from './file.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

export interface CsvRecord {
  /** The record's bytes without its line terminator (at most `maxRecordBytes` of them). */
  bytes: Buffer;
  /** 1-based line the record starts on. */
  line: number;
  /** The real length when the record was longer than the keep limit. */
  truncatedFrom?: number;
  /** The input ended inside a quoted field. */
  unterminated?: boolean;
}

export interface CsvSplitOptions {
  maxRecordBytes?: number;
  onBytes?: (n: number) => void;
  /** Field separator, one byte (default comma). */
  delimiter?: number;
}

// Splitter states: where the scan is within the current field.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3; // just saw a quote inside a quoted field: closing, or the first of a pair

/** Cuts `input` into CSV records (blank lines skipped), tracking quotes so line breaks inside them stay. */
export async function* readCsvRecords(input: Readable | AsyncIterable<Buffer | string>, options: CsvSplitOptions = {}): AsyncGenerator<CsvRecord> {
  const max = options.maxRecordBytes ?? 64 * 1024 * 1024;
  const delim = options.delimiter ?? COMMA;
  let state = FIELD_START;
  let parts: Buffer[] = [];
  let kept = 0;
  let total = 0;
  let line = 1;
  let startLine = 1;
  let bytes = 0;

  const keep = (chunk: Buffer, from: number, to: number): void => {
    total += to - from;
    if (kept >= max || to <= from) return;
    const end = Math.min(to, from + (max - kept));
    // Copy: a record must not pin the whole read buffer after it is parsed.
    parts.push(Buffer.from(chunk.subarray(from, end)));
    kept += end - from;
  };
  const finish = (unterminated: boolean): CsvRecord | undefined => {
    const truncated = total > kept;
    const realLen = total;
    let buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, kept);
    parts = [];
    kept = 0;
    total = 0;
    if (!truncated && buf.length > 0 && buf[buf.length - 1] === CR) buf = buf.subarray(0, buf.length - 1);
    if (!truncated && !unterminated && isBlank(buf)) return undefined;
    const rec: CsvRecord = { bytes: buf, line: startLine };
    if (truncated) rec.truncatedFrom = realLen;
    if (unterminated) rec.unterminated = true;
    return rec;
  };

  for await (const raw of input as AsyncIterable<Buffer | string>) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    bytes += chunk.length;
    options.onBytes?.(bytes);
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (state) {
        case QUOTED:
          if (b === QUOTE) state = QUOTE_IN_QUOTED;
          else if (b === LF) line++;
          continue;
        case QUOTE_IN_QUOTED:
          if (b === QUOTE) {
            state = QUOTED;
            continue;
          }
          state = b === delim ? FIELD_START : UNQUOTED;
          break;
        case FIELD_START:
          if (b === QUOTE) {
            state = QUOTED;
            continue;
          }
          state = b === delim ? FIELD_START : UNQUOTED;
          break;
        default:
          if (b === delim) state = FIELD_START;
      }
      if (b === LF) {
        keep(chunk, start, i);
        line++;
        const rec = finish(false);
        if (rec) yield rec;
        startLine = line;
        start = i + 1;
        state = FIELD_START;
      }
    }
    keep(chunk, start, chunk.length);
  }
  if (total > 0 || state === QUOTED) {
    const rec = finish(state === QUOTED);
    if (rec) yield rec;
  }
}

function isBlank(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 32 && b[i] !== 9 && b[i] !== CR) return false;
  return true;
}

/**
 * Splits one complete record into its fields (RFC 4180 quoting; `""` inside quotes is one quote).
 * Fails only on a quoted field that never closes.
 */
export function parseCsvFields(buf: Buffer, delimiter = COMMA): { fields: string[] } | { error: string } {
  const fields: string[] = [];
  const n = buf.length;
  let i = 0;
  for (;;) {
    if (i < n && buf[i] === QUOTE) {
      const pieces: Buffer[] = [];
      let seg = i + 1;
      let j = seg;
      for (;;) {
        const q = buf.indexOf(QUOTE, j);
        if (q < 0) return { error: `field ${fields.length + 1} opens a quote that never closes (a quoted field must end with ")` };
        if (buf[q + 1] === QUOTE) {
          pieces.push(buf.subarray(seg, q + 1));
          seg = j = q + 2;
          continue;
        }
        pieces.push(buf.subarray(seg, q));
        i = q + 1;
        break;
      }
      const d = buf.indexOf(delimiter, i);
      const end = d < 0 ? n : d;
      if (end > i) pieces.push(buf.subarray(i, end)); // text after the closing quote: kept (lenient)
      fields.push(Buffer.concat(pieces).toString('utf8'));
      if (d < 0) break;
      i = d + 1;
    } else {
      const d = buf.indexOf(delimiter, i);
      fields.push(buf.subarray(i, d < 0 ? n : d).toString('utf8'));
      if (d < 0) break;
      i = d + 1;
    }
  }
  return { fields };
}

/** Parses a header record into column names (BOM dropped, names trimmed, blanks named by position). */
export function parseCsvHeader(buf: Buffer, delimiter = COMMA): { names: string[] } | { error: string } {
  const b = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
  const r = parseCsvFields(b, delimiter);
  if ('error' in r) return { error: `header row: ${r.error}` };
  return { names: r.fields.map((f, i) => f.trim() || `column_${i + 1}`) };
}

/** A row as an object keyed by `names`, or why not. */
export function csvRow(buf: Buffer, names: readonly string[], headerLine: number, delimiter = COMMA): { row: Record<string, string> } | { error: string } {
  const r = parseCsvFields(buf, delimiter);
  if ('error' in r) return r;
  if (r.fields.length !== names.length) {
    return {
      error: `row has ${r.fields.length} fields, the header (line ${headerLine}) has ${names.length}: a field holding the separator, a quote or a line break must be in double quotes`,
    };
  }
  const row: Record<string, string> = {};
  for (let k = 0; k < names.length; k++) row[names[k]!] = r.fields[k]!;
  return { row };
}

export interface CsvFramerOptions {
  /** Field separator character (default ","). */
  delimiter?: string;
}

/** The Framer for CSV files with a header row (see module doc). */
export function csvFramer(options: CsvFramerOptions = {}): Framer {
  const sep = options.delimiter ?? ',';
  if (Buffer.byteLength(sep) !== 1 || sep === '"' || sep === '\n' || sep === '\r') {
    throw new Error(`CSV delimiter must be one single-byte character other than a quote or line break, got ${JSON.stringify(sep)}`);
  }
  const delimiter = sep.charCodeAt(0);
  return async function* (input: Readable, name: string, opts): AsyncGenerator<RawRecord> {
    let header: { names: string[]; line: number } | { error: string; line: number } | undefined;
    for await (const rec of readCsvRecords(input, { maxRecordBytes: opts.maxRecordBytes, onBytes: opts.onBytes, delimiter })) {
      const out: RawRecord = {
        bytes: rec.bytes,
        origin: name === 'stdin' ? { kind: 'stdin', name: 'stdin', line: rec.line } : { kind: 'file', name, line: rec.line },
      };
      if (rec.truncatedFrom !== undefined) {
        out.meta = { totalBytes: String(rec.truncatedFrom) };
        if (!header) header = { error: 'the header row is longer than the record limit', line: rec.line };
        yield out;
        continue;
      }
      if (!header) {
        const h = parseCsvHeader(rec.bytes, delimiter);
        header = 'error' in h ? { error: h.error, line: rec.line } : { names: h.names, line: rec.line };
        if ('error' in h) {
          out.meta = { csvError: `${h.error} (line ${rec.line}); no row of this file can be read until the header is fixed` };
          yield out;
        }
        continue;
      }
      if ('error' in header) {
        out.meta = { csvError: `the header (line ${header.line}) could not be read: ${header.error}` };
      } else if (rec.unterminated) {
        out.meta = { csvError: 'a quoted field is still open at the end of the input: its closing " is missing (the rest of the file was read as this one field)' };
      } else {
        const r = csvRow(rec.bytes, header.names, header.line, delimiter);
        out.meta = 'error' in r ? { csvError: r.error } : { csvRow: JSON.stringify(r.row) };
      }
      yield out;
    }
  };
}
