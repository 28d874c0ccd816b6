/**
 * @module normalize/normalize
 * Every raw record becomes canonical events or a dead letter with its raw bytes, its origin and a
 * precise reason. Nothing is dropped silently and nothing here throws for bad input.
 *
 * @example
 * const n = createNormalizer({ format: 'canonical', maxEventBytes: 1 << 20 });
 * const { events, deadLetters } = n.normalize(records);
 */
import { StringDecoder } from 'node:string_decoder';
import { EventSchema, type CanonicalEvent } from '../contract/events.js';
import { deadLetter, type DeadLetter, type Envelope, type RawRecord } from '../contract/records.js';
import { ADAPTERS, type Adapter, type AdapterOptions } from './adapters/index.js';
import { fastParse } from './fast-path.js';
import { formatIssues } from './reasons.js';

export type { Envelope };

export interface NormalizedBatch {
  events: Envelope[];
  deadLetters: DeadLetter[];
}

export interface NormalizerOptions extends AdapterOptions {
  format: string;
  /** Records larger than this go to dead letters unparsed. */
  maxEventBytes: number;
  now?: () => number;
}

export class UnknownFormatError extends Error {
  constructor(format: string) {
    super(`unknown format "${format}": use one of ${Object.keys(ADAPTERS).join(', ')}`);
    this.name = 'UnknownFormatError';
  }
}

export function getAdapter(options: NormalizerOptions): Adapter {
  const factory = ADAPTERS[options.format];
  if (!factory) throw new UnknownFormatError(options.format);
  return factory(options);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} bytes`;
}

export class Normalizer {
  readonly adapter: Adapter;
  private readonly now: () => number;

  constructor(private readonly options: NormalizerOptions) {
    this.adapter = getAdapter(options);
    this.now = options.now ?? Date.now;
  }

  normalize(records: readonly RawRecord[]): NormalizedBatch {
    const out: NormalizedBatch = { events: [], deadLetters: [] };
    for (const rec of records) this.one(rec, out);
    return out;
  }

  /** Decodes and parses a record's bytes; CSV-framed sources hand over already-parsed rows in meta. */
  private parse(rec: RawRecord): { ok: true; value: unknown; text: string } | { ok: false; stage: 'encoding' | 'parse'; reason: string } {
    let text: string;
    try {
      text = utf8.decode(rec.bytes);
    } catch {
      return { ok: false, stage: 'encoding', reason: `not valid UTF-8 (byte ${firstBadUtf8(rec.bytes)}); re-export the data as UTF-8` };
    }
    if (this.adapter.framing === 'csv') {
      // CSV rows arrive pre-split by the source's CSV framer as a JSON object of column -> value.
      try {
        return { ok: true, value: JSON.parse(rec.meta?.csvRow ?? 'null'), text };
      } catch {
        return { ok: false, stage: 'parse', reason: 'CSV row could not be read' };
      }
    }
    try {
      const value: unknown = JSON.parse(text);
      // Valid JSON may still escape half a character ("\ud83d" alone): not Unicode, and DuckDB's
      // JSON functions then fail on the stored raw JSON for every query that touches it.
      if (SURROGATE_ESCAPE.test(text)) {
        const where = unpairedSurrogateAt(value);
        if (where !== undefined) {
          return {
            ok: false,
            stage: 'encoding',
            reason: `${where} contains an unpaired UTF-16 surrogate escape (half of a character such as an emoji), which is not valid Unicode; fix the producer's JSON encoding`,
          };
        }
      }
      return { ok: true, value, text };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const trimmed = text.trim();
      const hint = trimmed === '' ? 'the line is empty' : err instanceof RangeError ? `nested too deeply to parse (${msg})` : msg;
      return { ok: false, stage: 'parse', reason: `not valid JSON: ${hint}` };
    }
  }

  private one(rec: RawRecord, out: NormalizedBatch): void {
    const fmt = this.adapter.name;
    const size = rec.meta?.totalBytes ? Number(rec.meta.totalBytes) : rec.bytes.length;
    if (size > this.options.maxEventBytes) {
      const kept = size > rec.bytes.length ? ` (its first ${formatBytes(rec.bytes.length)} are kept here)` : '';
      out.deadLetters.push(
        deadLetter(
          rec,
          'size',
          `record is ${formatBytes(size)}, over the limit of ${formatBytes(this.options.maxEventBytes)} (raise max_event_bytes in the pipeline config if such events are legitimate)${kept}`,
          fmt,
          this.now(),
        ),
      );
      return;
    }
    const parsed = this.parse(rec);
    if (!parsed.ok) {
      out.deadLetters.push(deadLetter(rec, parsed.stage, parsed.reason, fmt, this.now()));
      return;
    }
    try {
      this.mapAndValidate(rec, parsed.value, parsed.text, out);
    } catch (err) {
      // Adapters and validation say why instead of throwing; this is the net under that promise
      // (e.g. a stack overflow on absurdly nested input), so one record never stops a batch.
      const msg = err instanceof RangeError ? 'the record is nested too deeply to process' : `the record could not be processed: ${(err as Error)?.message ?? String(err)}`;
      out.deadLetters.push(deadLetter(rec, 'adapter', `${fmt}: ${msg}`, fmt, this.now()));
    }
  }

  private mapAndValidate(rec: RawRecord, value: unknown, text: string, out: NormalizedBatch): void {
    const fmt = this.adapter.name;
    const mapped = this.adapter.map(value, rec);
    if ('error' in mapped) {
      out.deadLetters.push(deadLetter(rec, 'adapter', `${fmt}: ${mapped.error}`, fmt, this.now()));
      return;
    }
    const accepted: Envelope[] = [];
    for (let i = 0; i < mapped.events.length; i++) {
      const candidate = mapped.events[i];
      // Plainly valid events take the fast path (zod's result, without zod's machinery); the rest
      // go through zod. `reportInput` (the bad value quoted in the reason) halves zod's speed even
      // when nothing fails, so only a failure is parsed again with it.
      const fast = fastParse(candidate);
      if (fast) {
        accepted.push(this.envelope(rec, fast, text, candidate, mapped.events.length));
        continue;
      }
      let r = EventSchema.safeParse(candidate);
      if (!r.success) r = EventSchema.safeParse(candidate, { reportInput: true });
      if (!r.success) {
        const type = typeof (candidate as { type?: unknown })?.type === 'string' ? String((candidate as { type: string }).type) : '';
        const known = r.error.issues.some((iss) => iss.path[0] === 'type') ? '' : type;
        const which = mapped.events.length > 1 ? ` (event ${i + 1} of ${mapped.events.length} mapped from this record)` : '';
        out.deadLetters.push(deadLetter(rec, 'schema', formatIssues(r.error.issues, known) + which, fmt, this.now()));
        return; // a record maps whole or not at all, so a replay after a fix stores it once
      }
      accepted.push(this.envelope(rec, r.data, text, candidate, mapped.events.length));
    }
    for (const e of accepted) out.events.push(e);
  }

  /** A canonical record's raw JSON is its line (and its bytes); an adapter's is the mapped object. */
  private envelope(rec: RawRecord, event: CanonicalEvent, text: string, candidate: unknown, mappedCount: number): Envelope {
    if (this.adapter.name !== 'canonical' || mappedCount !== 1) return { event, raw: JSON.stringify(candidate), origin: rec.origin };
    const env: Envelope = { event, raw: text, origin: rec.origin };
    // The decoder drops a leading byte-order mark: then the bytes are not the text.
    if (this.adapter.framing === 'ndjson' && !(rec.bytes[0] === 0xef && rec.bytes[1] === 0xbb && rec.bytes[2] === 0xbf)) env.rawBytes = rec.bytes;
    return env;
  }
}

export function createNormalizer(options: NormalizerOptions): Normalizer {
  return new Normalizer(options);
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where a parsed JSON value holds a string or key with a lone surrogate (`text`, `a.b`), if anywhere. Iterative: input may nest deeply. */
function unpairedSurrogateAt(root: unknown): string | undefined {
  interface Item {
    value: unknown;
    key: string | undefined;
    parent: Item | undefined;
  }
  const path = (item: Item): string => {
    const keys: string[] = [];
    for (let i: Item | undefined = item; i?.key !== undefined; i = i.parent) keys.push(i.key);
    keys.reverse();
    const shown = keys.length > 6 ? [...keys.slice(0, 3), '…', ...keys.slice(-2)] : keys;
    return shown.length ? shown.join('.') : 'the record';
  };
  const stack: Item[] = [{ value: root, key: undefined, parent: undefined }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path(item);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ value: v[i], key: String(i), parent: item });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) return `a key in ${path(item)}`;
        stack.push({ value: child, key: k, parent: item });
      }
    }
  }
  return undefined;
}

function firstBadUtf8(buf: Buffer): number {
  // Decode growing prefixes would be quadratic; StringDecoder marks bad sequences with U+FFFD.
  const d = new StringDecoder('utf8');
  const s = d.write(buf) + d.end();
  const idx = s.indexOf('\uFFFD');
  return idx < 0 ? 0 : Buffer.byteLength(s.slice(0, idx));
}
