// The per-caller limit on /twilio: a limited caller is told so politely (Twilio rejects 429) and the turn goes nowhere.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { phrase } from '../assistant/phrases.ts';
import type { Language } from '../config.ts';
import { findCallConversation } from '../db/calls-repo.ts';
import type { Db } from '../db/db.ts';
import { detectLanguage } from '../detect-language.ts';
import { gatherTwiml, smsTwiml, TWIML_CONTENT_TYPE } from './twiml.ts';
import { callLanguage, voiceAction } from './voice-urls.ts';

export interface CallerLimitDeps {
  db: Db;
  defaultLanguage: Language;
  /** Counts the request against its caller's budget; true when that budget is spent. */
  limitCaller(request: FastifyRequest): Promise<boolean>;
}

// Read after validation, so these are the schemas' parsed values.
const bodyOf = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;
const queryOf = (request: FastifyRequest) => (request.query ?? {}) as Record<string, unknown>;

/** What the caller sent: words or keys on a call, or a message. Silence re-prompts and holding redirects are Twilio's doing. */
function isCallerTurn(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route === '/twilio/sms') return true;
  if (route !== '/twilio/voice') return false;
  const body = bodyOf(request);
  return !queryOf(request).wait && (body.SpeechResult !== undefined || body.Digits !== undefined);
}

/** A preHandler: runs after the signature check and validation, before anything is stored or the LLM is asked. */
export function callerRateLimit(deps: CallerLimitDeps): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  return async function callerRateLimitHook(request, reply) {
    if (!isCallerTurn(request) || !(await deps.limitCaller(request))) return undefined;
    request.log.info({ route: request.routeOptions.url }, 'caller rate limited');
    if (request.routeOptions.url === '/twilio/sms') {
      const body = bodyOf(request).Body;
      const language = (typeof body === 'string' ? detectLanguage(body) : null) ?? deps.defaultLanguage;
      return reply.type(TWIML_CONTENT_TYPE).send(smsTwiml(phrase(language, 'rate_limited_caller')));
    }
    const callSid = bodyOf(request).CallSid;
    const conversation = typeof callSid === 'string' ? await findCallConversation(deps.db, callSid) : null;
    const language = conversation?.language ?? deps.defaultLanguage;
    // The same turn again: nothing of this one was stored, so the caller simply says it once more.
    const turn = Number(queryOf(request).turn);
    return reply.type(TWIML_CONTENT_TYPE).send(gatherTwiml(language, phrase(language, 'rate_limited_caller'), voiceAction(turn, callLanguage(language, deps.defaultLanguage))));
  };
}
