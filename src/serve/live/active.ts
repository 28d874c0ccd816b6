/**
 * @module serve/live/active
 * The conditions detectors report as holding now (open silences, active spikes, broken promises),
 * kept from the stream of detections: `warning` and `firing` open or update a condition,
 * `resolved` ends it. The live page and the open-silences gauge read it between batches, so a
 * waiting time can tick without waiting for the next event.
 *
 * @example
 * const active = new ActiveDetections();
 * active.apply(info.detections);
 * active.list('customer_silence');
 */
import type { Detection } from '../../pipeline/stage.js';

/** Detection kinds that stand for the same thing (the alert engine accepts `silence` too). */
const KIND_ALIASES: Record<string, string> = { silence: 'customer_silence' };

export function canonicalKind(kind: string): string {
  return KIND_ALIASES[kind] ?? kind;
}

/** When a condition started: detectors report how long it has held (`wait_secs`) or since when. */
function sinceOf(d: Detection): number {
  const v = d.values ?? {};
  if (typeof v.since_ms === 'number') return v.since_ms;
  // gap_secs is wall time; wait_secs may count business hours only.
  const secs = v.gap_secs ?? v.silent_secs ?? v.wait_secs ?? v.waiting_secs;
  return typeof secs === 'number' ? d.at - secs * 1000 : d.at;
}

export interface ActiveCondition {
  kind: string;
  key: string;
  brand: string;
  state: 'warning' | 'firing';
  /** When the condition first became active (warning or firing), epoch ms. */
  since: number;
  /** When it last changed state. */
  at: number;
  severity: Detection['severity'];
  summary: string;
  labels: Record<string, string>;
  values: Record<string, number>;
}

export class ActiveDetections {
  private readonly byKey = new Map<string, ActiveCondition>();
  /** Bounded so a detector that never resolves cannot grow memory without limit. */
  constructor(private readonly maxConditions = 50_000) {}

  apply(detections: readonly Detection[]): void {
    for (const d of detections) {
      const kind = canonicalKind(d.kind);
      const id = `${kind}\0${d.key}`;
      if (d.state === 'resolved') {
        this.byKey.delete(id);
        continue;
      }
      const prev = this.byKey.get(id);
      const since = prev?.since ?? sinceOf(d);
      this.byKey.delete(id); // re-insert: the map keeps recency order for eviction
      this.byKey.set(id, { kind, key: d.key, brand: d.brand, state: d.state, since, at: d.at, severity: d.severity, summary: d.summary, labels: { ...d.labels }, values: { ...d.values } });
      if (this.byKey.size > this.maxConditions) this.byKey.delete(this.byKey.keys().next().value!);
    }
  }

  /** Active conditions, optionally of one kind and brand. */
  list(kind?: string, brand?: string): ActiveCondition[] {
    const out: ActiveCondition[] = [];
    for (const c of this.byKey.values()) if ((kind === undefined || c.kind === kind) && (brand === undefined || c.brand === brand)) out.push(c);
    return out;
  }

  /** Number of active conditions per brand and kind (only those in `state`, if given). */
  counts(kinds?: readonly string[], state?: ActiveCondition['state']): { brand: string; kind: string; count: number }[] {
    const m = new Map<string, { brand: string; kind: string; count: number }>();
    for (const c of this.byKey.values()) {
      if (kinds && !kinds.includes(c.kind)) continue;
      if (state && c.state !== state) continue;
      const k = `${c.brand}\0${c.kind}`;
      const e = m.get(k);
      if (e) e.count++;
      else m.set(k, { brand: c.brand, kind: c.kind, count: 1 });
    }
    return [...m.values()];
  }

  get size(): number {
    return this.byKey.size;
  }
}
