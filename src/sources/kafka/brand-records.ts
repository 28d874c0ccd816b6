/**
 * @module sources/kafka/brand-records
 * Kafka scale-out: the messages on the aggregates topic besides partial counts. All are keyed by
 * brand, so they land in the brand's partition, in order with its partials, and the one instance
 * that owns the brand (stage 2, the combiner) reads them:
 *
 * - `fact`: a broadcast of the brand, or an incident declared or resolved, as read from an input
 *   partition. Published with the partials, in the same Kafka transaction as the input offsets.
 *   A fact is a time, not a count, so reading it twice changes nothing.
 * - `spike`: a change of one of the brand's spikes (a `spike_updates` row), by the brand's owner.
 * - `brand_silence`: the brand-silence alert firing or resolved, by the brand's owner.
 *
 * The owner's records are the brand's history of what was reported: an instance that takes the
 * brand over reads them back (with the partials of `lookback_secs`) and goes on from there
 * instead of reporting again what its predecessor already reported.
 *
 * @example
 * await producer.send({ topic: 'crisiscx.aggregates', messages: [recordMessage({ kind: 'fact', id: 't:0:17', brand: 'acme', fact: 'broadcast', ts })] });
 */
import type { Detection } from '../../pipeline/stage.js';
import type { SpikeUpdate } from '../../detect/spikes/detector.js';

/** Per-event facts of the input partitions, stored with the batch (sql/kafka.sql). */
export const FACTS_TABLE = 'kafka_brand_facts';

export type FactKind = 'broadcast' | 'incident_declared' | 'incident_resolved';
const FACT_KINDS: readonly string[] = ['broadcast', 'incident_declared', 'incident_resolved'];

export interface FactRecord {
  kind: 'fact';
  /** `topic:partition:offset` of the event: deterministic. */
  id: string;
  brand: string;
  fact: FactKind;
  incident_id?: string;
  /** Event time, epoch ms. */
  ts: number;
}

export interface SpikeChangeRecord {
  kind: 'spike';
  brand: string;
  /** The instance that reported it. */
  owner: string;
  update: SpikeUpdate;
}

export interface BrandSilenceRecord {
  kind: 'brand_silence';
  brand: string;
  owner: string;
  detection: Detection;
}

export type BrandRecord = FactRecord | SpikeChangeRecord | BrandSilenceRecord;

export function recordMessage(r: BrandRecord): { key: string; value: string } {
  return { key: r.brand, value: JSON.stringify({ v: 1, ...r }) };
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isStr = (x: unknown): x is string => typeof x === 'string';

/**
 * A parsed aggregates-topic value that carries a `kind` (anything else is a partial count, see
 * parsePartial): the record, or why it is not one.
 */
export function parseRecord(m: Record<string, unknown>): BrandRecord | { error: string } {
  if (m.v !== 1 || !isStr(m.brand)) return { error: `not a crisiscx ${String(m.kind)} record (v 1 with a brand)` };
  switch (m.kind) {
    case 'fact':
      if (!isStr(m.id) || !isStr(m.fact) || !FACT_KINDS.includes(m.fact) || !Number.isFinite(m.ts)) return { error: 'a fact record needs id, fact (broadcast, incident_declared, incident_resolved) and ts' };
      if (m.fact !== 'broadcast' && !isStr(m.incident_id)) return { error: 'an incident fact record needs incident_id' };
      return m as unknown as FactRecord;
    case 'spike': {
      const u = m.update;
      if (!isStr(m.owner) || !isObj(u) || !isStr(u.spikeId) || !isStr(u.channel) || !isStr(u.update) || !Number.isFinite(u.startedAt) || !Number.isFinite(u.detectedAt)) {
        return { error: 'a spike record needs owner and update (a spike update with spikeId, channel, update, startedAt, detectedAt)' };
      }
      return m as unknown as SpikeChangeRecord;
    }
    case 'brand_silence': {
      const d = m.detection;
      if (!isStr(m.owner) || !isObj(d) || d.kind !== 'brand_silence' || !isStr(d.key) || (d.state !== 'firing' && d.state !== 'resolved') || !Number.isFinite(d.at)) {
        return { error: 'a brand_silence record needs owner and detection (kind brand_silence, firing or resolved)' };
      }
      return m as unknown as BrandSilenceRecord;
    }
    default:
      return { error: `unknown record kind ${JSON.stringify(m.kind)}` };
  }
}
