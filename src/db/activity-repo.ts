// The cheap change query the dashboard's live view polls: calls in progress, open callback requests, newest rows.
import type { Queryable } from './db.ts';

export interface LiveCall {
  id: string;
  caller: string | null;
  status: string;
  createdAt: string;
  turns: number;
}

export interface Activity {
  liveCalls: LiveCall[];
  openMessages: number;
  newestConversationAt: string | null;
  newestMessageAt: string | null;
  newestHandledAt: string | null;
}

// A call with no final status for hours lost its status callback: it is not shown as live forever.
// Every part is answered from an index (created_at, the open requests' partial index) or a small table.
const ACTIVITY_SQL = `SELECT
  (SELECT coalesce(json_agg(json_build_object('id', id, 'caller', caller, 'status', status, 'createdAt', created_at, 'turns', last_seq) ORDER BY created_at), '[]'::json)
     FROM conversations
    WHERE channel = 'voice' AND status IN ('queued', 'ringing', 'in-progress') AND created_at > now() - interval '4 hours') AS live_calls,
  (SELECT count(*)::int FROM callback_requests WHERE handled_at IS NULL) AS open_messages,
  (SELECT max(created_at)::text FROM conversations) AS newest_conversation_at,
  (SELECT max(created_at)::text FROM callback_requests) AS newest_message_at,
  (SELECT max(handled_at)::text FROM callback_requests) AS newest_handled_at`;

export async function loadActivity(db: Queryable): Promise<Activity> {
  const { rows } = await db.query<{
    live_calls: LiveCall[] | string;
    open_messages: number;
    newest_conversation_at: string | null;
    newest_message_at: string | null;
    newest_handled_at: string | null;
  }>(ACTIVITY_SQL);
  const row = rows[0]!;
  return {
    liveCalls: typeof row.live_calls === 'string' ? (JSON.parse(row.live_calls) as LiveCall[]) : row.live_calls,
    openMessages: row.open_messages,
    newestConversationAt: row.newest_conversation_at,
    newestMessageAt: row.newest_message_at,
    newestHandledAt: row.newest_handled_at,
  };
}
