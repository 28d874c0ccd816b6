/**
 * @module telemetry/lag
 * Consumer lag as sources report it: a consuming source (Kafka) calls {@link reportConsumerLag}
 * after each fetch; the `crisiscx_consumer_lag` gauge reads the latest values when scraped. Kept
 * process-wide so a source needs no handle on the telemetry setup (and pays nothing without one).
 *
 * @example
 * reportConsumerLag('crisiscx.events', 0, highWatermark - nextOffset);
 */

const lags = new Map<string, { topic: string; partition: number; lag: number }>();

/** Records the lag (messages not yet consumed) of one topic partition; negative values count as 0. */
export function reportConsumerLag(topic: string, partition: number, lag: number | bigint): void {
  const n = Math.max(0, Number(lag));
  if (!Number.isFinite(n)) return;
  lags.set(`${topic}\0${partition}`, { topic, partition, lag: n });
}

/** Forgets a partition (revoked in a rebalance), so its last value is not reported for ever. */
export function forgetConsumerLag(topic: string, partition?: number): void {
  for (const [k, v] of lags) if (v.topic === topic && (partition === undefined || v.partition === partition)) lags.delete(k);
}

/** The latest lag per topic partition. */
export function consumerLags(): { topic: string; partition: number; lag: number }[] {
  return [...lags.values()];
}
