// Texts to callers (outgoing_sms): what was decided in a conversation, and whether Twilio took it.
import type { Queryable } from './db.ts';

export type OutgoingSmsStatus = 'pending' | 'sent' | 'failed' | 'not_configured';

export interface OutgoingSms {
  id: string;
  conversationId: string;
  appointmentId: string | null;
  to: string;
  body: string;
  status: OutgoingSmsStatus;
  twilioSid: string | null;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

interface OutgoingSmsRow {
  id: string;
  conversation_id: string;
  appointment_id: string | null;
  to_phone: string;
  body: string;
  status: OutgoingSmsStatus;
  twilio_sid: string | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

const COLUMNS = 'id, conversation_id, appointment_id, to_phone, body, status, twilio_sid, last_error, created_at, sent_at';

const toOutgoingSms = (row: OutgoingSmsRow): OutgoingSms => ({
  id: row.id,
  conversationId: row.conversation_id,
  appointmentId: row.appointment_id,
  to: row.to_phone,
  body: row.body,
  status: row.status,
  twilioSid: row.twilio_sid,
  lastError: row.last_error,
  createdAt: row.created_at,
  sentAt: row.sent_at,
});

export interface NewOutgoingSms {
  conversationId: string;
  appointmentId: string | null;
  to: string;
  body: string;
  status: 'pending' | 'not_configured';
}

export async function insertOutgoingSms(db: Queryable, sms: NewOutgoingSms): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO outgoing_sms (conversation_id, appointment_id, to_phone, body, status) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [sms.conversationId, sms.appointmentId, sms.to, sms.body, sms.status],
  );
  return rows[0]!.id;
}

export async function findOutgoingSms(db: Queryable, id: string): Promise<OutgoingSms | null> {
  const { rows } = await db.query<OutgoingSmsRow>(`SELECT ${COLUMNS} FROM outgoing_sms WHERE id = $1`, [id]);
  return rows[0] ? toOutgoingSms(rows[0]) : null;
}

export async function markSmsSent(db: Queryable, id: string, twilioSid: string): Promise<void> {
  await db.query(`UPDATE outgoing_sms SET status = 'sent', twilio_sid = $2, sent_at = now(), last_error = NULL WHERE id = $1`, [id, twilioSid]);
}

/** Records why the last attempt failed; `givenUp` makes it final (failed), else it stays pending for the next attempt. */
export async function markSmsAttemptFailed(db: Queryable, id: string, error: string, givenUp: boolean): Promise<void> {
  await db.query(
    `UPDATE outgoing_sms SET last_error = $2, status = CASE WHEN $3::boolean THEN 'failed' ELSE status END WHERE id = $1 AND status = 'pending'`,
    [id, error.slice(0, 500), givenUp],
  );
}

/** The texts decided in a conversation, oldest first. */
export async function listConversationSms(db: Queryable, conversationId: string): Promise<OutgoingSms[]> {
  const { rows } = await db.query<OutgoingSmsRow>(`SELECT ${COLUMNS} FROM outgoing_sms WHERE conversation_id = $1 ORDER BY created_at, id`, [conversationId]);
  return rows.map(toOutgoingSms);
}
