// TwiML rendering with the official builders: speech gathers, holding redirects, hang-ups, SMS.
// Total: any text renders, because what XML cannot carry is replaced before the builder sees it.
import twilio from 'twilio';
import { clipText, wellFormedText } from '../clean-text.ts';
import type { Language } from '../config.ts';

const { VoiceResponse, MessagingResponse } = twilio.twiml;

/** Speech recognition locale and a voice that exists for it on Twilio. */
export const VOICES: Record<Language, { locale: 'en-US' | 'ru-RU' | 'uk-UA' | 'sk-SK'; voice: string }> = {
  en: { locale: 'en-US', voice: 'Google.en-US-Neural2-F' },
  ru: { locale: 'ru-RU', voice: 'Google.ru-RU-Wavenet-A' },
  uk: { locale: 'uk-UA', voice: 'Google.uk-UA-Wavenet-A' },
  sk: { locale: 'sk-SK', voice: 'Google.sk-SK-Wavenet-A' },
};

/** The content type of every TwiML answer. */
export const TWIML_CONTENT_TYPE = 'text/xml; charset=utf-8';

/**
 * Twilio's limit for one SMS reply body, which it counts so that an emoji costs two: in UTF-16
 * units. A reply cut to it in code points could still be refused (error 21617).
 */
export const SMS_MAX_LENGTH = 1600;

function say(response: { say(attributes: object, text: string): unknown }, language: Language, text: string): void {
  const { locale, voice } = VOICES[language];
  response.say({ language: locale, voice }, wellFormedText(text));
}

/** Says `text`, then listens for the caller's next words and posts them to `action`. */
export function gatherTwiml(language: Language, text: string, action: string): string {
  const response = new VoiceResponse();
  const gather = response.gather({
    input: ['speech', 'dtmf'],
    action,
    method: 'POST',
    language: VOICES[language].locale,
    speechTimeout: 'auto',
    // Silence posts to `action` too, so the server counts re-prompts instead of Twilio hanging up.
    actionOnEmptyResult: true,
  });
  say(gather, language, text);
  return response.toString();
}

/** Keeps the call alive while a reply is prepared: a short phrase, then fetch the reply. */
export function holdingTwiml(language: Language, text: string, redirectTo: string): string {
  const response = new VoiceResponse();
  say(response, language, text);
  response.redirect({ method: 'POST' }, redirectTo);
  return response.toString();
}

export function hangupTwiml(language: Language, text: string): string {
  const response = new VoiceResponse();
  say(response, language, text);
  response.hangup();
  return response.toString();
}

/** A reply of any length: a long one is cut between characters, at a word's end when one is near, and ends in an ellipsis. */
export function smsTwiml(text: string): string {
  const safe = wellFormedText(text);
  const response = new MessagingResponse();
  response.message(safe.length > SMS_MAX_LENGTH ? `${clipText(safe, SMS_MAX_LENGTH - 1, 'utf16')}…` : safe);
  return response.toString();
}
