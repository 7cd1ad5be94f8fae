// POST /twilio/incoming (a call starts) and POST /twilio/voice (the caller spoke, or stayed silent).
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { phrase, welcomeBack } from '../assistant/phrases.ts';
import { LANGUAGES, type Language } from '../config.ts';
import { findCallConversation, openCallConversation } from '../db/calls-repo.ts';
import { appendMessages, type Conversation } from '../db/conversations-repo.ts';
import { maskPhone } from '../phone.ts';
import { countReplies } from '../db/webhook-replies-repo.ts';
import { gatherSchema, incomingCallSchema } from './payloads.ts';
import { relaySocketUrl, relayTwiml } from '../relay/relay-twiml.ts';
import { twilioRequestUrl, type TwilioUrlOptions } from './signature.ts';
import { gatherTwiml, TWIML_CONTENT_TYPE } from './twiml.ts';
import { startDeadline } from './deadline.ts';
import { answerTurn, collectReply, silenceTwiml, type VoiceTurnDeps } from './voice-turn.ts';
import { callLanguage, voiceAction } from './voice-urls.ts';

export interface VoiceRouteDeps extends VoiceTurnDeps {
  /** How calls are answered unless the incoming URL's `?mode=` says otherwise. */
  voiceMode: VoiceMode;
  /** How the public URL is found, for the relay socket's wss:// URL. */
  urls: TwilioUrlOptions;
}

type VoiceMode = 'gather' | 'relay';

const counter = (max: number) => z.coerce.number().int().min(0).max(max).default(0);

// One webhook URL per number can pick the call's language: /twilio/incoming?language=sk. The
// voice URLs carry it too, for an apology said without the database.
const languageParam = z.enum(LANGUAGES, { error: 'must be one of en, ru, uk, sk' }).optional();

const incomingQuery = z.looseObject({ language: languageParam, mode: z.enum(['gather', 'relay'], { error: 'must be gather or relay' }).optional() });

const voiceQuery = z.looseObject({
  turn: z.coerce.number({ error: 'must be a turn number' }).int().min(1).max(10_000),
  silence: counter(10),
  wait: counter(100),
  language: languageParam,
});

/**
 * What a call opens with: the profile's greeting, or a returning caller's by name (known from the
 * statement that opened the call, so it costs no extra wait). Without an LLM, the message-taking prompt.
 */
function greetingFor(deps: VoiceRouteDeps, language: Language, customerName: string | null = null): string {
  if (!deps.llmConfigured) return phrase(language, 'message_ask_name');
  return customerName?.trim() ? welcomeBack(language, customerName, deps.profile.name) : deps.profile.greetings[language];
}

/** Opens (or resumes) the call's conversation and says the greeting once; the TwiML to answer with. */
async function startCall(
  deps: VoiceRouteDeps,
  call: { callSid: string; caller: string | null; language: Language },
  log: FastifyBaseLogger,
  relaySocket: string | null,
): Promise<string> {
  const { conversation, created, customerName } = await openCallConversation(deps.db, call);
  const { language } = conversation;
  const greeting = greetingFor(deps, language, customerName);
  // Twilio may fetch this webhook again (a retry): the call resumes at its next turn, greeted once in the transcript.
  const turnsSoFar = created ? 0 : await countReplies(deps.db, conversation.id);
  if (created) {
    await appendMessages(deps.db, conversation.id, [{ role: 'assistant', content: [{ type: 'text', text: greeting }] }]);
  }
  log.info({ language, resumed: turnsSoFar > 0, mode: relaySocket ? 'relay' : 'gather' }, 'call started');
  if (relaySocket) return relayTwiml({ socketUrl: relaySocket, language, welcomeGreeting: greeting });
  return gatherTwiml(language, greeting, voiceAction(turnsSoFar + 1, callLanguage(language, deps.defaultLanguage)));
}

export function registerVoiceRoutes(app: FastifyInstance, deps: VoiceRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post('/twilio/incoming', { schema: { body: incomingCallSchema, querystring: incomingQuery } }, async (request, reply) => {
    const deadline = startDeadline(deps.replyDeadlineMs);
    const { CallSid: callSid, From: caller } = request.body;
    const language = request.query.language ?? deps.defaultLanguage;
    const log = request.log.child({ callSid, phone: caller ? maskPhone(caller) : null });
    // Streaming needs a model; without one the call takes a message, turn by turn.
    const relay = (request.query.mode ?? deps.voiceMode) === 'relay' && deps.llmConfigured;
    const relaySocket = relay ? relaySocketUrl(publicBase(twilioRequestUrl(request, deps.urls))) : null;
    let twiml: string;
    try {
      twiml = await deadline.race(startCall(deps, { callSid, caller, language }, log, relaySocket));
    } catch (error) {
      // Nothing is lost yet: the caller is greeted, and the first turn opens the conversation
      // (or apologises) once the database answers again.
      log.error({ err: error }, 'call start not recorded: greeting without the database');
      twiml = gatherTwiml(language, greetingFor(deps, language), voiceAction(1, callLanguage(language, deps.defaultLanguage)));
    }
    return reply.type(TWIML_CONTENT_TYPE).send(twiml);
  });

  routes.post('/twilio/voice', { schema: { body: gatherSchema, querystring: voiceQuery } }, async (request, reply) => {
    // Failures and a spent budget reach the /twilio error handler, which apologises at the same turn.
    const deadline = startDeadline(deps.replyDeadlineMs);
    const { CallSid: callSid, From: caller, SpeechResult: speech, Digits: digits } = request.body;
    const { turn, silence, wait } = request.query;
    const language = request.query.language ?? deps.defaultLanguage;
    const log = request.log.child({ callSid, turn });
    let twiml: string;
    if (wait === 0 && (speech !== undefined || digits !== undefined)) {
      log.debug({ speech: speech ?? `[keypad] ${digits}` }, 'caller turn');
      // The turn finds (or opens) its call itself, in the statement that claims it.
      const answer = await answerTurn(deps, { callSid, caller, language }, turn, speech ?? `[keypad] ${digits}`, log, deadline);
      twiml = answer.twiml;
      if (answer.waitedMs !== null) request.turnTiming = { channel: 'voice', waitedMs: answer.waitedMs };
    } else {
      const conversation = await deadline.race(findOrOpenCall(deps, callSid, caller, language));
      twiml = wait > 0 ? await collectReply(deps, conversation, turn, wait, deadline) : silenceTwiml(deps, conversation, turn, silence);
    }
    return reply.type(TWIML_CONTENT_TYPE).send(twiml);
  });
}

/** Everything before `/twilio/incoming` in the URL Twilio called: the public base the relay socket shares. */
function publicBase(url: string): string {
  return url.slice(0, url.indexOf('/twilio/incoming'));
}

async function findOrOpenCall(deps: VoiceRouteDeps, callSid: string, caller: string | null, language: Language): Promise<Conversation> {
  return (
    (await findCallConversation(deps.db, callSid)) ??
    // The call began on a webhook this database never saw (e.g. restored from a backup, or down at the time).
    (await openCallConversation(deps.db, { callSid, caller, language })).conversation
  );
}
