/**
 * @module score/upset/surface
 * Signals that need no lexicon, read in one pass over the characters: angry or crying emoji and
 * emoticons, runs of "!!" and "?!", SHOUTING, elongated words ("pleeeease"). They score messages
 * in languages without a lexicon and add to the lexicon's verdict in the others.
 */

export interface SurfaceSignals {
  angryEmoji: number;
  negativeEmoji: number;
  positiveEmoji: number;
  /** Runs of two or more "!" (or ‼), and a message with three or more "!" in all. */
  exclaimRuns: number;
  /** Runs of three or more. */
  longExclaimRuns: number;
  exclaims: number;
  /** Runs like "??", "?!", "!?", "¿¿", "؟؟" (or ⁉). */
  questionRuns: number;
  /** Words of 3+ letters in capitals (common acronyms aside). */
  shoutWords: number;
  upper: number;
  lower: number;
  /** A letter repeated 4+ times in a row ("sooooo"). */
  elongations: number;
}

const ANGRY_EMOJI = new Set([0x1f621, 0x1f92c, 0x1f620, 0x1f624, 0x1f44e, 0x1f595]);
const NEGATIVE_EMOJI = new Set([
  0x1f622, 0x1f62d, 0x1f631, 0x1f494, 0x1f644, 0x1f61e, 0x1f629,
  0x1f62b, 0x1f616, 0x1f623, 0x1f630, 0x1f628, 0x1f625, 0x1f614, 0x1f612, 0x1f4a9, 0x2639, 0x1f641,
  0x1f61f, 0x1f92f, 0x1f627, 0x1f626, 0x1f198, 0x1f480, 0x1f635, 0x1f97a, 0x1f62a, 0x1f613,
]);
const POSITIVE_EMOJI = new Set([
  0x1f642, 0x1f60a, 0x1f600, 0x1f603, 0x1f604, 0x1f601, 0x1f44d, 0x2764, 0x1f60d, 0x1f970, 0x1f389, 0x1f44c,
  0x1f609, 0x1f917, 0x1f4af, 0x2705, 0x1f929, 0x1f60e, 0x2728, 0x1f31f, 0x1f49a, 0x1f499, 0x1f49b, 0x1f49c,
]);
const NEGATIVE_EMOTICONS = [':(', ':-(', ":'(", '>:(', ':-/', '-_-', '>:['];
const POSITIVE_EMOTICONS = [':)', ':-)', ':d', ';)', '<3', ':-d', '(:'];
/** Every emoticon has one of these; most messages have none, and skip the look-ups. */
const EMOTICON_HINT = /[:;<_]/;

/** Capitalized tokens that are names, not shouting. */
const ACRONYMS = new Set([
  'PNR', 'ETA', 'ETD', 'USA', 'UAE', 'JFK', 'LHR', 'CDG', 'DXB', 'SMS', 'OTP', 'ATM', 'API', 'FAQ', 'CEO', 'VIP',
  'GPS', 'PDF', 'KYC', 'UPI', 'EMI', 'NYC', 'LAX', 'SFO', 'BKK', 'DEL', 'BOM', 'LIS', 'MAD', 'GRU', 'EUR', 'USD',
  'GBP', 'INR', 'IDR', 'BRL', 'APP', 'WIFI', 'IOS', 'URL', 'QR', 'ID', 'CX',
]);


/** Upper (1), lower (-1) or neither (0) for every code point up to U+052F (Latin, Greek, Cyrillic); one array read per character. */
const CASE = (() => {
  const t = new Int8Array(0x530);
  for (let c = 0; c < t.length; c++) {
    if (c >= 65 && c <= 90) t[c] = 1;
    else if (c >= 97 && c <= 122) t[c] = -1;
    else if (c >= 0xc0 && (c <= 0x24f || c >= 0x370)) {
      const ch = String.fromCharCode(c);
      t[c] = ch.toLowerCase() !== ch ? 1 : ch.toUpperCase() !== ch ? -1 : 0;
    }
  }
  return t;
})();

function caseOf(c: number): number {
  return c < 0x530 ? CASE[c]! : 0;
}

/** The signals of `text`; `into`, when given, is filled instead of a new object (all its counts reset). */
export function surfaceSignals(text: string, into?: SurfaceSignals): SurfaceSignals {
  const s: SurfaceSignals = into ?? {
    angryEmoji: 0,
    negativeEmoji: 0,
    positiveEmoji: 0,
    exclaimRuns: 0,
    longExclaimRuns: 0,
    exclaims: 0,
    questionRuns: 0,
    shoutWords: 0,
    upper: 0,
    lower: 0,
    elongations: 0,
  };
  if (into) {
    s.angryEmoji = s.negativeEmoji = s.positiveEmoji = 0;
    s.exclaimRuns = s.longExclaimRuns = s.exclaims = s.questionRuns = 0;
    s.shoutWords = s.upper = s.lower = s.elongations = 0;
  }
  let punctRun = 0;
  let punctHasQuestion = false;
  let wordStart = -1;
  let wordUpper = 0;
  let wordLower = 0;
  let wordDigit = false;
  let repeatChar = -1;
  let repeatN = 0;
  const n = text.length;
  // One pass; i === n flushes the last word and punctuation run.
  for (let i = 0; i <= n; i++) {
    let c = i < n ? text.charCodeAt(i) : 0x20;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      c = text.codePointAt(i)!;
      width = 2;
    }
    const isExclaim = c === 0x21 || c === 0xff01 || c === 0xa1;
    const isQuestion = c === 0x3f || c === 0xff1f || c === 0xbf || c === 0x61f;
    const k = isExclaim || isQuestion ? 0 : caseOf(c);
    const isDigit = c >= 48 && c <= 57;
    // End of a word: anything that is not a cased letter or digit (other scripts' letters included).
    if (wordStart >= 0 && k === 0 && !isDigit) {
      if (wordUpper >= 3 && wordLower === 0 && !wordDigit && !ACRONYMS.has(text.slice(wordStart, i))) s.shoutWords++;
      wordStart = -1;
      wordUpper = 0;
      wordLower = 0;
      wordDigit = false;
    }
    if (isExclaim || isQuestion) {
      punctRun++;
      if (isExclaim) s.exclaims++;
      else punctHasQuestion = true;
      repeatN = 0;
      continue;
    }
    // End of a punctuation run (spaces inside a run do not end it: "! ! !").
    if (c !== 0x20 || i === n) {
      if (punctRun >= 2) {
        if (punctHasQuestion) s.questionRuns++;
        else {
          s.exclaimRuns++;
          if (punctRun >= 3) s.longExclaimRuns++;
        }
      }
      punctRun = 0;
      punctHasQuestion = false;
    }
    if (i === n) break;
    if (c === 0x203c) {
      s.exclaimRuns++;
      s.exclaims += 2;
    } else if (c === 0x2049) {
      s.questionRuns++;
    } else if (c >= 0x2600) {
      if (ANGRY_EMOJI.has(c)) s.angryEmoji++;
      else if (NEGATIVE_EMOJI.has(c)) s.negativeEmoji++;
      else if (POSITIVE_EMOJI.has(c)) s.positiveEmoji++;
    }
    if (k !== 0) {
      if (wordStart < 0) wordStart = i;
      if (k > 0) {
        wordUpper++;
        s.upper++;
      } else {
        wordLower++;
        s.lower++;
      }
    } else if (isDigit) {
      if (wordStart < 0) wordStart = i;
      wordDigit = true;
    }
    // Elongation: ASCII letters only (other scripts repeat letters legitimately).
    const lower = c | 0x20;
    if (c < 0x80 && lower >= 97 && lower <= 122) {
      if (lower === repeatChar) {
        repeatN++;
        if (repeatN === 4) s.elongations++;
      } else {
        repeatChar = lower;
        repeatN = 1;
      }
    } else {
      repeatChar = -1;
      repeatN = 0;
    }
    i += width - 1;
  }
  if (n < 2000 && EMOTICON_HINT.test(text)) {
    const low = text.toLowerCase();
    for (const e of NEGATIVE_EMOTICONS) if (low.includes(e)) s.negativeEmoji++;
    for (const e of POSITIVE_EMOTICONS) if (low.includes(e)) s.positiveEmoji++;
  }
  return s;
}
