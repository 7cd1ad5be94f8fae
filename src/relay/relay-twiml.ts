// TwiML that hands a call to ConversationRelay: <Connect action> around <ConversationRelay> with every language's voice.
import type { FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { wellFormedText } from '../clean-text.ts';
import { LANGUAGES, type Language } from '../config.ts';
import { twilioRequestUrl, type TwilioUrlOptions } from '../twilio/signature.ts';
import { VOICES } from '../twilio/twiml.ts';

const { VoiceResponse } = twilio.twiml;

/** Where Twilio posts when a relay session ends (the socket closed, or we sent `end`). */
export const RELAY_ENDED_PATH = '/twilio/relay-ended';
export const RELAY_SOCKET_PATH = '/twilio/relay';

// Twilio's ConversationRelay attributes are camelCase (interruptSensitivity, reportInputDuringAgentSpeech), and
// the samples spell this one `ignoreBackchannel`; twilio-node 6.2's types spell it `ignorebackchannel`, which an
// XML attribute check, being case-sensitive, would not take for it. Unverified on a real call here (no Twilio account).
const TWILIO_SPELLING = { ignoreBackchannel: 'true' };

/** The TTS voice and speech recognition of each language, the same Google voices the turn-based mode speaks with. */
function languageSettings(language: Language): { code: string; ttsProvider: string; voice: string; transcriptionProvider: string } {
  const { locale, voice } = VOICES[language];
  // <Say> names Google voices `Google.xx-XX-…`; ConversationRelay takes the provider and the voice apart.
  return { code: locale, ttsProvider: 'Google', voice: voice.replace(/^Google\./, ''), transcriptionProvider: 'Google' };
}

export interface RelayTwimlOptions {
  /** The wss:// URL of the relay socket, as Twilio will sign it. */
  socketUrl: string;
  language: Language;
  /** Said by Twilio as soon as the session is up, before any model is asked. */
  welcomeGreeting: string;
}

/**
 * Connects the call to our relay socket. The only <Parameter> is the call's language: the session
 * learns the call from its CallSid and reads everything else from the database, so no caller data
 * travels through Twilio's session parameters.
 */
export function relayTwiml(options: RelayTwimlOptions): string {
  const response = new VoiceResponse();
  const connect = response.connect({ action: RELAY_ENDED_PATH, method: 'POST' });
  const relay = connect.conversationRelay({
    url: options.socketUrl,
    welcomeGreeting: wellFormedText(options.welcomeGreeting),
    language: VOICES[options.language].locale,
    ttsProvider: 'Google',
    voice: languageSettings(options.language).voice,
    transcriptionProvider: 'Google',
    // Speech interrupts, so the caller can cut a long answer short; the backchannel filter keeps "mm-hm" from doing so.
    interruptible: 'speech',
    welcomeGreetingInterruptible: 'speech',
    dtmfDetection: true,
    ...TWILIO_SPELLING,
  });
  for (const language of LANGUAGES) relay.language(languageSettings(language));
  relay.parameter({ name: 'language', value: options.language });
  return response.toString();
}

/** The public URL of the relay socket: the base Twilio calls us at, with ws(s) for http(s). */
export function relaySocketUrl(publicBaseUrl: string): string {
  return publicBaseUrl.replace(/^http(s?):\/\//i, 'ws$1://').replace(/\/+$/, '') + RELAY_SOCKET_PATH;
}

/** The relay socket's public URL for a webhook Twilio called: everything before `/twilio/` in that URL is the base they share. */
export function relaySocketUrlFor(request: FastifyRequest, urls: TwilioUrlOptions): string {
  const url = twilioRequestUrl(request, urls);
  return relaySocketUrl(url.slice(0, url.indexOf('/twilio/')));
}
