// Which of our four languages (en, ru, uk, sk) a short text message is written in, or null when it cannot be told.
//
// Hand-written rather than a general detector: trigram libraries (franc, restricted to these four)
// misread short messages, e.g. "When do you close" as Slovak and "Когда вы работаете?" as
// Ukrainian, while letters only one of two languages uses, and their most frequent words,
// decide such texts outright.
import type { Language } from './config.ts';

// Letters of one language of a pair that the other never writes.
const UKRAINIAN_LETTERS = /[іїєґ]/gu;
const RUSSIAN_LETTERS = /[ыэъё]/gu;
// Diacritics Slovak writes and English does not.
const SLOVAK_LETTERS = /[áäčďéíĺľňóôŕšťúýž]/gu;

// Frequent words of one language that the other of its pair does not use (Slovak ones also without diacritics, as many type them).
const WORDS: Record<Language, ReadonlySet<string>> = {
  en: new Set(
    'the a an is are am was be do does did can could would will you your i my me we our it this that what when where how why which who hello hi hey thanks thank please yes no not and or but with for from of to in on at open close closed today tomorrow book appointment cancel call back need want have has there here'.split(
      ' ',
    ),
  ),
  sk: new Set(
    'a to on je som si sme ste sú su sa na v vo do z zo s so k ku o od pre pri ako kedy kde čo co prečo preco koľko kolko ktorý ktory máte mate mám mam môžem mozem môžete mozete chcem chcel chcela by bol bola prosím prosim ďakujem dakujem dobrý dobry deň den ahoj áno ano nie dnes zajtra termín termin objednať objednat zrušiť zrusit potrebujem ešte este už uz aj ale alebo'.split(
      ' ',
    ),
  ),
  ru: new Set(
    'что как когда где почему сколько какой это здравствуйте привет спасибо пожалуйста да нет можно записаться хочу нужно завтра сегодня вы мы он она они есть или но и на в с по до от у меня вас'.split(' '),
  ),
  uk: new Set(
    'що як коли де чому скільки який це вітаю привіт дякую ласка ні можна записатися хочу потрібно завтра сьогодні ви ми він вона вони є або але і й на в з по до від у мене вас'.split(' '),
  ),
};

const count = (text: string, letters: RegExp) => text.match(letters)?.length ?? 0;

function wordScore(words: readonly string[], language: Language): number {
  return words.filter((word) => WORDS[language].has(word)).length;
}

/** The language with clearly more evidence of the pair, or null on a tie. */
function pick(a: Language, aScore: number, b: Language, bScore: number): Language | null {
  if (aScore === bScore) return null;
  return aScore > bScore ? a : b;
}

/**
 * The language `text` is written in, or null when it is too short or ambiguous to tell
 * (the caller then keeps the conversation's language). Letters only one language of a pair
 * writes count double a frequent word.
 */
export function detectLanguage(text: string): Language | null {
  const lower = text.normalize('NFC').toLowerCase();
  const words = lower.match(/\p{L}+/gu) ?? [];
  const cyrillic = count(lower, /\p{Script=Cyrillic}/gu);
  const latin = count(lower, /\p{Script=Latin}/gu);
  if (cyrillic === 0 && latin === 0) return null;
  if (cyrillic > latin) {
    // Words common to both (в, на, до, хочу…) cancel out.
    const uk = 2 * count(lower, UKRAINIAN_LETTERS) + wordScore(words, 'uk');
    const ru = 2 * count(lower, RUSSIAN_LETTERS) + wordScore(words, 'ru');
    return pick('uk', uk, 'ru', ru);
  }
  const sk = 2 * count(lower, SLOVAK_LETTERS) + wordScore(words, 'sk');
  const en = wordScore(words, 'en');
  return pick('sk', sk, 'en', en);
}
