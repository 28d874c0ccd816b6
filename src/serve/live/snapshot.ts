/**
 * @module serve/live/snapshot
 * Everything the live page shows for one brand and time range, read from the analysts' views in
 * sql/views (docs/dashboards.md maps each panel to its view): upset volume and spikes, open
 * silences, brand silence, triage, promises, silent sufferers, firing alerts and the newest
 * inbound messages. Live conditions the detectors report between batches (open silences) are
 * merged in from the detection stream, so a wait can tick before the next event arrives.
 *
 * @example
 * const snap = await loadSnapshot(reader, parseRange(url.searchParams), { live: true, now: clock.now() });
 */
import type { ActiveDetections } from './active.js';
import type {
  AlertRow,
  BrandSilenceRow,
  MessageRow,
  PeriodRow,
  PromiseRow,
  PromiseSummary,
  SilenceRow,
  Snapshot,
  SpikeRow,
  SufferersRow,
  TriageRow,
  VolumePoint,
  WaitingRow,
} from './page/types.js';
import { periodPaddingMs, rangeQuery, RangeRequestError, type RangeRequest } from './range.js';
import type { PlainRow, ViewReader } from './reader.js';

export interface SnapshotOptions {
  /** Conditions reported by the detectors (live). */
  active?: ActiveDetections;
  /** The pipeline clock (live); the newest data otherwise. */
  now?: number;
  live?: boolean;
  /** Seconds a brand may stay quiet in public during a crisis before it shows red. */
  brandSilenceThresholdSecs?: number;
  /** Rows per list panel. */
  listLimit?: number;
  /** Promises due within this many seconds count as due soon. */
  dueSoonSecs?: number;
}

const HOUR = 3_600_000;
const num = (v: unknown): number => (typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function parseLabels(v: unknown): Record<string, string> {
  if (v && typeof v === 'object') return v as Record<string, string>;
  if (typeof v === 'string') {
    try {
      const o = JSON.parse(v) as unknown;
      if (o && typeof o === 'object') return o as Record<string, string>;
    } catch {
      /* not JSON: no labels */
    }
  }
  return {};
}

function periodRow(r: PlainRow): PeriodRow {
  return {
    brand: String(r.brand),
    period_id: String(r.period_id),
    started_at: num(r.started_at),
    ended_at: numOrNull(r.ended_at),
    open: Boolean(r.open),
    trigger: String(r.trigger),
    duration_seconds: num(r.duration_seconds),
    spikes: num(r.spikes),
    incident_ids: strOrNull(r.incident_ids),
    inbound: num(r.inbound),
    upset: num(r.upset),
    upset_share: numOrNull(r.upset_share),
    peak_upset_per_minute: num(r.peak_upset_per_minute),
    peak_minute: numOrNull(r.peak_minute),
  };
}

/** The bounds [from, to] of a range, given the data's extent and crisis periods. */
export function resolveBounds(req: RangeRequest, asOf: number | null, period: PeriodRow | undefined): { from: number | null; to: number | null } {
  switch (req.mode) {
    case 'live':
      return asOf === null ? { from: null, to: null } : { from: asOf - req.hours * HOUR, to: asOf };
    case 'all':
      return { from: null, to: null };
    case 'custom':
      return { from: req.from!, to: req.to! };
    case 'period': {
      if (!period) return { from: null, to: null };
      const end = period.ended_at ?? asOf ?? period.started_at;
      const pad = periodPaddingMs(end - period.started_at);
      return { from: period.started_at - pad, to: period.ended_at === null ? end : end + pad };
    }
  }
}

// Open bounds as times DuckDB can compare with (years 1970 and 9999).
const FAR_PAST = 0;
const FAR_FUTURE = 253_402_300_799_000;

/** Reads the snapshot; a range or brand that matches nothing is an empty snapshot, a bad period id a 400. */
export async function loadSnapshot(reader: ViewReader, req: RangeRequest, options: SnapshotOptions = {}): Promise<Snapshot> {
  const limit = options.listLimit ?? 12;
  const missing: string[] = [];
  const asOfRow = await reader.one<{ as_of: number | null }>('SELECT as_of FROM data_as_of');
  const asOf = numOrNull(asOfRow?.as_of);
  const live = options.live ?? false;
  const now = live && options.now !== undefined ? options.now : asOf;

  const periods = (await reader.rows('SELECT * FROM crisis_periods ORDER BY started_at DESC LIMIT 500')).map(periodRow);
  let selected: PeriodRow | undefined;
  if (req.mode === 'period') {
    selected = periods.find((p) => p.period_id === req.periodId);
    if (!selected) {
      const known = periods.slice(0, 5).map((p) => p.period_id);
      throw new RangeRequestError(
        `period=${JSON.stringify(req.periodId)} is not a crisis period in this database; pick one of view crisis_periods` +
          (known.length ? ` (latest: ${known.join(', ')})` : ' (there are none yet)'),
      );
    }
  }
  const brands = (await reader.rows<{ brand: string; inbound: number }>('SELECT brand, sum(inbound)::BIGINT AS inbound FROM upset_volume GROUP BY brand ORDER BY inbound DESC, brand')).map(
    (r) => ({ brand: String(r.brand), inbound: num(r.inbound) }),
  );
  const brand = selected?.brand ?? req.brand ?? periods[0]?.brand ?? brands[0]?.brand ?? null;
  const { from, to } = resolveBounds(req, asOf, selected);
  const f = from ?? FAR_PAST;
  const t = to ?? FAR_FUTURE;
  const range = { mode: req.mode, from, to, ...(req.mode === 'live' ? { hours: req.hours } : {}), ...(req.periodId ? { periodId: req.periodId } : {}), query: rangeQuery(req, brand) };
  const totals = await reader.one<{ events: number; dead_letters: number }>('SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM dead_letters) AS dead_letters');

  const empty: Snapshot = {
    as_of: asOf,
    now,
    live,
    generated_at: Date.now(),
    brand,
    brands,
    range,
    periods,
    focus_period: null,
    volume: { channels: [], series: {}, bucket_secs: 60 },
    spikes: [],
    silences: [],
    silence_counts: { open: 0, past_limit: 0 },
    brand_silence: null,
    triage: [],
    waiting: [],
    promises: { summary: null, due_soon: [], broken: [] },
    sufferers: [],
    alerts: [],
    messages: [],
    totals: { events: num(totals?.events), dead_letters: num(totals?.dead_letters) },
    missing,
  };
  if (brand === null) return empty;
  const p = { brand, f, t };
  const brandPeriods = periods.filter((x) => x.brand === brand);
  // The period the triage and guidance figures describe: the chosen one, else the latest that overlaps the range.
  const focus =
    selected ?? brandPeriods.find((x) => x.started_at <= t && (x.ended_at ?? FAR_FUTURE) >= f && (req.mode !== 'live' || x.open || (x.ended_at ?? 0) >= f)) ?? null;

  // Upset volume per channel: per minute up to 2 hours, per 5 minutes up to 12, hourly beyond, so
  // a chart holds at most a few hundred points per line.
  const extent = from === null ? await reader.one('SELECT min(minute) AS lo, max(minute) AS hi FROM upset_volume WHERE brand = $brand', { brand }) : undefined;
  const spanMs = from === null ? num(extent?.hi) - num(extent?.lo) : (to ?? asOf ?? from) - from;
  const bucketSecs = spanMs <= 2 * HOUR ? 60 : spanMs <= 12 * HOUR ? 300 : 3600;
  const bucket = bucketSecs === 60 ? 'minute' : `time_bucket(INTERVAL ${bucketSecs} SECOND, minute)`;
  const volRows = await reader.rows(
    `SELECT channel, ${bucket} AS t, sum(inbound)::BIGINT AS inbound, sum(upset)::BIGINT AS upset
     FROM upset_volume WHERE brand = $brand AND minute >= to_timestamp($f / 1000.0) AND minute <= to_timestamp($t / 1000.0) GROUP BY ALL ORDER BY t`,
    p,
  );
  const series: Record<string, VolumePoint[]> = {};
  for (const r of volRows) (series[String(r.channel)] ??= []).push({ t: num(r.t), inbound: num(r.inbound), upset: num(r.upset) });
  const channels = Object.keys(series).sort((a, b) => series[b]!.reduce((s, x) => s + x.upset, 0) - series[a]!.reduce((s, x) => s + x.upset, 0) || a.localeCompare(b));

  const spikes: SpikeRow[] = (
    await reader.rows(
      `SELECT * FROM spikes WHERE brand = $brand AND started_at <= to_timestamp($t / 1000.0) AND coalesce(ended_at, 'infinity'::TIMESTAMPTZ) >= to_timestamp($f / 1000.0) ORDER BY started_at`,
      p,
    )
  ).map((r) => ({ spike_id: String(r.spike_id), channel: strOrNull(r.channel), started_at: num(r.started_at), peak_at: numOrNull(r.peak_at), ended_at: numOrNull(r.ended_at) }));

  const { silences, counts: silenceCounts } = await loadSilences(reader, brand, p, live, options.active, limit * 2);
  const brandSilence = await loadBrandSilence(reader, brand, t, focus, now, options);

  // Triage: the scorecard of the focus period (or of the time outside any period).
  const targets = new Map(
    (await reader.rows<{ severity: string; target_secs: number }>("SELECT severity, target_secs FROM triage_targets WHERE channel = '*'")).map((r) => [r.severity, num(r.target_secs)]),
  );
  const triage: TriageRow[] = (
    await reader.rows('SELECT * FROM triage_scorecard WHERE brand = $brand AND period_id IS NOT DISTINCT FROM $period ORDER BY severity_rank DESC', {
      brand,
      period: focus?.period_id ?? null,
    })
  ).map((r) => ({
    severity: String(r.severity),
    conversations: num(r.conversations),
    answered: num(r.answered),
    median_first_response_seconds: numOrNull(r.median_first_response_seconds),
    p90_first_response_seconds: numOrNull(r.p90_first_response_seconds),
    target_secs: targets.get(String(r.severity)) ?? null,
    within_target_share: numOrNull(r.within_target_share),
    breaches: num(r.breaches),
    inversions: num(r.inversions),
    inversion_chances: num(r.inversion_chances),
    bleeding_first_score: numOrNull(r.bleeding_first_score),
  }));
  const waiting: WaitingRow[] = (
    await reader.rows(
      `SELECT conversation_id, channel, severity, opened_at, target_secs, inversions FROM triage_outcomes
       WHERE brand = $brand AND first_response_at IS NULL AND opened_at >= to_timestamp($f / 1000.0) AND opened_at <= to_timestamp($t / 1000.0)
       ORDER BY severity_rank DESC, opened_at LIMIT ${limit}`,
      p,
    )
  ).map((r) => ({
    conversation_id: String(r.conversation_id),
    channel: strOrNull(r.channel),
    severity: String(r.severity),
    opened_at: num(r.opened_at),
    target_secs: numOrNull(r.target_secs),
    inversions: num(r.inversions),
  }));

  // Promises made in the range; due soon relative to now.
  const sum = await reader.one(
    `SELECT count(*) AS made,
       count(*) FILTER (WHERE outcome = 'kept') AS kept, count(*) FILTER (WHERE outcome = 'late') AS late,
       count(*) FILTER (WHERE outcome = 'broken') AS broken, count(*) FILTER (WHERE outcome = 'open') AS open,
       count(*) FILTER (WHERE outcome = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE outcome = 'kept') / nullif(count(*) FILTER (WHERE outcome IN ('kept', 'late', 'broken')), 0) AS keep_rate
     FROM promise_outcomes WHERE brand = $brand AND made_at >= to_timestamp($f / 1000.0) AND made_at <= to_timestamp($t / 1000.0)`,
    p,
  );
  const summary: PromiseSummary | null =
    sum && num(sum.made) > 0
      ? { made: num(sum.made), kept: num(sum.kept), late: num(sum.late), broken: num(sum.broken), open: num(sum.open), cancelled: num(sum.cancelled), keep_rate: numOrNull(sum.keep_rate) }
      : null;
  const promiseRow = (r: PlainRow): PromiseRow => ({
    promise_id: String(r.promise_id),
    conversation_id: String(r.conversation_id),
    channel: strOrNull(r.channel),
    kind: String(r.kind),
    agent_id: strOrNull(r.agent_id),
    made_at: num(r.made_at),
    due_at: num(r.due_at),
    outcome: String(r.outcome),
    fulfilled_at: numOrNull(r.fulfilled_at),
    text: strOrNull(r.text),
  });
  const dueBy = (now ?? t) + (options.dueSoonSecs ?? 7200) * 1000;
  const dueSoon = (
    await reader.rows(`SELECT * FROM promise_outcomes WHERE brand = $brand AND outcome = 'open' AND due_at <= to_timestamp($due / 1000.0) AND made_at <= to_timestamp($t / 1000.0) ORDER BY due_at LIMIT ${limit}`, {
      ...p,
      due: dueBy,
    })
  ).map(promiseRow);
  const broken = (
    await reader.rows(`SELECT * FROM promise_outcomes WHERE brand = $brand AND outcome = 'broken' AND due_at >= to_timestamp($f / 1000.0) AND due_at <= to_timestamp($t / 1000.0) ORDER BY due_at DESC LIMIT ${limit}`, p)
  ).map(promiseRow);

  const sufferers: SufferersRow[] = (
    await reader.rows(
      `SELECT * FROM proactive_coverage WHERE brand = $brand AND incident_id IN (
         SELECT incident_id FROM impacted_customers WHERE brand = $brand AND impacted_at <= to_timestamp($t / 1000.0) AND impacted_at >= to_timestamp($f / 1000.0) - INTERVAL 30 DAY)
       ORDER BY affected DESC`,
      p,
    )
  ).map((r) => ({
    incident_id: strOrNull(r.incident_id),
    affected: num(r.affected),
    wrote_in: num(r.wrote_in),
    silent: num(r.silent),
    silent_reached: num(r.silent_reached),
    silent_unreached: num(r.silent_unreached),
    proactive_coverage: numOrNull(r.proactive_coverage),
  }));

  // Firing now (live view), or fired within the range (a past period).
  const alertSql =
    req.mode === 'live' || req.mode === 'all'
      ? `SELECT * FROM alerts_firing WHERE brand = $brand LIMIT ${limit * 2}`
      : `SELECT * FROM alert_episodes WHERE brand = $brand AND fired_at >= to_timestamp($f / 1000.0) AND fired_at <= to_timestamp($t / 1000.0)
         ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, fired_at LIMIT ${limit * 2}`;
  const alerts: AlertRow[] = (await reader.has('alert_episodes'))
    ? (await reader.rows(alertSql, p)).map((r) => ({
        alert_id: String(r.alert_id),
        rule: String(r.rule),
        severity: String(r.severity),
        summary: strOrNull(r.summary),
        fired_at: numOrNull(r.fired_at),
        started_at: numOrNull(r.started_at),
        labels: parseLabels(r.labels),
      }))
    : (missing.push('alerts_firing'), []);

  const messages: MessageRow[] = (
    await reader.rows(
      `SELECT id, ts, brand, channel, conversation_id, text, upset, upset_label FROM messages
       WHERE brand = $brand AND direction = 'inbound' AND ts >= to_timestamp($f / 1000.0) AND ts <= to_timestamp($t / 1000.0) ORDER BY ts DESC, id DESC LIMIT 8`,
      p,
    )
  ).map(messageRow);

  return {
    ...empty,
    focus_period: focus,
    volume: { channels, series, bucket_secs: bucketSecs },
    spikes,
    silences,
    silence_counts: silenceCounts,
    brand_silence: brandSilence,
    triage,
    waiting,
    promises: { summary, due_soon: dueSoon, broken },
    sufferers,
    alerts,
    messages,
  };
}

export function messageRow(r: PlainRow): MessageRow {
  return {
    id: String(r.id),
    ts: num(r.ts),
    brand: String(r.brand),
    channel: String(r.channel),
    conversation_id: String(r.conversation_id),
    text: strOrNull(r.text),
    upset: numOrNull(r.upset),
    upset_label: strOrNull(r.upset_label),
  };
}

/**
 * Open customer silences from view silence_gaps (longest first, with how many are open and past
 * their limit), merged with what the silence detector reported live since the last batch.
 */
async function loadSilences(
  reader: ViewReader,
  brand: string,
  p: { brand: string; f: number; t: number },
  live: boolean,
  active: ActiveDetections | undefined,
  limit: number,
): Promise<{ silences: SilenceRow[]; counts: { open: number; past_limit: number } }> {
  const out = new Map<string, SilenceRow>();
  const T = 'to_timestamp($t / 1000.0)';
  const c = await reader.one(`SELECT count(*) AS open, count(*) FILTER (WHERE breached) AS past_limit FROM silence_gaps WHERE brand = $brand AND open AND started_at <= ${T}`, p);
  for (const r of await reader.rows(
    `SELECT conversation_id, channel, severity, customer_id, started_at, breached, paused FROM silence_gaps
     WHERE brand = $brand AND open AND started_at <= ${T} ORDER BY started_at, conversation_id LIMIT ${limit}`,
    p,
  )) {
    const conv = String(r.conversation_id);
    const key = `${brand}|${conv}`;
    out.set(key, {
      key,
      kind: 'customer_silence',
      conversation_id: conv,
      channel: strOrNull(r.channel),
      severity: strOrNull(r.severity),
      customer_id: strOrNull(r.customer_id),
      since: num(r.started_at),
      // breached: waited past the limit of its channel and severity (business hours and pauses as the view counts them).
      state: r.breached === true ? 'firing' : r.paused === true ? 'paused' : 'waiting',
      source: 'silence_gaps',
    });
  }
  if (live && active) {
    for (const d of active.list('customer_silence', brand)) {
      const conv = d.labels.conversation_id ?? d.labels.conversation ?? (d.key.startsWith(`${brand}|`) ? d.key.slice(brand.length + 1) : d.key);
      const key = `${brand}|${conv}`;
      const prev = out.get(key);
      out.set(key, {
        key,
        kind: 'customer_silence',
        conversation_id: conv,
        channel: d.labels.channel ?? prev?.channel ?? null,
        // The detector says 'none' for a conversation without a ticket severity.
        severity: (d.labels.severity !== 'none' ? d.labels.severity : undefined) ?? prev?.severity ?? null,
        customer_id: d.labels.customer_id ?? d.labels.customer ?? prev?.customer_id ?? null,
        since: Math.min(d.since, prev?.since ?? d.since),
        state: d.state,
        source: prev ? prev.source : 'detections',
      });
    }
  }
  return {
    silences: [...out.values()].sort((a, b) => a.since - b.since).slice(0, limit),
    counts: { open: Math.max(num(c?.open), out.size), past_limit: num(c?.past_limit) },
  };
}

/** Time since the brand's last public update (broadcasts), and whether the detector has it firing. */
async function loadBrandSilence(
  reader: ViewReader,
  brand: string,
  t: number,
  focus: PeriodRow | null,
  now: number | null,
  options: SnapshotOptions,
): Promise<BrandSilenceRow> {
  const last = await reader.one(
    'SELECT max(ts) AS last_update_at, arg_max(channel, ts) AS channel FROM broadcasts WHERE brand = $brand AND ts <= to_timestamp($t / 1000.0)',
    { brand, t },
  );
  const firing = (options.active?.list('brand_silence', brand) ?? []).some((c) => c.state === 'firing');
  const inCrisis = focus !== null && (focus.open || (now !== null && focus.started_at <= now && (focus.ended_at ?? Infinity) >= now));
  return {
    brand,
    last_update_at: numOrNull(last?.last_update_at),
    last_update_channel: strOrNull(last?.channel),
    threshold_secs: options.brandSilenceThresholdSecs ?? 1800,
    in_crisis: inCrisis,
    firing,
    source: 'broadcasts',
  };
}
