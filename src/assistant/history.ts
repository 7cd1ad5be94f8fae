// Trims a conversation's history to the newest messages the LLM is given.
import type { ModelMessage } from 'ai';

/**
 * Keeps at most `max` of the newest messages, then drops leading messages until the first is
 * the user's: a tool call is never separated from its result, and every provider accepts the
 * history (Anthropic requires it to start with the user).
 */
export function trimHistory(messages: readonly ModelMessage[], max: number): ModelMessage[] {
  let start = Math.max(0, messages.length - max);
  while (start < messages.length && messages[start]!.role !== 'user') start += 1;
  return messages.slice(start);
}
