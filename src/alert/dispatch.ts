/**
 * @module alert/dispatch
 * Sends notifications to one sink in the background, so a slow or failing sink never blocks the
 * pipeline: a bounded queue (the oldest is dropped when full), one delivery at a time in order,
 * retries of retriable failures only (5xx, 429, network) with exponential backoff and jitter, and
 * an outcome for every notification (delivered, failed after N attempts, dropped) that the alert
 * stage stores in the `alerts` table.
 *
 * @example
 * const q = new SinkQueue(new WebhookSink({ url, format: 'slack', timeoutMs: 5000 }), { onOutcome: (o) => outcomes.push(o) });
 * q.enqueue([notification]);
 * await q.close(5000);
 */
import { isRetriable, SinkError } from './errors.js';
import type { AlertNotification, AlertSink } from './sink.js';

export interface DeliveryOutcome {
  notification: AlertNotification;
  sink: string;
  state: 'delivered' | 'failed' | 'dropped';
  attempts: number;
  reason?: string;
  /** Wall-clock time of the outcome, epoch ms. */
  at: number;
}

export interface RetryOptions {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface SinkQueueOptions extends Partial<RetryOptions> {
  queueSize?: number;
  onOutcome?: (o: DeliveryOutcome) => void;
  /** In [0, 1); injected for tests. */
  random?: () => number;
  wall?: () => number;
}

/**
 * Wait before attempt `attempt + 1` (attempt counts from 1): exponential, capped, with ±25 % jitter
 * so many crisiscx instances retrying one endpoint do not hit it in lock-step. A server's
 * Retry-After wins when it asks for longer (still capped).
 */
export function backoffMs(attempt: number, o: Pick<RetryOptions, 'initialBackoffMs' | 'maxBackoffMs'>, random: () => number, retryAfterMs?: number): number {
  const base = Math.min(o.maxBackoffMs, o.initialBackoffMs * 2 ** (attempt - 1));
  const jittered = base * (0.75 + random() * 0.5);
  const wanted = retryAfterMs !== undefined ? Math.max(jittered, retryAfterMs) : jittered;
  return Math.round(Math.min(o.maxBackoffMs, wanted));
}

export class SinkQueue {
  private readonly queue: AlertNotification[] = [];
  private running = false;
  private closing = false;
  private readonly abort = new AbortController();
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private readonly o: Required<Omit<SinkQueueOptions, 'onOutcome'>> & Pick<SinkQueueOptions, 'onOutcome'>;
  /** Counts for telemetry and tests. */
  readonly stats = { delivered: 0, failed: 0, dropped: 0, retries: 0 };

  constructor(
    readonly sink: AlertSink,
    options: SinkQueueOptions = {},
  ) {
    this.o = {
      maxAttempts: options.maxAttempts ?? 5,
      initialBackoffMs: options.initialBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      queueSize: options.queueSize ?? 1000,
      random: options.random ?? Math.random,
      wall: options.wall ?? Date.now,
      onOutcome: options.onOutcome,
    };
  }

  /** Notifications waiting or being sent. */
  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** Never blocks: queues and returns. */
  enqueue(notifications: readonly AlertNotification[]): void {
    for (const n of notifications) {
      if (this.closing) {
        this.outcome(n, 'dropped', 0, 'the pipeline is shutting down');
        continue;
      }
      this.queue.push(n);
      while (this.queue.length > this.o.queueSize) {
        const old = this.queue.shift()!;
        this.outcome(old, 'dropped', 0, `queue full (${this.o.queueSize} waiting): sink ${this.sink.name} is too slow or down; raise queue_size or fix the sink`);
      }
    }
    if (!this.running && this.queue.length > 0) this.start();
  }

  private start(): void {
    this.running = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, Math.max(1, this.sink.maxBatch ?? 100));
        await this.deliver(batch);
      }
    } finally {
      this.running = false;
      this.markIdle();
    }
  }

  private async deliver(batch: AlertNotification[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.sink.send(batch);
        for (const n of batch) this.outcome(n, 'delivered', attempt);
        return;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (!isRetriable(err)) {
          for (const n of batch) this.outcome(n, 'failed', attempt, `${reason} (not retried)`);
          return;
        }
        if (attempt >= this.o.maxAttempts) {
          for (const n of batch) this.outcome(n, 'failed', attempt, `${reason} (gave up after ${attempt} attempts)`);
          return;
        }
        if (this.abort.signal.aborted) {
          for (const n of batch) this.outcome(n, 'dropped', attempt, `${reason}; the pipeline shut down before a retry`);
          return;
        }
        this.stats.retries++;
        const wait = backoffMs(attempt, this.o, this.o.random, err instanceof SinkError ? err.retryAfterMs : undefined);
        const woken = await sleep(wait, this.abort.signal);
        if (!woken) {
          for (const n of batch) this.outcome(n, 'dropped', attempt, `${reason}; the pipeline shut down before a retry`);
          return;
        }
      }
    }
  }

  private outcome(n: AlertNotification, state: DeliveryOutcome['state'], attempts: number, reason?: string): void {
    this.stats[state]++;
    const o: DeliveryOutcome = { notification: n, sink: this.sink.name, state, attempts, at: this.o.wall() };
    if (reason !== undefined) o.reason = reason;
    try {
      this.o.onOutcome?.(o);
    } catch {
      // An outcome listener must not break delivery.
    }
  }

  /** Resolves when the queue is empty, or after `timeoutMs` (false then). */
  async drain(timeoutMs: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = this.idle.then(() => true as const);
    try {
      return await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits up to `timeoutMs` for what is queued, then drops the rest (recorded) and closes the sink. */
  async close(timeoutMs: number): Promise<void> {
    await this.drain(timeoutMs);
    this.closing = true;
    this.abort.abort();
    for (const n of this.queue.splice(0)) this.outcome(n, 'dropped', 0, 'the pipeline shut down before it was sent');
    // An attempt in flight ends by its own timeout; wait for it briefly so its outcome is known.
    await this.drain(Math.min(timeoutMs, 2000));
    await this.sink.close?.();
  }
}

/** Resolves true after `ms`, or false as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
