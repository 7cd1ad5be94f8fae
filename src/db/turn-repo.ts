// A turn's two statements: one reads what the turn needs (a voice turn finds its call and claims itself on the way), one stores the turn with its reply.
import type { ModelMessage } from 'ai';
import type { Language } from '../config.ts';
import { COLUMNS, appendCtes, messagesParam, toConversation, type Conversation, type ConversationRow, type StoredMessage } from './conversations-repo.ts';
import { contactPhone, turnContactCte } from './customer-contact.ts';
import type { Queryable } from './db.ts';
import { completeReply } from './webhook-replies-repo.ts';

/** The caller's customer record as a turn sees it; null for a caller without a phone number. */
export interface CallerRecord {
  name: string | null;
  /** Conversations counted before this one. */
  previousConversations: number;
}

/** What a turn reads before asking the model: the newest messages, oldest first, and the caller's record. */
export interface TurnContext {
  history: StoredMessage[];
  caller: CallerRecord | null;
}

interface HistoryEntry {
  seq: number;
  role: ModelMessage['role'];
  content: unknown;
  text: string;
  created_at: string;
}

interface ContextRow {
  customer_name: string | null;
  previous_conversations: number | null;
  history: HistoryEntry[];
}

/** The newest `limit` messages of `conversation` (SQL), oldest first, as one json array: one row carries the whole turn's reading. */
function historySql(conversation: string, limit: string): string {
  return `(SELECT coalesce(json_agg(json_build_object('seq', h.seq, 'role', h.role, 'content', h.content, 'text', h.text, 'created_at', h.created_at) ORDER BY h.seq), '[]'::json)
     FROM (SELECT seq, role, content, text, created_at FROM conversation_messages
           WHERE conversation_id = ${conversation} ORDER BY seq DESC LIMIT ${limit}) h)`;
}

function toContext(row: ContextRow, phone: string | null): TurnContext {
  return {
    history: row.history.map((entry) => ({
      seq: entry.seq,
      message: { role: entry.role, content: entry.content } as ModelMessage,
      text: entry.text,
      createdAt: new Date(entry.created_at),
    })),
    caller: phone !== null && row.previous_conversations !== null ? { name: row.customer_name, previousConversations: row.previous_conversations } : null,
  };
}

const READ_SQL = `WITH conv AS (SELECT $1::uuid AS id, $2::text AS language, false AS created), ${turnContactCte('$3')}
  SELECT contact.name AS customer_name, contact.previous_conversations, ${historySql('$1::uuid', '$4')} AS history
  FROM (SELECT 1) one LEFT JOIN contact ON true`;

/** A turn's reading of a conversation already in hand (SMS, text, a streamed call): its caller's record counted, and its newest `historyLimit` messages. */
export async function readTurnContext(db: Queryable, conversation: Conversation, historyLimit: number): Promise<TurnContext> {
  const phone = contactPhone(conversation.caller);
  const { rows } = await db.query<ContextRow>(READ_SQL, [conversation.id, conversation.language, phone, historyLimit], { prepared: true });
  return toContext(rows[0]!, phone);
}

// The conversation row is locked first (as the store's statement locks it first), then the claim
// is taken; a claim another request holds leaves the turn's reading out.
const OPEN_VOICE_SQL = `WITH conv AS (
    INSERT INTO conversations (channel, call_sid, caller, language, status) VALUES ('voice', $1, $2, $3, 'in-progress')
    ON CONFLICT (call_sid) DO UPDATE SET updated_at = now()
    RETURNING ${COLUMNS}, (xmax = 0) AS created
  ), claim AS (
    INSERT INTO webhook_replies (key, conversation_id, status) SELECT $5, conv.id, 'pending' FROM conv
    ON CONFLICT (key) DO NOTHING RETURNING conversation_id
  ), ${turnContactCte('$4', 'conv.created OR EXISTS (SELECT 1 FROM claim)')}
  SELECT conv.*, EXISTS (SELECT 1 FROM claim) AS claimed, contact.name AS customer_name, contact.previous_conversations,
    ${historySql('(SELECT conversation_id FROM claim)', '$6')} AS history
  FROM conv LEFT JOIN contact ON true`;

export interface OpenedVoiceTurn {
  conversation: Conversation;
  /** True when this request is the first for the turn, and so the one to compute its reply. */
  claimed: boolean;
  /** What the turn needs; empty when not claimed. */
  context: TurnContext;
}

/**
 * A voice turn's first statement: finds the call's conversation (or opens it, for a call whose
 * start this database never saw), claims the turn under `replyKey` and, when claimed, counts the
 * caller's contact and reads the newest `historyLimit` messages.
 */
export async function openVoiceTurn(
  db: Queryable,
  turn: { callSid: string; caller: string | null; language: Language; replyKey: string; historyLimit: number },
): Promise<OpenedVoiceTurn> {
  const phone = contactPhone(turn.caller);
  const { rows } = await db.query<ConversationRow & ContextRow & { claimed: boolean }>(
    OPEN_VOICE_SQL,
    [turn.callSid, turn.caller, turn.language, phone, turn.replyKey, turn.historyLimit],
    { prepared: true },
  );
  const row = rows[0]!;
  return { conversation: toConversation(row), claimed: row.claimed, context: toContext(row, phone) };
}

const STORE_VOICE_SQL = `WITH ${appendCtes('$1', '$2')}
  UPDATE webhook_replies SET status = 'done', body = $4, completed_at = now() WHERE key = $3 AND EXISTS (SELECT 1 FROM appended)`;

/**
 * A voice turn's second statement: its messages appended and its reply (`body`, claimed under
 * `replyKey`) completed together, so a retry finds the reply exactly when the history holds the turn.
 */
export async function storeVoiceTurn(db: Queryable, turn: { conversationId: string; messages: readonly ModelMessage[]; replyKey: string; body: string }): Promise<void> {
  if (turn.messages.length === 0) return completeReply(db, turn.replyKey, turn.body);
  await db.query(STORE_VOICE_SQL, [turn.conversationId, messagesParam(turn.messages), turn.replyKey, turn.body], { prepared: true });
}
