// Guesses which of the four languages a passage is written in, from its letters and a few common words.
import type { Language } from '../config.ts';

const UKRAINIAN_LETTERS = /[іїєґ]/giu;
const RUSSIAN_LETTERS = /[ыэъё]/giu;
const CYRILLIC = /\p{Script=Cyrillic}/gu;
const LATIN = /\p{Script=Latin}/gu;
// Letters of Slovak that English text does not use.
const SLOVAK_LETTERS = /[áäčďéíĺľňóôŕšťúýž]/giu;
const SLOVAK_WORDS = /(?<!\p{L})(je|sa|na|sú|pre|alebo|ako|sme|vám|máte|áno|nie|zubov|cena)(?!\p{L})/giu;
const ENGLISH_WORDS = /(?<!\p{L})(the|and|of|to|is|are|we|you|your|for|with|in|at|on)(?!\p{L})/giu;

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

/** The passage's language; `fallback` when it has no letters to tell by. */
export function detectLanguage(text: string, fallback: Language = 'en'): Language {
  const cyrillic = count(text, CYRILLIC);
  const latin = count(text, LATIN);
  if (cyrillic === 0 && latin === 0) return fallback;
  if (cyrillic > latin) return count(text, UKRAINIAN_LETTERS) > count(text, RUSSIAN_LETTERS) ? 'uk' : 'ru';
  const slovakSigns = count(text, SLOVAK_LETTERS) + 3 * count(text, SLOVAK_WORDS);
  // Slovak street names in an English passage are no Slovak passage: its common words decide.
  const englishSigns = 3 * count(text, ENGLISH_WORDS);
  return slovakSigns > Math.max(2, englishSigns) ? 'sk' : 'en';
}
