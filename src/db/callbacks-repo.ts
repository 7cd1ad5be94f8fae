// Callback requests: messages callers leave for a person to call them back.
import type { Queryable } from './db.ts';

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
