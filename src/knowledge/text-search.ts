// PostgreSQL full-text search per language: the configuration each language uses, and how text and queries are prepared for it.
import type { Language } from '../config.ts';

/**
 * PostgreSQL ships stemmers for English and Russian; Ukrainian and Slovak use `simple` on text
 * folded without accents (what the unaccent extension does), done here so no extension is needed,
 * and query words are matched by their first letters as a stand-in for a stemmer.
 */
export const SEARCH_CONFIG: Record<Language, 'english' | 'russian' | 'simple'> = {
  en: 'english',
  ru: 'russian',
  uk: 'simple',
  sk: 'simple',
};

// Letters a word keeps when it is matched by its beginning: enough to tell words apart, few enough to span endings.
const PREFIX_LETTERS = 5;

// Function words of the two `simple` languages, which would otherwise match nearly every passage.
const STOPWORDS: Record<'uk' | 'sk', ReadonlySet<string>> = {
  uk: new Set(
    'а б би бо в во все вже від для до же з за і із й к їх коли котра котрий ли мені ми мій на над не ні о об от по при про та так також те ти то у це ця цей чи що щоб як яка який які я ви вам вас ваш у вас є мати можна скільки коштує чи де коли'
      .split(' ')
      .map(fold),
  ),
  sk: new Set(
    'a aj ak ako ale alebo by bol by byť do ho i ich ja je jej ju k kde keď ktorá ktoré ktorý ku ma mi mne my na nad nie o od po pod pre pri s sa si so ste som sú ta tak tam to tu v vo vy z za že čo či koľko stojí máte mate mám mať môžem viete prosím dobrý deň'
      .split(' ')
      .map(fold),
  ),
};

/** Lower case without accents: "Čistenie" → "cistenie", "Їжа" → "іжа". */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC').toLowerCase();
}

/** The text to index for a passage in `language` (the heading is indexed too, with more weight). */
export function searchableText(language: Language, text: string): string {
  return SEARCH_CONFIG[language] === 'simple' ? fold(text) : text;
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * A tsquery matching passages with any of the query's words (OR, ranked by how many match),
 * written for `to_tsquery(config, $q)`; null when nothing in the query is worth looking for.
 * For English and Russian the words go through the server's stemmer by `plainto_tsquery` in SQL instead.
 */
export function prefixQuery(language: 'uk' | 'sk', query: string): string | null {
  const stopwords = STOPWORDS[language];
  const terms = new Set<string>();
  for (const word of fold(query).match(WORD) ?? []) {
    if (word.length < 2 || stopwords.has(word)) continue;
    terms.add(word.length > PREFIX_LETTERS ? `${word.slice(0, PREFIX_LETTERS)}:*` : word);
  }
  return terms.size === 0 ? null : [...terms].join(' | ');
}
