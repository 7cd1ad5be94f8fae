-- For the dashboard's lists and searches: all callback requests newest first, words said in transcripts
-- (full-text, 'simple' so every language's words are kept as written), and customers by part of a name or
-- number (trigrams, where the pg_trgm extension can be had; without it that search scans).
CREATE INDEX callback_requests_created_at_idx ON callback_requests (created_at DESC, id DESC);
-- Stored, not only indexed: a search also checks the newest conversations' messages one by one, and
-- reading stored words takes microseconds where parsing the text again takes a hundred.
ALTER TABLE conversation_messages ADD COLUMN words tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED;
CREATE INDEX conversation_messages_words_idx ON conversation_messages USING gin (words);

DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  -- A server without contrib, or a role that may not create extensions: the search still works, slower.
  RAISE NOTICE 'pg_trgm is not available (%): customer search will scan the customers table', SQLERRM;
END $$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX customers_name_trgm_idx ON customers USING gin (name gin_trgm_ops);
    CREATE INDEX customers_phone_trgm_idx ON customers USING gin (phone gin_trgm_ops);
  END IF;
END $$;
