// Idempotent webhook replies: claim a key, compute once, store the body; others wait for it.
import type { Queryable } from './db.ts';

/** The key of an SMS's reply: Twilio's MessageSid identifies the message, whoever handles it. */
export const smsReplyKey = (messageSid: string): string => `sms:${messageSid}`;

export interface WebhookReply {
  status: 'pending' | 'done';
  body: string | null;
  ageMs: number;
}

/** True when this request is the first with `key` and so the one to compute the reply. */
export async function claimReply(db: Queryable, key: string, conversationId: string): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO webhook_replies (key, conversation_id, status) VALUES ($1, $2, 'pending')
     ON CONFLICT (key) DO NOTHING RETURNING key`,
    [key, conversationId],
  );
  return rows.length === 1;
}

export async function completeReply(db: Queryable, key: string, body: string): Promise<void> {
  await db.query(`UPDATE webhook_replies SET status = 'done', body = $2, completed_at = now() WHERE key = $1`, [key, body], { prepared: true });
}

export async function findReply(db: Queryable, key: string): Promise<WebhookReply | null> {
  const { rows } = await db.query<{ status: 'pending' | 'done'; body: string | null; age_ms: number }>(
    `SELECT status, body, (extract(epoch FROM now() - created_at) * 1000)::int AS age_ms FROM webhook_replies WHERE key = $1`,
    [key],
  );
  const row = rows[0];
  return row ? { status: row.status, body: row.body, ageMs: row.age_ms } : null;
}

/** How many replies a conversation has claimed: for a call, the turns taken so far. */
export async function countReplies(db: Queryable, conversationId: string): Promise<number> {
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM webhook_replies WHERE conversation_id = $1', [conversationId]);
  return rows[0]!.count;
}

/**
 * Records `body` as the reply under `key`, taking over a claim left pending by a request that
 * gave up. False when a reply is already done there: whatever `body` stands for was handled.
 */
export async function recordReplyOnce(db: Queryable, key: string, conversationId: string, body: string): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO webhook_replies (key, conversation_id, status, body, completed_at) VALUES ($1, $2, 'done', $3, now())
     ON CONFLICT (key) DO UPDATE SET conversation_id = EXCLUDED.conversation_id, status = 'done', body = EXCLUDED.body, completed_at = now()
     WHERE webhook_replies.status = 'pending'
     RETURNING key`,
    [key, conversationId, body],
  );
  return rows.length === 1;
}

/** Gives a claim up, so that a retry computes the reply afresh. */
export async function releaseReply(db: Queryable, key: string): Promise<void> {
  await db.query(`DELETE FROM webhook_replies WHERE key = $1 AND status = 'pending'`, [key]);
}

const POLL_INTERVAL_MS = 100;

/**
 * Waits up to `timeoutMs` for the reply under `key` to be done. Polling the database, rather
 * than an in-process signal, finds a reply computed by any instance.
 */
export async function waitForReply(db: Queryable, key: string, timeoutMs: number): Promise<WebhookReply | null> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const reply = await findReply(db, key);
    if (!reply || reply.status === 'done' || performance.now() + POLL_INTERVAL_MS > deadline) return reply;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
