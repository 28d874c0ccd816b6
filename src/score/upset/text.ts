/**
 * @module score/upset/text
 * Text plumbing for the upset scorer: which script a message is written in, the per-script
 * normalization both the lexicons and the messages go through (so a lexicon term and a customer's
 * spelling meet in the same form), and tokenization with clause boundaries.
 */
import { HASH_START, hashStep, VOCABULARY, Vocabulary } from './vocabulary.js';

export type Script =
  | 'latin'
  | 'cyrillic'
  | 'greek'
  | 'armenian'
  | 'georgian'
  | 'hebrew'
  | 'arabic'
  | 'devanagari'
  | 'bengali'
  | 'gurmukhi'
  | 'gujarati'
  | 'oriya'
  | 'tamil'
  | 'telugu'
  | 'kannada'
  | 'malayalam'
  | 'sinhala'
  | 'thai'
  | 'lao'
  | 'tibetan'
  | 'myanmar'
  | 'ethiopic'
  | 'khmer'
  | 'hangul'
  | 'kana'
  | 'han';

/** [first, last, script], sorted by first code point. */
const RANGES: [number, number, Script][] = [
  [0x00c0, 0x024f, 'latin'],
  [0x0370, 0x03ff, 'greek'],
  [0x0400, 0x052f, 'cyrillic'],
  [0x0531, 0x058f, 'armenian'],
  [0x0590, 0x05ff, 'hebrew'],
  [0x0600, 0x06ff, 'arabic'],
  [0x0750, 0x077f, 'arabic'],
  [0x08a0, 0x08ff, 'arabic'],
  [0x0900, 0x097f, 'devanagari'],
  [0x0980, 0x09ff, 'bengali'],
  [0x0a00, 0x0a7f, 'gurmukhi'],
  [0x0a80, 0x0aff, 'gujarati'],
  [0x0b00, 0x0b7f, 'oriya'],
  [0x0b80, 0x0bff, 'tamil'],
  [0x0c00, 0x0c7f, 'telugu'],
  [0x0c80, 0x0cff, 'kannada'],
  [0x0d00, 0x0d7f, 'malayalam'],
  [0x0d80, 0x0dff, 'sinhala'],
  [0x0e00, 0x0e7f, 'thai'],
  [0x0e80, 0x0eff, 'lao'],
  [0x0f00, 0x0fff, 'tibetan'],
  [0x1000, 0x109f, 'myanmar'],
  [0x10a0, 0x10ff, 'georgian'],
  [0x1100, 0x11ff, 'hangul'],
  [0x1200, 0x139f, 'ethiopic'],
  [0x1780, 0x17ff, 'khmer'],
  [0x1e00, 0x1eff, 'latin'],
  [0x1f00, 0x1fff, 'greek'],
  [0x3040, 0x30ff, 'kana'],
  [0x3130, 0x318f, 'hangul'],
  [0x3400, 0x4dbf, 'han'],
  [0x4e00, 0x9fff, 'han'],
  [0xa960, 0xa97f, 'hangul'],
  [0xac00, 0xd7af, 'hangul'],
  [0xf900, 0xfaff, 'han'],
  [0xfb50, 0xfdff, 'arabic'],
  [0xfe70, 0xfeff, 'arabic'],
];

const SCRIPTS: Script[] = [...new Set(RANGES.map((r) => r[2]))];
/** Script index + 1 for every BMP code point (0: none), so a look-up is one array read. */
const SCRIPT_TABLE = (() => {
  const t = new Uint8Array(0x10000);
  for (let c = 65; c <= 90; c++) t[c] = t[c + 32] = SCRIPTS.indexOf('latin') + 1;
  for (const [lo, hi, script] of RANGES) t.fill(SCRIPTS.indexOf(script) + 1, lo, hi + 1);
  t[0xd7] = t[0xf7] = 0;
  return t;
})();

/** The script of one code point, or undefined for digits, punctuation, emoji and symbols. */
export function scriptOf(cp: number): Script | undefined {
  if (cp > 0xffff) return undefined;
  const i = SCRIPT_TABLE[cp]!;
  return i ? SCRIPTS[i - 1] : undefined;
}

const SCRIPT_SAMPLE_CHARS = 400;

/**
 * The script most letters of `text` are written in (looking at its first few hundred characters),
 * or null when it has no letters (only digits, punctuation, emoji).
 */
export function dominantScript(text: string): Script | null {
  const n = Math.min(text.length, SCRIPT_SAMPLE_CHARS);
  const latinId = SCRIPTS.indexOf('latin') + 1;
  let latin = 0;
  let first = 0;
  let counts: Uint16Array | undefined;
  for (let i = 0; i < n; i++) {
    const id = SCRIPT_TABLE[text.charCodeAt(i)]!;
    if (id === 0) continue;
    if (id === latinId) {
      latin++;
      continue;
    }
    if (first === 0) first = id;
    counts ??= new Uint16Array(SCRIPTS.length + 1);
    counts[id]!++;
  }
  if (!counts) return latin > 0 ? 'latin' : null;
  // Non-Latin letters count double: a Hindi message with an English flight code or "refund" in it is Hindi.
  let best = latin > 0 ? latinId : 0;
  let bestN = latin;
  for (let id = 1; id < counts.length; id++) {
    const k = counts[id]! * 2;
    if (k > bestN || (k > 0 && k === bestN && id === first)) {
      best = id;
      bestN = k;
    }
  }
  return best ? SCRIPTS[best - 1]! : null;
}

/** How a language's text is normalized before lexicon look-up. */
export type NormKind = 'latin' | 'devanagari' | 'bengali' | 'arabic' | 'urdu' | 'kannada' | 'lao' | 'plain';

const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/g;
const APOSTROPHES = /[\u2018\u2019\u02bc\u0060\u00b4]/g;
/** What Latin-script normalization touches in one pass: accented letters, zero-width characters, curly apostrophes. */
const LATIN_SPECIAL = /[\u00c0-\u024f\u1e00-\u1eff\u200b-\u200d\u2060\ufeff\u2018\u2019\u02bc\u0060\u00b4]/g;
const foldLatin = (ch: string): string => LATIN_FOLD.get(ch) ?? ch;
/** Accented Latin letter → its base letter (é → e, ñ → n, ç → c); letters without one stay. */
const LATIN_FOLD = (() => {
  const m = new Map<string, string>();
  for (const [lo, hi] of [[0xc0, 0x24f], [0x1e00, 0x1eff]] as const) {
    for (let c = lo; c <= hi; c++) {
      const ch = String.fromCharCode(c);
      const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      if (base !== ch && base.length > 0) m.set(ch, base);
    }
  }
  for (const z of ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff']) m.set(z, '');
  for (const q of ['\u2018', '\u2019', '\u02bc', '\u0060', '\u00b4']) m.set(q, "'");
  return m;
})();
/** Arabic: vowel marks and tatweel go; hamza seats, alef maqsura and teh marbuta fold. */
const ARABIC_FOLDS = /[\u064b-\u065f\u0670\u0640\u0623\u0625\u0622\u0671\u0649\u0629\u0624\u0626]/g;
const ARABIC_FOLD: Record<string, string> = {
  '\u0623': '\u0627', '\u0625': '\u0627', '\u0622': '\u0627', '\u0671': '\u0627',
  '\u0649': '\u064a', '\u0629': '\u0647', '\u0624': '\u0648', '\u0626': '\u064a',
};
/** Urdu: vowel marks go; Arabic-keyboard yeh, kaf and heh become the Urdu letters. */
const URDU_FOLDS = /[\u064b-\u065f\u0670\u0640\u064a\u0649\u0626\u0643\u0647\u06c0\u06c2\u0629\u0623\u0625\u0622\u0624]/g;
const URDU_FOLD: Record<string, string> = {
  '\u064a': '\u06cc', '\u0649': '\u06cc', '\u0626': '\u06cc', '\u0643': '\u06a9', '\u0647': '\u06c1',
  '\u06c0': '\u06c1', '\u06c2': '\u06c1', '\u0629': '\u06c1', '\u0623': '\u0627', '\u0625': '\u0627',
  '\u0622': '\u0627', '\u0624': '\u0648',
};

function hasNonAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
}

/**
 * Lower-cases and folds the spellings customers use interchangeably: accents in Latin script
 * (customers often drop them), nukta and candrabindu in Indic scripts, alef/yeh/teh marbuta
 * variants and vowel marks in Arabic, Arabic-keyboard letters in Urdu, and the Lao ligatures.
 */
export function normalizeText(text: string, kind: NormKind): string {
  let s = text.toLowerCase();
  if (!hasNonAscii(s)) return s;
  if (kind === 'latin') return s.replace(LATIN_SPECIAL, foldLatin);
  s = s.replace(ZERO_WIDTH, '').replace(APOSTROPHES, "'");
  switch (kind) {
    case 'devanagari':
      return s.normalize('NFC').replace(/\u093c/g, '').replace(/\u0901/g, '\u0902');
    case 'bengali':
      return s.normalize('NFC').replace(/[\u09bc\u0981]/g, '');
    case 'arabic':
      return s.replace(ARABIC_FOLDS, (ch) => ARABIC_FOLD[ch] ?? '');
    case 'urdu':
      return s.replace(URDU_FOLDS, (ch) => URDU_FOLD[ch] ?? '');
    case 'lao':
      return s
        .normalize('NFC')
        .replace(/\u0edc/g, '\u0eab\u0e99')
        .replace(/\u0edd/g, '\u0eab\u0ea1')
        .replace(/\u0ebc/g, '\u0ea5');
    case 'kannada':
    case 'plain':
      return s.normalize('NFC');
  }
}

/**
 * The words of a message, as parallel arrays (word i: `at[i]`..`end[i]` in the normalized text, its
 * clause, its vocabulary id). No object per word and no word cut out of the text; one buffer is
 * refilled message after message (the scorer is synchronous), so its contents last until the next
 * `tokenize` into it.
 */
export class Tokens {
  /** How many words. */
  n = 0;
  /** Offsets in the normalized text, end exclusive. */
  at = new Int32Array(32);
  end = new Int32Array(32);
  /** Clause of each word: negation and intensifiers stay inside a clause. */
  clause = new Int32Array(32);
  /** Vocabulary id of the word, or -1 when no lexicon or vote knows it. */
  id = new Int32Array(32);
  /** Where the word starts without its proclitic (Arabic و، ب، ال ...), or -1; set by the lexicon. */
  altAt = new Int32Array(32);
  /** Vocabulary id of the word without its proclitic, or -1. */
  altId = new Int32Array(32);

  /** Appends a word. */
  push(at: number, end: number, clause: number, id: number): void {
    if (this.n === this.at.length) this.grow();
    const i = this.n++;
    this.at[i] = at;
    this.end[i] = end;
    this.clause[i] = clause;
    this.id[i] = id;
    this.altAt[i] = -1;
    this.altId[i] = -1;
  }

  private grow(): void {
    const n = this.at.length * 2;
    const more = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.at = more(this.at);
    this.end = more(this.end);
    this.clause = more(this.clause);
    this.id = more(this.id);
    this.altAt = more(this.altAt);
    this.altId = more(this.altId);
  }
}

/** Punctuation that ends a clause: Latin, Devanagari danda, Arabic and Urdu marks, ellipsis, line breaks. */
const CLAUSE_CHARS = '.,;:!?¿¡\n\u0964\u0965\u060c\u061b\u061f\u06d4\u2026()';

/** 1 for letters, marks and digits (word characters), 2 for clause breaks, 0 otherwise; BMP only. */
const CHAR_CLASS = (() => {
  const t = new Uint8Array(0x10000);
  const word = /[\p{L}\p{M}\p{N}]/u;
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (word.test(String.fromCharCode(c))) t[c] = 1;
  }
  for (const ch of CLAUSE_CHARS) t[ch.charCodeAt(0)] = 2;
  return t;
})();

/** 1 for decimal digits of any script (\p{Nd}), BMP only. */
const DIGIT = (() => {
  const t = new Uint8Array(0x10000);
  const digit = /\p{Nd}/u;
  for (let c = 0; c < 0x10000; c++) if (CHAR_CLASS[c] === 1 && digit.test(String.fromCharCode(c))) t[c] = 1;
  return t;
})();

/** Whether the character at `i` is a decimal digit of any script (0-9, ٣, ३, ...). */
export function digitAt(text: string, i: number): boolean {
  return DIGIT[text.charCodeAt(i)] === 1;
}

/**
 * The words of a normalized text, each with its vocabulary id (hashed while reading: no word is
 * sliced out), into `into` (emptied first).
 */
export function tokenize(norm: string, into: Tokens, vocabulary: Vocabulary = VOCABULARY): Tokens {
  into.n = 0;
  let clause = 0;
  let start = -1;
  let broke = false;
  let h = HASH_START;
  const n = norm.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? norm.charCodeAt(i) : 0;
    const k = i < n ? CHAR_CLASS[c]! : 0;
    if (k === 1) {
      if (start < 0) {
        start = i;
        h = HASH_START;
        if (broke && into.n > 0) clause++;
        broke = false;
      }
      h = hashStep(h, c);
      continue;
    }
    if (start >= 0) {
      into.push(start, i, clause, vocabulary.find(norm, start, i, h));
      start = -1;
    }
    if (k === 2) broke = true;
  }
  return into;
}

/** Word `i` of `tokens` as a string (for explanations and the rare checks that need it). */
export function tokenText(norm: string, tokens: Tokens, i: number): string {
  return norm.slice(tokens.at[i]!, tokens.end[i]!);
}

/** An empty vocabulary: splitting word lists needs no ids. */
const NO_WORDS = new Vocabulary();

/** The words of a normalized text as strings: for compiling word lists, not for messages. */
export function words(norm: string): string[] {
  const t = tokenize(norm, new Tokens(), NO_WORDS);
  const out: string[] = [];
  for (let i = 0; i < t.n; i++) out.push(tokenText(norm, t, i));
  return out;
}

/** Code points of clause-ending punctuation (for lexicons matched as substrings). */
export const CLAUSE_BREAK_CODES: ReadonlySet<number> = new Set([...CLAUSE_CHARS].map((ch) => ch.charCodeAt(0)));
