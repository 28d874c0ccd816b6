/**
 * @module cli/commands/score-text
 * `crisiscx score-text [FILE]`: scores NDJSON lines `{"text": "...", "lang": "..."}` (lang and
 * sentiment optional) from a file or stdin, streaming, and writes one NDJSON line per input line
 * in the same order: `{"upset": 0.83, "label": "upset", "lang": "eng"}`, or `{"error": "..."}` for
 * a line that is not a valid request. The scorer is the pipeline's (built from the same `score`
 * config), without the repeat-contact context a stream of events gives.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { loadPipelineConfig, parsePipelineConfig } from '../../config/pipeline.js';
import { MAX_TEXT_CHARS } from '../../contract/events.js';
import { formatIssues } from '../../normalize/reasons.js';
import { scorerFromConfig } from '../../score/stage.js';
import type { UpsetScorer } from '../../score/upset/scorer.js';
import { readLines } from '../../sources/file/lines.js';

const Request = z.looseObject({
  text: z.string().max(MAX_TEXT_CHARS),
  lang: z.string().min(1).max(35).nullish(),
  sentiment: z.number().min(-1).max(1).nullish(),
  id: z.union([z.string(), z.number()]).optional(),
});

/** Longest input line read whole; a longer one gets an error line (a text is at most 100,000 characters). */
const MAX_LINE_BYTES = 1 << 20;

interface Options {
  pipeline?: string;
  threshold?: number;
  explain?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('score-text')
    .description('score NDJSON lines {"text": "...", "lang": "..."} for upset; one NDJSON result per line, same order ("-" or no FILE: stdin)')
    .argument('[file]', 'NDJSON file; "-" or nothing reads standard input')
    .option('--pipeline <file>', 'take the score settings (threshold, sentiment weight, ...) from this pipeline config')
    .option('--threshold <n>', 'score at or above which a text is labelled upset (default: the config\'s score.upset_threshold, 0.5)', parseThreshold)
    .option('--explain', 'add the signals behind each score (terms matched, emoji, punctuation, language source)')
    .option('--quiet', 'no progress line on stderr')
    .action(async (file: string | undefined, opts: Options) => {
      const config = opts.pipeline ? loadPipelineConfig(opts.pipeline) : parsePipelineConfig({}, 'defaults');
      const score = { ...config.score, ...(opts.threshold !== undefined ? { upset_threshold: opts.threshold } : {}) };
      const scorer = scorerFromConfig(score, { explain: opts.explain });
      const { input, name, total } = openInput(file);
      await scoreStream(input, scorer, { explain: opts.explain ?? false, progress: opts.quiet ? undefined : new Progress(name, total) });
    });
}

function parseThreshold(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new Error(`--threshold must be a number in [0, 1], got ${JSON.stringify(v)}`);
  return n;
}

/** The input file cannot be read at all (missing, a directory, no permission): the one failure that stops the command. */
export class InputUnreadableError extends Error {
  readonly retriable = false;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot read ${file}: ${reason}; give an NDJSON file, or "-" for standard input`, options);
    this.name = 'InputUnreadableError';
  }
}

function openInput(file: string | undefined): { input: Readable; name: string; total?: number } {
  if (file === undefined || file === '-') return { input: process.stdin, name: 'stdin' };
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new InputUnreadableError(file, (err as Error).message, { cause: err });
  }
  if (st.isDirectory()) throw new InputUnreadableError(file, 'it is a directory');
  return { input: createReadStream(file), name: file, total: st.size };
}

/** One result line for one input line. */
export function scoreLine(bytes: Buffer, lineNo: number, scorer: UpsetScorer, explain: boolean): string {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return errorLine(`line ${lineNo}: not JSON (${(err as Error).message}); expected {"text": "...", "lang": "..."}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return errorLine(`line ${lineNo}: expected an object like {"text": "...", "lang": "..."}, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  const r = Request.safeParse(value, { reportInput: true });
  if (!r.success) return errorLine(`line ${lineNo}: ${formatIssues(r.error.issues, '', 3)}`);
  const req = r.data;
  const res = scorer.score({ text: req.text, lang: req.lang, sentiment: req.sentiment });
  const out: Record<string, unknown> = {};
  if (req.id !== undefined) out.id = req.id;
  out.upset = res.score;
  out.label = res.label;
  out.lang = res.lang;
  if (explain) out.signals = res.signals;
  return JSON.stringify(out);
}

function errorLine(message: string): string {
  return JSON.stringify({ error: message });
}

/** Scores every line of `input` to stdout, in order, one output line per input line. */
async function scoreStream(input: Readable, scorer: UpsetScorer, options: { explain: boolean; progress?: Progress }): Promise<void> {
  const out = new Output();
  let expected = 1;
  let bytesRead = 0;
  for await (const line of readLines(input, { maxLineBytes: MAX_LINE_BYTES, onBytes: (n) => (bytesRead = n) })) {
    // readLines skips blank lines; each one still gets its line out, so output lines match input lines.
    for (; expected < line.line; expected++) await out.write(errorLine(`line ${expected}: empty line; expected {"text": "...", "lang": "..."}`));
    expected = line.line + 1;
    const result =
      line.truncatedFrom !== undefined
        ? errorLine(`line ${line.line}: ${line.truncatedFrom} bytes is longer than ${MAX_LINE_BYTES} bytes; a text is at most ${MAX_TEXT_CHARS} characters`)
        : scoreLine(line.bytes, line.line, scorer, options.explain);
    await out.write(result);
    options.progress?.update(bytesRead, line.line);
  }
  await out.end();
  options.progress?.done(bytesRead, expected - 1);
}

/** Buffered stdout that waits when the reader is slower (backpressure), and ends quietly on a closed pipe (`| head`). */
class Output {
  private buf: string[] = [];
  private size = 0;
  private closed = false;

  constructor() {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') {
        this.closed = true;
        process.exit(0);
      }
    });
  }

  async write(line: string): Promise<void> {
    this.buf.push(line);
    this.size += line.length + 1;
    if (this.size >= 64 * 1024) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buf.length === 0 || this.closed) return;
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    this.size = 0;
    if (!process.stdout.write(chunk)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }

  async end(): Promise<void> {
    await this.flush();
  }
}

/** A progress line on stderr for inputs that take more than a second: bytes, lines and rate. */
class Progress {
  private readonly started = Date.now();
  private last = 0;
  private printed = false;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly name: string,
    private readonly total?: number,
  ) {}

  update(bytes: number, lines: number, force = false): void {
    const now = Date.now();
    if (!force && (now - this.started < 1000 || now - this.last < (this.tty ? 200 : 5000))) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const pct = this.total ? ` ${((100 * bytes) / this.total).toFixed(1)}%` : '';
    const text = `score-text ${this.name}:${pct} ${(bytes / 2 ** 20).toFixed(1)} MiB, ${lines} lines (${Math.round(lines / secs)}/s)`;
    process.stderr.write(this.tty ? `\r\x1b[2K${text}` : `${text}\n`);
    this.printed = true;
  }

  done(bytes: number, lines: number): void {
    if (!this.printed) return;
    this.update(bytes, lines, true);
    if (this.tty) process.stderr.write('\n');
  }
}
