/**
 * @module cli/format
 * Query results for a terminal (aligned table), for spreadsheets (CSV, RFC 4180) or for programs (JSON lines).
 */
export type OutputFormat = 'table' | 'csv' | 'json';

type Row = Record<string, unknown>;

/** JSON-safe value: BIGINT as a number when exact (else a string), times as ISO 8601. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return v;
}

export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(jsonValue(v));
}

export function csvField(v: unknown): string {
  const s = cellText(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(columns: string[], rows: Row[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c])).join(','));
  return lines.join('\n') + '\n';
}

/** Terminal-safe: control characters (and bidi overrides) in customer text cannot move the cursor. */
function safe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => (c === '\n' ? '⏎' : '�'));
}

export function toTable(columns: string[], rows: Row[], maxWidth = 60): string {
  const cells = rows.map((r) => columns.map((c) => {
    const s = safe(cellText(r[c]));
    return s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s;
  }));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join(' │ ').trimEnd();
  const out = [line(columns), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...cells.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}

export function formatRows(format: OutputFormat, columns: string[], rows: Row[]): string {
  switch (format) {
    case 'csv':
      return toCsv(columns, rows);
    case 'json':
      return rows.map((r) => JSON.stringify(jsonValue(r))).join('\n') + (rows.length ? '\n' : '');
    default:
      return toTable(columns, rows);
  }
}
