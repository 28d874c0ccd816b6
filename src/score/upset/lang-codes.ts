/**
 * @module score/upset/lang-codes
 * From the BCP 47 tag a message carries (`en`, `pt-BR`, `ar-EG`, `zh-Hant`) to the ISO 639-3
 * code the scorer and franc speak (`eng`, `por`, `arb`, `cmn`). Macrolanguages map to the
 * individual language franc reports (Arabic `ara` → Standard Arabic `arb`, Nepali `nep` → `npi`).
 */

const TWO_TO_THREE: Record<string, string> = {
  af: 'afr', am: 'amh', ar: 'arb', as: 'asm', az: 'azj', be: 'bel', bg: 'bul', bn: 'ben', bo: 'bod', bs: 'bos',
  ca: 'cat', cs: 'ces', cy: 'cym', da: 'dan', de: 'deu', dv: 'div', el: 'ell', en: 'eng', eo: 'epo', es: 'spa',
  et: 'ekk', eu: 'eus', fa: 'pes', fi: 'fin', fr: 'fra', ga: 'gle', gl: 'glg', gu: 'guj', ha: 'hau', he: 'heb',
  hi: 'hin', hr: 'hrv', ht: 'hat', hu: 'hun', hy: 'hye', id: 'ind', ig: 'ibo', is: 'isl', it: 'ita', ja: 'jpn',
  jv: 'jav', ka: 'kat', kk: 'kaz', km: 'khm', kn: 'kan', ko: 'kor', ks: 'kas', ku: 'kmr', ky: 'kir', lb: 'ltz',
  lo: 'lao', lt: 'lit', lv: 'lvs', mg: 'plt', mk: 'mkd', ml: 'mal', mn: 'khk', mr: 'mar', ms: 'zlm', mt: 'mlt',
  my: 'mya', nb: 'nob', ne: 'npi', nl: 'nld', nn: 'nno', no: 'nob', or: 'ory', pa: 'pan', pl: 'pol', ps: 'pbu',
  pt: 'por', ro: 'ron', ru: 'rus', sd: 'snd', si: 'sin', sk: 'slk', sl: 'slv', so: 'som', sq: 'als', sr: 'srp',
  su: 'sun', sv: 'swe', sw: 'swh', ta: 'tam', te: 'tel', tg: 'tgk', th: 'tha', ti: 'tir', tl: 'tgl', tr: 'tur',
  ug: 'uig', uk: 'ukr', ur: 'urd', uz: 'uzn', vi: 'vie', xh: 'xho', yi: 'ydd', yo: 'yor', zh: 'cmn', zu: 'zul',
};

/** Macrolanguage and bibliographic codes → the individual code franc uses. */
const THREE_ALIASES: Record<string, string> = {
  ara: 'arb', nep: 'npi', msa: 'zlm', may: 'zlm', zho: 'cmn', chi: 'cmn', fas: 'pes', per: 'pes', ori: 'ory',
  swa: 'swh', uzb: 'uzn', aze: 'azj', est: 'ekk', lav: 'lvs', mon: 'khk', kur: 'kmr', pus: 'pbu', sqi: 'als',
  alb: 'als', nor: 'nob', fil: 'tgl', tib: 'bod', fre: 'fra', ger: 'deu', dut: 'nld', gre: 'ell', arm: 'hye',
  geo: 'kat', rum: 'ron', slo: 'slk', cze: 'ces', bur: 'mya', baq: 'eus', ice: 'isl', mac: 'mkd', wel: 'cym',
  yid: 'ydd', mlg: 'plt', hbs: 'hrv', kon: 'kng', ful: 'fuv', que: 'quy', grn: 'gug', aym: 'ayr',
};

/** Tags that say "no particular language": detect from the text instead. */
const UNDETERMINED = new Set(['und', 'mul', 'zxx', 'mis', 'xx']);

/** BCP 47 script subtags the scorer can tell apart, by their lower-cased subtag. */
export const SCRIPT_SUBTAGS: Record<string, string> = {
  latn: 'latin', deva: 'devanagari', arab: 'arabic', beng: 'bengali', knda: 'kannada', laoo: 'lao', cyrl: 'cyrillic',
};

export interface ParsedLang {
  /** ISO 639-3, or the primary subtag as given when it is not a language code we know. */
  code: string;
  /** The script subtag, when the tag has one (`hi-Latn`: romanized Hindi). */
  script?: string;
}

/**
 * Parses a BCP 47 tag (or an ISO 639-3 code) into the scorer's language code; undefined when the
 * tag is empty or says "undetermined".
 *
 * @example
 * toIso6393('pt-BR'); // { code: 'por' }
 * toIso6393('hi-Latn'); // { code: 'hin', script: 'latin' }
 */
export function toIso6393(tag: string | undefined | null): ParsedLang | undefined {
  if (!tag) return undefined;
  const hit = cache.get(tag);
  if (hit !== undefined || cache.has(tag)) return hit;
  const parsed = parse(tag);
  // Tags come from a small set per deployment; the bound only guards against garbage.
  if (cache.size < 1000) cache.set(tag, parsed);
  return parsed;
}

const cache = new Map<string, ParsedLang | undefined>();

function parse(tag: string): ParsedLang | undefined {
  const parts = tag.trim().toLowerCase().split(/[-_]/);
  const primary = parts[0] ?? '';
  if (!primary || UNDETERMINED.has(primary)) return undefined;
  let code: string;
  if (primary.length === 2) code = TWO_TO_THREE[primary] ?? primary;
  else if (primary.length === 3) code = THREE_ALIASES[primary] ?? primary;
  else return undefined;
  const scriptTag = parts.slice(1).find((p) => p.length === 4);
  const script = scriptTag ? SCRIPT_SUBTAGS[scriptTag] : undefined;
  return script ? { code, script } : { code };
}
