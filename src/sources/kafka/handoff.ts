/**
 * @module sources/kafka/handoff
 * Hands one batch at a time from kafkajs's push callback (`eachBatch`) to the pipeline's pull loop
 * (an async generator), and tells the callback when the pipeline is done with it. One slot only:
 * the consumer does not fetch more while a batch is being stored, which is the backpressure.
 *
 * @example
 * const h = new HandOff<Batch>();
 * // push side (eachBatch):  const outcome = await h.put(batch);   // 'done' | 'cancelled'
 * // pull side (generator):  const item = await h.take(signal); yield item.value; item.done();
 */

export type HandOffOutcome = 'done' | 'cancelled';

export interface HandOffItem<T> {
  value: T;
  /** The pipeline stored it. */
  done(): void;
  /** It will not be stored (shutdown); the producer must not commit it. */
  cancel(): void;
}

export class HandOff<T> {
  private slot: HandOffItem<T> | undefined;
  private waiter: ((item: HandOffItem<T> | undefined) => void) | undefined;
  private failure: unknown;
  private closed = false;
  private failWaiter: ((err: unknown) => void) | undefined;

  /** Offers a value; resolves once the taker is done with it, or it was cancelled (closing). */
  put(value: T): Promise<HandOffOutcome> {
    if (this.closed) return Promise.resolve('cancelled');
    return new Promise<HandOffOutcome>((resolve) => {
      let settled = false;
      const item: HandOffItem<T> = {
        value,
        done: () => {
          if (!settled) resolve('done');
          settled = true;
        },
        cancel: () => {
          if (!settled) resolve('cancelled');
          settled = true;
        },
      };
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        this.failWaiter = undefined;
        w(item);
      } else {
        // One slot: kafkajs runs one eachBatch at a time (partitionsConsumedConcurrently 1).
        this.slot?.cancel();
        this.slot = item;
      }
    });
  }

  /** The next value; undefined once closed or when `signal` aborts; throws after `fail`. */
  take(signal?: AbortSignal): Promise<HandOffItem<T> | undefined> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.slot) {
      const s = this.slot;
      this.slot = undefined;
      return Promise.resolve(s);
    }
    if (this.closed || signal?.aborted) return Promise.resolve(undefined);
    return new Promise<HandOffItem<T> | undefined>((resolve, reject) => {
      const onAbort = () => {
        this.waiter = undefined;
        this.failWaiter = undefined;
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = (item) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(item);
      };
      this.failWaiter = (err) => {
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
    });
  }

  /** No more values: a waiting taker gets undefined, a waiting value is cancelled. */
  close(): void {
    this.closed = true;
    this.slot?.cancel();
    this.slot = undefined;
    const w = this.waiter;
    this.waiter = undefined;
    this.failWaiter = undefined;
    w?.(undefined);
  }

  /** The producer side broke: the taker gets the error. */
  fail(err: unknown): void {
    this.failure = err;
    this.closed = true;
    this.slot?.cancel();
    this.slot = undefined;
    const f = this.failWaiter;
    this.waiter = undefined;
    this.failWaiter = undefined;
    f?.(err);
  }
}
