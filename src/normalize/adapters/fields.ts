/**
 * @module normalize/adapters/fields
 * Small readers shared by the adapters: they pull ids, times and text out of foreign JSON without
 * throwing, and say precisely what was wrong when a field is unusable.
 */
import { showValue } from '../reasons.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `v` as an object, or an empty one (for optional nested objects). */
export function obj(v: unknown): Json {
  return isObject(v) ? v : {};
}

/** A value quoted for a reason (`"asap"`, `42`, `null`); an absent one is "missing". */
export function describe(v: unknown): string {
  return v === undefined ? 'missing' : showValue(v);
}

/** What a non-object record is, for the "expected a JSON object" reason. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/**
 * An id as a string: platforms send ids as numbers or strings (Zendesk numbers, X strings). Floats
 * with a zero fraction (`3.0`, as spreadsheets and pandas re-export them) become integers.
 */
export function idOf(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : undefined) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (s === '') return undefined;
  const float = /^(\d+)\.0+$/.exec(s);
  return float ? float[1] : s;
}

/** A non-empty trimmed string, or undefined. */
export function text(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  return v.trim() === '' ? undefined : v;
}

const MONTHS: Record<string, string> = {
  jan: '01', feb: '02', mar: '03', apr: '04', may: '05', jun: '06',
  jul: '07', aug: '08', sep: '09', oct: '10', nov: '11', dec: '12',
};

/**
 * Reads the time formats the platforms use, to epoch milliseconds:
 * - ISO 8601 with an offset (`2026-03-14T10:00:00Z`, X, Zendesk, Chatwoot);
 * - `2026-03-14 10:00:00 UTC` and `2026-03-14 10:00:00 +0000` (Chatwoot, Rails);
 * - `Tue Oct 31 22:10:47 +0000 2017` (Twitter v1.1, the TWCS dataset);
 * - epoch seconds or milliseconds as a number (Intercom, Zendesk `timestamp`, Chatwoot).
 * Validity of the range is left to the contract's schema, which explains it.
 */
export function timeOf(v: unknown): { ms: number } | { error: string } {
  if (v === undefined || v === null) return { error: `is ${describe(v)}, expected a time` };
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) return { error: `expected a time, got ${describe(v)}` };
    // Below 1e11 a value is seconds (1e11 ms is 1973; 1e11 s is the year 5138).
    return { ms: v < 1e11 ? Math.round(v * 1000) : Math.round(v) };
  }
  if (typeof v !== 'string' || v.trim() === '') return { error: `expected a time, got ${describe(v)}` };
  const s = v.trim();
  if (/^\d{9,13}(\.\d+)?$/.test(s)) return timeOf(Number(s));
  let iso = s;
  const rails = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(UTC|Z|[+-]\d{2}:?\d{2})$/i.exec(s);
  if (rails) iso = `${rails[1]}T${rails[2]}${rails[3]!.toUpperCase() === 'UTC' ? 'Z' : rails[3]}`;
  const twitter = /^[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{4}) (\d{4})$/.exec(s);
  if (twitter) {
    const month = MONTHS[twitter[1]!.toLowerCase()];
    if (!month) return { error: `unknown month in time ${describe(v)}` };
    iso = `${twitter[5]}-${month}-${twitter[2]!.padStart(2, '0')}T${twitter[3]}${twitter[4]}`;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(iso)) {
    return { error: `expected a time with an offset (ISO 8601, "2026-03-14 10:00:00 UTC" or epoch seconds), got ${describe(v)}` };
  }
  // Date.parse wants "+00:00", not "+0000".
  const ms = Date.parse(iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(ms)) return { error: `not a valid date: ${describe(v)}` };
  return { ms };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * Plain text from the small HTML platforms put in message bodies (Intercom's `<p>`, `<br>`,
 * links): block ends become line breaks, tags go, entities are decoded. Not a general HTML parser;
 * message bodies are simple.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<\s*br\s*\/?>/gi, '\n')
    .replace(/<\/\s*(p|div|li|h[1-6]|blockquote|pre|tr)\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Builds an event with its optional fields left out when undefined (keeps the raw JSON tidy). */
export function compact<T extends Json>(e: T): T {
  // A fresh object rather than `delete`: deleting keys turns objects slow for everything after.
  const out: Json = {};
  for (const k in e) if (e[k] !== undefined) out[k] = e[k];
  return out as T;
}

/** A set of brand accounts for case-insensitive matching; handles lose a leading "@". */
export function accountSet(accounts: readonly string[] | undefined): Set<string> {
  return new Set((accounts ?? []).map(normalizeAccount).filter((a) => a !== ''));
}

export function normalizeAccount(a: string): string {
  return a.trim().replace(/^@/, '').toLowerCase();
}
