// Full-text search per language: PostgreSQL's configuration for the passages, and the query's terms made the same way in process.
import { stemmer as russianStem } from '@orama/stemmers/russian';
import englishStem from 'wink-porter2-stemmer';
import type { Language } from '../config.ts';
import { ENGLISH_STOPWORDS, RUSSIAN_STOPWORDS } from './stopwords.ts';

/**
 * PostgreSQL ships stemmers for English and Russian; Ukrainian and Slovak use `simple` on text
 * folded without accents (what the unaccent extension does), done here so no extension is needed,
 * and query words are matched by their first letters as a stand-in for a stemmer.
 * The configurations make the passages' lexemes at ingestion; queries are matched in process (text-index.ts).
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
// Words joined by hyphens ("x-ray"): PostgreSQL keeps the whole as a lexeme too, beside its parts.
const HYPHENATED = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)+/gu;
const ASCII_WORD = /^[a-z]+(?:-[a-z]+)*$/;
const LETTERS = /^\p{L}+(?:-\p{L}+)*$/u;

/** A query term: a lexeme as PostgreSQL stores it, or the beginning of one (Ukrainian and Slovak). */
export type QueryTerm = { lexeme: string; prefix: boolean };

/**
 * The terms of a query, matched against the lexemes PostgreSQL stored for the passages (any of them
 * counts; passages matching more rank higher). English and Russian words are stemmed here by the same
 * Snowball algorithms as the server's english_stem and russian_stem, after the same stop words
 * (test/knowledge/query-terms.test.ts compares them with the database); Ukrainian and Slovak words
 * are folded and matched by their first letters.
 */
export function queryTerms(language: Language, query: string): QueryTerm[] {
  const config = SEARCH_CONFIG[language];
  const terms = new Map<string, QueryTerm>();
  const add = (lexeme: string, prefix: boolean) => terms.set(`${prefix ? '*' : '='}${lexeme}`, { lexeme, prefix });
  if (config === 'simple') {
    const stopwords = STOPWORDS[language as 'uk' | 'sk'];
    for (const word of fold(query).match(WORD) ?? []) {
      if (word.length < 2 || stopwords.has(word)) continue;
      if (word.length > PREFIX_LETTERS) add(word.slice(0, PREFIX_LETTERS), true);
      else add(word, false);
    }
  } else {
    const lower = query.toLowerCase();
    for (const word of [...(lower.match(WORD) ?? []), ...(lower.match(HYPHENATED) ?? [])]) {
      const lexeme = lexemeOf(config, word);
      if (lexeme) add(lexeme, false);
    }
  }
  return [...terms.values()];
}

/**
 * What to_tsvector(config, word) makes of one lower-case word (or hyphenated words): PostgreSQL's
 * parser sends words of ASCII letters to english_stem in both configurations, other words to the
 * configuration's own stemmer, and numbers or letters mixed with digits to `simple` (kept as they
 * are). null: a stop word.
 */
function lexemeOf(config: 'english' | 'russian', word: string): string | null {
  if (ASCII_WORD.test(word) || (config === 'english' && LETTERS.test(word))) return ENGLISH_STOPWORDS.has(word) ? null : englishStem(word);
  if (LETTERS.test(word)) return RUSSIAN_STOPWORDS.has(word) ? null : russianStem(word);
  return word;
}
