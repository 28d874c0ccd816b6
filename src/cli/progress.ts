/**
 * @module cli/progress
 * One progress line on stderr, rewritten in place on a terminal and printed every few seconds
 * otherwise (CI logs), so a long ingest always shows it is alive.
 */
import type { SourceProgress } from '../sources/source.js';

export interface ProgressCounts {
  stored: number;
  duplicates: number;
  deadLetters: number;
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

function bytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export class ProgressLine {
  private last = 0;
  private readonly started = Date.now();
  private readonly tty: boolean;
  private printed = false;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = stream.isTTY ? 200 : 5000,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  line(p: SourceProgress, c: ProgressCounts): string {
    const secs = Math.max(0.001, (Date.now() - this.started) / 1000);
    const pct = p.total ? ` ${((100 * p.done) / p.total).toFixed(1)}%` : '';
    const amount = p.unit === 'bytes' ? `${bytes(p.done)}${p.total ? `/${bytes(p.total)}` : ''}` : `${human(p.done)}${p.total ? `/${human(p.total)}` : ''}`;
    return `${this.label}:${pct} ${amount}, ${human(p.records)} records (${human(p.records / secs)}/s), stored ${human(c.stored)}, duplicates ${human(c.duplicates)}, dead letters ${human(c.deadLetters)}`;
  }

  update(p: SourceProgress, c: ProgressCounts, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.everyMs) return;
    this.last = now;
    const text = this.line(p, c);
    if (this.tty) this.stream.write(`\r\x1b[2K${text}`);
    else this.stream.write(`${text}\n`);
    this.printed = true;
  }

  done(p: SourceProgress, c: ProgressCounts): void {
    this.update(p, c, true);
    if (this.tty && this.printed) this.stream.write('\n');
  }
}
