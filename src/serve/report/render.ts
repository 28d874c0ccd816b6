/**
 * @module serve/report/render
 * A crisis report as one self-contained HTML file a manager can mail: inline stylesheet, charts
 * as inline SVG, no script, no external request. Sections: headline figures, the crisis
 * timeline, upset volume, silences (customers and the brand's public silence), triage, promises,
 * silent sufferers, channel guidance, alerts, and where every number comes from.
 *
 * @example
 * writeFileSync('report.html', renderReport(await loadReport(reader, range)));
 */
import { alertsPanel, kpiPanel, panel, promisesPanel, silencesPanel, sufferersPanel, swatch, triagePanel, volumePanel } from '../live/page/panels.js';
import { channelColor, formatClock, formatDateTime, formatDayTime, formatDuration, formatNumber, formatPercent, formatShortDuration, periodLabel } from '../live/page/format.js';
import { BASE_CSS } from '../live/page/style.js';
import { h, toHtml, type Child, type VNode } from '../live/page/vnode.js';
import { FAVICON } from '../live/page.js';
import type { ReportData } from './data.js';

const REPORT_CSS = `${BASE_CSS}
body{background:#fff}
.report{max-width:1080px;margin:0 auto;padding:24px 28px 48px}
.report>header h1{font-size:22px}
.report>header p{color:var(--muted);margin:4px 0}
.report section{margin-top:18px;break-inside:avoid}
.report .kpis{grid-template-columns:repeat(3,1fr);margin-top:16px}
.report .panel{border-color:#e5e7eb}
.report .grid2{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.timeline{list-style:none;margin:0;padding:0;border-left:2px solid #e5e7eb}
.timeline li{position:relative;padding:3px 0 3px 14px}
.timeline li::before{content:"";position:absolute;left:-6px;top:9px;width:10px;height:10px;border-radius:5px;background:#9ca3af}
.timeline li.k-incident::before,.timeline li.k-period::before{background:#dc2626}
.timeline li.k-broadcast::before{background:#2563eb}
.timeline li.k-spike::before{background:#db2777}
.timeline li.k-alert::before{background:#f59e0b}
.timeline .at{font-variant-numeric:tabular-nums;color:var(--muted);margin-right:8px}
.sources code{font-size:12px}
@media (max-width:800px){.report .grid2{grid-template-columns:1fr}}
@media print{.report{padding:0}.panel{border:none;padding:0}}
`;

function table(head: string[], rows: Child[][], numeric: number[] = []): VNode {
  return h(
    'table',
    null,
    h('thead', null, h('tr', null, head.map((c, i) => h('th', numeric.includes(i) ? { class: 'n' } : null, c)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c, i) => h('td', numeric.includes(i) ? { class: 'n' } : null, typeof c === 'number' ? formatNumber(c) : c))))),
  );
}

function timelineSection(d: ReportData): VNode {
  const items = d.timeline.map((t) => h('li', { class: `k-${t.kind}` }, h('span', { class: 'at' }, formatDayTime(t.at)), t.text));
  return panel(
    'timeline',
    'Crisis timeline',
    'views crisis_periods, spikes, alert_episodes; tables incidents, broadcasts',
    items.length ? h('ul', { class: 'timeline' }, items) : h('p', { class: 'empty' }, 'Nothing happened in this range: no crisis period, incident, public update, spike or alert.'),
  );
}

function publicSilenceSection(d: ReportData): VNode {
  const b = d.snapshot.brand_silence;
  const rows = d.publicGaps.map((g) => [
    formatDayTime(g.from),
    g.to === null ? 'still silent' : formatDayTime(g.to),
    h('span', { class: g.over ? 'bad' : '' }, formatDuration(g.secs)),
    g.over ? 'over threshold' : '',
  ]);
  return panel(
    'brand-silence',
    'Brand silence — gaps between public updates during the crisis',
    'table broadcasts, view crisis_periods',
    b ? h('p', { class: 'note' }, `Threshold ${formatDuration(b.threshold_secs)}: a longer gap during a crisis period is a brand silence.`) : null,
    rows.length ? table(['Last update', 'Next update', 'Silent for', ''], rows, [2]) : h('p', { class: 'empty' }, 'No crisis period in this range, or no public update to measure from.'),
  );
}

function silenceGapsSection(d: ReportData): VNode {
  const sum = d.silenceSummary;
  const rows = d.silenceGaps.map((g) => [
    h('span', { class: 'mono' }, g.conversation_id),
    g.channel ?? '–',
    g.severity ?? '–',
    formatDayTime(g.started_at),
    h('span', { class: g.breached ? 'bad' : '' }, formatShortDuration(g.waited_seconds)),
    formatShortDuration(g.threshold_secs),
    g.ended_at === null ? 'still waiting' : `${g.ended_by === 'solved' ? 'solved' : 'replied'} ${formatDayTime(g.ended_at)}`,
  ]);
  return panel(
    'silence-gaps',
    'Customer silences — longest waits that started in this range',
    'view silence_gaps',
    sum && sum.gaps > 0
      ? h('p', { class: 'note' }, `${formatNumber(sum.gaps)} times a customer waited for a reply; ${formatNumber(sum.breached)} past the limit of their channel and severity; ${formatNumber(sum.open)} still waiting.`)
      : null,
    rows.length ? table(['Conversation', 'Channel', 'Severity', 'Started', 'Waited', 'Limit', 'Ended'], rows, [4, 5]) : h('p', { class: 'empty' }, 'No customer waited for a reply in this range.'),
  );
}

function waitsSection(d: ReportData): VNode {
  const rows = d.longestWaits.map((w) => [
    h('span', { class: 'mono' }, w.conversation_id),
    w.channel ?? '–',
    w.severity,
    formatDayTime(w.opened_at),
    w.first_response_seconds !== null ? formatShortDuration(w.first_response_seconds) : h('span', { class: 'bad' }, `${formatShortDuration(w.waiting_seconds)} (no reply yet)`),
    formatShortDuration(w.target_secs),
    w.inversions,
  ]);
  return panel(
    'waits',
    'Longest waits for a first reply',
    'view triage_outcomes',
    rows.length ? table(['Conversation', 'Channel', 'Severity', 'Opened', 'First reply after', 'Target', 'Inversions'], rows, [4, 5, 6]) : h('p', { class: 'empty' }, 'No conversation with a severity opened in this range.'),
  );
}

function promisesByChannelSection(d: ReportData): VNode | null {
  if (d.promisesByChannel.length === 0) return null;
  return h(
    'div',
    null,
    h('h3', null, 'Promises by channel'),
    table(
      ['Channel', 'Made', 'Kept', 'Late', 'Broken', 'Open', 'Keep rate'],
      d.promisesByChannel.map((r) => [h('span', { class: 'chip' }, swatch(channelColor(r.channel)), r.channel), r.made, r.kept, r.late, r.broken, r.open, formatPercent(r.keep_rate)]),
      [1, 2, 3, 4, 5, 6],
    ),
  );
}

function guidanceSection(d: ReportData): VNode {
  const g = d.guidance;
  const best = g.find((r) => r.speed_rank === 1 && r.median_first_response_seconds !== null);
  const rows = g.map((r) => [
    h('span', { class: 'chip' }, swatch(channelColor(r.channel)), r.channel),
    r.conversations,
    formatPercent(r.answered_share),
    formatShortDuration(r.median_first_response_seconds),
    formatShortDuration(r.p90_first_response_seconds),
    formatPercent(r.resolution_rate),
    formatPercent(r.upset_share),
    r.speed_rank,
  ]);
  return panel(
    'guidance',
    'Channel guidance — where customers were served fastest',
    'view channel_guidance',
    best
      ? h('p', null, h('strong', null, `Point customers to ${best.channel}`), `: median first reply ${formatShortDuration(best.median_first_response_seconds)} during the crisis period, ${formatPercent(best.answered_share)} answered.`)
      : null,
    rows.length
      ? table(['Channel', 'Conversations', 'Answered', 'Median first reply', 'P90', 'Resolved', 'Upset share', 'Speed rank'], rows, [1, 2, 3, 4, 5, 6, 7])
      : h('p', { class: 'empty' }, 'No crisis period in this range: guidance compares channels within one.'),
  );
}

function sourcesSection(d: ReportData): VNode {
  const period = d.snapshot.focus_period;
  const brand = d.snapshot.brand ?? '';
  const q = (sql: string) => h('li', null, h('code', null, sql));
  return h(
    'section',
    { class: 'panel sources', id: 'panel-sources' },
    h('header', null, h('h2', null, 'Where these numbers come from')),
    h('p', { class: 'note' }, `Every figure is read from the views in sql/views of ${d.database ?? 'the crisiscx database'}; rerun them with crisiscx sql, for example:`),
    h(
      'ul',
      null,
      q(`SELECT * FROM crisis_periods WHERE brand = '${brand.replace(/'/g, "''")}'`),
      period ? q(`SELECT * FROM triage_scorecard WHERE period_id = '${period.period_id.replace(/'/g, "''")}'`) : null,
      period ? q(`SELECT * FROM channel_guidance WHERE period_id = '${period.period_id.replace(/'/g, "''")}'`) : null,
      q(`SELECT * FROM silent_sufferers WHERE brand = '${brand.replace(/'/g, "''")}' AND NOT reached`),
      q(`SELECT * FROM promise_outcomes WHERE brand = '${brand.replace(/'/g, "''")}' AND outcome = 'broken'`),
    ),
  );
}

/** The report as a complete HTML document. */
export function renderReport(d: ReportData): string {
  const s = d.snapshot;
  const now = s.as_of;
  const focus = s.focus_period;
  const title = `Crisis report — ${s.brand ?? 'no data'}`;
  const rangeText =
    d.from === null && d.to === null ? 'all stored data' : `${formatDateTime(d.from)} – ${d.to === null ? 'now' : formatDateTime(d.to)}`;
  const body = h(
    'main',
    { class: 'report' },
    h(
      'header',
      null,
      h('h1', null, title),
      h('p', null, focus ? `Crisis period ${periodLabel(focus)}` : 'No crisis period in this range', ` · covers ${rangeText}`),
      h('p', null, `Data as of ${formatDateTime(s.as_of)} · ${formatNumber(s.totals.events)} events stored · generated ${formatDateTime(d.generatedAt)} by crisiscx`),
    ),
    kpiPanel(s, now, { longestPublicGapSecs: d.publicGaps[0]?.secs ?? null }),
    h('section', null, timelineSection(d)),
    h('section', null, volumePanel(s, now, { width: 1000, height: 280 })),
    h('section', null, publicSilenceSection(d)),
    h('section', null, silenceGapsSection(d)),
    h('section', null, silencesPanel(s, now, 10)),
    h('section', null, triagePanel(s, now)),
    h('section', null, waitsSection(d)),
    h('section', null, promisesPanel(s, now), promisesByChannelSection(d)),
    h('section', null, sufferersPanel(s)),
    h('section', null, guidanceSection(d)),
    h('section', null, alertsPanel(s, now)),
    h('section', null, sourcesSection(d)),
    h('p', { class: 'note' }, `Times are UTC. Waiting times are measured at the newest stored event (${formatClock(s.as_of)} UTC).`),
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="crisiscx">
<title>${toHtml(title)}</title>
<link rel="icon" href="${FAVICON}">
<style>${REPORT_CSS}</style>
</head>
<body>
${toHtml(body)}
</body>
</html>
`;
}
