-- Every text the assistant decided to send a caller (booking confirmations), kept with the
-- conversation it was decided in, and what became of it; an outbox job (sms.send) sends it.
CREATE TABLE outgoing_sms (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  appointment_id  uuid REFERENCES appointments (id) ON DELETE SET NULL,
  to_phone        text NOT NULL,
  body            text NOT NULL,
  -- pending → sent | failed; not_configured: no Twilio account to send from (kept to show what would have gone).
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'not_configured')),
  twilio_sid      text,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX outgoing_sms_conversation_idx ON outgoing_sms (conversation_id, created_at);
CREATE INDEX outgoing_sms_to_phone_idx ON outgoing_sms (to_phone);
