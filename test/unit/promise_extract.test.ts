import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { addBusinessDays, endOfLocalDay, extractPromises, offsetOfIsoTime, zoneOffsetMinutes } from '../../src/detect/promises/extract.js';

// Friday 13 March 2026, 14:30 UTC.
const FRI = Date.parse('2026-03-13T14:30:00Z');
const at = (iso: string) => Date.parse(iso);
const one = (text: string, opts: Partial<Parameters<typeof extractPromises>[1]> = {}) => {
  const found = extractPromises(text, { madeAt: FRI, ...opts });
  return found.map((p) => ({ kind: p.kind, due: new Date(p.dueAt).toISOString(), lang: p.lang }));
};

describe('promise extraction', () => {
  it.each([
    ['I will call you back within 2 hours with a new itinerary.', 'callback', '2026-03-13T16:30:00.000Z'],
    ['We will update you within the hour as soon as systems are back.', 'update', '2026-03-13T15:30:00.000Z'],
    ["I'll call you back in 30 minutes.", 'callback', '2026-03-13T15:00:00.000Z'],
    ['We will call you within two hours.', 'callback', '2026-03-13T16:30:00.000Z'],
    ['Expect your refund in 5 days.', 'refund', '2026-03-18T14:30:00.000Z'],
    // Friday + 5 business days skips the weekend: the next Friday.
    ['Expect your refund in 5 business days.', 'refund', '2026-03-20T14:30:00.000Z'],
    ["I'll get back to you tomorrow morning.", 'callback', '2026-03-14T12:00:00.000Z'],
    // A day without a time is due by the end of that day.
    ['We will call you on Monday.', 'callback', '2026-03-16T23:59:59.000Z'],
    ['The app will be fixed by end of day.', 'fix', '2026-03-13T23:59:59.000Z'],
  ])('en: %s', (text, kind, due) => {
    expect(one(text)).toEqual([{ kind, due, lang: 'en' }]);
  });

  it.each([
    ['te llamamos mañana', 'callback', '2026-03-14T23:59:59.000Z'],
    ['Le llamamos en 2 horas con un nuevo itinerario.', 'callback', '2026-03-13T16:30:00.000Z'],
    ['Le daremos una actualización en una hora.', 'update', '2026-03-13T15:30:00.000Z'],
    ['Recibirá su reembolso en 5 días hábiles.', 'refund', '2026-03-20T14:30:00.000Z'],
  ])('es: %s', (text, kind, due) => {
    expect(one(text)).toEqual([{ kind, due, lang: 'es' }]);
  });

  it.each([
    ['pt', 'Vamos ligar em 2 horas.', 'callback', '2026-03-13T16:30:00.000Z'],
    ['fr', 'Nous vous rappellerons dans 2 heures.', 'callback', '2026-03-13T16:30:00.000Z'],
    ['ru', 'Мы перезвоним вам в течение часа.', 'callback', '2026-03-13T15:30:00.000Z'],
    ['ru', 'Мы вернём деньги в течение 5 рабочих дней.', 'refund', '2026-03-20T14:30:00.000Z'],
    ['ar', 'سنتصل بك خلال ساعتين', 'callback', '2026-03-13T16:30:00.000Z'],
    ['ar', 'سنوافيك بالمستجدات خلال ساعة', 'update', '2026-03-13T15:30:00.000Z'],
    ['ar', 'سيتم استرداد المبلغ خلال 5 أيام', 'refund', '2026-03-18T14:30:00.000Z'],
    ['ja', '2時間以内にお電話いたします。', 'callback', '2026-03-13T16:30:00.000Z'],
    ['ja', '5営業日以内に返金いたします。', 'refund', '2026-03-20T14:30:00.000Z'],
  ])('%s: %s', (lang, text, kind, due) => {
    expect(one(text)).toEqual([{ kind, due, lang }]);
  });

  it('resolves clock times in the customer time zone', () => {
    // 14:30 UTC is 15:30 in Madrid (UTC+1 in March): 5pm there is 16:00 UTC.
    expect(one('We will update you by 5pm.', { offsetMinutes: 60 })).toEqual([{ kind: 'update', due: '2026-03-13T16:00:00.000Z', lang: 'en' }]);
    // 5pm already passed in Tokyo (23:30 local): the next 5pm.
    expect(one('We will update you by 5pm.', { offsetMinutes: 540 })).toEqual([{ kind: 'update', due: '2026-03-14T08:00:00.000Z', lang: 'en' }]);
    expect(one('明日の午後3時までにご連絡します。', { offsetMinutes: 540 })).toEqual([{ kind: 'update', due: '2026-03-14T06:00:00.000Z', lang: 'ja' }]);
    // "demain avant 17h": chrono reads the day and the time apart; the promise means both.
    expect(one('Nous vous tiendrons informé demain avant 17h.', { offsetMinutes: 60 })).toEqual([{ kind: 'update', due: '2026-03-14T16:00:00.000Z', lang: 'fr' }]);
    expect(one('We will fix it by end of day.', { offsetMinutes: -300 })).toEqual([{ kind: 'fix', due: '2026-03-14T04:59:59.000Z', lang: 'en' }]);
  });

  it('finds one promise per sentence, several per message', () => {
    expect(one("I'll call you back in 30 minutes. Your refund will be processed within 3 working days.")).toEqual([
      { kind: 'callback', due: '2026-03-13T15:00:00.000Z', lang: 'en' },
      { kind: 'refund', due: '2026-03-18T14:30:00.000Z', lang: 'en' },
    ]);
  });

  it.each([
    'Thanks for your patience, I am checking your booking now.',
    'As promised, here is your update: you are rebooked, details by e-mail.',
    'Your flight was at 5pm yesterday.',
    "We can't promise a callback within 2 hours.",
    'Lamentablemente no podemos llamarle mañana.',
    // A due time in the past or beyond the horizon is no promise.
    'We will refund you by March 1.',
    'We will refund you by December 31.',
    '',
  ])('no promise: %s', (text) => {
    expect(one(text)).toEqual([]);
  });

  it('uses the declared language and only the enabled ones', () => {
    expect(one('Le llamamos en 2 horas.', { lang: 'es-MX' })).toHaveLength(1);
    expect(one('Le llamamos en 2 horas.', { lang: 'en' })).toEqual([]);
    expect(one('Мы перезвоним вам в течение часа.', { languages: ['en', 'es'] })).toEqual([]);
  });

  it('is a pure function of text, time and zone', () => {
    const a = extractPromises('We will update you by 5pm.', { madeAt: FRI, offsetMinutes: 60 });
    const b = extractPromises('We will update you by 5pm.', { madeAt: FRI, offsetMinutes: 60 });
    expect(a).toEqual(b);
  });
});

describe('time helpers', () => {
  it('reads the offset written in an ISO time', () => {
    expect(offsetOfIsoTime('2026-03-14T10:00:00+05:30')).toBe(330);
    expect(offsetOfIsoTime('2026-03-14T10:00:00-0300')).toBe(-180);
    expect(offsetOfIsoTime('2026-03-14T10:00:00Z')).toBeUndefined();
    expect(offsetOfIsoTime('2026-03-14T10:00:00+00:00')).toBeUndefined();
    expect(offsetOfIsoTime(1773482400000)).toBeUndefined();
  });

  it('knows daylight saving of IANA zones', () => {
    expect(zoneOffsetMinutes('Europe/Madrid', at('2026-03-13T12:00:00Z'))).toBe(60);
    expect(zoneOffsetMinutes('Europe/Madrid', at('2026-07-13T12:00:00Z'))).toBe(120);
    expect(zoneOffsetMinutes('America/New_York', at('2026-01-13T12:00:00Z'))).toBe(-300);
    expect(zoneOffsetMinutes('Asia/Kathmandu', at('2026-01-13T12:00:00Z'))).toBe(345);
  });

  it('switches offset at the exact instant of a change, whatever the cache saw before', () => {
    // Asked in time order and back, so the cached quarter hour on either side is the one answering.
    const cases: [string, string, number][] = [
      ['Europe/Madrid', '2026-03-29T00:45:00Z', 60],
      ['Europe/Madrid', '2026-03-29T00:59:59.999Z', 60],
      ['Europe/Madrid', '2026-03-29T01:00:00Z', 120],
      ['Europe/Madrid', '2026-10-25T00:59:59.999Z', 120],
      ['Europe/Madrid', '2026-10-25T01:00:00Z', 60],
      ['America/New_York', '2026-03-08T07:00:00Z', -240],
      ['America/New_York', '2026-03-08T06:59:59.999Z', -300],
      // Half-hour daylight saving.
      ['Australia/Lord_Howe', '2026-04-04T14:59:59.999Z', 660],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z', 630],
      // Berlin left local mean time (+0:53:28) at 23:06:32 UTC, inside a quarter hour.
      ['Europe/Berlin', '1893-03-31T23:00:00Z', 53],
      ['Europe/Berlin', '1893-03-31T23:06:31.999Z', 53],
      ['Europe/Berlin', '1893-03-31T23:06:32Z', 60],
      ['Europe/Berlin', '1893-03-31T23:14:59Z', 60],
      ['Europe/Berlin', '1893-03-31T23:06:00Z', 53],
    ];
    for (const [zone, t, minutes] of [...cases, ...[...cases].reverse()]) expect([zone, t, zoneOffsetMinutes(zone, at(t))]).toEqual([zone, t, minutes]);
  });

  it('gives the offset Intl gives for every minute around daylight saving changes', () => {
    const intl = (zone: string, ms: number): number => {
      const p = Object.fromEntries(
        new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
          .formatToParts(ms)
          .map((x) => [x.type, Number(x.value)]),
      );
      return Math.round((Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000) / 60_000);
    };
    const days: [string, string][] = [
      ['Europe/London', '2026-03-29T00:00:00Z'],
      ['America/Sao_Paulo', '2018-11-04T00:00:00Z'],
      ['Australia/Lord_Howe', '2026-10-03T00:00:00Z'],
      ['Asia/Kolkata', '1942-09-01T00:00:00Z'],
    ];
    for (const [zone, day] of days) {
      for (let ms = at(day); ms < at(day) + 86_400_000; ms += 7 * 60_000 + 13_001) expect([zone, ms, zoneOffsetMinutes(zone, ms)]).toEqual([zone, ms, intl(zone, ms)]);
    }
  });

  it('counts business days and the end of a local day', () => {
    expect(new Date(addBusinessDays(FRI, 1, 0)).toISOString()).toBe('2026-03-16T14:30:00.000Z');
    // Friday 23:30 UTC is already Saturday 00:30 in UTC+1: one business day later is Monday 00:30
    // there, which is Sunday 23:30 UTC (in UTC it would have been Monday 23:30).
    expect(new Date(addBusinessDays(at('2026-03-13T23:30:00Z'), 1, 60)).toISOString()).toBe('2026-03-15T23:30:00.000Z');
    expect(new Date(addBusinessDays(at('2026-03-13T23:30:00Z'), 1, 0)).toISOString()).toBe('2026-03-16T23:30:00.000Z');
    expect(new Date(endOfLocalDay(FRI, 330)).toISOString()).toBe('2026-03-13T18:29:59.000Z');
  });
});

describe('detect.promises config', () => {
  it('has working defaults', () => {
    const c = parsePipelineConfig({}).detect.promises;
    expect(c).toMatchObject({ extract: true, grace_secs: 1800, match_window_secs: 900, default_timezone: 'UTC' });
    expect(c.languages).toEqual(['en', 'es', 'pt', 'fr', 'ru', 'ar', 'ja']);
  });

  it('rejects an unknown time zone, language or key, saying what to write', () => {
    expect(() => parsePipelineConfig({ detect: { promises: { default_timezone: 'Europe/Lisbonne' } } }, 'p.yaml')).toThrow(
      /p\.yaml: detect\.promises\.default_timezone: unknown time zone "Europe\/Lisbonne": use an IANA name such as "Europe\/Lisbon"/,
    );
    expect(() => parsePipelineConfig({ detect: { promises: { brand_timezones: { b: 'CEST' } } } }, 'p.yaml')).toThrow(/brand_timezones\.b: unknown time zone "CEST"/);
    expect(() => parsePipelineConfig({ detect: { promises: { languages: ['hi'] } } }, 'p.yaml')).toThrow(/detect\.promises\.languages\.0: expected "en", "es"/);
    expect(() => parsePipelineConfig({ detect: { promises: { grace: 60 } } }, 'p.yaml')).toThrow(/unknown keys grace/);
  });
});
