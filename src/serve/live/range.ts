/**
 * @module serve/live/range
 * The time range the page and the reports show, from query parameters: `range=live` with `hours`
 * (a window ending at the newest data, default), `range=all`, `period=<period_id>` (one crisis
 * period of view crisis_periods, with some context before and after), or `from`/`to` (ISO times).
 * Bad values are refused with a message that quotes them and says what to send instead.
 *
 * @example
 * const r = parseRange(new URL('http://x/?period=aurora-air/2026-03-14T08:05Z').searchParams);
 * // → { mode: 'period', periodId: 'aurora-air/2026-03-14T08:05Z', ... }
 */
import type { RangeInfo } from './page/types.js';

export class RangeRequestError extends Error {
  readonly retriable = false;
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = 'RangeRequestError';
  }
}

export interface RangeRequest {
  mode: RangeInfo['mode'];
  hours: number;
  periodId?: string;
  from?: number;
  to?: number;
  brand?: string;
}

export const DEFAULT_LIVE_HOURS = 6;
export const MAX_LIVE_HOURS = 24 * 90;

function parseTime(name: string, value: string): number {
  // Epoch milliseconds or an ISO 8601 time with a zone.
  const ms = /^\d{10,}$/.test(value) ? Number(value) : /(Z|[+-]\d\d:?\d\d)$/i.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new RangeRequestError(`${name}=${JSON.stringify(value)} is not a time: send an ISO 8601 time with its zone (2026-03-14T08:00:00Z) or epoch milliseconds`);
  }
  return ms;
}

/** Reads brand and range from query parameters. */
export function parseRange(params: URLSearchParams): RangeRequest {
  const brand = params.get('brand')?.trim() || undefined;
  const period = params.get('period')?.trim() || undefined;
  const fromText = params.get('from')?.trim() || undefined;
  const toText = params.get('to')?.trim() || undefined;
  const hoursText = params.get('hours')?.trim() || undefined;
  let hours = DEFAULT_LIVE_HOURS;
  if (hoursText !== undefined) {
    hours = Number(hoursText);
    if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_LIVE_HOURS) {
      throw new RangeRequestError(`hours=${JSON.stringify(hoursText)} is not a window length: send a number of hours between 0 and ${MAX_LIVE_HOURS}, e.g. hours=6`);
    }
  }
  const explicit = params.get('range')?.trim() || undefined;
  const mode = explicit ?? (period ? 'period' : fromText || toText ? 'custom' : 'live');
  switch (mode) {
    case 'live':
    case 'all':
      return { mode, hours, ...(brand ? { brand } : {}) };
    case 'period':
      if (!period) throw new RangeRequestError('range=period needs period=<period_id> (a period_id of view crisis_periods, e.g. period=aurora-air/2026-03-14T08:05Z)');
      return { mode, hours, periodId: period, ...(brand ? { brand } : {}) };
    case 'custom': {
      if (!fromText || !toText) throw new RangeRequestError('a custom range needs both from= and to= (ISO 8601 times with their zone, e.g. from=2026-03-14T08:00:00Z&to=2026-03-14T12:00:00Z)');
      const from = parseTime('from', fromText);
      const to = parseTime('to', toText);
      if (to <= from) throw new RangeRequestError(`to=${toText} is not after from=${fromText}: swap them`);
      return { mode, hours, from, to, ...(brand ? { brand } : {}) };
    }
    default:
      throw new RangeRequestError(`range=${JSON.stringify(mode)} is not a range: send range=live (with hours=N), range=all, period=<period_id>, or from= and to=`);
  }
}

/** The query string that selects the same range (for reconnecting, links and reports). */
export function rangeQuery(r: RangeRequest, brand?: string | null): string {
  const p = new URLSearchParams();
  const b = brand ?? r.brand;
  if (b) p.set('brand', b);
  switch (r.mode) {
    case 'live':
      p.set('range', 'live');
      if (r.hours !== DEFAULT_LIVE_HOURS) p.set('hours', String(r.hours));
      break;
    case 'all':
      p.set('range', 'all');
      break;
    case 'period':
      p.set('period', r.periodId!);
      break;
    case 'custom':
      p.set('from', new Date(r.from!).toISOString());
      p.set('to', new Date(r.to!).toISOString());
      break;
  }
  return p.toString();
}

/** Context shown around a crisis period: a fifth of its length, between 10 and 60 minutes. */
export function periodPaddingMs(durationMs: number): number {
  return Math.min(60, Math.max(10, durationMs / 60_000 / 5)) * 60_000;
}
