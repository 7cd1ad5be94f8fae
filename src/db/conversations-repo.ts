// Conversations and their ordered messages: the durable state every turn reads and appends to.
import type { ModelMessage } from 'ai';
import type { Language } from '../config.ts';
import { contactPhone, countContactCte } from './customer-contact.ts';
import type { Queryable } from './db.ts';

export type Channel = 'voice' | 'sms' | 'text';

export interface Conversation {
  id: string;
  channel: Channel;
  callSid: string | null;
  caller: string | null;
  language: Language;
  status: string;
  createdAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
  durationSeconds: number | null;
}

export interface ConversationRow {
  id: string;
  channel: Channel;
  call_sid: string | null;
  caller: string | null;
  language: Language;
  status: string;
  created_at: Date;
  updated_at: Date;
  ended_at: Date | null;
  duration_seconds: number | null;
}

export const COLUMNS = 'id, channel, call_sid, caller, language, status, created_at, updated_at, ended_at, duration_seconds';

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    channel: row.channel,
    callSid: row.call_sid,
    caller: row.caller,
    language: row.language,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
    durationSeconds: row.duration_seconds,
  };
}

export interface NewConversation {
  channel: Channel;
  language: Language;
  caller?: string | null;
  callSid?: string | null;
}

/** A new conversation; one with a caller counts as a contact of their customer record, in the same statement. */
export async function createConversation(db: Queryable, input: NewConversation): Promise<Conversation> {
  // The contact CTE runs though nothing reads it: PostgreSQL carries out every data-modifying WITH.
  const { rows } = await db.query<ConversationRow>(
    `WITH conv AS (
       INSERT INTO conversations (channel, language, caller, call_sid) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}, true AS created
     ), ${countContactCte('$5')}
     SELECT conv.* FROM conv`,
    [input.channel, input.language, input.caller ?? null, input.callSid ?? null, contactPhone(input.caller)],
  );
  return toConversation(rows[0]!);
}

export async function findConversation(db: Queryable, id: string): Promise<Conversation | null> {
  const { rows } = await db.query<ConversationRow>(`SELECT ${COLUMNS} FROM conversations WHERE id = $1`, [id]);
  return rows[0] ? toConversation(rows[0]) : null;
}

export async function setConversationLanguage(db: Queryable, id: string, language: Language): Promise<Conversation> {
  const { rows } = await db.query<ConversationRow>(
    `UPDATE conversations SET language = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, language],
  );
  return toConversation(rows[0]!);
}

export async function setConversationStatus(db: Queryable, id: string, status: string): Promise<void> {
  await db.query(
    `UPDATE conversations SET status = $2, updated_at = now(),
       ended_at = CASE WHEN $2 = 'active' THEN NULL ELSE coalesce(ended_at, now()) END
     WHERE id = $1`,
    [id, status],
  );
}

/** A message as stored: the model's own shape plus the plain words, for transcripts. */
export interface StoredMessage {
  seq: number;
  message: ModelMessage;
  text: string;
  createdAt: Date;
}

/** The newest `limit` messages (all of them without a limit), oldest first. */
export async function loadRecentMessages(db: Queryable, conversationId: string, limit?: number): Promise<StoredMessage[]> {
  const { rows } = await db.query<{ seq: number; role: ModelMessage['role']; content: unknown; text: string; created_at: Date }>(
    `SELECT seq, role, content, text, created_at FROM conversation_messages
     WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2`,
    // LIMIT NULL is no limit.
    [conversationId, limit ?? null],
  );
  return rows.reverse().map((row) => ({
    seq: row.seq,
    message: { role: row.role, content: row.content } as ModelMessage,
    text: row.text,
    createdAt: row.created_at,
  }));
}

/** The plain words of a model message: its text parts joined. */
export function plainText(message: ModelMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('')
    .trim();
}

/** The messages an append takes, as one jsonb array: the statement's text stays the same whatever their number. */
export function messagesParam(messages: readonly ModelMessage[]): string {
  return JSON.stringify(messages.map((message) => ({ role: message.role, content: message.content, text: plainText(message) })));
}

/**
 * CTEs `touched` and `appended` that append the messages in `messages` (a messagesParam) after
 * conversation `conversation`'s last one. The UPDATE locks the conversation row and advances its
 * `last_seq`; PostgreSQL re-reads a row it had to wait for, so concurrent appends get distinct numbers.
 */
export function appendCtes(conversation: string, messages: string): string {
  return `touched AS (
       UPDATE conversations SET updated_at = now(), last_seq = last_seq + jsonb_array_length(${messages}::jsonb)
       WHERE id = ${conversation} RETURNING id, last_seq - jsonb_array_length(${messages}::jsonb) AS base
     ), appended AS (
       INSERT INTO conversation_messages (conversation_id, seq, role, content, text)
       SELECT touched.id, touched.base + m.ord, m.message->>'role', m.message->'content', m.message->>'text'
       FROM touched, jsonb_array_elements(${messages}::jsonb) WITH ORDINALITY AS m(message, ord)
       RETURNING seq
     )`;
}

const APPEND_SQL = `WITH ${appendCtes('$1', '$2')} SELECT count(*) FROM appended`;

/** Appends messages after the conversation's last one, in one statement (a turn's latency is mostly round trips). */
export async function appendMessages(db: Queryable, conversationId: string, messages: readonly ModelMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await db.query(APPEND_SQL, [conversationId, messagesParam(messages)], { prepared: true });
}
