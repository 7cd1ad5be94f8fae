// A new conversation counts as a contact of its caller's customer record, in the very statement that creates it.
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
