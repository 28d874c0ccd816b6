/**
 * @module export/outreach
 * The proactive outreach list of one incident (view silent_sufferers) as CSV for a CRM or a
 * spreadsheet: affected customers who have not written in since they were affected.
 *
 * @example
 * const { csv, rows } = await outreachCsv(db, { incidentId: 'INC-2026-0314-CHECKIN', unreachedOnly: true });
 */
import { toCsv } from '../cli/format.js';
import type { Database } from '../store/database.js';
import { ExportError } from './parquet.js';

export const OUTREACH_COLUMNS = ['brand', 'incident_id', 'customer_id', 'impacted_at', 'impact_severity', 'reached', 'reached_out_at', 'silent_seconds'] as const;

export interface OutreachOptions {
  incidentId: string;
  /** Only customers the brand has not reached yet. */
  unreachedOnly?: boolean;
  /** Only this brand (incident ids are usually unique already). */
  brand?: string;
}

/**
 * A spreadsheet runs a cell that starts with = + - @ as a formula; customer ids come from other
 * systems, so such cells are prefixed with an apostrophe (OWASP's advice for CSV injection).
 */
function neutralize(v: unknown): unknown {
  return typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

export async function outreachCsv(db: Database, o: OutreachOptions): Promise<{ csv: string; rows: number }> {
  const known = await db.query<{ incident_id: string; brand: string; affected: bigint }>(
    'SELECT incident_id, brand, affected FROM proactive_coverage WHERE incident_id IS NOT NULL ORDER BY affected DESC, incident_id',
  );
  if (!known.some((k) => k.incident_id === o.incidentId && (o.brand === undefined || k.brand === o.brand))) {
    const list = known.slice(0, 10).map((k) => `${k.incident_id} (${k.brand}, ${k.affected} affected)`).join(', ');
    throw new ExportError(
      `no affected customers recorded for incident ${JSON.stringify(o.incidentId)}${o.brand ? ` of brand ${JSON.stringify(o.brand)}` : ''}; ` +
        (list ? `incidents with impact events: ${list}` : 'the database has no impact events yet'),
    );
  }
  const reader = await db.connection.runAndReadAll(
    `SELECT ${OUTREACH_COLUMNS.join(', ')} FROM silent_sufferers
     WHERE incident_id = $1 AND ($2::VARCHAR IS NULL OR brand = $2) AND (NOT $3 OR NOT reached)
     ORDER BY impacted_at, customer_id`,
    [o.incidentId, o.brand ?? null, o.unreachedOnly ?? false],
  );
  const rows = (reader.getRowObjectsJS() as Record<string, unknown>[]).map((r) => ({ ...r, customer_id: neutralize(r.customer_id) }));
  return { csv: toCsv([...OUTREACH_COLUMNS], rows), rows: rows.length };
}
