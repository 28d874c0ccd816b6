import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toIso6393 } from '../../src/score/upset/lang-codes.js';
import { LEXICON_SOURCES } from '../../src/score/upset/languages.js';
import { scoreUpset, UpsetScorer } from '../../src/score/upset/scorer.js';

const scorer = new UpsetScorer();
const score = (text: string, lang?: string) => scorer.score({ text, lang }).score;
const label = (text: string, lang?: string) => scorer.score({ text, lang }).label;

describe('upset scorer: customer-service semantics', () => {
  it.each([
    'Still waiting for an answer, this is the third time I ask',
    'My flight was cancelled and nobody is picking up the phone',
    'No refund after six weeks',
    'I have been on hold for 2 hours',
    'Stranded at the gate with a toddler and no information at all',
  ])('labels a complaint upset without any swear word: %s', (text) => {
    expect(label(text)).toBe('upset');
  });

  it.each(['thanks!', 'ok 👍', 'Please cancel my subscription', 'Cancel my newsletter subscription please', 'What time does boarding start?', 'Could you send the receipt again?'])(
    'labels a polite request, a question or thanks not upset: %s',
    (text) => {
      expect(label(text)).toBe('not_upset');
    },
  );

  it('keeps thanks from cancelling a complaint ("still waiting, thanks")', () => {
    expect(label('Still waiting for my refund, thanks')).toBe('upset');
    expect(score('Still waiting for my refund, thanks')).toBeGreaterThan(score('Thanks'));
  });

  it('reads an eye-roll after thanks as sarcasm', () => {
    expect(score('Thanks a lot 🙄')).toBeGreaterThan(score('Thanks a lot'));
  });
});

describe('upset scorer: negation and intensifiers', () => {
  it('flips praise under negation, in several languages', () => {
    const pairs: [string, string, string][] = [
      ['I am happy with the service', 'I am not happy with the service', 'en'],
      ['Estoy contento con el servicio', 'No estoy contento con el servicio', 'es'],
      ['Je suis satisfait du service', 'Je ne suis pas satisfait du service', 'fr'],
      ['Saya puas dengan layanannya', 'Saya tidak puas dengan layanannya', 'id'],
      ['मैं सेवा से खुश हूँ', 'मैं सेवा से खुश नहीं हूँ', 'hi'],
    ];
    for (const [plain, negated, lang] of pairs) {
      expect(label(plain, lang), plain).toBe('not_upset');
      expect(label(negated, lang), negated).toBe('upset');
    }
  });

  it('turns a negated complaint word into reassurance ("not bad at all")', () => {
    expect(score('The new app is not bad at all')).toBeLessThan(score('The new app is bad'));
    expect(label('not bad at all, thanks')).toBe('not_upset');
  });

  it('raises the score with an intensifier and lowers it with a diminisher', () => {
    expect(score('I am very disappointed')).toBeGreaterThan(score('I am disappointed'));
    expect(score('I am a bit disappointed')).toBeLessThan(score('I am disappointed'));
    expect(score('Estoy muy decepcionado', 'es')).toBeGreaterThan(score('Estoy decepcionado', 'es'));
    expect(score('ແຍ່ຫຼາຍ', 'lo')).toBeGreaterThan(score('ແຍ່', 'lo'));
  });

  it('does not let a negator reach across a clause', () => {
    // "not" belongs to the first clause; "happy" in the second is not negated.
    expect(score('Not a problem. Happy with the help')).toBeLessThan(0.2);
  });
});

describe('upset scorer: languages', () => {
  const samples: [string, string, string][] = [
    ['eng', 'en', 'Nobody answers and I am still waiting for my refund'],
    ['spa', 'es', 'Nadie contesta y sigo esperando mi reembolso'],
    ['por', 'pt', 'Ninguém responde e ainda estou esperando meu reembolso'],
    ['fra', 'fr', 'Personne ne répond et j’attends toujours mon remboursement'],
    ['ind', 'id', 'Tidak ada jawaban dan saya masih menunggu refund'],
    ['hin', 'hi', 'कोई जवाब नहीं दे रहा और रिफंड अभी तक नहीं मिला'],
    ['arb', 'ar', 'لا أحد يرد وما زلت أنتظر استرداد المبلغ'],
    ['ben', 'bn', 'কেউ উত্তর দিচ্ছে না, এখনও টাকা ফেরত পাইনি'],
    ['urd', 'ur', 'کوئی جواب نہیں دے رہا اور ریفنڈ ابھی تک نہیں ملا'],
    ['npi', 'ne', 'कसैले जवाफ दिएन र अझै पैसा फिर्ता पाएको छैन'],
    ['kan', 'kn', 'ಯಾರೂ ಉತ್ತರಿಸುತ್ತಿಲ್ಲ, ಹಣ ವಾಪಸ್ ಬಂದಿಲ್ಲ'],
    ['lao', 'lo', 'ບໍ່ມີໃຜຕອບ ຍັງບໍ່ໄດ້ເງິນຄືນ'],
  ];

  it('has a lexicon for the twelve languages of the brief', () => {
    expect(Object.keys(LEXICON_SOURCES).sort()).toEqual(samples.map((s) => s[0]).sort());
  });

  it.each(samples)('%s: detects the language without `lang` and labels the complaint upset', (code, tag, text) => {
    const detected = scorer.score({ text });
    expect(detected.lang).toBe(code);
    expect(detected.label).toBe('upset');
    const declared = scorer.score({ text, lang: tag });
    expect(declared.lang).toBe(code);
    expect(declared.signals.langSource).toBe('given');
  });

  it('maps BCP 47 tags to ISO 639-3 (regions, scripts, macrolanguages)', () => {
    expect(toIso6393('pt-BR')).toEqual({ code: 'por' });
    expect(toIso6393('ar-EG')).toEqual({ code: 'arb' });
    expect(toIso6393('ne')).toEqual({ code: 'npi' });
    expect(toIso6393('zh-Hant-TW')).toEqual({ code: 'cmn' });
    expect(toIso6393('hi-Latn')).toEqual({ code: 'hin', script: 'latin' });
    expect(toIso6393('und')).toBeUndefined();
    expect(toIso6393('')).toBeUndefined();
  });

  it('lets the script overrule a declared language the text is not written in', () => {
    const r = scorer.score({ text: 'अभी तक रिफंड नहीं मिला', lang: 'en' });
    expect(r.lang).toBe('hin');
    expect(r.label).toBe('upset');
  });

  it('matches Lao, written without spaces, inside longer runs of text', () => {
    const r = scorer.score({ text: 'ຂ້ອຍຍັງລໍຖ້າຄຳຕອບຈາກທ່ານຢູ່ເດີ້' });
    expect(r.lang).toBe('lao');
    expect(r.signals.complaint).toBeGreaterThan(0);
  });

  it('accepts spellings without accents, nukta or hamza', () => {
    expect(score('Ninguem responde, que absurdo', 'pt')).toBeCloseTo(score('Ninguém responde, que absurdo', 'pt'), 6);
    expect(score('इंतजार कर रहा हूँ, कोई जवाब नहीं', 'hi')).toBeCloseTo(score('इंतज़ार कर रहा हूँ, कोई जवाब नहीं', 'hi'), 6);
    expect(score('انا انتظر منذ ساعتين', 'ar')).toBeCloseTo(score('أنا أنتظر منذ ساعتين', 'ar'), 6);
  });
});

describe('upset scorer: without a lexicon', () => {
  it('falls back to emoji, punctuation and shouting for a language it has no words for', () => {
    const calm = scorer.score({ text: 'Wo ist mein Koffer, ich warte seit gestern' });
    const loud = scorer.score({ text: 'WO IST MEIN KOFFER, ICH WARTE SEIT GESTERN??? 😡😡' });
    expect(calm.lang).toBeNull();
    expect(loud.lang).toBeNull();
    expect(loud.signals.detected).toBe('deu');
    expect(calm.label).toBe('not_upset');
    expect(loud.label).toBe('upset');
    expect(loud.signals.emoji).toBeGreaterThan(0);
    expect(loud.signals.punctuation).toBeGreaterThan(0);
    expect(loud.signals.shouting).toBeGreaterThan(0);
  });

  it('scores text of no language (only emoji and punctuation)', () => {
    expect(scorer.score({ text: '😡😡😡!!!' }).label).toBe('upset');
    expect(scorer.score({ text: '👍' }).label).toBe('not_upset');
    expect(scorer.score({ text: '' }).lang).toBeNull();
  });

  it('does not take flight codes and airport codes for shouting', () => {
    expect(scorer.score({ text: 'Is AU451 from LHR to JFK on time?' }).signals.shouting).toBe(0);
  });
});

describe('upset scorer: upstream sentiment and context', () => {
  it('blends an upstream sentiment in, by the configured weight', () => {
    const text = 'My booking reference is 58213';
    const base = scorer.score({ text }).score;
    const negative = scorer.score({ text, sentiment: -0.9 }).score;
    const positive = scorer.score({ text, sentiment: 0.9 }).score;
    expect(negative).toBeGreaterThan(base);
    expect(positive).toBeLessThan(base);
    const heavy = new UpsetScorer({ sentimentWeight: 0.8 }).score({ text, sentiment: -0.9 }).score;
    expect(heavy).toBeGreaterThan(negative);
    expect(heavy).toBeGreaterThanOrEqual(0.5);
    expect(new UpsetScorer({ sentimentWeight: 0 }).score({ text, sentiment: -0.9 }).score).toBe(base);
  });

  it('counts an upstream sentiment more for a language without a lexicon', () => {
    const text = 'Hizmetinizden memnun değilim';
    const r = scorer.score({ text, sentiment: -0.9 });
    expect(r.lang).toBeNull();
    expect(r.label).toBe('upset');
  });

  it('raises the score for repeated unanswered messages, other conversations and channel switching', () => {
    const text = 'Hello?';
    const alone = scorer.score({ text }).score;
    const chased = scorer.score({ text, context: { unanswered: 2 } }).score;
    const switched = scorer.score({ text, context: { otherConversations: 1, otherChannels: 1 } }).score;
    expect(chased).toBeGreaterThan(alone);
    expect(switched).toBeGreaterThan(alone);
    expect(scorer.score({ text, context: { unanswered: 3, otherChannels: 1 } }).label).toBe('upset');
  });
});

describe('upset scorer: contract', () => {
  it('always returns a score in [0, 1] whose label agrees with the threshold, the same for the same input', () => {
    const t = new UpsetScorer({ threshold: 0.42 });
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.option(fc.constantFrom('en', 'es', 'hi', 'ar', 'lo', 'kn', 'de', 'xx-invalid', 'und'), { nil: undefined }),
        fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: undefined }),
        fc.record({ unanswered: fc.nat(10), otherConversations: fc.nat(10), otherChannels: fc.nat(5) }),
        (text, lang, sentiment, context) => {
          const a = t.score({ text, lang, sentiment, context });
          expect(a.score).toBeGreaterThanOrEqual(0);
          expect(a.score).toBeLessThanOrEqual(1);
          expect(a.label).toBe(a.score >= 0.42 ? 'upset' : 'not_upset');
          expect(t.score({ text, lang, sentiment, context })).toEqual(a);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('rejects a threshold or weight outside [0, 1], naming the value', () => {
    expect(() => new UpsetScorer({ threshold: 1.5 })).toThrow('upset threshold must be in [0, 1], got 1.5');
    expect(() => new UpsetScorer({ sentimentWeight: -1 })).toThrow('sentiment weight must be in [0, 1], got -1');
  });

  it('explains a score with the terms it matched', () => {
    const r = new UpsetScorer({ explain: true }).score({ text: 'Not happy: still waiting, very disappointed' });
    expect(r.signals.terms).toEqual(expect.arrayContaining(['negated positive:happy', 'complaint:still waiting', 'anger_mild:disappointed ×1.5']));
    expect(scoreUpset({ text: 'thanks!' }).label).toBe('not_upset');
  });
});
