/**
 * @module sources/kafka/handoff
 * Hands batches from kafkajs's push callbacks (`eachBatch`, one per partition, several at once) to
 * the pipeline's pull loop (an async generator), in arrival order, and tells each callback when its
 * batch was taken and when the pipeline is done with it (stored, or cancelled). A callback offers
 * its next batch only once the previous one was taken, and kafkajs fetches no more for a partition
 * until its callback returns: that is the backpressure, one waiting batch per partition at most.
 *
 * @example
 * const h = new HandOff<Batch>();
 * // push side (eachBatch):  const outcome = await h.put(batch);   // 'done' | 'cancelled'
 * // pull side (generator):  const item = await h.take(signal); yield item.value; item.done();
 */

export type HandOffOutcome = 'done' | 'cancelled';

export interface HandOffOffer {
  /** Resolves once the taker has the value (or it was cancelled before). */
  taken: Promise<void>;
  /** Resolves once the taker is done with it, or it was cancelled. */
  outcome: Promise<HandOffOutcome>;
}

export interface HandOffItem<T> {
  value: T;
  /** The pipeline stored it. */
  done(): void;
  /** It will not be stored (shutdown); the producer must not commit it. */
  cancel(): void;
}

export class HandOff<T> {
  private readonly queue: { item: HandOffItem<T>; taken: () => void }[] = [];
  private waiter: ((item: HandOffItem<T> | undefined) => void) | undefined;
  private failure: unknown;
  private closed = false;
  private failWaiter: ((err: unknown) => void) | undefined;

  /** Offers a value; resolves once the taker is done with it, or it was cancelled (closing). */
  put(value: T): Promise<HandOffOutcome> {
    return this.offer(value).outcome;
  }

  /** Offers a value, saying when it was taken and when the taker is done with it. */
  offer(value: T): HandOffOffer {
    if (this.closed) return { taken: Promise.resolve(), outcome: Promise.resolve('cancelled') };
    let markTaken!: () => void;
    const taken = new Promise<void>((resolve) => (markTaken = resolve));
    const outcome = new Promise<HandOffOutcome>((resolve) => {
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
          markTaken();
        },
      };
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        this.failWaiter = undefined;
        markTaken();
        w(item);
      } else {
        this.queue.push({ item, taken: markTaken });
      }
    });
    return { taken, outcome };
  }

  /** No more values are taken (closing, or the producer side failed). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The value that `takeNow()` would return, without taking it. */
  peek(): T | undefined {
    return this.queue[0]?.item.value;
  }

  /** The first waiting value, if any, without waiting. */
  takeNow(): HandOffItem<T> | undefined {
    const q = this.queue.shift();
    q?.taken();
    return q?.item;
  }

  /** The next value; undefined once closed or when `signal` aborts; throws after `fail`. */
  take(signal?: AbortSignal): Promise<HandOffItem<T> | undefined> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const waiting = this.takeNow();
    if (waiting) return Promise.resolve(waiting);
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

  /** No more values: a waiting taker gets undefined, waiting values are cancelled. */
  close(): void {
    this.closed = true;
    this.cancelWaiting();
    const w = this.waiter;
    this.waiter = undefined;
    this.failWaiter = undefined;
    w?.(undefined);
  }

  /** The producer side broke: the taker gets the error. */
  fail(err: unknown): void {
    this.failure = err;
    this.closed = true;
    this.cancelWaiting();
    const f = this.failWaiter;
    this.waiter = undefined;
    this.failWaiter = undefined;
    f?.(err);
  }

  private cancelWaiting(): void {
    for (const q of this.queue.splice(0)) q.item.cancel();
  }
}
