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

// How many of the newest conversations a search checks first: words in one conversation in twenty fill a page from them.
const SEARCH_WINDOW = 1000;
// How many more it checks, when the first window's share of matches says a page is that near, before it asks the words
// index instead: checking one costs about what reading one match from the index costs, so past this the index is cheaper.
const MAX_FURTHER = 4000;

/**
 * Conversations whose transcripts hold the words of `query` (each conversation's words in one row, migration 011).
 * Neither way of finding them is fast for every word, and PostgreSQL cannot tell which suits (its estimates for word
 * starts are guesses), so this chooses: the newest conversations the filter allows are checked one by one against their
 * stored words (microseconds each), as far as the share of matches among the first thousand says a page needs;
 * words too rare for that come from the words index, whose cost grows with the matches (then at most about 2%).
 * (A conversation with no messages yet has no words: it is never found, which is what a search means.)
 */
async function listConversationsSaying(
  db: Queryable,
  filter: ConversationFilter,
  query: string,
  page: { limit: number; after?: Keyset },
): Promise<{ items: ConversationSummary[]; next: Keyset | null }> {
  const wanted = page.limit + 1;
  const rows = await checkNewest(db, filter, query, page.after, SEARCH_WINDOW, wanted);
  if (rows.length === wanted) return toPage(rows.map(toSummary), page.limit);
  const edge = await windowEdge(db, filter, page.after);
  // No edge: the window held every conversation the filter allows.
  if (!edge) return toPage(rows.map(toSummary), page.limit);
  // Half as many again as the window's share of matches says would fill the page, so that chance rarely falls short.
  const further = rows.length > 0 ? Math.ceil((1.5 * (wanted - rows.length) * SEARCH_WINDOW) / rows.length) : Infinity;
  if (further <= MAX_FURTHER) {
    rows.push(...(await checkNewest(db, filter, query, edge, further, wanted - rows.length)));
    if (rows.length === wanted) return toPage(rows.map(toSummary), page.limit);
  }
  return toPage((await fromWordsIndex(db, filter, query, page.after, wanted)).map(toSummary), page.limit);
}

/** Up to `wanted` of the `window` newest conversations the filter allows after `after` whose words match, newest first. */
async function checkNewest(db: Queryable, filter: ConversationFilter, query: string, after: Keyset | undefined, window: number, wanted: number): Promise<SummaryRow[]> {
  const newest = filterConditions(filter, after);
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS}
     -- The LIMIT inside keeps the words index out: the words are checked on the window's rows, newest first.
     FROM (SELECT * FROM conversations ${newest.where()} ORDER BY created_at DESC, id DESC LIMIT ${newest.next(window)}) c
     WHERE c.words @@ to_tsquery('simple', ${newest.next(query)})
     ORDER BY c.created_at DESC, c.id DESC LIMIT ${newest.next(wanted)}`,
    newest.params,
  );
  return rows;
}

/** The position of the window's last conversation, or null when the filter allows no more than a window after `after`. */
async function windowEdge(db: Queryable, filter: ConversationFilter, after: Keyset | undefined): Promise<Keyset | null> {
  const all = filterConditions(filter, after);
  // The window's last and the one after it, which tells that there are more.
  const { rows } = await db.query<Keyset>(
    `SELECT ${KEYSET_AT_SQL} AS at, id FROM conversations ${all.where()}
     ORDER BY created_at DESC, id DESC OFFSET ${all.next(SEARCH_WINDOW - 1)} LIMIT 2`,
    all.params,
  );
  return rows.length === 2 ? { at: rows[0]!.at, id: rows[0]!.id } : null;
}

/**
 * Every conversation after `after` holding the words, then the newest `wanted`: MATERIALIZED keeps PostgreSQL from
 * walking the newest conversations past thousands that do not match, which its guess for word starts would lead it to.
 */
async function fromWordsIndex(db: Queryable, filter: ConversationFilter, query: string, after: Keyset | undefined, wanted: number): Promise<SummaryRow[]> {
  const rare = filterConditions(filter, after).add("words @@ to_tsquery('simple', $?)", query);
  const { rows } = await db.query<SummaryRow>(
    `WITH said AS MATERIALIZED (SELECT id, created_at FROM conversations ${rare.where()})
     SELECT ${SUMMARY_COLUMNS}
     FROM (SELECT id FROM said ORDER BY created_at DESC, id DESC LIMIT ${rare.next(wanted)}) s JOIN conversations c USING (id)
     ORDER BY c.created_at DESC, c.id DESC`,
    rare.params,
  );
  return rows;
}

export async function findConversationSummary(db: Queryable, id: string): Promise<ConversationSummary | null> {
  const { rows } = await db.query<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM conversations c WHERE c.id = $1`, [id]);
  return rows[0] ? toSummary(rows[0]) : null;
}
