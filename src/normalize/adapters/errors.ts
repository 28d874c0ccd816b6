/** @module normalize/adapters/errors — an adapter that cannot work with the options it was given. */

/** Thrown when an adapter is built, before any record is read: the config must change. */
export class AdapterConfigError extends Error {
  readonly retriable = false;
  constructor(
    readonly format: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdapterConfigError';
  }
}
