/**
 * @module score/upset/scorer
 * The upset score: how upset, angry or afraid the customer who wrote a message is, in [0, 1], with a
 * label. Pure and synchronous: the pipeline's score stage and `crisiscx score-text` call the same
 * scorer.
 *
 * The text's language is chosen (declared `lang`, else script, word vote and franc), its lexicon
 * finds complaint, anger, fear, praise and politeness terms with negation and intensifiers, and
 * language-independent signals (emoji, "!!", SHOUTING, repeated contacts, channel switching) add
 * to it; a logistic turns the sum into a probability, and an upstream `sentiment` is blended in.
 *
 * @example
 * const scorer = new UpsetScorer({ threshold: 0.5 });
 * scorer.score({ text: 'Still waiting for my refund, third time I ask' });
 * // → { score: 0.97, label: 'upset', lang: 'eng', signals: { complaint: 5, ... } }
 */
import type { Match } from './lexicon.js';
import { chooseLanguage, type LangSource } from './languages.js';
import { surfaceSignals } from './surface.js';
import { digitAt, tokenText, type Tokens } from './text.js';
import { WEIGHTS as W } from './weights.js';

/** What the score stage knows about the customer beyond the message itself. */
export interface UpsetContext {
  /** Earlier inbound messages in this conversation the brand has not answered yet (within the window). */
  unanswered?: number;
  /** Other conversations the same customer opened within the window. */
  otherConversations?: number;
  /** Other channels the same customer used within the window. */
  otherChannels?: number;
}

export interface UpsetInput {
  text?: string | null;
  /** BCP 47 (or ISO 639-3) language tag, when the source knows it. */
  lang?: string | null;
  /** Upstream sentiment in [-1, 1]. */
  sentiment?: number | null;
  context?: UpsetContext;
}

/** Each signal's contribution, in log-odds (what it added to the sum before the logistic). */
export interface UpsetSignals {
  /** Language the text is in as far as we can tell (ISO 639-3), with or without a lexicon. */
  detected: string | null;
  langSource: LangSource;
  complaint: number;
  anger: number;
  fear: number;
  positive: number;
  calm: number;
  reassurance: number;
  duration: number;
  emoji: number;
  punctuation: number;
  shouting: number;
  elongation: number;
  repeatContact: number;
  channelSwitch: number;
  /** The probability from text and context alone, before the upstream sentiment is blended in. */
  textScore: number;
  /** The upstream sentiment as sent, or null. */
  sentiment: number | null;
  /** Matched terms, when the scorer was built with `explain`. */
  terms?: string[];
}

export interface UpsetResult {
  /** In [0, 1]. */
  score: number;
  label: 'upset' | 'not_upset';
  /** The language whose lexicon scored the text (ISO 639-3), or null when only lexicon-free signals did. */
  lang: string | null;
  signals: UpsetSignals;
}

/** What the score stage keeps of a score (`env.upset`). */
export interface UpsetRating {
  readonly score: number;
  readonly label: 'upset' | 'not_upset';
  readonly lang: string | null;
}

export interface UpsetScorerOptions {
  /** Score at or above which a message is labelled upset. Default 0.5. */
  threshold?: number;
  /** Share of the final score that comes from an upstream `sentiment` when one is sent. Default 0.35. */
  sentimentWeight?: number;
  /** Language assumed for short texts the scorer cannot place (BCP 47 or ISO 639-3). Default `en`. */
  defaultLang?: string;
  /** Shortest text franc is asked about when the word vote is unclear. Default 20. */
  detectMinChars?: number;
  /** List the matched terms in `signals.terms`. */
  explain?: boolean;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round4 = (x: number) => Math.round(x * 10000) / 10000;
const DIGITS = /^\p{Nd}+$/u;
const DIGIT_CHAR = /\p{Nd}/u;
const DIGIT_HOURS = /^\p{Nd}+(h|hr|hrs|hours?|d|days)$/u;
const DIGIT_DURATION_ANYWHERE = /\p{Nd}+\s?(h|hrs?|hours?)\b/iu;

/** Ratings by threshold, shared by every scorer with that threshold (a pipeline has one or two: the score stage, `score-text`). */
const RATINGS = new Map<number, Map<string | null, (UpsetRating | undefined)[]>>();

export class UpsetScorer {
  readonly threshold: number;
  readonly sentimentWeight: number;
  private readonly defaultLang: string;
  private readonly detectMinChars: number;
  private readonly explain: boolean;
  /** Signals of the message being rated (`rate` reuses one object: the scorer is synchronous). */
  private readonly scratch: UpsetSignals = emptySignals();
  private readonly surfaceScratch = surfaceSignals('');
  /** The negators, intensifiers, diminishers and numbers among the message's matches (refilled per message). */
  private readonly modifiers: Match[] = [];
  /** The language whose lexicon scored the last message, or null. */
  private lexLang: string | null = null;
  /** Shared ratings by language and score × 10⁴ (see `rate`), for this scorer's threshold. */
  private readonly ratings: Map<string | null, (UpsetRating | undefined)[]>;

  constructor(options: UpsetScorerOptions = {}) {
    this.threshold = options.threshold ?? 0.5;
    this.sentimentWeight = options.sentimentWeight ?? 0.35;
    this.detectMinChars = options.detectMinChars ?? 20;
    this.explain = options.explain ?? false;
    const d = (options.defaultLang ?? 'en').toLowerCase();
    this.defaultLang = d.length === 2 ? ({ en: 'eng', es: 'spa', pt: 'por', fr: 'fra', hi: 'hin', ar: 'arb', id: 'ind', bn: 'ben', ur: 'urd', ne: 'npi', kn: 'kan', lo: 'lao' }[d] ?? d) : d;
    if (!(this.threshold >= 0 && this.threshold <= 1)) throw new RangeError(`upset threshold must be in [0, 1], got ${options.threshold}`);
    if (!(this.sentimentWeight >= 0 && this.sentimentWeight <= 1)) throw new RangeError(`sentiment weight must be in [0, 1], got ${options.sentimentWeight}`);
    let ratings = RATINGS.get(this.threshold);
    if (!ratings) RATINGS.set(this.threshold, (ratings = new Map()));
    this.ratings = ratings;
  }

  score(input: UpsetInput): UpsetResult {
    const sig = emptySignals();
    const terms: string[] | undefined = this.explain ? [] : undefined;
    const score = this.run(input, sig, terms);
    sig.textScore = round4(sig.textScore);
    // Spelled out: a loop over the keys made every access a keyed look-up.
    sig.complaint = round3(sig.complaint);
    sig.anger = round3(sig.anger);
    sig.fear = round3(sig.fear);
    sig.positive = round3(sig.positive);
    sig.calm = round3(sig.calm);
    sig.reassurance = round3(sig.reassurance);
    sig.duration = round3(sig.duration);
    sig.emoji = round3(sig.emoji);
    sig.punctuation = round3(sig.punctuation);
    sig.shouting = round3(sig.shouting);
    sig.elongation = round3(sig.elongation);
    sig.repeatContact = round3(sig.repeatContact);
    sig.channelSwitch = round3(sig.channelSwitch);
    if (terms) sig.terms = terms;
    return { score, label: score >= this.threshold ? 'upset' : 'not_upset', lang: this.lexLang, signals: sig };
  }

  /**
   * The score, label and language alone, as the score stage stores them: the same numbers as
   * `score()`, without building a signals object per message. The result is frozen and shared
   * between messages with the same score and language.
   */
  rate(input: UpsetInput): UpsetRating {
    const sig = this.scratch;
    resetSignals(sig);
    const score = this.run(input, sig, undefined);
    const lang = this.lexLang;
    // Scores have 4 digits, so one frozen rating per (language, score) serves every message: the
    // pipeline keeps a rating as long as its batch, and fresh objects per message cost more in
    // young-generation copying than the scoring arithmetic.
    const k = Math.round(score * 10_000);
    if (!(k >= 0 && k <= 10_000)) return { score, label: score >= this.threshold ? 'upset' : 'not_upset', lang };
    let row = this.ratings.get(lang);
    if (row === undefined) this.ratings.set(lang, (row = new Array<UpsetRating | undefined>(10_001)));
    return (row[k] ??= Object.freeze({ score, label: score >= this.threshold ? 'upset' : 'not_upset', lang }));
  }

  /** Fills `sig` (all zero) for one message; returns the score rounded to 4 digits and sets `lexLang`. */
  private run(input: UpsetInput, sig: UpsetSignals, terms: string[] | undefined): number {
    const text = input.text ?? '';
    const choice = chooseLanguage(text, input.lang ?? undefined, { defaultLang: this.defaultLang, francMinChars: this.detectMinChars });
    const lex = choice.lexicon;
    sig.detected = choice.detected;
    sig.langSource = choice.source;
    sig.sentiment = input.sentiment ?? null;

    if (lex && text) {
      const norm = choice.prepared?.norm ?? lex.normalize(text);
      const { matches, tokens } = lex.match(norm, choice.prepared?.tokens);
      this.lexical(matches, tokens, norm, lex.negation, lex.intensity, sig, terms);
    }
    let positiveEmoji = 0;
    if (text) positiveEmoji = this.surface(text, lex !== undefined, sig);

    // Thanks and politeness do not cancel a complaint: "still waiting for my refund, thanks", "thanks 🙄".
    const evidence = sig.complaint + sig.anger + sig.fear + Math.max(0, sig.emoji);
    if (evidence >= W.discountFrom) {
      sig.positive *= W.discount;
      sig.calm = 0;
      positiveEmoji *= W.discount;
    }
    sig.emoji += positiveEmoji;

    const ctx = input.context;
    if (ctx) {
      sig.repeatContact =
        W.unanswered * Math.min(W.unansweredMax, ctx.unanswered ?? 0) + W.otherConversation * Math.min(W.otherConversationMax, ctx.otherConversations ?? 0);
      sig.channelSwitch = W.channelSwitch * Math.min(W.channelSwitchMax, ctx.otherChannels ?? 0);
    }

    const sum =
      W.bias +
      sig.complaint +
      sig.anger +
      sig.fear +
      sig.positive +
      sig.calm +
      sig.reassurance +
      sig.duration +
      sig.emoji +
      sig.punctuation +
      sig.shouting +
      sig.elongation +
      sig.repeatContact +
      sig.channelSwitch;
    const textScore = sigmoid(sum);
    sig.textScore = textScore;
    let score = textScore;
    const s = input.sentiment;
    if (typeof s === 'number' && Number.isFinite(s)) {
      const upstream = sigmoid(W.sentimentSlope * Math.max(-1, Math.min(1, s)) + W.sentimentOffset);
      // Without a lexicon our own reading is thin: the upstream model counts twice as much.
      const w = lex ? this.sentimentWeight : Math.min(1, 2 * this.sentimentWeight);
      score = (1 - w) * textScore + w * upstream;
    }
    this.lexLang = lex ? lex.lang : null;
    return round4(score);
  }

  private lexical(
    matches: Match[],
    tokens: Tokens | null,
    norm: string,
    negation: { before: number | null; after: number | null },
    intensity: { before: number | null; after: number | null },
    sig: UpsetSignals,
    terms: string[] | undefined,
  ): void {
    const modifiers = this.modifiers;
    modifiers.length = 0;
    for (const m of matches) {
      const c = m.p.cat;
      if (c === 'negator' || c === 'intensifier' || c === 'diminisher' || c === 'number') modifiers.push(m);
    }
    let complaint = 0;
    let anger = 0;
    let fear = 0;
    let positive = 0;
    let calm = 0;
    let reassurance = 0;
    for (const m of matches) {
      const cat = m.p.cat;
      if (cat === 'negator' || cat === 'intensifier' || cat === 'diminisher' || cat === 'number') continue;
      if (cat === 'unit') {
        if (sig.duration === 0 && hasNumberBefore(m, modifiers, tokens, norm)) {
          sig.duration = W.duration;
          terms?.push(`duration:${m.p.text}`);
        }
        continue;
      }
      let negated = false;
      let mult = 1;
      for (const o of modifiers) {
        if (o.clause !== m.clause) continue;
        const kind = o.p.cat;
        const win = kind === 'negator' ? negation : intensity;
        const near =
          (win.before !== null && o.end <= m.start && m.start - o.end <= win.before) || (win.after !== null && o.start >= m.end && o.start - m.end <= win.after);
        if (!near) continue;
        if (kind === 'negator') negated = true;
        else if (kind === 'intensifier') mult *= W.intensifier;
        else if (kind === 'diminisher') mult *= W.diminisher;
      }
      if (m.p.selfNegated) negated = false;
      mult = Math.min(mult, W.intensifierCap);
      const w = W[cat];
      let note = cat as string;
      switch (cat) {
        case 'complaint':
        case 'complaint_mild':
          if (negated) note = `negated ${cat}`;
          else complaint += w * mult;
          break;
        case 'anger':
        case 'anger_mild':
        case 'fear':
        case 'fear_mild':
          if (negated) {
            reassurance += W.negatedNegative;
            note = `negated ${cat}`;
          } else if (cat.startsWith('anger')) anger += w * mult;
          else fear += w * mult;
          break;
        case 'positive':
          if (negated) {
            anger += W.negatedPositive * mult;
            note = 'negated positive';
          } else positive += w * mult;
          break;
        case 'calm':
          if (!negated) calm += w;
          break;
      }
      if (terms) terms.push(`${note}:${m.p.text}${mult !== 1 ? ` ×${round(mult, 2)}` : ''}`);
    }
    if (tokens && sig.duration === 0) {
      for (let i = 0; i < tokens.n; i++) {
        // Most words start with a letter: the regular expression only sees those that start with a digit.
        if (digitAt(norm, tokens.at[i]!) && DIGIT_HOURS.test(tokenText(norm, tokens, i))) {
          sig.duration = W.duration;
          terms?.push(`duration:${tokenText(norm, tokens, i)}`);
          break;
        }
      }
    }
    sig.complaint = Math.min(W.caps.complaint, complaint);
    sig.anger = Math.min(W.caps.anger, anger);
    sig.fear = Math.min(W.caps.fear, fear);
    sig.positive = Math.max(W.caps.positive, positive);
    sig.calm = Math.max(W.caps.calm, calm);
    sig.reassurance = Math.max(W.caps.reassurance, reassurance);
  }

  /** Sets the lexicon-free signals; returns the positive-emoji part, which the caller may discount. */
  private surface(text: string, hasLexicon: boolean, sig: UpsetSignals): number {
    const s = surfaceSignals(text, this.surfaceScratch);
    sig.emoji = Math.min(W.caps.emoji, s.angryEmoji * W.angryEmoji + s.negativeEmoji * W.negativeEmoji);
    const exclaim = s.longExclaimRuns > 0 ? W.exclaimLong : s.exclaimRuns > 0 || s.exclaims >= 3 ? W.exclaim : 0;
    const question = s.questionRuns > 0 ? W.question : 0;
    sig.punctuation = Math.min(W.punctuationCap, exclaim + question);
    const letters = s.upper + s.lower;
    if (s.shoutWords >= 2 || (s.upper >= 10 && s.upper / letters >= 0.7)) sig.shouting = W.shouting;
    if (s.elongations > 0) sig.elongation = W.elongation;
    // Scripts without a lexicon still say "3 hours" with digits and a Latin unit sometimes.
    if (!hasLexicon && sig.duration === 0 && DIGIT_DURATION_ANYWHERE.test(text)) sig.duration = W.duration;
    return Math.max(W.caps.positiveEmoji, s.positiveEmoji * W.positiveEmoji);
  }
}

/** A unit ("hours") preceded by a number: digits, or a number word, right before (or one word before). */
function hasNumberBefore(unit: Match, modifiers: Match[], tokens: Tokens | null, norm: string): boolean {
  for (const o of modifiers) {
    if (o.p.cat !== 'number') continue;
    const gap = unit.start - o.end;
    if (gap >= 0 && gap <= 1) return true;
  }
  if (tokens) {
    for (let i = unit.start - 1; i >= Math.max(0, unit.start - 2); i--) if (DIGITS.test(tokenText(norm, tokens, i))) return true;
    return false;
  }
  // Substring lexicons: offsets are characters; allow one space between digits and unit.
  let i = unit.start - 1;
  if (i >= 0 && norm[i] === ' ') i--;
  return i >= 0 && DIGIT_CHAR.test(norm[i]!);
}

function emptySignals(): UpsetSignals {
  return {
    detected: null,
    langSource: 'none',
    complaint: 0,
    anger: 0,
    fear: 0,
    positive: 0,
    calm: 0,
    reassurance: 0,
    duration: 0,
    emoji: 0,
    punctuation: 0,
    shouting: 0,
    elongation: 0,
    repeatContact: 0,
    channelSwitch: 0,
    textScore: 0,
    sentiment: null,
  };
}

function resetSignals(sig: UpsetSignals): void {
  sig.complaint = 0;
  sig.anger = 0;
  sig.fear = 0;
  sig.positive = 0;
  sig.calm = 0;
  sig.reassurance = 0;
  sig.duration = 0;
  sig.emoji = 0;
  sig.punctuation = 0;
  sig.shouting = 0;
  sig.elongation = 0;
  sig.repeatContact = 0;
  sig.channelSwitch = 0;
  sig.textScore = 0;
}

let defaultScorer: UpsetScorer | undefined;

/**
 * Scores one message with the default options (threshold 0.5). Pipelines and the CLI build an
 * `UpsetScorer` from the `score` config instead.
 *
 * @example
 * scoreUpset({ text: 'thanks!' }).label; // 'not_upset'
 */
export function scoreUpset(input: UpsetInput): UpsetResult {
  defaultScorer ??= new UpsetScorer();
  return defaultScorer.score(input);
}
