// A whole turn's outcome, for transports that answer once the turn is over (webhooks, JSON) rather than as it streams.
import type { ModelMessage } from 'ai';
import type { Language } from '../config.ts';
import type { AssistantEvent } from './engine.ts';
import type { FailureCause } from './phrases.ts';
import type { AssistantAction } from './tools/tool.ts';

export type TurnOutcome =
  | { ok: true; reply: string; actions: AssistantAction[]; messages: ModelMessage[]; language: Language; waitedMs: number }
  | { ok: false; cause: FailureCause; apology: string; waitedMs: number };

/** The turn's outcome, from its events. */
export async function collectTurn(events: AsyncIterable<AssistantEvent>): Promise<TurnOutcome> {
  for await (const event of events) {
    if (event.type === 'done') return { ok: true, reply: event.reply, actions: event.actions, messages: event.messages, language: event.language, waitedMs: event.waitedMs };
    if (event.type === 'failed') return { ok: false, cause: event.cause, apology: event.apology, waitedMs: event.waitedMs };
  }
  throw new Error('assistant turn ended without an outcome');
}
