// POST /twilio/incoming (a call starts) and POST /twilio/voice (the caller spoke, or stayed silent).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { phrase } from '../assistant/phrases.ts';
import { LANGUAGES, type Language } from '../config.ts';
import { findCallConversation, openCallConversation } from '../db/calls-repo.ts';
import { appendMessages } from '../db/conversations-repo.ts';
import { maskPhone } from '../phone.ts';
import type { Profile } from '../profile.ts';
import { countReplies } from '../db/webhook-replies-repo.ts';
import { gatherSchema, incomingCallSchema } from './payloads.ts';
import { gatherTwiml, TWIML_CONTENT_TYPE } from './twiml.ts';
import { answerTurn, collectReply, silenceTwiml, voiceAction, type VoiceTurnDeps } from './voice-turn.ts';

export interface VoiceRouteDeps extends VoiceTurnDeps {
  profile: Profile;
  defaultLanguage: Language;
}

const counter = (max: number) => z.coerce.number().int().min(0).max(max).default(0);

const incomingQuery = z.looseObject({
  // One webhook URL per number can pick the call's language: /twilio/incoming?language=sk
  language: z.enum(LANGUAGES, { error: 'must be one of en, ru, uk, sk' }).optional(),
});

const voiceQuery = z.looseObject({
  turn: z.coerce.number({ error: 'must be a turn number' }).int().min(1).max(10_000),
  silence: counter(10),
  wait: counter(100),
});

export function registerVoiceRoutes(app: FastifyInstance, deps: VoiceRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post('/twilio/incoming', { schema: { body: incomingCallSchema, querystring: incomingQuery } }, async (request, reply) => {
    const { CallSid: callSid, From: caller } = request.body;
    const { conversation, created } = await openCallConversation(deps.db, {
      callSid,
      caller,
      language: request.query.language ?? deps.defaultLanguage,
    });
    const { language } = conversation;
    const greeting = deps.llmConfigured ? deps.profile.greetings[language] : phrase(language, 'message_ask_name');
    // Twilio may fetch this webhook again (a retry): the call resumes at its next turn, greeted once in the transcript.
    const turnsSoFar = created ? 0 : await countReplies(deps.db, conversation.id);
    if (created) {
      await appendMessages(deps.db, conversation.id, [{ role: 'assistant', content: [{ type: 'text', text: greeting }] }]);
    }
    request.log.info({ callSid, phone: caller ? maskPhone(caller) : null, language, resumed: turnsSoFar > 0 }, 'call started');
    return reply.type(TWIML_CONTENT_TYPE).send(gatherTwiml(language, greeting, voiceAction(turnsSoFar + 1)));
  });

  routes.post('/twilio/voice', { schema: { body: gatherSchema, querystring: voiceQuery } }, async (request, reply) => {
    const { CallSid: callSid, From: caller, SpeechResult: speech, Digits: digits } = request.body;
    const { turn, silence, wait } = request.query;
    const conversation =
      (await findCallConversation(deps.db, callSid)) ??
      // The call began on a webhook this database never saw (e.g. restored from a backup).
      (await openCallConversation(deps.db, { callSid, caller, language: deps.defaultLanguage })).conversation;
    const log = request.log.child({ callSid, turn });
    let twiml: string;
    if (wait > 0) {
      twiml = await collectReply(deps, conversation, turn, wait);
    } else if (speech === undefined && digits === undefined) {
      twiml = silenceTwiml(conversation, turn, silence);
    } else {
      log.debug({ speech: speech ?? `[keypad] ${digits}` }, 'caller turn');
      const answer = await answerTurn(deps, conversation, turn, speech ?? `[keypad] ${digits}`, log);
      twiml = answer.twiml;
      if (answer.llmMs !== null) request.turnTiming = { channel: 'voice', llmMs: answer.llmMs };
    }
    return reply.type(TWIML_CONTENT_TYPE).send(twiml);
  });
}
