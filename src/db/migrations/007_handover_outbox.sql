-- Durable background work (business webhooks, summaries, owner SMS), the summary written after a
-- conversation, and every hand-over to a person with its outcome.
CREATE TABLE outbox_jobs (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind         text NOT NULL,
  payload      jsonb NOT NULL,
  -- At most one unfinished job per key (e.g. one pending summary per conversation).
  dedup_key    text,
  attempts     integer NOT NULL DEFAULT 0,
  run_at       timestamptz NOT NULL DEFAULT now(),
  -- A claimed job is someone's until then; a worker that died leaves it to the next one after it.
  locked_until timestamptz,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  done_at      timestamptz,
  -- Given up on: retried past the job's retry window.
  failed_at    timestamptz
);
CREATE INDEX outbox_jobs_due_idx ON outbox_jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;
CREATE UNIQUE INDEX outbox_jobs_pending_key_idx ON outbox_jobs (dedup_key) WHERE done_at IS NULL AND failed_at IS NULL;

ALTER TABLE conversations ADD COLUMN summary jsonb;
ALTER TABLE conversations ADD COLUMN summarized_at timestamptz;

CREATE TABLE conversation_transfers (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id  uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  reason           text,
  -- requested → dialing → completed | no-answer | busy | failed | canceled; or unavailable (closed,
  -- no transfer number) or notified (SMS and text: the business was told instead).
  outcome          text NOT NULL DEFAULT 'requested',
  started_at       timestamptz NOT NULL DEFAULT now(),
  ended_at         timestamptz,
  duration_seconds integer
);
CREATE INDEX conversation_transfers_conversation_idx ON conversation_transfers (conversation_id, started_at);
