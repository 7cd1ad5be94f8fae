-- The business's knowledge base: documents, their chunks with full-text vectors, and (when an
-- embedding model is configured) each chunk's embedding as real[], scored exactly in process.
CREATE TABLE knowledge_documents (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- What identifies a document to its owner (the file name, or the title given through the API):
  -- adding one with the same name replaces it.
  name            text NOT NULL UNIQUE,
  title           text NOT NULL,
  format          text NOT NULL CHECK (format IN ('markdown', 'text', 'html', 'pdf')),
  content_hash    text NOT NULL,
  bytes           integer NOT NULL,
  chunk_count     integer NOT NULL,
  -- The model the chunks' embeddings came from, and their length; null when none were made.
  embedding_model text,
  embedding_dims  integer,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE knowledge_chunks (
  id          uuid PRIMARY KEY,
  document_id uuid NOT NULL REFERENCES knowledge_documents (id) ON DELETE CASCADE,
  position    integer NOT NULL,
  heading     text NOT NULL DEFAULT '',
  text        text NOT NULL,
  language    text NOT NULL CHECK (language IN ('en', 'ru', 'uk', 'sk')),
  tsv         tsvector NOT NULL,
  embedding   real[],
  UNIQUE (document_id, position)
);
CREATE INDEX knowledge_chunks_tsv_idx ON knowledge_chunks USING gin (tsv);

-- Bumped by every change to the knowledge base, so each instance knows when its in-memory
-- vector index is stale without reading the vectors again.
CREATE TABLE knowledge_state (
  id      integer PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO knowledge_state (id, version) VALUES (1, 0);
