// The /twilio/voice URLs a call's TwiML posts back to: its turn, re-prompt and holding counters, and its language.
import type { Language } from '../config.ts';

export function voiceAction(turn: number, extra: { silence?: number; wait?: number; language?: Language } = {}): string {
  const query = new URLSearchParams({ turn: String(turn) });
  if (extra.silence) query.set('silence', String(extra.silence));
  if (extra.wait) query.set('wait', String(extra.wait));
  if (extra.language) query.set('language', extra.language);
  return `/twilio/voice?${query}`;
}

/**
 * The call's language rides in its webhook URLs (unless it is the default), so that the apology
 * for a database that does not answer can still be said in it.
 */
export function callLanguage(language: Language, defaultLanguage: Language): { language?: Language } {
  return language === defaultLanguage ? {} : { language };
}
