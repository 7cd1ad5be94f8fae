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
  /** Words the caller or the assistant said: the conversation's transcript holds them all, each as a word or a word's start. */
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

/** The filter's conditions on conversations (unqualified columns), after the keyset position. */
function filterConditions(filter: ConversationFilter, after: Keyset | undefined): Conditions {
  const conditions = new Conditions().after(after);
  if (filter.channel) conditions.add('channel = $?', filter.channel);
  if (filter.status) conditions.add('status = $?', filter.status);
  if (filter.callSid) conditions.add('call_sid = $?', filter.callSid);
  if (filter.caller) conditions.add('caller = $?', filter.caller);
  if (filter.from) conditions.add('created_at >= $?::timestamptz', filter.from);
  if (filter.to) conditions.add('created_at < $?::timestamptz', filter.to);
  return conditions;
}

export async function listConversations(
  db: Queryable,
  filter: ConversationFilter,
  page: { limit: number; after?: Keyset },
): Promise<{ items: ConversationSummary[]; next: Keyset | null }> {
  const said = filter.said ? transcriptQuery(filter.said) : null;
  if (said) return listConversationsSaying(db, filter, said, page);
  const conditions = filterConditions(filter, page.after);
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM conversations c ${conditions.where()}
     ORDER BY c.created_at DESC, c.id DESC LIMIT ${conditions.next(page.limit + 1)}`,
    conditions.params,
  );
  return toPage(rows.map(toSummary), page.limit);
}

// How many of the newest conversations a search checks before it asks the words index instead: enough that words in
// one conversation in twenty fill a page from them, few enough that checking them all takes about a millisecond.
const SEARCH_WINDOW = 1000;

/**
 * Conversations whose transcripts hold the words of `query` (each conversation's words in one row, migration 011).
 * Neither way of finding them is fast for every word, and PostgreSQL cannot tell which suits (its estimates for word
 * starts are guesses), so this chooses: common words are found among the newest conversations the filter allows,
 * checked one by one against their stored words (microseconds each); rarer ones, whose matches are few, come from the
 * words index, whose cost grows with the matches: fewer than a page in a window means about 5% of conversations or
 * fewer. (A conversation with no messages yet has no words: it is never found, which is what a search means.)
 */
async function listConversationsSaying(
  db: Queryable,
  filter: ConversationFilter,
  query: string,
  page: { limit: number; after?: Keyset },
): Promise<{ items: ConversationSummary[]; next: Keyset | null }> {
  const newest = filterConditions(filter, page.after);
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS}
     -- The LIMIT inside keeps the words index out: the words are checked on the window's rows, newest first.
     FROM (SELECT * FROM conversations ${newest.where()} ORDER BY created_at DESC, id DESC LIMIT ${newest.next(SEARCH_WINDOW)}) c
     WHERE c.words @@ to_tsquery('simple', ${newest.next(query)})
     ORDER BY c.created_at DESC, c.id DESC LIMIT ${newest.next(page.limit + 1)}`,
    newest.params,
  );
  if (rows.length > page.limit) return toPage(rows.map(toSummary), page.limit);
  // Fewer than a page: either the window held every conversation the filter allows, or the words are rare.
  const all = filterConditions(filter, page.after);
  const { rows: counted } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM conversations ${all.where()} LIMIT ${all.next(SEARCH_WINDOW + 1)}) w`,
    all.params,
  );
  if (counted[0]!.n <= SEARCH_WINDOW) return toPage(rows.map(toSummary), page.limit);
  // Every conversation holding the words, then the newest of them: MATERIALIZED keeps PostgreSQL from walking the
  // newest conversations past thousands that do not match, which its guess for word starts would lead it to.
  const rare = filterConditions(filter, page.after).add("words @@ to_tsquery('simple', $?)", query);
  const { rows: found } = await db.query<SummaryRow>(
    `WITH said AS MATERIALIZED (SELECT id, created_at FROM conversations ${rare.where()})
     SELECT ${SUMMARY_COLUMNS}
     FROM (SELECT id FROM said ORDER BY created_at DESC, id DESC LIMIT ${rare.next(page.limit + 1)}) s JOIN conversations c USING (id)
     ORDER BY c.created_at DESC, c.id DESC`,
    rare.params,
  );
  return toPage(found.map(toSummary), page.limit);
}

export async function findConversationSummary(db: Queryable, id: string): Promise<ConversationSummary | null> {
  const { rows } = await db.query<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM conversations c WHERE c.id = $1`, [id]);
  return rows[0] ? toSummary(rows[0]) : null;
}
