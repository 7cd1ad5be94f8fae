// Hand-over on a call: <Dial> the profile's transfer number when someone is available; back to the assistant when nobody answers.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { phrase } from '../assistant/phrases.ts';
import { LANGUAGES, type Language } from '../config.ts';
import { findCallConversation, openCallConversation } from '../db/calls-repo.ts';
import { appendMessages, type Conversation } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { insertTransfer, updateTransfer, type Transfer } from '../db/transfers-repo.ts';
import { describeNextOpening, handoverAvailability } from '../handover/availability.ts';
import { enqueueEvent } from '../jobs/business-events.ts';
import { scheduleSummary } from '../jobs/summaries.ts';
import type { Profile } from '../profile.ts';
import { startDeadline } from './deadline.ts';
import { relaySocketUrlFor, relayTwiml } from '../relay/relay-twiml.ts';
import { dialEndedSchema } from './payloads.ts';
import type { TwilioUrlOptions } from './signature.ts';
import { dialTwiml, endTwiml, gatherTwiml, TWIML_CONTENT_TYPE } from './twiml.ts';
import { callLanguage, voiceAction } from './voice-urls.ts';

/** How long the person's phone rings before the caller is back with the assistant; under most voicemail pick-ups (about 25 s). */
export const RING_TIMEOUT_SECONDS = 20;

/** What a caller's keypad sends when they press 0: a person, please. */
export const OPERATOR_KEY = '[keypad] 0';

export interface HandoverDeps {
  db: Db;
  profile: Profile;
  defaultLanguage: Language;
  /** The business's Twilio number, shown to the person called (TWILIO_PHONE_NUMBER); unset, Twilio shows the caller's. */
  transferCallerId: string | undefined;
  replyDeadlineMs: number;
}

/** A streamed call's dial carries `mode=relay`, so that a caller nobody answered comes back into a relay session. */
function dialEndedAction(turn: number, transferId: string, language: Language, defaultLanguage: Language, relay: boolean): string {
  const query = new URLSearchParams({ turn: String(turn), transfer: transferId, ...callLanguage(language, defaultLanguage), ...(relay ? { mode: 'relay' } : {}) });
  return `/twilio/dial-ended?${query}`;
}

/** Back with the assistant after `said`: the next turn-based <Gather>, or a new relay session (`relaySocket`) for a streamed call. */
function backToAssistant(deps: HandoverDeps, language: Language, said: string, turn: number, relaySocket: string | null): string {
  if (relaySocket) return relayTwiml({ socketUrl: relaySocket, language, welcomeGreeting: said });
  return gatherTwiml(language, said, voiceAction(turn, callLanguage(language, deps.defaultLanguage)));
}

function nobodyPhrase(language: Language, next: { day: Parameters<typeof describeNextOpening>[0]['day']; time: string } | null): string {
  return next ? phrase(language, 'handover_closed').replace('{when}', describeNextOpening(next, language)) : phrase(language, 'handover_unavailable');
}

/**
 * The TwiML after a turn that asked for a person: ring them when someone is available (the
 * reply said first), else say when someone is and go on listening. `transfer` is the stored request;
 * `relaySocket` is the relay's URL when the call streams, to come back to.
 */
export async function handoverTwiml(deps: HandoverDeps, conversation: Conversation, turn: number, transfer: Transfer, reply: string, relaySocket: string | null = null): Promise<string> {
  const { language } = conversation;
  const availability = handoverAvailability(deps.profile, new Date());
  const ids = { id: transfer.id, conversationId: conversation.id };
  if (!availability.available) {
    await updateTransfer(deps.db, ids, { outcome: 'unavailable' });
    return backToAssistant(deps, language, reply || nobodyPhrase(language, availability.next), turn + 1, relaySocket);
  }
  await updateTransfer(deps.db, ids, { outcome: 'dialing' });
  return dialTwiml(language, reply || phrase(language, 'transferring'), {
    number: availability.number,
    callerId: deps.transferCallerId,
    timeoutSeconds: RING_TIMEOUT_SECONDS,
    action: dialEndedAction(turn + 1, transfer.id, language, deps.defaultLanguage, relaySocket !== null),
  });
}

/** The caller pressed 0: no LLM is asked; the words said are stored for the transcript. */
export async function operatorKeyTwiml(deps: HandoverDeps, conversation: Conversation, turn: number, relaySocket: string | null = null): Promise<string> {
  const { language } = conversation;
  const availability = handoverAvailability(deps.profile, new Date());
  const said = availability.available ? phrase(language, 'transferring') : nobodyPhrase(language, availability.next);
  const transfer = await deps.db.transaction(async (tx) => {
    await appendMessages(tx, conversation.id, [
      { role: 'user', content: OPERATOR_KEY },
      { role: 'assistant', content: [{ type: 'text', text: said }] },
    ]);
    return insertTransfer(tx, { conversationId: conversation.id, reason: 'pressed 0', outcome: 'requested' });
  });
  return handoverTwiml(deps, conversation, turn, transfer, said, relaySocket);
}

const dialEndedQuery = z.looseObject({
  turn: z.coerce.number({ error: 'must be a turn number' }).int().min(1).max(10_000),
  transfer: z.uuid({ error: 'must be the transfer id the dial was started with' }),
  language: z.enum(LANGUAGES, { error: 'must be one of en, ru, uk, sk' }).optional(),
  mode: z.literal('relay', { error: 'must be relay' }).optional(),
});

export function registerDialEndedRoute(app: FastifyInstance, deps: HandoverDeps & { urls: TwilioUrlOptions }): void {
  app.withTypeProvider<ZodTypeProvider>().post('/twilio/dial-ended', { schema: { body: dialEndedSchema, querystring: dialEndedQuery } }, async (request, reply) => {
    const deadline = startDeadline(deps.replyDeadlineMs);
    const { CallSid: callSid, From: caller, DialCallStatus: dialStatus, DialCallDuration: durationSeconds } = request.body;
    const { turn, transfer: transferId } = request.query;
    const log = request.log.child({ callSid, dialStatus });
    const conversation = await deadline.race(
      (async () =>
        (await findCallConversation(deps.db, callSid)) ??
        (await openCallConversation(deps.db, { callSid, caller: caller ?? null, language: request.query.language ?? deps.defaultLanguage })).conversation)(),
    );
    const { language } = conversation;
    const ids = { id: transferId, conversationId: conversation.id };
    const outcome = dialStatus === 'answered' ? 'completed' : dialStatus;
    if (outcome === 'completed') {
      await deadline.race(
        deps.db.transaction(async (tx) => {
          await updateTransfer(tx, ids, { outcome, durationSeconds });
          await scheduleSummary(tx, conversation.id, 'settled');
        }),
      );
      log.info({ durationSeconds }, 'hand-over completed');
      return reply.type(TWIML_CONTENT_TYPE).send(endTwiml());
    }
    const apologyText = phrase(language, 'transfer_failed');
    await deadline.race(
      deps.db.transaction(async (tx) => {
        const ended = await updateTransfer(tx, ids, { outcome, durationSeconds });
        // Twilio may post the same dial's end again: the caller hears the apology, the business is told once.
        if (!ended) return;
        await appendMessages(tx, conversation.id, [{ role: 'assistant', content: [{ type: 'text', text: apologyText }] }]);
        await enqueueEvent(tx, 'transfer.failed', {
          conversation_id: conversation.id,
          transfer_id: ended.id,
          caller: conversation.caller,
          reason: ended.reason,
          outcome,
        });
      }),
    );
    log.info('hand-over not answered: back to the assistant');
    const relaySocket = request.query.mode === 'relay' ? relaySocketUrlFor(request, deps.urls) : null;
    return reply.type(TWIML_CONTENT_TYPE).send(backToAssistant(deps, language, apologyText, turn, relaySocket));
  });
}
