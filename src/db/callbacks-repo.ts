// Callback requests: messages callers leave for a person to call them back.
import type { Queryable } from './db.ts';
import { Conditions, KEYSET_AT_SQL, toPage, type Keyset } from './keyset.ts';

export interface NewCallbackRequest {
  conversationId: string | null;
  caller: string | null;
  name: string;
  message: string;
}

export async function insertCallbackRequest(db: Queryable, request: NewCallbackRequest): Promise<{ id: string; createdAt: Date }> {
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    `INSERT INTO callback_requests (conversation_id, caller, name, message) VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
    [request.conversationId, request.caller, request.name, request.message],
  );
  return { id: rows[0]!.id, createdAt: rows[0]!.created_at };
}

export interface CallbackRequest {
  id: string;
  conversationId: string | null;
  caller: string | null;
  name: string;
  message: string;
  createdAt: Date;
  handledAt: Date | null;
  keysetAt: string;
}

interface CallbackRow {
  id: string;
  conversation_id: string | null;
  caller: string | null;
  name: string;
  message: string;
  created_at: Date;
  handled_at: Date | null;
  keyset_at: string;
}

const CALLBACK_COLUMNS = `id, conversation_id, caller, name, message, created_at, handled_at, ${KEYSET_AT_SQL} AS keyset_at`;

function toCallbackRequest(row: CallbackRow): CallbackRequest {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    caller: row.caller,
    name: row.name,
    message: row.message,
    createdAt: row.created_at,
    handledAt: row.handled_at,
    keysetAt: row.keyset_at,
  };
}

/** Callback requests, newest first; `handled` filters on whether someone has dealt with them. */
export async function listCallbackRequests(
  db: Queryable,
  filter: { handled?: boolean },
  page: { limit: number; after?: Keyset },
): Promise<{ items: CallbackRequest[]; next: Keyset | null }> {
  const conditions = new Conditions().after(page.after);
  if (filter.handled !== undefined) conditions.add(filter.handled ? 'handled_at IS NOT NULL' : 'handled_at IS NULL');
  const { rows } = await db.query<CallbackRow>(
    `SELECT ${CALLBACK_COLUMNS} FROM callback_requests ${conditions.where()}
     ORDER BY created_at DESC, id DESC LIMIT ${conditions.next(page.limit + 1)}`,
    conditions.params,
  );
  return toPage(rows.map(toCallbackRequest), page.limit);
}

/** Marks the request handled, keeping the first time it was; null when there is no such request. */
export async function markCallbackHandled(db: Queryable, id: string): Promise<CallbackRequest | null> {
  const { rows } = await db.query<CallbackRow>(
    `UPDATE callback_requests SET handled_at = coalesce(handled_at, now()) WHERE id = $1 RETURNING ${CALLBACK_COLUMNS}`,
    [id],
  );
  return rows[0] ? toCallbackRequest(rows[0]) : null;
}
