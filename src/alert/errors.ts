/**
 * @module alert/errors
 * Errors of the alert engine and its sinks: each says what went wrong and what to do, carries its
 * `cause`, and says whether trying again may help (`retriable`).
 */

export class AlertError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AlertError';
    this.retriable = options.retriable ?? false;
  }
}

/** A bad `alerts` section that the schema alone cannot catch (a view query that does not run, a missing env var). */
export class AlertConfigError extends AlertError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'AlertConfigError';
  }
}

/** A sink could not deliver. `retriable` for 5xx, 429, timeouts and network errors. */
export class SinkError extends AlertError {
  constructor(
    readonly sink: string,
    message: string,
    options: { cause?: unknown; retriable?: boolean; retryAfterMs?: number; status?: number } = {},
  ) {
    super(message, options);
    this.name = 'SinkError';
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
  /** The server's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** HTTP status, for HTTP sinks. */
  readonly status: number | undefined;
}

/** Whether an error from any sink (ours or kafkajs's) is worth another attempt. */
export function isRetriable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}
