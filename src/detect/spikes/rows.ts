/** @module detect/spikes/rows — spike changes as `spike_updates` rows (sql/schema.sql), for both spike stages. */
import type { TableRow } from '../../store/rows.js';
import type { SpikeUpdate } from './detector.js';

export const SPIKE_UPDATES_TABLE = 'spike_updates';

/** A `spike_updates` row. */
export function spikeUpdateRow(u: SpikeUpdate, seq: number, recordedAt: number, hash: string): TableRow {
  return {
    seq,
    spike_id: u.spikeId,
    change: u.update,
    brand: u.brand,
    channel: u.channel,
    started_at: u.startedAt,
    peak_at: u.peakAt,
    ended_at: u.endedAt,
    peak_upset: u.peakUpset,
    baseline: u.baseline,
    magnitude: u.magnitude,
    peak_z: u.peakZ,
    bucket_secs: u.bucketSecs,
    detected_at: u.detectedAt,
    end_detected_at: u.endDetectedAt,
    updated_at: u.updatedAt,
    recorded_at: recordedAt,
    config_hash: hash,
  };
}
