/**
 * @module detect/promises/extract
 * Finds the promises in an agent's message: a sentence with a commitment cue ("I'll", "le
 * llamamos", "перезвоним", "سنتصل", "いたします") and a time it falls due ("within 2 hours", "by 5pm",
 * "in 5 business days", "mañana"), resolved against the message time in the customer's time zone.
 * Pure: the same text, time and zone always give the same promises.
 *
 * @example
 * extractPromises('I will call you back within 2 hours.', { madeAt: Date.parse('2026-03-14T08:30:00Z') });
 * // → [{ kind: 'callback', dueAt: Date.parse('2026-03-14T10:30:00Z'), lang: 'en', matched: 'within 2 hours', ... }]
 */
import type { PromiseKind } from '../../contract/events.js';
import { candidateLanguages, LANGUAGES, PROMISE_LANGUAGES, type LanguageRules, type PromiseLanguage } from './languages.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const UNIT_MS = { minute: MINUTE, hour: 60 * MINUTE, day: DAY, week: 7 * DAY } as const;

export interface ExtractOptions {
  /** The message time, epoch ms. */
  madeAt: number;
  /** Minutes east of UTC of the customer's local time (default 0). */
  offsetMinutes?: number;
  /** The message's declared language (BCP 47), if any. */
  lang?: string;
  /** Languages to read (default all supported). */
  languages?: readonly PromiseLanguage[];
  /** Due times further ahead than this are not promises (default 60 days). */
  maxHorizonMs?: number;
}

export interface ExtractedPromise {
  kind: PromiseKind;
  /** Epoch ms. */
  dueAt: number;
  lang: PromiseLanguage;
  /** The time phrase that set the due time. */
  matched: string;
  /** The sentence the promise was made in. */
  sentence: string;
  /** 0-based position of the promise among those of the message (stable id part). */
  index: number;
}

interface Candidate {
  index: number;
  end: number;
  text: string;
  due: number;
}

/** Splits text into sentences (Latin, Arabic and CJK punctuation, line breaks). */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?؟])\s+|[\n\r]+|(?<=[。！？])/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Local calendar parts of an instant at a fixed offset. */
function local(ms: number, offsetMinutes: number): Date {
  return new Date(ms + offsetMinutes * MINUTE);
}

/** The last second of the local day containing `ms`. */
export function endOfLocalDay(ms: number, offsetMinutes: number): number {
  const d = local(ms, offsetMinutes);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 23, 59, 59) - offsetMinutes * MINUTE;
}

/** `ms` moved forward by n local weekdays (Saturday and Sunday skipped), same time of day. */
export function addBusinessDays(ms: number, n: number, offsetMinutes: number): number {
  let t = ms;
  let left = n;
  while (left > 0) {
    t += DAY;
    const wd = local(t, offsetMinutes).getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return t;
}

/** Local time of day set on the local day of `ms`. */
function atLocalTime(ms: number, offsetMinutes: number, hour: number, minute = 0, second = 0): number {
  const d = local(ms, offsetMinutes);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour, minute, second) - offsetMinutes * MINUTE;
}

function toNumber(word: string, rules: LanguageRules): number | undefined {
  const digits = word.replace(/[٠-٩]/g, (c) => String(c.charCodeAt(0) - 0x0660));
  if (/^\d+$/.test(digits)) return Number.parseInt(digits, 10);
  return rules.numbers?.[word.toLowerCase()];
}

/** Deadlines a part of the day implies when only the day is certain ("tomorrow morning"). */
const PART_OF_DAY: [string, number][] = [
  ['casualReference/morning', 12],
  ['casualReference/noon', 12],
  ['casualReference/afternoon', 18],
  ['casualReference/evening', 21],
];

/** Time phrases of one sentence, each resolved to a due time. */
function candidates(sentence: string, rules: LanguageRules, madeAt: number, off: number): Candidate[] {
  const out: Candidate[] = [];
  const own = (re: RegExp | undefined, due: (m: RegExpExecArray) => number | undefined) => {
    if (!re) return;
    const m = re.exec(sentence);
    if (!m) return;
    const d = due(m);
    if (d !== undefined) out.push({ index: m.index, end: m.index + m[0].length, text: m[0], due: d });
  };
  own(rules.businessDays, (m) => {
    const n = toNumber(m[1]!, rules);
    return n === undefined ? undefined : addBusinessDays(madeAt, n, off);
  });
  own(rules.endOfDay, () => endOfLocalDay(madeAt, off));
  own(rules.relative, (m) => {
    const n = toNumber(m[1]!, rules);
    const unit = rules.units?.[m[2]!.toLowerCase()];
    return n === undefined || !unit ? undefined : madeAt + n * UNIT_MS[unit];
  });

  const results = rules.chrono.parse(sentence, { instant: new Date(madeAt), timezone: off }, { forwardDate: true });
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    const start = r.index;
    const end = r.index + r.text.length;
    // Our own phrases win where they overlap (chrono reads "5" of "5 business days" as a time).
    if (out.some((c) => start < c.end && end > c.index)) continue;
    const tags = r.tags();
    let due = r.start.date().getTime();
    let text = r.text;
    let last = end;
    if (!tags.has('result/relativeDate') && !r.start.isCertain('hour')) {
      const next = results[i + 1];
      const gap = next ? next.index - end : Number.POSITIVE_INFINITY;
      if (next && gap <= 8 && next.start.isCertain('hour') && !next.start.isCertain('day')) {
        // "demain avant 17h": chrono reads a day and a time apart; the promise means both.
        const h = next.start.get('hour') ?? 0;
        const mi = next.start.get('minute') ?? 0;
        due = atLocalTime(due, off, h, mi);
        text = sentence.slice(start, next.index + next.text.length);
        last = next.index + next.text.length;
        i++;
      } else {
        const part = PART_OF_DAY.find(([tag]) => tags.has(tag));
        // A day without a time ("tomorrow", "lunes") is due by the end of that day.
        due = part ? atLocalTime(due, off, part[1]) : endOfLocalDay(due, off);
      }
    }
    out.push({ index: start, end: last, text, due });
  }
  return out.sort((a, b) => a.index - b.index);
}

function kindOf(sentence: string, rules: LanguageRules): PromiseKind {
  for (const [kind, re] of rules.kinds) if (re.test(sentence)) return kind;
  return 'other';
}

/** Whether the text has a commitment cue (a plain future counts only with a kind word). */
function committed(text: string, rules: LanguageRules): boolean {
  return rules.cue.test(text) || (rules.weakCue !== undefined && rules.weakCue.test(text) && rules.kinds.some(([, re]) => re.test(text)));
}

/** The promises an outbound message makes, at most one per sentence, in text order. */
export function extractPromises(text: string, options: ExtractOptions): ExtractedPromise[] {
  const madeAt = options.madeAt;
  const off = options.offsetMinutes ?? 0;
  const horizon = options.maxHorizonMs ?? 60 * DAY;
  const langs = candidateLanguages(text, options.lang, options.languages ?? PROMISE_LANGUAGES);
  if (langs.length === 0) return [];
  // Most replies promise nothing: when no language's cue is anywhere in the text, no sentence has
  // one (a sentence is a stretch of the text, and the patterns bound words only by what is not a
  // letter or digit, which sentence breaks are not), so splitting and testing each sentence is skipped.
  if (!langs.some((lang) => committed(text, LANGUAGES[lang]))) return [];
  const found: ExtractedPromise[] = [];
  for (const sentence of splitSentences(text)) {
    // A question offers or asks ("Can we call you back in 10 minutes?"); it promises nothing.
    if (/[?？؟]$/u.test(sentence)) continue;
    for (const lang of langs) {
      const rules = LANGUAGES[lang];
      if (rules.negation?.test(sentence)) continue;
      if (!committed(sentence, rules)) continue;
      const due = candidates(sentence, rules, madeAt, off).find((c) => c.due > madeAt && c.due <= madeAt + horizon);
      if (!due) continue;
      found.push({ kind: kindOf(sentence, rules), dueAt: due.due, lang, matched: due.text, sentence, index: found.length });
      break;
    }
  }
  return found;
}

/** Minutes east of UTC written in an ISO time ("...+05:30" → 330); undefined for Z, +00:00 or none. */
export function offsetOfIsoTime(ts: unknown): number | undefined {
  if (typeof ts !== 'string') return undefined;
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(ts);
  if (!m) return undefined;
  const minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return minutes === 0 ? undefined : minutes;
}

const QUARTER_HOUR = 15 * MINUTE;
/** Cached quarter hours kept per zone before the cache starts over (a replay walks forward in time). */
const MAX_QUARTERS = 4096;

interface ZoneOffsets {
  format: Intl.DateTimeFormat;
  /** Quarter hour index (epoch ms / 15 min) → offset over all of it. */
  quarters: Map<number, number>;
  lastQuarter: number;
  lastOffset: number;
}

const zoneOffsets = new Map<string, ZoneOffsets>();

/**
 * Minutes east of UTC of an IANA zone at an instant (daylight saving included).
 *
 * Asking Intl costs microseconds, and the promise stage asks for every public reply: the offset is
 * cached per zone and quarter hour when it is the same at both ends of that quarter hour (every
 * change of offset in use today falls on a quarter hour boundary, so the cache holds whole quarter
 * hours; a historic change inside one is computed per instant, uncached).
 */
export function zoneOffsetMinutes(zone: string, at: number): number {
  let z = zoneOffsets.get(zone);
  if (!z) {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneOffsets.set(zone, (z = { format, quarters: new Map(), lastQuarter: Number.NaN, lastOffset: 0 }));
  }
  const q = Math.floor(at / QUARTER_HOUR);
  if (q === z.lastQuarter) return z.lastOffset;
  let off = z.quarters.get(q);
  if (off === undefined) {
    const start = q * QUARTER_HOUR;
    off = intlOffsetMinutes(z.format, start);
    if (intlOffsetMinutes(z.format, start + QUARTER_HOUR - 1) !== off) return intlOffsetMinutes(z.format, at);
    if (z.quarters.size >= MAX_QUARTERS) z.quarters.clear();
    z.quarters.set(q, off);
  }
  z.lastQuarter = q;
  z.lastOffset = off;
  return off;
}

/** The offset as Intl tells it: the zone's wall clock at `at` minus UTC, in whole minutes. */
function intlOffsetMinutes(f: Intl.DateTimeFormat, at: number): number {
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((wall - Math.floor(at / 1000) * 1000) / MINUTE);
}

/** True when `zone` is an IANA time zone name this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
