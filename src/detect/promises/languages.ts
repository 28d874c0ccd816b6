/**
 * @module detect/promises/languages
 * What a commitment looks like in each language promise extraction reads: the words that make a
 * sentence a promise (a cue), the words that say what is promised (its kind), and the few time
 * phrases chrono-node does not resolve (business days, end of day, and relative durations in
 * languages where chrono lacks them). Dates and times themselves are left to chrono-node.
 */
import * as chrono from 'chrono-node';
import type { PromiseKind } from '../../contract/events.js';

export const PROMISE_LANGUAGES = ['en', 'es', 'pt', 'fr', 'ru', 'ar', 'ja'] as const;
export type PromiseLanguage = (typeof PROMISE_LANGUAGES)[number];

export interface LanguageRules {
  code: PromiseLanguage;
  /** Absolute and relative dates and times. */
  chrono: chrono.Chrono;
  /** A sentence is a promise only if one of these matches. */
  cue: RegExp;
  /**
   * A plain future ("will", "'ll") that makes a promise only together with a kind word: "your
   * refund will follow within 5 days" is one, "the delay will last 3 hours" is not.
   */
  weakCue?: RegExp;
  /** A sentence that matches this is a refusal or a hedge, not a promise. */
  negation?: RegExp;
  /**
   * Kinds in order of precedence (callback, refund, update, fix): the first whose pattern matches
   * names the promise, so "I'll call you back with an update" is a callback.
   */
  kinds: [Exclude<PromiseKind, 'other'>, RegExp][];
  /** "5 business days": group 1 is the count (digits or a number word). */
  businessDays?: RegExp;
  /** "by end of day": the end of the current local day. */
  endOfDay?: RegExp;
  /** Relative durations chrono misses: group 1 count, group 2 unit word (see `units`). */
  relative?: RegExp;
  units?: Record<string, 'minute' | 'hour' | 'day' | 'week'>;
  /** Number words used in `businessDays` and `relative`. */
  numbers?: Record<string, number>;
}

// JavaScript's \b only knows ASCII letters; these bound words in any script.
const B = '(?<![\\p{L}\\p{N}])';
const E = '(?![\\p{L}\\p{N}])';
const words = (alternatives: string): RegExp => new RegExp(`${B}(?:${alternatives})${E}`, 'iu');
/** Prefix match: the stem may be followed by more letters (inflections). */
const stems = (alternatives: string): RegExp => new RegExp(`${B}(?:${alternatives})`, 'iu');

const EN_NUMBERS = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, a: 1, an: 1 };
const ES_NUMBERS = { un: 1, una: 1, uno: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9, diez: 10 };
const PT_NUMBERS = { um: 1, uma: 1, dois: 2, duas: 2, 'três': 3, tres: 3, quatro: 4, cinco: 5, seis: 6, sete: 7, oito: 8, nove: 9, dez: 10 };
const FR_NUMBERS = { un: 1, une: 1, deux: 2, trois: 3, quatre: 4, cinq: 5, six: 6, sept: 7, huit: 8, neuf: 9, dix: 10 };
const RU_NUMBERS = { 'один': 1, 'одного': 1, 'два': 2, 'двух': 2, 'три': 3, 'трёх': 3, 'трех': 3, 'четыре': 4, 'четырёх': 4, 'пять': 5, 'пяти': 5, 'семь': 7, 'семи': 7, 'десять': 10, 'десяти': 10 };
const JA_NUMBERS = { '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9, '十': 10 };

export const LANGUAGES: Record<PromiseLanguage, LanguageRules> = {
  en: {
    code: 'en',
    chrono: chrono.en.casual,
    cue: words(
      "i'?ll|i will|i shall|we'?ll|we will|we shall|i am going to|i'm going to|we are going to|we're going to|expect|you(?:'ll| will) (?:receive|get|hear|have|see)|should (?:receive|get|hear|arrive|see)|will (?:be (?:refunded|credited|fixed|resolved|restored|back|processed)|arrive|reach you)|promise|get back to you|follow up|call you back",
    ),
    weakCue: words("will|shall|'ll|going to"),
    negation: words("can'?t|cannot|can not|unable to|won'?t|will not|not able to|no longer|unfortunately not|do not expect|don'?t expect"),
    kinds: [
      ['callback', stems('call(?:s|ing)? you|call back|callback|ring you|phone you|get back to you|give you a (?:call|ring|buzz)|reach out to you|(?:be|get) in touch')],
      ['refund', stems('refund|reimburs|credit(?:ed)? (?:back|to your)|money back|compensat|voucher|miles')],
      ['update', stems('updat|keep you (?:posted|informed)|let you know|inform you|notify you|(?:message|e-?mail|text|write to) you|news|follow up|status')],
      ['fix', words('fix(?:ed)?|resolve[ds]?|restored?|repair(?:ed)?|working again|back (?:up|online)')],
    ],
    businessDays: words('(\\d+|one|two|three|four|five|six|seven|eight|nine|ten) (?:business|working) days?'),
    endOfDay: words('end of (?:the )?(?:business )?day|eod|close of business|cob|by tonight'),
    numbers: EN_NUMBERS,
  },
  es: {
    code: 'es',
    chrono: chrono.es.casual,
    cue: stems(
      '(?:le|te|les|los|las|lo|la) (?:llam|contact|escrib|inform|avis|devolv|dar|enviar|reembols|actualiz|mantendr)|llamaremos|llamaré|contactaremos|escribiremos|informaremos|avisaremos|enviaremos|daremos|recibir[áa]s?|tendr[áa]s?|vamos a|voy a|me comprometo|nos comprometemos|nos pondremos en contacto|volveremos a|estar[áa] (?:resuelto|solucionado|reembolsado)',
    ),
    negation: stems('no (?:podemos|puedo|podremos|le|te|les|vamos|será)|lamentablemente no'),
    kinds: [
      ['callback', stems('llam|devolv\\p{L}* la llamada|nos pondremos en contacto|contact')],
      ['refund', stems('reembols|devoluci[óo]n del (?:dinero|importe)|reintegr')],
      ['update', stems('actualizaci|actualiz|inform|novedad|avis|mantendr\\p{L}* al tanto|noticias')],
      ['fix', stems('soluciona|arregl|resolver|resuelto|restablec|reparar')],
    ],
    businessDays: words('(\\d+|un|una|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez) d[ií]as? (?:h[áa]biles|laborables)'),
    endOfDay: words('(?:antes del |al )?final del d[íi]a|al cierre del d[íi]a'),
    numbers: ES_NUMBERS,
  },
  pt: {
    code: 'pt',
    chrono: chrono.pt.casual,
    cue: stems(
      'vamos|iremos|ligaremos|retornaremos|entraremos em contato|informaremos|enviaremos|daremos|receber[áa]|ter[áa]|(?:lhe|te) (?:ligar|ligamos|retorn|envi|inform|avis)|me comprometo|nos comprometemos|estar[áa] (?:resolvido|reembolsado)',
    ),
    negation: stems('n[ãa]o (?:podemos|posso|vamos|iremos|conseguimos|ser[áa])|infelizmente n[ãa]o'),
    kinds: [
      ['callback', stems('lig|retorn\\p{L}* a (?:sua )?liga|entraremos em contato|retornaremos')],
      ['refund', stems('reembols|estorn|devolu[çc][ãa]o do (?:dinheiro|valor)')],
      ['update', stems('atualiz|inform|novidade|avis')],
      ['fix', stems('resolv|corrig|consert|restabelec')],
    ],
    businessDays: words('(\\d+|um|uma|dois|duas|tr[êe]s|quatro|cinco|seis|sete|oito|nove|dez) dias? [úu]teis'),
    endOfDay: words('(?:at[ée] o )?final do dia|fim do dia'),
    // chrono's Portuguese has no relative durations ("em 2 horas").
    relative: words('(?:em|dentro de|no prazo de|daqui a) (\\d+|um|uma|dois|duas|tr[êe]s|quatro|cinco|seis|sete|oito|nove|dez) (minutos?|horas?|dias?|semanas?)'),
    units: { minuto: 'minute', minutos: 'minute', hora: 'hour', horas: 'hour', dia: 'day', dias: 'day', semana: 'week', semanas: 'week' },
    numbers: PT_NUMBERS,
  },
  fr: {
    code: 'fr',
    chrono: chrono.fr.casual,
    cue: stems(
      "nous vous|je vous|on vous|vous (?:recevrez|serez|aurez)|nous allons|je vais|nous reviendrons|je reviendrai|nous nous engageons|je m'engage|sera (?:rembours|résolu|rétabli)",
    ),
    negation: stems('ne (?:pouvons|pourrons|peux|pourrai)|pas en mesure|malheureusement'),
    kinds: [
      ['callback', stems('rappel|appel|reviendr\\p{L}* vers vous|recontact')],
      ['refund', stems('rembours|avoir ')],
      ['update', stems('inform|nouvelles|mise à jour|tiendr\\p{L}* au courant|tenir au courant|point')],
      ['fix', stems('résoudre|résolu|répar|rétabli|corrig')],
    ],
    businessDays: words('(\\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix) jours? ouvr(?:és|ables|é|able)'),
    endOfDay: words("(?:d'ici la |avant la )?fin de (?:la )?journée"),
    numbers: FR_NUMBERS,
  },
  ru: {
    code: 'ru',
    chrono: chrono.ru.casual,
    cue: stems('перезвон|позвоним|свяжемся|свяжусь|сообщим|сообщу|напишем|вернём|вернем|получите|обновим|исправим|решим|восстановим|обещаем|постараемся|будет (?:возвращ|исправл|решен|восстановл)'),
    negation: stems('не (?:можем|сможем|могу|смогу|будем)|к сожалению'),
    kinds: [
      ['callback', stems('перезвон|позвон|свяжемся|свяжусь')],
      ['refund', stems('возврат|вернём деньги|вернем деньги|вернём средства|вернем средства|возмещ|компенсац')],
      ['update', stems('сообщим|сообщу|информир|новост|обновл|напишем')],
      ['fix', stems('исправ|устран|восстанов|решим|починим')],
    ],
    businessDays: new RegExp(`${B}(\\d+|один|одного|два|двух|три|трёх|трех|четыре|четырёх|пять|пяти|семь|семи|десять|десяти) рабоч(?:их|ий|его) (?:дн(?:ей|я)|день)${E}`, 'iu'),
    endOfDay: stems('до конца (?:рабочего )?дня'),
    numbers: RU_NUMBERS,
  },
  ar: {
    code: 'ar',
    chrono: chrono.ar.casual,
    // Arabic future tense is a prefix (س، سوف), so cues are stems.
    cue: new RegExp(`${B}(?:س[نأتي]\\p{L}{2,}|سوف|نعدك|نتعهد)`, 'u'),
    negation: stems('لن |لا نستطيع|لا يمكننا|للأسف'),
    kinds: [
      ['callback', stems('سنتصل|نتصل|سأتصل|سنعاود الاتصال|الاتصال بك|نعاود')],
      ['refund', stems('استرداد|استرجاع|سنعيد (?:لك )?المبلغ|تعويض')],
      ['update', stems('سنوافيك|نوافيك|سنبلغك|نبلغك|سنخبرك|نخبرك|تحديث|بالمستجدات|مستجدات|سنعلمك')],
      ['fix', stems('إصلاح|اصلاح|حل المشكلة|سنحل|استعادة')],
    ],
    businessDays: new RegExp('(\\d+|[٠-٩]+) أيام عمل', 'u'),
    endOfDay: stems('(?:قبل |بحلول )?نهاية (?:اليوم|يوم العمل)'),
    numbers: {},
  },
  ja: {
    code: 'ja',
    chrono: chrono.ja.casual,
    // Japanese commitments end in polite volitional or future forms.
    cue: /(?:します|いたします|致します|させていただきます|させて頂きます|予定です|お約束|いたしますので|します。)/u,
    negation: /(?:できません|いたしかねます|致しかねます|できかねます)/u,
    kinds: [
      ['callback', /(?:お電話|電話|折り返し)/u],
      ['refund', /(?:返金|払い戻し|払戻)/u],
      ['update', /(?:ご連絡|連絡|お知らせ|ご報告|報告|最新情報|ご案内)/u],
      ['fix', /(?:復旧|修正|解決|修理)/u],
    ],
    businessDays: /(\d+|[一二三四五六七八九十])\s*営業日/u,
    endOfDay: /(?:本日中|今日中|本日の終業)/u,
    // chrono's Japanese lacks "within N hours" (N時間以内) and "N hours later" (N時間後).
    relative: /(\d+|[一二三四五六七八九十])\s*(分|時間|日|週間)(?:以内|後|のうち)/u,
    units: { 分: 'minute', 時間: 'hour', 日: 'day', 週間: 'week' },
    numbers: JA_NUMBERS,
  },
};

/** Picks the languages to try for a text: its declared language if supported, else by script. */
export function candidateLanguages(text: string, declared: string | undefined, enabled: readonly PromiseLanguage[]): PromiseLanguage[] {
  const base = declared?.toLowerCase().split(/[-_]/)[0];
  if (base && (enabled as readonly string[]).includes(base)) return [base as PromiseLanguage];
  const scripted: PromiseLanguage | undefined = /[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)
    ? 'ja'
    : /\p{Script=Cyrillic}/u.test(text)
      ? 'ru'
      : /\p{Script=Arabic}/u.test(text)
        ? 'ar'
        : /\p{Script=Han}/u.test(text)
          ? 'ja'
          : undefined;
  if (scripted) return enabled.includes(scripted) ? [scripted] : [];
  return enabled.filter((l) => l !== 'ja' && l !== 'ru' && l !== 'ar');
}
