// Phrases only a streamed call says, in every supported language.
import type { Language } from '../config.ts';

const RECONNECTED: Record<Language, string> = {
  en: 'Sorry, we were cut off for a moment. Please go on.',
  ru: 'Извините, связь на секунду прервалась. Продолжайте, пожалуйста.',
  uk: 'Вибачте, зв’язок на мить перервався. Продовжуйте, будь ласка.',
  sk: 'Prepáčte, na chvíľu nás prerušilo. Pokračujte, prosím.',
};

/** Said when a call comes back into a new relay session after the last one dropped (an instance died). */
export function reconnectedPhrase(language: Language): string {
  return RECONNECTED[language];
}

const MOVING: Record<Language, string> = {
  en: 'One moment, please.',
  ru: 'Одну минуту, пожалуйста.',
  uk: 'Хвилинку, будь ласка.',
  sk: 'Moment, prosím.',
};

/** Said before a session is handed on because its process is shutting down; the next instance picks the call up. */
export function movingPhrase(language: Language): string {
  return MOVING[language];
}
