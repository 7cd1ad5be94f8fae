-- Replies to Twilio webhooks, keyed by what Twilio may send twice (a call's turn, a MessageSid):
-- a retry gets the stored reply, and a reply finished on one instance can be fetched on another.
CREATE TABLE webhook_replies (
  key             text PRIMARY KEY,
  conversation_id uuid REFERENCES conversations (id) ON DELETE CASCADE,
  status          text NOT NULL CHECK (status IN ('pending', 'done')),
  body            text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  completed_at    timestamptz
);
