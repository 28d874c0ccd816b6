/**
 * @module score/upset/lexicon
 * A language's word lists (written for crisiscx, per language in lexicons/) and their compiled,
 * fast form: token patterns indexed by first word for languages written with spaces, substring
 * patterns for scripts without word spaces (Lao) or with heavy agglutination (Kannada).
 *
 * Pattern syntax: words separated by spaces; a word ending in `*` matches any word starting with
 * it (`refund*` matches refunds, refunded). Substring lexicons match anywhere in the text.
 */
import { CLAUSE_BREAK_CODES, normalizeText, tokenize, Tokens, words, type NormKind, type Script } from './text.js';
import { hashOf, VOCABULARY } from './vocabulary.js';

/** What a matched term says about the message. */
export type Category =
  | 'complaint'
  | 'complaint_mild'
  | 'anger'
  | 'anger_mild'
  | 'fear'
  | 'fear_mild'
  | 'positive'
  | 'calm'
  | 'negator'
  | 'intensifier'
  | 'diminisher'
  | 'unit'
  | 'number';

/** Word windows (tokens between, or characters between for substring lexicons); null: never. */
export interface Window {
  before: number | null;
  after: number | null;
}

export interface LexiconSource {
  /** ISO 639-3 code, as franc reports it. */
  lang: string;
  /** English name, for reports. */
  name: string;
  script: Script;
  norm: NormKind;
  matching: 'token' | 'substring';
  /** Prefixes glued to words (Arabic و ف ب ل ال): a word is also looked up without them. */
  proclitics?: string[];
  /** Default: negator up to 2 words before a term. Languages that negate after the word say so. */
  negation?: Window;
  /** Default: intensifier up to 1 word before a term. */
  intensity?: Window;
  /** Frequent words that tell this language apart from others in the same script. */
  stopwords?: string[];
  negators: string[];
  intensifiers: string[];
  diminishers?: string[];
  /** Customer-service complaints: waiting, chasing, no reply, no refund, cancelled, stranded. */
  complaint: string[];
  complaint_mild?: string[];
  /** Anger, contempt, insults, threats to leave. */
  anger: string[];
  anger_mild?: string[];
  /** Fear and urgency: scared, emergency, medication, small children. */
  fear: string[];
  fear_mild?: string[];
  /** Thanks, praise, "no problem". */
  positive: string[];
  /** Polite requests and questions: "could you", "how do I", "cancel my subscription". */
  calm?: string[];
  /** Time units that make "2 hours" a duration. */
  units?: string[];
  /** Number words ("two", "several") before a unit. */
  numbers?: string[];
}

const TERM_CATEGORIES = [
  'complaint',
  'complaint_mild',
  'anger',
  'anger_mild',
  'fear',
  'fear_mild',
  'positive',
  'calm',
  'negator',
  'intensifier',
  'diminisher',
  'unit',
  'number',
] as const satisfies readonly Category[];

/** When two matches overlap and are as long, the one with the lower rank wins (complaints first). */
const RANK: Record<Category, number> = {
  complaint: 0,
  anger: 1,
  fear: 2,
  complaint_mild: 3,
  anger_mild: 4,
  fear_mild: 5,
  positive: 6,
  calm: 7,
  unit: 8,
  number: 9,
  negator: 10,
  intensifier: 11,
  diminisher: 12,
};

export const MODIFIERS: ReadonlySet<Category> = new Set(['negator', 'intensifier', 'diminisher', 'unit', 'number']);

interface TokenPart {
  s: string;
  prefix: boolean;
  /** Vocabulary id of an exact word; -1 for a prefix (and in substring lexicons). */
  id: number;
}

export interface Pattern {
  text: string;
  cat: Category;
  rank: number;
  /** A negator, intensifier, diminisher, unit or number: qualifies terms, is not one. */
  modifier: boolean;
  /** Token patterns: the words; substring patterns: one part holding the whole string. */
  parts: TokenPart[];
  /** The pattern carries its own negation ("no refund", "haven't received"): never flipped again. */
  selfNegated: boolean;
}

export interface Match {
  p: Pattern;
  /** Token index (token lexicons) or character offset (substring lexicons), end exclusive. */
  start: number;
  end: number;
  clause: number;
}

export interface CompiledLexicon {
  readonly source: LexiconSource;
  readonly lang: string;
  readonly negation: Window;
  readonly intensity: Window;
  readonly stopwords: ReadonlySet<string>;
  normalize(text: string): string;
  /**
   * Every match of every pattern, overlaps resolved (longest first, complaints before praise).
   * `prepared`: the tokens of `norm`, when the caller has them already. The matches and tokens
   * returned are valid until the next call (buffers reused message after message).
   */
  match(norm: string, prepared?: Tokens): { matches: Match[]; tokens: Tokens | null };
}

/** The source list each category's terms come from. */
const LIST: Record<Category, keyof LexiconSource> = {
  complaint: 'complaint',
  complaint_mild: 'complaint_mild',
  anger: 'anger',
  anger_mild: 'anger_mild',
  fear: 'fear',
  fear_mild: 'fear_mild',
  positive: 'positive',
  calm: 'calm',
  negator: 'negators',
  intensifier: 'intensifiers',
  diminisher: 'diminishers',
  unit: 'units',
  number: 'numbers',
};

function termsOf(src: LexiconSource, cat: Category): string[] {
  return (src[LIST[cat]] as string[] | undefined) ?? [];
}

/**
 * Compiles a language's word lists for matching (once per language; the scorer caches it).
 *
 * @example
 * const lex = compileLexicon(eng);
 * lex.match(lex.normalize('Still waiting!')).matches.map((m) => m.p.text); // ['still waiting']
 */
export function compileLexicon(src: LexiconSource): CompiledLexicon {
  return src.matching === 'token' ? new TokenLexicon(src) : new SubstringLexicon(src);
}

abstract class BaseLexicon {
  readonly lang: string;
  readonly negation: Window;
  readonly intensity: Window;
  readonly stopwords: ReadonlySet<string>;
  protected readonly patterns: Pattern[] = [];

  constructor(readonly source: LexiconSource) {
    this.lang = source.lang;
    this.negation = source.negation ?? (source.matching === 'token' ? { before: 2, after: null } : { before: 1, after: null });
    this.intensity = source.intensity ?? { before: 1, after: null };
    this.stopwords = new Set((source.stopwords ?? []).map((w) => this.normalize(w)));
  }

  normalize(text: string): string {
    return normalizeText(text, this.source.norm);
  }

  /**
   * Keeps the longest of overlapping terms (complaints before praise when as long), then the
   * modifiers (negators, intensifiers, numbers) that do not sit inside a kept term; modifiers do
   * not exclude each other.
   */
  protected resolve(all: Match[], size: number): Match[] {
    if (all.length <= 1) return all;
    sortStable(all, byLengthThenRank);
    if (taken.length < size + 1) taken = new Uint8Array(Math.max(size + 1, taken.length * 2));
    const out = KEPT;
    out.length = 0;
    for (const m of all) {
      if (m.p.modifier || !isFree(m)) continue;
      taken.fill(1, m.start, m.end);
      out.push(m);
    }
    for (const m of all) if (m.p.modifier && isFree(m)) out.push(m);
    taken.fill(0, 0, size + 1);
    sortStable(out, byStart);
    return out;
  }
}

/**
 * The matches of the message being matched, before and after overlaps are resolved: two lists
 * refilled per message (the scorer is synchronous), so `match` results last until the next call.
 */
const FOUND: Match[] = [];
const KEPT: Match[] = [];
/** Match objects handed out for the message being matched, reused by the next (`pooled` of them in use). */
const POOL: Match[] = [];
let pooled = 0;

/** Starts a message: every pooled match is free again. */
function releaseMatches(): void {
  pooled = 0;
  FOUND.length = 0;
  // One huge message should not keep its hundreds of thousands of matches alive.
  if (POOL.length > 4096) POOL.length = 4096;
}

function newMatch(p: Pattern, start: number, end: number, clause: number): Match {
  if (pooled === POOL.length) POOL.push({ p, start, end, clause });
  const m = POOL[pooled++]!;
  m.p = p;
  m.start = start;
  m.end = end;
  m.clause = clause;
  return m;
}

/** Scratch for `resolve` (one scorer call at a time: the scorer is synchronous). */
let taken = new Uint8Array(256);

function isFree(m: Match): boolean {
  for (let i = m.start; i < m.end; i++) if (taken[i]) return false;
  return true;
}

function byLengthThenRank(a: Match, b: Match): number {
  return b.end - b.start - (a.end - a.start) || a.p.rank - b.p.rank || a.start - b.start;
}

function byStart(a: Match, b: Match): number {
  return a.start - b.start;
}

/** Sorts in place, stably: insertion sort for the few matches a message has (Array.sort's set-up cost more). */
function sortStable<T>(list: T[], cmp: (a: T, b: T) => number): void {
  if (list.length > 16) {
    list.sort(cmp);
    return;
  }
  for (let i = 1; i < list.length; i++) {
    const x = list[i]!;
    let j = i - 1;
    while (j >= 0 && cmp(list[j]!, x) > 0) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = x;
  }
}

/** Patterns sharing a first word, split by what follows so a frequent word ("no") tries few. */
interface FirstWord {
  /** One-word patterns. */
  single: Pattern[];
  /** Longer patterns whose second word is exact, by that word's vocabulary id. */
  bySecond: Map<number, Pattern[]>;
  /** Longer patterns whose second word is a prefix. */
  rest: Pattern[];
}

class TokenLexicon extends BaseLexicon implements CompiledLexicon {
  /** Patterns by the vocabulary id of their first word. */
  private readonly exact = new Map<number, FirstWord>();
  /** Patterns whose first word is a prefix, by the prefix's first two characters (no slicing per word). */
  private readonly prefix = new Map<number, { prefix: string; fw: FirstWord }[]>();
  private readonly negatorWords: Set<string>;
  private readonly proclitics: readonly string[];

  constructor(src: LexiconSource) {
    super(src);
    this.proclitics = src.proclitics ?? [];
    this.negatorWords = new Set();
    for (const n of src.negators) {
      const toks = words(this.normalize(n));
      if (toks.length === 1) this.negatorWords.add(toks[0]!);
    }
    const prefixes = new Map<string, FirstWord>();
    for (const cat of TERM_CATEGORIES) {
      for (const text of termsOf(src, cat)) {
        const parts = this.parse(text);
        if (parts.length === 0) throw new Error(`lexicon ${src.lang}: term ${JSON.stringify(text)} has no letters`);
        const selfNegated = cat !== 'negator' && parts.some((p) => this.negatorWords.has(p.s));
        const p: Pattern = { text, cat, rank: RANK[cat], modifier: MODIFIERS.has(cat), parts, selfNegated };
        const first = parts[0]!;
        if (first.prefix && first.s.length < 2) throw new Error(`lexicon ${src.lang}: prefix term ${JSON.stringify(text)} needs at least two letters before the *`);
        let fw = first.prefix ? prefixes.get(first.s) : this.exact.get(first.id);
        if (!fw) {
          fw = { single: [], bySecond: new Map(), rest: [] };
          if (first.prefix) prefixes.set(first.s, fw);
          else this.exact.set(first.id, fw);
        }
        const second = parts[1];
        if (!second) fw.single.push(p);
        else if (second.prefix) fw.rest.push(p);
        else {
          let l = fw.bySecond.get(second.id);
          if (!l) fw.bySecond.set(second.id, (l = []));
          l.push(p);
        }
      }
    }
    for (const [prefix, fw] of prefixes) {
      const key = prefixKey(prefix);
      let l = this.prefix.get(key);
      if (!l) this.prefix.set(key, (l = []));
      l.push({ prefix, fw });
    }
  }

  private parse(text: string): TokenPart[] {
    const parts: TokenPart[] = [];
    for (const word of text.trim().split(/\s+/)) {
      const prefix = word.endsWith('*');
      const toks = words(this.normalize(prefix ? word.slice(0, -1) : word));
      toks.forEach((t, i) => {
        const isPrefix = prefix && i === toks.length - 1;
        // Exact words get an id; a prefix is compared by its characters.
        parts.push({ s: t, prefix: isPrefix, id: isPrefix ? -1 : VOCABULARY.add(t) });
      });
    }
    return parts;
  }

  match(norm: string, prepared?: Tokens): { matches: Match[]; tokens: Tokens } {
    const tokens = prepared ?? tokenize(norm, OWN_TOKENS);
    const n = tokens.n;
    if (this.proclitics.length) {
      for (let i = 0; i < n; i++) {
        const at = tokens.at[i]!;
        const end = tokens.end[i]!;
        for (const p of this.proclitics) {
          if (end - at >= p.length + 2 && norm.startsWith(p, at)) {
            const alt = at + p.length;
            tokens.altAt[i] = alt;
            tokens.altId[i] = VOCABULARY.find(norm, alt, end, hashOf(norm, alt, end));
            break;
          }
        }
      }
    }
    releaseMatches();
    const all = FOUND;
    const prefixed = this.prefix.size > 0;
    for (let i = 0; i < n; i++) {
      const id = tokens.id[i]!;
      const altId = tokens.altId[i]!;
      if (id >= 0) this.tryWord(this.exact.get(id), norm, tokens, i, all);
      if (altId >= 0) this.tryWord(this.exact.get(altId), norm, tokens, i, all);
      if (prefixed) {
        this.tryPrefixes(norm, tokens.at[i]!, tokens.end[i]!, tokens, i, all);
        if (tokens.altAt[i]! >= 0) this.tryPrefixes(norm, tokens.altAt[i]!, tokens.end[i]!, tokens, i, all);
      }
    }
    return { matches: this.resolve(all, n), tokens };
  }

  /** Patterns whose first word is a prefix of the word `norm.slice(at, end)`. */
  private tryPrefixes(norm: string, at: number, end: number, tokens: Tokens, i: number, out: Match[]): void {
    const key = end - at < 2 ? norm.charCodeAt(at) : norm.charCodeAt(at) * 0x10000 + norm.charCodeAt(at + 1);
    const list = this.prefix.get(key);
    if (list) for (const { prefix, fw } of list) if (startsWithin(norm, at, end, prefix)) this.tryWord(fw, norm, tokens, i, out);
  }

  private tryWord(fw: FirstWord | undefined, norm: string, tokens: Tokens, i: number, out: Match[]): void {
    if (!fw) return;
    const clause = tokens.clause[i]!;
    for (const p of fw.single) out.push(newMatch(p, i, i + 1, clause));
    if (fw.bySecond.size > 0) {
      // The second word may be the next one or, skipping one word, the one after.
      for (let j = i + 1; j <= i + 2 && j < tokens.n; j++) {
        if (tokens.clause[j] !== clause) break;
        const id = tokens.id[j]!;
        const altId = tokens.altId[j]!;
        if (id >= 0) this.tryList(fw.bySecond.get(id), norm, tokens, i, out);
        if (altId >= 0) this.tryList(fw.bySecond.get(altId), norm, tokens, i, out);
      }
    }
    if (fw.rest.length > 0) this.tryList(fw.rest, norm, tokens, i, out);
  }

  private tryList(list: Pattern[] | undefined, norm: string, tokens: Tokens, i: number, out: Match[]): void {
    if (!list) return;
    for (const p of list) {
      const end = matchFrom(p, norm, tokens, i);
      if (end > 0) out.push(newMatch(p, i, end, tokens.clause[i]!));
    }
  }
}

/** Tokens of texts a lexicon tokenizes itself (no `prepared`): one buffer, refilled per message. */
const OWN_TOKENS = new Tokens();

/** The first two characters of a word as one number (a one-letter prefix is keyed by its letter alone, and found so too). */
function prefixKey(word: string): number {
  return word.length < 2 ? word.charCodeAt(0) : word.charCodeAt(0) * 0x10000 + word.charCodeAt(1);
}

/** Whether the word `text.slice(at, end)` starts with `prefix`. */
function startsWithin(text: string, at: number, end: number, prefix: string): boolean {
  return prefix.length <= end - at && text.startsWith(prefix, at);
}

/** Whether word `i` of `tokens` is the pattern part. */
function partMatches(part: TokenPart, norm: string, tokens: Tokens, i: number): boolean {
  if (part.prefix) {
    const end = tokens.end[i]!;
    const alt = tokens.altAt[i]!;
    return startsWithin(norm, tokens.at[i]!, end, part.s) || (alt >= 0 && startsWithin(norm, alt, end, part.s));
  }
  return tokens.id[i] === part.id || tokens.altId[i] === part.id;
}

/**
 * End (exclusive) of pattern `p` matched from token `i`, or 0. Later words may skip one word
 * ("no f***ing refund", "nobody ever answers") but never cross a clause.
 */
function matchFrom(p: Pattern, norm: string, tokens: Tokens, i: number): number {
  let j = i;
  const clause = tokens.clause[i]!;
  const n = tokens.n;
  for (let k = 1; k < p.parts.length; k++) {
    const part = p.parts[k]!;
    if (j + 1 < n && tokens.clause[j + 1] === clause && partMatches(part, norm, tokens, j + 1)) {
      j += 1;
      continue;
    }
    if (j + 2 < n && tokens.clause[j + 2] === clause && partMatches(part, norm, tokens, j + 2)) {
      j += 2;
      continue;
    }
    return 0;
  }
  return j + 1;
}

class SubstringLexicon extends BaseLexicon implements CompiledLexicon {
  /** Patterns by their first two characters (a pattern of one character by that one). */
  private readonly byStart = new Map<number, Pattern[]>();

  constructor(src: LexiconSource) {
    super(src);
    const negators = src.negators.map((n) => this.normalize(n));
    for (const cat of TERM_CATEGORIES) {
      for (const text of termsOf(src, cat)) {
        const s = this.normalize(text.replace(/\*$/, '')).trim();
        if (!s) throw new Error(`lexicon ${src.lang}: empty term`);
        const selfNegated = cat !== 'negator' && negators.some((n) => s.includes(n));
        const p: Pattern = { text, cat, rank: RANK[cat], modifier: MODIFIERS.has(cat), parts: [{ s, prefix: false, id: -1 }], selfNegated };
        const key = s.length === 1 ? s.charCodeAt(0) : s.charCodeAt(0) * 0x10000 + s.charCodeAt(1);
        let l = this.byStart.get(key);
        if (!l) this.byStart.set(key, (l = []));
        l.push(p);
      }
    }
  }

  match(norm: string): { matches: Match[]; tokens: null } {
    releaseMatches();
    const all = FOUND;
    let clause = 0;
    for (let i = 0; i < norm.length; i++) {
      const c = norm.charCodeAt(i);
      if (CLAUSE_BREAK_CODES.has(c)) clause++;
      const one = this.byStart.get(c);
      if (one) for (const p of one) all.push(newMatch(p, i, i + 1, clause));
      if (i + 1 >= norm.length) continue;
      const two = this.byStart.get(c * 0x10000 + norm.charCodeAt(i + 1));
      if (!two) continue;
      for (const p of two) {
        const s = p.parts[0]!.s;
        if (s.length <= 2 || norm.startsWith(s, i)) all.push(newMatch(p, i, i + s.length, clause));
      }
    }
    return { matches: this.resolve(all, norm.length), tokens: null };
  }
}
