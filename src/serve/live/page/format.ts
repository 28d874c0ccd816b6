/**
 * @module serve/live/page/format
 * How numbers and times read on the live page and in reports: durations as `1h 05m`, times in UTC
 * (`08:05`), shares as percentages. The same functions run in the browser and on the server, so a
 * report says exactly what the page said.
 *
 * @example
 * formatDuration(3900); // '1h 05m'
 */

/** A duration in seconds as people read it: 45s, 12m, 1h 05m, 2d 03h. */
export function formatDuration(secs: number | null | undefined): string {
  if (secs === null || secs === undefined || !Number.isFinite(secs)) return '–';
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(hrs / 24)}d ${String(hrs % 24).padStart(2, '0')}h`;
}

/** A short duration: no seconds past the first hour, no zero parts (tables, thresholds): 30m, 1h 05m, 4h. */
export function formatShortDuration(secs: number | null | undefined): string {
  if (secs === null || secs === undefined || !Number.isFinite(secs)) return '–';
  const s = Math.max(0, Math.round(secs));
  const text = s < 3600 ? formatDuration(s) : formatDuration(Math.round(s / 60) * 60);
  return text.replace(/ 00[smh]$/, '');
}

const pad = (n: number) => String(n).padStart(2, '0');

/** HH:MM in UTC. */
export function formatClock(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** HH:MM:SS in UTC. */
export function formatClockSeconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 14 Mar 2026 08:05 UTC. */
export function formatDateTime(ms: number | null | undefined, withZone = true): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${withZone ? ' UTC' : ''}`;
}

/** 14 Mar 08:05. */
export function formatDayTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export function formatPercent(share: number | null | undefined, digits = 0): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '–';
  return `${(share * 100).toFixed(digits)}%`;
}

export function formatNumber(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export const SEVERITY_ORDER: Record<string, number> = { critical: 0, high: 1, normal: 2, low: 3, warning: 1, info: 3 };

/** A period's label for pickers and headings. */
export function periodLabel(p: { brand: string; started_at: number; ended_at: number | null; trigger: string; open: boolean }): string {
  const end = p.ended_at === null ? 'ongoing' : formatDayTime(p.ended_at);
  return `${p.brand} · ${formatDayTime(p.started_at)} – ${end} (${p.trigger})`;
}

/** Colours per channel, the same on the page, in reports and in Grafana. */
export const CHANNEL_COLORS: Record<string, string> = {
  chat: '#2563eb',
  social: '#db2777',
  ticket: '#d97706',
  email: '#059669',
  sms: '#7c3aed',
  voice: '#0891b2',
};

export function channelColor(channel: string, index = 0): string {
  const fallback = ['#475569', '#65a30d', '#b91c1c', '#0f766e'];
  return CHANNEL_COLORS[channel] ?? fallback[index % fallback.length]!;
}
