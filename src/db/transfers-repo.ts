// Hand-overs to a person, stored with their conversation: why, how they ended, how long the person talked.
import type { Queryable } from './db.ts';

/** `dialing` while the person's phone rings; `unavailable` outside hours or without a number; `notified` on SMS and text. */
export type TransferOutcome = 'requested' | 'dialing' | 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled' | 'unavailable' | 'notified';

export interface Transfer {
  id: string;
  conversationId: string;
  reason: string | null;
  outcome: TransferOutcome;
  startedAt: Date;
  endedAt: Date | null;
  durationSeconds: number | null;
}

interface TransferRow {
  id: string;
  conversation_id: string;
  reason: string | null;
  outcome: TransferOutcome;
  started_at: Date;
  ended_at: Date | null;
  duration_seconds: number | null;
}

const TRANSFER_COLUMNS = 'id, conversation_id, reason, outcome, started_at, ended_at, duration_seconds';

const toTransfer = (row: TransferRow): Transfer => ({
  id: row.id,
  conversationId: row.conversation_id,
  reason: row.reason,
  outcome: row.outcome,
  startedAt: row.started_at,
  endedAt: row.ended_at,
  durationSeconds: row.duration_seconds,
});

export async function insertTransfer(db: Queryable, transfer: { conversationId: string; reason: string | null; outcome: TransferOutcome }): Promise<Transfer> {
  const ended = transfer.outcome === 'unavailable' || transfer.outcome === 'notified';
  const { rows } = await db.query<TransferRow>(
    `INSERT INTO conversation_transfers (conversation_id, reason, outcome, ended_at) VALUES ($1, $2, $3, CASE WHEN $4::boolean THEN now() END)
     RETURNING ${TRANSFER_COLUMNS}`,
    [transfer.conversationId, transfer.reason, transfer.outcome, ended],
  );
  return toTransfer(rows[0]!);
}

/** The newest transfer the model asked for in this conversation that no transport has acted on yet. */
export async function takeRequestedTransfer(db: Queryable, conversationId: string): Promise<Transfer | null> {
  const { rows } = await db.query<TransferRow>(
    `SELECT ${TRANSFER_COLUMNS} FROM conversation_transfers WHERE conversation_id = $1 AND outcome = 'requested' ORDER BY started_at DESC LIMIT 1`,
    [conversationId],
  );
  return rows[0] ? toTransfer(rows[0]) : null;
}

/**
 * Moves a transfer on; a final outcome is recorded once (Twilio may post the dial's end twice).
 * Returns the transfer when this call changed it, null when it had already ended (or does not exist).
 */
export async function updateTransfer(
  db: Queryable,
  ids: { id: string; conversationId: string },
  update: { outcome: TransferOutcome; durationSeconds?: number | null },
): Promise<Transfer | null> {
  const final = update.outcome !== 'requested' && update.outcome !== 'dialing';
  const { rows } = await db.query<TransferRow>(
    `UPDATE conversation_transfers SET outcome = $2, duration_seconds = coalesce($3::int, duration_seconds),
       ended_at = CASE WHEN $4::boolean THEN now() ELSE ended_at END
     WHERE id = $1 AND conversation_id = $5 AND ended_at IS NULL
     RETURNING ${TRANSFER_COLUMNS}`,
    [ids.id, update.outcome, update.durationSeconds ?? null, final, ids.conversationId],
  );
  return rows[0] ? toTransfer(rows[0]) : null;
}

export async function listTransfers(db: Queryable, conversationId: string): Promise<Transfer[]> {
  const { rows } = await db.query<TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM conversation_transfers WHERE conversation_id = $1 ORDER BY started_at, id`, [
    conversationId,
  ]);
  return rows.map(toTransfer);
}
