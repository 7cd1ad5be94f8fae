// One caller turn in a relay call: the model's deltas out as text tokens as they come, and what was heard stored when cut off.
import type { FastifyBaseLogger } from 'fastify';
import type { Assistant } from '../assistant/engine.ts';
import { apology, phrase } from '../assistant/phrases.ts';
import { LANGUAGES, type Language } from '../config.ts';
import type { Conversation } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { storeInterruptedTurn, truncateLastReply } from '../db/heard-replies-repo.ts';
import { ChunkClock, withChunkClock } from '../llm/chunk-clock.ts';
import type { HandoffData, OutboundMessage } from './relay-messages.ts';

/** A reply being streamed; `heard` is set once the caller cut it off. */
export interface RunningTurn {
  controller: AbortController;
  sent: string;
  heard: string | null;
}

export interface TurnContext {
  db: Db;
  assistant: Assistant;
  log: FastifyBaseLogger;
  conversation: Conversation;
  /** True once the frame is handed to the socket. */
  send(message: OutboundMessage): boolean;
  /** A model's text delta went out, `delayMs` after its bytes reached the process. */
  observeTokenDelay(delayMs: number): void;
  /** The model switched the call's language (it has stored it): Twilio and the session follow. */
  speakIn(language: Language): void;
}

// Tools after which the call leaves the relay: their reply is said by the <Connect action>'s TwiML,
// so that ending the session cannot cut it off.
const LEAVING_TOOLS = new Set(['end_call', 'transfer_to_human']);
// Tools that wait on the database or the knowledge base: the caller hears a short phrase instead of silence.
const SLOW_TOOLS = new Set(['search_knowledge', 'find_free_slots', 'book_appointment', 'move_appointment', 'cancel_appointment', 'list_my_appointments']);

/** The language a switch_language result names. */
function switchedTo(output: unknown): Language | undefined {
  const named = (output as { language?: unknown } | null)?.language;
  return LANGUAGES.find((language) => language === named);
}

/**
 * Streams the reply to `text`; `turn.heard` may be set (and its controller aborted) meanwhile by
 * the session. Resolves once the turn is stored, with how the session ends, or null when it goes on.
 */
export function streamReply(context: TurnContext, turn: RunningTurn, text: string): Promise<HandoffData | null> {
  // The turn's streamed model requests tell this clock when their bytes arrive.
  const clock = new ChunkClock();
  return withChunkClock(clock, () => streamAndStore(context, turn, text, clock));
}

async function streamAndStore(context: TurnContext, turn: RunningTurn, text: string, clock: ChunkClock): Promise<HandoffData | null> {
  const { log, send } = context;
  let language = context.conversation.language;
  const startedMs = performance.now();
  let held = '';
  let holdBack = false;
  let outcome: { stored: boolean; actions: readonly string[] } | null = null;
  try {
    for await (const event of context.assistant.runTurn(context.conversation, text, { signal: turn.controller.signal, stream: true })) {
      if (event.type === 'done') outcome = { stored: true, actions: event.actions };
      if (turn.heard !== null) continue;
      if (event.type === 'tool-call' && LEAVING_TOOLS.has(event.name)) holdBack = true;
      if (event.type === 'tool-call' && SLOW_TOOLS.has(event.name) && turn.sent === '') {
        const filler = `${phrase(language, 'holding')} `;
        turn.sent += filler;
        send({ type: 'text', token: filler, last: false });
      }
      if (event.type === 'tool-result' && event.name === 'switch_language') {
        const switched = switchedTo(event.output);
        if (switched) context.speakIn((language = switched));
      }
      if (event.type === 'text-delta' && event.text !== '') {
        // Claimed by every delta, written or held back, so that the next one counts from its own bytes.
        const receivedMs = clock.claim();
        if (holdBack) {
          held += event.text;
          continue;
        }
        if (turn.sent === '') log.debug({ firstTokenMs: Math.round(performance.now() - startedMs) }, 'first token sent');
        turn.sent += event.text;
        // Timed once `send` returns: ws has framed the token and written it to the socket (no compression), which
        // hands it to the kernel at once unless the caller's side is backed up.
        if (send({ type: 'text', token: event.text, last: false }) && receivedMs >= 0) context.observeTokenDelay(performance.now() - receivedMs);
      }
      if (event.type === 'failed') send({ type: 'text', token: (turn.sent ? ' ' : '') + event.apology, last: true });
    }
  } catch (error) {
    log.error({ err: error }, 'relay turn failed');
    if (turn.heard === null) send({ type: 'text', token: apology(language, 'other'), last: true });
  }
  const { db, conversation } = context;
  if (turn.heard !== null) {
    // What the caller heard replaces what the model wrote, so the next turn's history matches the call.
    if (outcome?.stored) await truncateLastReply(db, conversation.id, turn.heard);
    else await storeInterruptedTurn(db, conversation.id, text, turn.heard);
    log.info({ heardChars: turn.heard.length, sentChars: turn.sent.length }, 'reply interrupted');
    return null;
  }
  if (!outcome) return null;
  const leaving = outcome.actions.includes('transfer') ? 'transfer' : outcome.actions.includes('end_call') ? 'end_call' : null;
  if (leaving) {
    if (turn.sent !== '') send({ type: 'text', token: '', last: true });
    return { reason: leaving, say: held.trim() !== '' };
  }
  // A hand-over that was not possible is an ordinary answer after all.
  send({ type: 'text', token: held || (turn.sent === '' ? phrase(language, 'reprompt') : ''), last: true });
  return null;
}
