-- Conversations (one per call, SMS thread or text session), their ordered messages, and callback requests.
CREATE TABLE conversations (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  channel          text NOT NULL CHECK (channel IN ('voice', 'sms', 'text')),
  call_sid         text UNIQUE,
  caller           text,
  language         text NOT NULL CHECK (language IN ('en', 'ru', 'uk', 'sk')),
  status           text NOT NULL DEFAULT 'active',
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  ended_at         timestamptz,
  duration_seconds integer
);
CREATE INDEX conversations_created_at_idx ON conversations (created_at DESC);
CREATE INDEX conversations_caller_idx ON conversations (caller, created_at DESC);

-- content holds the model message content as the LLM SDK exchanges it (text, tool calls,
-- tool results); text is the plain words said, for transcripts.
CREATE TABLE conversation_messages (
  id              bigserial PRIMARY KEY,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq             integer NOT NULL,
  role            text NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
  content         jsonb NOT NULL,
  text            text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (conversation_id, seq)
);

CREATE TABLE callback_requests (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
  caller          text,
  name            text NOT NULL,
  message         text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  handled_at      timestamptz
);
CREATE INDEX callback_requests_open_idx ON callback_requests (created_at DESC) WHERE handled_at IS NULL;
