/**
 * @module alert/sinks/stdout
 * One line per notification on standard output (or any stream): a sentence for people watching a
 * terminal, or NDJSON for log shippers.
 *
 * @example
 * const sink = new StdoutSink({ format: 'text' });
 */
import type { AlertNotification, AlertSink } from '../sink.js';

export interface StdoutSinkOptions {
  format?: 'text' | 'json';
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function alertLine(n: AlertNotification): string {
  const status = n.state === 'resolved' ? 'RESOLVED' : 'FIRING';
  const count = n.count > 1 ? ` ×${n.count}` : '';
  const held = n.inhibited ? ` (+${n.inhibited} held back)` : '';
  const link = n.link ? ` — ${n.link}` : '';
  // Control characters from labels must not move the cursor or fake a second line.
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ');
  return clean(`crisiscx alert ${status}${count} [${n.severity}] ${n.rule} ${n.brand}: ${n.summary}${held}${link}`);
}

export class StdoutSink implements AlertSink {
  readonly name = 'stdout';
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };

  constructor(private readonly options: StdoutSinkOptions = {}) {
    this.stream = options.stream ?? process.stdout;
  }

  async send(notifications: AlertNotification[]): Promise<void> {
    // On a terminal the progress line on stderr is redrawn in place: start on a clean line.
    const prefix = this.stream.isTTY && process.stderr.isTTY ? '\r\x1b[2K' : '';
    let out = '';
    for (const n of notifications) out += this.options.format === 'json' ? `${JSON.stringify(n)}\n` : `${prefix}${alertLine(n)}\n`;
    await new Promise<void>((resolve, reject) => this.stream.write(out, (err) => (err ? reject(err) : resolve())));
  }
}
