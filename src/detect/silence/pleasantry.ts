/**
 * @module detect/silence/pleasantry
 * What counts as a closing pleasantry ("thanks!", "ok 👍", "gracias", "ধন্যবাদ"): a message made only
 * of such words and phrases, emoji of thanks or approval, spaces and punctuation. After a reply it
 * opens no silence. The same pattern runs in JavaScript (live detector) and in DuckDB's RE2 (view
 * silence_gaps reads it from `silence_settings`), so it is written in the syntax both share:
 * literal characters, `\s`, `\p{..}` classes, no escapes of code points.
 *
 * @example
 * const isPleasantry = pleasantryMatcher(pleasantryPattern([]));
 * isPleasantry('ok 👍'); // true
 */

/** Written for crisiscx: short replies that close a conversation, in the languages customers write in. */
export const PLEASANTRIES: readonly string[] = [
  // English
  'thanks', 'thank you', 'thank u', 'thankyou', 'thx', 'thnx', 'thanx', 'ty', 'tysm', 'cheers', 'many thanks', 'thanks a lot', 'thanks so much',
  'thank you so much', 'thank you very much', 'much appreciated', 'appreciated', 'ok', 'okay', 'okey', 'k', 'kk', 'great', 'perfect', 'cool',
  'nice', 'awesome', 'got it', 'noted', 'sure', 'alright', 'all good', 'sounds good', 'will do', 'bye', 'have a nice day', 'have a good day',
  // Spanish, Portuguese, French, Italian, German
  'gracias', 'muchas gracias', 'mil gracias', 'vale', 'perfecto', 'genial', 'de acuerdo', 'listo', 'obrigado', 'obrigada', 'muito obrigado',
  'muito obrigada', 'valeu', 'brigado', 'brigada', 'beleza', 'perfeito', 'merci', 'merci beaucoup', 'parfait', "d'accord", 'super', 'génial',
  'grazie', 'grazie mille', 'danke', 'danke schön', 'vielen dank',
  // Hindi, Nepali, Bengali, Urdu, Arabic, Indonesian, Kannada, Lao, Japanese
  'धन्यवाद', 'शुक्रिया', 'ठीक है', 'बहुत धन्यवाद', 'धेरै धन्यवाद', 'dhanyavad', 'shukriya', 'theek hai', 'ধন্যবাদ', 'অনেক ধন্যবাদ', 'আচ্ছা',
  'شکریہ', 'بہت شکریہ', 'ٹھیک ہے', 'شكرا', 'شكراً', 'شكرا جزيلا', 'تمام', 'terima kasih', 'makasih', 'oke', 'sip', 'ಧನ್ಯವಾದ', 'ಧನ್ಯವಾದಗಳು',
  'ຂອບໃຈ', 'ຂອບໃຈຫຼາຍ', 'ຂອບໃຈຫຼາຍໆ', 'ありがとう', 'ありがとうございます', '了解',
  // Emoji of thanks or approval (not of anger: "😡" is no pleasantry)
  '👍', '🙏', '😊', '🙂', '☺', '❤', '♥', '👌', '✅', '😀', '😃', '🤝', '💯',
];

/** Separators between the words: spaces, punctuation, emoji presentation and skin-tone modifiers. */
const SEPARATOR = '[\\s\\p{Z}\\p{P}\uFE0F\u200D\u{1F3FB}-\u{1F3FF}]';

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** The pattern (RE2 and JavaScript alike) a lower-cased message must match in full to be a pleasantry. */
export function pleasantryPattern(extra: readonly string[]): string {
  const words = [...new Set([...PLEASANTRIES, ...extra].map((w) => w.toLowerCase().trim()).filter(Boolean))];
  // Longer phrases first, so "thank you so much" is tried before "thank you".
  words.sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  return `^${SEPARATOR}*(?:(?:${words.map(escapeRegex).join('|')})${SEPARATOR}*)+$`;
}

/** A matcher for a pattern from pleasantryPattern (lower-cases the text itself). */
export function pleasantryMatcher(pattern: string): (text: string | undefined) => boolean {
  const re = new RegExp(pattern, 'u');
  return (text) => text !== undefined && text.length <= 200 && re.test(text.toLowerCase());
}
