// A conversation counts as a contact of its caller's customer record: in the very statement that creates it, and in each turn's first statement.
import { isE164 } from '../phone.ts';

/** The number to count the contact under: only a real one (E.164), never a SIP or softphone identity. */
export function contactPhone(caller: string | null | undefined): string | null {
  return caller && isE164(caller) ? caller : null;
}

/**
 * A data-modifying CTE `contact` for a statement whose CTE `conv` holds the conversation row and a
 * `created` flag: creates the caller's record or moves its last contact on and counts the
 * conversation (once: a conversation already counted is not again). `phoneParam` (e.g. `$4`) is
 * contactPhone(caller); null counts nothing. The record's name comes back as `contact.name`.
 */
export function countContactCte(phoneParam: string): string {
  return `contact AS (
    INSERT INTO customers AS c (phone, conversation_count, last_conversation_id)
    SELECT ${phoneParam}::text, 1, conv.id FROM conv WHERE conv.created AND ${phoneParam}::text IS NOT NULL
    ON CONFLICT (phone) DO UPDATE SET
      last_contact_at = now(),
      conversation_count = c.conversation_count + (c.last_conversation_id IS DISTINCT FROM EXCLUDED.last_conversation_id)::int,
      last_conversation_id = EXCLUDED.last_conversation_id
    RETURNING c.name
  )`;
}

/**
 * A data-modifying CTE `contact` for a turn's statement, whose CTE `conv` holds the conversation's
 * id, language and `created` flag: the caller's record on each turn, its last contact moved on and
 * the language they speak kept; a conversation created by the same statement is counted (once), as
 * is one whose record was missing for any reason. Only when `when` (SQL) holds and `phoneParam` is
 * a number. Returns the record's name and `previous_conversations`, the count before this one.
 */
export function turnContactCte(phoneParam: string, when = 'true'): string {
  return `contact AS (
    INSERT INTO customers AS c (phone, language, conversation_count, last_conversation_id)
    SELECT ${phoneParam}::text, conv.language, 1, conv.id FROM conv WHERE ${phoneParam}::text IS NOT NULL AND (${when})
    ON CONFLICT (phone) DO UPDATE SET
      last_contact_at = now(),
      language = coalesce(EXCLUDED.language, c.language),
      conversation_count = c.conversation_count + ((SELECT created FROM conv) AND c.last_conversation_id IS DISTINCT FROM EXCLUDED.last_conversation_id)::int,
      last_conversation_id = CASE WHEN (SELECT created FROM conv) THEN EXCLUDED.last_conversation_id ELSE c.last_conversation_id END
    RETURNING c.name, greatest(c.conversation_count - 1, 0) AS previous_conversations
  )`;
}
