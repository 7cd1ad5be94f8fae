// Read side of conversations for the owner's API: filtered newest-first pages and one summary, counts included.
import type { Channel, Conversation, ConversationRow } from './conversations-repo.ts';
import { toConversation } from './conversations-repo.ts';
import type { Queryable } from './db.ts';
import { Conditions, KEYSET_AT_SQL, toPage, type Keyset } from './keyset.ts';

export interface ConversationSummary extends Conversation {
  messageCount: number;
  keysetAt: string;
}

export interface ConversationFilter {
  channel?: Channel;
  status?: string;
  /** Twilio's CallSid of a voice call. */
  callSid?: string;
  /** The caller's number in E.164. */
  caller?: string;
  /** created_at >= from (ISO 8601 with offset). */
  from?: string;
  /** created_at < to (ISO 8601 with offset). */
  to?: string;
  /** Words the caller or the assistant said: one message holds them all, each as a word or a word's start. */
  said?: string;
}

// Enough words to narrow any search; more only make the query longer.
const MAX_SEARCH_WORDS = 8;

/**
 * The words of `search` as a 'simple' (any language, unstemmed) prefix query: "book tue" finds "booked … Tuesday".
 * Only letters and digits are kept, so nothing in the text can be read as query syntax. Null when no word is left.
 */
export function transcriptQuery(search: string): string | null {
  const words = search.match(/[\p{L}\p{M}\p{N}]+/gu)?.slice(0, MAX_SEARCH_WORDS) ?? [];
  return words.length > 0 ? words.map((word) => `${word}:*`).join(' & ') : null;
}

type SummaryRow = ConversationRow & { message_count: number; keyset_at: string };

const SUMMARY_COLUMNS = `c.id, c.channel, c.call_sid, c.caller, c.language, c.status, c.created_at, c.updated_at, c.ended_at, c.duration_seconds,
  c.last_seq AS message_count,
  ${KEYSET_AT_SQL} AS keyset_at`;

function toSummary(row: SummaryRow): ConversationSummary {
  return { ...toConversation(row), messageCount: row.message_count, keysetAt: row.keyset_at };
}

export async function listConversations(
  db: Queryable,
  filter: ConversationFilter,
  page: { limit: number; after?: Keyset },
): Promise<{ items: ConversationSummary[]; next: Keyset | null }> {
  const conditions = new Conditions().after(page.after);
  if (filter.channel) conditions.add('channel = $?', filter.channel);
  if (filter.status) conditions.add('status = $?', filter.status);
  if (filter.callSid) conditions.add('call_sid = $?', filter.callSid);
  if (filter.caller) conditions.add('caller = $?', filter.caller);
  if (filter.from) conditions.add('created_at >= $?::timestamptz', filter.from);
  if (filter.to) conditions.add('created_at < $?::timestamptz', filter.to);
  const said = filter.said ? transcriptQuery(filter.said) : null;
  if (said) {
    // The expression is the one migration 010 indexes.
    conditions.add(
      `EXISTS (SELECT 1 FROM conversation_messages m WHERE m.conversation_id = c.id AND to_tsvector('simple', m.text) @@ to_tsquery('simple', $?))`,
      said,
    );
  }
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM conversations c ${conditions.where()}
     ORDER BY c.created_at DESC, c.id DESC LIMIT ${conditions.next(page.limit + 1)}`,
    conditions.params,
  );
  return toPage(rows.map(toSummary), page.limit);
}

export async function findConversationSummary(db: Queryable, id: string): Promise<ConversationSummary | null> {
  const { rows } = await db.query<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM conversations c WHERE c.id = $1`, [id]);
  return rows[0] ? toSummary(rows[0]) : null;
}
