/**
 * @module alert/summary
 * The sentence of a grouped notification: what a person paged at 3 a.m. reads first. Per rule, it
 * says how many, where, and the worst case ("214 customers waiting for a reply from aurora-air:
 * chat 120, social 70, ticket 24; longest 47 min").
 */
import type { GroupInfo, GroupView } from './engine.js';
import type { AlertInstance } from './sink.js';

/** 47 s, 12 min, 3 h 05 min, 2 d 4 h. */
export function formatDuration(secs: number): string {
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s} s`;
  if (s < 3600 - 30) return `${Math.round(s / 60)} min`;
  // Rounded as a whole first, so 2 d 23 h 59 min is "3 d", never "2 d 24 h".
  if (s < 86_400 - 30) {
    const mins = Math.round(s / 60);
    const h = Math.floor(mins / 60);
    const m = mins % 60;
    return m ? `${h} h ${String(m).padStart(2, '0')} min` : `${h} h`;
  }
  const hours = Math.round(s / 3600);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** "chat 120, social 70, ticket 24" from counts sorted most first. */
function shown(sorted: readonly [string, number][], label: string, limit = 5): string {
  // Spikes on a brand's total volume carry channel "*".
  const name = (k: string) => (k === '*' && label === 'channel' ? 'all channels' : k);
  const out = sorted.slice(0, limit).map(([k, n]) => `${name(k)} ${n}`);
  if (sorted.length > limit) out.push(`${sorted.length - limit} more`);
  return out.join(', ');
}

/** The same over a list of alerts (the resolved ones a notification tells about). */
function breakdown(alerts: readonly AlertInstance[], label: string, limit = 5): string {
  const counts = new Map<string, number>();
  for (const a of alerts) {
    const v = a.labels[label];
    if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return shown([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)), label, limit);
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

export function groupSummary(g: GroupInfo, v: GroupView): string {
  const held = v.inhibited > 0 ? ` (${v.inhibited} more held back while a brand-level alert fires)` : '';
  const abandoned = v.resolved.filter((a) => a.values.abandoned === 1).length;
  const resolvedNote =
    v.resolved.length > 0 && v.firing > 0 ? `; ${v.resolved.length} resolved since the last notification${abandoned > 0 ? ` (${abandoned} abandoned: no activity for days)` : ''}` : '';
  if (v.firing === 0) {
    switch (g.rule) {
      case 'customer_silence':
        return resolvedSilences(g.brand, v.resolved);
      case 'spike':
        return `Resolved: upset volume back to normal for ${g.brand} (${breakdown(v.resolved, 'channel')})`;
      default:
        return `Resolved: ${plural(v.resolved.length, `${g.rule} alert`, `${g.rule} alerts`)} for ${g.brand}`;
    }
  }
  const wait = v.longestWaitSecs;
  const longest = wait !== undefined ? `; longest ${formatDuration(wait)}` : '';
  const by = (label: string) => {
    const b = shown(v.breakdown(label), label);
    return b ? `: ${b}` : '';
  };
  switch (g.rule) {
    case 'customer_silence':
      return `${plural(v.firing, 'customer', 'customers')} waiting for a reply from ${g.brand}${by('channel')}${longest}${held}${resolvedNote}`;
    case 'customer_silence_warning':
      return `${plural(v.firing, 'customer', 'customers')} close to the reply target at ${g.brand}${by('channel')}${longest}${held}${resolvedNote}`;
    case 'spike':
      return `Upset volume spiking for ${g.brand} on ${plural(v.firing, 'channel', 'channels')}${by('channel')}${resolvedNote}`;
    case 'promise':
      return `${plural(v.firing, 'promise', 'promises')} to ${g.brand} customers broken${by('kind')}${held}${resolvedNote}`;
    default:
      return `${plural(v.firing, `${g.rule} alert`, `${g.rule} alerts`)} firing for ${g.brand}: ${v.sample[0]?.summary ?? ''}${v.firing > 1 ? ` (and ${v.firing - 1} more)` : ''}${held}${resolvedNote}`;
  }
}

/**
 * Resolved customer silences: answered (a reply, or the case solved), or abandoned (nobody wrote
 * or answered for abandon_after_secs: the detector stopped tracking them; they stay unanswered in
 * view silence_gaps).
 */
function resolvedSilences(brand: string, resolved: readonly AlertInstance[]): string {
  let abandoned = 0;
  let after: number | undefined;
  for (const a of resolved) {
    if (a.values.abandoned !== 1) continue;
    abandoned++;
    after ??= a.values.abandon_after_secs;
  }
  const idle = after !== undefined ? `no reply and no activity for ${formatDuration(after)}` : 'no reply and no activity for days';
  const answered = resolved.length - abandoned;
  if (abandoned === 0) return `Resolved: ${plural(answered, 'customer', 'customers')} of ${brand} got a reply`;
  if (answered === 0) return `Resolved: ${plural(abandoned, 'customer silence', 'customer silences')} of ${brand} abandoned (${idle}); still unanswered in silence_gaps`;
  return `Resolved: ${plural(answered, 'customer', 'customers')} of ${brand} got a reply; ${abandoned} abandoned (${idle}; still unanswered in silence_gaps)`;
}
