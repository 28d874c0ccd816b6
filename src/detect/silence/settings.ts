/**
 * @module detect/silence/settings
 * View silence_gaps is plain SQL; the rules it shares with the live detector come from the pipeline
 * config and are written into the database whenever a pipeline opens it: the thresholds
 * (`silence_thresholds`), business hours (`silence_business_hours`), and three macros with the
 * values inlined (a constant pattern is compiled once; read from a table it is compiled per row,
 * thousands of times slower): silence_is_pleasantry, silence_is_pause, silence_clock_seconds.
 *
 * @example
 * await applySilenceSettings(db, parsePipelineConfig({}).detect.silence);
 */
import { MESSAGE_CHANNELS } from '../../contract/events.js';
import type { Database } from '../../store/database.js';
import { quoteLiteral } from '../../store/sql.js';
import { BusinessCalendar } from './calendar.js';
import type { BusinessHours, SilenceConfig } from './config.js';
import { pleasantryPattern } from './pleasantry.js';
import { SILENCE_SEVERITIES } from './tracker.js';

const ISO_DOW: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/** The (channel, severity, threshold) rows: severity 'none' where no severity is known. */
export function thresholdRows(cfg: SilenceConfig): { channel: string; severity: string; threshold_secs: number }[] {
  const c = cfg.customer;
  return MESSAGE_CHANNELS.flatMap((channel) =>
    SILENCE_SEVERITIES.map((severity) => ({
      channel,
      severity,
      threshold_secs: Math.min(c.channel_thresholds_secs[channel], severity === 'none' ? Number.POSITIVE_INFINITY : (c.severity_thresholds_secs[severity] ?? Number.POSITIVE_INFINITY)),
    })),
  );
}

/** SQL for the seconds of [a, b) inside a channel's business hours (days local to its zone). */
function calendarSql(bh: BusinessHours): string {
  const cal = new BusinessCalendar(bh);
  const tz = quoteLiteral(bh.timezone);
  const days = bh.days.map((d) => ISO_DOW[d]).join(', ');
  return `(SELECT coalesce(sum(greatest(0, epoch(least(b, w.hi) - greatest(a, w.lo)))), 0)
      FROM (SELECT timezone(${tz}, g.d + INTERVAL ${cal.fromMin} MINUTE) AS lo, timezone(${tz}, g.d + INTERVAL ${cal.toMin} MINUTE) AS hi
            FROM (SELECT unnest(generate_series(CAST(timezone(${tz}, a) AS DATE) - INTERVAL 1 DAY, CAST(timezone(${tz}, b) AS DATE) + INTERVAL 1 DAY, INTERVAL 1 DAY)) AS d) g
            WHERE isodow(g.d) IN (${days})) w)`;
}

/** The macro statements for a config. */
export function macroSql(cfg: SilenceConfig): string[] {
  const c = cfg.customer;
  const pleasantry = c.pleasantries
    ? `CREATE OR REPLACE MACRO silence_is_pleasantry(t) AS regexp_full_match(lower(t), ${quoteLiteral(pleasantryPattern(c.extra_pleasantries))})`
    : 'CREATE OR REPLACE MACRO silence_is_pleasantry(t) AS (t IS NULL AND t IS NOT NULL)';
  const pause =
    c.pause_statuses.length > 0
      ? `CREATE OR REPLACE MACRO silence_is_pause(status) AS lower(status) IN (${c.pause_statuses.map(quoteLiteral).join(', ')})`
      : 'CREATE OR REPLACE MACRO silence_is_pause(status) AS (status IS NULL AND status IS NOT NULL)';
  const calendars = Object.entries(c.business_hours).filter((e): e is [string, BusinessHours] => e[1] !== undefined);
  const clock =
    `CREATE OR REPLACE MACRO silence_clock_seconds(ch, a, b) AS CASE WHEN ch IS NULL OR b <= a THEN 0 ` +
    calendars.map(([ch, bh]) => `WHEN ch = ${quoteLiteral(ch)} THEN ${calendarSql(bh)} `).join('') +
    // Elapsed microseconds, not epoch(b - a): TIMESTAMPTZ subtraction goes through the session
    // calendar (slow over millions of gaps, and an hour off across DST in a non-UTC session).
    'ELSE (epoch_us(b) - epoch_us(a)) / 1000000 END';
  return [pleasantry, pause, clock];
}

/** Writes the thresholds, business hours, settings and macros of `cfg` into the database. */
export async function applySilenceSettings(db: Database, cfg: SilenceConfig): Promise<void> {
  const c = cfg.customer;
  await db.transaction(async () => {
    await db.run('DELETE FROM silence_thresholds');
    for (const r of thresholdRows(cfg)) await db.run('INSERT INTO silence_thresholds VALUES ($1, $2, $3)', [r.channel, r.severity, r.threshold_secs]);
    await db.run('DELETE FROM silence_business_hours');
    for (const [channel, bh] of Object.entries(c.business_hours)) {
      if (!bh) continue;
      const cal = new BusinessCalendar(bh);
      for (const d of bh.days) await db.run('INSERT INTO silence_business_hours VALUES ($1, $2, $3, $4, $5)', [channel, bh.timezone, ISO_DOW[d]!, cal.fromMin, cal.toMin]);
    }
    const settings: [string, string, string][] = [
      ['pleasantry_pattern', c.pleasantries ? pleasantryPattern(c.extra_pleasantries) : '', 'a lower-cased inbound message matching this in full is a closing pleasantry (detect.silence.customer.pleasantries)'],
      ['pause_statuses', c.pause_statuses.join(','), 'ticket statuses that pause the silence clock (detect.silence.customer.pause_statuses)'],
      ['warn_at', c.warn_at.join(','), 'fractions of the limit at which the live detector warns (detect.silence.customer.warn_at)'],
      ['brand_threshold_secs', String(cfg.brand.threshold_secs), 'brand silence limit during a crisis (detect.silence.brand.threshold_secs)'],
    ];
    for (const [key, value, description] of settings) {
      await db.run(
        'INSERT INTO silence_settings VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, description = excluded.description',
        [key, value, description],
      );
    }
  });
  // Macros are catalog entries: replaced outside the data transaction.
  for (const stmt of macroSql(cfg)) await db.run(stmt);
}
