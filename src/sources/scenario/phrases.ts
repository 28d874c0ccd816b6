/**
 * @module sources/scenario/phrases
 * What customers and agents say in the built-in scenario, in twelve languages. Written for crisiscx;
 * `{f}` is replaced by a flight number and `{n}` by a small number.
 */

export interface LanguagePhrases {
  /** Upset inbound messages: angry, afraid, stranded, waiting. */
  upset: string[];
  /** Calm inbound messages: questions and requests. */
  calm: string[];
  /** A customer's closing pleasantry after a reply. */
  thanks: string[];
  /** A follow-up when nobody answers. */
  chase: string[];
}

export const PHRASES: Record<string, LanguagePhrases> = {
  en: {
    upset: [
      'Flight {f} cancelled and nobody at the gate knows anything. This is a disgrace!!',
      "I've been on hold for 2 hours. TWO HOURS. Is anyone working there?",
      'Still waiting for an answer about my refund. Third time I ask.',
      'Stranded in the airport with two small kids, no hotel, no food vouchers. Absolutely unacceptable',
      'Your app keeps crashing and I cannot check in. I will miss my connection because of you 😡',
      'No refund, no rebooking, no reply. Worst airline ever.',
      'My mother is elderly and stuck at the gate for 6 hours without her medication, please help urgently',
      'You cancelled {f} with zero notice and now your chat is down too. Furious.',
      'Why is nobody answering?? I need to know if I can fly today',
      'I am scared, my visa expires tomorrow and my flight {f} is gone',
    ],
    calm: [
      'Hi, can I change the seat on my booking for flight {f}?',
      'How many bags can I bring on a domestic flight?',
      'Please cancel my subscription to the newsletter',
      'Could you send me the invoice for booking {n}?',
      'Is there wifi on flight {f}?',
      'What time does check-in open for {f} tomorrow?',
      'I would like to add a meal preference to my booking.',
    ],
    thanks: ['thanks!', 'ok 👍', 'Thank you', 'great, thanks', 'ok thx'],
    chase: ['Hello?? Still waiting', 'Any update? It has been an hour', 'Third time I ask, please answer', '???'],
  },
  es: {
    upset: [
      'Me cancelaron el vuelo {f} y nadie me da una solución. ¡Es una vergüenza!',
      'Llevo dos horas esperando en el teléfono y nadie contesta',
      'Sigo esperando mi reembolso, ya es la tercera vez que pregunto',
      'Estoy atrapada en el aeropuerto con mis hijos, sin hotel ni comida. Inaceptable',
      'Pésimo servicio, nadie responde y perdí mi conexión',
    ],
    calm: ['Hola, ¿puedo cambiar mi asiento del vuelo {f}?', '¿Cuántas maletas puedo llevar?', 'Quisiera la factura de mi reserva {n}, por favor'],
    thanks: ['gracias', 'muchas gracias!', 'ok gracias'],
    chase: ['¿Hola? Sigo esperando', '¿Alguna novedad?'],
  },
  pt: {
    upset: [
      'Meu voo {f} foi cancelado e ninguém me ajuda. Que absurdo!',
      'Estou há duas horas esperando atendimento, é um desrespeito',
      'Ainda estou esperando meu reembolso, já é a terceira vez que peço',
      'Fiquei preso no aeroporto sem hotel e sem informação. Péssimo',
    ],
    calm: ['Olá, posso mudar meu assento no voo {f}?', 'Qual é a franquia de bagagem?', 'Preciso da nota fiscal da reserva {n}'],
    thanks: ['obrigado!', 'valeu', 'obrigada 👍'],
    chase: ['Alguém? Ainda esperando', 'Alguma novidade?'],
  },
  fr: {
    upset: [
      "Mon vol {f} est annulé et personne ne répond. C'est scandaleux !",
      "J'attends depuis deux heures au téléphone, c'est inadmissible",
      "Toujours pas de remboursement, c'est la troisième fois que je demande",
      "Bloqué à l'aéroport avec mes enfants, sans hôtel. Honteux",
    ],
    calm: ['Bonjour, puis-je changer mon siège sur le vol {f} ?', 'Combien de bagages puis-je emporter ?', 'Pouvez-vous m’envoyer la facture de la réservation {n} ?'],
    thanks: ['merci !', 'merci beaucoup', 'ok merci'],
    chase: ['Allô ? Toujours en attente', 'Des nouvelles ?'],
  },
  hi: {
    upset: [
      'मेरी फ्लाइट {f} रद्द हो गई और कोई जवाब नहीं दे रहा। बहुत बुरा अनुभव!',
      'दो घंटे से होल्ड पर हूँ, कोई बात नहीं कर रहा',
      'अभी तक रिफंड नहीं मिला, तीसरी बार पूछ रहा हूँ',
      'एयरपोर्ट पर बच्चों के साथ फँसे हैं, न होटल न खाना। शर्मनाक',
    ],
    calm: ['नमस्ते, क्या मैं फ्लाइट {f} में अपनी सीट बदल सकता हूँ?', 'कितना सामान ले जा सकते हैं?', 'कृपया बुकिंग {n} का बिल भेज दें'],
    thanks: ['धन्यवाद', 'शुक्रिया!', 'ठीक है धन्यवाद'],
    chase: ['कोई है? अभी भी इंतज़ार कर रहा हूँ', 'कोई अपडेट?'],
  },
  ar: {
    upset: [
      'تم إلغاء رحلتي {f} ولا أحد يرد علي. هذا أمر مخزٍ!',
      'أنتظر على الهاتف منذ ساعتين بدون أي رد',
      'ما زلت أنتظر استرداد أموالي، هذه المرة الثالثة التي أسأل فيها',
      'عالق في المطار مع أطفالي بدون فندق ولا طعام. غير مقبول',
    ],
    calm: ['مرحبا، هل يمكنني تغيير مقعدي في الرحلة {f}؟', 'كم عدد الحقائب المسموح بها؟', 'أرجو إرسال فاتورة الحجز {n}'],
    thanks: ['شكرا', 'شكرا جزيلا!', 'تمام شكرا'],
    chase: ['مرحبا؟ ما زلت أنتظر', 'هل من جديد؟'],
  },
  id: {
    upset: [
      'Penerbangan {f} dibatalkan dan tidak ada yang membantu. Sangat mengecewakan!',
      'Sudah dua jam saya menunggu di telepon, tidak ada jawaban',
      'Masih menunggu refund, ini ketiga kalinya saya bertanya',
      'Terjebak di bandara bersama anak-anak tanpa hotel. Keterlaluan',
    ],
    calm: ['Halo, bisakah saya mengganti kursi di penerbangan {f}?', 'Berapa bagasi yang boleh dibawa?', 'Mohon kirim tagihan untuk pemesanan {n}'],
    thanks: ['terima kasih', 'makasih!', 'oke terima kasih'],
    chase: ['Halo? Masih menunggu', 'Ada kabar?'],
  },
  bn: {
    upset: [
      'আমার ফ্লাইট {f} বাতিল হয়েছে আর কেউ উত্তর দিচ্ছে না। খুবই খারাপ!',
      'দুই ঘণ্টা ধরে অপেক্ষা করছি, কেউ সাহায্য করছে না',
      'এখনও টাকা ফেরত পাইনি, তৃতীয়বার জিজ্ঞেস করছি',
      'বিমানবন্দরে বাচ্চাদের নিয়ে আটকে আছি, কোনো হোটেল নেই। লজ্জাজনক',
    ],
    calm: ['হ্যালো, আমি কি ফ্লাইট {f}-এ আসন পরিবর্তন করতে পারি?', 'কত ব্যাগ নেওয়া যাবে?', 'বুকিং {n}-এর রসিদ পাঠান দয়া করে'],
    thanks: ['ধন্যবাদ', 'অনেক ধন্যবাদ!'],
    chase: ['হ্যালো? এখনও অপেক্ষা করছি', 'কোনো খবর?'],
  },
  ur: {
    upset: [
      'میری فلائٹ {f} منسوخ ہو گئی اور کوئی جواب نہیں دے رہا۔ بہت برا!',
      'دو گھنٹے سے انتظار کر رہا ہوں، کوئی مدد نہیں',
      'ابھی تک ریفنڈ نہیں ملا، تیسری بار پوچھ رہا ہوں',
      'ایئرپورٹ پر بچوں کے ساتھ پھنسے ہوئے ہیں، نہ ہوٹل نہ کھانا۔ شرمناک',
    ],
    calm: ['السلام علیکم، کیا میں فلائٹ {f} میں اپنی سیٹ بدل سکتا ہوں؟', 'کتنا سامان لے جا سکتے ہیں؟', 'براہ کرم بکنگ {n} کی رسید بھیج دیں'],
    thanks: ['شکریہ', 'بہت شکریہ!'],
    chase: ['کوئی ہے؟ ابھی تک انتظار', 'کوئی خبر؟'],
  },
  ne: {
    upset: [
      'मेरो उडान {f} रद्द भयो र कसैले जवाफ दिँदैन। धेरै नराम्रो!',
      'दुई घण्टादेखि पर्खिरहेको छु, कसैले सहयोग गरेन',
      'अझै पैसा फिर्ता पाएको छैन, तेस्रो पटक सोध्दैछु',
      'विमानस्थलमा बच्चाहरूसँग अड्किएका छौं, होटल छैन। लाजमर्दो',
    ],
    calm: ['नमस्ते, के म उडान {f} मा सिट परिवर्तन गर्न सक्छु?', 'कति झोला लैजान मिल्छ?', 'कृपया बुकिङ {n} को बिल पठाउनुहोस्'],
    thanks: ['धन्यवाद', 'धेरै धन्यवाद!'],
    chase: ['कोही हुनुहुन्छ? अझै पर्खिरहेको छु', 'केही खबर?'],
  },
  kn: {
    upset: [
      'ನನ್ನ ವಿಮಾನ {f} ರದ್ದಾಗಿದೆ ಮತ್ತು ಯಾರೂ ಉತ್ತರಿಸುತ್ತಿಲ್ಲ. ತುಂಬಾ ಕೆಟ್ಟದು!',
      'ಎರಡು ಗಂಟೆಯಿಂದ ಕಾಯುತ್ತಿದ್ದೇನೆ, ಯಾರೂ ಸಹಾಯ ಮಾಡುತ್ತಿಲ್ಲ',
      'ಇನ್ನೂ ಹಣ ವಾಪಸ್ ಬಂದಿಲ್ಲ, ಮೂರನೇ ಬಾರಿ ಕೇಳುತ್ತಿದ್ದೇನೆ',
    ],
    calm: ['ನಮಸ್ಕಾರ, ವಿಮಾನ {f} ನಲ್ಲಿ ನನ್ನ ಆಸನ ಬದಲಾಯಿಸಬಹುದೇ?', 'ಎಷ್ಟು ಬ್ಯಾಗ್ ತೆಗೆದುಕೊಂಡು ಹೋಗಬಹುದು?'],
    thanks: ['ಧನ್ಯವಾದಗಳು', 'ಧನ್ಯವಾದ!'],
    chase: ['ಯಾರಾದರೂ ಇದ್ದೀರಾ? ಇನ್ನೂ ಕಾಯುತ್ತಿದ್ದೇನೆ'],
  },
  lo: {
    upset: [
      'ຖ້ຽວບິນ {f} ຂອງຂ້ອຍຖືກຍົກເລີກ ແລະ ບໍ່ມີໃຜຕອບເລີຍ. ແຍ່ຫຼາຍ!',
      'ລໍຖ້າມາສອງຊົ່ວໂມງແລ້ວ ບໍ່ມີໃຜຊ່ວຍ',
      'ຍັງບໍ່ໄດ້ເງິນຄືນ ຖາມເປັນເທື່ອທີສາມແລ້ວ',
    ],
    calm: ['ສະບາຍດີ, ຂ້ອຍສາມາດປ່ຽນບ່ອນນັ່ງໃນຖ້ຽວບິນ {f} ໄດ້ບໍ?', 'ເອົາກະເປົາໄປໄດ້ຈັກໜ່ວຍ?'],
    thanks: ['ຂອບໃຈ', 'ຂອບໃຈຫຼາຍໆ!'],
    chase: ['ມີໃຜຢູ່ບໍ? ຍັງລໍຖ້າຢູ່'],
  },
};

/** Share of customers writing in each language (sums to 1). */
export const LANGUAGE_MIX: [string, number][] = [
  ['en', 0.55],
  ['es', 0.1],
  ['pt', 0.06],
  ['fr', 0.05],
  ['hi', 0.05],
  ['ar', 0.04],
  ['id', 0.04],
  ['bn', 0.03],
  ['ur', 0.03],
  ['ne', 0.02],
  ['kn', 0.015],
  ['lo', 0.015],
];

/** Agents' replies (English and Spanish, the brand's support languages). */
export const AGENT = {
  ack: {
    en: ['Hi, I am sorry for the trouble. Let me look into this for you.', 'Thanks for your patience, I am checking your booking now.'],
    es: ['Hola, lamentamos las molestias. Estoy revisando su reserva.'],
  },
  solve: {
    en: ['You are rebooked on the next available flight, confirmation sent by e-mail.', 'Your refund has been processed.'],
    es: ['Su reserva ha sido cambiada al próximo vuelo disponible.'],
  },
  /** Promise texts: kind, hours until due, text ({h} hours). */
  promise: [
    { kind: 'callback', hours: 2, en: 'I will call you back within 2 hours with a new itinerary.', es: 'Le llamamos en 2 horas con un nuevo itinerario.' },
    { kind: 'update', hours: 1, en: 'We will update you within the hour as soon as systems are back.', es: 'Le daremos una actualización en una hora.' },
    { kind: 'refund', hours: 120, en: 'Expect your refund in 5 days.', es: 'Recibirá su reembolso en 5 días.' },
  ],
} as const;

export const BROADCASTS = {
  first: 'We are aware of a systems outage affecting check-in and bookings. Our teams are working on it. Updates here every 30 minutes.',
  second: 'Update: check-in is still unavailable at most airports. If your flight is cancelled you can rebook free of charge.',
  late: 'Update: systems are coming back. We are sorry for the long silence. Rebooking and refunds are open in the app.',
  recovering: 'Most systems are restored. Expect delays at airports for the next hours.',
  resolved: 'The outage is resolved. All flights operate normally. Thank you for your patience.',
};
