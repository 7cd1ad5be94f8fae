-- Customers (one per phone number) and their appointments. No two booked appointments overlap on
-- the same lane (parallel capacity): an exclusion constraint over core range types, so it needs
-- no extension and holds on PGlite and PostgreSQL alike, whatever the number of instances.
CREATE TABLE customers (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  phone                text NOT NULL UNIQUE,
  name                 text,
  language             text CHECK (language IN ('en', 'ru', 'uk', 'sk')),
  notes                text NOT NULL DEFAULT '',
  first_contact_at     timestamptz NOT NULL DEFAULT now(),
  last_contact_at      timestamptz NOT NULL DEFAULT now(),
  conversation_count   integer NOT NULL DEFAULT 0,
  last_conversation_id uuid,
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_last_contact_idx ON customers (last_contact_at DESC, id DESC);

CREATE TABLE appointments (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id     uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
  service         text NOT NULL,
  name            text NOT NULL,
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL,
  -- ends_at plus the profile's buffer at booking time: the span no other booking may share.
  blocked_until   timestamptz NOT NULL,
  lane            integer NOT NULL CHECK (lane >= 1),
  status          text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  cancelled_at    timestamptz,
  CHECK (ends_at > starts_at AND blocked_until >= ends_at),
  CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
    int4range(lane, lane, '[]') WITH &&,
    tstzrange(starts_at, blocked_until) WITH &&
  ) WHERE (status = 'booked')
);
CREATE INDEX appointments_starts_at_idx ON appointments (starts_at, id);
CREATE INDEX appointments_customer_idx ON appointments (customer_id, starts_at);
