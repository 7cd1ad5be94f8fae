// POST /twilio/relay-ended: Twilio's <Connect action> when a relay session ends: hang up, hand over, or back into a new session.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { phrase } from '../assistant/phrases.ts';
import { findCallConversation, openCallConversation } from '../db/calls-repo.ts';
import { appendMessages, loadRecentMessages, type Conversation } from '../db/conversations-repo.ts';
import { takeRequestedTransfer } from '../db/transfers-repo.ts';
import { countReplies } from '../db/webhook-replies-repo.ts';
import { scheduleSummary } from '../jobs/summaries.ts';
import { handoverTwiml, operatorKeyTwiml, type HandoverDeps } from '../twilio/handover.ts';
import { incomingCallSchema } from '../twilio/payloads.ts';
import type { TwilioUrlOptions } from '../twilio/signature.ts';
import { endTwiml, hangupTwiml, TWIML_CONTENT_TYPE } from '../twilio/twiml.ts';
import { reconnectedPhrase } from './relay-phrases.ts';
import { RELAY_ENDED_PATH, relaySocketUrlFor, relayTwiml } from './relay-twiml.ts';

export interface RelayEndedDeps extends HandoverDeps {
  urls: TwilioUrlOptions;
}

const handoffSchema = z.object({ reason: z.enum(['end_call', 'transfer', 'operator', 'silence', 'moved']), say: z.boolean() });

const relayEndedSchema = incomingCallSchema.extend({
  SessionStatus: z.string().max(64).optional(),
  SessionId: z.string().max(64).optional(),
  HandoffData: z.string().max(4000).optional(),
  ErrorCode: z.string().max(16).optional(),
});

const FINAL_CALL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** The session's own reason for ending it, or null when the session dropped (a socket closed, an instance died). */
function parseHandoff(raw: string | undefined): z.infer<typeof handoffSchema> | null {
  if (!raw) return null;
  try {
    const parsed = handoffSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function lastReply(deps: RelayEndedDeps, conversation: Conversation): Promise<string> {
  const [last] = await loadRecentMessages(deps.db, conversation.id, 1);
  return last?.message.role === 'assistant' ? last.text : '';
}

export function registerRelayEndedRoute(app: FastifyInstance, deps: RelayEndedDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post(RELAY_ENDED_PATH, { schema: { body: relayEndedSchema } }, async (request, reply) => {
    const { CallSid: callSid, From: caller, CallStatus: callStatus, SessionStatus: sessionStatus } = request.body;
    const log = request.log.child({ callSid, sessionStatus });
    const send = (twiml: string) => reply.type(TWIML_CONTENT_TYPE).send(twiml);
    if (callStatus && FINAL_CALL_STATUSES.has(callStatus)) return send(endTwiml());
    const conversation =
      (await findCallConversation(deps.db, callSid)) ??
      (await openCallConversation(deps.db, { callSid, caller, language: deps.defaultLanguage })).conversation;
    const { language } = conversation;
    const handoff = parseHandoff(request.body.HandoffData);
    const said = handoff?.say ? await lastReply(deps, conversation) : '';

    if (handoff?.reason === 'silence') {
      await scheduleSummary(deps.db, conversation.id, 'settled').catch((error: unknown) => log.error({ err: error }, 'scheduling the call summary failed'));
      log.info('relay call ended after silence');
      return send(hangupTwiml(language, phrase(language, 'silence_goodbye')));
    }
    if (handoff?.reason === 'end_call') {
      await scheduleSummary(deps.db, conversation.id, 'settled').catch((error: unknown) => log.error({ err: error }, 'scheduling the call summary failed'));
      log.info('relay call ended by the assistant');
      return send(said ? hangupTwiml(language, said) : endTwiml());
    }
    if (handoff?.reason === 'operator') {
      log.info('caller pressed 0 in a relay call');
      return send(await operatorKeyTwiml(deps, conversation, (await countReplies(deps.db, conversation.id)) + 1, relaySocketUrlFor(request, deps.urls)));
    }
    if (handoff?.reason === 'transfer') {
      const transfer = await takeRequestedTransfer(deps.db, conversation.id);
      if (transfer) {
        log.info('relay call handed over');
        return send(await handoverTwiml(deps, conversation, (await countReplies(deps.db, conversation.id)) + 1, transfer, said, relaySocketUrlFor(request, deps.urls)));
      }
    }
    // The session was handed on by a process shutting down, or dropped without saying why (our process
    // died, the socket broke): a new session on whichever instance takes this request continues the
    // conversation from the database.
    const greeting = reconnectedPhrase(language);
    await appendMessages(deps.db, conversation.id, [{ role: 'assistant', content: [{ type: 'text', text: greeting }] }]);
    if (handoff?.reason === 'moved') log.info('relay session handed on by an instance shutting down: reconnecting the caller');
    else log.warn({ errorCode: request.body.ErrorCode }, 'relay session dropped: reconnecting the caller');
    const socketUrl = relaySocketUrlFor(request, deps.urls);
    return send(relayTwiml({ socketUrl, language, welcomeGreeting: greeting }));
  });
}
