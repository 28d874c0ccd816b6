/**
 * @module score/upset/languages
 * Which language a message is in, and its compiled lexicon. A declared `lang` is trusted when its
 * script matches the text; otherwise the script decides (Bengali, Kannada and Lao each have one
 * candidate), then a vote of frequent words and lexicon words among the languages of that script,
 * and franc (restricted to that script's languages) only when the vote is not clear and the text
 * is long enough for trigrams to mean something.
 */
import { franc, francAll } from 'franc';
import { compileLexicon, type CompiledLexicon, type LexiconSource } from './lexicon.js';
import { arb } from './lexicons/arb.js';
import { ben } from './lexicons/ben.js';
import { eng } from './lexicons/eng.js';
import { fra } from './lexicons/fra.js';
import { hin } from './lexicons/hin.js';
import { ind } from './lexicons/ind.js';
import { kan } from './lexicons/kan.js';
import { lao } from './lexicons/lao.js';
import { npi } from './lexicons/npi.js';
import { por } from './lexicons/por.js';
import { spa } from './lexicons/spa.js';
import { urd } from './lexicons/urd.js';
import { toIso6393 } from './lang-codes.js';
import { dominantScript, normalizeText, tokenize, Tokens, words, type NormKind, type Script } from './text.js';
import { VOCABULARY } from './vocabulary.js';

/** Every language with a lexicon, by ISO 639-3 code. */
export const LEXICON_SOURCES: Readonly<Record<string, LexiconSource>> = { eng, spa, por, fra, hin, arb, ind, ben, urd, npi, kan, lao };

/** Languages franc may answer for a script besides those with a lexicon (they score on signals only). */
const OTHER_LANGUAGES: Partial<Record<Script, string[]>> = {
  latin: ['deu', 'ita', 'nld', 'tur', 'pol', 'vie', 'tgl', 'ron', 'swe', 'dan', 'nob', 'fin', 'hun', 'ces', 'slk', 'cat', 'swh', 'zlm', 'jav', 'som', 'hau', 'hrv', 'afr', 'glg', 'lit', 'uzn', 'azj'],
  devanagari: ['mar', 'mai', 'bho'],
  arabic: ['pes', 'pbu', 'skr'],
  cyrillic: ['rus', 'ukr', 'bul', 'srp', 'bel', 'kaz', 'mkd', 'kir', 'tgk', 'khk', 'tat'],
  hebrew: ['heb', 'ydd'],
  ethiopic: ['amh', 'tir'],
  myanmar: ['mya', 'shn'],
};

/** Scripts one language owns (for the record: they have no lexicon, so only signals score them). */
const SCRIPT_LANGUAGE: Partial<Record<Script, string>> = {
  greek: 'ell', armenian: 'hye', georgian: 'kat', gurmukhi: 'pan', gujarati: 'guj', oriya: 'ory', tamil: 'tam',
  telugu: 'tel', malayalam: 'mal', sinhala: 'sin', thai: 'tha', tibetan: 'bod', khmer: 'khm', hangul: 'kor',
  kana: 'jpn', han: 'cmn',
};

/** Letters that, within a script, belong to one language (Urdu ٹ ڈ ڑ ں ے; Spanish ñ ¿ ¡). */
const TELLTALE_LETTERS: Record<string, string> = {
  urd: 'ٹڈڑںےھہۓیگچپژ',
  arb: 'ةىي',
  spa: 'ñ¿¡',
  por: 'ãõ',
  fra: 'èùœûîëç',
};
/** Code point → 1 + index in TELLTALE_LANGS of the language its letter gives away (0: none). */
const TELLTALE_LANGS = Object.keys(TELLTALE_LETTERS);
const TELLTALE = new Uint8Array(0x10000);
TELLTALE_LANGS.forEach((lang, i) => {
  for (const ch of TELLTALE_LETTERS[lang]!) for (const v of new Set([ch, ch.toUpperCase()])) TELLTALE[v.charCodeAt(0)] = i + 1;
});

/** Word endings that, within a script, belong to one language (Nepali verb and case endings). */
const TELLTALE_ENDINGS: Record<string, string[]> = {
  npi: ['छ', 'छु', 'छौं', 'छन्', 'छैन', 'हरू', 'लाई', 'होस्', 'नुहोस्', 'ेको', 'ेका', 'एको', 'एका', 'ंदा', 'ँदा'],
};

const compiled = new Map<string, CompiledLexicon>();

/** The compiled lexicon of a language (compiled on first use), or undefined when it has none. */
export function lexiconFor(lang: string): CompiledLexicon | undefined {
  let c = compiled.get(lang);
  if (!c) {
    const src = LEXICON_SOURCES[lang];
    if (!src) return undefined;
    c = compileLexicon(src);
    compiled.set(lang, c);
  }
  return c;
}

const byScript = new Map<Script, LexiconSource[]>();
for (const src of Object.values(LEXICON_SOURCES)) {
  const l = byScript.get(src.script) ?? [];
  l.push(src);
  byScript.set(src.script, l);
}

/** Words that point to one language of a script: its stopwords and its one-word terms no other language of the script uses. */
const votingWords = new Map<string, Set<string>>();

/** Each source's one-word terms and stopwords, computed once: every other language of its script asks for them too. */
const singleWordsMemo = new Map<LexiconSource, ReadonlySet<string>>();
const stopwordsMemo = new Map<LexiconSource, ReadonlySet<string>>();

function singleWords(s: LexiconSource): ReadonlySet<string> {
  let found = singleWordsMemo.get(s);
  if (!found) singleWordsMemo.set(s, (found = computeSingleWords(s)));
  return found;
}

function stopwordSet(s: LexiconSource): ReadonlySet<string> {
  let found = stopwordsMemo.get(s);
  if (!found) stopwordsMemo.set(s, (found = new Set((s.stopwords ?? []).flatMap((w) => words(normalizeText(w, s.norm))))));
  return found;
}

function computeSingleWords(s: LexiconSource): Set<string> {
  const found = new Set<string>();
  const lists = [s.stopwords, s.negators, s.complaint, s.complaint_mild, s.anger, s.anger_mild, s.fear, s.fear_mild, s.positive, s.calm, s.units, s.numbers];
  for (const list of lists) {
    for (const term of list ?? []) {
      if (term.includes(' ') || term.endsWith('*')) continue;
      for (const w of words(normalizeText(term, s.norm))) found.add(w);
    }
  }
  return found;
}

/**
 * Words that point to one language of its script: its stopwords and one-word terms, less those
 * another language of the script uses too (a curated stopword stays unless it is the other's
 * stopword as well).
 */
function votingWordsFor(src: LexiconSource): Set<string> {
  let mine = votingWords.get(src.lang);
  if (mine) return mine;
  mine = new Set(singleWords(src));
  const myStop = stopwordSet(src);
  for (const other of byScript.get(src.script) ?? []) {
    if (other === src) continue;
    const theirStop = stopwordSet(other);
    for (const w of singleWords(other)) {
      if (myStop.has(w) && !theirStop.has(w)) continue;
      mine.delete(w);
    }
  }
  votingWords.set(src.lang, mine);
  return mine;
}

/** One candidate language of a script, with what the vote needs of it looked up once. */
interface Candidate {
  lang: string;
  /** Index of its normalization in `VotingBoard.norms`. */
  norm: number;
  /** Vocabulary ids of its voting words (for the word-ending vote). */
  words: Set<number>;
  /** Word endings that give it away, or null. */
  endings: string[] | null;
  /** 1 + its index in TELLTALE_LANGS, or 0. */
  telltale: number;
}

/** Per script: the normalizations its candidates use, and per normalization each voting word's candidates (a bit each), by vocabulary id. */
interface VotingBoard {
  norms: NormKind[];
  words: Map<number, number>[];
  candidates: Candidate[];
  /** Every language franc may answer for the script: its candidates, then the lexicon-free ones. */
  everyone: string[];
  /** One token buffer per normalization, refilled for every message of the script. */
  tokens: Tokens[];
}
const boards = new Map<Script, VotingBoard>();

function votingBoard(script: Script, candidates: LexiconSource[]): VotingBoard {
  let b = boards.get(script);
  if (b) return b;
  // Every candidate's lexicon is compiled before any message of the script is tokenized, so its words have ids.
  for (const c of candidates) lexiconFor(c.lang);
  const norms = [...new Set(candidates.map((c) => c.norm))];
  const board: VotingBoard = {
    norms,
    words: norms.map(() => new Map()),
    candidates: candidates.map((c) => ({
      lang: c.lang,
      norm: norms.indexOf(c.norm),
      words: new Set([...votingWordsFor(c)].map((w) => VOCABULARY.add(w))),
      endings: TELLTALE_ENDINGS[c.lang] ?? null,
      telltale: TELLTALE_LANGS.indexOf(c.lang) + 1,
    })),
    everyone: [...candidates.map((c) => c.lang), ...(OTHER_LANGUAGES[script] ?? [])],
    tokens: norms.map(() => new Tokens()),
  };
  board.candidates.forEach((c, i) => {
    const words = board.words[c.norm]!;
    for (const id of c.words) words.set(id, (words.get(id) ?? 0) | (1 << i));
  });
  boards.set(script, board);
  return board;
}

/** A declared tag, parsed and with its lexicon: one look-up per message instead of two. */
interface Declared {
  code: string;
  lexicon: CompiledLexicon | undefined;
  /** The tag names no script, or the lexicon's. */
  scriptFits: boolean;
}
const declaredCache = new Map<string, Declared | undefined>();

function declaredLanguage(tag: string): Declared | undefined {
  const hit = declaredCache.get(tag);
  if (hit !== undefined || declaredCache.has(tag)) return hit;
  const given = toIso6393(tag);
  let d: Declared | undefined;
  if (given) {
    const lexicon = lexiconFor(given.code);
    d = { code: given.code, lexicon, scriptFits: !given.script || given.script === lexicon?.source.script };
  }
  // Tags come from a small set per deployment; the bound only guards against garbage.
  if (declaredCache.size < 1000) declaredCache.set(tag, d);
  return d;
}

export type LangSource = 'given' | 'script' | 'vote' | 'franc' | 'default' | 'none';

export interface LanguageChoice {
  /** The lexicon to score with, when the language has one. */
  lexicon: CompiledLexicon | undefined;
  /** The text normalized for that lexicon and its words, when detection computed them already. */
  prepared?: { norm: string; tokens: Tokens };
  /** The language the message is in, as far as we can tell (ISO 639-3), lexicon or not. */
  detected: string | null;
  source: LangSource;
  script: Script | null;
}

export interface DetectOptions {
  /** Language assumed for short texts the vote cannot place (ISO 639-3). */
  defaultLang: string;
  /** Shortest text franc is asked about. */
  francMinChars: number;
}

/**
 * Chooses the language (and lexicon) for a message.
 *
 * @example
 * chooseLanguage('Sigo esperando mi reembolso', undefined, { defaultLang: 'eng', francMinChars: 20 }).detected; // 'spa'
 */
export function chooseLanguage(text: string, declared: string | undefined, options: DetectOptions): LanguageChoice {
  const script = dominantScript(text);
  const given = declared ? declaredLanguage(declared) : undefined;
  if (given) {
    const lex = given.lexicon;
    if (!lex) {
      // A declared language we have no lexicon for is trusted: signals only.
      return { lexicon: undefined, detected: given.code, source: 'given', script };
    }
    if ((script === null || script === lex.source.script) && given.scriptFits) {
      return { lexicon: lex, detected: given.code, source: 'given', script };
    }
    // Declared Hindi written in Latin letters, or a wrong tag: the text decides.
  }
  if (script === null) return { lexicon: undefined, detected: null, source: 'none', script };
  const candidates = byScript.get(script);
  if (!candidates) {
    const only = OTHER_LANGUAGES[script];
    let guess: string | undefined = SCRIPT_LANGUAGE[script];
    let source: LangSource = 'script';
    if (!guess && only && text.length >= options.francMinChars) {
      const f = franc(text, { only, minLength: options.francMinChars });
      if (f !== 'und') {
        guess = f;
        source = 'franc';
      }
    }
    return { lexicon: undefined, detected: guess ?? null, source: guess ? source : 'none', script };
  }
  if (candidates.length === 1 && !OTHER_LANGUAGES[script]) {
    return { lexicon: lexiconFor(candidates[0]!.lang), detected: candidates[0]!.lang, source: 'script', script };
  }
  return vote(text, script, candidates, options);
}

/** A normalized text and its words, per normalization of the board (most scripts have one). */
type Prepared = { norm: string; tokens: Tokens };

function vote(text: string, script: Script, sources: LexiconSource[], options: DetectOptions): LanguageChoice {
  const board = votingBoard(script, sources);
  const candidates = board.candidates;
  const k = candidates.length;
  let telltales: Uint16Array | undefined;
  for (let i = 0; i < text.length; i++) {
    const t = TELLTALE[text.charCodeAt(i)]!;
    if (t) (telltales ??= new Uint16Array(TELLTALE_LANGS.length + 1))[t]!++;
  }
  const counts = new Array<number>(k).fill(0);
  const prepared: Prepared[] = [];
  for (let n = 0; n < board.norms.length; n++) {
    const norm = normalizeText(text, board.norms[n]!);
    const tokens = tokenize(norm, board.tokens[n]!);
    prepared.push({ norm, tokens });
    const words = board.words[n]!;
    for (let w = 0; w < tokens.n; w++) {
      const id = tokens.id[w]!;
      if (id < 0) continue;
      const mask = words.get(id);
      if (mask) for (let i = 0; i < k; i++) if (mask & (1 << i)) counts[i]!++;
    }
  }
  for (let i = 0; i < k; i++) {
    const c = candidates[i]!;
    if (c.endings) counts[i]! += endingVotes(prepared[c.norm]!.norm, prepared[c.norm]!.tokens, c);
    if (c.telltale && telltales) counts[i]! += Math.min(2, telltales[c.telltale]!);
  }
  // The leader is the first candidate with the most votes (candidates keep their order on ties);
  // `second` is the most votes among the others.
  let best = 0;
  for (let i = 1; i < k; i++) if (counts[i]! > counts[best]!) best = i;
  const top = counts[best]!;
  let second = 0;
  for (let i = 0; i < k; i++) if (i !== best && counts[i]! > second) second = counts[i]!;
  if (top >= 2 && top - second >= 1 && top >= 1.5 * second) return pick(board, prepared, script, candidates[best]!.lang, 'vote');
  if (text.length >= options.francMinChars) {
    const tied: string[] = [];
    if (top > 0) for (let i = 0; i < k; i++) if (counts[i] === top) tied.push(candidates[i]!.lang);
    // A clear tie between lexicon languages is settled among them; otherwise every language of the script competes.
    const only = tied.length > 1 && top >= 2 ? tied : board.everyone;
    const ranked = francAll(text, { only, minLength: options.francMinChars });
    const first = ranked[0]?.[0];
    if (first && first !== 'und') {
      if (lexiconFor(first)) return pick(board, prepared, script, first, 'franc');
      // A language without a lexicon wins only when no voted-for lexicon language is close behind.
      // Scoring a message with a near language's lexicon costs little; scoring it with none loses every word.
      const close = ranked.find(([l, d]) => lexiconFor(l) !== undefined && d >= (tied.includes(l) ? 0.8 : 0.9));
      if (close) return pick(board, prepared, script, close[0], 'franc');
      return { lexicon: undefined, detected: first, source: 'franc', script };
    }
  }
  if (top > 0) {
    let chosen = candidates[best]!.lang;
    for (let i = 0; i < k; i++) if (counts[i] === top && candidates[i]!.lang === options.defaultLang) chosen = options.defaultLang;
    return pick(board, prepared, script, chosen, 'vote');
  }
  const dflt = candidates.find((c) => c.lang === options.defaultLang);
  return pick(board, prepared, script, dflt ? dflt.lang : candidates[0]!.lang, 'default');
}

/** Up to 3 words (not voting words already) ending the way only this candidate's words end. */
function endingVotes(norm: string, tokens: Tokens, c: Candidate): number {
  let ends = 0;
  for (let w = 0; w < tokens.n; w++) {
    if (ends >= 3) break;
    const id = tokens.id[w]!;
    if (id >= 0 && c.words.has(id)) continue;
    const at = tokens.at[w]!;
    const end = tokens.end[w]!;
    for (const e of c.endings!) {
      if (end - at >= e.length && norm.startsWith(e, end - e.length)) {
        ends++;
        break;
      }
    }
  }
  return ends;
}

function pick(board: VotingBoard, prepared: Prepared[], script: Script, lang: string, source: LangSource): LanguageChoice {
  const lexicon = lexiconFor(lang);
  const n = lexicon ? board.norms.indexOf(lexicon.source.norm) : -1;
  return { lexicon, detected: lang, source, script, prepared: n >= 0 ? prepared[n] : undefined };
}
