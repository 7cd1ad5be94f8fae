-- The last message number, kept on the conversation row: an append takes the row lock and its
-- numbers in one statement, and always sees the newest value even after waiting for the lock.
ALTER TABLE conversations ADD COLUMN last_seq integer NOT NULL DEFAULT 0;
UPDATE conversations c SET last_seq = m.last
FROM (SELECT conversation_id, max(seq) AS last FROM conversation_messages GROUP BY conversation_id) m
WHERE m.conversation_id = c.id;
