// One spoken turn of a call: answered once per turn, in time for Twilio, from any instance.
import type { FastifyBaseLogger } from 'fastify';
import { collectTurn, type Assistant } from '../assistant/engine.ts';
import { apology, phrase } from '../assistant/phrases.ts';
import { insertCallbackRequest } from '../db/callbacks-repo.ts';
import { appendMessages, loadRecentMessages, type Conversation } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { claimReply, completeReply, waitForReply } from '../db/webhook-replies-repo.ts';
import { gatherTwiml, hangupTwiml, holdingTwiml } from './twiml.ts';

export interface VoiceTurnDeps {
  db: Db;
  assistant: Assistant;
  /** Without an LLM the call takes a message instead of answering questions. */
  llmConfigured: boolean;
  replyDeadlineMs: number;
  turnTimeoutMs: number;
  /** Turns still computing after their webhook answered; awaited on shutdown. */
  inFlight: Set<Promise<unknown>>;
}

/** Silent gathers re-prompted before the call is ended. */
export const MAX_REPROMPTS = 2;

export function voiceAction(turn: number, extra: { silence?: number; wait?: number } = {}): string {
  const query = new URLSearchParams({ turn: String(turn) });
  if (extra.silence) query.set('silence', String(extra.silence));
  if (extra.wait) query.set('wait', String(extra.wait));
  return `/twilio/voice?${query}`;
}

const turnKey = (conversation: Conversation, turn: number) => `voice:${conversation.callSid ?? conversation.id}:${turn}`;

export function silenceTwiml(conversation: Conversation, turn: number, silence: number): string {
  const { language } = conversation;
  if (silence >= MAX_REPROMPTS) return hangupTwiml(language, phrase(language, 'silence_goodbye'));
  return gatherTwiml(language, phrase(language, 'reprompt'), voiceAction(turn, { silence: silence + 1 }));
}

/** A turn's TwiML and how long computing it waited on the LLM; `llmMs` is null when this request computed nothing (it collected another's reply). */
export interface TurnAnswer {
  twiml: string;
  llmMs: number | null;
}

async function assistantTwiml(deps: VoiceTurnDeps, conversation: Conversation, turn: number, text: string): Promise<TurnAnswer> {
  const { language } = conversation;
  const outcome = await collectTurn(deps.assistant.runTurn(conversation, text, { stream: false }));
  const { llmMs } = outcome;
  if (!outcome.ok) return { twiml: gatherTwiml(language, outcome.apology, voiceAction(turn + 1)), llmMs };
  if (outcome.actions.includes('end_call')) return { twiml: hangupTwiml(language, outcome.reply || phrase(language, 'goodbye')), llmMs };
  return { twiml: gatherTwiml(language, outcome.reply || phrase(language, 'reprompt'), voiceAction(turn + 1)), llmMs };
}

/** No LLM: the first answer is the caller's name, the second their message for a call-back. */
async function messageTakingTwiml(deps: VoiceTurnDeps, conversation: Conversation, turn: number, text: string): Promise<string> {
  const { language } = conversation;
  const earlier = await loadRecentMessages(deps.db, conversation.id, 10);
  const name = earlier.find((row) => row.message.role === 'user')?.text;
  const answer = name ? phrase(language, 'message_saved') : phrase(language, 'message_ask_message');
  await deps.db.transaction(async (tx) => {
    await appendMessages(tx, conversation.id, [
      { role: 'user', content: text },
      { role: 'assistant', content: [{ type: 'text', text: answer }] },
    ]);
    if (name) await insertCallbackRequest(tx, { conversationId: conversation.id, caller: conversation.caller, name, message: text });
  });
  return name ? hangupTwiml(language, answer) : gatherTwiml(language, answer, voiceAction(turn + 1));
}

async function computeTwiml(deps: VoiceTurnDeps, conversation: Conversation, turn: number, text: string, log: FastifyBaseLogger): Promise<TurnAnswer> {
  try {
    return deps.llmConfigured
      ? await assistantTwiml(deps, conversation, turn, text)
      : { twiml: await messageTakingTwiml(deps, conversation, turn, text), llmMs: 0 };
  } catch (error) {
    log.error({ err: error, callSid: conversation.callSid, turn }, 'voice turn failed');
    return { twiml: gatherTwiml(conversation.language, apology(conversation.language, 'other'), voiceAction(turn + 1)), llmMs: 0 };
  }
}

/**
 * Answers turn `turn` with the caller's `text`. The first request for a turn computes the
 * reply; a retry of it waits for that reply. When the reply is not ready within the deadline
 * the caller hears a holding phrase and Twilio is redirected to collect it.
 */
export async function answerTurn(deps: VoiceTurnDeps, conversation: Conversation, turn: number, text: string, log: FastifyBaseLogger): Promise<TurnAnswer> {
  const key = turnKey(conversation, turn);
  if (!(await claimReply(deps.db, key, conversation.id))) return { twiml: await collectReply(deps, conversation, turn, 0), llmMs: null };

  const work = computeTwiml(deps, conversation, turn, text, log);
  // Stored after the caller has the answer, off the turn's critical path: a retry or redirect
  // arriving in between finds the turn pending and waits the few milliseconds it takes.
  const stored = work
    .then((answer) => completeReply(deps.db, key, answer.twiml))
    .catch((error: unknown) => log.error({ err: error, turn }, 'storing the voice reply failed'));
  deps.inFlight.add(stored);
  void stored.finally(() => deps.inFlight.delete(stored));

  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(resolve, deps.replyDeadlineMs, null)));
  const waitStartedMs = performance.now();
  const answer = await Promise.race([work, late]).finally(() => clearTimeout(timer));
  if (answer !== null) return answer;
  log.info({ callSid: conversation.callSid, turn }, 'reply not ready in time: holding');
  // The whole deadline was spent waiting on a turn still at the LLM: none of it is the server's own time.
  const llmMs = performance.now() - waitStartedMs;
  return { twiml: holdingTwiml(conversation.language, phrase(conversation.language, 'holding'), voiceAction(turn, { wait: 1 })), llmMs };
}

/** Fetches the reply of a turn computed elsewhere (or earlier), holding again while it is pending. */
export async function collectReply(deps: VoiceTurnDeps, conversation: Conversation, turn: number, waits: number): Promise<string> {
  const { language } = conversation;
  const reply = await waitForReply(deps.db, turnKey(conversation, turn), deps.replyDeadlineMs);
  if (reply?.status === 'done' && reply.body) return reply.body;
  // Never started (the caller's words were lost), or the instance computing it is gone.
  if (!reply) return gatherTwiml(language, phrase(language, 'lost_turn'), voiceAction(turn));
  if (reply.ageMs > deps.turnTimeoutMs + 2 * deps.replyDeadlineMs) {
    return gatherTwiml(language, phrase(language, 'lost_turn'), voiceAction(turn + 1));
  }
  return holdingTwiml(language, phrase(language, 'still_holding'), voiceAction(turn, { wait: waits + 1 }));
}
