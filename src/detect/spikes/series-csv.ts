/**
 * @module detect/spikes/series-csv
 * `crisiscx score-series`: a CSV of counts per fixed interval (`timestamp,value`) scored row by row,
 * causally, by the same spike model the pipeline runs (model.ts), into
 * `timestamp,value,anomaly_score,is_spike`. Streaming: one row is held back only until the interval
 * is known (from the first two rows, unless given).
 *
 * @example
 * const s = new SeriesCsvScorer({ config: SpikesConfig.parse({}) });
 * for (const [i, line] of lines.entries()) for (const out of s.row(line, i + 1)) process.stdout.write(out + '\n');
 * for (const out of s.end()) process.stdout.write(out + '\n');
 */
import type { SpikesConfig } from './config.js';
import { modelOptions, newSeriesState, step, type ModelOptions, type SeriesState, type Verdict } from './model.js';

export const OUTPUT_HEADER = 'timestamp,value,anomaly_score,is_spike';

/** A bad input line: says which line, what was found and what to do. */
export class SeriesInputError extends Error {
  readonly retriable = false;
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'SeriesInputError';
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A timestamp as epoch ms: ISO 8601 (no offset means UTC: seasonality is learnt in UTC), or a
 * number of epoch seconds (below 1e11) or milliseconds.
 */
export function parseTimestamp(text: string): number | undefined {
  const s = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  if (!ISO_DATE.test(s)) return undefined;
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
  const iso = s.replace(' ', 'T');
  const ms = Date.parse(hasOffset || iso.length <= 10 ? iso : `${iso}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Splits one CSV line into fields (double quotes allowed around a field). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else v += line[i++];
      }
      out.push(v);
      while (i < line.length && line[i] !== ',') i++;
      i++;
    } else {
      const j = line.indexOf(',', i);
      const end = j === -1 ? line.length : j;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

function show(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

interface Row {
  line: number;
  t: number;
  x: number;
  timestampText: string;
  valueText: string;
}

export interface SeriesCsvOptions {
  config: SpikesConfig;
  /** The interval in ms; by default the difference of the first two timestamps. */
  intervalMs?: number;
}

export interface SeriesSummary {
  rows: number;
  spikes: number;
  intervalMs: number | undefined;
}

export class SeriesCsvScorer {
  private opts: ModelOptions | undefined;
  private state: SeriesState | undefined;
  private held: Row | undefined;
  private last: Row | undefined;
  private sawHeader = false;
  readonly summary: SeriesSummary = { rows: 0, spikes: 0, intervalMs: undefined };

  constructor(private readonly options: SeriesCsvOptions) {
    if (options.intervalMs !== undefined) this.start(options.intervalMs);
  }

  private start(intervalMs: number): void {
    this.opts = modelOptions(this.options.config, intervalMs);
    this.state = newSeriesState(this.opts);
    this.summary.intervalMs = intervalMs;
  }

  /** Checks the header line; returns the output header. */
  header(line: string, lineNo = 1): string {
    const fields = splitCsvLine(line.replace(/^\uFEFF/, '').trim()).map((f) => f.trim().toLowerCase());
    if (fields.length !== 2 || fields[0] !== 'timestamp' || fields[1] !== 'value') {
      throw new SeriesInputError(lineNo, `expected the header "timestamp,value", got ${show(line.trim())}; the file must start with that line`);
    }
    this.sawHeader = true;
    return OUTPUT_HEADER;
  }

  private parse(line: string, lineNo: number): Row {
    const fields = splitCsvLine(line);
    if (fields.length !== 2) {
      throw new SeriesInputError(lineNo, `expected 2 fields (timestamp,value), got ${fields.length}: ${show(line)}`);
    }
    const [ts, v] = fields as [string, string];
    const t = parseTimestamp(ts);
    if (t === undefined) {
      throw new SeriesInputError(lineNo, `timestamp ${show(ts)} is not a time: use ISO 8601 (2026-01-05T10:00:00Z) or epoch seconds or milliseconds`);
    }
    const vt = v.trim();
    const x = vt === '' ? Number.NaN : Number(vt);
    if (!Number.isFinite(x)) throw new SeriesInputError(lineNo, `value ${show(v)} is not a number: each value is a count for its interval, like 12`);
    if (x < 0) throw new SeriesInputError(lineNo, `value ${vt} is negative: values are counts (0 or more)`);
    return { line: lineNo, t, x, timestampText: ts, valueText: vt };
  }

  private score(r: Row): string {
    const opts = this.opts!;
    if (this.last) {
      const gap = r.t - this.last.t;
      if (gap <= 0) {
        throw new SeriesInputError(r.line, `timestamp ${show(r.timestampText)} is not after the previous row's (line ${this.last.line}); rows must be in time order, one per interval`);
      }
      const k = gap / opts.intervalMs;
      if (Math.abs(k - Math.round(k)) > 1e-6) {
        throw new SeriesInputError(
          r.line,
          `timestamp ${show(r.timestampText)} is ${gap / 1000} s after the previous row, not a multiple of the interval (${opts.intervalMs / 1000} s); the series must have a fixed interval (missing rows are allowed)`,
        );
      }
    }
    this.last = r;
    const v: Verdict = step(opts, this.state!, r.t, r.x);
    this.summary.rows++;
    if (v.event === 'start') this.summary.spikes++;
    return `${csvField(r.timestampText)},${r.valueText},${v.score.toFixed(4)},${v.inSpike ? 1 : 0}`;
  }

  /**
   * One input line in (the first is the header); zero, one or two output lines out (the first
   * data row waits for the second, which tells the interval). Blank lines are skipped.
   */
  row(line: string, lineNo: number): string[] {
    if (line.trim() === '') return [];
    if (!this.sawHeader) return [this.header(line, lineNo)];
    const r = this.parse(line, lineNo);
    if (!this.opts) {
      if (!this.held) {
        this.held = r;
        return [];
      }
      const interval = r.t - this.held.t;
      if (interval <= 0) {
        throw new SeriesInputError(r.line, `timestamp ${show(r.timestampText)} is not after the previous row's (line ${this.held.line}); rows must be in time order, one per interval`);
      }
      this.start(interval);
      const first = this.held;
      this.held = undefined;
      return [this.score(first), this.score(r)];
    }
    return [this.score(r)];
  }

  /** End of input: a lone row (interval unknown) is scored with the configured bucket width. */
  end(): string[] {
    if (!this.sawHeader) throw new SeriesInputError(1, 'the input is empty: expected the header "timestamp,value" and one row per interval');
    if (this.held) {
      this.start(this.options.config.bucket_secs * 1000);
      const r = this.held;
      this.held = undefined;
      return [this.score(r)];
    }
    return [];
  }
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
