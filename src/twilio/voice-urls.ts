// The /twilio/voice URLs a call's TwiML posts back to: its turn, re-prompt and holding counters, and its language.
import type { Language } from '../config.ts';

/** Joined by hand rather than through URLSearchParams (which costs more than the rest of the TwiML): every value is a number or a language code, which need no escaping. */
export function voiceAction(turn: number, extra: { silence?: number; wait?: number; language?: Language } = {}): string {
  let url = `/twilio/voice?turn=${turn}`;
  if (extra.silence) url += `&silence=${extra.silence}`;
  if (extra.wait) url += `&wait=${extra.wait}`;
  if (extra.language) url += `&language=${extra.language}`;
  return url;
}

/**
 * The call's language rides in its webhook URLs (unless it is the default), so that the apology
 * for a database that does not answer can still be said in it.
 */
export function callLanguage(language: Language, defaultLanguage: Language): { language?: Language } {
  return language === defaultLanguage ? {} : { language };
}
