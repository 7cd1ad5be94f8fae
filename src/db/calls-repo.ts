// Phone calls and SMS threads: conversations found by what Twilio tells us (CallSid, caller).
import type { Language } from '../config.ts';
import { COLUMNS, setConversationLanguage, toConversation, type Conversation, type ConversationRow } from './conversations-repo.ts';
import { contactPhone, countContactCte } from './customer-contact.ts';
import type { Queryable } from './db.ts';

/**
 * Opens the call's conversation, or resumes it when Twilio calls a webhook again; `created` tells
 * which. A new call counts as a contact of the caller's customer record in the same statement, and
 * the name on that record (null when none is known) comes back with it, for the greeting.
 */
export async function openCallConversation(
  db: Queryable,
  call: { callSid: string; caller: string | null; language: Language },
): Promise<{ conversation: Conversation; created: boolean; customerName: string | null }> {
  // xmax is 0 only for a row this statement inserted, not for one it updated on conflict. A resumed
  // call's record is read as it was before the statement: the same, since the call was counted.
  const { rows } = await db.query<ConversationRow & { created: boolean; customer_name: string | null }>(
    `WITH conv AS (
       INSERT INTO conversations (channel, call_sid, caller, language, status) VALUES ('voice', $1, $2, $3, 'in-progress')
       ON CONFLICT (call_sid) DO UPDATE SET updated_at = now()
       RETURNING ${COLUMNS}, (xmax = 0) AS created
     ), ${countContactCte('$4')}
     SELECT conv.*, coalesce((SELECT name FROM contact), (SELECT name FROM customers WHERE phone = $4::text)) AS customer_name FROM conv`,
    [call.callSid, call.caller, call.language, contactPhone(call.caller)],
  );
  const row = rows[0]!;
  return { conversation: toConversation(row), created: row.created, customerName: row.customer_name };
}

export async function findCallConversation(db: Queryable, callSid: string): Promise<Conversation | null> {
  const { rows } = await db.query<ConversationRow>(`SELECT ${COLUMNS} FROM conversations WHERE call_sid = $1`, [callSid]);
  return rows[0] ? toConversation(rows[0]) : null;
}

/**
 * The caller's SMS conversation if they wrote within the last day, else a new one (counted as a
 * contact of the caller's customer record). The thread's
 * language follows the one the caller writes in (`written`); when that could not be told, a
 * thread keeps its own, and a new one takes `fallback`.
 */
export async function openSmsConversation(
  db: Queryable,
  caller: string | null,
  language: { written: Language | null; fallback: Language },
): Promise<Conversation> {
  const { written, fallback } = language;
  if (caller) {
    const { rows } = await db.query<ConversationRow>(
      `SELECT ${COLUMNS} FROM conversations
       WHERE channel = 'sms' AND caller = $1 AND updated_at > now() - interval '1 day'
       ORDER BY updated_at DESC LIMIT 1`,
      [caller],
    );
    const found = rows[0] ? toConversation(rows[0]) : null;
    if (found && (written === null || written === found.language)) return found;
    if (found && written) return setConversationLanguage(db, found.id, written);
  }
  // A new thread counts as a contact of the caller's customer record, in the same statement (its
  // CTE runs though nothing reads it: PostgreSQL carries out every data-modifying WITH).
  const { rows } = await db.query<ConversationRow>(
    `WITH conv AS (
       INSERT INTO conversations (channel, caller, language) VALUES ('sms', $1, $2) RETURNING ${COLUMNS}, true AS created
     ), ${countContactCte('$3')}
     SELECT conv.* FROM conv`,
    [caller, written ?? fallback, contactPhone(caller)],
  );
  return toConversation(rows[0]!);
}

// A call only moves forward: queued → ringing → in-progress → one final state.
const STATUS_RANK = `CASE %s WHEN 'queued' THEN 1 WHEN 'ringing' THEN 2 WHEN 'in-progress' THEN 3 ELSE 4 END`;

/**
 * Records a status callback. Returns false when it was ignored because the call had already
 * reached the same or a later state (callbacks can arrive out of order).
 */
export async function recordCallStatus(db: Queryable, update: { callSid: string; status: string; durationSeconds: number | undefined }): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE conversations
     SET status = $2::text,
         duration_seconds = coalesce($3::int, duration_seconds),
         ended_at = CASE WHEN ${STATUS_RANK.replace('%s', '$2::text')} = 4 THEN coalesce(ended_at, now()) ELSE ended_at END,
         updated_at = now()
     WHERE call_sid = $1 AND ${STATUS_RANK.replace('%s', 'status')} < ${STATUS_RANK.replace('%s', '$2::text')}
     RETURNING id`,
    [update.callSid, update.status, update.durationSeconds ?? null],
  );
  return rows.length === 1;
}
