// Barge-in on a streamed call: the assistant's last reply, as stored, cut down to what the caller actually heard.
import type { ModelMessage } from 'ai';
import { appendMessages } from './conversations-repo.ts';
import type { Queryable } from './db.ts';

/**
 * Marks a text part the caller interrupted. It travels with the message as provider options under
 * our own key, which every model provider ignores, so no column or migration is needed for it.
 */
export const INTERRUPTED_OPTIONS = { phoneAssistant: { interrupted: true } } as const;

/** The assistant message for a reply heard only up to `heard`. */
export function heardReply(heard: string): ModelMessage {
  return { role: 'assistant', content: [{ type: 'text', text: heard, providerOptions: INTERRUPTED_OPTIONS }] };
}

/** Whether a stored message carries the interrupted mark. */
export function isInterrupted(message: ModelMessage): boolean {
  if (typeof message.content === 'string') return false;
  return message.content.some((part) => 'providerOptions' in part && part.providerOptions?.['phoneAssistant']?.['interrupted'] === true);
}

/**
 * A turn cut off before the model finished (nothing of it stored yet): the caller's words and
 * what they heard. Nothing heard leaves the caller's words alone, as an empty reply is no reply.
 */
export async function storeInterruptedTurn(db: Queryable, conversationId: string, userText: string, heard: string): Promise<void> {
  const messages: ModelMessage[] = [{ role: 'user', content: userText }];
  if (heard !== '') messages.push(heardReply(heard));
  await appendMessages(db, conversationId, messages);
}

/**
 * A reply already stored whole, interrupted while it was being spoken: its text becomes what was
 * heard. Only a last message that is the assistant's plain text is touched, and only when what was
 * heard is shorter (the interruption may concern words said earlier). Returns whether it changed.
 */
export async function truncateLastReply(db: Queryable, conversationId: string, heard: string): Promise<boolean> {
  const { rows } = await db.query<{ id: string; role: string; content: unknown; text: string }>(
    `SELECT id, role, content, text FROM conversation_messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 1`,
    [conversationId],
  );
  const last = rows[0];
  if (!last || last.role !== 'assistant' || heard.length >= last.text.length) return false;
  const parts = Array.isArray(last.content) ? (last.content as { type?: unknown }[]) : null;
  if (typeof last.content !== 'string' && !parts?.every((part) => part.type === 'text')) return false;
  if (heard === '') {
    await db.query(`DELETE FROM conversation_messages WHERE id = $1`, [last.id]);
    return true;
  }
  const { content } = heardReply(heard);
  await db.query(`UPDATE conversation_messages SET content = $2::jsonb, text = $3 WHERE id = $1`, [last.id, JSON.stringify(content), heard]);
  return true;
}
