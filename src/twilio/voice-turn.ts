// One spoken turn of a call: answered once per turn, in time for Twilio, from any instance.
import type { FastifyBaseLogger } from 'fastify';
import { collectTurn, type Assistant } from '../assistant/engine.ts';
import { apology, phrase } from '../assistant/phrases.ts';
import type { Language } from '../config.ts';
import { appendMessages, loadRecentMessages, type Conversation } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { claimReply, completeReply, releaseReply, waitForReply } from '../db/webhook-replies-repo.ts';
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

const turnKey = (conversation: Conversation, turn: number) => `voice:${conversation.callSid ?? conversation.id}:${turn}`;

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

async function assistantTwiml(deps: VoiceTurnDeps, before: Conversation, turn: number, text: string, log: FastifyBaseLogger): Promise<TurnAnswer> {
  const outcome = await collectTurn(deps.assistant.runTurn(before, text, { stream: false }));
  // The reply is said, and the next turn heard, in the language the model may have switched to.
  const conversation = outcome.ok ? { ...before, language: outcome.language } : before;
  const { language } = conversation;
  const { waitedMs } = outcome;
  const next = voiceAction(turn + 1, inUrl(deps, conversation));
  if (!outcome.ok) return { twiml: gatherTwiml(language, outcome.apology, next), waitedMs };
  if (outcome.actions.includes('transfer')) {
    const transfer = await takeRequestedTransfer(deps.db, conversation.id);
    if (transfer) return { twiml: await handoverTwiml(deps, conversation, turn, transfer, outcome.reply), waitedMs };
  }
  if (outcome.actions.includes('end_call')) {
    // The goodbye is said whatever happens here: the call's final status schedules the summary too.
    await scheduleSummary(deps.db, conversation.id, 'settled').catch((error: unknown) => log.error({ err: error }, 'scheduling the call summary failed'));
    return { twiml: hangupTwiml(language, outcome.reply || phrase(language, 'goodbye')), waitedMs };
  }
  return { twiml: gatherTwiml(language, outcome.reply || phrase(language, 'reprompt'), next), waitedMs };
}

/** No LLM: the first answer is the caller's name, the second their message for a call-back. */
async function messageTakingTwiml(deps: VoiceTurnDeps, conversation: Conversation, turn: number, text: string): Promise<string> {
  const { language } = conversation;
  const earlier = await loadRecentMessages(deps.db, conversation.id, 10);
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

async function computeTwiml(deps: VoiceTurnDeps, conversation: Conversation, turn: number, text: string, log: FastifyBaseLogger): Promise<TurnAnswer> {
  try {
    if (text === OPERATOR_KEY) return { twiml: await operatorKeyTwiml(deps, conversation, turn), waitedMs: 0 };
    return deps.llmConfigured
      ? await assistantTwiml(deps, conversation, turn, text, log)
      : { twiml: await messageTakingTwiml(deps, conversation, turn, text), waitedMs: 0 };
  } catch (error) {
    log.error({ err: error, callSid: conversation.callSid, turn }, 'voice turn failed');
    const { language } = conversation;
    return { twiml: gatherTwiml(language, apology(language, 'other'), voiceAction(turn + 1, inUrl(deps, conversation))), waitedMs: 0 };
  }
}

/**
 * Answers turn `turn` with the caller's `text`. The first request for a turn computes the
 * reply; a retry of it waits for that reply. When the reply is not ready by the deadline the
 * caller hears a holding phrase and Twilio is redirected to collect it. A database that does not
 * answer in time rejects with the deadline's error, for the route's apology.
 */
export async function answerTurn(
  deps: VoiceTurnDeps,
  conversation: Conversation,
  turn: number,
  text: string,
  log: FastifyBaseLogger,
  deadline: Deadline,
): Promise<TurnAnswer> {
  const key = turnKey(conversation, turn);
  const claim = claimReply(deps.db, key, conversation.id);
  const claimed = await deadline.race(claim).catch((error: unknown) => {
    // The caller is asked to say it again: a claim that lands after that must not make the
    // repeated words wait for a turn nobody computes.
    void claim.then((won) => (won ? releaseReply(deps.db, key) : undefined)).catch(() => undefined);
    throw error;
  });
  if (!claimed) return { twiml: await collectReply(deps, conversation, turn, 0, deadline), waitedMs: null };

  const work = computeTwiml(deps, conversation, turn, text, log);
  // Stored after the caller has the answer, off the turn's critical path: a retry or redirect
  // arriving in between finds the turn pending and waits the few milliseconds it takes.
  const stored = work
    .then((answer) => completeReply(deps.db, key, answer.twiml))
    .catch((error: unknown) => log.error({ err: error, turn }, 'storing the voice reply failed'));
  deps.inFlight.add(stored);
  void stored.finally(() => deps.inFlight.delete(stored));

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
  const reply = await deadline.race(waitForReply(deps.db, turnKey(conversation, turn), deadline.remainingMs()));
  if (reply?.status === 'done' && reply.body) return reply.body;
  // Never started (the caller's words were lost), or the instance computing it is gone.
  if (!reply) return gatherTwiml(language, phrase(language, 'lost_turn'), voiceAction(turn, inUrl(deps, conversation)));
  if (reply.ageMs > deps.turnTimeoutMs + 2 * deps.replyDeadlineMs) {
    return gatherTwiml(language, phrase(language, 'lost_turn'), voiceAction(turn + 1, inUrl(deps, conversation)));
  }
  return holdingTwiml(language, phrase(language, 'still_holding'), voiceAction(turn, { wait: waits + 1, ...inUrl(deps, conversation) }));
}
