/**
 * @module serve/live/page/types
 * What the server sends the live page (server-sent events) and the report renderer reads: plain
 * JSON, times as epoch milliseconds. Every number comes from a view named in `source` fields and
 * in docs/dashboards.md.
 */

export interface RangeInfo {
  /** `live` (a window ending at the newest data), `all`, or `period` (one crisis period). */
  mode: 'live' | 'all' | 'period' | 'custom';
  from: number | null;
  to: number | null;
  /** Live window length in hours (mode live). */
  hours?: number;
  periodId?: string;
  /** The query string that selects this range (for links: report, reconnect). */
  query: string;
}

export interface PeriodRow {
  brand: string;
  period_id: string;
  started_at: number;
  ended_at: number | null;
  open: boolean;
  trigger: string;
  duration_seconds: number;
  spikes: number;
  incident_ids: string | null;
  inbound: number;
  upset: number;
  upset_share: number | null;
  peak_upset_per_minute: number;
  peak_minute: number | null;
}

export interface VolumePoint {
  /** Minute start, epoch ms. */
  t: number;
  inbound: number;
  upset: number;
}

export interface SpikeRow {
  spike_id: string;
  channel: string | null;
  started_at: number;
  peak_at: number | null;
  ended_at: number | null;
}

export interface SilenceRow {
  key: string;
  /** customer_silence or brand_silence. */
  kind: string;
  conversation_id: string | null;
  channel: string | null;
  severity: string | null;
  customer_id: string | null;
  /** When the wait started, epoch ms: the page ticks `now - since`. */
  since: number;
  /** `waiting`, `warning` (near the limit, live), `firing` (past the limit) or `paused` (waiting on the customer). */
  state: string;
  /** Where the row came from: a view name or `detections` (live). */
  source: string;
}

export interface BrandSilenceRow {
  brand: string;
  last_update_at: number | null;
  last_update_channel: string | null;
  threshold_secs: number;
  /** In a crisis period (or incident) now: a quiet brand only matters then. */
  in_crisis: boolean;
  /** Open brand-silence detection from the detector (live). */
  firing: boolean;
  source: string;
}

export interface TriageRow {
  severity: string;
  conversations: number;
  answered: number;
  median_first_response_seconds: number | null;
  p90_first_response_seconds: number | null;
  target_secs: number | null;
  within_target_share: number | null;
  breaches: number;
  inversions: number;
  inversion_chances: number;
  bleeding_first_score: number | null;
}

export interface WaitingRow {
  conversation_id: string;
  channel: string | null;
  severity: string;
  opened_at: number;
  target_secs: number | null;
  inversions: number;
}

export interface PromiseRow {
  promise_id: string;
  conversation_id: string;
  channel: string | null;
  kind: string;
  agent_id: string | null;
  made_at: number;
  due_at: number;
  outcome: string;
  fulfilled_at: number | null;
  text: string | null;
}

export interface PromiseSummary {
  made: number;
  kept: number;
  late: number;
  broken: number;
  open: number;
  cancelled: number;
  keep_rate: number | null;
}

export interface SufferersRow {
  incident_id: string | null;
  affected: number;
  wrote_in: number;
  silent: number;
  silent_reached: number;
  silent_unreached: number;
  proactive_coverage: number | null;
}

export interface AlertRow {
  alert_id: string;
  rule: string;
  severity: string;
  summary: string | null;
  fired_at: number | null;
  started_at: number | null;
  labels: Record<string, string>;
}

export interface MessageRow {
  id: string;
  ts: number;
  brand: string;
  channel: string;
  conversation_id: string;
  text: string | null;
  upset: number | null;
  upset_label: string | null;
}

export interface GuidanceRow {
  channel: string;
  conversations: number;
  answered_share: number | null;
  median_first_response_seconds: number | null;
  p90_first_response_seconds: number | null;
  resolution_rate: number | null;
  upset_share: number | null;
  speed_rank: number;
}

export interface TimelineItem {
  at: number;
  kind: 'incident' | 'broadcast' | 'spike' | 'alert' | 'period';
  text: string;
}

export interface Snapshot {
  /** The newest stored event (view data_as_of), the "now" of every view. */
  as_of: number | null;
  /** The pipeline clock when the snapshot was taken (live), else as_of. */
  now: number | null;
  live: boolean;
  generated_at: number;
  brand: string | null;
  brands: { brand: string; inbound: number }[];
  range: RangeInfo;
  periods: PeriodRow[];
  /** The crisis period the triage and guidance panels describe. */
  focus_period: PeriodRow | null;
  /** Inbound and upset messages per channel and bucket (bucket_secs: 60, 300 or 3600 by range length). */
  volume: { channels: string[]; series: Record<string, VolumePoint[]>; bucket_secs: number };
  spikes: SpikeRow[];
  /** The longest open waits (at most a few dozen); silence_counts has how many there are. */
  silences: SilenceRow[];
  silence_counts: { open: number; past_limit: number };
  brand_silence: BrandSilenceRow | null;
  triage: TriageRow[];
  waiting: WaitingRow[];
  promises: { summary: PromiseSummary | null; due_soon: PromiseRow[]; broken: PromiseRow[] };
  sufferers: SufferersRow[];
  alerts: AlertRow[];
  messages: MessageRow[];
  totals: { events: number; dead_letters: number };
  /** Views a panel needed that this database does not have yet (older file, detector not enabled). */
  missing: string[];
}

/** Pushed at once after every committed batch, before the next snapshot. */
export interface CommitSummary {
  stored: number;
  dead_letters: number;
  newest_ts: number | null;
  by_type: Record<string, number>;
  /** The batch's newest inbound messages (at most 10). */
  messages: MessageRow[];
  detections: { kind: string; key: string; brand: string; state: string; severity: string; summary: string; at: number }[];
}

export interface ClockTick {
  /** Pipeline clock, epoch ms. */
  now: number;
  /** Pipeline-clock milliseconds per wall millisecond (180 in the demo, 1 live, 0 in a finished replay). */
  rate: number;
  live: boolean;
}
