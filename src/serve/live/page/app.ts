/// <reference lib="dom" />
/**
 * @module serve/live/page/app
 * The live page in the browser: subscribes to /live/events (server-sent events), renders every
 * snapshot into the panels, shows each committed batch at once (counters, newest messages), and
 * ticks waiting times on the pipeline clock between updates. Bundled into one script by
 * `npm run page` (no CDN, no framework).
 */
import { toDom } from './dom.js';
import { formatClockSeconds, formatDateTime, formatDuration, formatNumber, periodLabel } from './format.js';
import { alertsPanel, countdown, kpiPanel, messagesPanel, promisesPanel, silencesPanel, sufferersPanel, triagePanel, volumePanel } from './panels.js';
import type { ClockTick, CommitSummary, MessageRow, Snapshot } from './types.js';

interface State {
  snapshot: Snapshot | null;
  clock: (ClockTick & { at: number }) | null;
  events: EventSource | null;
  query: string;
  lastCommitAt: number | null;
}

const state: State = { snapshot: null, clock: null, events: null, query: location.search.replace(/^\?/, ''), lastCommitAt: null };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** The pipeline clock now: the last tick moved on at its rate (0 in a finished replay). */
function now(): number | null {
  const c = state.clock;
  if (c) return c.now + (performance.now() - c.at) * c.rate;
  return state.snapshot?.now ?? null;
}

function setStatus(text: string, kind: 'live' | 'replay' | 'down'): void {
  const el = $('status');
  el.textContent = text;
  el.className = `status ${kind}`;
}

function showProblem(message: string | null): void {
  const el = $('problem');
  el.textContent = message ?? '';
  el.className = message ? 'show' : '';
}

function option(value: string, label: string, selected: boolean): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  o.selected = selected;
  return o;
}

function rangeValue(s: Snapshot): string {
  const r = s.range;
  if (r.mode === 'period') return `period:${r.periodId}`;
  if (r.mode === 'live') return `live:${r.hours ?? 6}`;
  if (r.mode === 'custom') return 'custom';
  return 'all';
}

function renderPickers(s: Snapshot): void {
  const brand = $<HTMLSelectElement>('brand');
  brand.replaceChildren(...s.brands.map((b) => option(b.brand, `${b.brand} (${formatNumber(b.inbound)} inbound)`, b.brand === s.brand)));
  if (s.brand && !s.brands.some((b) => b.brand === s.brand)) brand.appendChild(option(s.brand, s.brand, true));
  const range = $<HTMLSelectElement>('range');
  const current = rangeValue(s);
  const opts = [option('live:1', 'Live — last hour', false), option('live:6', 'Live — last 6 hours', false), option('live:24', 'Live — last 24 hours', false), option('all', 'All data', false)];
  const group = document.createElement('optgroup');
  group.label = 'Crisis periods';
  for (const p of s.periods.filter((x) => x.brand === s.brand)) group.appendChild(option(`period:${p.period_id}`, periodLabel(p), false));
  if (current === 'custom') opts.push(option('custom', 'Custom range (from the address)', false));
  range.replaceChildren(...opts, group);
  range.value = current;
  if (range.value !== current) range.appendChild(option(current, current, true));
}

function renderHeader(s: Snapshot): void {
  $('asof').textContent = s.as_of === null ? 'no data yet' : `data as of ${formatDateTime(s.as_of)}`;
  $('totals').textContent = `${formatNumber(s.totals.events)} events stored · ${formatNumber(s.totals.dead_letters)} dead letters`;
  $<HTMLAnchorElement>('report').href = `/report?${s.range.query}`;
  const missing = s.missing.length ? `Views not in this database yet: ${s.missing.join(', ')}.` : null;
  showProblem(missing);
}

const PANELS: Record<string, (s: Snapshot, t: number | null) => ReturnType<typeof kpiPanel>> = {
  kpis: kpiPanel,
  volume: volumePanel,
  silences: silencesPanel,
  triage: triagePanel,
  promises: promisesPanel,
  alerts: alertsPanel,
  sufferers: (s) => sufferersPanel(s),
  messages: (s) => messagesPanel(s),
};

function render(s: Snapshot): void {
  state.snapshot = s;
  const t = now();
  renderPickers(s);
  renderHeader(s);
  for (const [id, fn] of Object.entries(PANELS)) {
    const el = document.getElementById(id);
    if (el) el.replaceChildren(toDom(fn(s, t)));
  }
  document.body.dataset.ready = '1';
  document.body.dataset.brand = s.brand ?? '';
}

/** A committed batch: counters and newest messages move at once, before the next snapshot. */
function onCommit(c: CommitSummary): void {
  state.lastCommitAt = Date.now();
  const s = state.snapshot;
  if (!s) return;
  s.totals.events += c.stored;
  s.totals.dead_letters += c.dead_letters;
  $('totals').textContent = `${formatNumber(s.totals.events)} events stored · ${formatNumber(s.totals.dead_letters)} dead letters`;
  // Timer commits (alerts, detectors) store no events; the line tells when events last arrived.
  if (c.stored > 0) $('updated').textContent = `last batch ${formatClockSeconds(Date.now())} (${formatNumber(c.stored)} events)`;
  const mine = c.messages.filter((m) => m.brand === s.brand && (s.range.to === null || s.range.mode === 'live' || m.ts <= s.range.to));
  if (mine.length === 0) return;
  const merged: MessageRow[] = [...mine, ...s.messages.filter((m) => !mine.some((x) => x.id === m.id))].sort((a, b) => b.ts - a.ts).slice(0, 8);
  s.messages = merged;
  const el = document.getElementById('messages');
  if (!el) return;
  el.replaceChildren(toDom(messagesPanel(s)));
  for (const m of mine) el.querySelector(`li[data-message-id="${CSS.escape(m.id)}"]`)?.classList.add('fresh');
}

/** Updates every ticking time on the page from the pipeline clock. */
function tick(): void {
  const t = now();
  if (t === null) return;
  document.querySelectorAll<HTMLElement>('[data-since]').forEach((el) => {
    el.textContent = formatDuration((t - Number(el.dataset.since)) / 1000);
  });
  document.querySelectorAll<HTMLElement>('[data-until]').forEach((el) => {
    const until = Number(el.dataset.until);
    el.textContent = countdown(until, t);
    el.classList.toggle('over', t > until);
  });
  document.querySelectorAll<HTMLElement>('[data-over-since]').forEach((el) => {
    el.classList.toggle('over', (t - Number(el.dataset.overSince)) / 1000 > Number(el.dataset.overSecs));
  });
  const c = state.clock;
  if (c?.live) setStatus(`live · ${formatClockSeconds(t)} UTC${c.rate > 1.5 ? ` (×${Math.round(c.rate)})` : ''}`, 'live');
}

function connect(query: string): void {
  state.events?.close();
  state.query = query;
  const es = new EventSource(`/live/events${query ? `?${query}` : ''}`);
  state.events = es;
  es.addEventListener('snapshot', (e) => {
    const s = JSON.parse((e as MessageEvent<string>).data) as Snapshot;
    if (s.range.query !== state.query) {
      state.query = s.range.query;
      history.replaceState(null, '', `?${s.range.query}`);
    }
    render(s);
  });
  es.addEventListener('commit', (e) => onCommit(JSON.parse((e as MessageEvent<string>).data) as CommitSummary));
  es.addEventListener('clock', (e) => {
    const c = JSON.parse((e as MessageEvent<string>).data) as ClockTick;
    state.clock = { ...c, at: performance.now() };
    if (!c.live) setStatus(`replay · as of ${formatClockSeconds(c.now)} UTC`, 'replay');
    tick();
  });
  es.addEventListener('problem', (e) => showProblem(`The last refresh failed: ${(JSON.parse((e as MessageEvent<string>).data) as { message: string }).message}`));
  es.addEventListener('open', () => showProblem(state.snapshot?.missing.length ? `Views not in this database yet: ${state.snapshot.missing.join(', ')}.` : null));
  es.addEventListener('error', () => {
    setStatus('reconnecting…', 'down');
    // A 4xx (bad range in the address) closes the stream for good: say why and fall back to live.
    if (es.readyState === EventSource.CLOSED) {
      void fetch(`/api/live/snapshot${query ? `?${query}` : ''}`)
        .then(async (r) => (r.ok ? null : ((await r.json()) as { error?: string }).error ?? `HTTP ${r.status}`))
        .then((err) => {
          if (err) {
            showProblem(`${err} — showing the live range instead.`);
            history.replaceState(null, '', '?');
            connect('');
          } else setTimeout(() => connect(state.query), 2000);
        })
        .catch(() => setTimeout(() => connect(state.query), 2000));
    }
  });
}

function choose(): void {
  const s = state.snapshot;
  const brand = $<HTMLSelectElement>('brand').value;
  const range = $<HTMLSelectElement>('range').value;
  const p = new URLSearchParams();
  if (range.startsWith('period:')) {
    const id = range.slice('period:'.length);
    const period = s?.periods.find((x) => x.period_id === id);
    if (period && period.brand === brand) p.set('period', id);
    else p.set('brand', brand);
  } else {
    p.set('brand', brand);
    if (range === 'all') p.set('range', 'all');
    else if (range.startsWith('live:')) {
      p.set('range', 'live');
      if (range !== 'live:6') p.set('hours', range.slice('live:'.length));
    } else if (range === 'custom' && s) return connect(`brand=${encodeURIComponent(brand)}&${s.range.query.replace(/(^|&)brand=[^&]*/, '')}`);
  }
  history.replaceState(null, '', `?${p}`);
  connect(p.toString());
}

$('brand').addEventListener('change', () => {
  // Another brand's periods do not apply: its live view.
  const r = $<HTMLSelectElement>('range');
  if (r.value.startsWith('period:')) r.value = 'live:6';
  choose();
});
$('range').addEventListener('change', choose);
setInterval(tick, 500);
connect(state.query);
