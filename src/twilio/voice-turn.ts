// One spoken turn of a call: answered once per turn, in time for Twilio, from any instance.
import type { FastifyBaseLogger } from 'fastify';
import type { Assistant } from '../assistant/engine.ts';
import { collectTurn } from '../assistant/turn-outcome.ts';
import { apology, phrase } from '../assistant/phrases.ts';
import type { Language } from '../config.ts';
import type { ModelMessage } from 'ai';
import { appendMessages, type Conversation, type StoredMessage } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { openVoiceTurn, storeVoiceTurn, type OpenedVoiceTurn, type TurnContext } from '../db/turn-repo.ts';
import { completeReply, releaseReply, waitForReply } from '../db/webhook-replies-repo.ts';
import { scheduleSummary } from '../jobs/summaries.ts';
import { takeRequestedTransfer } from '../db/transfers-repo.ts';
import { storeCallbackRequest } from '../jobs/callback-requests.ts';
import type { Deadline } from './deadline.ts';
import { handoverTwiml, OPERATOR_KEY, operatorKeyTwiml, type HandoverDeps } from './handover.ts';
import { callLanguage, voiceAction } from './voice-urls.ts';
import { gatherTwiml, hangupTwiml, holdingTwiml } from './twiml.ts';

export interface VoiceTurnDeps extends HandoverDeps {
  db: Db;
  assistant: Assistant;
  /** Without an LLM the call takes a message instead of answering questions. */
  llmConfigured: boolean;
  defaultLanguage: Language;
  /** A voice webhook's budget from its arrival: past it the caller hears a holding phrase or an apology (Twilio gives up at 15 s). */
  replyDeadlineMs: number;
  turnTimeoutMs: number;
  /** Turns still computing after their webhook answered; awaited on shutdown. */
  inFlight: Set<Promise<unknown>>;
}

/** Silent gathers re-prompted before the call is ended. */
export const MAX_REPROMPTS = 2;

const inUrl = (deps: VoiceTurnDeps, conversation: Conversation) => callLanguage(conversation.language, deps.defaultLanguage);

const turnKey = (callSid: string, turn: number) => `voice:${callSid}:${turn}`;

export function silenceTwiml(deps: VoiceTurnDeps, conversation: Conversation, turn: number, silence: number): string {
  const { language } = conversation;
  if (silence >= MAX_REPROMPTS) return hangupTwiml(language, phrase(language, 'silence_goodbye'));
  return gatherTwiml(language, phrase(language, 'reprompt'), voiceAction(turn, { silence: silence + 1, ...inUrl(deps, conversation) }));
}

/** A turn's TwiML and how long computing it waited on model providers; `waitedMs` is null when this request computed nothing (it collected another's reply). */
export interface TurnAnswer {
  twiml: string;
  waitedMs: number | null;
}

/** A computed answer and the turn's messages, not yet stored: they are stored with the answer, in one statement. */
interface ComputedTurn extends TurnAnswer {
  messages: ModelMessage[];
}

async function assistantTwiml(deps: VoiceTurnDeps, before: Conversation, turn: number, text: string, context: TurnContext, log: FastifyBaseLogger): Promise<ComputedTurn> {
  const outcome = await collectTurn(deps.assistant.runTurn(before, text, { stream: false, context, store: false }));
  // The reply is said, and the next turn heard, in the language the model may have switched to.
  const conversation = outcome.ok ? { ...before, language: outcome.language } : before;
  const { language } = conversation;
  const { waitedMs } = outcome;
  const next = voiceAction(turn + 1, inUrl(deps, conversation));
  // A failed turn leaves the history as it was before the caller spoke.
  if (!outcome.ok) return { twiml: gatherTwiml(language, outcome.apology, next), waitedMs, messages: [] };
  const { messages } = outcome;
  if (outcome.actions.includes('transfer')) {
    const transfer = await takeRequestedTransfer(deps.db, conversation.id);
    if (transfer) return { twiml: await handoverTwiml(deps, conversation, turn, transfer, outcome.reply), waitedMs, messages };
  }
  if (outcome.actions.includes('end_call')) {
    // The goodbye is said whatever happens here: the call's final status schedules the summary too.
    await scheduleSummary(deps.db, conversation.id, 'settled').catch((error: unknown) => log.error({ err: error }, 'scheduling the call summary failed'));
    return { twiml: hangupTwiml(language, outcome.reply || phrase(language, 'goodbye')), waitedMs, messages };
  }
  return { twiml: gatherTwiml(language, outcome.reply || phrase(language, 'reprompt'), next), waitedMs, messages };
}

/** No LLM: the first answer is the caller's name, the second their message for a call-back. */
async function messageTakingTwiml(deps: VoiceTurnDeps, conversation: Conversation, turn: number, text: string, earlier: StoredMessage[]): Promise<string> {
  const { language } = conversation;
  // Pressing 0 for a person is no name.
  const name = earlier.find((row) => row.message.role === 'user' && row.text !== OPERATOR_KEY)?.text;
  const answer = name ? phrase(language, 'message_saved') : phrase(language, 'message_ask_message');
  await deps.db.transaction(async (tx) => {
    await appendMessages(tx, conversation.id, [
      { role: 'user', content: text },
      { role: 'assistant', content: [{ type: 'text', text: answer }] },
    ]);
    if (!name) return;
    await storeCallbackRequest(tx, { conversationId: conversation.id, channel: 'voice', caller: conversation.caller, name, message: text });
    // The call ends with this answer.
    await scheduleSummary(tx, conversation.id, 'settled');
  });
  return name ? hangupTwiml(language, answer) : gatherTwiml(language, answer, voiceAction(turn + 1, inUrl(deps, conversation)));
}

async function computeTwiml(deps: VoiceTurnDeps, conversation: Conversation, turn: number, text: string, context: TurnContext, log: FastifyBaseLogger): Promise<ComputedTurn> {
  try {
    // These two store what they say themselves.
    if (text === OPERATOR_KEY) return { twiml: await operatorKeyTwiml(deps, conversation, turn), waitedMs: 0, messages: [] };
    if (!deps.llmConfigured) return { twiml: await messageTakingTwiml(deps, conversation, turn, text, context.history), waitedMs: 0, messages: [] };
    return await assistantTwiml(deps, conversation, turn, text, context, log);
  } catch (error) {
    log.error({ err: error, callSid: conversation.callSid, turn }, 'voice turn failed');
    return { twiml: apologyTwiml(deps, conversation, turn), waitedMs: 0, messages: [] };
  }
}

function apologyTwiml(deps: VoiceTurnDeps, conversation: Conversation, turn: number): string {
  const { language } = conversation;
  return gatherTwiml(language, apology(language, 'other'), voiceAction(turn + 1, inUrl(deps, conversation)));
}

/**
 * Computes the turn's answer and stores it with the turn's messages, before the caller hears it:
 * a retry finds the reply exactly when the history holds the turn. When that store fails the
 * caller is asked again rather than told an answer the next turn would not know of.
 */
async function computeAndStore(
  deps: VoiceTurnDeps,
  opened: { conversation: Conversation; context: TurnContext; key: string },
  turn: number,
  text: string,
  log: FastifyBaseLogger,
): Promise<TurnAnswer> {
  const { conversation, context, key } = opened;
  const computed = await computeTwiml(deps, conversation, turn, text, context, log);
  try {
    await storeVoiceTurn(deps.db, { conversationId: conversation.id, messages: computed.messages, replyKey: key, body: computed.twiml });
    return { twiml: computed.twiml, waitedMs: computed.waitedMs };
  } catch (error) {
    log.error({ err: error, turn }, 'storing the voice turn failed');
    // Only the reply was to be stored: the turn itself is in, and the caller hears its answer.
    if (computed.messages.length === 0) return { twiml: computed.twiml, waitedMs: computed.waitedMs };
    const twiml = apologyTwiml(deps, conversation, turn);
    // For a retry, should the database answer again; the caller does not wait for it.
    track(deps, completeReply(deps.db, key, twiml).catch((retryError: unknown) => log.error({ err: retryError, turn }, 'storing the voice reply failed')));
    return { twiml, waitedMs: computed.waitedMs };
  }
}

function track(deps: VoiceTurnDeps, running: Promise<unknown>): void {
  deps.inFlight.add(running);
  void running.finally(() => deps.inFlight.delete(running));
}

/** Who is calling, as Twilio tells it, and the language a call this database never saw starts in. */
export interface CallIdentity {
  callSid: string;
  caller: string | null;
  language: Language;
}

/**
 * Answers turn `turn` with the caller's `text`. One statement finds (or opens) the call, claims
 * the turn and reads what it needs; the first request for a turn computes the reply, and a retry
 * of it waits for that reply. When the reply is not ready by the deadline the caller hears a
 * holding phrase and Twilio is redirected to collect it. A database that does not answer that
 * statement in time gets the caller an apology and a fresh turn to say it again in.
 */
export async function answerTurn(deps: VoiceTurnDeps, call: CallIdentity, turn: number, text: string, log: FastifyBaseLogger, deadline: Deadline): Promise<TurnAnswer> {
  const key = turnKey(call.callSid, turn);
  const opening = openVoiceTurn(deps.db, { ...call, replyKey: key, historyLimit: deps.assistant.historyLimit });
  let opened: OpenedVoiceTurn;
  try {
    opened = await deadline.race(opening);
  } catch (error) {
    // The statement may still claim the turn: a late answer is seen (and its claim given up),
    // but one the client stopped waiting for can commit unseen once a stalled server resumes.
    // Either way nobody computes this turn, so the caller says it again as the next one, which
    // no such claim can hold up.
    void opening.then((late) => (late.claimed ? releaseReply(deps.db, key) : undefined)).catch(() => undefined);
    log.error({ err: error }, 'voice turn not claimed: the database did not answer');
    const { language } = call;
    return { twiml: gatherTwiml(language, apology(language, 'other'), voiceAction(turn + 1, callLanguage(language, deps.defaultLanguage))), waitedMs: null };
  }
  const { conversation, claimed, context } = opened;
  if (!claimed) return { twiml: await collectReply(deps, conversation, turn, 0, deadline), waitedMs: null };

  // Tracked until stored, which may outlast the webhook's answer (a holding phrase).
  const work = computeAndStore(deps, { conversation, context, key }, turn, text, log);
  track(deps, work);

  const waitStartedMs = performance.now();
  const answer = await deadline.race(work).catch(() => null);
  if (answer !== null) return answer;
  log.info({ callSid: conversation.callSid, turn }, 'reply not ready in time: holding');
  // The rest of the budget was spent waiting on a turn still at the LLM: none of it is the server's own time.
  const waitedMs = performance.now() - waitStartedMs;
  const { language } = conversation;
  return { twiml: holdingTwiml(language, phrase(language, 'holding'), voiceAction(turn, { wait: 1, ...inUrl(deps, conversation) })), waitedMs };
}

/** Fetches the reply of a turn computed elsewhere (or earlier), holding again while it is pending. */
export async function collectReply(deps: VoiceTurnDeps, conversation: Conversation, turn: number, waits: number, deadline: Deadline): Promise<string> {
  const { language } = conversation;
  // Polling stops in time for a healthy database; the race ends a poll the database never answers.
  const reply = await deadline.race(waitForReply(deps.db, turnKey(conversation.callSid ?? conversation.id, turn), deadline.remainingMs()));
  if (reply?.status === 'done' && reply.body) return reply.body;
  // Never started (the caller's words were lost), or the instance computing it is gone.
  if (!reply) return gatherTwiml(language, phrase(language, 'lost_turn'), voiceAction(turn, inUrl(deps, conversation)));
  if (reply.ageMs > deps.turnTimeoutMs + 2 * deps.replyDeadlineMs) {
    return gatherTwiml(language, phrase(language, 'lost_turn'), voiceAction(turn + 1, inUrl(deps, conversation)));
  }
  return holdingTwiml(language, phrase(language, 'still_holding'), voiceAction(turn, { wait: waits + 1, ...inUrl(deps, conversation) }));
}
