/**
 * @module alert/summary
 * The sentence of a grouped notification: what a person paged at 3 a.m. reads first. Per rule, it
 * says how many, where, and the worst case ("214 customers waiting for a reply from aurora-air:
 * chat 120, social 70, ticket 24; longest 47 min").
 */
import type { GroupInfo } from './engine.js';
import type { AlertInstance } from './sink.js';

/** 47 s, 12 min, 3 h 05 min, 2 d 4 h. */
export function formatDuration(secs: number): string {
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.round((s % 3600) / 60);
    return m ? `${h} h ${String(m).padStart(2, '0')} min` : `${h} h`;
  }
  const d = Math.floor(s / 86_400);
  const h = Math.round((s % 86_400) / 3600);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** "chat 120, social 70, ticket 24" by a label, most first. */
function breakdown(alerts: readonly AlertInstance[], label: string, limit = 5): string {
  const counts = new Map<string, number>();
  for (const a of alerts) {
    const raw = a.labels[label];
    // Spikes on a brand's total volume carry channel "*".
    const v = raw === '*' && label === 'channel' ? 'all channels' : raw;
    if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = sorted.slice(0, limit).map(([k, n]) => `${k} ${n}`);
  if (sorted.length > limit) shown.push(`${sorted.length - limit} more`);
  return shown.join(', ');
}

/**
 * The longest wait among firing alerts at `now`, in seconds. Detectors report the wait when the
 * alert fired (`*wait*_secs`, `*silen*_secs`); a wait still going on has grown since.
 */
export function longestWaitSecs(alerts: readonly AlertInstance[], now?: number): number | undefined {
  let max: number | undefined;
  for (const a of alerts) {
    const grown = now !== undefined && a.state === 'firing' ? Math.max(0, (now - a.startsAt) / 1000) : 0;
    for (const [k, v] of Object.entries(a.values)) {
      if (!/(wait|silen|gap|quiet)[a-z_]*secs$/.test(k)) continue;
      const w = v + grown;
      if (max === undefined || w > max) max = w;
    }
  }
  return max;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function groupSummary(g: GroupInfo, firing: AlertInstance[], resolved: AlertInstance[], inhibited: number): string {
  const held = inhibited > 0 ? ` (${inhibited} more held back while a brand-level alert fires)` : '';
  const resolvedNote = resolved.length > 0 && firing.length > 0 ? `; ${resolved.length} resolved since the last notification` : '';
  if (firing.length === 0) {
    switch (g.rule) {
      case 'customer_silence':
        return `Resolved: ${plural(resolved.length, 'customer', 'customers')} of ${g.brand} got a reply`;
      case 'spike':
        return `Resolved: upset volume back to normal for ${g.brand} (${breakdown(resolved, 'channel')})`;
      default:
        return `Resolved: ${plural(resolved.length, `${g.rule} alert`, `${g.rule} alerts`)} for ${g.brand}`;
    }
  }
  const wait = longestWaitSecs(firing, g.at);
  const longest = wait !== undefined ? `; longest ${formatDuration(wait)}` : '';
  const by = (label: string) => {
    const b = breakdown(firing, label);
    return b ? `: ${b}` : '';
  };
  switch (g.rule) {
    case 'customer_silence':
      return `${plural(firing.length, 'customer', 'customers')} waiting for a reply from ${g.brand}${by('channel')}${longest}${held}${resolvedNote}`;
    case 'customer_silence_warning':
      return `${plural(firing.length, 'customer', 'customers')} close to the reply target at ${g.brand}${by('channel')}${longest}${held}${resolvedNote}`;
    case 'spike':
      return `Upset volume spiking for ${g.brand} on ${plural(firing.length, 'channel', 'channels')}${by('channel')}${resolvedNote}`;
    case 'promise':
      return `${plural(firing.length, 'promise', 'promises')} to ${g.brand} customers broken${by('kind')}${held}${resolvedNote}`;
    default:
      return `${plural(firing.length, `${g.rule} alert`, `${g.rule} alerts`)} firing for ${g.brand}: ${firing[0]!.summary}${firing.length > 1 ? ` (and ${firing.length - 1} more)` : ''}${held}${resolvedNote}`;
  }
}
