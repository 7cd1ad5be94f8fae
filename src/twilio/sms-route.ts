// POST /twilio/sms: a text message in, the assistant's reply out as <Response><Message>, in the language it was written in.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import twilio from 'twilio';
import type { Assistant } from '../assistant/engine.ts';
import { collectTurn } from '../assistant/turn-outcome.ts';
import { phrase } from '../assistant/phrases.ts';
import type { Language } from '../config.ts';
import { openSmsConversation } from '../db/calls-repo.ts';
import type { Conversation } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { claimReply, completeReply, releaseReply, smsReplyKey, waitForReply } from '../db/webhook-replies-repo.ts';
import { detectLanguage } from '../detect-language.ts';
import type { Spool } from '../jobs/spool.ts';
import { keepWebhook } from '../jobs/webhook-spool.ts';
import { notifyWrittenHandover, storeCallbackRequest } from '../jobs/callback-requests.ts';
import { scheduleSummary } from '../jobs/summaries.ts';
import { maskPhone } from '../phone.ts';
import { DeadlineExceededError, startDeadline, type Deadline } from './deadline.ts';
import { smsSchema, type SmsPayload } from './payloads.ts';
import { smsTwiml, TWIML_CONTENT_TYPE } from './twiml.ts';

export interface SmsRouteDeps {
  db: Db;
  assistant: Assistant;
  llmConfigured: boolean;
  defaultLanguage: Language;
  replyDeadlineMs: number;
  /** Where a message that cannot be processed now is kept until the database takes it. */
  spool: Spool;
  /** Work still running after its webhook answered; awaited on shutdown. */
  inFlight: Set<Promise<unknown>>;
}

/** Twilio waits 15 s for an SMS webhook; what is not done by then is kept and answered later by a person. */
export const SMS_BUDGET_MS = 12_000;

const EMPTY_RESPONSE = new twilio.twiml.MessagingResponse().toString();

/** The reply to send, and how long finding it waited on the LLM. */
async function replyText(deps: SmsRouteDeps, conversation: Conversation, body: string, signal: AbortSignal): Promise<{ text: string; waitedMs: number }> {
  if (!deps.llmConfigured) {
    // Without an assistant the message is still kept, as a request for a person to answer.
    await deps.db.transaction((tx) =>
      storeCallbackRequest(tx, { conversationId: conversation.id, channel: 'sms', caller: conversation.caller, name: '(SMS)', message: body }),
    );
    return { text: phrase(conversation.language, 'sms_message_saved'), waitedMs: 0 };
  }
  const outcome = await collectTurn(deps.assistant.runTurn(conversation, body, { stream: false, signal }));
  if (outcome.ok && outcome.actions.includes('transfer')) await notifyWrittenHandover(deps.db, conversation);
  return { text: outcome.ok ? outcome.reply : outcome.apology, waitedMs: outcome.waitedMs };
}

type Answer = { twiml: string; waitedMs: number | null };

/**
 * Answers the message through the database and the assistant. Rejects (the deadline's error
 * included) while nothing has been promised to the caller, so the message can be kept instead.
 */
async function answerSms(
  deps: SmsRouteDeps,
  sms: SmsPayload,
  thread: { written: Language | null; language: Language },
  deadline: Deadline,
  log: FastifyBaseLogger,
): Promise<Answer> {
  const key = smsReplyKey(sms.MessageSid);
  const conversation = await deadline.race(openSmsConversation(deps.db, sms.From, { written: thread.written, fallback: deps.defaultLanguage }));
  // From here an apology speaks the thread's language, even when the text alone did not tell it.
  thread.language = conversation.language;
  const claim = claimReply(deps.db, key, conversation.id);
  const claimed = await deadline.race(claim).catch((error: unknown) => {
    void claim.then((won) => (won ? releaseReply(deps.db, key) : undefined)).catch(() => undefined);
    throw error;
  });
  if (!claimed) {
    // Twilio sent a message already being answered again: the first request delivers the reply.
    const earlier = await deadline.race(waitForReply(deps.db, key, Math.min(deps.replyDeadlineMs, deadline.remainingMs())));
    log.info({ done: earlier?.status === 'done' }, 'repeated SMS');
    return { twiml: earlier?.status === 'done' && earlier.body ? earlier.body : EMPTY_RESPONSE, waitedMs: null };
  }
  try {
    log.debug({ body: sms.Body }, 'SMS received');
    const answer = await deadline.race(replyText(deps, conversation, sms.Body, deadline.signal));
    // An LLM cut short by the budget answers with an apology and stores nothing: the message is kept for a person instead.
    if (deadline.signal.aborted) throw new DeadlineExceededError(SMS_BUDGET_MS);
    const twiml = smsTwiml(answer.text);
    // The reply exists now and is the caller's: storing it for a repeat, and the thread's summary
    // once it goes quiet, must not hold it back.
    const stored = Promise.all([completeReply(deps.db, key, twiml), scheduleSummary(deps.db, conversation.id, 'quiet')]).catch((error: unknown) =>
      log.error({ err: error }, 'storing the SMS reply or scheduling its summary failed'),
    );
    deps.inFlight.add(stored);
    void stored.finally(() => deps.inFlight.delete(stored));
    return { twiml, waitedMs: answer.waitedMs };
  } catch (error) {
    void releaseReply(deps.db, key).catch(() => undefined);
    throw error;
  }
}

export function registerSmsRoute(app: FastifyInstance, deps: SmsRouteDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post('/twilio/sms', { schema: { body: smsSchema } }, async (request, reply) => {
    const deadline = startDeadline(SMS_BUDGET_MS);
    const sms = request.body;
    const log = request.log.child({ messageSid: sms.MessageSid, phone: sms.From ? maskPhone(sms.From) : null });
    if (!sms.Body) return reply.type(TWIML_CONTENT_TYPE).send(EMPTY_RESPONSE);
    const written = detectLanguage(sms.Body);
    const thread = { written, language: written ?? deps.defaultLanguage };
    try {
      const answer = await answerSms(deps, sms, thread, deadline, log);
      if (answer.waitedMs !== null) request.turnTiming = { channel: 'sms', waitedMs: answer.waitedMs };
      return reply.type(TWIML_CONTENT_TYPE).send(answer.twiml);
    } catch (error) {
      // Twilio never sends an SMS webhook again: keep the message on disk before answering.
      log.error({ err: error }, 'SMS not processed: keeping it for when the database is back');
      const { language } = thread;
      const text = phrase(language, 'sms_message_saved');
      const twiml = smsTwiml(text);
      try {
        const record = { kind: 'sms' as const, messageSid: sms.MessageSid, from: sms.From, body: sms.Body, written, language, replyText: text, replyTwiml: twiml };
        await keepWebhook(deps.spool, { ...record, receivedAt: new Date().toISOString() });
      } catch (spoolError) {
        log.error({ err: spoolError }, 'SMS lost: it could not be kept either');
        return reply.code(500).send({ status: 'error', message: 'Failed to process message' });
      }
      log.warn('SMS kept in the spool');
      return reply.type(TWIML_CONTENT_TYPE).send(twiml);
    }
  });
}
