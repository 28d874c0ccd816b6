/**
 * @module serve/live/page/panels
 * The panels of the live page, as pure functions of a snapshot and the clock: the browser renders
 * them to DOM and re-renders on every snapshot; reports render the same functions to HTML. Each
 * panel names the view its numbers come from. Times that tick (waits, countdowns) carry
 * `data-since` / `data-until` so the page can update them between snapshots.
 *
 * @example
 * const node = silencesPanel(snapshot, now);
 */
import { channelColor, formatClock, formatDayTime, formatDuration, formatNumber, formatPercent, formatShortDuration, SEVERITY_ORDER } from './format.js';
import { volumeChart, type ChartBand } from './chart.js';
import type { Snapshot } from './types.js';
import { h, type Child, type VNode } from './vnode.js';

export function panel(id: string, title: string, source: string, ...body: Child[]): VNode {
  return h(
    'section',
    { class: 'panel', id: `panel-${id}`, 'data-panel': id },
    h('header', null, h('h2', null, title), h('span', { class: 'src', title: 'where these numbers come from (sql/views)' }, source)),
    ...body,
  );
}

/** A waiting time that ticks on the page: `now - since`. */
export function since(ms: number, now: number | null, attrs: Record<string, string | number> = {}): VNode {
  return h('span', { class: 'tick', 'data-since': ms, ...attrs }, formatDuration(now === null ? null : (now - ms) / 1000));
}

/** A countdown that ticks: "in 12m 05s", or "overdue 3m". */
export function until(ms: number, now: number | null): VNode {
  return h('span', { class: `tick${now !== null && now > ms ? ' over' : ''}`, 'data-until': ms }, countdown(ms, now));
}

export function countdown(ms: number, now: number | null): string {
  if (now === null) return formatDayTime(ms);
  const s = (ms - now) / 1000;
  return s >= 0 ? `in ${formatDuration(s)}` : `overdue ${formatDuration(-s)}`;
}

function badge(text: string, kind: string): VNode {
  return h('span', { class: `badge badge-${kind.replace(/[^a-z0-9_-]/gi, '')}` }, text);
}

function chip(channel: string | null): VNode | string {
  if (!channel) return '–';
  return h('span', { class: 'chip' }, swatch(channelColor(channel)), channel);
}

/** A colour square as SVG (no style attributes: the page's CSP need not allow inline styles). */
export function swatch(color: string): VNode {
  return h('svg', { class: 'swatch', width: 10, height: 10, viewBox: '0 0 10 10', 'aria-hidden': 'true' }, h('rect', { width: 10, height: 10, rx: 2, fill: color }));
}

function empty(text: string): VNode {
  return h('p', { class: 'empty' }, text);
}

/** A table; columns whose cells are all numbers (or formatted numbers) align right. */
function table(head: string[], rows: Child[][], attrs: Record<string, string> = {}): VNode {
  const isNum = (c: Child) => typeof c === 'number' || (typeof c === 'string' && /^[\d.,%–\s]+$/.test(c));
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => isNum(r[i])));
  const cell = (c: Child) => (typeof c === 'number' ? formatNumber(c) : c);
  return h(
    'table',
    attrs,
    h('thead', null, h('tr', null, head.map((c, i) => h('th', numeric[i] ? { class: 'n' } : null, c)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c, i) => h('td', numeric[i] ? { class: 'n' } : null, cell(c)))))),
  );
}

// ---------------------------------------------------------------------------------------------
// Headline cards

export interface KpiOptions {
  /** Reports: the longest gap between public updates in the crisis, instead of the time since the last one. */
  longestPublicGapSecs?: number | null;
}

export function kpiPanel(s: Snapshot, now: number | null, options: KpiOptions = {}): VNode {
  const cards: VNode[] = [];
  const oldest = s.silences[0];
  cards.push(
    h(
      'div',
      { class: `kpi${s.silence_counts.past_limit > 0 || s.silences.some((x) => x.state === 'firing') ? ' warn' : ''}`, 'data-kpi': 'silences' },
      h('div', { class: 'label' }, 'Open silences'),
      h('div', { class: 'value' }, formatNumber(s.silence_counts.open)),
      h('div', { class: 'sub' }, oldest ? [`${formatNumber(s.silence_counts.past_limit)} past their limit; longest `, since(oldest.since, now), ` (${oldest.channel ?? 'unknown channel'})`] : 'nobody waiting'),
    ),
  );
  const b = s.brand_silence;
  if (b && options.longestPublicGapSecs !== undefined) {
    const gap = options.longestPublicGapSecs;
    cards.push(
      h(
        'div',
        { class: `kpi${gap !== null && gap > b.threshold_secs ? ' over' : ''}`, 'data-kpi': 'brand-silence' },
        h('div', { class: 'label' }, 'Longest brand silence'),
        h('div', { class: 'value' }, gap === null ? '–' : formatShortDuration(gap)),
        h('div', { class: 'sub' }, gap === null ? 'no crisis period or no public update in this range' : `between public updates during the crisis; too long past ${formatShortDuration(b.threshold_secs)}`),
      ),
    );
  } else if (b) {
    const quietSecs = b.last_update_at === null || now === null ? null : (now - b.last_update_at) / 1000;
    const over = b.firing || (b.in_crisis && quietSecs !== null && quietSecs > b.threshold_secs);
    cards.push(
      h(
        'div',
        { class: `kpi${over ? ' over' : ''}`, 'data-kpi': 'brand-silence', ...(b.in_crisis && b.last_update_at !== null ? { 'data-over-since': b.last_update_at, 'data-over-secs': b.threshold_secs } : {}) },
        h('div', { class: 'label' }, 'Brand silence'),
        h('div', { class: 'value' }, b.last_update_at === null ? 'no public update yet' : since(b.last_update_at, now)),
        h(
          'div',
          { class: 'sub' },
          b.last_update_at === null
            ? 'no broadcast stored for this brand'
            : `since the last public update (${formatClock(b.last_update_at)} UTC, ${b.last_update_channel ?? '?'}); red past ${formatShortDuration(b.threshold_secs)} ${b.in_crisis ? 'during this crisis' : 'in a crisis'}`,
        ),
      ),
    );
  }
  const unreached = s.sufferers.reduce((n, r) => n + r.silent_unreached, 0);
  const silent = s.sufferers.reduce((n, r) => n + r.silent, 0);
  const affected = s.sufferers.reduce((n, r) => n + r.affected, 0);
  cards.push(
    h(
      'div',
      { class: `kpi${unreached > 0 ? ' warn' : ''}`, 'data-kpi': 'sufferers' },
      h('div', { class: 'label' }, 'Silent sufferers'),
      h('div', { class: 'value' }, formatNumber(silent)),
      h('div', { class: 'sub' }, affected ? `of ${formatNumber(affected)} affected never wrote in; ${formatNumber(unreached)} not reached yet` : 'no affected customers recorded'),
    ),
  );
  const crit = s.alerts.filter((a) => a.severity === 'critical').length;
  cards.push(
    h(
      'div',
      { class: `kpi${crit > 0 ? ' over' : s.alerts.length > 0 ? ' warn' : ''}`, 'data-kpi': 'alerts' },
      h('div', { class: 'label' }, s.range.mode === 'live' || s.range.mode === 'all' ? 'Firing alerts' : 'Alerts fired'),
      h('div', { class: 'value' }, String(s.alerts.length)),
      h('div', { class: 'sub' }, s.alerts.length ? `${crit} critical` : 'none'),
    ),
  );
  const score = s.triage.find((t) => t.bleeding_first_score !== null)?.bleeding_first_score ?? null;
  const inv = s.triage.reduce((n, t) => n + t.inversions, 0);
  cards.push(
    h(
      'div',
      { class: `kpi${score !== null && score < 60 ? ' warn' : ''}`, 'data-kpi': 'triage' },
      h('div', { class: 'label' }, 'Bleeding-first score'),
      h('div', { class: 'value' }, score === null ? '–' : formatNumber(score, 1)),
      h('div', { class: 'sub' }, score === null ? 'no severity pairs to compare' : `100 = most severe always answered first; ${formatNumber(inv)} inversions`),
    ),
  );
  const p = s.promises.summary;
  cards.push(
    h(
      'div',
      { class: `kpi${p && p.broken > 0 ? ' warn' : ''}`, 'data-kpi': 'promises' },
      h('div', { class: 'label' }, 'Promises broken'),
      h('div', { class: 'value' }, p ? formatNumber(p.broken) : '0'),
      h('div', { class: 'sub' }, p ? `of ${formatNumber(p.made)} made; keep rate ${formatPercent(p.keep_rate)}` : 'no promises in this range'),
    ),
  );
  return h('section', { class: 'kpis', id: 'panel-kpis', 'data-panel': 'kpis' }, cards);
}

// ---------------------------------------------------------------------------------------------
// Upset volume

export function volumePanel(s: Snapshot, now: number | null, options: { width?: number; height?: number } = {}): VNode {
  const all = Object.values(s.volume.series).flat();
  const from = s.range.from ?? Math.min(...all.map((p) => p.t), now ?? Infinity);
  const to = s.range.to ?? Math.max(...all.map((p) => p.t), now ?? -Infinity);
  const bucket = s.volume.bucket_secs * 1000;
  const per = s.volume.bucket_secs === 60 ? 'min' : s.volume.bucket_secs === 300 ? '5 min' : 'hour';
  const bands: ChartBand[] = [];
  for (const p of s.periods) {
    if (p.brand !== s.brand) continue;
    const end = p.ended_at ?? s.as_of ?? p.started_at;
    if (end < from || p.started_at > to) continue;
    bands.push({ from: p.started_at, to: end, color: '#dc2626', label: `crisis ${formatClock(p.started_at)}–${p.ended_at === null ? 'now' : formatClock(p.ended_at)}`, kind: 'period' });
  }
  for (const sp of s.spikes) {
    // Channel '*' is the brand over all channels.
    const all = !sp.channel || sp.channel === '*';
    bands.push({
      from: sp.started_at,
      to: sp.ended_at ?? s.as_of ?? sp.started_at,
      color: all ? '#7f1d1d' : channelColor(sp.channel!),
      peak: sp.peak_at,
      label: `spike ${all ? 'over all channels' : `on ${sp.channel}`} from ${formatClock(sp.started_at)}${sp.ended_at ? ` to ${formatClock(sp.ended_at)}` : ', ongoing'} UTC`,
      lane: all ? 'all' : sp.channel!,
      kind: 'spike',
    });
  }
  const series = s.volume.channels.map((c, i) => ({ name: c, color: channelColor(c, i), points: (s.volume.series[c] ?? []).map((p) => ({ t: p.t, v: p.upset })) }));
  const hasScores = all.some((p) => p.upset > 0);
  const totals = new Map<number, number>();
  for (const p of all) totals.set(p.t, (totals.get(p.t) ?? 0) + p.inbound);
  const background = { name: 'all inbound', color: '#94a3b8', points: [...totals].map(([t, v]) => ({ t, v })) };
  const body: Child[] = [];
  if (!Number.isFinite(from) || !Number.isFinite(to) || all.length === 0) body.push(empty('No inbound messages in this range.'));
  else {
    body.push(
      volumeChart({
        from,
        to,
        bucketMs: bucket,
        series,
        background,
        bands,
        title: 'Upset inbound messages by channel (lines) and all inbound messages (grey area)',
        now: s.live ? now : null,
        width: options.width,
        height: options.height,
        yLabel: `messages / ${per}`,
      }),
    );
    body.push(
      h(
        'ul',
        { class: 'legend' },
        series.map((x) => {
          const pts = s.volume.series[x.name] ?? [];
          const up = pts.reduce((n, p) => n + p.upset, 0);
          const inbound = pts.reduce((n, p) => n + p.inbound, 0);
          return h('li', { 'data-channel': x.name }, swatch(x.color), `${x.name}: ${formatNumber(up)} upset of ${formatNumber(inbound)} inbound`);
        }),
        h('li', { 'data-channel': '*' }, swatch('#cbd5e1'), `all inbound: ${formatNumber(all.reduce((n, p) => n + p.inbound, 0))}`),
        h('li', { class: 'spikes-count' }, s.spikes.length ? `${s.spikes.length} spike${s.spikes.length === 1 ? '' : 's'} (bars above the chart, dashed line at the peak)` : 'no spikes'),
      ),
    );
    if (!hasScores) body.push(h('p', { class: 'note' }, 'No message in this range was scored upset (is the score stage enabled?).'));
  }
  return panel('volume', `Upset volume per channel (per ${per})`, 'views upset_volume, spikes, crisis_periods', body);
}

// ---------------------------------------------------------------------------------------------
// Silences

export function silencesPanel(s: Snapshot, now: number | null, max = Infinity): VNode {
  const shown = s.silences.slice(0, max);
  const rows = shown.map((x) => [
    since(x.since, now),
    chip(x.channel),
    x.severity ? badge(x.severity, x.severity) : '–',
    h('span', { class: 'mono' }, x.conversation_id ?? '–'),
    x.customer_id ?? '–',
    badge(x.state === 'firing' ? 'past limit' : x.state === 'warning' ? 'near limit' : x.state === 'paused' ? 'paused' : 'waiting', x.state),
  ]);
  const more = s.silence_counts.open - shown.length;
  return panel(
    'silences',
    'Open silences — longest waits first',
    'view silence_gaps + live detections',
    rows.length ? table(['Waiting', 'Channel', 'Severity', 'Conversation', 'Customer', 'State'], rows, { class: 'silences' }) : empty('Nobody is waiting for an answer.'),
    more > 0 ? h('p', { class: 'note' }, `… and ${formatNumber(more)} more open (${formatNumber(s.silence_counts.past_limit)} past their limit in all): SELECT * FROM silence_gaps WHERE open.`) : null,
  );
}

// ---------------------------------------------------------------------------------------------
// Triage

export function triagePanel(s: Snapshot, now: number | null): VNode {
  const rows = [...s.triage]
    .sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9))
    .map((t) => [
      badge(t.severity, t.severity),
      t.conversations,
      t.answered,
      formatShortDuration(t.median_first_response_seconds),
      formatShortDuration(t.p90_first_response_seconds),
      formatShortDuration(t.target_secs),
      h('span', { class: t.within_target_share !== null && t.within_target_share < 0.8 ? 'bad' : '' }, formatPercent(t.within_target_share)),
      t.breaches,
      t.inversions,
    ]);
  const score = s.triage.find((t) => t.bleeding_first_score !== null)?.bleeding_first_score ?? null;
  const focus = s.focus_period;
  const waiting = s.waiting.slice(0, 6).map((w) => [badge(w.severity, w.severity), since(w.opened_at, now), chip(w.channel), h('span', { class: 'mono' }, w.conversation_id), w.inversions]);
  return panel(
    'triage',
    'Triage — first response by severity',
    'views triage_scorecard, triage_outcomes',
    h(
      'p',
      { class: 'note' },
      focus ? `Crisis period ${formatDayTime(focus.started_at)} – ${focus.ended_at === null ? 'ongoing' : formatDayTime(focus.ended_at)}. ` : 'Outside any crisis period. ',
      score === null ? '' : h('strong', null, `Bleeding-first score ${formatNumber(score, 1)}`),
      score === null ? '' : ' (100: every more severe case got its reply before a less severe one opened after it).',
    ),
    rows.length ? table(['Severity', 'Conv.', 'Answered', 'Median', 'P90', 'Target', 'Within target', 'Breaches', 'Inversions'], rows, { class: 'triage' }) : empty('No conversations with a severity in this range.'),
    waiting.length ? [h('h3', null, 'Still waiting for a first reply, most severe first'), table(['Severity', 'Waiting', 'Channel', 'Conversation', 'Inversions'], waiting, { class: 'waiting' })] : null,
  );
}

// ---------------------------------------------------------------------------------------------
// Promises

export function promisesPanel(s: Snapshot, now: number | null): VNode {
  const p = s.promises;
  const sum = p.summary;
  const line = sum
    ? `${formatNumber(sum.made)} made · ${formatNumber(sum.kept)} kept · ${formatNumber(sum.late)} late · ${formatNumber(sum.broken)} broken · ${formatNumber(sum.open)} open · keep rate ${formatPercent(sum.keep_rate)}`
    : 'No promises made in this range.';
  const due = p.due_soon.map((x) => [until(x.due_at, now), x.kind, chip(x.channel), h('span', { class: 'mono' }, x.conversation_id), x.agent_id ?? '–']);
  const broken = p.broken.map((x) => [formatDayTime(x.due_at), x.kind, chip(x.channel), h('span', { class: 'mono' }, x.conversation_id), x.agent_id ?? '–']);
  return panel(
    'promises',
    'Promises',
    'view promise_outcomes',
    h('p', { class: 'note' }, line),
    h('h3', null, 'Due soon'),
    due.length ? table(['Due', 'Kind', 'Channel', 'Conversation', 'Agent'], due, { class: 'due' }) : empty('Nothing due in the next two hours.'),
    h('h3', null, 'Broken'),
    broken.length ? table(['Was due', 'Kind', 'Channel', 'Conversation', 'Agent'], broken, { class: 'broken' }) : empty('No broken promises in this range.'),
  );
}

// ---------------------------------------------------------------------------------------------
// Silent sufferers

export function sufferersPanel(s: Snapshot): VNode {
  const rows = s.sufferers.map((r) => [r.incident_id ?? '(none)', r.affected, r.wrote_in, r.silent, r.silent_reached, r.silent_unreached, formatPercent(r.proactive_coverage)]);
  return panel(
    'sufferers',
    'Silent sufferers — affected customers who never wrote in',
    'views silent_sufferers, proactive_coverage',
    rows.length
      ? table(['Incident', 'Affected', 'Wrote in', 'Silent', 'Reached', 'Not reached', 'Coverage'], rows, { class: 'sufferers' })
      : empty('No affected customers recorded for incidents in this range.'),
    rows.length ? h('p', { class: 'note' }, 'Coverage: affected customers the brand reached before they had to write in. The outreach list is view silent_sufferers.') : null,
  );
}

// ---------------------------------------------------------------------------------------------
// Alerts

export function alertsPanel(s: Snapshot, now: number | null): VNode {
  const firing = s.range.mode === 'live' || s.range.mode === 'all';
  const rows = s.alerts.map((a) => [
    badge(a.severity, a.severity),
    a.rule,
    h('span', { class: 'summary' }, a.summary ?? ''),
    a.fired_at === null ? '–' : firing ? since(a.fired_at, now) : formatDayTime(a.fired_at),
  ]);
  return panel(
    'alerts',
    firing ? 'Firing alerts' : 'Alerts fired in this period',
    firing ? 'view alerts_firing' : 'view alert_episodes',
    rows.length ? table(['Severity', 'Rule', 'Summary', firing ? 'Firing for' : 'Fired at'], rows, { class: 'alerts' }) : empty(firing ? 'No alert is firing.' : 'No alert fired in this period.'),
  );
}

// ---------------------------------------------------------------------------------------------
// Latest inbound messages (customer text: always text, never markup)

export function messagesPanel(s: Snapshot): VNode {
  const items = s.messages.map((m) =>
    h(
      'li',
      { 'data-message-id': m.id },
      h('span', { class: 'time' }, formatClock(m.ts)),
      chip(m.channel),
      m.upset_label === 'upset' ? badge('upset', 'upset') : null,
      h('span', { class: 'text' }, m.text ?? '(no text)'),
    ),
  );
  return panel('messages', 'Latest inbound messages', 'table messages', items.length ? h('ul', { class: 'messages' }, items) : empty('No inbound messages in this range.'));
}
