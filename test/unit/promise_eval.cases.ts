/**
 * An evaluation set for promise extraction: agents' replies written in the way support teams
 * write (not the scenario's phrases, not the unit tests' phrases), each labelled by hand with the
 * promise it makes (kind, due time) or none. Every message is sent on Tuesday 10 March 2026 at
 * 14:00 UTC; `offset` is the customer's UTC offset in minutes. Labels were written before the
 * extractor was run on them. EVAL_CASES was measured once blind, then the extractor's word lists
 * were widened where it failed; HELD_OUT_CASES were written after that and measured blind once
 * (numbers in sql/README.md).
 */
export interface EvalCase {
  text: string;
  lang?: string;
  offset?: number;
  /** The promises made, in text order; empty for none. */
  expect: { kind: 'callback' | 'refund' | 'fix' | 'update' | 'other'; due: string }[];
}

export const EVAL_MADE_AT = Date.parse('2026-03-10T14:00:00Z');

export const EVAL_CASES: EvalCase[] = [
  // English: promises.
  { text: "Thanks for bearing with us. I'll give you a ring back within the next hour once I've spoken to the airport team.", expect: [{ kind: 'callback', due: '2026-03-10T15:00:00Z' }] },
  { text: 'We will send you an update by 6pm today.', expect: [{ kind: 'update', due: '2026-03-10T18:00:00Z' }] },
  { text: 'Your refund has been approved and you should receive it within 7 business days.', expect: [{ kind: 'refund', due: '2026-03-19T14:00:00Z' }] },
  { text: 'I have escalated this to our engineers and we expect the booking tool to be fixed within 4 hours.', expect: [{ kind: 'fix', due: '2026-03-10T18:00:00Z' }] },
  { text: 'I will follow up with you tomorrow.', expect: [{ kind: 'update', due: '2026-03-11T23:59:59Z' }] },
  { text: 'Someone from our team will call you back in 20 minutes.', expect: [{ kind: 'callback', due: '2026-03-10T14:20:00Z' }] },
  { text: 'We will keep you posted every 30 minutes until this is resolved.', expect: [{ kind: 'update', due: '2026-03-10T14:30:00Z' }] },
  { text: "I'll get back to you by Friday with the compensation details.", expect: [{ kind: 'callback', due: '2026-03-13T23:59:59Z' }] },
  { text: 'Expect a full refund to your card within 10 working days.', expect: [{ kind: 'refund', due: '2026-03-24T14:00:00Z' }] },
  { text: 'We will update you again in 2 hrs.', expect: [{ kind: 'update', due: '2026-03-10T16:00:00Z' }] },
  { text: 'I promise to call you back before 5 pm.', offset: 60, expect: [{ kind: 'callback', due: '2026-03-10T16:00:00Z' }] },
  { text: "We're going to restore check-in by 9am tomorrow morning.", offset: -300, expect: [{ kind: 'fix', due: '2026-03-11T14:00:00Z' }] },
  { text: 'A supervisor will reach out to you within 24 hours.', expect: [{ kind: 'callback', due: '2026-03-11T14:00:00Z' }] },
  { text: "Sorry again. I'll message you as soon as I hear back, at the latest in 45 minutes.", expect: [{ kind: 'update', due: '2026-03-10T14:45:00Z' }] },
  { text: 'You will receive your new boarding pass by email within 15 minutes.', expect: [{ kind: 'other', due: '2026-03-10T14:15:00Z' }] },
  { text: 'We will credit 5000 miles to your account within 3 days.', expect: [{ kind: 'refund', due: '2026-03-13T14:00:00Z' }] },
  { text: "I'll call you back at 4:30pm.", offset: 0, expect: [{ kind: 'callback', due: '2026-03-10T16:30:00Z' }] },
  { text: 'We will let you know by end of day whether the flight operates.', offset: 0, expect: [{ kind: 'update', due: '2026-03-10T23:59:59Z' }] },
  { text: 'I will call you back in 10 minutes. Your refund will follow within 5 business days.', expect: [{ kind: 'callback', due: '2026-03-10T14:10:00Z' }, { kind: 'refund', due: '2026-03-17T14:00:00Z' }] },
  { text: 'Our team will be in touch on Thursday.', expect: [{ kind: 'callback', due: '2026-03-12T23:59:59Z' }] },
  // English: no promise.
  { text: 'I can see your flight was cancelled at 6am this morning. I am so sorry.', expect: [] },
  { text: 'Could you send us your booking reference so we can look into it?', expect: [] },
  { text: 'Can we call you back in 10 minutes?', expect: [] },
  { text: 'Unfortunately we cannot guarantee a callback within 2 hours today.', expect: [] },
  { text: 'Your refund was processed on March 2 and should already be on your statement.', expect: [] },
  { text: 'If you do not hear from us within 48 hours, please reply to this message.', expect: [] },
  { text: 'Our lines are open from 8am to 8pm every day.', expect: [] },
  { text: 'Thanks, glad it worked out! Have a good flight.', expect: [] },
  { text: 'I have rebooked you on AU452 departing tomorrow at 10:15.', expect: [] },
  { text: 'The delay is currently estimated at 3 hours.', expect: [] },
  // Spanish.
  { text: 'Te llamamos en 30 minutos para confirmar el cambio.', expect: [{ kind: 'callback', due: '2026-03-10T14:30:00Z' }] },
  { text: 'Le enviaremos una actualización antes de las 18:00.', offset: 60, expect: [{ kind: 'update', due: '2026-03-10T17:00:00Z' }] },
  { text: 'Recibirás el reembolso en un plazo de 10 días hábiles.', expect: [{ kind: 'refund', due: '2026-03-24T14:00:00Z' }] },
  { text: 'Nos pondremos en contacto con usted mañana por la mañana.', offset: 60, expect: [{ kind: 'callback', due: '2026-03-11T11:00:00Z' }] },
  { text: 'Vamos a solucionar el problema de la app en 2 horas.', expect: [{ kind: 'fix', due: '2026-03-10T16:00:00Z' }] },
  { text: 'Gracias por su paciencia, estamos revisando su caso.', expect: [] },
  { text: 'Su vuelo salió ayer a las 17:00.', expect: [] },
  { text: 'Lamentablemente no podemos devolverle la llamada hoy.', expect: [] },
  // Portuguese.
  { text: 'Vamos ligar para você em 1 hora.', expect: [{ kind: 'callback', due: '2026-03-10T15:00:00Z' }] },
  { text: 'Você receberá o reembolso em até 7 dias úteis.', expect: [{ kind: 'refund', due: '2026-03-19T14:00:00Z' }] },
  { text: 'Obrigado pelo contato, já estamos verificando.', expect: [] },
  // French.
  { text: 'Nous vous rappellerons dans 30 minutes.', expect: [{ kind: 'callback', due: '2026-03-10T14:30:00Z' }] },
  { text: 'Vous recevrez votre remboursement sous 5 jours ouvrés.', expect: [{ kind: 'refund', due: '2026-03-17T14:00:00Z' }] },
  { text: 'Merci pour votre patience, nous regardons votre dossier.', expect: [] },
  // Russian.
  { text: 'Мы перезвоним вам через 15 минут.', expect: [{ kind: 'callback', due: '2026-03-10T14:15:00Z' }] },
  { text: 'Мы сообщим вам о статусе рейса завтра.', offset: 180, expect: [{ kind: 'update', due: '2026-03-11T20:59:59Z' }] },
  { text: 'Спасибо за ожидание, мы проверяем ваше бронирование.', expect: [] },
  // Arabic.
  { text: 'سنتصل بك خلال 30 دقيقة', expect: [{ kind: 'callback', due: '2026-03-10T14:30:00Z' }] },
  { text: 'سنوافيك بالتحديثات غدا', offset: 180, expect: [{ kind: 'update', due: '2026-03-11T20:59:59Z' }] },
  { text: 'شكرا لتواصلك معنا، نحن نراجع حجزك الآن', expect: [] },
  // Japanese.
  { text: '30分以内に折り返しお電話いたします。', expect: [{ kind: 'callback', due: '2026-03-10T14:30:00Z' }] },
  { text: '明日までに最新情報をご連絡いたします。', offset: 540, expect: [{ kind: 'update', due: '2026-03-11T14:59:59Z' }] },
  { text: 'お問い合わせありがとうございます。確認しております。', expect: [] },
];

/** Written after the extractor was last changed; its first measurement is the honest one. */
export const HELD_OUT_CASES: EvalCase[] = [
  { text: 'Hi Maria, I have flagged your case as urgent. We will phone you within 90 minutes.', expect: [{ kind: 'callback', due: '2026-03-10T15:30:00Z' }] },
  { text: 'Our engineers expect the website to be back online in about 3 hours; we will update this thread then.', expect: [{ kind: 'fix', due: '2026-03-10T17:00:00Z' }] },
  { text: "You'll get an email confirmation within the next 30 minutes.", expect: [{ kind: 'update', due: '2026-03-10T14:30:00Z' }] },
  { text: 'We will refund the difference by Monday.', expect: [{ kind: 'refund', due: '2026-03-16T23:59:59Z' }] },
  { text: 'I will check with the gate and message you back in 5 mins.', expect: [{ kind: 'update', due: '2026-03-10T14:05:00Z' }] },
  { text: 'The hotel voucher will be sent to you by 8pm tonight.', offset: 0, expect: [{ kind: 'refund', due: '2026-03-10T20:00:00Z' }] },
  { text: 'We aim to have all systems restored by 11:00 tomorrow.', offset: 60, expect: [{ kind: 'fix', due: '2026-03-11T10:00:00Z' }] },
  { text: 'Someone will contact you within 2 business days to arrange the compensation.', expect: [{ kind: 'callback', due: '2026-03-12T14:00:00Z' }] },
  { text: "I'm going to ring you back in an hour.", expect: [{ kind: 'callback', due: '2026-03-10T15:00:00Z' }] },
  { text: 'We will post the next status update at 15:30.', offset: 0, expect: [{ kind: 'update', due: '2026-03-10T15:30:00Z' }] },
  { text: 'Rest assured, your bag will be delivered to your home within 48 hours.', expect: [{ kind: 'other', due: '2026-03-12T14:00:00Z' }] },
  { text: 'We were hoping to call you back yesterday but the lines were down.', expect: [] },
  { text: 'Did you receive the refund we sent last week?', expect: [] },
  { text: 'Flights are expected to resume around 6pm, but we have no confirmation yet.', expect: [] },
  { text: 'Please call us back on 0800 123 456 at any time.', expect: [] },
  { text: 'Your next flight leaves in 2 hours from gate 14.', expect: [] },
  { text: 'We cannot process refunds until tomorrow, sorry.', expect: [] },
  { text: 'Te escribimos en una hora con la nueva reserva.', expect: [{ kind: 'update', due: '2026-03-10T15:00:00Z' }] },
  { text: 'Le devolveremos el dinero en 5 días laborables.', expect: [{ kind: 'refund', due: '2026-03-17T14:00:00Z' }] },
  { text: 'Su maleta llegó ayer al aeropuerto.', expect: [] },
  { text: 'Entraremos em contato amanhã.', offset: -180, expect: [{ kind: 'callback', due: '2026-03-12T02:59:59Z' }] },
  { text: 'Nous vous tiendrons informé dans une heure.', expect: [{ kind: 'update', due: '2026-03-10T15:00:00Z' }] },
  { text: 'Мы вернём деньги в течение 3 рабочих дней.', expect: [{ kind: 'refund', due: '2026-03-13T14:00:00Z' }] },
  { text: 'Ваш рейс был отменён вчера.', expect: [] },
  { text: 'سنعاود الاتصال بك خلال ساعة', expect: [{ kind: 'callback', due: '2026-03-10T15:00:00Z' }] },
  { text: 'تم إلغاء رحلتك أمس', expect: [] },
  { text: '1時間後にお電話いたします。', expect: [{ kind: 'callback', due: '2026-03-10T15:00:00Z' }] },
  { text: '本日中に返金いたします。', offset: 540, expect: [{ kind: 'refund', due: '2026-03-10T14:59:59Z' }] },
  { text: 'ご不便をおかけして申し訳ございません。', expect: [] },
];
