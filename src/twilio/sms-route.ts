// POST /twilio/sms: a text message in, the assistant's reply out as <Response><Message>.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import twilio from 'twilio';
import { collectTurn, type Assistant } from '../assistant/engine.ts';
import { phrase } from '../assistant/phrases.ts';
import type { Language } from '../config.ts';
import { insertCallbackRequest } from '../db/callbacks-repo.ts';
import { openSmsConversation } from '../db/calls-repo.ts';
import type { Conversation } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { claimReply, completeReply, releaseReply, waitForReply } from '../db/webhook-replies-repo.ts';
import { maskPhone } from '../phone.ts';
import { smsSchema } from './payloads.ts';
import { smsTwiml, TWIML_CONTENT_TYPE } from './twiml.ts';

export interface SmsRouteDeps {
  db: Db;
  assistant: Assistant;
  llmConfigured: boolean;
  defaultLanguage: Language;
  replyDeadlineMs: number;
}

const EMPTY_RESPONSE = new twilio.twiml.MessagingResponse().toString();

/** The reply to send, and how long finding it waited on the LLM. */
async function replyText(deps: SmsRouteDeps, conversation: Conversation, body: string): Promise<{ text: string; llmMs: number }> {
  if (!deps.llmConfigured) {
    // Without an assistant the message is still kept, as a request for a person to answer.
    await insertCallbackRequest(deps.db, { conversationId: conversation.id, caller: conversation.caller, name: '(SMS)', message: body });
    return { text: phrase(conversation.language, 'sms_message_saved'), llmMs: 0 };
  }
  const outcome = await collectTurn(deps.assistant.runTurn(conversation, body, { stream: false }));
  return { text: outcome.ok ? outcome.reply : outcome.apology, llmMs: outcome.llmMs };
}

export function registerSmsRoute(app: FastifyInstance, deps: SmsRouteDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post('/twilio/sms', { schema: { body: smsSchema } }, async (request, reply) => {
    const { MessageSid: messageSid, From: caller, Body: body } = request.body;
    const log = request.log.child({ messageSid, phone: caller ? maskPhone(caller) : null });
    if (!body) return reply.type(TWIML_CONTENT_TYPE).send(EMPTY_RESPONSE);
    const key = `sms:${messageSid}`;
    let claimed = false;
    try {
      const conversation = await openSmsConversation(deps.db, caller, deps.defaultLanguage);
      claimed = await claimReply(deps.db, key, conversation.id);
      if (!claimed) {
        // Twilio retried a message already being answered: the first request delivers the reply.
        const earlier = await waitForReply(deps.db, key, deps.replyDeadlineMs);
        log.info({ done: earlier?.status === 'done' }, 'repeated SMS');
        return reply.type(TWIML_CONTENT_TYPE).send(earlier?.status === 'done' && earlier.body ? earlier.body : EMPTY_RESPONSE);
      }
      log.debug({ body }, 'SMS received');
      const answer = await replyText(deps, conversation, body);
      request.turnTiming = { channel: 'sms', llmMs: answer.llmMs };
      const twiml = smsTwiml(answer.text);
      await completeReply(deps.db, key, twiml);
      return reply.type(TWIML_CONTENT_TYPE).send(twiml);
    } catch (error) {
      log.error({ err: error }, 'SMS failed');
      if (claimed) await releaseReply(deps.db, key).catch(() => {});
      return reply.code(500).send({ status: 'error', message: 'Failed to process message' });
    }
  });
}
