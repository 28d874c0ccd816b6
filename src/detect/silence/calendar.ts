/**
 * @module detect/silence/calendar
 * Business hours of a channel: how much of a wait falls inside them, and when a wait of so much
 * open time ends. Local days in an IANA time zone (daylight saving included), the same rule view
 * silence_gaps applies in SQL (macro silence_clock_seconds).
 *
 * @example
 * const cal = new BusinessCalendar({ timezone: 'Europe/Lisbon', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' });
 * cal.openMs(Date.parse('2026-03-13T16:00:00Z'), Date.parse('2026-03-16T10:00:00Z')); // Fri 1 h + Mon 1 h
 */
import type { BusinessHours, Weekday } from './config.js';

const MIN = 60_000;
const DAY = 86_400_000;
/** Date.getUTCDay() (0 = Sunday) of each weekday name. */
const DOW: Record<Weekday, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC in `timeZone` at the instant `ms`. */
export function offsetMinutes(timeZone: string, ms: number): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((local - Math.floor(ms / 1000) * 1000) / MIN);
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export class BusinessCalendar {
  private readonly days: Set<number>;
  readonly fromMin: number;
  readonly toMin: number;

  constructor(readonly hours: BusinessHours) {
    this.days = new Set(hours.days.map((d) => DOW[d]));
    this.fromMin = minutesOf(hours.from);
    this.toMin = minutesOf(hours.to);
  }

  /** The UTC instant of a local wall time (local ms as if UTC), as ICU resolves it. */
  private toUtc(localMs: number): number {
    const guess = localMs - offsetMinutes(this.hours.timezone, localMs) * MIN;
    return localMs - offsetMinutes(this.hours.timezone, guess) * MIN;
  }

  /** Local midnight (as local ms) of the day holding instant `ms`. */
  private localDay(ms: number): number {
    return Math.floor((ms + offsetMinutes(this.hours.timezone, ms) * MIN) / DAY) * DAY;
  }

  /** Open windows [from, to) in UTC overlapping [a, b), in order. */
  private *windows(a: number, limitDays = Number.POSITIVE_INFINITY): Generator<[number, number]> {
    let day = this.localDay(a) - DAY;
    for (let i = 0; i < limitDays; i++, day += DAY) {
      if (!this.days.has(new Date(day).getUTCDay())) continue;
      const from = this.toUtc(day + this.fromMin * MIN);
      const to = this.toUtc(day + this.toMin * MIN);
      if (to <= a) continue;
      yield [Math.max(from, a), to];
    }
  }

  /** Milliseconds of [a, b) inside business hours. */
  openMs(a: number, b: number): number {
    if (!(b > a)) return 0;
    let sum = 0;
    for (const [from, to] of this.windows(a)) {
      if (from >= b) break;
      sum += Math.min(to, b) - from;
    }
    return sum;
  }

  /** The instant at which `ms` of business time have passed since `a` (a itself for 0). */
  addOpen(a: number, ms: number): number {
    if (ms <= 0) return a;
    let left = ms;
    // Open days exist (days is not empty), so this ends within a few weeks of iterations.
    for (const [from, to] of this.windows(a, 3700)) {
      if (to - from >= left) return from + left;
      left -= to - from;
    }
    return Number.POSITIVE_INFINITY;
  }
}
