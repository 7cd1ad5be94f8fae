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

export function buildSystemPrompt(templates: PromptTemplates, profile: Profile, language: Language, now: Date): string {
  const values: Record<string, string> = {
    business: profile.name,
    now: new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'full', timeStyle: 'short', timeZone: profile.timezone }).format(now),
    hours: describeHours(profile) || '-',
    instructions: profile.instructions || '-',
  };
  return templates[language].replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match);
}
