// Builds the system prompt from the per-language template file and the business profile.
import { readFileSync } from 'node:fs';
import { LANGUAGES, type Language } from '../config.ts';
import { describeHours, type Profile } from '../profile.ts';

const LOCALES: Record<Language, string> = { en: 'en-GB', ru: 'ru-RU', uk: 'uk-UA', sk: 'sk-SK' };

export type PromptTemplates = Readonly<Record<Language, string>>;

/** Reads the four templates once, at start, so no turn touches the disk. */
export function loadPromptTemplates(): PromptTemplates {
  return Object.freeze(
    Object.fromEntries(
      LANGUAGES.map((language) => [language, readFileSync(new URL(`./prompts/${language}.md`, import.meta.url), 'utf8')]),
    ) as Record<Language, string>,
  );
}

// Building an Intl.DateTimeFormat costs far more than formatting with one: keep one per locale and zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatNow(language: Language, timeZone: string, now: Date): string {
  const key = `${language} ${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'full', timeStyle: 'short', timeZone });
    formatters.set(key, formatter);
  }
  return formatter.format(now);
}

/** `passages`: the knowledge base's passages for this turn, rendered ("-" when there are none). */
export function buildSystemPrompt(templates: PromptTemplates, profile: Profile, language: Language, now: Date, passages = '-'): string {
  const values: Record<string, string> = {
    business: profile.name,
    now: formatNow(language, profile.timezone, now),
    hours: describeHours(profile) || '-',
    instructions: profile.instructions || '-',
  };
  return templates[language].replace(/\{\{(\w+)\}\}/g, (match, key: string) => (key === 'passages' ? passages : (values[key] ?? match)));
}
