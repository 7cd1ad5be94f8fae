// Fixed phrases said without the LLM (apologies, prompts, goodbyes), in every supported language.
import type { Language } from '../config.ts';
import type { LlmFailureCause } from '../llm/errors.ts';

/** Why a turn failed: the LLM's failure, or `unavailable` when no LLM is configured. */
export type FailureCause = LlmFailureCause | 'unavailable';

/** The causes with an apology of their own; the rest hear the general one. */
type ApologyKind = Exclude<FailureCause, 'unauthorized'>;

export type PhraseKey =
  | `apology_${ApologyKind}`
  | 'reprompt'
  | 'holding'
  | 'still_holding'
  | 'lost_turn'
  | 'goodbye'
  | 'silence_goodbye'
  | 'message_ask_name'
  | 'message_ask_message'
  | 'message_saved'
  | 'sms_message_saved'
  | 'rate_limited_caller'
  | 'transferring'
  | 'transfer_failed'
  | 'handover_closed'
  | 'handover_unavailable'
  | 'welcome_back';

const PHRASES: Record<Language, Record<PhraseKey, string>> = {
  en: {
    apology_rate_limited: "I'm sorry, I'm handling a lot of requests right now. Please try again in a moment.",
    apology_unreachable: "I'm sorry, I can't reach my assistant service right now. Please try again shortly.",
    apology_timeout: "I'm sorry, that took me too long. Could you say that again?",
    apology_other: "I'm sorry, something went wrong on my side. Please try again.",
    apology_unavailable: "I'm sorry, the assistant is not available right now.",
    reprompt: 'Are you still there? How can I help you?',
    holding: 'One moment, please.',
    still_holding: 'Thank you for waiting, just a moment more.',
    lost_turn: "I'm sorry, I lost what you said. Could you say it again?",
    goodbye: 'Thank you for calling. Goodbye!',
    silence_goodbye: "I can't hear anything, so I'll hang up now. Please call again any time. Goodbye!",
    message_ask_name: "I'm sorry, the assistant is not available right now, but I can take a message. Please tell me your name.",
    message_ask_message: 'Thank you. Now please tell me your message.',
    message_saved: 'Thank you, your message is saved and someone will call you back. Goodbye!',
    sms_message_saved: "Sorry, the assistant is not available right now. We have your message and will get back to you.",
    rate_limited_caller: "You're sending requests too quickly; please wait a moment.",
    transferring: "Let me put you through to a colleague. One moment, please.",
    transfer_failed: "I'm sorry, nobody could take your call just now. I can take a message so that someone calls you back: what's your name, and what would you like to tell them?",
    handover_closed: "I'm sorry, nobody is available right now; someone will be from {when}. I can take a message so that someone calls you back: what's your name?",
    handover_unavailable: "I'm sorry, I can't put you through to a person right now, but I can take a message so that someone calls you back: what's your name?",
    welcome_back: 'Hello {name}, welcome back to {business}. How can I help you today?',
  },
  ru: {
    apology_rate_limited: 'Извините, сейчас очень много обращений. Пожалуйста, повторите чуть позже.',
    apology_unreachable: 'Извините, сейчас я не могу связаться со своим сервисом. Пожалуйста, повторите немного позже.',
    apology_timeout: 'Извините, я слишком долго думал. Повторите, пожалуйста.',
    apology_other: 'Извините, у меня произошла ошибка. Пожалуйста, повторите.',
    apology_unavailable: 'Извините, ассистент сейчас недоступен.',
    reprompt: 'Вы меня слышите? Чем могу помочь?',
    holding: 'Одну минуту, пожалуйста.',
    still_holding: 'Спасибо за ожидание, ещё немного.',
    lost_turn: 'Извините, я не расслышал. Повторите, пожалуйста.',
    goodbye: 'Спасибо за звонок. До свидания!',
    silence_goodbye: 'Я вас не слышу, поэтому завершаю звонок. Звоните в любое время. До свидания!',
    message_ask_name: 'Извините, ассистент сейчас недоступен, но я могу принять сообщение. Назовите, пожалуйста, ваше имя.',
    message_ask_message: 'Спасибо. Теперь, пожалуйста, скажите ваше сообщение.',
    message_saved: 'Спасибо, ваше сообщение сохранено, вам перезвонят. До свидания!',
    sms_message_saved: 'Извините, ассистент сейчас недоступен. Мы получили ваше сообщение и ответим вам.',
    rate_limited_caller: 'Вы отправляете запросы слишком часто; пожалуйста, подождите немного.',
    transferring: "Сейчас соединю вас с сотрудником. Одну минуту, пожалуйста.",
    transfer_failed: "Извините, сейчас никто не смог ответить. Я могу принять сообщение, и вам перезвонят: как вас зовут и что передать?",
    handover_closed: "Извините, сейчас никого нет на месте; сотрудники будут с {when}. Я могу принять сообщение, и вам перезвонят: как вас зовут?",
    handover_unavailable: "Извините, сейчас я не могу соединить вас с сотрудником, но могу принять сообщение, и вам перезвонят: как вас зовут?",
    welcome_back: 'Здравствуйте, {name}! Вы снова позвонили в {business}. Чем могу помочь?',
  },
  uk: {
    apology_rate_limited: 'Вибачте, зараз дуже багато звернень. Будь ласка, спробуйте трохи згодом.',
    apology_unreachable: "Вибачте, зараз я не можу зв'язатися зі своїм сервісом. Будь ласка, спробуйте трохи пізніше.",
    apology_timeout: 'Вибачте, я надто довго думав. Повторіть, будь ласка.',
    apology_other: 'Вибачте, у мене сталася помилка. Будь ласка, спробуйте ще раз.',
    apology_unavailable: 'Вибачте, асистент зараз недоступний.',
    reprompt: 'Ви мене чуєте? Чим можу допомогти?',
    holding: 'Хвилинку, будь ласка.',
    still_holding: 'Дякую за очікування, ще трохи.',
    lost_turn: 'Вибачте, я не розчув. Повторіть, будь ласка.',
    goodbye: 'Дякуємо за дзвінок. До побачення!',
    silence_goodbye: 'Я вас не чую, тому завершую дзвінок. Телефонуйте будь-коли. До побачення!',
    message_ask_name: "Вибачте, асистент зараз недоступний, але я можу прийняти повідомлення. Назвіть, будь ласка, ваше ім'я.",
    message_ask_message: 'Дякую. Тепер, будь ласка, скажіть ваше повідомлення.',
    message_saved: 'Дякую, ваше повідомлення збережено, вам передзвонять. До побачення!',
    sms_message_saved: 'Вибачте, асистент зараз недоступний. Ми отримали ваше повідомлення й відповімо вам.',
    rate_limited_caller: 'Ви надсилаєте запити надто часто; будь ласка, зачекайте трохи.',
    transferring: "Зараз з'єднаю вас зі співробітником. Хвилинку, будь ласка.",
    transfer_failed: "Вибачте, зараз ніхто не зміг відповісти. Я можу прийняти повідомлення, і вам передзвонять: як вас звати і що передати?",
    handover_closed: "Вибачте, зараз нікого немає на місці; співробітники будуть з {when}. Я можу прийняти повідомлення, і вам передзвонять: як вас звати?",
    handover_unavailable: "Вибачте, зараз я не можу з'єднати вас зі співробітником, але можу прийняти повідомлення, і вам передзвонять: як вас звати?",
    welcome_back: 'Добрий день, {name}! Ви знову зателефонували до {business}. Чим можу допомогти?',
  },
  sk: {
    apology_rate_limited: 'Prepáčte, momentálne vybavujem veľa požiadaviek. Skúste to prosím o chvíľu.',
    apology_unreachable: 'Prepáčte, momentálne sa neviem spojiť so svojou službou. Skúste to prosím o chvíľu.',
    apology_timeout: 'Prepáčte, trvalo mi to príliš dlho. Môžete to zopakovať?',
    apology_other: 'Prepáčte, niečo sa u mňa pokazilo. Skúste to prosím znova.',
    apology_unavailable: 'Prepáčte, asistent momentálne nie je dostupný.',
    reprompt: 'Ste tam ešte? Ako vám môžem pomôcť?',
    holding: 'Moment, prosím.',
    still_holding: 'Ďakujem za trpezlivosť, ešte chvíľku.',
    lost_turn: 'Prepáčte, nerozumel som. Môžete to zopakovať?',
    goodbye: 'Ďakujeme za zavolanie. Dovidenia!',
    silence_goodbye: 'Nič nepočujem, preto hovor ukončím. Zavolajte kedykoľvek. Dovidenia!',
    message_ask_name: 'Prepáčte, asistent momentálne nie je dostupný, ale môžem prijať odkaz. Povedzte mi prosím svoje meno.',
    message_ask_message: 'Ďakujem. Teraz mi prosím povedzte svoj odkaz.',
    message_saved: 'Ďakujem, váš odkaz je uložený a niekto vám zavolá späť. Dovidenia!',
    sms_message_saved: 'Prepáčte, asistent momentálne nie je dostupný. Vašu správu sme dostali a ozveme sa vám.',
    rate_limited_caller: 'Posielate požiadavky príliš rýchlo; počkajte prosím chvíľu.',
    transferring: "Prepojím vás s kolegom. Chvíľku, prosím.",
    transfer_failed: "Prepáčte, momentálne nikto nemohol hovor prijať. Môžem prijať odkaz a niekto vám zavolá späť: ako sa voláte a čo mám odkázať?",
    handover_closed: "Prepáčte, momentálne nie je nikto k dispozícii; niekto bude od {when}. Môžem prijať odkaz a niekto vám zavolá späť: ako sa voláte?",
    handover_unavailable: "Prepáčte, teraz vás nemôžem prepojiť s človekom, ale môžem prijať odkaz a niekto vám zavolá späť: ako sa voláte?",
    welcome_back: 'Dobrý deň, {name}, opäť ste sa dovolali do {business}. Ako vám môžem pomôcť?',
  },
};

export function phrase(language: Language, key: PhraseKey): string {
  return PHRASES[language][key];
}

/** The longest name said in a greeting: a name is the caller's own words, kept by the model. */
const GREETED_NAME_MAX = 60;

/** The greeting of a returning caller whose name is known, in the call's language. */
export function welcomeBack(language: Language, name: string, business: string): string {
  const spoken = name.trim().slice(0, GREETED_NAME_MAX);
  // The name last, so nothing in it is taken for a placeholder.
  return phrase(language, 'welcome_back').replace('{business}', () => business).replace('{name}', () => spoken);
}

export function apology(language: Language, cause: FailureCause): string {
  // A refused key is the owner's to fix, and means nothing to a caller: the general apology.
  return phrase(language, `apology_${cause === 'unauthorized' ? 'other' : cause}`);
}
