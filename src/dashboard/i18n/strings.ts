// Which language the dashboard speaks: the owner's choice kept in the session, else the browser's Accept-Language, else English.
import type { FastifyRequest } from 'fastify';
import { LANGUAGES, type Language } from '../../config.ts';
import { en, type Strings } from './en.ts';
import { ru } from './ru.ts';
import { sk } from './sk.ts';
import { uk } from './uk.ts';

export type { Strings };

declare module '@fastify/secure-session' {
  interface SessionData {
    /** Set on the Settings page; unset means "as the browser asks". */
    language: Language;
  }
}

const CATALOGS: Record<Language, Strings> = { en, ru, uk, sk };

/** Each language named in itself, for the pickers. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ru: 'Русский', uk: 'Українська', sk: 'Slovenčina' };

export function isLanguage(value: unknown): value is Language {
  return (LANGUAGES as readonly unknown[]).includes(value);
}

/** The first of our languages the header asks for, by its q weights ("uk-UA,uk;q=0.9,en;q=0.8" → uk). */
export function languageFromHeader(header: string | undefined): Language {
  const asked = (header ?? '')
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { primary: tag.trim().toLowerCase().split('-')[0], weight: q === undefined ? 1 : Number(q), order };
    })
    .filter((entry) => entry.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.order - b.order);
  return asked.map((entry) => entry.primary).find(isLanguage) ?? 'en';
}

export function languageOf(request: FastifyRequest): Language {
  // Before signing in there is a session too (the CSRF secret), so the choice holds on the sign-in page.
  return request.session.get('language') ?? languageFromHeader(request.headers['accept-language']);
}

export function stringsOf(request: FastifyRequest): Strings {
  return CATALOGS[languageOf(request)];
}
