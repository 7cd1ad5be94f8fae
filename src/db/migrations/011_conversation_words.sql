-- Each conversation's words in its own row, GIN-indexed, kept by a trigger: a transcript search reads 100,000 conversation
-- rows instead of 400,000 messages, and can check the newest conversations without reading their messages.
-- 'simple' and stripped: every language's words as written, lower-cased, without positions (no phrase search needs them),
-- so a conversation's words are a set that grows by union as messages are stored.
ALTER TABLE conversations ADD COLUMN words tsvector NOT NULL DEFAULT ''::tsvector;

-- The first 250,000 characters of each transcript (four hours of talk): however they are written, their words fit in a
-- tsvector's 1 MB, so no conversation can stop the migration.
UPDATE conversations c SET words = m.words
FROM (SELECT conversation_id, strip(to_tsvector('simple', left(string_agg(text, ' ' ORDER BY seq), 250000))) AS words
      FROM conversation_messages GROUP BY conversation_id) m
WHERE m.conversation_id = c.id;

-- Each stored turn adds its conversation's words again (a new row version), which GIN queues in a pending list that every
-- search reads through and that the insert finding it full merges: a quarter of the default 4 MB keeps that read to
-- about 0.3 ms and the turn that merges it to 10–20 ms instead of 40 (at a fifth more write work overall).
CREATE INDEX conversations_words_idx ON conversations USING gin (words) WITH (gin_pending_list_limit = 256);

-- The messages' own words (migration 010) served the search message by message; nothing reads them now, and each
-- stored message no longer pays for a second words index.
ALTER TABLE conversation_messages DROP COLUMN words;

-- Once per statement, not per message: a turn's two to four messages cost one update of their conversation.
CREATE FUNCTION conversation_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE conversations c SET words = c.words || n.words
  FROM (SELECT conversation_id, strip(to_tsvector('simple', string_agg(text, ' ' ORDER BY seq))) AS words
        FROM stored GROUP BY conversation_id) n
  WHERE c.id = n.conversation_id AND n.words <> ''::tsvector
    -- A tsvector holds at most 1 MB of words, and going past it would fail the statement storing the messages: a
    -- conversation that full (hundreds of thousands of distinct words) stops gaining words instead. (strip copies the
    -- stored words out, so pg_column_size measures them as they are, not compressed.)
    AND pg_column_size(strip(c.words)) + pg_column_size(n.words) < 1000000;
  RETURN NULL;
END $$;

CREATE TRIGGER conversation_messages_words AFTER INSERT ON conversation_messages
  REFERENCING NEW TABLE AS stored FOR EACH STATEMENT EXECUTE FUNCTION conversation_words_add();

-- A message edited or deleted (a reply cut down to what the caller heard, a customer's erasure) takes its words with it:
-- rare, so the conversation's words are rebuilt from what its messages now say, as the fill above did.
CREATE FUNCTION conversation_words_rebuild() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE conversations c SET words = coalesce(
    (SELECT strip(to_tsvector('simple', left(string_agg(m.text, ' ' ORDER BY m.seq), 250000)))
     FROM conversation_messages m WHERE m.conversation_id = c.id), ''::tsvector)
  WHERE c.id IN (SELECT conversation_id FROM changed);
  RETURN NULL;
END $$;

-- PostgreSQL takes transition tables on one event per trigger: one trigger each.
CREATE TRIGGER conversation_messages_words_edited AFTER UPDATE ON conversation_messages
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION conversation_words_rebuild();
CREATE TRIGGER conversation_messages_words_deleted AFTER DELETE ON conversation_messages
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION conversation_words_rebuild();
