// Fixed phrases the assistant says without the LLM, in every supported language.
import type { Language } from '../config.ts';

export type FailureCause = 'rate_limited' | 'unreachable' | 'timeout' | 'other' | 'unavailable';

type PhraseKey = `apology_${FailureCause}`;

const PHRASES: Record<Language, Record<PhraseKey, string>> = {
  en: {
    apology_rate_limited: "I'm sorry, I'm handling a lot of requests right now. Please try again in a moment.",
    apology_unreachable: "I'm sorry, I can't reach my assistant service right now. Please try again shortly.",
    apology_timeout: "I'm sorry, that took me too long. Could you say that again?",
    apology_other: "I'm sorry, something went wrong on my side. Please try again.",
    apology_unavailable: "I'm sorry, the assistant is not available right now.",
  },
  ru: {
    apology_rate_limited: 'Извините, сейчас очень много обращений. Пожалуйста, повторите чуть позже.',
    apology_unreachable: 'Извините, сейчас я не могу связаться со своим сервисом. Пожалуйста, повторите немного позже.',
    apology_timeout: 'Извините, я слишком долго думал. Повторите, пожалуйста.',
    apology_other: 'Извините, у меня произошла ошибка. Пожалуйста, повторите.',
    apology_unavailable: 'Извините, ассистент сейчас недоступен.',
  },
  uk: {
    apology_rate_limited: 'Вибачте, зараз дуже багато звернень. Будь ласка, спробуйте трохи згодом.',
    apology_unreachable: "Вибачте, зараз я не можу зв'язатися зі своїм сервісом. Будь ласка, спробуйте трохи пізніше.",
    apology_timeout: 'Вибачте, я надто довго думав. Повторіть, будь ласка.',
    apology_other: 'Вибачте, у мене сталася помилка. Будь ласка, спробуйте ще раз.',
    apology_unavailable: 'Вибачте, асистент зараз недоступний.',
  },
  sk: {
    apology_rate_limited: 'Prepáčte, momentálne vybavujem veľa požiadaviek. Skúste to prosím o chvíľu.',
    apology_unreachable: 'Prepáčte, momentálne sa neviem spojiť so svojou službou. Skúste to prosím o chvíľu.',
    apology_timeout: 'Prepáčte, trvalo mi to príliš dlho. Môžete to zopakovať?',
    apology_other: 'Prepáčte, niečo sa u mňa pokazilo. Skúste to prosím znova.',
    apology_unavailable: 'Prepáčte, asistent momentálne nie je dostupný.',
  },
};

export function apology(language: Language, cause: FailureCause): string {
  return PHRASES[language][`apology_${cause}`];
}
