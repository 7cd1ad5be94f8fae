// Words that carry nothing to look up ("yes", "thank you", "goodbye"), per language: such a turn needs no query embedding.
import type { Language } from '../config.ts';
import { fold, queryTerms } from './text-search.ts';

// Answers, thanks, greetings and fillers of a phone conversation, folded (lower case, no accents).
const SMALL_TALK: Record<Language, ReadonlySet<string>> = {
  en: words('yes yeah yep yup no nope ok okay alright right sure fine good great perfect thanks thank you please hello hi hey bye goodbye cheers uh um mm hmm oh ah well'),
  ru: words('да нет ага угу ок окей ладно хорошо отлично понятно ясно спасибо благодарю пожалуйста привет здравствуйте алло пока до свидания всего доброго ну э м'),
  uk: words('так ні ага угу ок окей гаразд добре чудово зрозуміло ясно дякую спасибі будь ласка привіт вітаю алло бувай до побачення на все добре ну е м'),
  sk: words('áno ano hej nie ok okej dobre dobre fajn výborne jasné jasne rozumiem ďakujem dakujem vďaka prosím ahoj dobrý deň haló halo dovidenia zbohom maj sa majte sa ehm hm no'),
};

function words(list: string): ReadonlySet<string> {
  return new Set(list.split(' ').map(fold));
}

/**
 * Whether `text` is only small talk and function words: nothing in it a passage could answer.
 * Its embedding would only restate the conversation's context, which the full-text half of a
 * search already has from the previous question.
 */
export function isSmallTalk(language: Language, text: string): boolean {
  const rest = (fold(text).match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => !SMALL_TALK[language].has(word) && !SMALL_TALK.en.has(word));
  return rest.length === 0 || queryTerms(language, rest.join(' ')).length === 0;
}
