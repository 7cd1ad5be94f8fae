// The short summary written after a conversation ends, kept on the conversation row.
import type { Queryable } from './db.ts';

export interface ConversationSummary {
  caller: string;
  intent: string;
  outcome: string;
  follow_up_needed: boolean;
  follow_up: string | null;
}

export async function saveSummary(db: Queryable, conversationId: string, summary: ConversationSummary | null): Promise<void> {
  await db.query(`UPDATE conversations SET summary = $2::jsonb, summarized_at = now() WHERE id = $1`, [
    conversationId,
    summary === null ? null : JSON.stringify(summary),
  ]);
}

export async function loadSummary(db: Queryable, conversationId: string): Promise<{ summary: ConversationSummary | null; summarizedAt: Date | null } | null> {
  const { rows } = await db.query<{ summary: ConversationSummary | null; summarized_at: Date | null }>(
    `SELECT summary, summarized_at FROM conversations WHERE id = $1`,
    [conversationId],
  );
  return rows[0] ? { summary: rows[0].summary, summarizedAt: rows[0].summarized_at } : null;
}
