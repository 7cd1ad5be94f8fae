// TwiML rendering with the official builders: speech gathers, holding redirects, hang-ups, SMS.
import twilio from 'twilio';
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

/** Twilio's limit for one SMS reply body. */
export const SMS_MAX_LENGTH = 1600;

function say(response: { say(attributes: object, text: string): unknown }, language: Language, text: string): void {
  const { locale, voice } = VOICES[language];
  response.say({ language: locale, voice }, text);
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

export function smsTwiml(text: string): string {
  const response = new MessagingResponse();
  response.message(text.length > SMS_MAX_LENGTH ? `${text.slice(0, SMS_MAX_LENGTH - 1)}…` : text);
  return response.toString();
}
