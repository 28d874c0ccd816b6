/**
 * @module serve/report/data
 * What a crisis report says, read from the views for one brand and time range: the live page's
 * snapshot of that range plus the crisis timeline (periods, incidents, public updates, spikes,
 * alerts), the gaps between public updates, the longest first-response waits, promises by
 * channel and the channel guidance of the period.
 *
 * @example
 * const data = await loadReport(reader, parseRange(new URLSearchParams('period=aurora-air/2026-03-14T08:05Z')));
 */
import type { GuidanceRow, Snapshot, TimelineItem } from '../live/page/types.js';
import { formatDuration, formatShortDuration } from '../live/page/format.js';
import type { RangeRequest } from '../live/range.js';
import type { ViewReader } from '../live/reader.js';
import { loadSnapshot } from '../live/snapshot.js';

export interface PublicGap {
  from: number;
  to: number | null;
  secs: number;
  /** Longer than the brand-silence threshold while a crisis period ran. */
  over: boolean;
}

export interface WaitRow {
  conversation_id: string;
  channel: string | null;
  severity: string;
  opened_at: number;
  first_response_seconds: number | null;
  waiting_seconds: number | null;
  target_secs: number | null;
  inversions: number;
}

export interface SilenceGapRow {
  conversation_id: string;
  channel: string | null;
  severity: string | null;
  started_at: number;
  ended_at: number | null;
  ended_by: string | null;
  waited_seconds: number;
  threshold_secs: number | null;
  breached: boolean;
}

export interface ChannelPromises {
  channel: string;
  made: number;
  kept: number;
  late: number;
  broken: number;
  open: number;
  keep_rate: number | null;
}

export interface ReportData {
  snapshot: Snapshot;
  /** Start and end the report covers (epoch ms). */
  from: number | null;
  to: number | null;
  timeline: TimelineItem[];
  publicGaps: PublicGap[];
  longestWaits: WaitRow[];
  /** Customer silences that started in the range, longest first (view silence_gaps). */
  silenceGaps: SilenceGapRow[];
  silenceSummary: { gaps: number; breached: number; open: number } | null;
  promisesByChannel: ChannelPromises[];
  guidance: GuidanceRow[];
  generatedAt: number;
  database: string | null;
}

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const nn = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const s = (v: unknown) => (v === null || v === undefined ? null : String(v));

export interface ReportOptions {
  brandSilenceThresholdSecs?: number;
  database?: string;
  /** Timeline alerts per rule shown one by one before they are counted together. */
  alertsPerRule?: number;
}

export async function loadReport(reader: ViewReader, req: RangeRequest, options: ReportOptions = {}): Promise<ReportData> {
  const snapshot = await loadSnapshot(reader, req, { live: false, listLimit: 15, brandSilenceThresholdSecs: options.brandSilenceThresholdSecs });
  const brand = snapshot.brand;
  const base: ReportData = {
    snapshot,
    from: snapshot.range.from,
    to: snapshot.range.to,
    timeline: [],
    publicGaps: [],
    longestWaits: [],
    silenceGaps: [],
    silenceSummary: null,
    promisesByChannel: [],
    guidance: [],
    generatedAt: Date.now(),
    database: options.database ?? null,
  };
  if (brand === null) return base;
  const from = snapshot.range.from ?? 0;
  const to = snapshot.range.to ?? snapshot.as_of ?? 253_402_300_799_000;
  const p = { brand, f: from, t: to };
  const F = 'to_timestamp($f / 1000.0)';
  const T = 'to_timestamp($t / 1000.0)';
  const threshold = options.brandSilenceThresholdSecs ?? snapshot.brand_silence?.threshold_secs ?? 1800;
  const timeline: TimelineItem[] = [];

  const periods = snapshot.periods.filter((x) => x.brand === brand && x.started_at <= to && (x.ended_at ?? Infinity) >= from);
  for (const x of periods) {
    timeline.push({ at: x.started_at, kind: 'period', text: `Crisis period starts (${x.trigger}${x.incident_ids ? `: ${x.incident_ids}` : ''})` });
    if (x.ended_at !== null) timeline.push({ at: x.ended_at, kind: 'period', text: `Crisis period ends after ${formatDuration(x.duration_seconds)}; ${x.inbound} inbound messages, ${x.upset} upset` });
  }
  for (const r of await reader.rows(`SELECT ts, action, incident_id, title, severity FROM incidents WHERE brand = $brand AND ts >= ${F} AND ts <= ${T} ORDER BY ts`, p)) {
    timeline.push({ at: n(r.ts), kind: 'incident', text: `Incident ${s(r.incident_id)} ${s(r.action)}${r.title ? `: ${s(r.title)}` : ''}${r.severity ? ` (${s(r.severity)})` : ''}` });
  }
  const updates = await reader.rows(`SELECT ts, channel, text FROM broadcasts WHERE brand = $brand AND ts <= ${T} ORDER BY ts`, p);
  for (const r of updates) {
    if (n(r.ts) < from) continue;
    const text = s(r.text) ?? '';
    timeline.push({ at: n(r.ts), kind: 'broadcast', text: `Public update on ${s(r.channel)}: “${text.length > 140 ? `${text.slice(0, 140)}…` : text}”` });
  }
  // Gaps between public updates while a crisis period ran (the brand's public silence).
  const gaps: PublicGap[] = [];
  for (const x of periods) {
    const end = x.ended_at ?? snapshot.as_of ?? x.started_at;
    const times = updates.map((u) => n(u.ts)).filter((t) => t <= end);
    const lastBefore = [...times].reverse().find((t) => t <= x.started_at);
    const marks = [lastBefore ?? x.started_at, ...times.filter((t) => t > x.started_at)];
    for (let i = 0; i < marks.length; i++) {
      const a = marks[i]!;
      const b = marks[i + 1] ?? (x.ended_at === null ? null : end);
      const secs = ((b ?? snapshot.as_of ?? a) - a) / 1000;
      if (secs <= 0) continue;
      gaps.push({ from: a, to: b, secs, over: secs > threshold });
    }
  }
  gaps.sort((a, b) => b.secs - a.secs);
  for (const g of gaps.filter((x) => x.over)) {
    timeline.push({ at: g.from, kind: 'broadcast', text: `Brand silent in public for ${formatDuration(g.secs)}${g.to === null ? ' (still)' : ''}: no update after this one (threshold ${formatShortDuration(threshold)})` });
  }
  for (const sp of snapshot.spikes) {
    timeline.push({ at: sp.started_at, kind: 'spike', text: `Spike of upset volume ${!sp.channel || sp.channel === '*' ? 'over all channels' : `on ${sp.channel}`} begins${sp.peak_at ? `; peak at ${new Date(sp.peak_at).toISOString().slice(11, 16)} UTC` : ''}` });
  }
  if (await reader.has('alert_episodes')) {
    const perRule = options.alertsPerRule ?? 3;
    const alerts = await reader.rows(
      `SELECT rule, severity, summary, fired_at, row_number() OVER (PARTITION BY rule ORDER BY fired_at) AS k, count(*) OVER (PARTITION BY rule) AS total
       FROM alert_episodes WHERE brand = $brand AND fired_at >= ${F} AND fired_at <= ${T} ORDER BY fired_at`,
      p,
    );
    for (const r of alerts) {
      const k = n(r.k);
      if (k <= perRule) timeline.push({ at: n(r.fired_at), kind: 'alert', text: `Alert ${s(r.rule)} (${s(r.severity)}): ${s(r.summary) ?? ''}` });
      else if (k === perRule + 1) timeline.push({ at: n(r.fired_at), kind: 'alert', text: `… and ${n(r.total) - perRule} more ${s(r.rule)} alerts from here on` });
    }
  }
  timeline.sort((a, b) => a.at - b.at);

  const longestWaits: WaitRow[] = (
    await reader.rows(
      `SELECT conversation_id, channel, severity, opened_at, first_response_seconds, waiting_seconds, target_secs, inversions
       FROM triage_outcomes WHERE brand = $brand AND opened_at >= ${F} AND opened_at <= ${T}
       ORDER BY coalesce(first_response_seconds, waiting_seconds) DESC NULLS LAST LIMIT 10`,
      p,
    )
  ).map((r) => ({
    conversation_id: String(r.conversation_id),
    channel: s(r.channel),
    severity: String(r.severity),
    opened_at: n(r.opened_at),
    first_response_seconds: nn(r.first_response_seconds),
    waiting_seconds: nn(r.waiting_seconds),
    target_secs: nn(r.target_secs),
    inversions: n(r.inversions),
  }));

  const silenceGaps: SilenceGapRow[] = (
    await reader.rows(
      `SELECT conversation_id, channel, severity, started_at, ended_at, ended_by, waited_seconds, threshold_secs, breached
       FROM silence_gaps WHERE brand = $brand AND started_at >= ${F} AND started_at <= ${T}
       ORDER BY waited_seconds DESC, started_at LIMIT 10`,
      p,
    )
  ).map((r) => ({
    conversation_id: String(r.conversation_id),
    channel: s(r.channel),
    severity: s(r.severity),
    started_at: n(r.started_at),
    ended_at: nn(r.ended_at),
    ended_by: s(r.ended_by),
    waited_seconds: n(r.waited_seconds),
    threshold_secs: nn(r.threshold_secs),
    breached: r.breached === true,
  }));
  const gs = await reader.one(
    `SELECT count(*) AS gaps, count(*) FILTER (WHERE breached) AS breached, count(*) FILTER (WHERE open) AS open
     FROM silence_gaps WHERE brand = $brand AND started_at >= ${F} AND started_at <= ${T}`,
    p,
  );
  const silenceSummary = gs ? { gaps: n(gs.gaps), breached: n(gs.breached), open: n(gs.open) } : null;

  const promisesByChannel: ChannelPromises[] = (
    await reader.rows(
      `SELECT coalesce(channel, '(unknown)') AS channel, count(*) AS made,
         count(*) FILTER (WHERE outcome = 'kept') AS kept, count(*) FILTER (WHERE outcome = 'late') AS late,
         count(*) FILTER (WHERE outcome = 'broken') AS broken, count(*) FILTER (WHERE outcome = 'open') AS open,
         count(*) FILTER (WHERE outcome = 'kept') / nullif(count(*) FILTER (WHERE outcome IN ('kept', 'late', 'broken')), 0) AS keep_rate
       FROM promise_outcomes WHERE brand = $brand AND made_at >= ${F} AND made_at <= ${T} GROUP BY ALL ORDER BY made DESC`,
      p,
    )
  ).map((r) => ({ channel: String(r.channel), made: n(r.made), kept: n(r.kept), late: n(r.late), broken: n(r.broken), open: n(r.open), keep_rate: nn(r.keep_rate) }));

  const focus = snapshot.focus_period;
  const guidance: GuidanceRow[] = focus
    ? (await reader.rows('SELECT * FROM channel_guidance WHERE brand = $brand AND period_id = $period ORDER BY speed_rank, channel', { brand, period: focus.period_id })).map((r) => ({
        channel: String(r.channel),
        conversations: n(r.conversations),
        answered_share: nn(r.answered_share),
        median_first_response_seconds: nn(r.median_first_response_seconds),
        p90_first_response_seconds: nn(r.p90_first_response_seconds),
        resolution_rate: nn(r.resolution_rate),
        upset_share: nn(r.upset_share),
        speed_rank: n(r.speed_rank),
      }))
    : [];

  return { ...base, timeline, publicGaps: gaps.slice(0, 10), longestWaits, silenceGaps, silenceSummary, promisesByChannel, guidance };
}
